//! The classification of an [`Error`](super::Error): its [`ErrorKind`], its [`Origin`], a
//! transport failure an adapter classified ([`TransportFailure`]), and the retry class of the
//! AWS SDKs' standard retry mode ([`RetryClass`], with the error codes it keys on).

use core::fmt;

/// What went wrong, by origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // The service answered with an error.
    /// `AccessDeniedException` (403).
    AccessDenied,
    /// The credentials were rejected: a bad API key, `UnrecognizedClientException`,
    /// `InvalidSignatureException`, `ExpiredTokenException`, `Signature expired`.
    Authentication,
    /// `ValidationException` (400).
    Validation,
    /// `ThrottlingException` (429) or another throttling code.
    Throttling,
    /// `ModelNotReadyException` (429): retried as transient.
    ModelNotReady,
    /// `ModelTimeoutException` (408).
    ModelTimeout,
    /// `ServiceUnavailableException` (503).
    ServiceUnavailable,
    /// `InternalServerException` (500).
    InternalServer,
    /// `ResourceNotFoundException` (404).
    ResourceNotFound,
    /// `ModelErrorException` (424).
    ModelError,
    /// `ModelStreamErrorException` (424): the model failed mid-stream.
    ModelStreamError,
    /// `ServiceQuotaExceededException` (400).
    ServiceQuotaExceeded,
    /// An error type this version does not model; see [`Error::error_type`](super::Error::error_type).
    Service,
    // The client could not make or finish the call.
    /// No credential in the provider's list resolved.
    NoCredentials,
    /// Settings or client configuration is invalid.
    Configuration,
    /// The request cannot be sent as given.
    InvalidRequest,
    /// The peer broke the protocol: malformed HTTP, event-stream frames or JSON.
    Protocol,
    /// The response stream ended before it was complete.
    TruncatedStream,
    /// A deadline passed (first byte, idle between stream bytes).
    Timeout,
    /// The transport failed (connection refused or reset, TLS, DNS); raised at the adapter edge.
    Io,
}

impl ErrorKind {
    /// A stable, snake_case name, which conformance vectors match on.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::Authentication => "authentication",
            Self::Validation => "validation",
            Self::Throttling => "throttling",
            Self::ModelNotReady => "model_not_ready",
            Self::ModelTimeout => "model_timeout",
            Self::ServiceUnavailable => "service_unavailable",
            Self::InternalServer => "internal_server",
            Self::ResourceNotFound => "resource_not_found",
            Self::ModelError => "model_error",
            Self::ModelStreamError => "model_stream_error",
            Self::ServiceQuotaExceeded => "service_quota_exceeded",
            Self::Service => "service",
            Self::NoCredentials => "no_credentials",
            Self::Configuration => "configuration",
            Self::InvalidRequest => "invalid_request",
            Self::Protocol => "protocol",
            Self::TruncatedStream => "truncated_stream",
            Self::Timeout => "timeout",
            Self::Io => "io",
        }
    }

    /// The kind for an AWS error type (already sanitized).
    pub fn from_error_type(error_type: &str) -> Self {
        let t = error_type.to_ascii_lowercase();
        match t.as_str() {
            "accessdeniedexception" | "accessdenied" => Self::AccessDenied,
            "unrecognizedclientexception"
            | "invalidsignatureexception"
            | "expiredtokenexception"
            | "expiredtoken"
            | "unauthorizedexception"
            | "invalidclienttokenid"
            | "signaturedoesnotmatch"
            | "incompletesignatureexception"
            | "missingauthenticationtokenexception" => Self::Authentication,
            "validationexception" => Self::Validation,
            "modelnotreadyexception" => Self::ModelNotReady,
            "modeltimeoutexception" => Self::ModelTimeout,
            "serviceunavailableexception" | "serviceunavailable" => Self::ServiceUnavailable,
            "internalserverexception" | "internalfailure" | "internalservererror" => {
                Self::InternalServer
            }
            "resourcenotfoundexception" => Self::ResourceNotFound,
            "modelerrorexception" => Self::ModelError,
            "modelstreamerrorexception" => Self::ModelStreamError,
            "servicequotaexceededexception" => Self::ServiceQuotaExceeded,
            _ if THROTTLING_CODES
                .iter()
                .any(|c| c.eq_ignore_ascii_case(error_type)) =>
            {
                Self::Throttling
            }
            _ => Self::Service,
        }
    }

    /// The kind for a bare HTTP status with no error type.
    pub(super) fn from_status(status: u16) -> Self {
        match status {
            400 => Self::Validation,
            401 => Self::Authentication,
            403 => Self::AccessDenied,
            404 => Self::ResourceNotFound,
            408 => Self::ModelTimeout,
            424 => Self::ModelError,
            429 => Self::Throttling,
            500 => Self::InternalServer,
            503 => Self::ServiceUnavailable,
            _ => Self::Service,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error codes the standard retry mode treats as throttling.
pub(crate) const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    // The Responses API's code (bedrock-mantle), also sent mid-stream without a status.
    "rate_limit_exceeded",
];

/// Error codes the standard retry mode treats as transient.
pub(crate) const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    // The Responses API's mid-stream `response.failed` code: "anything else (e.g. server_error)
    // retryable" (Codex).
    "server_error",
];

