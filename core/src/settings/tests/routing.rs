//! Routing: base URLs, regions, default endpoints, signing names, enabling providers.

use super::*;

#[test]
fn design_example_routes() {
    let text = r#"_version = 1
[llm.providers.bedrock]
enabled = true
base_url = "https://bedrock-runtime.us-east-1.amazonaws.com"
[llm.providers.bedrock.auth]
credentials = ["env:AWS_BEARER_TOKEN_BEDROCK", "env:BEDROCK_API_KEY", "vault:AWS_BEARER_TOKEN_BEDROCK", "vault:BEDROCK_API_KEY", "aws_sigv4"]

[llm.providers.bedrock-openai]
enabled = true

[llm.models."my-claude"]
provider = "bedrock"
api_id = "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc"
"#;
    let r = route_ok(text, "my-claude", None);
    assert_eq!(r.provider, Provider::Bedrock);
    assert_eq!(
        r.base_url,
        "https://bedrock-runtime.us-east-1.amazonaws.com"
    );
    assert_eq!(r.host, "bedrock-runtime.us-east-1.amazonaws.com");
    assert_eq!(r.host_header(), r.host);
    assert_eq!(r.port, 443);
    assert_eq!(r.path, "");
    assert_eq!(r.region, "us-east-1");
    assert_eq!(r.signing_name, "bedrock");
    assert!(!r.insecure_loopback);
    assert_eq!(
        r.model.api_id,
        "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abc"
    );

    let r = route_ok(text, GPT, None);
    assert_eq!(
        r.base_url,
        "https://bedrock-mantle.us-east-1.api.aws/openai/v1"
    );
    assert_eq!(r.path, "/openai/v1");
    assert_eq!(r.signing_name, "bedrock-mantle");
    assert_eq!(r.region, "us-east-1");
    assert!(!r.credentials.contains(&CredentialRef::AwsSigV4));
}

#[test]
fn url_validation() {
    let cases: &[(&str, UrlProblem)] = &[
        ("ftp://h.example", UrlProblem::Scheme),
        (
            "bedrock-runtime.us-east-1.amazonaws.com",
            UrlProblem::Scheme,
        ),
        ("https://", UrlProblem::MissingHost),
        ("https:///path", UrlProblem::MissingHost),
        ("https://u:p@h.example", UrlProblem::Userinfo),
        ("https://h.example/a?b=c", UrlProblem::QueryOrFragment),
        ("https://h.example#x", UrlProblem::QueryOrFragment),
        ("https://h..example", UrlProblem::InvalidHost),
        ("https://h example", UrlProblem::InvalidHost),
        ("https://[zz::1]", UrlProblem::InvalidHost),
        ("https://h.example:0", UrlProblem::InvalidPort),
        ("https://h.example:65536", UrlProblem::InvalidPort),
        ("https://h.example:", UrlProblem::InvalidPort),
        ("https://[::1]x", UrlProblem::InvalidPort),
        ("https://h.example/a b", UrlProblem::InvalidPath),
        ("https://h.example/é", UrlProblem::InvalidPath),
        (
            "http://bedrock-runtime.us-east-1.amazonaws.com",
            UrlProblem::PlainHttpToRemoteHost,
        ),
        ("http://10.0.0.1:8080", UrlProblem::PlainHttpToRemoteHost),
        (
            "http://127.0.0.1.evil.com",
            UrlProblem::PlainHttpToRemoteHost,
        ),
    ];
    for (url, problem) in cases {
        let text = format!("[llm.providers.bedrock]\nenabled = true\nbase_url = \"{url}\"");
        let e = parse_err(&text);
        assert_eq!(e.line(), Some(3), "{url}");
        assert_eq!(
            e.problem(),
            &SettingsProblem::InvalidUrl {
                key: "llm.providers.bedrock.base_url".into(),
                problem: *problem
            },
            "{url}"
        );
    }
}

