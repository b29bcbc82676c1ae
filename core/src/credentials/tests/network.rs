//! SSO, container endpoints and EC2 instance metadata, against recorded HTTP responses.

use super::*;
use crate::credentials::source::token_cache_hash;

const SSO_CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n\
                          [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";

fn sso_token(expires: u64) -> String {
    format!(
        r#"{{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"S3CR3T-sso-access","expiresAt":"{}","clientId":"c","clientSecret":"S3CR3T-client","refreshToken":"S3CR3T-refresh"}}"#,
        iso(expires)
    )
}

fn portal_body(expires_ms: u64) -> String {
    format!(
        r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO","secretAccessKey":"S3CR3T-sso","sessionToken":"S3CR3T-sso-token","expiration":{expires_ms}}}}}"#
    )
}

#[test]
fn sso_session_profile() {
    let cache = format!("/home/u/.aws/sso/cache/{}.json", token_cache_hash("corp"));
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &sso_token(T0 + 3600))
        .http(
            "GET",
            "/federation/credentials?role_name=ReadOnly&account_id=111122223333",
            ok(&portal_body((T0 + 3600) * 1000)),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::Sso);
    assert_eq!(resolved.credentials.access_key_id(), "ASIASSO");
    assert_eq!(resolved.expires_at(), Some(at(T0 + 3600)));
    assert_eq!(resolved.account_id.as_deref(), Some("111122223333"));
    let request = &fake.requests[0];
    assert_eq!(request.host, "portal.sso.eu-west-1.amazonaws.com");
    assert_eq!(
        request.header("x-amz-sso_bearer_token"),
        Some("S3CR3T-sso-access")
    );
    assert_eq!(request.header("Authorization"), None);
    fake.assert_scripts_used();
}

#[test]
fn legacy_sso_profile_hashes_the_start_url() {
    let cache = format!(
        "/home/u/.aws/sso/cache/{}.json",
        token_cache_hash("https://legacy.awsapps.com/start")
    );
    let mut fake = Fake::new()
        .config("[default]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n")
        .file(&cache, &sso_token(T0 + 60))
        .env("AWS_ENDPOINT_URL_SSO", "http://localhost:9000")
        .http("GET", "/federation/credentials?role_name=R&account_id=1", ok(&portal_body((T0 + 3600) * 1000)));
    assert_eq!(fake.chain().unwrap().credentials.access_key_id(), "ASIASSO");
    assert_eq!(
        (fake.requests[0].host.as_str(), fake.requests[0].port),
        ("localhost", 9000)
    );
}

#[test]
fn an_expired_sso_token_asks_for_a_login() {
    let cache = format!("/home/u/.aws/sso/cache/{}.json", token_cache_hash("corp"));
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &sso_token(T0 - 1));
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "sso_token_expired");
    assert_eq!(
        e.to_string(),
        "profile 'dev' (SSO): the SSO session expired at 2023-12-31T23:59:59Z"
    );
    // The fix is the hint's job (settings words only); a front end finds the login arguments
    // in the problem.
    assert!(e.hint().unwrap().contains("SSO session"), "{:?}", e.hint());
    assert!(matches!(
        e.problem(),
        crate::credentials::Problem::SsoTokenExpired { login, .. } if login == " --profile dev"
    ));
    assert!(
        fake.requests.is_empty(),
        "no portal call with an expired token"
    );

    // No cached token at all.
    let mut fake = Fake::new().env("AWS_PROFILE", "dev").config(SSO_CONFIG);
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "sso_token_missing");
    assert!(
        e.to_string()
            .ends_with(&format!("{}.json not found)", token_cache_hash("corp"))),
        "{e}"
    );

    // The portal refusing the token (revoked).
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &sso_token(T0 + 3600))
        .http("GET", "/federation/credentials", recorded(
            "HTTP/1.1 401 Unauthorized\r\nx-amzn-ErrorType: UnauthorizedException:http://internal\r\nContent-Length: 48\r\n\r\n{\"message\":\"Session token not found or invalid\"}",
        ));
    let e = fake.chain().unwrap_err();
    assert_eq!(
        e.to_string(),
        "profile 'dev' (SSO): HTTP 401 UnauthorizedException: Session token not found or invalid"
    );
}

