//! Lambda Telemetry API subscription (`PUT /2022-07-01/telemetry`). Schema `2025-01-29`,
//! which Managed Instances require and default functions accept; `2022-12-13` only where an
//! environment refuses the newer one.

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use serde::Serialize;
use tracing::info;

use crate::config::{Buffering, TelemetryType};
use crate::extensions_api::{ApiError, CALL_TIMEOUT, EXTENSION_ID_HEADER, ExtensionsClient, send};

/// Event schema versions, in the order they are asked for.
pub const SCHEMA_VERSIONS: [&str; 2] = ["2025-01-29", "2022-12-13"];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Subscription<'a> {
    schema_version: &'a str,
    destination: Destination<'a>,
    types: Vec<&'a str>,
    buffering: BufferingBody,
}

#[derive(Serialize)]
struct Destination<'a> {
    protocol: &'a str,
    #[serde(rename = "URI")]
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BufferingBody {
    max_items: u32,
    max_bytes: u32,
    timeout_ms: u32,
}

/// The subscription request delivering `types` to `destination` (`http://host:port`).
pub fn subscribe_request(
    api: &str,
    id: &str,
    schema_version: &str,
    destination: &str,
    types: &[TelemetryType],
    buffering: Buffering,
) -> Result<Request<Full<Bytes>>, http::Error> {
    let body = Subscription {
        schema_version,
        destination: Destination {
            protocol: "HTTP",
            uri: destination,
        },
        types: types.iter().map(|kind| kind.as_str()).collect(),
        buffering: BufferingBody {
            max_items: buffering.max_items,
            max_bytes: buffering.max_bytes,
            timeout_ms: buffering.timeout_ms,
        },
    };
    Request::builder()
        .method(Method::PUT)
        .uri(format!("http://{api}/2022-07-01/telemetry"))
        .header(EXTENSION_ID_HEADER, id)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(
            serde_json::to_vec(&body).unwrap_or_default(),
        )))
}

/// Subscribes the registered extension with the newest schema the environment accepts;
/// returns the schema version used.
pub async fn subscribe(
    extension: &ExtensionsClient,
    destination: &str,
    types: &[TelemetryType],
    buffering: Buffering,
) -> Result<&'static str, ApiError> {
    let (last, newer) = SCHEMA_VERSIONS.split_last().unwrap_or((&"2022-12-13", &[]));
    for schema_version in newer {
        let request = subscribe_request(
            extension.api(),
            extension.id(),
            schema_version,
            destination,
            types,
            buffering,
        )?;
        match send(extension.http(), request, Some(CALL_TIMEOUT)).await {
            Ok(_) => return Ok(schema_version),
            // Only a refusal of the request itself is worth another schema.
            Err(ApiError::Status { status, .. }) if status == StatusCode::BAD_REQUEST => {
                info!("the Telemetry API refused schema {schema_version}; trying an older one");
            }
            Err(error) => return Err(error),
        }
    }
    let request = subscribe_request(
        extension.api(),
        extension.id(),
        last,
        destination,
        types,
        buffering,
    )?;
    send(extension.http(), request, Some(CALL_TIMEOUT))
        .await
        .map(|_| *last)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn subscription_body() {
        let request = subscribe_request(
            "h:1",
            "id",
            SCHEMA_VERSIONS[0],
            "http://sandbox.localdomain:4243",
            &[TelemetryType::Platform, TelemetryType::Function],
            Buffering {
                max_items: 1000,
                max_bytes: 262_144,
                timeout_ms: 25,
            },
        )
        .unwrap();
        assert_eq!(request.method(), Method::PUT);
        assert_eq!(request.uri(), "http://h:1/2022-07-01/telemetry");
        let body = request.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "schemaVersion": "2025-01-29",
                "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:4243"},
                "types": ["platform", "function"],
                "buffering": {"maxItems": 1000, "maxBytes": 262144, "timeoutMs": 25}
            })
        );
    }
}
