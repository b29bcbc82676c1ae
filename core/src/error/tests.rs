use alloc::format;
use alloc::string::ToString;

use super::*;

fn service(status: u16, header: Option<&str>, body: &str) -> Error {
    Error::from_response(status, header, Some("req-1"), body.as_bytes())
}

#[test]
fn error_type_comes_from_header_then_code_then_type() {
    let e = service(
        429,
        Some("ThrottlingException:http://internal.amazon.com/coral/x"),
        r#"{"__type":"Other","message":"slow"}"#,
    );
    assert_eq!(e.error_type(), Some("ThrottlingException"));
    assert_eq!(e.kind(), ErrorKind::Throttling);
    let e = service(
        400,
        None,
        r#"{"code":"aws.protocoltests.restjson#ValidationException","__type":"Other","message":"bad"}"#,
    );
    assert_eq!(e.error_type(), Some("ValidationException"));
    let e = service(
        424,
        None,
        r#"{"__type":"ModelErrorException","Message":"model broke","originalStatusCode":1}"#,
    );
    assert_eq!(e.kind(), ErrorKind::ModelError);
    assert_eq!(e.message(), "model broke");
    let e = service(503, Some(""), "<html>gateway</html>");
    assert_eq!(e.kind(), ErrorKind::ServiceUnavailable);
    assert_eq!(e.message(), "<html>gateway</html>");
    assert_eq!(e.error_type(), None);
    assert_eq!(
        service(502, None, "").message(),
        "HTTP 502 with an empty body"
    );
}