#[test]
fn sso_configuration_errors() {
    for (config, message) in [
        (
            "[default]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n",
            "no [sso-session nope] section",
        ),
        (
            "[default]\nsso_start_url = https://x\nsso_account_id = 1\n",
            "lacks sso_region, sso_role_name",
        ),
        (
            "[default]\nsso_session = s\nsso_region = us-west-2\nsso_account_id = 1\nsso_role_name = R\n[sso-session s]\nsso_start_url = u\nsso_region = us-east-1\n",
            "sso_region differs",
        ),
    ] {
        let mut fake = Fake::new().config(config);
        let e = fake.chain().unwrap_err();
        assert_eq!(e.source_kind(), Some(SourceKind::Sso));
        assert!(e.to_string().contains(message), "{message}: {e}");
    }
    let cache = format!("/home/u/.aws/sso/cache/{}.json", token_cache_hash("corp"));
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, r#"{"accessToken": "S3CR3T"}"#);
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("has no valid expiresAt")
    );
}

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

fn imds(fake: Fake) -> Fake {
    fake.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338")
}

#[test]
fn instance_metadata_v2() {
    let mut fake = Fake::new()
        .http("PUT", "/latest/api/token", ok("S3CR3T-imds-token"))
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            ok("web-role\n"),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/web-role",
            ok(&credentials_json("ASIAEC2", T0 + 6 * 3600)),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::InstanceMetadata);
    assert_eq!(
        resolved.detail,
        "EC2 instance metadata at http://169.254.169.254 (role web-role)"
    );
    assert_eq!(
        String::from_utf8(fake.requests[0].to_http1().unwrap()).unwrap(),
        "PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nContent-Length: 0\r\n\
         x-aws-ec2-metadata-token-ttl-seconds: 21600\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(fake.requests[0].timeout, core::time::Duration::from_secs(1));
    for request in &fake.requests[1..] {
        assert_eq!(
            request.header("x-aws-ec2-metadata-token"),
            Some("S3CR3T-imds-token")
        );
    }

    // Endpoint override and IPv6 mode.
    let mut fake = imds(Fake::new())
        .http("PUT", "/latest/api/token", ok("S3CR3T-t"))
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            ok("r"),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/r",
            ok(&credentials_json("ASIAEC2", T0 + 3600)),
        );
    fake.chain().unwrap();
    assert_eq!(
        (fake.requests[0].host.as_str(), fake.requests[0].port),
        ("127.0.0.1", 1338)
    );
    let mut fake = Fake::new()
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")
        .http(
            "PUT",
            "/latest/api/token",
            Err(HttpFailure::connect("unreachable")),
        );
    fake.chain().unwrap_err();
    assert_eq!(fake.requests[0].host, "fd00:ec2::254");
    assert_eq!(fake.requests[0].header("Host"), Some("[fd00:ec2::254]"));
    let mut fake = Fake::new().env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5");
    assert_eq!(fake.chain().unwrap_err().kind(), "invalid_config");
}

#[test]
fn instance_metadata_token_refusal_falls_back_to_v1() {
    for refusal in [
        status(403, ""),
        status(404, ""),
        status(405, "Method Not Allowed"),
        Err(HttpFailure::timeout("1 s")),
    ] {
        let mut fake = imds(Fake::new())
            .http("PUT", "/latest/api/token", refusal)
            .http(
                "GET",
                "/latest/meta-data/iam/security-credentials/",
                ok("r"),
            )
            .http(
                "GET",
                "/latest/meta-data/iam/security-credentials/r",
                ok(&credentials_json("ASIAV1", T0 + 3600)),
            );
        assert_eq!(fake.chain().unwrap().credentials.access_key_id(), "ASIAV1");
        assert_eq!(
            fake.requests[1].header("x-aws-ec2-metadata-token"),
            None,
            "IMDSv1: no token"
        );
        fake.assert_scripts_used();
    }

    // ...unless IMDSv1 is disabled.
    let mut fake = imds(Fake::new())
        .env("AWS_EC2_METADATA_V1_DISABLED", "true")
        .http("PUT", "/latest/api/token", status(403, ""));
    let e = fake.chain().unwrap_err();
    assert!(
        e.to_string()
            .contains("no IMDSv2 token and IMDSv1 is disabled"),
        "{e}"
    );

    // 400 and connection failures (connect timeouts included) stop there: nothing found, one
    // request, no wait; a 500 on every attempt also ends in "nothing found", after 3 attempts.
    for (failure, note, attempts) in [
        (status(400, ""), "refused with HTTP 400", 1),
        (
            Err(HttpFailure::connect("connection refused")),
            "unreachable: connection failed: connection refused",
            1,
        ),
        (status(500, ""), "failed with HTTP 500", 3),
    ] {
        let mut fake = imds(Fake::new());
        for _ in 0..attempts {
            fake = fake.http("PUT", "/latest/api/token", failure.clone());
        }
        let e = fake.chain().unwrap_err();
        assert_eq!(e.kind(), "not_found");
        assert!(e.to_string().contains(note), "{note}: {e}");
        assert_eq!(fake.requests.len(), attempts);
        assert_eq!(fake.sleeps.len(), attempts - 1);
        fake.assert_scripts_used();
    }
}

