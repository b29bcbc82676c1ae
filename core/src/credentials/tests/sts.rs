//! Assume role (source_profile chains, credential_source) and web identity, against recorded
//! STS responses.

use super::*;
use crate::sigv4::{SignableRequest, Signer, SigningParams};

/// Re-signs a recorded request with `credentials` and checks its `Authorization` header, as the
/// service would.
#[track_caller]
fn assert_signed_by(
    request: &HttpRequest,
    credentials: &crate::sigv4::Credentials,
    region: &str,
    now: u64,
) {
    let host = request.header("Host").unwrap();
    let signable = SignableRequest::new(request.method, &request.target)
        .header("host", host)
        .header("content-type", request.header("Content-Type").unwrap())
        .body(&request.body);
    let params = SigningParams::new(credentials, region, "sts", at(now));
    let expected = Signer::new().sign_headers(&signable, &params).unwrap();
    assert_eq!(
        request.header("Authorization"),
        Some(expected.authorization())
    );
    assert!(
        expected
            .authorization()
            .contains(&format!("/{region}/sts/aws4_request"))
    );
}

fn body(request: &HttpRequest) -> String {
    String::from_utf8(request.body.clone()).unwrap()
}

#[test]
fn assume_role_with_a_static_source_profile() {
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "admin")
        .env("AWS_REGION", "eu-west-1")
        .config(
            "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\n\
             role_session_name = me@example.com\nexternal_id = ext-1\nduration_seconds = 1800\n",
        )
        .credentials("[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S3CR3T-base\naws_session_token = S3CR3T-base-token\n")
        .http("POST", "/", ok(&sts_success("AssumeRole", "ASIAADMIN", T0 + 1800)));
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::AssumeRole);
    assert_eq!(resolved.detail, "profile 'admin' (assume role)");
    assert_eq!(resolved.credentials.access_key_id(), "ASIAADMIN");
    assert_eq!(resolved.expires_at(), Some(at(T0 + 1800)));
    assert_eq!(resolved.account_id.as_deref(), Some("123456789012"));

    let request = &fake.requests[0];
    assert!(request.https);
    assert_eq!(
        (request.host.as_str(), request.port),
        ("sts.eu-west-1.amazonaws.com", 443)
    );
    assert_eq!(
        body(request),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAdmin\
         &RoleSessionName=me%40example.com&ExternalId=ext-1&DurationSeconds=1800"
    );
    assert_eq!(
        request.header("Content-Type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    assert!(
        request.header("X-Amz-Security-Token").is_some(),
        "the source's session token is sent"
    );
    let base = crate::sigv4::Credentials::new("AKIABASE", "S3CR3T-base")
        .unwrap()
        .with_session_token("S3CR3T-base-token");
    assert_signed_by(request, &base, "eu-west-1", T0);
    let bytes = String::from_utf8(request.to_http1().unwrap()).unwrap();
    assert!(
        bytes.starts_with("POST / HTTP/1.1\r\nHost: sts.eu-west-1.amazonaws.com\r\n"),
        "{bytes}"
    );
    fake.assert_scripts_used();
}

