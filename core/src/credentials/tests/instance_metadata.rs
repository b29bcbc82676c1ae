//! The EC2 instance metadata source against recorded HTTP responses: IMDSv2, the IMDSv1
//! fallback, retries and botocore's settings.

use super::*;

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
