use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::catalog::{self, BillingPolicy, Features, ModelInfo, Price, Prices};

const SONNET: &str = "us.anthropic.claude-sonnet-4-6";
const GPT: &str = "openai.gpt-5.5";

fn parse_err(text: &str) -> SettingsError {
    match Settings::parse(text) {
        Ok(settings) => panic!("expected an error, got {settings:?}"),
        Err(e) => e,
    }
}

fn parse_ok(text: &str) -> Settings {
    match Settings::parse(text) {
        Ok(settings) => settings,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn route(text: &str, model: &str, region: Option<&str>) -> Result<Route, SettingsError> {
    parse_ok(text).route(model, &RouteInputs { region })
}

fn route_ok(text: &str, model: &str, region: Option<&str>) -> Route {
    match route(text, model, region) {
        Ok(r) => r,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn assert_never_printed(error: &SettingsError, secret: &str) {
    let display = format!("{error}");
    let debug = format!("{error:?}");
    assert!(
        !display.contains(secret),
        "Display echoes the value: {display}"
    );
    assert!(!debug.contains(secret), "Debug echoes the value: {debug}");
}

const ENABLED: &str =
    "[llm.providers.bedrock]\nenabled = true\n[llm.providers.bedrock-openai]\nenabled = true\n";

#[test]
fn empty_text_is_the_default() {
    let settings = parse_ok("");
    assert_eq!(settings, Settings::default());
    for provider in [Provider::Bedrock, Provider::BedrockOpenai] {
        let p = settings.provider(provider);
        assert!(!p.is_enabled());
        assert!(!p.is_explicitly_disabled());
        assert_eq!(p.base_url(), None);
        assert_eq!(
            p.credentials(),
            CredentialRef::defaults(provider).as_slice()
        );
    }
    let names: Vec<String> = CredentialRef::defaults(Provider::Bedrock)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        names,
        [
            "env:AWS_BEARER_TOKEN_BEDROCK",
            "env:BEDROCK_API_KEY",
            "vault:AWS_BEARER_TOKEN_BEDROCK",
            "vault:BEDROCK_API_KEY",
            "aws_sigv4"
        ]
    );
    assert!(!CredentialRef::defaults(Provider::BedrockOpenai).contains(&CredentialRef::AwsSigV4));
    assert_eq!(settings.vault_path(), None);
}

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
fn version() {
    parse_ok("_version = 1");
    for (text, line) in [
        ("_version = 2", 1),
        ("\n_version = \"1\"", 2),
        ("_version = 1.0", 1),
        ("_version = 0", 1),
    ] {
        let e = parse_err(text);
        assert_eq!(
            (e.kind(), e.line()),
            ("unsupported_version", Some(line)),
            "{text}"
        );
    }
}

#[test]
fn syntax_error_names_the_line_without_quoting_input() {
    let e =
        parse_err("[llm.providers.bedrock]\nenabled = true\nbase_url = \"https://sk-live-abcdef\n");
    assert_eq!(e.kind(), "syntax");
    assert_eq!(e.line(), Some(3));
    assert!(e.to_string().starts_with("line 3: invalid TOML: "), "{e}");
    assert_never_printed(&e, "sk-live-abcdef");

    let e = parse_err("[llm]\n[llm]\n");
    assert_eq!((e.kind(), e.line()), ("syntax", Some(2)));
}

#[test]
fn unknown_keys_name_key_and_line_at_every_depth() {
    let cases: &[(&str, &str, usize)] = &[
        ("colour = 1", "colour", 1),
        ("\n[llm]\nproviderz = {}", "llm.providerz", 3),
        (
            "[llm.providers.bedrock]\nenabled = true\nbaseurl = \"x\"",
            "llm.providers.bedrock.baseurl",
            3,
        ),
        (
            "[llm.providers.bedrock.auth]\ncredentials = [\"env:A\"]\napi_key = \"sk-123\"",
            "llm.providers.bedrock.auth.api_key",
            3,
        ),
        (
            "[llm.providers.bedrock.tls]\nverify = false",
            "llm.providers.bedrock.tls",
            1,
        ),
        (
            "[llm.models.\"a.b\"]\nprovider = \"bedrock\"\napi_id = \"x\"\nfamily = \"y\"",
            "llm.models.\"a.b\".family",
            4,
        ),
        (
            "[llm.models.m]\nprovider = \"bedrock\"\napi_id = \"x\"\nfeatures = { tools = true, tool = true }",
            "llm.models.m.features.tool",
            4,
        ),
        (
            "[llm.models.m]\nprovider = \"bedrock\"\napi_id = \"x\"\n[llm.models.m.limits]\ncontext = 5",
            "llm.models.m.limits.context",
            5,
        ),
        (
            "[llm.models.m]\nprovider = \"bedrock\"\napi_id = \"x\"\n\n[llm.models.m.costs]\ninput = 1\ncache_write = 2",
            "llm.models.m.costs.cache_write",
            7,
        ),
        (
            "[llm.vault]\npath = \"/v\"\nkey = \"k\"",
            "llm.vault.key",
            3,
        ),
        (
            "llm.providers.bedrock.enabeld = true",
            "llm.providers.bedrock.enabeld",
            1,
        ),
    ];
    for (text, key, line) in cases {
        let e = parse_err(text);
        assert_eq!(e.kind(), "unknown_key", "{text}: {e}");
        assert_eq!(e.line(), Some(*line), "{text}: {e}");
        assert_eq!(
            e.problem(),
            &SettingsProblem::UnknownKey { key: (*key).into() },
            "{text}"
        );
        assert!(e.to_string().contains(key), "{e}");
    }
}

#[test]
fn first_problem_in_document_order_wins() {
    // "zzz" sorts after "aaa" but comes first in the file.
    let e = parse_err("[llm.providers.bedrock]\nzzz = 1\naaa = 2\n");
    assert_eq!(e.line(), Some(2));
}

#[test]
fn unknown_provider() {
    let e = parse_err(
        "[llm.providers.bedrock]\nenabled = true\n[llm.providers.openai]\nenabled = true",
    );
    assert_eq!((e.kind(), e.line()), ("unknown_provider", Some(3)));
    assert!(e.to_string().contains("llm.providers.openai"), "{e}");

    let e = parse_err("[llm.models.m]\nprovider = \"anthropic\"\napi_id = \"x\"");
    assert_eq!((e.kind(), e.line()), ("unknown_provider", Some(2)));
}

#[test]
fn literal_secrets_are_rejected_without_echo() {
    for secret in [
        "ABSKQmVkcm9ja0FQSUtleS1zZWNyZXQ=",
        "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t",
        "AWS_SIGV4",
        "hunter2",
        "",
    ] {
        let text = format!(
            "[llm.providers.bedrock.auth]\ncredentials = [\n  \"env:A\",\n  \"{secret}\",\n]\n"
        );
        let e = parse_err(&text);
        assert_eq!(e.kind(), "literal_secret");
        assert_eq!(e.line(), Some(4));
        assert!(matches!(
            e.problem(),
            SettingsProblem::LiteralSecret { index: 2, .. }
        ));
        assert!(
            e.to_string().contains("literal secret is not allowed"),
            "{e}"
        );
        if !secret.is_empty() {
            assert_never_printed(&e, secret);
        }
    }
}

#[test]
fn invalid_credential_names_are_not_echoed() {
    for name in ["env:sk-live-0123456789", "vault:", "env:1ABC", "vault:a b"] {
        let text = format!("[llm.providers.bedrock-openai.auth]\ncredentials = [\"{name}\"]");
        let e = parse_err(&text);
        assert_eq!(
            (e.kind(), e.line()),
            ("invalid_credential_name", Some(2)),
            "{name}"
        );
        assert_never_printed(&e, "sk-live-0123456789");
    }
    let text = "[llm.providers.bedrock.auth]\ncredentials = [\"vault:MY_KEY\", \"env:_X1\", \"aws_sigv4\"]";
    let settings = parse_ok(text);
    assert_eq!(
        settings.provider(Provider::Bedrock).credentials(),
        &[
            CredentialRef::Vault("MY_KEY".into()),
            CredentialRef::Env("_X1".into()),
            CredentialRef::AwsSigV4
        ]
    );
    assert_eq!(
        CredentialRef::parse("env:FOO"),
        Some(CredentialRef::Env("FOO".into()))
    );
    assert_eq!(CredentialRef::parse("sk-123"), None);
}

#[test]
fn credentials_shape() {
    let e = parse_err("[llm.providers.bedrock.auth]\ncredentials = \"env:A\"");
    assert_eq!((e.kind(), e.line()), ("invalid_type", Some(2)));
    let e = parse_err("[llm.providers.bedrock.auth]\ncredentials = [\"env:A\", 7]");
    assert_eq!((e.kind(), e.line()), ("invalid_type", Some(2)));
    let e = parse_err("[llm.providers.bedrock.auth]\ncredentials = []");
    assert_eq!((e.kind(), e.line()), ("invalid_value", Some(2)));
}

#[test]
fn sigv4_only_on_bedrock() {
    let e =
        parse_err("[llm.providers.bedrock-openai.auth]\ncredentials = [\"env:A\", \"aws_sigv4\"]");
    assert_eq!((e.kind(), e.line()), ("sigv4_not_supported", Some(2)));
    assert_eq!(
        e.problem(),
        &SettingsProblem::SigV4NotSupported {
            provider: Provider::BedrockOpenai
        }
    );
}

#[test]
fn value_errors_never_echo_values() {
    let secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
    let cases = [
        format!("[llm.providers.bedrock]\nbase_url = \"{secret}\""),
        format!("[llm.providers.bedrock]\nbase_url = \"https://user:{secret}@host.example\""),
        format!("[llm.providers.bedrock]\nbase_url = \"https://h.example/?key={secret}\""),
        format!("[llm.providers.bedrock]\nregion = \"{secret}\""),
        format!("[llm.providers.bedrock]\nenabled = \"{secret}\""),
        format!("[llm.models.m]\nprovider = \"{secret}\"\napi_id = \"x\""),
        format!(
            "[llm.models.m]\nprovider = \"bedrock\"\napi_id = \"x\"\nbilling_policy = \"{secret}\""
        ),
        format!("_version = \"{secret}\""),
        format!("[llm.vault]\npath = [\"{secret}\"]"),
    ];
    for text in &cases {
        let e = parse_err(text);
        assert_never_printed(&e, secret);
        // The line of the offending value.
        let line = text.lines().position(|l| l.contains(secret)).map(|i| i + 1);
        assert_eq!(e.line(), line, "{text}: {e}");
    }
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
fn vault_and_types_of_tables() {
    let settings = parse_ok("[llm.vault]\npath = \"/home/me/.vault\"");
    assert_eq!(settings.vault_path(), Some("/home/me/.vault"));
    let e = parse_err("[llm.vault]\npath = \"\"");
    assert_eq!((e.kind(), e.line()), ("invalid_value", Some(2)));
    let e = parse_err("llm = 1");
    assert_eq!((e.kind(), e.line()), ("invalid_type", Some(1)));
    let e = parse_err("[llm]\nproviders = [1]");
    assert_eq!((e.kind(), e.line()), ("invalid_type", Some(2)));
    let e = parse_err("[[llm.models]]\nprovider = \"bedrock\"");
    assert_eq!(e.kind(), "invalid_type");
    let e = parse_err("[llm.providers]\nbedrock = true");
    assert_eq!((e.kind(), e.line()), ("invalid_type", Some(2)));
    let e = parse_err("[llm.providers.bedrock]\nregion = \"-us\"");
    assert_eq!((e.kind(), e.line()), ("invalid_region", Some(2)));
}

#[test]
fn errors_are_lowercase_without_trailing_period() {
    let errors = [
        parse_err("x = 1"),
        parse_err("[llm"),
        parse_err("_version = 3"),
        parse_err("[llm.providers.bedrock.auth]\ncredentials = [\"secret\"]"),
        parse_err("[llm.providers.bedrock]\nbase_url = \"http://example.com\""),
        route(ENABLED, "nope", None)
            .err()
            .unwrap_or_else(|| panic!()),
    ];
    for e in errors {
        let text = e.problem().to_string();
        let first = text.chars().next().unwrap_or('x');
        assert!(!first.is_uppercase(), "{text}");
        assert!(!text.ends_with('.'), "{text}");
        let _ = core::error::Error::source(&e);
    }
}

#[test]
fn settings_debug_has_no_values_that_could_be_secret() {
    // Settings hold only references: the Debug of a full file shows names, not secrets.
    let settings = parse_ok("[llm.providers.bedrock.auth]\ncredentials = [\"env:MY_KEY\"]");
    let debug = format!("{settings:?}");
    assert!(debug.contains("MY_KEY"));
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
    assert_eq!((r.model.id.as_str(), r.model.api_id.as_str()), (row.api_id.as_str(), row.api_id.as_str()));
    assert_eq!(r.model.max_output, NEW_MODEL_MAX_OUTPUT);
}

#[test]
fn provider_timeouts_parse_inline_or_as_a_section() {
    let settings = parse_ok(
        "[llm.providers.bedrock]\ntimeouts = { connect = 10, first_byte = 7200, idle = 120 }\n",
    );
    let timeouts = settings.provider(Provider::Bedrock).timeouts();
    assert_eq!(timeouts.connect_secs, Some(10));
    assert_eq!(timeouts.first_byte_secs, Some(7200));
    assert_eq!(timeouts.idle_secs, Some(120));
    assert_eq!(
        settings.provider(Provider::BedrockOpenai).timeouts(),
        TimeoutSettings::default()
    );
    // A section, setting one of them: the others stay unset (the client's defaults).
    let settings = parse_ok("[llm.providers.bedrock.timeouts]\nfirst_byte = 86400\n");
    let timeouts = settings.provider(Provider::Bedrock).timeouts();
    assert_eq!(timeouts.first_byte_secs, Some(MAX_TIMEOUT_SECS));
    assert_eq!(timeouts.connect_secs, None);
    assert_eq!(timeouts.idle_secs, None);
}

#[test]
fn bad_provider_timeouts_name_the_key_and_line() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[llm.providers.bedrock]\ntimeouts = { idle = 0 }\n",
            "invalid_value",
            "llm.providers.bedrock.timeouts.idle must be a whole number of seconds from 1 to 86400",
        ),
        (
            "[llm.providers.bedrock]\n\ntimeouts = { connect = 86401 }\n",
            "invalid_value",
            "llm.providers.bedrock.timeouts.connect must be a whole number of seconds from 1 to 86400",
        ),
        (
            "[llm.providers.bedrock]\ntimeouts = { first_byte = \"1h\" }\n",
            "invalid_type",
            "llm.providers.bedrock.timeouts.first_byte",
        ),
        (
            "[llm.providers.bedrock]\ntimeouts = { first_byte = 2.5 }\n",
            "invalid_type",
            "llm.providers.bedrock.timeouts.first_byte",
        ),
        (
            "[llm.providers.bedrock.timeouts]\nread = 30\n",
            "unknown_key",
            "llm.providers.bedrock.timeouts.read",
        ),
        (
            "[llm.providers.bedrock]\ntimeouts = 300\n",
            "invalid_type",
            "llm.providers.bedrock.timeouts",
        ),
    ];
    for (text, kind, message) in cases {
        let e = parse_err(text);
        assert_eq!(e.kind(), *kind, "{text}: {e}");
        assert!(e.to_string().contains(message), "{text}: {e}");
        let line = text
            .lines()
            .position(|l| l.contains("timeouts =") || l.contains("read"))
            .unwrap()
            + 1;
        assert_eq!(e.line(), Some(line), "{text}: {e}");
    }
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
