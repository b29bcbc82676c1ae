use alloc::format;
use alloc::string::ToString;

use super::hints::{HINTS, NO_CREDENTIALS_HINT};
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

fn sso_expired() -> crate::credentials::CredentialsError {
    use crate::credentials::{CredentialsError, Problem, SourceKind};
    CredentialsError::new(
        Some(SourceKind::Sso),
        "profile 'dev' (SSO)",
        Problem::SsoTokenExpired {
            expired_at: crate::time::UnixTime::from_secs(1_700_000_000).unwrap(),
            login: " --profile dev".into(),
        },
    )
}

#[test]
fn every_origin_keeps_its_source() {
    use crate::converse::{AccumulateError, ExceptionKind, RequestError, StreamException};
    use crate::credentials::CredentialsError;
    use crate::eventstream::DecodeError;
    use crate::settings::{Settings, SettingsError};
    use crate::sigv4::SigningError;
    use core::error::Error as _;

    // Credentials: the CredentialsError itself, downcastable, with its problem.
    let e = Error::from(sso_expired());
    assert_eq!(e.origin(), Origin::Credentials);
    assert_eq!(e.kind(), ErrorKind::NoCredentials);
    let source = e.source().expect("a source");
    let credentials = source.downcast_ref::<CredentialsError>().unwrap();
    assert_eq!(credentials.kind(), "sso_token_expired");
    assert_eq!(e.find_source::<CredentialsError>(), Some(credentials));
    assert_eq!(e.detail(), Some("sso_token_expired"));

    // Settings.
    let settings_error = Settings::parse("_version = 7\n").unwrap_err();
    let e = Error::from(settings_error.clone());
    assert_eq!(
        (e.kind(), e.origin()),
        (ErrorKind::Configuration, Origin::Settings)
    );
    assert_eq!(e.find_source::<SettingsError>(), Some(&settings_error));
    assert_eq!(e.detail(), Some("unsupported_version"));
    assert_eq!(e.message(), settings_error.to_string());

    // Request.
    let request_error = RequestError {
        path: "messages[0]".into(),
        message: "empty".into(),
    };
    let e = Error::from(request_error.clone());
    assert_eq!(e.origin(), Origin::Request);
    assert_eq!(e.find_source::<RequestError>(), Some(&request_error));

    // Signing: the origin follows what cannot be signed.
    let e = Error::from(SigningError::EmptySecretAccessKey);
    assert_eq!(e.origin(), Origin::Credentials);
    assert_eq!(e.detail(), Some("empty_secret_access_key"));
    assert_eq!(
        Error::from(SigningError::EmptyRegion).origin(),
        Origin::Settings
    );
    assert_eq!(
        Error::from(SigningError::InvalidPath).origin(),
        Origin::Request
    );

    // Protocol and transport: the event-stream decoder.
    let crc = DecodeError::PreludeCrc {
        expected: 1,
        actual: 2,
    };
    let e = Error::from(crc.clone());
    assert_eq!(
        (e.kind(), e.origin()),
        (ErrorKind::Protocol, Origin::Protocol)
    );
    assert_eq!(e.find_source::<DecodeError>(), Some(&crc));
    let e = Error::from(DecodeError::Truncated {
        received: 3,
        expected: 12,
    });
    assert_eq!(
        (e.kind(), e.origin()),
        (ErrorKind::TruncatedStream, Origin::Transport)
    );
    assert!(e.find_source::<DecodeError>().is_some());

    // Service: an exception inside the stream.
    let exception = StreamException {
        kind: ExceptionKind::Throttling,
        message: "slow".into(),
        original_status_code: None,
        original_message: None,
    };
    let e = Error::from(exception.clone());
    assert_eq!(e.origin(), Origin::Service);
    assert_eq!(e.find_source::<StreamException>(), Some(&exception));
    // A service answer is the bottom of its chain.
    let e = service(403, Some("AccessDeniedException"), r#"{"message":"no"}"#);
    assert_eq!(e.origin(), Origin::Service);
    assert!(e.source().is_none());
    assert_eq!(e.detail(), None);

    // The accumulator.
    let e = Error::from(AccumulateError::OutOfOrder {
        what: "second messageStop".into(),
    });
    assert_eq!(e.origin(), Origin::Protocol);
    assert!(e.find_source::<AccumulateError>().is_some());

    // New errors take their kind's origin; with_source sets both.
    assert_eq!(
        Error::new(ErrorKind::Io, "reset").origin(),
        Origin::Transport
    );
    assert_eq!(
        Error::new(ErrorKind::Throttling, "x").origin(),
        Origin::Service
    );
    let e = Error::with_source(
        ErrorKind::Configuration,
        Origin::Vault,
        "the vault is unreadable",
        request_error,
    );
    assert_eq!(e.origin(), Origin::Vault);
    assert_eq!(e.origin().as_str(), "vault");
    assert!(e.find_source::<RequestError>().is_some());
    assert!(e.find_source::<SettingsError>().is_none());
}

#[test]
fn clones_and_equality_keep_the_source() {
    let e = Error::from(sso_expired()).with_context(Some("m"), Some("us-east-1"));
    let copy = e.clone();
    assert_eq!(e, copy);
    assert!(core::ptr::eq(
        e.find_source::<crate::credentials::CredentialsError>()
            .unwrap(),
        copy.find_source::<crate::credentials::CredentialsError>()
            .unwrap()
    ));
    // The same words without the source are not the same error.
    let flat = Error::new(ErrorKind::NoCredentials, e.message())
        .with_context(Some("m"), Some("us-east-1"));
    assert_ne!(e, flat);
    assert_eq!(e.to_string(), flat.to_string());
}

#[test]
fn an_expired_sso_token_has_the_sso_hint_and_only_it() {
    let e = Error::from(sso_expired());
    let hint = e.hint().expect("a hint");
    assert!(hint.contains("SSO session"), "{hint}");
    assert!(hint.contains("~/.aws/sso/cache"), "{hint}");
    assert_ne!(hint, NO_CREDENTIALS_HINT);
    assert!(!hint.contains("AWS_BEARER_TOKEN_BEDROCK"), "{hint}");
    // The fix is not glued into the message any more: one hint, in one place.
    for text in [e.message().to_string(), e.to_string()] {
        assert!(!text.contains("sso login"), "{text}");
        assert!(!text.contains("hint"), "{text}");
    }
    assert_eq!(
        e.to_string(),
        "no_credentials: profile 'dev' (SSO): the SSO session expired at 2023-11-14T22:13:20Z"
    );
    // The credentials error answers with the same row.
    assert_eq!(sso_expired().hint(), Some(hint));
}

#[test]
fn the_no_credentials_hint_names_the_api_key_variables() {
    let hint = Error::no_credentials("").hint().unwrap();
    assert_eq!(hint, NO_CREDENTIALS_HINT);
    assert!(hint.contains("AWS_BEARER_TOKEN_BEDROCK"), "{hint}");
    assert!(hint.contains("BEDROCK_API_KEY"), "{hint}");
    assert!(hint.contains("vault:BEDROCK_API_KEY"), "{hint}");
    use crate::credentials::{CredentialsError, Problem};
    let not_found = Error::from(CredentialsError::new(
        None,
        "",
        Problem::NotFound {
            tried: alloc::vec!["env:AWS_BEARER_TOKEN_BEDROCK (not set)".into()],
        },
    ));
    assert_eq!(not_found.hint(), Some(NO_CREDENTIALS_HINT));
    assert_eq!(
        not_found.message(),
        "no AWS credentials provider found: tried env:AWS_BEARER_TOKEN_BEDROCK (not set)"
    );
}

#[test]
fn no_core_hint_names_a_command() {
    assert!(HINTS.len() >= 15);
    for rule in HINTS {
        let hint = rule.hint;
        assert!(!hint.is_empty());
        for command in [
            "`bedrock ",
            "bedrock secret",
            "bedrock model",
            "aws sso login",
            "aws bedrock",
            "aws configure",
            "sso login",
            "`aws ",
        ] {
            assert!(!hint.contains(command), "{command:?} in hint {hint:?}");
        }
        // One line, lowercase start, no trailing period.
        assert!(!hint.contains('\n'), "{hint:?}");
        assert!(!hint.ends_with('.'), "{hint:?}");
        assert!(
            hint.starts_with(|c: char| !c.is_ascii_uppercase()) || hint.starts_with("IAM"),
            "{hint:?}"
        );
    }
}

#[test]
fn the_service_patterns_only_match_service_errors() {
    use crate::credentials::{CredentialsError, Problem, SourceKind};
    // A credential_process that prints "authentication failed" is not the API-key rejection.
    let e = Error::from(CredentialsError::new(
        Some(SourceKind::CredentialProcess),
        "credential_process (profile 'dev')",
        Problem::CommandFailed {
            status: Some(1),
            stderr: "authentication failed".into(),
        },
    ));
    let hint = e.hint().unwrap();
    assert!(hint.contains("credential_process"), "{hint}");
    assert!(!hint.contains("aws_sigv4"), "{hint}");
}

#[test]
fn errors_stay_small_and_thread_safe() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Error>();
    assert_eq!(core::mem::size_of::<Error>(), core::mem::size_of::<usize>());
}
