//! `exchange-request`: the bytes our [`Exchange`] puts on the wire for a call, compared with what
//! botocore sends for the same call at the same time (see `gen_exchange_vectors.py`).
//!
//! Input: `{"operation": "converse" | "converse-stream" | "count-tokens", "region", "api_id",
//! "access_key_id", "secret_access_key", "session_token", "time": ISO-8601, "request": <neutral
//! request naming model "vector-model">}`. Output: `{"request_line", "headers": {host,
//! content-type, content-length, x-amz-date, x-amz-security-token?, authorization}, "body"}`.
//! The model `vector-model` is a settings entry with `api_id` from the input, `max_output` 8192
//! and only `sampling_params` enabled, so the body holds exactly what the request asks for.

use bedrock_core::auth::Auth;
use bedrock_core::exchange::{Clock, Exchange, ExchangeConfig, Operation};
use bedrock_core::model::Request;
use bedrock_core::settings::{RouteInputs, Settings};
use bedrock_core::sigv4::Credentials;
use bedrock_core::time::{Instant, UnixTime};
use serde_json::{Map, Value, json};

use crate::http_text::RequestText;

/// Headers the vectors compare; the others (User-Agent, amz-sdk-*) differ by design.
const COMPARED: &[&str] = &[
    "host",
    "content-type",
    "content-length",
    "x-amz-date",
    "x-amz-security-token",
    "authorization",
];

fn bad(message: impl Into<String>) -> Value {
    json!({"kind": "bad_vector", "message": message.into()})
}

/// `exchange-request`.
pub fn request(input: &Value) -> Result<Value, Value> {
    let field = |name: &str| {
        input
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("{name} is missing")))
    };
    let operation = match field("operation")? {
        "converse" => Operation::Converse,
        "converse-stream" => Operation::ConverseStream,
        "count-tokens" => Operation::CountTokens,
        other => return Err(bad(format!("unknown operation {other}"))),
    };
    let region = field("region")?;
    let api_id = field("api_id")?;
    let settings_text = format!(
        "[llm.providers.bedrock]\nenabled = true\nregion = {region:?}\n\n[llm.models.\"vector-model\"]\nprovider = \"bedrock\"\napi_id = {api_id:?}\nlimits = {{ context_window = 200000, max_output = 8192 }}\nfeatures = {{ tools = false, vision = false, reasoning = false, prompt_cache = false, sampling_params = true }}\n"
    );
    let settings = Settings::parse(&settings_text).map_err(|e| bad(e.to_string()))?;
    let route = settings
        .route("vector-model", &RouteInputs::default())
        .map_err(|e| bad(e.to_string()))?;
    let mut credentials = Credentials::new(field("access_key_id")?, field("secret_access_key")?)
        .map_err(|e| bad(e.to_string()))?;
    if let Some(token) = input.get("session_token").and_then(Value::as_str) {
        credentials = credentials.with_session_token(token);
    }
    let time = UnixTime::parse_iso8601(field("time")?).map_err(|e| bad(e.to_string()))?;
    let request: Request =
        serde_json::from_value(input.get("request").cloned().unwrap_or_default())
            .map_err(|e| bad(e.to_string()))?;
    let clock = Clock {
        wall: time,
        now: Instant::ZERO,
    };
    let mut exchange = Exchange::new(
        &route,
        &request,
        operation,
        Auth::SigV4(credentials),
        &ExchangeConfig::default(),
        clock,
        [0; 32],
    )
    .map_err(|e| json!({"kind": e.kind().as_str(), "message": e.to_string()}))?;
    let bytes = exchange
        .poll_transmit()
        .ok_or_else(|| bad("the exchange has no request bytes"))?;
    let text = RequestText::parse(&bytes).map_err(bad)?;
    let mut headers = Map::new();
    for name in COMPARED {
        if let Some((_, value)) = text
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            headers.insert((*name).into(), Value::String(value.trim().into()));
        }
    }
    Ok(json!({
        "request_line": format!("{} {} HTTP/1.1", text.method, text.target()),
        "headers": headers,
        "body": String::from_utf8_lossy(&text.body),
    }))
}
