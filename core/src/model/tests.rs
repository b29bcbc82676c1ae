use alloc::string::ToString;
use alloc::vec;

use serde_json::json;

use super::*;
use crate::billing::Usage;

/// The builder's request serializes to the bytes the hand-written JSON reads back to.
fn assert_same_json(built: &Request, hand_written: &Value) {
    let parsed = Request::from_json(hand_written.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("hand-written JSON does not parse: {e}"));
    assert_eq!(built, &parsed);
    let built_json = serde_json::to_string(built).unwrap_or_default();
    assert_eq!(
        built_json,
        serde_json::to_string(&parsed).unwrap_or_default()
    );
    assert_eq!(
        serde_json::from_str::<Value>(&built_json).ok().as_ref(),
        Some(hand_written)
    );
}

#[test]
fn builder_matches_the_module_doc_json() {
    let built = Request::new("us.anthropic.claude-sonnet-4-6")
        .system("You are terse.")
        .user("What is the weather in Paris?")
        .assistant(vec![Part::tool_call(
            "t1",
            "weather",
            json!({"city": "Paris"}),
        )])
        .user(Part::tool_result("t1", "18 °C, clear"))
        .tool(Tool::new(
            "weather",
            "Current weather",
            json!({"properties": {"city": {"type": "string"}}}),
        ))
        .tool_choice(ToolChoice::Auto)
        .max_tokens(1024)
        .temperature(0.2)
        .provider_option("bedrock", "serviceTier", json!({"type": "flex"}));
    let hand_written = json!({
      "model": "us.anthropic.claude-sonnet-4-6",
      "system": "You are terse.",
      "messages": [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": [
          {"type": "tool_call", "id": "t1", "name": "weather", "arguments": {"city": "Paris"}}]},
        {"role": "user", "content": [
          {"type": "tool_result", "tool_call_id": "t1", "content": "18 °C, clear"}]}
      ],
      "tools": [{"name": "weather", "description": "Current weather",
                 "input_schema": {"properties": {"city": {"type": "string"}}}}],
      "tool_choice": "auto",
      "max_tokens": 1024,
      "temperature": 0.2,
      "provider_options": {"bedrock": {"serviceTier": {"type": "flex"}}}
    });
    assert_same_json(&built, &hand_written);
}

#[test]
fn builder_covers_every_request_member() {
    let built = Request::new("m")
        .system(vec![Part::text("sys"), Part::cache_point()])
        .message(Message::user(vec![
            Part::text("look"),
            Part::image("png", "iVBORw0KGgo="),
        ]))
        .tool(Tool::new("lookup", "Looks things up", json!({"type": "object"})).strict(true))
        .tool_choice(ToolChoice::named("lookup"))
        .top_p(0.9)
        .stop("END")
        .stop(String::from("STOP"))
        .provider_option("bedrock", "a", json!(1))
        .provider_option("bedrock", "b", json!({"c": true}))
        .provider_option("other", "x", json!("y"));
    let hand_written = json!({
      "model": "m",
      "system": [{"type": "text", "text": "sys"}, {"type": "cache_point"}],
      "messages": [{"role": "user", "content": [
        {"type": "text", "text": "look"},
        {"type": "image", "format": "png", "data": "iVBORw0KGgo="}]}],
      "tools": [{"name": "lookup", "description": "Looks things up",
                 "input_schema": {"type": "object"}, "strict": true}],
      "tool_choice": {"name": "lookup"},
      "top_p": 0.9,
      "stop": ["END", "STOP"],
      "provider_options": {"bedrock": {"a": 1, "b": {"c": true}}, "other": {"x": "y"}}
    });
    assert_same_json(&built, &hand_written);
}

#[test]
fn a_tool_round_trip_built_in_rust_matches_its_json() {
    // Turn 1: the user asks with a tool defined; the model answers with a call.
    let mut request = Request::new("us.anthropic.claude-haiku-4-5")
        .tool(Tool::new(
            "add",
            "Adds two numbers",
            json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}),
        ))
        .user("What is 2 + 3?");
    let response = Response {
        model: "us.anthropic.claude-haiku-4-5".into(),
        content: vec![
            Part::text("Let me add."),
            Part::tool_call("call-1", "add", json!({"a": 2, "b": 3})),
            Part::TruncatedToolCall {
                id: "call-2".into(),
                name: "add".into(),
                partial_arguments: "{\"a\":".into(),
            },
        ],
        stop_reason: StopReason::ToolUse,
        raw_stop_reason: "tool_use".into(),
        usage: Usage::default(),
        cost: None,
        request_id: None,
        warnings: Vec::new(),
        provider_metadata: Map::new(),
    };
    // Turn 2: the answer replayed (the truncated call dropped), then the results.
    request.push_response(&response);
    let request = request.user(vec![
        Part::tool_result("call-1", vec![Part::json(json!({"sum": 5}))]),
        Part::tool_error("call-0", "no such call"),
    ]);
    let hand_written = json!({
      "model": "us.anthropic.claude-haiku-4-5",
      "messages": [
        {"role": "user", "content": "What is 2 + 3?"},
        {"role": "assistant", "content": [
          {"type": "text", "text": "Let me add."},
          {"type": "tool_call", "id": "call-1", "name": "add", "arguments": {"a": 2, "b": 3}}]},
        {"role": "user", "content": [
          {"type": "tool_result", "tool_call_id": "call-1",
           "content": [{"type": "json", "json": {"sum": 5}}]},
          {"type": "tool_result", "tool_call_id": "call-0", "content": "no such call",
           "is_error": true}]}
      ],
      "tools": [{"name": "add", "description": "Adds two numbers",
                 "input_schema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}]
    });
    assert_same_json(&request, &hand_written);
    assert_eq!(Message::from(&response), request.messages[1]);
}

#[test]
fn provider_option_replaces_a_non_object() {
    let mut request = Request::new("m");
    request
        .provider_options
        .insert("bedrock".into(), json!("not an object"));
    let request = request.provider_option("bedrock", "k", json!(1));
    assert_eq!(
        request.provider_options.get("bedrock"),
        Some(&json!({"k": 1}))
    );
}
