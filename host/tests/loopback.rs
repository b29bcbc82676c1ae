//! The host glue resolving real credentials through the core's machines, against loopback
//! servers standing in for IMDS, a container endpoint, STS and the SSO portal.

mod common;

use std::sync::Arc;

use bedrock_core::credentials::{
    ChainConfig, CredentialCache, HttpFailure, HttpFailureKind, HttpRequest, HttpResponse,
    SourceKind,
};
use bedrock_core::settings::CredentialRef;
use bedrock_host::{Env, Host, SharedCredentials};
use common::{Server, TempDir, assert_redacted, chunked, credentials_json, iso_in, response};

/// An environment with only a temp HOME and IMDS off unless a test points it somewhere.
fn env(home: &TempDir) -> Env {
    Env::from_pairs([("HOME", home.str())])
}

#[test]
fn imds_v2_over_a_real_socket() {
    let home = TempDir::new("imds");
    let server = Server::start(vec![
        response(200, "S3CR3T-imds-token"),
        response(200, "instance-role"),
        chunked(200, &credentials_json("ASIAIMDS")),
    ]);
    let host = Host::with_env(env(&home).with("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()));
    let resolved = host.resolve_sigv4(ChainConfig::default()).unwrap();
    assert_eq!(resolved.source, SourceKind::InstanceMetadata);
    assert_eq!(resolved.credentials.access_key_id(), "ASIAIMDS");
    assert_redacted(&format!("{resolved:?}"));
    let received = server.finish();
    assert_eq!(
        (received[0].method.as_str(), received[0].target.as_str()),
        ("PUT", "/latest/api/token")
    );
    assert_eq!(
        received[0].header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert_eq!(
        received[1].target,
        "/latest/meta-data/iam/security-credentials/"
    );
    assert_eq!(
        received[2].target,
        "/latest/meta-data/iam/security-credentials/instance-role"
    );
    for request in &received[1..] {
        assert_eq!(
            request.header("x-aws-ec2-metadata-token"),
            Some("S3CR3T-imds-token")
        );
    }
}

#[test]
fn imds_token_refusal_falls_back_to_v1_over_a_real_socket() {
    let home = TempDir::new("imds-v1");
    let server = Server::start(vec![
        response(405, ""),
        response(200, "r"),
        response(200, &credentials_json("ASIAV1")),
    ]);
    let host = Host::with_env(env(&home).with("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()));
    assert_eq!(
        host.resolve_sigv4(ChainConfig::default())
            .unwrap()
            .credentials
            .access_key_id(),
        "ASIAV1"
    );
    let received = server.finish();
    assert_eq!(received[1].header("x-aws-ec2-metadata-token"), None);
}

#[test]
fn one_imds_503_is_retried_over_a_real_socket() {
    let home = TempDir::new("imds-503");
    let server = Server::start(vec![
        response(503, "busy"),
        response(200, "S3CR3T-imds-token"),
        response(200, "r"),
        response(200, &credentials_json("ASIARETRY")),
    ]);
    let host = Host::with_env(env(&home).with("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()));
    let resolved = host.resolve_sigv4(ChainConfig::default()).unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "ASIARETRY");
    let received = server.finish();
    assert_eq!(received.len(), 4);
    assert_eq!(received[1].target, "/latest/api/token");
    assert_eq!(
        received[2].header("x-aws-ec2-metadata-token"),
        Some("S3CR3T-imds-token")
    );
}

#[test]
fn nothing_reachable_is_the_no_credentials_error() {
    let home = TempDir::new("none");
    // A port nobody listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = Host::with_env(env(&home).with(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://127.0.0.1:{port}"),
    ));
    let error = host
        .resolve_auth(
            &CredentialRef::defaults(bedrock_core::catalog::Provider::Bedrock),
            ChainConfig::default(),
        )
        .unwrap_err();
    assert_eq!(error.kind(), bedrock_core::error::ErrorKind::NoCredentials);
    assert!(
        error
            .message()
            .contains("EC2 instance metadata (unreachable: connection failed"),
        "{error}"
    );
}

#[test]
fn container_endpoint_with_a_token_file() {
    let home = TempDir::new("ecs");
    let token = home.write("eks/token", "S3CR3T-pod-token\n");
    let server = Server::start(vec![response(200, &credentials_json("ASIAPOD"))]);
    let host = Host::with_env(
        env(&home)
            .with(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{}/v1/credentials?x=1", server.url()),
            )
            .with("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token),
    );
    let resolved = host.resolve_sigv4(ChainConfig::default()).unwrap();
    assert_eq!(resolved.source, SourceKind::Container);
    let received = server.finish();
    assert_eq!(received[0].target, "/v1/credentials?x=1");
    assert_eq!(
        received[0].header("Authorization"),
        Some("S3CR3T-pod-token")
    );
    assert_eq!(received[0].header("Accept"), Some("application/json"));
}

#[test]
fn web_identity_against_a_loopback_sts() {
    let home = TempDir::new("wi");
    let token = home.write("token", "eyJS3CR3T");
    let sts = format!(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
         <AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>S3CR3T</SecretAccessKey>\
         <SessionToken>S3CR3T-t</SessionToken><Expiration>{}</Expiration></Credentials>\
         </AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
        iso_in(3600)
    );
    let server = Server::start(vec![response(200, &sts)]);
    let host = Host::with_env(
        env(&home)
            .with("AWS_WEB_IDENTITY_TOKEN_FILE", token)
            .with("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Pod")
            .with("AWS_ENDPOINT_URL_STS", server.url()),
    );
    assert_eq!(
        host.resolve_sigv4(ChainConfig::default())
            .unwrap()
            .credentials
            .access_key_id(),
        "ASIAWEB"
    );
    let received = server.finish();
    assert_eq!(received[0].method, "POST");
    assert_eq!(
        received[0].header("Host"),
        Some(server_host(&received[0]).as_str())
    );
    assert!(
        received[0].body.ends_with("WebIdentityToken=eyJS3CR3T"),
        "{}",
        received[0].body
    );
    assert_eq!(received[0].header("Authorization"), None);
}

fn server_host(request: &common::Received) -> String {
    request.header("Host").unwrap().to_string()
}

#[test]
fn assume_role_against_a_loopback_sts_is_signed() {
    let home = TempDir::new("ar");
    home.write(
        ".aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nregion = eu-west-1\n",
    );
    home.write(
        ".aws/credentials",
        "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S3CR3T\n",
    );
    let sts = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAADMIN</AccessKeyId>\
         <SecretAccessKey>S3CR3T</SecretAccessKey><SessionToken>S3CR3T</SessionToken>\
         <Expiration>{}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
        iso_in(3600)
    );
    let server = Server::start(vec![chunked(200, &sts)]);
    let host = Host::with_env(
        env(&home)
            .with("AWS_PROFILE", "admin")
            .with("AWS_ENDPOINT_URL_STS", server.url()),
    );
    let resolved = host.resolve_sigv4(ChainConfig::default()).unwrap();
    assert_eq!(resolved.source, SourceKind::AssumeRole);
    let received = server.finish();
    let authorization = received[0].header("Authorization").unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIABASE/"),
        "{authorization}"
    );
    assert!(
        authorization.contains("/eu-west-1/sts/aws4_request"),
        "{authorization}"
    );
    assert!(
        received[0]
            .body
            .starts_with("Action=AssumeRole&Version=2011-06-15&RoleArn=")
    );
}

#[test]
fn sso_against_a_loopback_portal() {
    let home = TempDir::new("sso");
    home.write(
        ".aws/config",
        "[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    // sha1("corp"), as the AWS CLI names the cache file.
    home.write(
        ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
        &format!(
            r#"{{"accessToken":"S3CR3T-sso","expiresAt":"{}"}}"#,
            iso_in(3600)
        ),
    );
    let expiration_ms = (bedrock_host::wall_clock().secs() + 3600) * 1000;
    let server = Server::start(vec![response(
        200,
        &format!(
            r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO","secretAccessKey":"S3CR3T","sessionToken":"S3CR3T","expiration":{expiration_ms}}}}}"#
        ),
    )]);
    let host = Host::with_env(env(&home).with("AWS_ENDPOINT_URL_SSO", server.url()));
    let resolved = host.resolve_sigv4(ChainConfig::default()).unwrap();
    assert_eq!(resolved.source, SourceKind::Sso);
    let received = server.finish();
    assert_eq!(
        received[0].target,
        "/federation/credentials?role_name=Dev&account_id=111122223333"
    );
    assert_eq!(
        received[0].header("x-amz-sso_bearer_token"),
        Some("S3CR3T-sso")
    );
}

#[test]
fn an_expiring_sso_token_is_refreshed_against_a_loopback_oidc_and_written_back() {
    let home = TempDir::new("sso-refresh");
    home.write(
        ".aws/config",
        "[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    // Five minutes left: inside botocore's 15-minute refresh window.
    let cache = home.write(
        ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
        &format!(
            r#"{{"accessToken":"S3CR3T-old","expiresAt":"{}","clientId":"client-1","clientSecret":"S3CR3T-client","registrationExpiresAt":"{}","refreshToken":"S3CR3T-refresh-1"}}"#,
            iso_in(300),
            iso_in(90 * 86_400)
        ),
    );
    let expiration_ms = (bedrock_host::wall_clock().secs() + 3600) * 1000;
    // One loopback server stands in for SSO OIDC, then the portal.
    let server = Server::start(vec![
        response(
            200,
            r#"{"accessToken":"S3CR3T-new","expiresIn":28800,"refreshToken":"S3CR3T-refresh-2","tokenType":"Bearer"}"#,
        ),
        response(
            200,
            &format!(
                r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO","secretAccessKey":"S3CR3T","sessionToken":"S3CR3T","expiration":{expiration_ms}}}}}"#
            ),
        ),
    ]);
    let host = Host::with_env(
        env(&home)
            .with("AWS_ENDPOINT_URL_SSO_OIDC", server.url())
            .with("AWS_ENDPOINT_URL_SSO", server.url()),
    );
    let resolved = host.resolve_sigv4(ChainConfig::default()).unwrap();
    assert_eq!(resolved.source, SourceKind::Sso);
    let received = server.finish();
    assert_eq!(
        (received[0].method.as_str(), received[0].target.as_str()),
        ("POST", "/token")
    );
    assert!(received[0].body.contains(r#""grantType":"refresh_token""#));
    assert!(
        received[0]
            .body
            .contains(r#""refreshToken":"S3CR3T-refresh-1""#)
    );
    assert_eq!(
        received[1].header("x-amz-sso_bearer_token"),
        Some("S3CR3T-new")
    );
    // The cache file now holds the new token, owner-only, and no temporary file is left.
    let written = std::fs::read_to_string(&cache).unwrap();
    for field in [
        r#""accessToken":"S3CR3T-new""#,
        r#""refreshToken":"S3CR3T-refresh-2""#,
        r#""clientId":"client-1""#,
        r#""startUrl":"https://corp.awsapps.com/start""#,
    ] {
        assert!(written.contains(field), "{field}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let entries = std::fs::read_dir(home.join(".aws/sso/cache"))
        .unwrap()
        .count();
    assert_eq!(entries, 1);
}

#[test]
fn https_goes_through_the_adapters_transport() {
    let home = TempDir::new("https");
    let token = home.write("token", "S3CR3T");
    let base = env(&home)
        .with("AWS_WEB_IDENTITY_TOKEN_FILE", token)
        .with("AWS_ROLE_ARN", "arn:aws:iam::1:role/P")
        .with("AWS_REGION", "us-west-2");

    // Without a transport: a clear error naming the URL.
    let error = Host::with_env(base.clone())
        .resolve_sigv4(ChainConfig::default())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("https://sts.us-west-2.amazonaws.com/ needs HTTPS"),
        "{error}"
    );

    // With one (here a closure standing in for ureq).
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&seen);
    let host = Host::with_env(base).with_https(move |request: &HttpRequest| {
        log.lock().unwrap().push(request.url());
        if request.host != "sts.us-west-2.amazonaws.com" {
            return Err(HttpFailure::new(HttpFailureKind::Connect, "unexpected host"));
        }
        Ok(HttpResponse::new(
            200,
            format!(
                "<R><Credentials><AccessKeyId>ASIATLS</AccessKeyId><SecretAccessKey>S3CR3T</SecretAccessKey>\
                 <SessionToken>S3CR3T</SessionToken><Expiration>{}</Expiration></Credentials></R>",
                iso_in(3600)
            ),
        ))
    });
    assert_eq!(
        host.resolve_sigv4(ChainConfig::default())
            .unwrap()
            .credentials
            .access_key_id(),
        "ASIATLS"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        ["https://sts.us-west-2.amazonaws.com/"]
    );
    assert_redacted(&format!("{host:?}"));
}

#[cfg(unix)]
#[test]
fn credential_process_runs_a_real_program() {
    use std::os::unix::fs::PermissionsExt;
    let home = TempDir::new("proc");
    let ok = home.write(
        "bin/creds ok.sh",
        &format!(
            "#!/bin/sh\ncat <<'EOF'\n{{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"S3CR3T\", \"Expiration\": \"{}\"}}\nEOF\n",
            iso_in(3600)
        ),
    );
    let fail = home.write(
        "bin/fail.sh",
        "#!/bin/sh\necho 'login required: S3CR3T-free message' >&2\nexit 3\n",
    );
    for script in [&ok, &fail] {
        std::fs::set_permissions(script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    home.write(
        ".aws/config",
        &format!(
            "[profile ok]\ncredential_process = \"{ok}\" --flag\n[profile fail]\ncredential_process = {fail}\n\
             [profile missing]\ncredential_process = /nonexistent/creds\n\
             [profile pipe]\ncredential_process = printf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"ASIAPIPE\", \"SecretAccessKey\": \"S3CR3T\"}}' | cat\n"
        ),
    );
    let host = Host::with_env(env(&home));
    let resolved = host
        .resolve_sigv4(ChainConfig::new().with_profile("ok"))
        .unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "ASIAPROC");

    // The line runs through `sh -c`: a pipeline and single quotes work.
    let resolved = host
        .resolve_sigv4(ChainConfig::new().with_profile("pipe"))
        .unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "ASIAPIPE");

    let error = host
        .resolve_sigv4(ChainConfig::new().with_profile("fail"))
        .unwrap_err();
    assert_eq!(error.kind(), "command_failed");
    assert!(
        error
            .to_string()
            .ends_with("exited with status 3: login required: S3CR3T-free message"),
        "{error}"
    );

    let error = host
        .resolve_sigv4(ChainConfig::new().with_profile("missing"))
        .unwrap_err();
    // The shell reports a missing program: status 127, its name on stderr.
    assert_eq!(error.kind(), "command_failed");
    assert!(error.to_string().contains("status 127"), "{error}");
    assert!(error.to_string().contains("/nonexistent/creds"), "{error}");
}

#[test]
fn shared_credentials_resolve_once_for_many_threads() {
    let home = TempDir::new("shared");
    let server = Server::start(vec![
        response(200, "tok"),
        response(200, "r"),
        response(200, &credentials_json("ASIASHARED")),
    ]);
    let host = Host::with_env(env(&home).with("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()));
    let shared = Arc::new(SharedCredentials::new(CredentialCache::new(
        &CredentialRef::defaults(bedrock_core::catalog::Provider::Bedrock),
        ChainConfig::default(),
    )));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let shared = Arc::clone(&shared);
            let host = host.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| shared.auth(&host).unwrap().auth.scheme())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        assert!(thread.join().unwrap().iter().all(|s| *s == "sigv4"));
    }
    assert_eq!(shared.resolutions(), 1);
    assert_eq!(
        server.finish().len(),
        3,
        "one chain walk: three IMDS requests"
    );
    assert_redacted(&format!("{shared:?}"));
}

#[test]
fn bearer_from_env_and_vault() {
    let home = TempDir::new("bearer");
    let host = Host::with_env(env(&home).with("BEDROCK_API_KEY", " ABSK-S3CR3T \n"));
    let refs = CredentialRef::defaults(bedrock_core::catalog::Provider::Bedrock);
    let resolved = host.resolve_auth(&refs, ChainConfig::default()).unwrap();
    assert_eq!(
        resolved.reference,
        CredentialRef::Env("BEDROCK_API_KEY".into())
    );
    assert_eq!(
        resolved.auth,
        bedrock_core::auth::Auth::bearer("ABSK-S3CR3T")
    );

    let vault = bedrock_host::Vault::at(home.join("vault.toml"));
    vault
        .set("AWS_BEARER_TOKEN_BEDROCK", "ABSK-S3CR3T-vault")
        .unwrap();
    let host = Host::with_env(env(&home)).with_vault(vault);
    let resolved = host.resolve_auth(&refs, ChainConfig::default()).unwrap();
    assert_eq!(
        resolved.reference,
        CredentialRef::Vault("AWS_BEARER_TOKEN_BEDROCK".into())
    );
    assert_redacted(&format!("{resolved:?}"));
}

#[test]
fn sts_is_called_in_the_routes_region() {
    use bedrock_core::settings::{RouteInputs, Settings};
    use bedrock_host::{CredentialLookup, CredentialSource, HostCredentials};

    let home = TempDir::new("route-region");
    home.write(
        ".aws/config",
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\n\
         [profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S3CR3T\n",
    );
    let sts = |id: &str| {
        chunked(
            200,
            &format!(
                "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{id}</AccessKeyId>\
                 <SecretAccessKey>S3CR3T</SecretAccessKey><SessionToken>S3CR3T</SessionToken>\
                 <Expiration>{}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
                iso_in(3600)
            ),
        )
    };
    let server = Server::start(vec![sts("ASIACN"), sts("ASIAGOV")]);
    // AWS_REGION says us-east-1, but the routes' base_urls are in China and GovCloud.
    let host = Host::with_env(
        env(&home)
            .with("AWS_REGION", "us-east-1")
            .with("AWS_EC2_METADATA_DISABLED", "true")
            .with("AWS_ENDPOINT_URL_STS", server.url()),
    );
    let route = |base_url: &str| {
        let settings = Settings::parse(&format!(
            "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{base_url}\"\n\
             [llm.providers.bedrock.auth]\ncredentials = [\"aws_sigv4\"]\n"
        ))
        .unwrap();
        settings
            .route(
                "amazon.nova-2-lite",
                &RouteInputs::with_region(Some("us-east-1")),
            )
            .unwrap()
    };
    let china = route("https://bedrock-runtime.cn-north-1.amazonaws.com.cn");
    let govcloud = route("https://bedrock-runtime.us-gov-west-1.amazonaws.com");
    assert_eq!(china.region, "cn-north-1");
    let credentials = HostCredentials::new(host);
    for (route, id) in [
        (&china, "ASIACN"),
        (&govcloud, "ASIAGOV"),
        (&china, "ASIACN"),
    ] {
        let auth = match credentials.lookup(route).unwrap() {
            CredentialLookup::Ready(auth) => auth,
            CredentialLookup::Resolve(resolution) => resolution.resolve_blocking().unwrap(),
            CredentialLookup::Wait(_) => panic!("nobody else resolves"),
        };
        assert!(format!("{auth:?}").contains(id), "{auth:?}");
    }
    let received = server.finish();
    assert_eq!(received.len(), 2, "one resolution per region, then cached");
    for (request, region) in received.iter().zip(["cn-north-1", "us-gov-west-1"]) {
        let authorization = request.header("Authorization").unwrap();
        assert!(
            authorization.contains(&format!("/{region}/sts/aws4_request")),
            "{authorization}"
        );
    }
}
