//! The blocking adapter resolving real credentials through the core's machines, against
//! loopback servers (started here) standing in for EC2 IMDSv2, the ECS/EKS container
//! endpoint, STS (AssumeRoleWithWebIdentity and AssumeRole) and the SSO portal.
//!
//! Each test points the chain at its server through an injected environment (`Env::Map`: the
//! process environment is never touched), builds the client with `ClientBuilder::from_host`, and makes
//! real calls to an in-process emulator that accepts only the credentials the fake source hands
//! out (access key, secret and session token, verified by recomputing the SigV4 signature). A
//! successful call is the proof that the adapter resolved them; the credential server serves
//! exactly one chain walk and then stops listening, so a second call that succeeds also proves
//! the credentials were cached, not resolved per request.

mod common;

use bedrock_blocking::{Client, StreamItem};
use bedrock_core::error::ErrorKind;
use bedrock_core::model::Request;
use bedrock_emulator::{AuthKind, Emulator, EmulatorConfig, EmulatorHandle};
use bedrock_host::Env;
use common::{
    MODEL, Received, Server, TempDir, assert_no_secret, base_env, iso_in, response, settings,
};

/// What every fake credential source hands out.
const ACCESS_KEY: &str = "ASIALOOPBACKEXAMPLE";
const SECRET_KEY: &str = "S3CR3T-loopback-secret-key";
const SESSION_TOKEN: &str = "S3CR3T-loopback-session-token";

/// An emulator accepting only the fake source's credentials, token included.
fn emulator() -> EmulatorHandle {
    Emulator::start(
        EmulatorConfig::default()
            .with_credentials(ACCESS_KEY, SECRET_KEY)
            .with_session_token(SESSION_TOKEN),
    )
    .unwrap()
}

fn request(text: &str) -> Request {
    Request::new(MODEL).user(text).max_tokens(64)
}

/// The IMDS / container credentials document.
fn credentials_json(access_key: &str) -> String {
    format!(
        r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"{access_key}","SecretAccessKey":"{SECRET_KEY}","Token":"{SESSION_TOKEN}","Expiration":"{}","LastUpdated":"{}"}}"#,
        iso_in(6 * 3600),
        iso_in(0)
    )
}

fn sts_credentials(action: &str) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
         <Credentials><AccessKeyId>{ACCESS_KEY}</AccessKeyId><SecretAccessKey>{SECRET_KEY}</SecretAccessKey>\
         <SessionToken>{SESSION_TOKEN}</SessionToken><Expiration>{}</Expiration></Credentials>\
         <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/Role/session</Arn>\
         <AssumedRoleId>AROAEXAMPLE:session</AssumedRoleId></AssumedRoleUser></{action}Result>\
         <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>\
         </{action}Response>",
        iso_in(3600)
    )
}

/// A client on `env` routed to `emulator` with the default credential list (bearer keys,
/// then the SigV4 chain), makes a Converse and a ConverseStream call, and checks that the
/// emulator verified both signatures.
fn calls_succeed(env: Env, emulator: &EmulatorHandle) -> Client {
    let client = common::client(env, settings(&emulator.endpoint_url(), None));
    let response = client
        .converse(&request("resolved through the chain"))
        .unwrap();
    assert_eq!(response.text(), "resolved through the chain");
    let mut text = String::new();
    for item in client.converse_stream(&request("and cached")).unwrap() {
        if let StreamItem::Response(response) = item.unwrap() {
            text = response.text();
        }
    }
    assert_eq!(text, "and cached");
    let records = emulator.requests();
    assert_eq!(records.len(), 2, "{records:?}");
    for record in &records {
        assert_eq!(record.status, 200, "{record:?}");
        assert_eq!(
            record.auth,
            Some(AuthKind::SigV4 {
                region: "us-east-1".into()
            })
        );
    }
    assert_no_secret(&format!("{client:?}"), &[SECRET_KEY, SESSION_TOKEN]);
    client
}

fn targets(received: &[Received]) -> Vec<(&str, &str)> {
    received
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect()
}