#[test]
fn instance_metadata_without_a_role_or_with_an_error_document() {
    let mut fake = imds(Fake::new())
        .http("PUT", "/latest/api/token", ok("S3CR3T-t"))
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            status(404, ""),
        );
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("no IAM role is attached")
    );

    let mut fake = imds(Fake::new())
        .http("PUT", "/latest/api/token", ok("S3CR3T-t"))
        .http("GET", "/latest/meta-data/iam/security-credentials/", ok("r"))
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/r",
            ok(r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role","LastUpdated":"2024-01-01T00:00:00Z"}"#),
        );
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "not_found");
    assert!(
        e.to_string()
            .contains("role r: the response has no AccessKeyId"),
        "{e}"
    );

    let mut fake = Fake::new().env("AWS_EC2_METADATA_DISABLED", "true");
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("disabled by AWS_EC2_METADATA_DISABLED")
    );
    assert!(fake.requests.is_empty());
}

#[test]
fn one_imds_503_does_not_end_the_chain() {
    // A 503 on the token, then on the role, then on the credentials: each retried once.
    let mut fake = imds(Fake::new())
        .http("PUT", "/latest/api/token", status(503, ""))
        .http("PUT", "/latest/api/token", ok("S3CR3T-t"))
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            status(503, ""),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            ok("r"),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/r",
            Err(HttpFailure::new(HttpFailureKind::Other, "connection reset")),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/r",
            ok(&credentials_json("ASIAEC2", T0 + 3600)),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "ASIAEC2");
    fake.assert_scripts_used();
    // Standard backoff: a random fraction of 50 ms before the first retry.
    assert_eq!(fake.sleeps.len(), 3);
    assert!(
        fake.sleeps
            .iter()
            .all(|s| *s <= core::time::Duration::from_millis(50)),
        "{:?}",
        fake.sleeps
    );
    assert_eq!(
        fake.asked.iter().filter(|n| **n == Need::Random).count(),
        1,
        "one seed per resolution"
    );
    // The retried requests are the same requests (token included).
    assert_eq!(fake.requests[0], fake.requests[1]);
    assert_eq!(
        fake.requests[5].header("x-aws-ec2-metadata-token"),
        Some("S3CR3T-t")
    );
}

#[test]
fn imds_gives_up_after_its_attempts_and_honours_botocores_settings() {
    // AWS_METADATA_SERVICE_NUM_ATTEMPTS (botocore's setting) bounds the attempts: 2 here.
    let mut fake = imds(Fake::new())
        .env("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")
        .env("AWS_METADATA_SERVICE_TIMEOUT", "2.5")
        .http("PUT", "/latest/api/token", ok("S3CR3T-t"))
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            status(500, ""),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            status(500, ""),
        );
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "not_found");
    assert!(
        e.to_string().contains("role request failed with HTTP 500"),
        "{e}"
    );
    fake.assert_scripts_used();
    assert_eq!(fake.sleeps.len(), 1);
    assert!(
        fake.requests
            .iter()
            .all(|r| r.timeout == core::time::Duration::from_millis(2500))
    );

    // The default: 3 attempts. A read timeout on the token is not retried (IMDSv1 fallback,
    // as botocore), a read timeout on a GET is.
    let mut fake = imds(Fake::new())
        .http("PUT", "/latest/api/token", Err(HttpFailure::timeout("1 s")))
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            Err(HttpFailure::timeout("1 s")),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            Err(HttpFailure::timeout("1 s")),
        )
        .http(
            "GET",
            "/latest/meta-data/iam/security-credentials/",
            Err(HttpFailure::timeout("1 s")),
        );
    assert_eq!(fake.chain().unwrap_err().kind(), "not_found");
    fake.assert_scripts_used();
    assert_eq!(fake.sleeps.len(), 2);

    let mut fake = imds(Fake::new()).env("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "zero");
    assert_eq!(fake.chain().unwrap_err().kind(), "invalid_config");
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

#[test]
fn sso_portal_retries_throttling_with_the_standard_backoff() {
    let cache = format!("/home/u/.aws/sso/cache/{}.json", token_cache_hash("corp"));
    let throttled = || {
        recorded(
            "HTTP/1.1 429 Too Many Requests\r\nx-amzn-ErrorType: TooManyRequestsException\r\nContent-Length: 2\r\n\r\n{}",
        )
    };
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &sso_token(T0 + 3600))
        .http("GET", "/federation/credentials", throttled())
        .http(
            "GET",
            "/federation/credentials",
            ok(&portal_body((T0 + 3600) * 1000)),
        );
    assert_eq!(fake.chain().unwrap().credentials.access_key_id(), "ASIASSO");
    fake.assert_scripts_used();
    // Throttling: a random fraction of 1 s.
    assert_eq!(fake.sleeps.len(), 1);
    assert!(fake.sleeps[0] <= core::time::Duration::from_secs(1));

    // Three throttles: the error after the third attempt.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &sso_token(T0 + 3600))
        .http("GET", "/federation/credentials", throttled())
        .http("GET", "/federation/credentials", throttled())
        .http("GET", "/federation/credentials", throttled());
    let e = fake.chain().unwrap_err();
    assert!(
        e.to_string().contains("HTTP 429 TooManyRequestsException"),
        "{e}"
    );
    fake.assert_scripts_used();
}