#[test]
fn chained_source_profiles_and_loops() {
    // admin -> middle -> base (static). Two STS calls, the second signed with the first's result.
    let config = "[profile admin]\nrole_arn = arn:aws:iam::1:role/Admin\nsource_profile = middle\n\
                  [profile middle]\nrole_arn = arn:aws:iam::1:role/Middle\nsource_profile = base\n\
                  [profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S3CR3T\n";
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "admin")
        .config(config)
        .http(
            "POST",
            "/",
            ok(&sts_success("AssumeRole", "ASIAMIDDLE", T0 + 3600)),
        )
        .http(
            "POST",
            "/",
            ok(&sts_success("AssumeRole", "ASIAADMIN", T0 + 3600)),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "ASIAADMIN");
    assert!(body(&fake.requests[0]).contains("role%2FMiddle"));
    assert!(body(&fake.requests[1]).contains("role%2FAdmin"));
    assert!(
        fake.requests[0]
            .header("Authorization")
            .unwrap()
            .contains("Credential=AKIABASE/")
    );
    assert!(
        fake.requests[1]
            .header("Authorization")
            .unwrap()
            .contains("Credential=ASIAMIDDLE/")
    );
    assert_eq!(
        fake.requests[0].host, "sts.us-east-1.amazonaws.com",
        "us-east-1 without a region"
    );
    assert!(body(&fake.requests[0]).contains(&format!("RoleSessionName=bedrock-session-{T0}")));

    // a -> b -> a: a loop.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "a")
        .config("[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = a\n");
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "source_profile_loop");
    assert!(e.to_string().contains("a -> b -> a"), "{e}");
    assert!(fake.requests.is_empty());

    // A profile may be its own source when it has static keys.
    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/Self\nsource_profile = default\naws_access_key_id = AKIASELF\naws_secret_access_key = S3CR3T\n")
        .http("POST", "/", ok(&sts_success("AssumeRole", "ASIASELF", T0 + 3600)));
    assert_eq!(
        fake.chain().unwrap().credentials.access_key_id(),
        "ASIASELF"
    );
    assert!(
        fake.requests[0]
            .header("Authorization")
            .unwrap()
            .contains("Credential=AKIASELF/")
    );

    // A source profile served by credential_process.
    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = p\n[profile p]\ncredential_process = creds\n")
        .command("creds", output(0, r#"{"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":"S3CR3T"}"#, ""))
        .http("POST", "/", ok(&sts_success("AssumeRole", "ASIAR", T0 + 3600)));
    assert_eq!(fake.chain().unwrap().credentials.access_key_id(), "ASIAR");
    fake.assert_scripts_used();
}

#[test]
fn credential_source() {
    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Environment\n")
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T");
    // With a profile chosen in code the environment source is off, but credential_source still
    // reads the environment keys.
    let mut config_fake = fake;
    config_fake = config_fake.http(
        "POST",
        "/",
        ok(&sts_success("AssumeRole", "ASIAFROMENV", T0 + 3600)),
    );
    let resolved = config_fake
        .chain_with(ChainConfig::new().with_profile("default"))
        .unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "ASIAFROMENV");
    assert!(
        config_fake.requests[0]
            .header("Authorization")
            .unwrap()
            .contains("Credential=AKIAENV/")
    );

    fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = EcsContainer\n")
        .env(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/abc",
        )
        .http(
            "GET",
            "/v2/credentials/abc",
            ok(&credentials_json("ASIATASK", T0 + 3600)),
        )
        .http(
            "POST",
            "/",
            ok(&sts_success("AssumeRole", "ASIAROLE", T0 + 3600)),
        );
    assert_eq!(
        fake.chain().unwrap().credentials.access_key_id(),
        "ASIAROLE"
    );
    assert!(
        fake.requests[1]
            .header("Authorization")
            .unwrap()
            .contains("Credential=ASIATASK/")
    );

    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Ec2\n");
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "invalid_config");
    assert!(
        e.to_string()
            .contains("credential_source 'Ec2' is not one of"),
        "{e}"
    );

    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Ec2InstanceMetadata\n")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let e = fake.chain().unwrap_err();
    assert!(
        e.to_string()
            .contains("credential_source Ec2InstanceMetadata found no credentials"),
        "{e}"
    );

    for (extra, message) in [
        (
            "source_profile = b\ncredential_source = Environment\n",
            "not both",
        ),
        ("", "needs source_profile or credential_source"),
        (
            "source_profile = b\nmfa_serial = arn:aws:iam::1:mfa/me\n",
            "mfa_serial",
        ),
        ("source_profile = nowhere\n", "profile 'nowhere' is not in"),
    ] {
        let mut fake = Fake::new()
            .config(&format!("[default]\nrole_arn = arn:aws:iam::1:role/R\n{extra}[profile b]\naws_access_key_id = A\naws_secret_access_key = S3CR3T\n"));
        let e = fake.chain().unwrap_err();
        assert!(e.to_string().contains(message), "{message}: {e}");
        assert_eq!(e.source_kind(), Some(SourceKind::AssumeRole));
    }

    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = empty\n[profile empty]\nregion = x\n");
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("source profile 'empty' has no credentials")
    );
}

