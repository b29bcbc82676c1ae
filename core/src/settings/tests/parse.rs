//! The file: its schema and version, unknown keys, credential references, values, timeouts, and
//! what its errors may print.

use super::*;

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