#[test]
fn ec2_instance_metadata_v2() {
    let home = TempDir::new("imds");
    let server = Server::start(vec![
        response(200, "text/plain", "S3CR3T-imds-session-token"),
        response(200, "text/plain", "loopback-instance-role"),
        response(200, "text/plain", &credentials_json(ACCESS_KEY)),
    ]);
    let emulator = emulator();
    // IMDS is the last source of the chain: nothing before it resolves in this environment.
    let env = Env::from_pairs([
        ("HOME", home.str()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()),
    ]);
    calls_succeed(env, &emulator);

    let received = server.finish();
    assert_eq!(
        targets(&received),
        [
            ("PUT", "/latest/api/token"),
            ("GET", "/latest/meta-data/iam/security-credentials/"),
            (
                "GET",
                "/latest/meta-data/iam/security-credentials/loopback-instance-role"
            ),
        ]
    );
    assert_eq!(
        received[0].header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    for request in &received[1..] {
        assert_eq!(
            request.header("x-aws-ec2-metadata-token"),
            Some("S3CR3T-imds-session-token")
        );
    }
}

#[test]
fn an_imds_503_is_retried_not_the_end_of_the_chain() {
    let home = TempDir::new("imds-503");
    let server = Server::start(vec![
        response(200, "text/plain", "S3CR3T-imds-session-token"),
        response(503, "text/plain", "busy"),
        response(200, "text/plain", "loopback-instance-role"),
        response(200, "text/plain", &credentials_json(ACCESS_KEY)),
    ]);
    let emulator = emulator();
    let env = Env::from_pairs([
        ("HOME", home.str()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()),
    ]);
    calls_succeed(env, &emulator);
    let received = server.finish();
    assert_eq!(received.len(), 4);
    assert_eq!(received[1].target, received[2].target);
}

#[test]
fn ecs_eks_container_endpoint_with_a_token_file() {
    let home = TempDir::new("container");
    let token_file = home.write("eks/token", "S3CR3T-pod-identity-token\n");
    let server = Server::start(vec![response(
        200,
        "application/json",
        &credentials_json(ACCESS_KEY),
    )]);
    let emulator = emulator();
    let env = base_env(&home)
        .with(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v1/credentials?role=pod", server.url()),
        )
        .with("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
    calls_succeed(env, &emulator);

    let received = server.finish();
    assert_eq!(targets(&received), [("GET", "/v1/credentials?role=pod")]);
    assert_eq!(
        received[0].header("Authorization"),
        Some("S3CR3T-pod-identity-token")
    );
}

#[test]
fn web_identity_through_a_loopback_sts() {
    let home = TempDir::new("web-identity");
    let token_file = home.write("web-identity-token", "eyJS3CR3T-oidc-token");
    let server = Server::start(vec![response(
        200,
        "text/xml",
        &sts_credentials("AssumeRoleWithWebIdentity"),
    )]);
    let emulator = emulator();
    let env = base_env(&home)
        .with("AWS_WEB_IDENTITY_TOKEN_FILE", token_file)
        .with("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Pod")
        .with("AWS_ROLE_SESSION_NAME", "blocking-test")
        .with("AWS_ENDPOINT_URL_STS", server.url());
    calls_succeed(env, &emulator);

    let received = server.finish();
    assert_eq!(targets(&received), [("POST", "/")]);
    let body = &received[0].body;
    assert!(
        body.starts_with("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&"),
        "{body}"
    );
    assert!(
        body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FPod"),
        "{body}"
    );
    assert!(body.contains("RoleSessionName=blocking-test"), "{body}");
    assert!(
        body.ends_with("WebIdentityToken=eyJS3CR3T-oidc-token"),
        "{body}"
    );
    // AssumeRoleWithWebIdentity is unsigned.
    assert_eq!(received[0].header("Authorization"), None);
}

#[test]
fn assume_role_with_a_source_profile_through_a_loopback_sts() {
    let home = TempDir::new("assume-role");
    home.write(
        ".aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nregion = eu-west-1\n",
    );
    home.write(
        ".aws/credentials",
        "[base]\naws_access_key_id = AKIABASEEXAMPLE\naws_secret_access_key = S3CR3T-base-secret\n",
    );
    let server = Server::start(vec![response(
        200,
        "text/xml",
        &sts_credentials("AssumeRole"),
    )]);
    let emulator = emulator();
    let env = base_env(&home)
        .with("AWS_PROFILE", "admin")
        .with("AWS_ENDPOINT_URL_STS", server.url());
    calls_succeed(env, &emulator);

    let received = server.finish();
    assert_eq!(targets(&received), [("POST", "/")]);
    assert!(
        received[0]
            .body
            .starts_with("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAdmin"),
        "{}",
        received[0].body
    );
    // Signed with the source profile's keys, for the call's region (the route's us-east-1, not
    // the profile's eu-west-1): botocore builds the chain with the region of the client that
    // asks (`Session._last_client_region_used`), and so does this client.
    let authorization = received[0].header("Authorization").unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIABASEEXAMPLE/"),
        "{authorization}"
    );
    assert!(
        authorization.contains("/us-east-1/sts/aws4_request"),
        "{authorization}"
    );
    assert_no_secret(authorization, &["S3CR3T-base-secret"]);
}

#[test]
fn sso_portal_with_a_cached_token() {
    let home = TempDir::new("sso");
    home.write(
        ".aws/config",
        "[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    // The AWS CLI names the token cache file after sha1 of the session name ("corp").
    home.write(
        ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
        &format!(
            r#"{{"startUrl":"https://corp.awsapps.com/start","region":"us-east-1","accessToken":"S3CR3T-sso-access-token","expiresAt":"{}"}}"#,
            iso_in(3600)
        ),
    );
    let expiration_ms = (bedrock_host::wall_clock().secs() + 3600) * 1000;
    let server = Server::start(vec![response(
        200,
        "application/json",
        &format!(
            r#"{{"roleCredentials":{{"accessKeyId":"{ACCESS_KEY}","secretAccessKey":"{SECRET_KEY}","sessionToken":"{SESSION_TOKEN}","expiration":{expiration_ms}}}}}"#
        ),
    )]);
    let emulator = emulator();
    let env = base_env(&home).with("AWS_ENDPOINT_URL_SSO", server.url());
    calls_succeed(env, &emulator);

    let received = server.finish();
    assert_eq!(
        targets(&received),
        [(
            "GET",
            "/federation/credentials?role_name=Developer&account_id=111122223333"
        )]
    );
    assert_eq!(
        received[0].header("x-amz-sso_bearer_token"),
        Some("S3CR3T-sso-access-token")
    );
}

/// Credentials the service rejects are forgotten: the next call walks the chain again and gets
/// the new ones (here the container endpoint first hands out a key the emulator does not know).
#[test]
fn rejected_credentials_are_resolved_afresh_on_the_next_call() {
    let home = TempDir::new("rotate");
    let server = Server::start(vec![
        response(
            200,
            "application/json",
            &credentials_json("ASIAREVOKEDEXAMPLE"),
        ),
        response(200, "application/json", &credentials_json(ACCESS_KEY)),
    ]);
    let emulator = emulator();
    let env = base_env(&home).with(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        format!("{}/creds", server.url()),
    );
    let client = common::client(env, settings(&emulator.endpoint_url(), None));

    let error = client.converse(&request("first")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication, "{error}");
    assert_eq!(error.error_type(), Some("UnrecognizedClientException"));
    assert_no_secret(&format!("{error} {error:?}"), &[SECRET_KEY, SESSION_TOKEN]);

    assert_eq!(
        client.converse(&request("second")).unwrap().text(),
        "second"
    );
    assert_eq!(server.finish().len(), 2, "one resolution per call");
    let statuses: Vec<u16> = emulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [403, 200]);
}

/// Nothing resolves (IMDS unreachable on a closed loopback port): the product's error and hint,
/// and nothing is sent.
#[test]
fn no_credentials_anywhere() {
    let home = TempDir::new("none");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let emulator = emulator();
    let env = Env::from_pairs([
        ("HOME", home.str()),
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        ),
    ]);
    let client = common::client(env, settings(&emulator.endpoint_url(), None));
    let error = client.converse(&request("nobody home")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoCredentials, "{error}");
    let hint = error.hint().unwrap();
    assert!(hint.contains("AWS_BEARER_TOKEN_BEDROCK"), "{hint}");
    assert!(hint.contains("vault:BEDROCK_API_KEY"), "{hint}");
    assert_eq!(error.origin(), bedrock_core::error::Origin::Credentials);
    assert!(emulator.requests().is_empty());
}
