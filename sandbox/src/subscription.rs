//! A Telemetry API subscription request (`PUT /2022-07-01/telemetry`) read the way Lambda
//! reads it: its types, its buffering with Lambda's defaults and ranges (the simulator
//! defaults `maxItems` to 10000 and checks no range), and its destination with `sandbox` and
//! `sandbox.localdomain` mapped to loopback (the simulator maps only the second). Also the
//! request the simulator gets instead, pointing at the sandbox's relay. Pure code.

use serde_json::Value;
use std::collections::HashSet;

/// Lambda's default `maxItems` (the simulator defaults to 10000).
const DEFAULT_MAX_ITEMS: usize = 1000;
/// Lambda's default `maxBytes`.
const DEFAULT_MAX_BYTES: usize = 262_144;
/// Lambda's default `timeoutMs`.
const DEFAULT_TIMEOUT_MS: u64 = 1000;
/// Accepted `maxItems` range.
const MAX_ITEMS_RANGE: std::ops::RangeInclusive<u64> = 1000..=10_000;
/// Accepted `maxBytes` range.
const MAX_BYTES_RANGE: std::ops::RangeInclusive<u64> = 262_144..=1_048_576;
/// Accepted `timeoutMs` range.
const TIMEOUT_MS_RANGE: std::ops::RangeInclusive<u64> = 25..=30_000;
/// The simulator's own batching toward the relay (the largest batches, the shortest
/// timeout), so platform events join the stream soon.
const RELAY_MAX_ITEMS: u64 = 10_000;
const RELAY_MAX_BYTES: u64 = 1_048_576;
const RELAY_TIMEOUT_MS: u64 = 25;

/// What a subscriber asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    /// `platform`, `function`, `extension`.
    pub types: HashSet<String>,
    /// When to deliver.
    pub buffering: Buffering,
    /// Where to deliver, reachable from here.
    pub destination: http::Uri,
}

impl Subscription {
    /// Reads a subscription request; `Err` is the message of Lambda's `ValidationError`.
    pub(crate) fn from_request(request: &Value) -> Result<Self, String> {
        let buffering = Buffering::from_request(request.get("buffering"))?;
        let uri = request
            .pointer("/destination/URI")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let destination = local_destination(uri)?;
        let types = request
            .get("types")
            .and_then(Value::as_array)
            .map(|types| {
                types
                    .iter()
                    .filter_map(|name| name.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            types,
            buffering,
            destination,
        })
    }
}

/// The request to send the simulator instead of `request`: the same types, delivered to
/// `relay` with small batches.
pub(crate) fn relay_request(mut request: Value, relay: String) -> Value {
    request["destination"]["URI"] = Value::String(relay);
    request["buffering"] = serde_json::json!({
        "maxItems": RELAY_MAX_ITEMS,
        "maxBytes": RELAY_MAX_BYTES,
        "timeoutMs": RELAY_TIMEOUT_MS,
    });
    request
}

/// A subscription's buffering, with Lambda's defaults for absent fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffering {
    /// Deliver when this many events are buffered.
    pub max_items: usize,
    /// Deliver when this many bytes are buffered.
    pub max_bytes: usize,
    /// Deliver this long after the first buffered event at the latest.
    pub timeout: std::time::Duration,
}

impl Default for Buffering {
    fn default() -> Self {
        Self {
            max_items: DEFAULT_MAX_ITEMS,
            max_bytes: DEFAULT_MAX_BYTES,
            timeout: std::time::Duration::from_millis(DEFAULT_TIMEOUT_MS),
        }
    }
}

impl Buffering {
    /// Reads the `buffering` object of a subscription request; `Err` names the field out of
    /// Lambda's accepted range.
    pub fn from_request(buffering: Option<&Value>) -> Result<Self, String> {
        let mut result = Self::default();
        let Some(buffering) = buffering else {
            return Ok(result);
        };
        let field =
            |name: &str, range: &std::ops::RangeInclusive<u64>| -> Result<Option<u64>, String> {
                match buffering.get(name) {
                    None | Some(Value::Null) => Ok(None),
                    Some(value) => match value.as_u64() {
                        Some(number) if range.contains(&number) => Ok(Some(number)),
                        _ => Err(format!(
                            "buffering.{name} must be an integer in {}..={}, got {value}",
                            range.start(),
                            range.end()
                        )),
                    },
                }
            };
        if let Some(items) = field("maxItems", &MAX_ITEMS_RANGE)? {
            result.max_items = usize::try_from(items).unwrap_or(usize::MAX);
        }
        if let Some(bytes) = field("maxBytes", &MAX_BYTES_RANGE)? {
            result.max_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
        }
        if let Some(timeout) = field("timeoutMs", &TIMEOUT_MS_RANGE)? {
            result.timeout = std::time::Duration::from_millis(timeout);
        }
        Ok(result)
    }
}

