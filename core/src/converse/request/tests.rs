use serde_json::{Value, json};

use super::*;
use base64::prelude::{BASE64_STANDARD, Engine as _};

use crate::catalog::{BillingPolicy, Features, ModelInfo, Prices, Provider};
use crate::converse::blocks::decode_base64;

fn model(prompt_cache: bool, sampling_params: bool) -> ModelInfo {
    ModelInfo {
        id: "test-model".into(),
        provider: Provider::Bedrock,
        api_id: "us.test.model-v1:0".into(),
        family: "test".into(),
        is_default: false,
        is_small_default: false,
        context_window: 200_000,
        max_output: 8192,
        features: Features {
            tools: true,
            vision: true,
            reasoning: true,
            prompt_cache,
            sampling_params,
        },
        billing: BillingPolicy::Anthropic,
        prices: Prices::default(),
        notes: None,
        uncataloged: false,
    }
}

fn request(json: Value) -> Request {
    serde_json::from_value(json).unwrap()
}

fn encode(json: Value, model: &ModelInfo) -> EncodedRequest {
    encode_request(&request(json), model).unwrap()
}

#[test]
fn plain_text_request() {
    let out = encode(
        json!({"model": "m", "messages": [{"role": "user", "content": "Hello"}], "temperature": 0.5, "stop": ["END"]}),
        &model(false, true),
    );
    assert_eq!(
        out.body,
        json!({
            "messages": [{"role": "user", "content": [{"text": "Hello"}]}],
            "inferenceConfig": {"maxTokens": 8192, "temperature": 0.5, "stopSequences": ["END"]}
        })
    );
    assert!(out.warnings.is_empty());
}

#[test]
fn cache_points_follow_tools_system_and_the_prefix() {
    let out = encode(
        json!({
            "model": "m",
            "system": "Be brief.",
            "tools": [{"name": "t", "input_schema": {"properties": {}}}],
            "messages": [
                {"role": "user", "content": "one"},
                {"role": "assistant", "content": "ack"},
                {"role": "user", "content": "two"}
            ]
        }),
        &model(true, true),
    );
    let body = &out.body;
    assert_eq!(
        body["toolConfig"]["tools"][1],
        json!({"cachePoint": {"type": "default"}})
    );
    assert_eq!(
        body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["type"],
        "object"
    );
    assert_eq!(
        body["system"],
        json!([{"text": "Be brief."}, {"cachePoint": {"type": "default"}}])
    );
    assert_eq!(
        body["messages"][0]["content"],
        json!([{"text": "one"}, {"cachePoint": {"type": "default"}}])
    );
    assert_eq!(body["messages"][2]["content"], json!([{"text": "two"}]));
}

#[test]
fn explicit_cache_points_count_against_the_limit() {
    let cp = json!({"type": "cache_point", "ttl": "1h"});
    let four = json!({
        "model": "m",
        "system": [{"type": "text", "text": "s"}, cp],
        "tools": [{"name": "t"}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "a"}, cp]},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": [{"type": "text", "text": "c"}, cp, {"type": "text", "text": "d"}, cp]}
        ]
    });
    let out = encode(four.clone(), &model(true, true));
    let text = out.body.to_string();
    assert_eq!(
        text.matches("cachePoint").count(),
        4,
        "no automatic point beyond the limit"
    );
    assert!(out.body["toolConfig"]["tools"].as_array().unwrap().len() == 1);
    let mut five = four;
    five["messages"][2]["content"]
        .as_array_mut()
        .unwrap()
        .push(cp);
    let err = encode_request(&request(five), &model(true, true)).unwrap_err();
    assert!(err.message.contains("at most 4"), "{err}");
}

#[test]
fn no_cache_points_for_models_without_prompt_caching() {
    let out = encode(
        json!({"model": "m", "system": [{"type": "text", "text": "s"}, {"type": "cache_point"}],
               "messages": [{"role": "user", "content": "a"}]}),
        &model(false, true),
    );
    assert!(!out.body.to_string().contains("cachePoint"));
    assert_eq!(out.warnings.len(), 1);
}

