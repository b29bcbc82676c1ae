//! The container credentials source against recorded HTTP responses: relative and full URIs,
//! which hosts plain HTTP may reach, authorization tokens, retries.

use super::*;

#[test]
fn container_relative_uri() {
    let mut fake = Fake::new()
        .env(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/task-1",
        )
        .http(
            "GET",
            "/v2/credentials/task-1",
            ok(&credentials_json("ASIATASK", T0 + 3600)),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::Container);
    assert_eq!(
        resolved.detail,
        "container credentials endpoint http://169.254.170.2"
    );
    let request = &fake.requests[0];
    assert_eq!(
        (request.host.as_str(), request.port, request.https),
        ("169.254.170.2", 80, false)
    );
    assert_eq!(request.timeout, core::time::Duration::from_secs(2));
    assert_eq!(
        String::from_utf8(request.to_http1().unwrap()).unwrap(),
        "GET /v2/credentials/task-1 HTTP/1.1\r\nHost: 169.254.170.2\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn container_full_uri_host_rules_and_tokens() {
    // EKS Pod Identity: the token file wins over the env token and is re-read each fetch.
    let mut fake = Fake::new()
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.170.23/v1/credentials",
        )
        .env(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            "/var/run/eks/token",
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "S3CR3T-env-token")
        .file("/var/run/eks/token", "S3CR3T-file-token-1\n")
        .http(
            "GET",
            "/v1/credentials",
            ok(&credentials_json("ASIAPOD1", T0 + 3600)),
        )
        .http(
            "GET",
            "/v1/credentials",
            ok(&credentials_json("ASIAPOD2", T0 + 3600)),
        );
    assert_eq!(
        fake.chain().unwrap().credentials.access_key_id(),
        "ASIAPOD1"
    );
    assert_eq!(
        fake.requests[0].header("Authorization"),
        Some("S3CR3T-file-token-1")
    );
    fake.files
        .insert("/var/run/eks/token".into(), b"S3CR3T-file-token-2".to_vec());
    assert_eq!(
        fake.chain().unwrap().credentials.access_key_id(),
        "ASIAPOD2"
    );
    assert_eq!(
        fake.requests[1].header("Authorization"),
        Some("S3CR3T-file-token-2")
    );

    // Env token, loopback and IPv6 hosts, https anywhere.
    for (uri, host) in [
        ("http://127.0.0.1:51679/creds", "127.0.0.1"),
        ("http://localhost/creds", "localhost"),
        ("http://[fd00:ec2::23]/creds", "fd00:ec2::23"),
        ("https://creds.example.com/creds", "creds.example.com"),
    ] {
        let mut fake = Fake::new()
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "S3CR3T-env-token")
            .http("GET", "/creds", ok(&credentials_json("ASIAX", T0 + 3600)));
        fake.chain().unwrap();
        assert_eq!(fake.requests[0].host, host);
        assert_eq!(
            fake.requests[0].header("Authorization"),
            Some("S3CR3T-env-token")
        );
    }

    let mut fake = Fake::new().env(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://169.254.169.254/creds",
    );
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "disallowed_host");
    assert!(
        e.to_string()
            .contains("plain http to 169.254.169.254 is not allowed"),
        "{e}"
    );
    let mut fake = Fake::new().env(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://evil.example.com/",
    );
    assert_eq!(fake.chain().unwrap_err().kind(), "disallowed_host");
    let mut fake = Fake::new().env(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        ".evil.example/creds",
    );
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("must be a path starting with '/'")
    );

    // CR/LF inside a token would inject headers.
    let mut fake = Fake::new()
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1/creds",
        )
        .env(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "S3CR3T\r\nX-Injected: 1",
        );
    let e = fake.chain().unwrap_err();
    assert!(e.to_string().contains("contains CR or LF"), "{e}");
    assert!(fake.requests.is_empty());

    // The endpoint's error answer.
    let mut fake = Fake::new()
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds")
        .http(
            "GET",
            "/creds",
            status(403, r#"{"code":"AccessDenied","message":"token rejected"}"#),
        );
    let e = fake.chain().unwrap_err();
    assert_eq!(
        e.to_string(),
        "container credentials endpoint http://169.254.170.2: HTTP 403 AccessDenied: token rejected (request id req-1)"
    );
    // A 403 is final at once; a timeout is retried (3 attempts, 1 s apart) and then reported.
    assert_eq!(fake.requests.len(), 1);
    let mut fake = Fake::new()
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds")
        .http("GET", "/creds", Err(HttpFailure::timeout("2 s")))
        .http("GET", "/creds", Err(HttpFailure::timeout("2 s")))
        .http("GET", "/creds", Err(HttpFailure::timeout("2 s")));
    assert_eq!(fake.chain().unwrap_err().kind(), "transport");
    fake.assert_scripts_used();
    assert_eq!(fake.sleeps, [core::time::Duration::from_secs(1); 2]);
    let mut fake = Fake::new()
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds")
        .http(
            "GET",
            "/creds",
            ok(r#"{"AccessKeyId":"A","SecretAccessKey":"S3CR3T"}"#),
        );
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("the response has no Token")
    );
}