#[test]
fn url_normalization() {
    for (url, base_url, host, port) in [
        (
            "HTTPS://Bedrock-Runtime.US-WEST-2.amazonaws.com:443/",
            "https://bedrock-runtime.us-west-2.amazonaws.com",
            "bedrock-runtime.us-west-2.amazonaws.com",
            443,
        ),
        ("http://127.0.0.1:80/", "http://127.0.0.1", "127.0.0.1", 80),
        (
            "http://localhost:8080/base//",
            "http://localhost:8080/base",
            "localhost",
            8080,
        ),
        ("http://[::1]:9000", "http://[::1]:9000", "[::1]", 9000),
        (
            "https://proxy.internal:8443/bedrock",
            "https://proxy.internal:8443/bedrock",
            "proxy.internal",
            8443,
        ),
    ] {
        let text = format!(
            "{ENABLED}[llm.providers.bedrock]\nbase_url = \"{url}\"\nregion = \"us-west-2\""
        )
        .replace("[llm.providers.bedrock]\nenabled = true\n", "")
        .replace(
            "[llm.providers.bedrock]\nbase_url",
            "[llm.providers.bedrock]\nenabled = true\nbase_url",
        );
        let r = route_ok(&text, SONNET, None);
        assert_eq!(
            (r.base_url.as_str(), r.host.as_str(), r.port),
            (base_url, host, port),
            "{url}"
        );
        assert_eq!(r.insecure_loopback, url.starts_with("http:"), "{url}");
        assert_eq!(r.region, "us-west-2");
    }
}

#[test]
fn host_header_carries_non_default_port() {
    let text = "[llm.providers.bedrock]\nenabled = true\nbase_url = \"http://127.0.0.1:4566\"\nregion = \"us-east-1\"";
    let r = route_ok(text, SONNET, None);
    assert_eq!(r.host_header(), "127.0.0.1:4566");
    assert!(r.insecure_loopback);
    assert_eq!(r.signing_name, "bedrock");
}

#[test]
fn regions_from_hosts() {
    let cases: &[(&str, Option<&str>)] = &[
        ("bedrock-runtime.us-east-1.amazonaws.com", Some("us-east-1")),
        (
            "BEDROCK-RUNTIME.EU-CENTRAL-1.AMAZONAWS.COM.",
            Some("eu-central-1"),
        ),
        (
            "bedrock-runtime-fips.us-west-2.amazonaws.com",
            Some("us-west-2"),
        ),
        (
            "bedrock-runtime.cn-north-1.amazonaws.com.cn",
            Some("cn-north-1"),
        ),
        (
            "bedrock-runtime.us-gov-west-1.amazonaws.com",
            Some("us-gov-west-1"),
        ),
        (
            "bedrock-runtime-fips.us-gov-east-1.amazonaws.com",
            Some("us-gov-east-1"),
        ),
        ("bedrock-runtime.us-east-1.api.aws", Some("us-east-1")),
        ("bedrock-runtime-fips.us-east-1.api.aws", Some("us-east-1")),
        ("bedrock-mantle.us-west-2.api.aws", Some("us-west-2")),
        (
            "bedrock-runtime.us-iso-east-1.c2s.ic.gov",
            Some("us-iso-east-1"),
        ),
        (
            "vpce-0123456789abcdef0-abcdefgh.bedrock-runtime.us-east-1.vpce.amazonaws.com",
            Some("us-east-1"),
        ),
        (
            "vpce-0123456789abcdef0-abcdefgh-us-east-1a.bedrock-runtime.us-east-1.vpce.amazonaws.com",
            Some("us-east-1"),
        ),
        (
            "vpce-0a1b-c2d3.bedrock-mantle.ap-northeast-1.vpce.amazonaws.com",
            Some("ap-northeast-1"),
        ),
        ("bedrock-runtime.amazonaws.com", None),
        ("bedrock-runtime.us-east-1.amazonaws.com.evil.com", None),
        ("evil.com", None),
        ("127.0.0.1", None),
        ("localhost", None),
        ("[::1]", None),
        ("bedrock.us-east-1.amazonaws.com", None),
        ("bedrock-runtime.us-east-1.amazonaws.com.cn", None),
        ("bedrock-runtime.cn-north-1.amazonaws.com", None),
        ("bedrock-mantle.us-east-1.amazonaws.com", None),
        ("bedrock-runtime.useast1.amazonaws.com", None),
        ("vpce-.bedrock-runtime.us-east-1.vpce.amazonaws.com", None),
        (
            "vpce-abc.bedrock-runtime.us-east-1.vpce.amazonaws.com",
            None,
        ),
        ("vpce-a-b.bedrock-agent.us-east-1.vpce.amazonaws.com", None),
        ("x.bedrock-runtime.us-east-1.amazonaws.com", None),
        ("", None),
    ];
    for (host, region) in cases {
        assert_eq!(region_from_host(host).as_deref(), *region, "{host}");
    }
}