/// A token cache as `aws sso login` leaves it: with the client registration and a refresh
/// token.
fn refreshable_token(expires: u64, registration_expires: u64) -> String {
    format!(
        r#"{{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"S3CR3T-old-access","expiresAt":"{}","clientId":"client-1","clientSecret":"S3CR3T-client","registrationExpiresAt":"{}","refreshToken":"S3CR3T-refresh-1"}}"#,
        iso(expires),
        iso(registration_expires)
    )
}

const OIDC_ANSWER: &str = r#"{"accessToken":"S3CR3T-new-access","expiresIn":28800,"refreshToken":"S3CR3T-refresh-2","tokenType":"Bearer"}"#;

fn sso_cache_path() -> String {
    format!("/home/u/.aws/sso/cache/{}.json", token_cache_hash("corp"))
}

#[test]
fn an_sso_token_inside_the_refresh_window_is_refreshed_and_written_back() {
    // 10 minutes left (< botocore's 15), and one already expired: both refreshed.
    for expires in [T0 + 600, T0 - 60] {
        let cache = sso_cache_path();
        let mut fake = Fake::new()
            .env("AWS_PROFILE", "dev")
            .config(SSO_CONFIG)
            .file(&cache, &refreshable_token(expires, T0 + 86_400))
            .http("POST", "/token", ok(OIDC_ANSWER))
            .http(
                "GET",
                "/federation/credentials",
                ok(&portal_body((T0 + 3600) * 1000)),
            );
        let resolved = fake.chain().unwrap();
        assert_eq!(resolved.credentials.access_key_id(), "ASIASSO");
        fake.assert_scripts_used();

        // CreateToken: unsigned JSON to oidc.<sso_region>.amazonaws.com.
        let oidc = &fake.requests[0];
        assert_eq!(oidc.host, "oidc.eu-west-1.amazonaws.com");
        assert_eq!(oidc.target, "/token");
        assert_eq!(oidc.header("Content-Type"), Some("application/json"));
        assert_eq!(oidc.header("Authorization"), None);
        let body: serde_json::Value = serde_json::from_slice(&oidc.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"grantType": "refresh_token", "clientId": "client-1",
                "clientSecret": "S3CR3T-client", "refreshToken": "S3CR3T-refresh-1"})
        );
        // The portal gets the new token.
        assert_eq!(
            fake.requests[1].header("x-amz-sso_bearer_token"),
            Some("S3CR3T-new-access")
        );
        // The cache is written back once, as botocore writes it.
        assert_eq!(fake.written.len(), 1);
        let (path, bytes) = &fake.written[0];
        assert_eq!(path, &cache);
        let written: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(
            written,
            serde_json::json!({
                "startUrl": "https://corp.awsapps.com/start",
                "region": "eu-west-1",
                "accessToken": "S3CR3T-new-access",
                "expiresAt": iso(T0 + 28_800),
                "clientId": "client-1",
                "clientSecret": "S3CR3T-client",
                "registrationExpiresAt": iso(T0 + 86_400),
                "refreshToken": "S3CR3T-refresh-2",
            })
        );
        // The next resolution reads the refreshed cache: no second refresh.
        fake = fake.http(
            "GET",
            "/federation/credentials",
            ok(&portal_body((T0 + 3600) * 1000)),
        );
        fake.chain().unwrap();
        assert_eq!(fake.requests.len(), 3);
        assert_eq!(fake.written.len(), 1);
    }
}

