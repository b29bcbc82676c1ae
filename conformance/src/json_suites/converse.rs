//! The request, response and error suites of the Converse layer.
//!
//! - `converse-request`: `{"request": <neutral request>, "model": "<catalog id>", "features":
//!   {..}?, "max_output": N?, "operation": "converse" | "count_tokens"}` → `{"body": <Converse
//!   JSON>, "warnings": [..]}`, or the error `{"kind": "invalid_request", "path", "message"}`.
//!   `features` / `max_output` override the catalog row so a vector pins the rule it tests.
//! - `converse-response`: `{"body": <Converse response JSON>, "model": "<catalog id>",
//!   "request_id": ".."?}` → the neutral response.
//! - `errors`: `{"status": 429, "headers": {"x-amzn-ErrorType": ".."}?, "body": <JSON or text>,
//!   "model": ".."?, "region": ".."?}` → `{"kind", "error_type", "message", "retry_class",
//!   "hint", "display"}`.

use bedrock_core::catalog::{self, Features, ModelInfo};
use bedrock_core::converse::{self, ConverseResponse};
use bedrock_core::error::{Error, RetryClass};
use bedrock_core::model::Request;
use serde_json::{Value, json};

pub(crate) fn model_info(input: &Value) -> Result<ModelInfo, Value> {
    let id = input
        .get("model")
        .and_then(Value::as_str)
        .ok_or_else(|| json!({"kind": "bad_vector", "message": "model is missing"}))?;
    let mut model =
        catalog::find(id).ok_or_else(|| json!({"kind": "unknown_model", "model": id}))?;
    if let Some(features) = input.get("features") {
        let mut merged = serde_json::to_value(model.features)
            .map_err(|e| json!({"kind": "bad_vector", "message": e.to_string()}))?;
        if let (Some(base), Some(over)) = (merged.as_object_mut(), features.as_object()) {
            for (k, v) in over {
                base.insert(k.clone(), v.clone());
            }
        }
        model.features = serde_json::from_value::<Features>(merged)
            .map_err(|e| json!({"kind": "bad_vector", "message": e.to_string()}))?;
    }
    if let Some(max) = input.get("max_output").and_then(Value::as_u64) {
        model.max_output = u32::try_from(max)
            .map_err(|_| json!({"kind": "bad_vector", "message": "max_output too large"}))?;
    }
    Ok(model)
}

/// `converse-request`.
pub fn request(input: &Value) -> Result<Value, Value> {
    let model = model_info(input)?;
    let raw = input
        .get("request")
        .ok_or_else(|| json!({"kind": "bad_vector", "message": "request is missing"}))?;
    let request: Request = serde_json::from_value(raw.clone())
        .map_err(|e| json!({"kind": "invalid_request", "path": "", "message": e.to_string()}))?;
    let invalid = |e: converse::RequestError| json!({"kind": "invalid_request", "path": e.path, "message": e.message});
    match input
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or("converse")
    {
        "count_tokens" => {
            let body = converse::encode_count_tokens(&request, &model).map_err(invalid)?;
            Ok(json!({"body": body, "model_id": converse::count_tokens_model_id(&model.api_id)}))
        }
        _ => {
            let encoded = converse::encode_request(&request, &model).map_err(invalid)?;
            Ok(json!({"body": encoded.body, "warnings": encoded.warnings}))
        }
    }
}

/// `converse-response`.
pub fn response(input: &Value) -> Result<Value, Value> {
    let model = model_info(input)?;
    let body = input
        .get("body")
        .ok_or_else(|| json!({"kind": "bad_vector", "message": "body is missing"}))?;
    let bytes = serde_json::to_vec(body)
        .map_err(|e| json!({"kind": "bad_vector", "message": e.to_string()}))?;
    let parsed = ConverseResponse::from_json(&bytes)
        .map_err(|e| json!({"kind": "protocol", "message": e.to_string()}))?;
    let request_id = input
        .get("request_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let neutral = converse::to_neutral(parsed, &model, request_id, Vec::new());
    serde_json::to_value(neutral)
        .map_err(|e| json!({"kind": "bad_vector", "message": e.to_string()}))
}

/// `errors`.
pub fn errors(input: &Value) -> Result<Value, Value> {
    let status = input
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| json!({"kind": "bad_vector", "message": "status is missing"}))?;
    let header = |name: &str| {
        input
            .get("headers")
            .and_then(Value::as_object)
            .and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_str())
            })
    };
    let body = match input.get("body") {
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(other) => serde_json::to_vec(other).unwrap_or_default(),
        None => Vec::new(),
    };
    let error = Error::from_response(
        status,
        header("x-amzn-ErrorType"),
        header("x-amzn-RequestId"),
        &body,
    )
    .with_context(
        input.get("model").and_then(Value::as_str),
        input.get("region").and_then(Value::as_str),
    );
    Ok(describe(&error))
}

/// An error as vectors see it.
pub fn describe(error: &Error) -> Value {
    let class = match error.retry_class() {
        RetryClass::Throttling => "throttling",
        RetryClass::Transient => "transient",
        RetryClass::No => "no",
    };
    json!({
        "kind": error.kind().as_str(),
        "status": error.status(),
        "error_type": error.error_type(),
        "message": error.message(),
        "request_id": error.request_id(),
        "retry_class": class,
        "hint": error.hint(),
        "display": error.to_string(),
    })
}