#[test]
fn container_retries_a_reset_and_a_503_one_second_apart() {
    let mut fake = Fake::new()
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds")
        .http(
            "GET",
            "/creds",
            Err(HttpFailure::new(HttpFailureKind::Other, "connection reset")),
        )
        .http("GET", "/creds", status(503, ""))
        .http(
            "GET",
            "/creds",
            ok(&credentials_json("ASIATASK", T0 + 3600)),
        );
    assert_eq!(
        fake.chain().unwrap().credentials.access_key_id(),
        "ASIATASK"
    );
    fake.assert_scripts_used();
    assert_eq!(fake.sleeps, [core::time::Duration::from_secs(1); 2]);
    // Random is not asked for a fixed wait.
    assert!(!fake.asked.contains(&Need::Random));
}

/// Settings' `base_url` and the container full URI share one parser and one loopback rule:
/// every spelling below is allowed over plain HTTP by both, or refused by both.
#[test]
fn settings_and_container_agree_on_loopback_spellings() {
    use crate::catalog::Provider;
    use crate::settings::{Settings, SettingsProblem, UrlProblem};

    for (host, bare, loopback) in [
        ("localhost", "localhost", true),
        ("LocalHost", "localhost", true),
        ("127.0.0.1", "127.0.0.1", true),
        ("127.9.8.7", "127.9.8.7", true),
        ("[::1]", "::1", true),
        ("[0:0:0:0:0:0:0:1]", "0:0:0:0:0:0:0:1", true),
        ("[0000::0001]", "0000::0001", true),
        ("[::0.0.0.1]", "::0.0.0.1", true),
        // IPv4-mapped: not loopback (see `crate::url`).
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1", false),
        ("127.1", "127.1", false),
        ("127.0.0.1.evil.example", "127.0.0.1.evil.example", false),
        ("localhost.evil.example", "localhost.evil.example", false),
        ("[::2]", "::2", false),
        ("128.0.0.1", "128.0.0.1", false),
    ] {
        for scheme in ["http", "https"] {
            let url = format!("{scheme}://{host}:8080/creds");
            let allowed = scheme == "https" || loopback;

            let settings =
                Settings::default().override_endpoint(Provider::Bedrock, Some(&url), None);
            match (&settings, allowed) {
                (Ok(()), true) => {}
                (Err(e), false) => assert_eq!(
                    e.problem(),
                    &SettingsProblem::InvalidUrl {
                        key: "base_url override".into(),
                        problem: UrlProblem::PlainHttpToRemoteHost,
                    },
                    "{url}"
                ),
                _ => panic!("settings: {url}: {settings:?}"),
            }

            let mut fake = Fake::new()
                .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
                .http("GET", "/creds", ok(&credentials_json("ASIAX", T0 + 3600)));
            let chain = fake.chain();
            match (&chain, allowed) {
                (Ok(_), true) => assert_eq!(fake.requests[0].host, bare, "{url}"),
                (Err(e), false) => assert_eq!(e.kind(), "disallowed_host", "{url}"),
                _ => panic!("container: {url}: {chain:?}"),
            }
        }
    }
}
