//! User models merged over the catalog, Bedrock ids outside it, and catalog wire ids.

use super::*;

#[test]
fn user_model_overrides_only_what_it_sets() {
    let Some(builtin) = catalog::find(SONNET) else {
        return; // the catalog row is not there yet
    };
    let text = format!(
        "{ENABLED}[llm.models.\"{SONNET}\"]\napi_id = \"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1\"\nfeatures.reasoning = false\ncosts = {{ output = 20 }}\n"
    );
    let settings = parse_ok(&text);
    let merged = settings
        .model(SONNET)
        .unwrap_or_else(|| panic!("merged row"));
    let mut expected = builtin.clone();
    expected.api_id =
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1".into();
    expected.features.reasoning = false;
    expected.prices.output = Price::per_million_usd(20.0);
    assert_eq!(merged, expected);
    let listed = settings.models();
    assert_eq!(listed.len(), catalog::builtin().len());
    assert!(listed.contains(&expected));
    let r = route_ok(&text, SONNET, Some("us-east-1"));
    assert_eq!(r.model, expected);
}

#[test]
fn new_user_model_gets_conservative_defaults() {
    let text = format!(
        "{ENABLED}\n[llm.models.\"my.model\"]\nprovider = \"bedrock\"\napi_id = \"my-vendor.model-v1:0\"\nlimits = {{ max_output = 8192 }}\n[llm.models.\"my.model\".costs]\ninput = 0.5\noutput = 1.25\n"
    );
    let settings = parse_ok(&text);
    let expected = ModelInfo {
        id: "my.model".into(),
        provider: Provider::Bedrock,
        api_id: "my-vendor.model-v1:0".into(),
        family: "custom".into(),
        is_default: false,
        is_small_default: false,
        context_window: NEW_MODEL_CONTEXT_WINDOW,
        max_output: 8192,
        features: Features {
            tools: false,
            vision: false,
            reasoning: false,
            prompt_cache: false,
            sampling_params: true,
        },
        billing: BillingPolicy::OpenAi,
        prices: Prices {
            input: Price(500_000),
            output: Price(1_250_000),
            cache_read: Price(0),
        },
        notes: None,
        uncataloged: false,
    };
    assert_eq!(settings.model("my.model"), Some(expected.clone()));
    assert_eq!(settings.models().last(), Some(&expected));
    assert_eq!(settings.models().len(), catalog::builtin().len() + 1);
}

#[test]
fn new_user_model_needs_provider_and_api_id() {
    let e = parse_err(
        "[llm.providers.bedrock]\nenabled = true\n\n[llm.models.mine]\nprovider = \"bedrock\"\n",
    );
    assert_eq!((e.kind(), e.line()), ("missing_key", Some(4)));
    assert!(e.to_string().contains("llm.models.mine.api_id"), "{e}");
    let e = parse_err("[llm.models.mine]\napi_id = \"x\"\n");
    assert_eq!((e.kind(), e.line()), ("missing_key", Some(1)));
    assert!(e.to_string().contains("llm.models.mine.provider"), "{e}");
}

#[test]
fn model_value_checks() {
    let head = "[llm.models.m]\nprovider = \"bedrock\"\napi_id = \"x\"\n";
    for (tail, kind) in [
        ("limits = { context_window = 0 }", "invalid_value"),
        ("limits = { max_output = -5 }", "invalid_value"),
        ("limits = { max_output = 4294967296 }", "invalid_value"),
        ("limits = { max_output = 1.5 }", "invalid_type"),
        ("limits = 5", "invalid_type"),
        ("costs = { input = -1.0 }", "invalid_value"),
        ("costs = { input = nan }", "invalid_value"),
        ("costs = { input = inf }", "invalid_value"),
        ("costs = { input = \"3\" }", "invalid_type"),
        ("features = { tools = 1 }", "invalid_type"),
        ("billing_policy = \"aws\"", "invalid_value"),
        ("api_id = \"has space\"", "syntax"),
    ] {
        let e = parse_err(&format!("{head}{tail}"));
        assert_eq!(e.kind(), kind, "{tail}: {e}");
        assert_eq!(e.line(), Some(4), "{tail}: {e}");
    }
    let e = parse_err("[llm.models.m]\nprovider = \"bedrock\"\napi_id = \"has space\"");
    assert_eq!((e.kind(), e.line()), ("invalid_value", Some(3)));
    let settings = parse_ok(&format!(
        "{head}limits = {{ context_window = 0x10000, max_output = 1_000 }}\nbilling_policy = \"anthropic\"\ncosts = {{ input = 3, output = 1.5e1, cache_read = 0.30 }}"
    ));
    let m = settings.model("m").unwrap_or_else(|| panic!("row"));
    assert_eq!((m.context_window, m.max_output), (65_536, 1_000));
    assert_eq!(m.billing, BillingPolicy::Anthropic);
    assert_eq!(
        m.prices,
        Prices {
            input: Price(3_000_000),
            output: Price(15_000_000),
            cache_read: Price(300_000)
        }
    );
}

