//! The `settings` suite: a `settings.toml` text and a model id → the route
//! ([`bedrock_core::settings::Settings::route`]) or the exact settings error.
//!
//! Input:
//!
//! ```json
//! {
//!   "toml": "[llm.providers.bedrock]\nenabled = true\n",
//!   "model": "us.anthropic.claude-sonnet-4-6",
//!   "region": "us-east-1",                          // the caller's region (AWS_REGION), or null
//!   "override": {"provider": "bedrock", "base_url": "http://127.0.0.1:8080", "region": "us-east-1"},
//!   "enable_all_unless_disabled": true,             // the CLI's rule
//!   "show_model": true,                             // also output the merged catalog row
//!   "must_not_echo": ["sk-live-..."]                // strings the error must not contain
//! }
//! ```
//!
//! Only `toml` and `model` are required. Output: `{"model", "api_id", "provider", "base_url",
//! "host", "port", "path", "region", "signing_name", "credentials", "insecure_loopback"}` (plus
//! `"warnings"` when the route has any, e.g. for a Bedrock id outside the catalog, and
//! `"model_info"` with `show_model`). Error: `{"kind", "line", "message"}`; when the error's
//! Display, Debug or JSON contains a `must_not_echo` string the runner answers
//! `{"kind": "secret_echoed"}` instead, which no vector expects.

use bedrock_core::catalog::Provider;
use bedrock_core::settings::{RouteInputs, Settings, SettingsError};
use serde_json::{Value, json};

const MEMBERS: &[&str] = &[
    "toml",
    "model",
    "region",
    "override",
    "enable_all_unless_disabled",
    "show_model",
    "must_not_echo",
];

/// Runs one case.
///
/// # Errors
///
/// The error JSON described in the module docs, or `{"kind": "invalid_input"}` for a malformed
/// case.
pub fn run(input: &Value) -> Result<Value, Value> {
    let Some(members) = input.as_object() else {
        return Err(invalid("input must be an object"));
    };
    if let Some(unknown) = members.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        return Err(invalid(&format!("unknown input member \"{unknown}\"")));
    }
    let must_not_echo: Vec<&str> = match input.get("must_not_echo") {
        None => vec![],
        Some(list) => list
            .as_array()
            .and_then(|items| items.iter().map(Value::as_str).collect())
            .ok_or_else(|| invalid("\"must_not_echo\" must be a list of strings"))?,
    };
    route(input).map_err(|e| error_json(&e, &must_not_echo))
}

fn route(input: &Value) -> Result<Value, Result<SettingsError, Value>> {
    let text = str_member(input, "toml").map_err(Err)?;
    let model = str_member(input, "model").map_err(Err)?;
    let region = match input.get("region") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => Some(r.as_str()),
        Some(_) => return Err(Err(invalid("\"region\" must be a string or null"))),
    };

    let mut settings = Settings::parse(text).map_err(Ok)?;
    if let Some(over) = input.get("override") {
        let provider = over
            .get("provider")
            .and_then(Value::as_str)
            .and_then(Provider::from_id)
            .ok_or_else(|| Err(invalid("override.provider must be a provider id")))?;
        let optional = |name: &str| over.get(name).and_then(Value::as_str);
        settings
            .override_endpoint(provider, optional("base_url"), optional("region"))
            .map_err(Ok)?;
    }
    if input
        .get("enable_all_unless_disabled")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        settings.enable_all_unless_disabled();
    }
    let route = settings
        .route(model, &RouteInputs::with_region(region))
        .map_err(Ok)?;

    let mut out = json!({
        "model": route.model.id,
        "api_id": route.model.api_id,
        "provider": route.provider.id(),
        "base_url": route.base_url,
        "host": route.host,
        "port": route.port,
        "path": route.path,
        "region": route.region,
        "signing_name": route.signing_name,
        "credentials": route.credentials.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "insecure_loopback": route.insecure_loopback,
    });
    if !route.warnings.is_empty() {
        out["warnings"] = json!(route.warnings);
    }
    if input
        .get("show_model")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        out["model_info"] = serde_json::to_value(&route.model)
            .map_err(|e| Err(invalid(&format!("model_info: {e}"))))?;
    }
    Ok(out)
}

fn error_json(error: &Result<SettingsError, Value>, must_not_echo: &[&str]) -> Value {
    let error = match error {
        Ok(e) => e,
        Err(invalid) => return invalid.clone(),
    };
    let out = json!({
        "kind": error.kind(),
        "line": error.line(),
        "message": error.to_string(),
    });
    let printed = [
        error.to_string(),
        format!("{error:?}"),
        format!("{:?}", error.problem()),
        out.to_string(),
    ];
    let echoed = must_not_echo
        .iter()
        .any(|secret| printed.iter().any(|p| p.contains(secret)));
    if echoed {
        return json!({"kind": "secret_echoed", "line": null});
    }
    out
}

fn str_member<'a>(input: &'a Value, name: &str) -> Result<&'a str, Value> {
    input
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&format!("\"{name}\" must be a string")))
}

fn invalid(message: &str) -> Value {
    json!({"kind": "invalid_input", "message": message})
}