#[test]
fn sso_refresh_honours_the_window_the_registration_and_the_endpoint_settings() {
    let cache = sso_cache_path();
    // 20 minutes left: outside the window, no refresh.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &refreshable_token(T0 + 1200, T0 + 86_400))
        .http(
            "GET",
            "/federation/credentials",
            ok(&portal_body((T0 + 3600) * 1000)),
        );
    fake.chain().unwrap();
    assert_eq!(fake.requests.len(), 1);
    assert!(fake.written.is_empty());

    // An expired client registration: no refresh; a still-valid token is used, an expired one
    // asks for a login.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &refreshable_token(T0 + 600, T0 - 1))
        .http(
            "GET",
            "/federation/credentials",
            ok(&portal_body((T0 + 3600) * 1000)),
        );
    fake.chain().unwrap();
    assert_eq!(
        fake.requests[0].header("x-amz-sso_bearer_token"),
        Some("S3CR3T-old-access")
    );
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &refreshable_token(T0 - 1, T0 - 1));
    assert_eq!(fake.chain().unwrap_err().kind(), "sso_token_expired");
    assert!(fake.requests.is_empty());

    // SSO OIDC refusing the refresh token: the same as no refresh.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &refreshable_token(T0 - 1, T0 + 86_400))
        .http(
            "POST",
            "/token",
            status(
                400,
                r#"{"error":"invalid_grant","error_description":"expired"}"#,
            ),
        );
    assert_eq!(fake.chain().unwrap_err().kind(), "sso_token_expired");
    assert!(fake.written.is_empty());
    fake.assert_scripts_used();

    // SSO OIDC unreachable with an expired token: a transport error, after the retries.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config(SSO_CONFIG)
        .file(&cache, &refreshable_token(T0 - 1, T0 + 86_400));
    for _ in 0..3 {
        fake = fake.http("POST", "/token", Err(HttpFailure::connect("refused")));
    }
    assert_eq!(fake.chain().unwrap_err().kind(), "transport");
    fake.assert_scripts_used();

    // AWS_ENDPOINT_URL_SSO_OIDC points the refresh elsewhere.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:4455")
        .config(SSO_CONFIG)
        .file(&cache, &refreshable_token(T0 + 60, T0 + 86_400))
        .http("POST", "/token", ok(OIDC_ANSWER))
        .http(
            "GET",
            "/federation/credentials",
            ok(&portal_body((T0 + 3600) * 1000)),
        );
    fake.chain().unwrap();
    assert_eq!(
        (fake.requests[0].host.as_str(), fake.requests[0].port),
        ("127.0.0.1", 4455)
    );

    // A legacy profile (sso_start_url in the profile, no sso_session) never refreshes.
    let legacy = format!(
        "/home/u/.aws/sso/cache/{}.json",
        token_cache_hash("https://corp.awsapps.com/start")
    );
    let mut fake = Fake::new()
        .config("[default]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = R\n")
        .file(&legacy, &refreshable_token(T0 - 1, T0 + 86_400));
    assert_eq!(fake.chain().unwrap_err().kind(), "sso_token_expired");
    assert!(fake.requests.is_empty());
}

#[test]
fn only_sso_account_id_or_role_name_make_an_sso_profile() {
    // A profile used for `aws sso login` only (sso_session, no account or role) with static
    // keys: botocore's SSO provider skips it and the keys are used.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config("[profile dev]\nsso_session = corp\naws_access_key_id = AKIADEV\naws_secret_access_key = S3CR3T\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n");
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::ConfigFile);
    assert_eq!(resolved.credentials.access_key_id(), "AKIADEV");

    // One of the two is enough to be an SSO profile (and then the rest is required).
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config("[profile dev]\nsso_session = corp\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n");
    let e = fake.chain().unwrap_err();
    assert_eq!(e.source_kind(), Some(SourceKind::Sso));
    assert!(e.to_string().contains("lacks sso_account_id"), "{e}");
}