#[test]
fn sts_error_xml_is_a_typed_error_naming_the_source() {
    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = b\n[profile b]\naws_access_key_id = AKIAB\naws_secret_access_key = S3CR3T\n")
        .http(
            "POST",
            "/",
            status(403, &sts_error("AccessDenied", "User: arn:aws:iam::123456789012:user/b is not authorized to perform: sts:AssumeRole")),
        );
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "service_error");
    assert_eq!(e.source_kind(), Some(SourceKind::AssumeRole));
    assert!(matches!(
        e.problem(),
        Problem::Service { status: 403, code: Some(code), request_id: Some(id), .. } if code == "AccessDenied" && id == "sts-err-7"
    ));
    assert_eq!(
        e.to_string(),
        "profile 'default' (assume role): HTTP 403 AccessDenied: User: arn:aws:iam::123456789012:user/b is not authorized to perform: sts:AssumeRole (request id sts-err-7)"
    );
    let error = crate::error::Error::from(e);
    assert_eq!(error.kind(), crate::error::ErrorKind::NoCredentials);
    assert_eq!(error.status(), Some(403));
    assert_eq!(error.error_type(), Some("AccessDenied"));

    // A non-XML error body and a malformed success body.
    let base = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = b\n[profile b]\naws_access_key_id = AKIAB\naws_secret_access_key = S3CR3T\n");
    // A 503 is retried (standard mode: 3 attempts), then reported.
    let mut fake = base
        .http("POST", "/", status(503, "<html>down</html"))
        .http("POST", "/", status(503, "<html>down</html"))
        .http("POST", "/", status(503, "<html>down</html"));
    let e = fake.chain().unwrap_err();
    fake.assert_scripts_used();
    assert_eq!(fake.sleeps.len(), 2);
    assert!(
        matches!(
            e.problem(),
            Problem::Service {
                status: 503,
                code: None,
                ..
            }
        ),
        "{e:?}"
    );
    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = b\n[profile b]\naws_access_key_id = AKIAB\naws_secret_access_key = S3CR3T\n")
        .http("POST", "/", ok("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>"));
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "invalid_response");
    assert!(
        e.to_string().contains("no Credentials/SecretAccessKey"),
        "{e}"
    );
    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = b\n[profile b]\naws_access_key_id = AKIAB\naws_secret_access_key = S3CR3T\n")
        .http("POST", "/", Err(HttpFailure::timeout("30 s")))
        .http("POST", "/", Err(HttpFailure::timeout("30 s")))
        .http("POST", "/", Err(HttpFailure::timeout("30 s")));
    assert_eq!(fake.chain().unwrap_err().kind(), "transport");
    fake.assert_scripts_used();
}

#[test]
fn web_identity_from_the_environment() {
    let mut fake = Fake::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Pod")
        .env("AWS_ROLE_SESSION_NAME", "pod-1")
        .env("AWS_REGION", "us-west-2")
        .file("/var/run/secrets/token", "eyJS3CR3T.jwt.sig\n")
        .http(
            "POST",
            "/",
            ok(&sts_success(
                "AssumeRoleWithWebIdentity",
                "ASIAPOD",
                T0 + 3600,
            )),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::WebIdentity);
    assert_eq!(resolved.credentials.access_key_id(), "ASIAPOD");
    assert_eq!(
        resolved.detail,
        "web identity (role arn:aws:iam::123456789012:role/Pod)"
    );
    let request = &fake.requests[0];
    assert_eq!(request.host, "sts.us-west-2.amazonaws.com");
    assert_eq!(
        request.header("Authorization"),
        None,
        "AssumeRoleWithWebIdentity is unsigned"
    );
    assert_eq!(
        body(request),
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FPod&RoleSessionName=pod-1&WebIdentityToken=eyJS3CR3T.jwt.sig"
    );
    fake.assert_scripts_used();

    // The token file is read on every resolution (it rotates).
    let mut again = Fake::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")
        .env("AWS_ROLE_ARN", "arn:aws:iam::1:role/P")
        .file("/t", "S3CR3T-first")
        .http(
            "POST",
            "/",
            ok(&sts_success(
                "AssumeRoleWithWebIdentity",
                "ASIA1",
                T0 + 3600,
            )),
        )
        .http(
            "POST",
            "/",
            ok(&sts_success(
                "AssumeRoleWithWebIdentity",
                "ASIA2",
                T0 + 3600,
            )),
        );
    again.chain().unwrap();
    again.files.insert("/t".into(), b"S3CR3T-second".to_vec());
    assert_eq!(again.chain().unwrap().credentials.access_key_id(), "ASIA2");
    assert!(body(&again.requests[1]).ends_with("WebIdentityToken=S3CR3T-second"));
}

