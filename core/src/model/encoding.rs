//! What both wire encoders ([`crate::converse::encode_request`] and
//! [`crate::responses::encode_request`]) do alike with the neutral request: their error type, the
//! output cap, the sampling parameters, tool names and schemas, and merging provider options
//! into the body. Each rule is written once here and applied by both.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value, json};

use super::{Request, Tool};
use crate::catalog::ModelInfo;

/// A request that cannot be expressed as a call of the model's wire API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    /// Where in the request, e.g. `messages[2].content[0]`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl core::error::Error for RequestError {}

impl From<serde_json::Error> for RequestError {
    fn from(e: serde_json::Error) -> Self {
        error("", e.to_string())
    }
}

/// A [`RequestError`] at `path`.
pub(crate) fn error(path: impl Into<String>, message: impl Into<String>) -> RequestError {
    RequestError {
        path: path.into(),
        message: message.into(),
    }
}

/// A wire body and what the encoder changed on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedRequest {
    /// The request body: the Converse body (the model id goes in the URL, not here) or the
    /// `POST /openai/v1/responses` body.
    pub body: Value,
    /// Changes made to the caller's request (dropped or clamped parameters, moved cache points,
    /// `store` forced).
    pub warnings: Vec<String>,
}

impl EncodedRequest {
    /// The body serialized.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body).unwrap_or_default()
    }
}

/// The output cap to send: `max_tokens`, defaulting to the model's maximum output; a larger value
/// is clamped to it, with a warning, except for an uncataloged Bedrock id
/// ([`ModelInfo::uncataloged`]), whose real limit is unknown: there it is sent as given.
///
/// # Errors
///
/// `max_tokens` of 0.
pub(crate) fn output_cap(
    request: &Request,
    model: &ModelInfo,
    warnings: &mut Vec<String>,
) -> Result<u32, RequestError> {
    match request.max_tokens {
        None => Ok(model.max_output),
        Some(0) => Err(error("max_tokens", "must be at least 1")),
        Some(n) if n > model.max_output && !model.uncataloged => {
            warnings.push(format!(
                "max_tokens {n} exceeds the maximum output of {} ({}); clamped to {}",
                model.id, model.max_output, model.max_output
            ));
            Ok(model.max_output)
        }
        Some(n) => Ok(n),
    }
}

/// The sampling parameters to send; `None` for one not set or dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Sampling {
    /// `temperature`.
    pub temperature: Option<f64>,
    /// `top_p`.
    pub top_p: Option<f64>,
}

impl Sampling {
    /// Inserts the parameters kept into `object`, under the wire API's member names.
    pub(crate) fn insert_into(
        self,
        object: &mut Map<String, Value>,
        temperature_member: &str,
        top_p_member: &str,
    ) {
        for (member, value) in [
            (temperature_member, self.temperature),
            (top_p_member, self.top_p),
        ] {
            if let Some(value) = value {
                object.insert(member.into(), json!(value));
            }
        }
    }
}

/// The caller's `temperature` (0 to `temperature_max`) and `top_p` (0 to 1), checked in that
/// order. For a model whose row does not allow sampling parameters (Bedrock pins them) each
/// one set is dropped, with the warning `"<name> dropped: <why_dropped>"`.
///
/// # Errors
///
/// A value out of its range, or not finite.
pub(crate) fn sampling(
    request: &Request,
    model: &ModelInfo,
    temperature_max: f64,
    why_dropped: &str,
    warnings: &mut Vec<String>,
) -> Result<Sampling, RequestError> {
    let mut kept = Sampling::default();
    for (name, value, max, slot) in [
        (
            "temperature",
            request.temperature,
            temperature_max,
            &mut kept.temperature,
        ),
        ("top_p", request.top_p, 1.0, &mut kept.top_p),
    ] {
        let Some(value) = value else { continue };
        if !value.is_finite() || !(0.0..=max).contains(&value) {
            return Err(error(name, format!("must be between 0 and {max}")));
        }
        if model.features.sampling_params {
            *slot = Some(value);
        } else {
            warnings.push(format!("{name} dropped: {why_dropped}"));
        }
    }
    Ok(kept)
}

/// Tool `i`'s name checked and its input schema as a JSON Schema object (`"type": "object"`
/// added when missing; none is an empty object): the rules Converse and the Responses API share
/// (both take names of 1 to 64 characters of `[a-zA-Z0-9_-]`).
///
/// # Errors
///
/// A bad name, or a schema that is not an object.
pub(crate) fn tool_input_schema(i: usize, tool: &Tool) -> Result<Value, RequestError> {
    if tool.name.is_empty()
        || tool.name.len() > 64
        || !tool
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(error(
            format!("tools[{i}].name"),
            "tool names must be 1 to 64 characters of a-z, A-Z, 0-9, '_' and '-'",
        ));
    }
    match &tool.input_schema {
        None | Some(Value::Null) => Ok(json!({"type": "object", "properties": {}})),
        Some(Value::Object(schema)) => {
            let mut schema = schema.clone();
            schema
                .entry("type")
                .or_insert_with(|| Value::String("object".into()));
            Ok(Value::Object(schema))
        }
        Some(_) => Err(error(
            format!("tools[{i}].input_schema"),
            "must be a JSON Schema object",
        )),
    }
}

/// Merges provider options into the body: new members are added, an object member that exists on
/// both sides is merged one level deep (the caller's values winning), anything else is replaced.
pub(crate) fn merge_options(body: &mut Map<String, Value>, options: &Map<String, Value>) {
    for (key, value) in options {
        match (body.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(extra)) => {
                for (k, v) in extra {
                    existing.insert(k.clone(), v.clone());
                }
            }
            _ => {
                body.insert(key.clone(), value.clone());
            }
        }
    }
}