/// A connection failure an adapter could classify, the source of its [`Error`](super::Error) (an
/// [`ErrorKind::Io`] from [`Origin::Transport`]); [`Error::detail`](super::Error::detail) gives its
/// [`kind`](Self::kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The server's TLS certificate was rejected: an unknown issuer (a TLS-inspecting proxy's
    /// own CA, a private CA), expired, or for another name. Never retried: every attempt
    /// meets the same certificate.
    TlsCertificate,
    /// The answer broke HTTP/1.1 framing where the adapter's HTTP library reads it (a response
    /// head over its limit, a chunk-size line that never ends): an [`ErrorKind::Protocol`], as
    /// when the core reads the bytes itself. Never retried: the server answered, wrongly.
    MalformedResponse,
}

impl TransportFailure {
    /// A stable, snake_case name: `tls_certificate`, `malformed_response`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::TlsCertificate => "tls_certificate",
            Self::MalformedResponse => "malformed_response",
        }
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TlsCertificate => "the server's TLS certificate is not trusted",
            Self::MalformedResponse => "the response broke HTTP/1.1 framing",
        })
    }
}

impl core::error::Error for TransportFailure {}

/// How the standard retry mode treats an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    /// Retry with the throttling backoff (1 s base).
    Throttling,
    /// Retry with the transient backoff (50 ms base).
    Transient,
    /// Do not retry.
    No,
}

/// Where a failure came from: which layer to look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// The service answered with an error: an HTTP error status, or an exception inside the
    /// stream.
    Service,
    /// Resolving credentials: no source resolved, or one failed (the source is a
    /// [`CredentialsError`](crate::credentials::CredentialsError)).
    Credentials,
    /// The settings or the client's configuration: the settings file, routing a model (the
    /// source is a [`SettingsError`](crate::settings::SettingsError) when the core raised it).
    Settings,
    /// The local secret vault.
    Vault,
    /// The request cannot be encoded or signed as given.
    Request,
    /// The peer broke the protocol: malformed HTTP, event-stream frames or JSON.
    Protocol,
    /// The connection: connect, TLS, DNS, a reset or a cut, a deadline that passed.
    Transport,
}

impl Origin {
    /// A stable, snake_case name, which conformance vectors match on.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Credentials => "credentials",
            Self::Settings => "settings",
            Self::Vault => "vault",
            Self::Request => "request",
            Self::Protocol => "protocol",
            Self::Transport => "transport",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ErrorKind {
    /// The origin an error of this kind has unless its constructor says otherwise.
    pub fn default_origin(self) -> Origin {
        match self {
            Self::AccessDenied
            | Self::Authentication
            | Self::Validation
            | Self::Throttling
            | Self::ModelNotReady
            | Self::ModelTimeout
            | Self::ServiceUnavailable
            | Self::InternalServer
            | Self::ResourceNotFound
            | Self::ModelError
            | Self::ModelStreamError
            | Self::ServiceQuotaExceeded
            | Self::Service => Origin::Service,
            Self::NoCredentials => Origin::Credentials,
            Self::Configuration => Origin::Settings,
            Self::InvalidRequest => Origin::Request,
            Self::Protocol => Origin::Protocol,
            Self::TruncatedStream | Self::Timeout | Self::Io => Origin::Transport,
        }
    }
}
