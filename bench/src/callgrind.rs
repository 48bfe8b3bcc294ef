//! Reading a callgrind output file: the total instructions (`Ir`) and each function's
//! own share (self cost: what its code executed, not what its callees did).

use std::collections::HashMap;

/// Instructions of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Costs {
    /// Every instruction executed.
    pub total: u64,
    /// Self cost per function name.
    pub by_function: HashMap<String, u64>,
}

impl Costs {
    /// Self cost of the functions whose name contains any of `needles`.
    pub fn matching(&self, needles: &[&str]) -> u64 {
        self.by_function
            .iter()
            .filter(|(name, _)| needles.iter().any(|needle| name.contains(needle)))
            .map(|(_, cost)| cost)
            .sum()
    }
}

/// Parses callgrind's output format (with or without name compression). Only the first
/// event (`Ir`) is read.
pub fn parse(text: &str) -> Costs {
    let mut costs = Costs::default();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut function = String::new();
    let mut after_calls = false;
    let mut summed = 0u64;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("fn=") {
            function = resolve(&mut names, rest);
            after_calls = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("cfn=") {
            // Register the name so a later `fn=(id)` resolves.
            resolve(&mut names, rest);
            continue;
        }
        if line.starts_with("calls=") {
            after_calls = true;
            continue;
        }
        if let Some(total) = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:"))
        {
            if let Some(value) = total.split_whitespace().next().and_then(|v| v.parse().ok()) {
                costs.total = costs.total.max(value);
            }
            continue;
        }
        let starts_like_cost = line
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_digit() || matches!(first, '+' | '-' | '*'));
        if !starts_like_cost {
            continue;
        }
        let mut fields = line.split_whitespace();
        let _position = fields.next();
        let Some(cost) = fields.next().and_then(|value| value.parse::<u64>().ok()) else {
            continue;
        };
        if after_calls {
            // The inclusive cost of the call just named: the callee's, not ours.
            after_calls = false;
            continue;
        }
        summed += cost;
        *costs.by_function.entry(function.clone()).or_default() += cost;
    }
    if costs.total == 0 {
        costs.total = summed;
    }
    costs
}

/// A name given as `(id) name` (defines it), `(id)` (refers to it) or plain `name`.
fn resolve(names: &mut HashMap<String, String>, text: &str) -> String {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('(')
        && let Some((id, name)) = rest.split_once(')')
    {
        let name = name.trim();
        if name.is_empty() {
            return names.get(id).cloned().unwrap_or_default();
        }
        names.insert(id.to_owned(), name.to_owned());
        return name.to_owned();
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_costs_skip_inclusive_call_costs() {
        let text = "\
version: 1
events: Ir
summary: 1000

ob=(1) /bin/x
fl=(1) src/main.rs
fn=(1) main
10 100
cfl=(2) src/sha.rs
cfn=(2) sha2::sha256::compress
calls=3 20
11 600
12 50
fl=(2)
fn=(2)
20 600
fn=(3) other
1 250
";
        let costs = parse(text);
        assert_eq!(costs.total, 1000);
        assert_eq!(costs.by_function["main"], 150);
        assert_eq!(costs.by_function["sha2::sha256::compress"], 600);
        assert_eq!(costs.matching(&["sha2::"]), 600);
        assert_eq!(costs.matching(&["main", "other"]), 400);
        let plain = parse("fn=f\n5 7\n+1 3\n");
        assert_eq!((plain.total, plain.by_function["f"]), (10, 10));
    }
}
