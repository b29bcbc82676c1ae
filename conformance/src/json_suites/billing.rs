//! The `billing` suite: a Converse `usage` object and a price source → normalized usage and
//! cost ([`bedrock_core::billing`]).
//!
//! Input, with the prices of a catalog row:
//!
//! ```json
//! {"usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}, "model": "us.anthropic.claude-haiku-4-5"}
//! ```
//!
//! or with explicit prices (picodollars per token = microdollars per million tokens) and policy:
//!
//! ```json
//! {"usage": {...}, "prices": {"input": 3000000, "output": 15000000, "cache_read": 300000}, "billing": "anthropic"}
//! ```
//!
//! Output: `{"usage": <normalized usage>, "cost": <cost in USD>}`. Errors:
//! `{"kind": "unknown_model", "model": ...}` for an id the catalog does not have, and
//! `{"kind": "invalid_input", "message": ...}` for a malformed case.

use bedrock_core::billing::cost;
use bedrock_core::catalog::{self, BillingPolicy, Prices};
use bedrock_core::converse::TokenUsage;
use serde_json::{Value, json};

/// Runs one case.
///
/// # Errors
///
/// The error JSON described in the module docs.
pub fn run(input: &Value) -> Result<Value, Value> {
    let Some(members) = input.as_object() else {
        return Err(invalid("input must be an object"));
    };
    if let Some(unknown) = members
        .keys()
        .find(|k| !["usage", "model", "prices", "billing"].contains(&k.as_str()))
    {
        return Err(invalid(&format!("unknown input member \"{unknown}\"")));
    }
    let wire: TokenUsage = serde_json::from_value(member(input, "usage")?.clone())
        .map_err(|e| invalid(&format!("usage: {e}")))?;
    let (prices, policy) = match (
        input.get("model"),
        input.get("prices"),
        input.get("billing"),
    ) {
        (Some(model), None, None) => {
            let id = model
                .as_str()
                .ok_or_else(|| invalid("\"model\" must be a string"))?;
            let row =
                catalog::find(id).ok_or_else(|| json!({"kind": "unknown_model", "model": id}))?;
            (row.prices, row.billing)
        }
        (None, Some(prices), Some(billing)) => (
            serde_json::from_value::<Prices>(prices.clone())
                .map_err(|e| invalid(&format!("prices: {e}")))?,
            serde_json::from_value::<BillingPolicy>(billing.clone())
                .map_err(|e| invalid(&format!("billing: {e}")))?,
        ),
        _ => {
            return Err(invalid(
                "give either \"model\" or both \"prices\" and \"billing\"",
            ));
        }
    };
    let usage = wire.to_usage();
    let cost = cost(&usage, &prices, policy);
    Ok(json!({"usage": usage, "cost": cost}))
}

fn member<'a>(input: &'a Value, name: &str) -> Result<&'a Value, Value> {
    input
        .get(name)
        .ok_or_else(|| invalid(&format!("missing \"{name}\"")))
}

fn invalid(message: &str) -> Value {
    json!({"kind": "invalid_input", "message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_cases_are_invalid_input() {
        let usage = json!({"inputTokens": 1, "outputTokens": 1, "totalTokens": 2});
        for input in [
            json!([]),
            json!({"model": "zai.glm-5"}),
            json!({"usage": usage, "model": "zai.glm-5", "billing": "openai"}),
            json!({"usage": usage, "billing": "openai"}),
            json!({"usage": usage, "model": "zai.glm-5", "extra": 1}),
            json!({"usage": usage, "prices": {"input": 1}, "billing": "openai"}),
        ] {
            let error = run(&input).unwrap_err();
            assert_eq!(error["kind"], "invalid_input", "{input}");
        }
    }
}
