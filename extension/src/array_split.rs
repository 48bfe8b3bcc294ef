//! Finds the elements of a top-level JSON array on bytes, without validating UTF-8, so one
//! element with invalid bytes can be dropped alone. Only the structure is checked: strings
//! (with escapes) and nesting; each element is parsed properly afterwards.

/// The byte slices of the array's elements, trimmed; `None` when `body` is not a complete
/// array (unterminated, unbalanced, or followed by anything but whitespace).
pub fn elements(body: &[u8]) -> Option<Vec<&[u8]>> {
    let mut position = skip_whitespace(body, 0);
    if body.get(position) != Some(&b'[') {
        return None;
    }
    position += 1;
    let mut elements = Vec::new();
    let after_open = skip_whitespace(body, position);
    if body.get(after_open) == Some(&b']') {
        return rest_is_blank(body, after_open + 1).then_some(elements);
    }
    loop {
        let start = skip_whitespace(body, position);
        let end = value_end(body, start)?;
        elements.push(body[start..end].trim_ascii_end());
        let next = skip_whitespace(body, end);
        match body.get(next) {
            Some(b',') => position = next + 1,
            Some(b']') => return rest_is_blank(body, next + 1).then_some(elements),
            _ => return None,
        }
    }
}

fn skip_whitespace(body: &[u8], mut position: usize) -> usize {
    while body
        .get(position)
        .is_some_and(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
    {
        position += 1;
    }
    position
}

fn rest_is_blank(body: &[u8], position: usize) -> bool {
    skip_whitespace(body, position) == body.len()
}

/// Where the value starting at `start` ends (exclusive): at depth 0, before `,` or `]`.
fn value_end(body: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut position = start;
    while let Some(&byte) = body.get(position) {
        match byte {
            b'"' => position = string_end(body, position)?,
            b'{' | b'[' => {
                depth += 1;
                position += 1;
            }
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                position += 1;
            }
            b',' | b']' if depth == 0 => break,
            _ => position += 1,
        }
    }
    (depth == 0 && position > start && position < body.len()).then_some(position)
}

/// The position just past the string that opens at `start`.
fn string_end(body: &[u8], start: usize) -> Option<usize> {
    let mut position = start + 1;
    loop {
        match body.get(position)? {
            b'\\' => position += 2,
            b'"' => return Some(position + 1),
            _ => position += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn splits_top_level_elements_whatever_their_bytes() {
        let body = b" [ {\"a\": [1, {\"b\": \"],\\\"\"}]}, \"x\xffy\" ,3 ,[ ] ] \n";
        let elements = elements(body).unwrap();
        let texts: Vec<&[u8]> = elements.clone();
        assert_eq!(texts.len(), 4);
        assert_eq!(texts[0], b"{\"a\": [1, {\"b\": \"],\\\"\"}]}");
        assert_eq!(texts[1], b"\"x\xffy\"");
        assert_eq!(texts[2], b"3");
        assert_eq!(texts[3], b"[ ]");
        assert_eq!(super::elements(b"[]").unwrap().len(), 0);
    }

    #[test]
    fn incomplete_arrays_are_rejected() {
        for body in [
            &b""[..],
            b"{}",
            b"[1,2",
            b"[1,]",
            b"[{\"a\":1]",
            b"[\"open]",
            b"[1] x",
            b"[,1]",
        ] {
            assert!(
                elements(body).is_none(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