#[test]
fn never_a_cache_point_right_after_reasoning() {
    let out = encode(
        json!({"model": "m", "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": [{"type": "reasoning", "text": "hmm", "signature": "sig"}, {"type": "cache_point"}, {"type": "text", "text": "a"}]},
            {"role": "user", "content": "q2"}
        ]}),
        &model(true, true),
    );
    assert_eq!(
        out.body["messages"][1]["content"],
        json!([{"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "sig"}}}, {"text": "a"}])
    );
    assert!(out.warnings[0].contains("reasoning"));
}

#[test]
fn pinned_sampling_is_dropped_and_reported() {
    let out = encode(
        json!({"model": "m", "messages": [{"role": "user", "content": "a"}], "temperature": 0.2, "top_p": 0.9, "max_tokens": 100000}),
        &model(false, false),
    );
    assert_eq!(out.body["inferenceConfig"], json!({"maxTokens": 8192}));
    assert_eq!(out.warnings.len(), 3, "{:?}", out.warnings);
}

#[test]
fn provider_options_land_verbatim_at_the_top_level() {
    let out = encode(
        json!({"model": "m", "messages": [{"role": "user", "content": "a"}],
        "provider_options": {"bedrock": {
            "additionalModelRequestFields": {"top_k": 200},
            "guardrailConfig": {"guardrailIdentifier": "gr-abc", "guardrailVersion": "1"},
            "serviceTier": {"type": "flex"},
            "inferenceConfig": {"maxTokens": 10}
        }}}),
        &model(false, true),
    );
    assert_eq!(
        out.body["additionalModelRequestFields"],
        json!({"top_k": 200})
    );
    assert_eq!(
        out.body["guardrailConfig"],
        json!({"guardrailIdentifier": "gr-abc", "guardrailVersion": "1"})
    );
    assert_eq!(out.body["serviceTier"], json!({"type": "flex"}));
    assert_eq!(out.body["inferenceConfig"], json!({"maxTokens": 10}));
}

#[test]
fn tools_and_tool_history() {
    let out = encode(
        json!({"model": "m",
        "tools": [{"name": "now", "description": "time"}, {"name": "w", "parameters": {"type": "object", "properties": {"c": {"type": "string"}}}, "strict": true}],
        "tool_choice": {"name": "w"},
        "messages": [
            {"role": "user", "content": "time?"},
            {"role": "assistant", "content": [{"type": "tool_call", "id": "t1", "name": "now"}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_call_id": "t1", "content": [{"type": "json", "json": {"h": 12}}], "is_error": true}]}
        ]}),
        &model(false, true),
    );
    assert_eq!(
        out.body["messages"][1]["content"][0],
        json!({"toolUse": {"toolUseId": "t1", "name": "now", "input": {}}})
    );
    assert_eq!(
        out.body["messages"][2]["content"][0],
        json!({"toolResult": {"toolUseId": "t1", "content": [{"json": {"h": 12}}], "status": "error"}})
    );
    assert_eq!(
        out.body["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "w"}})
    );
    assert_eq!(
        out.body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"],
        json!({"json": {"type": "object", "properties": {}}})
    );
    assert_eq!(
        out.body["toolConfig"]["tools"][1]["toolSpec"]["strict"],
        json!(true)
    );
}

#[test]
fn errors_name_the_member() {
    let m = model(false, true);
    let err = |json: Value| encode_request(&request(json), &m).unwrap_err().to_string();
    assert!(err(json!({"model": "m", "messages": []})).contains("messages"));
    assert!(
        err(json!({"model": "m", "messages": [{"role": "assistant", "content": "x"}]}))
            .starts_with("messages[0]")
    );
    assert!(err(json!({"model": "m", "tools": [{"name": "t"}], "tool_choice": "none", "messages": [{"role": "user", "content": "x"}]})).contains("\"none\""));
    assert!(err(json!({"model": "m", "tool_choice": "auto", "messages": [{"role": "user", "content": "x"}]})).contains("no tools"));
    assert!(err(json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 1.5})).starts_with("temperature"));
    assert!(err(json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "image", "format": "png", "data": "%%%"}]}]})).contains("base64"));
    let unknown =
        serde_json::from_value::<Request>(json!({"model": "m", "messages": [], "max_token": 5}))
            .unwrap_err()
            .to_string();
    assert!(unknown.contains("max_token"), "{unknown}");
    let unknown_part = serde_json::from_value::<Request>(json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a", "colour": 1}]}]})).unwrap_err().to_string();
    assert!(unknown_part.contains("colour"), "{unknown_part}");
}

