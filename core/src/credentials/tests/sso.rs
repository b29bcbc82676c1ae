//! The SSO source against recorded HTTP responses: the token cache, the portal, SSO OIDC
//! refresh and write-back.

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

/// The cache file names the AWS CLI computes (`hashlib.sha1(name.encode()).hexdigest()`), so
/// a token from `aws sso login` is found: the session name for `sso_session` profiles, the
/// start URL for legacy ones.
#[test]
fn sso_token_cache_names_match_the_aws_cli() {
    assert_eq!(
        token_cache_hash("corp"),
        "ee0bfd2552fbd840c02cc48b6e823320543c450f"
    );
    assert_eq!(
        token_cache_hash("https://corp.awsapps.com/start"),
        "a51746d4aa793ae07b25e90c3a5db96fc7832bd7"
    );
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