#[test]
fn default_endpoints_by_partition() {
    for (region, url) in [
        (
            "us-east-1",
            "https://bedrock-runtime.us-east-1.amazonaws.com",
        ),
        (
            "cn-northwest-1",
            "https://bedrock-runtime.cn-northwest-1.amazonaws.com.cn",
        ),
        (
            "us-gov-west-1",
            "https://bedrock-runtime.us-gov-west-1.amazonaws.com",
        ),
        (
            "us-isob-east-1",
            "https://bedrock-runtime.us-isob-east-1.sc2s.sgov.gov",
        ),
    ] {
        assert_eq!(default_base_url(Provider::Bedrock, region), url);
        let r = route_ok(ENABLED, SONNET, Some(region));
        assert_eq!((r.base_url.as_str(), r.region.as_str()), (url, region));
        // The default host derives back to the same region.
        assert_eq!(region_from_host(&r.host).as_deref(), Some(region));
    }
    assert_eq!(
        default_base_url(Provider::BedrockOpenai, "eu-west-1"),
        "https://bedrock-mantle.eu-west-1.api.aws/openai/v1"
    );
}

#[test]
fn region_resolution_order() {
    // Explicit region wins over the host's.
    let text = "[llm.providers.bedrock]\nenabled = true\nbase_url = \"https://bedrock-runtime.us-east-1.amazonaws.com\"\nregion = \"eu-west-1\"";
    assert_eq!(
        route_ok(text, SONNET, Some("ap-south-1")).region,
        "eu-west-1"
    );
    // The host's region wins over the caller's.
    let text = "[llm.providers.bedrock]\nenabled = true\nbase_url = \"https://bedrock-runtime.us-east-1.amazonaws.com\"";
    assert_eq!(
        route_ok(text, SONNET, Some("ap-south-1")).region,
        "us-east-1"
    );
    // No base_url: the settings region, then the caller's.
    let text = "[llm.providers.bedrock]\nenabled = true\nregion = \"eu-west-1\"";
    let r = route_ok(text, SONNET, Some("ap-south-1"));
    assert_eq!(
        (r.region.as_str(), r.base_url.as_str()),
        (
            "eu-west-1",
            "https://bedrock-runtime.eu-west-1.amazonaws.com"
        )
    );
    let r = route_ok(ENABLED, SONNET, Some("ap-south-1"));
    assert_eq!(r.region, "ap-south-1");
    // An empty caller region counts as none.
    let e = route(ENABLED, SONNET, Some("")).err();
    assert_eq!(e.map(|e| e.kind()), Some("missing_region"));
    // A malformed caller region is an error (not echoed as a region).
    let e = route(ENABLED, SONNET, Some("US EAST")).err();
    assert_eq!(e.map(|e| e.kind()), Some("invalid_region"));
    // mantle defaults to us-east-1, and follows the caller's region otherwise.
    assert_eq!(route_ok(ENABLED, GPT, None).region, "us-east-1");
    let r = route_ok(ENABLED, GPT, Some("us-west-2"));
    assert_eq!(
        r.base_url,
        "https://bedrock-mantle.us-west-2.api.aws/openai/v1"
    );
}

#[test]
fn custom_host_needs_explicit_region() {
    let text = "[llm.providers.bedrock]\nenabled = true\nbase_url = \"http://127.0.0.1:8080\"";
    let e = route(text, SONNET, Some("us-east-1")).err();
    let Some(e) = e else {
        panic!("expected missing_region")
    };
    assert_eq!(e.kind(), "missing_region");
    assert_eq!(e.line(), None);
    assert_eq!(
        e.to_string(),
        "no region for provider bedrock: its base_url host does not name one; set region in [llm.providers.bedrock]"
    );

    let mut settings = parse_ok(text);
    settings
        .override_endpoint(Provider::Bedrock, None, Some("us-east-1"))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = settings
        .route(SONNET, &RouteInputs::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (r.region.as_str(), r.insecure_loopback),
        ("us-east-1", true)
    );

    let e = route("[llm.providers.bedrock]\nenabled = true", SONNET, None).err();
    assert_eq!(
        e.map(|e| e.to_string()).as_deref(),
        Some("no region for provider bedrock; set region in [llm.providers.bedrock] or AWS_REGION")
    );
}