#[test]
fn every_bedrock_runtime_error_type_has_its_kind_and_retry_class() {
    for (status, error_type, kind, class) in [
        (
            403,
            "AccessDeniedException",
            ErrorKind::AccessDenied,
            RetryClass::No,
        ),
        (
            400,
            "ValidationException",
            ErrorKind::Validation,
            RetryClass::No,
        ),
        (
            429,
            "ThrottlingException",
            ErrorKind::Throttling,
            RetryClass::Throttling,
        ),
        (
            429,
            "ModelNotReadyException",
            ErrorKind::ModelNotReady,
            RetryClass::Transient,
        ),
        (
            408,
            "ModelTimeoutException",
            ErrorKind::ModelTimeout,
            RetryClass::No,
        ),
        (
            503,
            "ServiceUnavailableException",
            ErrorKind::ServiceUnavailable,
            RetryClass::Transient,
        ),
        (
            500,
            "InternalServerException",
            ErrorKind::InternalServer,
            RetryClass::Transient,
        ),
        (
            404,
            "ResourceNotFoundException",
            ErrorKind::ResourceNotFound,
            RetryClass::No,
        ),
        (
            424,
            "ModelErrorException",
            ErrorKind::ModelError,
            RetryClass::No,
        ),
        (
            400,
            "ServiceQuotaExceededException",
            ErrorKind::ServiceQuotaExceeded,
            RetryClass::No,
        ),
        (
            424,
            "ModelStreamErrorException",
            ErrorKind::ModelStreamError,
            RetryClass::No,
        ),
        (
            403,
            "UnrecognizedClientException",
            ErrorKind::Authentication,
            RetryClass::No,
        ),
        (
            403,
            "InvalidSignatureException",
            ErrorKind::Authentication,
            RetryClass::No,
        ),
        (
            429,
            "SomethingNewException",
            ErrorKind::Throttling,
            RetryClass::Throttling,
        ),
        (502, "BadGateway", ErrorKind::Service, RetryClass::Transient),
        (504, "", ErrorKind::Service, RetryClass::Transient),
        (
            400,
            "RequestTimeoutException",
            ErrorKind::Service,
            RetryClass::Transient,
        ),
    ] {
        let header = (!error_type.is_empty()).then_some(error_type);
        let e = service(status, header, r#"{"message":"m"}"#);
        assert_eq!(e.kind(), kind, "{error_type}");
        assert_eq!(e.retry_class(), class, "{error_type}");
        assert_eq!(e.status(), Some(status));
    }
}

#[test]
fn hints_reproduce_the_troubleshooting_table() {
    let hint = |status: u16, t: &str, message: &str| {
        service(
            status,
            Some(t),
            &format!(
                r#"{{"message":{}}}"#,
                serde_json::Value::String(message.into())
            ),
        )
        .hint()
        .unwrap_or_default()
    };
    let key = hint(
        403,
        "AccessDeniedException",
        "Authentication failed: Please make sure your API Key is valid.",
    );
    assert!(key.contains("aws_sigv4"), "{key}");
    assert_eq!(
        service(
            403,
            Some("AccessDeniedException"),
            r#"{"message":"Authentication failed: Please make sure your API Key is valid."}"#
        )
        .kind(),
        ErrorKind::Authentication
    );
    assert!(
        hint(403, "AccessDeniedException", "User is not authorized")
            .contains("per-Region use-case approval")
    );
    assert!(
        hint(
            400,
            "ValidationException",
            "data retention mode 'default' is not available for this model"
        )
        .contains("provider_data_share")
    );
    assert!(
        hint(
            400,
            "ValidationException",
            "The provided model identifier is invalid."
        )
        .contains("api_id")
    );
    assert!(hint(
        400,
        "ValidationException",
        "Invocation of model ID anthropic.claude-x with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model."
    )
    .contains("us./global."));
    assert!(
        hint(
            400,
            "ValidationException",
            "The maximum tokens you requested exceeds the model limit of 8192"
        )
        .contains("max_output")
    );
    assert!(hint(429, "ThrottlingException", "Too many requests").contains("quota"));
    assert!(
        Error::no_credentials("")
            .hint()
            .unwrap()
            .contains("AWS_BEARER_TOKEN_BEDROCK")
    );
    assert_eq!(
        Error::no_credentials("").to_string(),
        "no_credentials: no AWS credentials provider found"
    );
}

#[test]
fn display_carries_context_without_trailing_period() {
    let e = service(
        429,
        Some("ThrottlingException"),
        r#"{"message":"Too many requests."}"#,
    )
    .with_context(Some("us.anthropic.claude-sonnet-4-6"), Some("us-east-1"));
    assert_eq!(
        e.to_string(),
        "throttling: Too many requests (HTTP 429, ThrottlingException, request id req-1, model us.anthropic.claude-sonnet-4-6, region us-east-1)"
    );
    assert_eq!(
        Error::new(ErrorKind::Timeout, "no first byte in 300 s").to_string(),
        "timeout: no first byte in 300 s"
    );
}

#[test]
fn sanitizer_follows_rest_json() {
    assert_eq!(sanitize_error_type("FooError"), "FooError");
    assert_eq!(
        sanitize_error_type("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"),
        "FooError"
    );
    assert_eq!(
        sanitize_error_type("aws.protocoltests.restjson#FooError"),
        "FooError"
    );
    assert_eq!(
        sanitize_error_type("aws.protocoltests.restjson#FooError:http://x"),
        "FooError"
    );
}

#[test]
fn stream_exceptions_become_typed_errors() {
    use crate::converse::{ExceptionKind, StreamException};
    let e: Error = StreamException {
        kind: ExceptionKind::ModelStreamError,
        message: "model failed".into(),
        original_status_code: Some(500),
        original_message: Some("boom".into()),
    }
    .into();
    assert_eq!(e.kind(), ErrorKind::ModelStreamError);
    assert_eq!(e.status(), Some(424));
    assert_eq!(e.message(), "model failed (model returned 500: boom)");
    assert!(!e.is_retryable());
    let e: Error = StreamException {
        kind: ExceptionKind::Throttling,
        message: "slow".into(),
        original_status_code: None,
        original_message: None,
    }
    .into();
    assert_eq!(e.retry_class(), RetryClass::Throttling);
}
