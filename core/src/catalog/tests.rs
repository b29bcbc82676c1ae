use super::*;
use alloc::collections::BTreeSet;

#[test]
fn every_design_row_is_present_in_order() {
    let ids: Vec<String> = builtin().into_iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [
            "us.anthropic.claude-sonnet-4-6",
            "us.anthropic.claude-opus-4-8",
            "us.anthropic.claude-haiku-4-5",
            "us.anthropic.claude-fable-5",
            "openai.gpt-oss-120b",
            "openai.gpt-oss-20b",
            "amazon.nova-2-lite",
            "meta.llama4-maverick",
            "mistral.mistral-large-3",
            "mistral.devstral-2",
            "deepseek.v3-2",
            "moonshotai.kimi-k2.5",
            "zai.glm-5",
            "minimax.minimax-m2.5",
            "nvidia.nemotron-3-super",
            "openai.gpt-5.5",
            "openai.gpt-5.4",
        ]
    );
}

#[test]
fn ids_are_unique() {
    let rows = builtin();
    let ids: BTreeSet<&str> = rows.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), rows.len());
}

#[test]
fn exactly_one_default_and_one_small_default_per_provider() {
    for provider in [Provider::Bedrock, Provider::BedrockOpenai] {
        let rows: Vec<ModelInfo> = builtin()
            .into_iter()
            .filter(|m| m.provider == provider)
            .collect();
        assert_eq!(
            rows.iter().filter(|m| m.is_default).count(),
            1,
            "{provider}"
        );
        assert_eq!(
            rows.iter().filter(|m| m.is_small_default).count(),
            1,
            "{provider}"
        );
    }
    let ids = |m: Option<ModelInfo>| m.map(|m| m.id);
    assert_eq!(
        ids(default_model(Provider::Bedrock)).as_deref(),
        Some("us.anthropic.claude-sonnet-4-6")
    );
    assert_eq!(
        ids(small_default_model(Provider::Bedrock)).as_deref(),
        Some("us.anthropic.claude-haiku-4-5")
    );
    assert_eq!(
        ids(default_model(Provider::BedrockOpenai)).as_deref(),
        Some("openai.gpt-5.5")
    );
    assert_eq!(
        ids(small_default_model(Provider::BedrockOpenai)).as_deref(),
        Some("openai.gpt-5.4")
    );
}

#[test]
fn claude_rows_bill_anthropic_style_and_cache() {
    let claude: Vec<ModelInfo> = builtin()
        .into_iter()
        .filter(|m| m.family == "claude")
        .collect();
    assert_eq!(claude.len(), 4);
    for m in &claude {
        assert_eq!(m.billing, BillingPolicy::Anthropic, "{}", m.id);
        assert!(m.features.prompt_cache, "{}", m.id);
        assert!(m.api_id.starts_with("us.anthropic."), "{}", m.id);
        // Cache reads cost a tenth of input.
        assert_eq!(m.prices.cache_read.0 * 10, m.prices.input.0, "{}", m.id);
    }
    for m in builtin().into_iter().filter(|m| m.family != "claude") {
        assert_eq!(m.billing, BillingPolicy::OpenAi, "{}", m.id);
    }
}

#[test]
fn fable_pins_sampling_and_needs_the_data_share_opt_in() {
    let fable = find("us.anthropic.claude-fable-5").unwrap();
    assert!(!fable.features.sampling_params);
    assert!(fable.notes.unwrap().contains("provider_data_share"));
}

#[test]
fn limits_and_prices_are_sane() {
    for m in builtin() {
        assert!(!m.api_id.is_empty(), "{}", m.id);
        assert!(!m.family.is_empty(), "{}", m.id);
        assert!(m.max_output > 0, "{}", m.id);
        assert!(m.max_output <= m.context_window, "{}", m.id);
        assert!(m.prices.input.0 > 0, "{}", m.id);
        assert!(m.prices.output.0 > 0, "{}", m.id);
        assert!(m.prices.cache_read.0 > 0, "{}", m.id);
        assert!(m.prices.cache_read <= m.prices.input, "{}", m.id);
        assert!(m.prices.input <= m.prices.output, "{}", m.id);
    }
}

#[test]
fn mantle_rows_use_bare_ids_and_runtime_rows_never_do_mantle_models() {
    for m in builtin() {
        match m.provider {
            Provider::BedrockOpenai => {
                assert!(m.api_id.starts_with("openai.gpt-5"), "{}", m.id);
            }
            Provider::Bedrock => assert!(!m.api_id.starts_with("openai.gpt-5"), "{}", m.id),
        }
    }
}

#[test]
fn lookups() {
    assert_eq!(
        find("us.anthropic.claude-haiku-4-5").unwrap().api_id,
        "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    assert!(find("anthropic.claude-haiku-4-5").is_none());
    assert_eq!(find("deepseek.v3-2").unwrap().api_id, "deepseek.v3.2");
}

#[test]
fn rows_serialize_with_provider_and_policy_ids() {
    let json = serde_json::to_value(find("openai.gpt-5.4").unwrap()).unwrap();
    assert_eq!(json["provider"], "bedrock-openai");
    assert_eq!(json["billing"], "openai");
    assert_eq!(json["prices"]["cache_read"], 275_000);
}