#[test]
fn bedrock_shaped_ids_outside_the_catalog_route_as_given_with_a_warning() {
    for id in [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "cohere.command-r-v1:0",
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc123def456",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
    ] {
        let r = route_ok(ENABLED, id, Some("us-east-1"));
        assert_eq!(r.provider, Provider::Bedrock, "{id}");
        assert_eq!(r.model.id, id);
        assert_eq!(r.model.api_id, id);
        assert!(r.model.uncataloged, "{id}");
        assert_eq!(r.model.max_output, NEW_MODEL_MAX_OUTPUT);
        assert_eq!(r.model.context_window, NEW_MODEL_CONTEXT_WINDOW);
        assert!(!r.model.features.prompt_cache, "no cache points");
        assert!(r.model.features.sampling_params, "sampling not pinned");
        assert_eq!(r.model.prices, Prices::default(), "cost unknown");
        assert_eq!(
            r.base_url,
            "https://bedrock-runtime.us-east-1.amazonaws.com"
        );
        assert_eq!(r.credentials, CredentialRef::defaults(Provider::Bedrock));
        assert_eq!(
            r.warnings,
            [format!(
                "model {id:?} is not in the catalog or settings: sent to Bedrock as given with \
                 default limits (max_tokens defaults to 4096, no prompt caching, cost unknown); \
                 add [llm.models.\"{id}\"] to settings.toml to set its limits and prices"
            )]
        );
    }
    // The bedrock provider must still be enabled and have a region.
    let e = route("", "cohere.command-r-v1:0", Some("us-east-1")).err();
    assert_eq!(e.map(|e| e.kind()), Some("provider_disabled"));
    let e = route(ENABLED, "cohere.command-r-v1:0", None).err();
    assert_eq!(e.map(|e| e.kind()), Some("missing_region"));
}

#[test]
fn ids_of_no_bedrock_shape_stay_unknown() {
    for id in [
        "gpt-4",
        "claude",
        "",
        " ",
        "foo bar",
        "claude-3.5-sonnet",
        "us.gpt-4",
    ] {
        let e = route(ENABLED, id, Some("us-east-1")).err();
        assert_eq!(
            e.as_ref().map(|e| e.kind()),
            Some("unknown_model"),
            "{id:?}: {e:?}"
        );
    }
}

#[test]
fn catalog_and_settings_rows_win_over_the_uncataloged_route() {
    // Catalog rows, both providers: their own rows, no warning.
    for id in [
        "openai.gpt-oss-20b",
        "openai.gpt-oss-120b",
        SONNET,
        "deepseek.v3-2",
    ] {
        let r = route_ok(ENABLED, id, Some("us-east-1"));
        assert_eq!(Some(r.model.clone()), catalog::find(id), "{id}");
        assert!(!r.model.uncataloged && r.warnings.is_empty(), "{id}");
    }
    let both = "[llm.providers.bedrock-openai]\nenabled = true\n";
    for id in ["openai.gpt-5.5", "openai.gpt-5.4"] {
        let r = route_ok(both, id, Some("us-east-1"));
        assert_eq!(r.provider, Provider::BedrockOpenai, "{id}");
        assert_eq!(Some(r.model.clone()), catalog::find(id), "{id}");
        assert!(r.warnings.is_empty());
    }
    // A settings entry for a Bedrock-shaped id makes it a user model: its limits, no warning.
    let text = format!(
        "{ENABLED}\n[llm.models.\"cohere.command-r-v1:0\"]\nprovider = \"bedrock\"\n\
         api_id = \"cohere.command-r-v1:0\"\nlimits = {{ max_output = 4000 }}\n"
    );
    let r = route_ok(&text, "cohere.command-r-v1:0", Some("us-east-1"));
    assert_eq!(r.model.max_output, 4000);
    assert!(!r.model.uncataloged && r.warnings.is_empty());
}

#[test]
fn a_catalog_rows_wire_id_is_not_another_name_for_the_row() {
    // The request's `model` names a row by its id; the wire id (`api_id`) is what the exchange
    // sends, and as a request's model it routes like any other uncataloged Bedrock id.
    let row = catalog::find("us.anthropic.claude-haiku-4-5").unwrap_or_else(|| panic!("row"));
    assert_ne!(row.id, row.api_id);
    let r = route_ok(ENABLED, &row.id, Some("us-east-1"));
    assert_eq!(r.model.api_id, row.api_id);
    assert!(!r.model.uncataloged);
    let r = route_ok(ENABLED, &row.api_id, Some("us-east-1"));
    assert!(r.model.uncataloged && r.warnings.len() == 1);
    assert_eq!(
        (r.model.id.as_str(), r.model.api_id.as_str()),
        (row.api_id.as_str(), row.api_id.as_str())
    );
    assert_eq!(r.model.max_output, NEW_MODEL_MAX_OUTPUT);
}