#[test]
fn routing_errors_say_how_to_fix() {
    let e = route(ENABLED, "no-such-model", Some("us-east-1")).err();
    let Some(e) = e else {
        panic!("expected unknown_model")
    };
    assert_eq!(e.kind(), "unknown_model");
    assert!(
        e.to_string()
            .contains("[llm.models.\"no-such-model\"] with provider and api_id"),
        "{e}"
    );

    let e = route("", SONNET, Some("us-east-1")).err();
    let Some(e) = e else {
        panic!("expected provider_disabled")
    };
    assert_eq!(e.kind(), "provider_disabled");
    assert_eq!(
        e.to_string(),
        "provider bedrock is disabled; set enabled = true in [llm.providers.bedrock]"
    );
}

#[test]
fn enabling() {
    let mut settings = parse_ok("[llm.providers.bedrock-openai]\nenabled = false");
    assert!(
        settings
            .provider(Provider::BedrockOpenai)
            .is_explicitly_disabled()
    );
    settings.enable_all_unless_disabled();
    assert!(settings.provider(Provider::Bedrock).is_enabled());
    assert!(!settings.provider(Provider::BedrockOpenai).is_enabled());
    assert_eq!(
        settings
            .route(GPT, &RouteInputs::default())
            .err()
            .map(|e| e.kind()),
        Some("provider_disabled")
    );
    settings.set_enabled(Provider::BedrockOpenai, true);
    assert!(settings.route(GPT, &RouteInputs::default()).is_ok());
}

#[test]
fn override_endpoint_validates_and_changes_nothing_on_error() {
    let mut settings = parse_ok(ENABLED);
    let before = settings.clone();
    let e = settings
        .override_endpoint(
            Provider::Bedrock,
            Some("https://u:pw@h.example"),
            Some("us-east-1"),
        )
        .err();
    assert_eq!(e.as_ref().map(SettingsError::kind), Some("invalid_url"));
    assert_eq!(e.and_then(|e| e.line()), None);
    let e = settings
        .override_endpoint(
            Provider::Bedrock,
            Some("https://h.example"),
            Some("US-EAST-1"),
        )
        .err();
    assert_eq!(e.map(|e| e.kind()), Some("invalid_region"));
    assert_eq!(settings, before);

    settings
        .override_endpoint(
            Provider::Bedrock,
            Some("https://vpce-0123-abcd.bedrock-runtime.eu-west-3.vpce.amazonaws.com/"),
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let r = settings
        .route(
            SONNET,
            &RouteInputs {
                region: Some("us-east-1"),
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.region, "eu-west-3");
    assert_eq!(r.signing_name, "bedrock");
    assert_eq!(
        settings.provider(Provider::Bedrock).base_url().as_deref(),
        Some("https://vpce-0123-abcd.bedrock-runtime.eu-west-3.vpce.amazonaws.com")
    );
}

#[test]
fn signing_name_follows_the_host() {
    // mantle's OpenAI-compatible API is also served by bedrock-runtime.
    let text = "[llm.providers.bedrock-openai]\nenabled = true\nbase_url = \"https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1\"";
    let r = route_ok(text, GPT, None);
    assert_eq!(
        (r.signing_name, r.region.as_str(), r.path.as_str()),
        ("bedrock", "us-west-2", "/openai/v1")
    );
    let text = "[llm.providers.bedrock-openai]\nenabled = true\nbase_url = \"http://localhost:9000/openai/v1\"\nregion = \"us-east-1\"";
    assert_eq!(route_ok(text, GPT, None).signing_name, "bedrock-mantle");
}

#[test]
fn a_custom_mantle_endpoint_needs_no_region_of_its_own() {
    // Bearer keys only: nothing is signed, so the ambient region (else mantle's default) names it.
    let text = "[llm.providers.bedrock-openai]\nenabled = true\nbase_url = \"http://127.0.0.1:8080/openai/v1\"";
    let routed = route(text, "openai.gpt-5.5", None).unwrap();
    assert_eq!(routed.region, "us-east-1");
    assert_eq!(routed.base_url, "http://127.0.0.1:8080/openai/v1");
    assert_eq!(routed.path, "/openai/v1");
    let routed = route(text, "openai.gpt-5.5", Some("eu-west-1")).unwrap();
    assert_eq!(routed.region, "eu-west-1");
    // The bedrock provider signs: it still needs one.
    let text = "[llm.providers.bedrock]\nenabled = true\nbase_url = \"http://127.0.0.1:8080\"";
    assert_eq!(
        route(text, SONNET, None).unwrap_err().kind(),
        "missing_region"
    );
}