#[test]
fn blobs_are_standard_padded_base64() {
    let out = encode(
        json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "image", "format": "png", "data": "iVBORw"},
            {"type": "document", "format": "pdf", "name": "doc", "data": "-_8", "citations": true}
        ]}]}),
        &model(false, true),
    );
    assert_eq!(
        out.body["messages"][0]["content"][0]["image"]["source"]["bytes"],
        "iVBORw=="
    );
    assert_eq!(
        out.body["messages"][0]["content"][1]["document"]["source"]["bytes"],
        "+/8="
    );
    assert_eq!(
        out.body["messages"][0]["content"][1]["document"]["citations"],
        json!({"enabled": true})
    );
}

#[test]
fn count_tokens_body_and_model_id() {
    let body = encode_count_tokens(
        &request(
            json!({"model": "m", "system": "s", "messages": [{"role": "user", "content": "a"}]}),
        ),
        &model(false, true),
    )
    .unwrap();
    assert_eq!(
        body,
        json!({"input": {"converse": {"messages": [{"role": "user", "content": [{"text": "a"}]}], "system": [{"text": "s"}]}}})
    );
    assert_eq!(
        count_tokens_model_id("us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        "anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    assert_eq!(count_tokens_model_id("global.x"), "x");
    assert_eq!(
        count_tokens_model_id("arn:aws:bedrock:us-east-1::foundation-model/x"),
        "arn:aws:bedrock:us-east-1::foundation-model/x"
    );
    assert_eq!(count_tokens_model_id("anthropic.x"), "anthropic.x");
}

#[test]
fn base64_in_every_common_form_decodes_and_only_canonical() {
    // RFC 4648 §10, padded and not.
    for (plain, encoded) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(BASE64_STANDARD.encode(plain), encoded);
        assert_eq!(BASE64_STANDARD.decode(encoded).unwrap(), plain.as_bytes());
        assert_eq!(decode_base64(encoded).unwrap(), plain.as_bytes());
        assert_eq!(
            decode_base64(encoded.trim_end_matches('=')).unwrap(),
            plain.as_bytes()
        );
    }
    assert_eq!(decode_base64("-_8").unwrap(), [0xfb, 0xff]);
    assert_eq!(decode_base64("+/8=").unwrap(), [0xfb, 0xff]);
    assert_eq!(
        decode_base64("  Zg==\n").unwrap(),
        b"f",
        "surrounding whitespace is trimmed"
    );
    assert!(
        BASE64_STANDARD.decode("-_8=").is_err(),
        "strict decoding (Bedrock's responses) takes the standard alphabet only"
    );
    assert!(
        BASE64_STANDARD.decode("Zm9").is_err(),
        "strict decoding needs padding"
    );
    for bad in [
        "+_8", "Zg=", "Z===", "Zh==", "%%%", "Zm9v\nZg", "A", "====", "Zg==Zg==",
    ] {
        assert!(decode_base64(bad).is_none(), "{bad}");
    }
}
