//! The Responses API (bedrock-mantle) layer's suites.
//!
//! - `responses-request`: `{"request": <neutral request>, "model": "<catalog id>", "features":
//!   {..}?, "max_output": N?, "stream": bool?}` → `{"body": <Responses JSON>, "warnings": [..]}`,
//!   or the error `{"kind": "invalid_request", "path", "message"}`.
//! - `responses-response`: `{"body": <Responses response JSON>, "model": "<catalog id>",
//!   "request_id": ".."?}` → the neutral response, or the error as the `errors` suite describes it.

use bedrock_core::converse::RequestError;
use bedrock_core::model::Request;
use bedrock_core::responses;
use serde_json::{Value, json};

use super::converse::{describe, model_info};

/// `responses-request`.
pub fn request(input: &Value) -> Result<Value, Value> {
    let model = model_info(input)?;
    let raw = input
        .get("request")
        .ok_or_else(|| json!({"kind": "bad_vector", "message": "request is missing"}))?;
    let request: Request = serde_json::from_value(raw.clone())
        .map_err(|e| json!({"kind": "invalid_request", "path": "", "message": e.to_string()}))?;
    let stream = input
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let encoded = responses::encode_request(&request, &model, stream).map_err(
        |e: RequestError| json!({"kind": "invalid_request", "path": e.path, "message": e.message}),
    )?;
    Ok(json!({"body": encoded.body, "warnings": encoded.warnings}))
}

/// `responses-response`.
pub fn response(input: &Value) -> Result<Value, Value> {
    let model = model_info(input)?;
    let body = input
        .get("body")
        .ok_or_else(|| json!({"kind": "bad_vector", "message": "body is missing"}))?;
    let bytes = serde_json::to_vec(body)
        .map_err(|e| json!({"kind": "bad_vector", "message": e.to_string()}))?;
    let request_id = input
        .get("request_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let neutral =
        responses::to_neutral(&bytes, &model, request_id, Vec::new()).map_err(|e| describe(&e))?;
    serde_json::to_value(neutral)
        .map_err(|e| json!({"kind": "bad_vector", "message": e.to_string()}))
}