/// Maps a subscription's destination to one reachable here: Lambda resolves both
/// `sandbox.localdomain` and `sandbox` to the execution environment; the simulator maps only
/// the first.
fn local_destination(uri: &str) -> Result<http::Uri, String> {
    let parsed: http::Uri = uri
        .parse()
        .map_err(|error| format!("destination URI {uri:?} is invalid: {error}"))?;
    if parsed.scheme_str() != Some("http") {
        return Err(format!("destination URI {uri:?} must use http"));
    }
    let host = parsed.host().unwrap_or_default();
    if host != "sandbox.localdomain" && host != "sandbox" {
        return Ok(parsed);
    }
    let authority = match parsed.port_u16() {
        Some(port) => format!("127.0.0.1:{port}"),
        None => "127.0.0.1".to_owned(),
    };
    let path = parsed.path_and_query().map_or("/", |path| path.as_str());
    format!("http://{authority}{path}")
        .parse()
        .map_err(|error| format!("destination URI {uri:?} is invalid: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn buffering_defaults_and_ranges() {
        assert_eq!(Buffering::from_request(None).unwrap(), Buffering::default());
        let parsed = Buffering::from_request(Some(
            &serde_json::json!({"maxItems":2000,"maxBytes":262144,"timeoutMs":25}),
        ))
        .unwrap();
        assert_eq!(parsed.max_items, 2000);
        assert_eq!(parsed.timeout, Duration::from_millis(25));
        let error =
            Buffering::from_request(Some(&serde_json::json!({"timeoutMs":10}))).unwrap_err();
        assert!(error.contains("timeoutMs"), "{error}");
        assert!(Buffering::from_request(Some(&serde_json::json!({"maxItems":999}))).is_err());
    }

    #[test]
    fn sandbox_hosts_map_to_loopback_and_others_are_kept() {
        assert_eq!(
            local_destination("http://sandbox.localdomain:4243/telemetry").unwrap(),
            "http://127.0.0.1:4243/telemetry"
        );
        assert_eq!(
            local_destination("http://sandbox:4243").unwrap(),
            "http://127.0.0.1:4243/"
        );
        assert_eq!(
            local_destination("http://127.0.0.1:9/x").unwrap(),
            "http://127.0.0.1:9/x"
        );
        assert!(local_destination("https://sandbox:1/").is_err());
        assert!(local_destination("not a uri").is_err());
    }

    #[test]
    fn a_request_gives_its_types_buffering_and_local_destination() {
        let request = json!({
            "schemaVersion": "2022-12-13",
            "types": ["platform", "function"],
            "buffering": {"timeoutMs": 25},
            "destination": {"protocol": "HTTP", "URI": "http://sandbox:4243"},
        });
        let subscription = Subscription::from_request(&request).unwrap();
        assert_eq!(
            subscription.types,
            HashSet::from(["platform".to_owned(), "function".to_owned()])
        );
        assert_eq!(subscription.buffering.timeout, Duration::from_millis(25));
        assert_eq!(subscription.buffering.max_items, DEFAULT_MAX_ITEMS);
        assert_eq!(subscription.destination, "http://127.0.0.1:4243/");
        let without_destination = json!({"types": ["platform"]});
        assert!(Subscription::from_request(&without_destination).is_err());
    }

    #[test]
    fn the_relayed_request_keeps_the_types_and_points_at_the_relay() {
        let request = json!({
            "schemaVersion": "2022-12-13",
            "types": ["platform"],
            "buffering": {"timeoutMs": 1000},
            "destination": {"protocol": "HTTP", "URI": "http://sandbox:4243"},
        });
        let relayed = relay_request(request, "http://127.0.0.1:9/relay/id".to_owned());
        assert_eq!(relayed["types"], json!(["platform"]));
        assert_eq!(relayed["schemaVersion"], "2022-12-13");
        assert_eq!(relayed["destination"]["protocol"], "HTTP");
        assert_eq!(relayed["destination"]["URI"], "http://127.0.0.1:9/relay/id");
        assert_eq!(relayed["buffering"]["timeoutMs"], 25);
    }
}
