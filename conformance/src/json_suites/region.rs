//! The `region` suite: a hostname → the AWS region it names
//! ([`bedrock_core::settings::region_from_host`]), or `null` for a host that names none.
//!
//! Input `{"host": "bedrock-runtime.us-east-1.amazonaws.com"}`, output `{"region": "us-east-1"}`.

use bedrock_core::settings::region_from_host;
use serde_json::{Value, json};

/// Runs one case.
///
/// # Errors
///
/// `{"kind": "invalid_input"}` for a malformed case.
pub fn run(input: &Value) -> Result<Value, Value> {
    let host = input
        .get("host")
        .and_then(Value::as_str)
        .filter(|_| input.as_object().is_some_and(|m| m.len() == 1))
        .ok_or_else(
            || json!({"kind": "invalid_input", "message": "input must be {\"host\": string}"}),
        )?;
    Ok(json!({"region": region_from_host(host)}))
}
