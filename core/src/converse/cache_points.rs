//! Prompt-cache points in the Converse body: the explicit ones checked, the automatic ones placed
//! (rule 5 of [`encode_request`](super::encode_request)), and their TTLs put in the order Bedrock
//! reads them.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value, json};

use crate::model::encoding::{RequestError, error};

/// Bedrock's limit on cache points per request.
pub const MAX_CACHE_POINTS: usize = 4;

/// Places the automatic cache points, at most `budget` of them, in prefix order: after the tool
/// definitions, after the system prompt, and at the end of the conversation prefix (the
/// second-to-last user turn), never twice in a row and never directly after a reasoning block.
pub(super) fn place_automatic(
    mut budget: usize,
    tools: &mut Vec<Value>,
    system: &mut Vec<Value>,
    messages: &mut [Value],
) {
    if budget > 0 && !tools.is_empty() {
        tools.push(automatic_cache_point());
        budget -= 1;
    }
    if budget > 0 && !system.is_empty() && !is_cache_point(system.last()) {
        system.push(automatic_cache_point());
        budget -= 1;
    }
    if budget > 0 {
        // The conversation prefix ends with the second-to-last user turn: everything up to it is
        // what the next request will repeat.
        let mut user_turns = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.get("role").and_then(Value::as_str) == Some("user"))
            .map(|(i, _)| i);
        let count = user_turns.clone().count();
        if let Some(prefix_end) = count.checked_sub(2).and_then(|n| user_turns.nth(n))
            && let Some(content) = messages[prefix_end]
                .get_mut("content")
                .and_then(Value::as_array_mut)
        {
            let last = content.last();
            if !is_cache_point(last) && last.is_none_or(|b| b.get("reasoningContent").is_none()) {
                content.push(automatic_cache_point());
            }
        }
    }
}

/// Marks a cache point the encoder placed itself; [`order_cache_ttls`] removes the marker.
const AUTOMATIC: &str = "__automatic";

fn automatic_cache_point() -> Value {
    json!({"cachePoint": {"type": "default", AUTOMATIC: true}})
}

pub(super) fn check_ttl(ttl: Option<&str>, path: &str) -> Result<(), RequestError> {
    match ttl {
        None | Some("5m" | "1h") => Ok(()),
        Some(_) => Err(error(
            format!("{path}.ttl"),
            "cache point ttl must be \"5m\" or \"1h\"",
        )),
    }
}

/// Bedrock reads cache points in prefix order (tools, system, messages) and rejects a longer
/// TTL after a shorter one. Explicit points in that order are an error; an automatic point takes
/// the `1h` TTL when any later point has it, so placing points never breaks the rule.
pub(super) fn order_cache_ttls(
    tools: &mut [Value],
    system: &mut [Value],
    messages: &mut [Value],
) -> Result<(), RequestError> {
    let message_blocks = messages
        .iter_mut()
        .filter_map(|m| m.get_mut("content").and_then(Value::as_array_mut))
        .flat_map(|content| content.iter_mut());
    let mut points: Vec<&mut Map<String, Value>> = tools
        .iter_mut()
        .chain(system.iter_mut())
        .chain(message_blocks)
        .filter_map(|block| block.get_mut("cachePoint").and_then(Value::as_object_mut))
        .collect();
    let mut later_one_hour = false;
    for point in points.iter_mut().rev() {
        let automatic = point.remove(AUTOMATIC).is_some();
        let one_hour = point.get("ttl").and_then(Value::as_str) == Some("1h");
        if automatic {
            if later_one_hour {
                point.insert("ttl".into(), Value::String("1h".into()));
            }
        } else if one_hour {
            later_one_hour = true;
        } else if later_one_hour {
            return Err(error(
                "",
                "a cache point with ttl \"1h\" may not follow one with a shorter ttl (Bedrock reads them in tools, system, messages order)",
            ));
        }
    }
    Ok(())
}

pub(super) fn cache_point(ttl: Option<&str>) -> Value {
    match ttl {
        Some(ttl) => json!({"cachePoint": {"type": "default", "ttl": ttl}}),
        None => json!({"cachePoint": {"type": "default"}}),
    }
}

fn is_cache_point(block: Option<&Value>) -> bool {
    block.is_some_and(|b| b.get("cachePoint").is_some())
}