#[test]
fn web_identity_errors_and_profiles() {
    let mut fake = Fake::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")
        .env("AWS_ROLE_ARN", "arn:aws:iam::1:role/P")
        .file("/t", "S3CR3T")
        .http(
            "POST",
            "/",
            status(
                400,
                &sts_error("InvalidIdentityToken", "Incorrect token audience"),
            ),
        );
    let e = fake.chain().unwrap_err();
    assert_eq!(e.source_kind(), Some(SourceKind::WebIdentity));
    assert!(
        e.to_string()
            .contains("HTTP 400 InvalidIdentityToken: Incorrect token audience"),
        "{e}"
    );

    let mut fake = Fake::new().env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t");
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("no role ARN")
    );
    let mut fake = Fake::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/missing")
        .env("AWS_ROLE_ARN", "arn:aws:iam::1:role/P");
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("/missing does not exist")
    );

    // Profile keys, with the STS endpoint overridden to a loopback emulator.
    let mut fake = Fake::new()
        .config("[default]\nweb_identity_token_file = ~/token\nrole_arn = arn:aws:iam::1:role/P\nrole_session_name = s\n")
        .file("/home/u/token", "S3CR3T")
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566")
        .http("POST", "/", ok(&sts_success("AssumeRoleWithWebIdentity", "ASIAPROFILE", T0 + 3600)));
    assert_eq!(
        fake.chain().unwrap().credentials.access_key_id(),
        "ASIAPROFILE"
    );
    assert_eq!(
        (
            fake.requests[0].host.as_str(),
            fake.requests[0].port,
            fake.requests[0].https
        ),
        ("127.0.0.1", 4566, false)
    );
    assert_eq!(fake.requests[0].header("Host"), Some("127.0.0.1:4566"));

    // An override to a remote host over plain http is refused: tokens would travel in clear.
    let mut fake = Fake::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")
        .env("AWS_ROLE_ARN", "arn:aws:iam::1:role/P")
        .file("/t", "S3CR3T")
        .env("AWS_ENDPOINT_URL", "http://sts.example.com");
    assert!(
        fake.chain()
            .unwrap_err()
            .to_string()
            .contains("AWS_ENDPOINT_URL must be https")
    );
}

#[test]
fn web_identity_profile_as_a_source_profile() {
    // EKS/IRSA → cross-account: `cross` assumes its role with the credentials `irsa` gets from
    // AssumeRoleWithWebIdentity (botocore `_has_assume_role_config_vars`).
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "cross")
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_ROLE_ARN", "arn:aws:iam::1:role/FromEnvIgnored")
        .config(
            "[profile cross]\nrole_arn = arn:aws:iam::222222222222:role/Cross\nsource_profile = irsa\n\
             [profile irsa]\nrole_arn = arn:aws:iam::111111111111:role/Irsa\n\
             web_identity_token_file = /var/run/secrets/eks/token\nrole_session_name = pod-7\n",
        )
        .file("/var/run/secrets/eks/token", "eyJS3CR3T.jwt.sig\n")
        .http(
            "POST",
            "/",
            ok(&sts_success(
                "AssumeRoleWithWebIdentity",
                "ASIAIRSA",
                T0 + 3600,
            )),
        )
        .http(
            "POST",
            "/",
            ok(&sts_success("AssumeRole", "ASIACROSS", T0 + 3600)),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::AssumeRole);
    assert_eq!(resolved.credentials.access_key_id(), "ASIACROSS");
    fake.assert_scripts_used();

    let web = &fake.requests[0];
    assert_eq!(web.host, "sts.eu-central-1.amazonaws.com");
    assert_eq!(web.header("Authorization"), None, "unsigned");
    assert_eq!(
        body(web),
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15\
         &RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FIrsa\
         &RoleSessionName=pod-7&WebIdentityToken=eyJS3CR3T.jwt.sig"
    );
    let assume = &fake.requests[1];
    assert_eq!(assume.host, "sts.eu-central-1.amazonaws.com");
    assert!(body(assume).starts_with(
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2FCross&"
    ));
    let irsa = crate::sigv4::Credentials::new("ASIAIRSA", "wJalr/S3CR3T/ASIAIRSA")
        .unwrap()
        .with_session_token("FwoGZX-S3CR3T-token-ASIAIRSA");
    assert_signed_by(assume, &irsa, "eu-central-1", T0);
}

#[test]
fn sts_retries_throttling_and_idp_communication_errors() {
    let config = "[default]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = b\n[profile b]\naws_access_key_id = AKIAB\naws_secret_access_key = S3CR3T\n";
    let mut fake = Fake::new()
        .config(config)
        .http(
            "POST",
            "/",
            status(400, &sts_error("Throttling", "Rate exceeded")),
        )
        .http("POST", "/", Err(HttpFailure::connect("connection refused")))
        .http(
            "POST",
            "/",
            ok(&sts_success("AssumeRole", "ASIAROLE", T0 + 3600)),
        );
    assert_eq!(
        fake.chain().unwrap().credentials.access_key_id(),
        "ASIAROLE"
    );
    fake.assert_scripts_used();
    assert_eq!(fake.sleeps.len(), 2);

    // botocore retries IDPCommunicationError for web identity.
    let mut fake = Fake::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Pod")
        .file("/t", "S3CR3T-jwt")
        .http(
            "POST",
            "/",
            status(400, &sts_error("IDPCommunicationError", "try again")),
        )
        .http(
            "POST",
            "/",
            ok(&sts_success(
                "AssumeRoleWithWebIdentity",
                "ASIAWEB",
                T0 + 3600,
            )),
        );
    assert_eq!(fake.chain().unwrap().credentials.access_key_id(), "ASIAWEB");
    fake.assert_scripts_used();
}
