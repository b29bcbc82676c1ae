//! Errors that say how to fix them.
//!
//! Every failure becomes an [`Error`]: a typed [`ErrorKind`], the [`Origin`] (which layer
//! failed), the underlying error through [`core::error::Error::source`], the HTTP status and AWS
//! error type when the service answered, the message, the request id, the model id and the
//! region — never a secret — and exactly one fix-it [`Error::hint`], chosen from one table
//! (`HINTS`, first matching row wins) by kind, origin, the underlying problem's stable name
//! ([`Error::detail`]) and the message. The rows reproduce the product's troubleshooting guide:
//!
//! | symptom | hint |
//! |---|---|
//! | no credentials resolved | set `AWS_BEARER_TOKEN_BEDROCK` (or `BEDROCK_API_KEY`), store the key in the vault, or configure AWS credentials |
//! | the cached SSO token expired / is missing | sign in to the profile's SSO session again (the token cache in `~/.aws/sso/cache`) |
//! | `AccessDeniedException` / 403 | IAM lacks `bedrock:InvokeModel*`, or model access is not granted in this Region |
//! | "Authentication failed: Please make sure your API Key is valid." | the runtime rejected the key; a mantle-scoped key needs `credentials = ["aws_sigv4"]` |
//! | "data retention mode 'default' is not available for this model" | opt into `provider_data_share` first |
//! | "The provided model identifier is invalid" | set an explicit `api_id` (from the ListInferenceProfiles API) |
//! | on-demand throughput not supported | use the `us.`/`global.`-prefixed inference-profile id |
//! | maximum tokens exceeded | lower the model's `max_output` to its documented limit |
//! | bedrock-mantle rejects the key (401 `invalid_api_key`) | the `bedrock-openai` provider needs a Bedrock API key with `bedrock-mantle:*` permissions; runtime credentials are not enough |
//! | bedrock-mantle denies access (`access_denied`, 403) | grant `bedrock-mantle:CreateInference`; a subscription being set up finishes on its own |
//! | bedrock-mantle 429 / `rate_limit_exceeded` / `insufficient_quota` | input + `max_output_tokens` must fit the input-TPM quota: lower `max_tokens` or raise the quota |
//! | `ThrottlingException` | use cross-region inference profiles or request a quota increase |
//! | the server's TLS certificate is not trusted ([`TransportFailure::TlsCertificate`]) | a TLS-inspecting (corporate) proxy: point `AWS_CA_BUNDLE` at its CA certificate |
//!
//! Hints name settings, environment variables and concepts, never a program's commands: a
//! front end (the `bedrock` CLI) may add its own command names when it prints one.
//!
//! The message is self-contained (it already says what the underlying error says), so print
//! [`Error`]'s `Display`, not the whole `source()` chain; the source is there to inspect and
//! downcast ([`Error::find_source`]), e.g. to a
//! [`CredentialsError`](crate::credentials::CredentialsError) or a
//! [`SettingsError`](crate::settings::SettingsError).
//!
//! A ConverseStream that fails after producing events keeps what arrived:
//! [`Error::partial_response`].
//!
//! Retry classification follows the AWS SDKs' standard retry mode (`bedrock-wire.md` §3.1).

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;

use serde_json::Value;

use crate::model::Response;
use crate::shared::Shared;

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
    /// An error type this version does not model; see [`Error::error_type`].
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
    fn from_status(status: u16) -> Self {
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

/// A connection failure an adapter could classify, the source of its [`Error`] (an
/// [`ErrorKind::Io`] from [`Origin::Transport`]); [`Error::detail`] gives its
/// [`kind`](Self::kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The server's TLS certificate was rejected: an unknown issuer (a TLS-inspecting proxy's
    /// own CA, a private CA), expired, or for another name. Never retried: every attempt
    /// meets the same certificate.
    TlsCertificate,
}

impl TransportFailure {
    /// A stable, snake_case name: `tls_certificate`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::TlsCertificate => "tls_certificate",
        }
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TlsCertificate => "the server's TLS certificate is not trusted",
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

/// The underlying error, shared so that [`Error`] stays cheap to clone.
type Source = Shared<dyn core::error::Error + Send + Sync + 'static>;

/// A failure, with everything needed to act on it. See the [module docs](self).
///
/// Equality compares every field; the sources by their `Display`. `Debug` prints the source by
/// its `Display` too (no more than the message says, so never a secret) and the partial
/// response by its size.
#[derive(Clone)]
pub struct Error {
    // Boxed: results stay one pointer wide on the success path.
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    origin: Origin,
    message: String,
    status: Option<u16>,
    error_type: Option<String>,
    request_id: Option<String>,
    model_id: Option<String>,
    region: Option<String>,
    retry_after_ms: Option<u64>,
    source: Option<Source>,
    partial: Option<Shared<Response>>,
}

impl PartialEq for Inner {
    fn eq(&self, other: &Self) -> bool {
        let same_source = match (&self.source, &other.source) {
            (None, None) => true,
            (Some(a), Some(b)) => a.to_string() == b.to_string(),
            _ => false,
        };
        self.kind == other.kind
            && self.origin == other.origin
            && self.message == other.message
            && self.status == other.status
            && self.error_type == other.error_type
            && self.request_id == other.request_id
            && self.model_id == other.model_id
            && self.region == other.region
            && self.retry_after_ms == other.retry_after_ms
            && same_source
            && self.partial.as_deref() == other.partial.as_deref()
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

// A `Response` holds integers, strings and JSON values (which cannot be NaN): equality is
// reflexive.
impl Eq for Error {}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Shown<'a>(&'a dyn fmt::Display);
        impl fmt::Debug for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "\"{}\"", self.0)
            }
        }
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind)
            .field("origin", &i.origin)
            .field("message", &i.message)
            .field("status", &i.status)
            .field("error_type", &i.error_type)
            .field("request_id", &i.request_id)
            .field("model_id", &i.model_id)
            .field("region", &i.region)
            .field("retry_after_ms", &i.retry_after_ms)
            .field(
                "source",
                &i.source.as_deref().map(|s| Shown(s as &dyn fmt::Display)),
            )
            .field(
                "partial_response_parts",
                &i.partial.as_deref().map(|r| r.content.len()),
            )
            .finish()
    }
}

impl Error {
    /// An error of `kind` with `message`, from the kind's [default
    /// origin](ErrorKind::default_origin) and without a source.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                origin: kind.default_origin(),
                message: message.into(),
                status: None,
                error_type: None,
                request_id: None,
                model_id: None,
                region: None,
                retry_after_ms: None,
                source: None,
                partial: None,
            }),
        }
    }

    /// An error of `kind` from `origin`, caused by `source` (reachable through
    /// [`core::error::Error::source`] and [`find_source`](Self::find_source)). `message` is
    /// what `Display` shows: it should say what `source` says, and never a secret.
    pub fn with_source<E>(
        kind: ErrorKind,
        origin: Origin,
        message: impl Into<String>,
        source: E,
    ) -> Self
    where
        E: core::error::Error + Send + Sync + 'static,
    {
        let mut error = Self::new(kind, message);
        error.inner.origin = origin;
        error.inner.source = Some(Shared::new(source) as Source);
        error
    }

    /// The product's "no credentials" error.
    pub fn no_credentials(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let message = if detail.is_empty() {
            String::from("no AWS credentials provider found")
        } else {
            alloc::format!("no AWS credentials provider found: {detail}")
        };
        Self::new(ErrorKind::NoCredentials, message)
    }

    /// Parses a non-2xx HTTP response from the service (restJson1 error serialization): the type
    /// from the `x-amzn-ErrorType` header, else the body's `code`/`Code`, else `__type`, else the
    /// status; sanitized to the text before the first `:` and after the last `#`. The message
    /// from the body's `message` / `Message`.
    pub fn from_response(
        status: u16,
        error_type_header: Option<&str>,
        request_id: Option<&str>,
        body: &[u8],
    ) -> Self {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let field = |names: &[&str]| -> Option<String> {
            let json = json.as_ref()?;
            names
                .iter()
                .find_map(|n| json.get(*n).and_then(Value::as_str))
                .map(ToString::to_string)
        };
        let raw_type = error_type_header
            .map(ToString::to_string)
            .filter(|t| !t.trim().is_empty())
            .or_else(|| field(&["code", "Code"]))
            .or_else(|| field(&["__type"]));
        let error_type = raw_type
            .as_deref()
            .map(sanitize_error_type)
            .filter(|t| !t.is_empty());
        let message = field(&["message", "Message"]).unwrap_or_else(|| {
            // Not JSON: keep a bounded, printable prefix of the body.
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let mut end = text.len().min(300);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            if text.is_empty() {
                alloc::format!("HTTP {status} with an empty body")
            } else {
                text[..end].to_string()
            }
        });
        // An error type this version does not know keeps kind `Service` (its type says more than
        // the status), except on 429, which the standard retry mode treats as throttling.
        let kind = match &error_type {
            Some(t) => match ErrorKind::from_error_type(t) {
                ErrorKind::Service if status == 429 => ErrorKind::Throttling,
                kind => kind,
            },
            None => ErrorKind::from_status(status),
        };
        // The bearer-key rejection arrives as a 403; its message is what identifies it.
        let kind = if contains_ignore_case(&message, "authentication failed") {
            ErrorKind::Authentication
        } else {
            kind
        };
        let mut error = Self::new(kind, message);
        error.inner.origin = Origin::Service;
        error.inner.status = Some(status);
        error.inner.error_type = error_type;
        error.inner.request_id = request_id.map(ToString::to_string);
        error
    }

    /// Adds the model id and region the call was for.
    #[must_use]
    pub fn with_context(mut self, model_id: Option<&str>, region: Option<&str>) -> Self {
        if self.inner.model_id.is_none() {
            self.inner.model_id = model_id.map(ToString::to_string);
        }
        if self.inner.region.is_none() {
            self.inner.region = region.map(ToString::to_string);
        }
        self
    }

    /// Sets the request id.
    #[must_use]
    pub fn with_request_id(mut self, request_id: Option<&str>) -> Self {
        self.inner.request_id = request_id.map(ToString::to_string);
        self
    }

    /// Sets the HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Sets the AWS error type.
    #[must_use]
    pub fn with_error_type(mut self, error_type: impl Into<String>) -> Self {
        self.inner.error_type = Some(error_type.into());
        self
    }

    /// Records the service's `x-amz-retry-after` (milliseconds).
    #[must_use]
    pub fn with_retry_after_ms(mut self, millis: Option<u64>) -> Self {
        self.inner.retry_after_ms = millis;
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message (the service's own words for service errors).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The AWS error type, e.g. `ThrottlingException`.
    pub fn error_type(&self) -> Option<&str> {
        self.inner.error_type.as_deref()
    }

    /// The service's request id (`x-amzn-RequestId`).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The model id of the call.
    pub fn model_id(&self) -> Option<&str> {
        self.inner.model_id.as_deref()
    }

    /// The region of the call.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The service's `x-amz-retry-after`, in milliseconds.
    pub fn retry_after_ms(&self) -> Option<u64> {
        self.inner.retry_after_ms
    }

    /// Which layer failed.
    pub fn origin(&self) -> Origin {
        self.inner.origin
    }

    /// The first error of type `T` in the [`source`](core::error::Error::source) chain, e.g. the
    /// [`CredentialsError`](crate::credentials::CredentialsError) behind a credentials failure.
    pub fn find_source<T: core::error::Error + 'static>(&self) -> Option<&T> {
        let mut next = core::error::Error::source(self);
        // Bounded: a cyclic chain (which no error here builds) cannot loop forever.
        for _ in 0..16 {
            let error = next?;
            if let Some(found) = error.downcast_ref::<T>() {
                return Some(found);
            }
            next = error.source();
        }
        None
    }

    /// The stable, snake_case name of the underlying problem, when the source chain holds one
    /// of the core's typed errors: [`CredentialsError::kind`](crate::credentials::CredentialsError::kind)
    /// (`sso_token_expired`, `not_found`, …), [`SettingsError::kind`](crate::settings::SettingsError::kind),
    /// [`TransportFailure::kind`] (`tls_certificate`), [`responses::ServiceError::kind`](crate::responses::ServiceError::kind) (`mantle_quota`, …) or
    /// [`SigningError::kind`](crate::sigv4::SigningError::kind).
    pub fn detail(&self) -> Option<&'static str> {
        if let Some(e) = self.find_source::<crate::credentials::CredentialsError>() {
            return Some(e.kind());
        }
        if let Some(e) = self.find_source::<crate::settings::SettingsError>() {
            return Some(e.kind());
        }
        if let Some(e) = self.find_source::<TransportFailure>() {
            return Some(e.kind());
        }
        if let Some(e) = self.find_source::<crate::responses::ServiceError>() {
            return Some(e.kind());
        }
        self.find_source::<crate::sigv4::SigningError>()
            .map(crate::sigv4::SigningError::kind)
    }

    /// What a ConverseStream produced before it failed (a truncated stream, an exception or an
    /// idle timeout after the first event): the text, reasoning and tool calls received, with
    /// cut-off tool calls as such. `None` for every other failure. It is not a complete answer.
    pub fn partial_response(&self) -> Option<&Response> {
        self.inner.partial.as_deref()
    }

    /// Attaches the response received before a stream failed.
    #[must_use]
    pub(crate) fn with_partial_response(mut self, response: Response) -> Self {
        self.inner.partial = Some(Shared::new(response));
        self
    }

    /// How the standard retry mode treats this error.
    pub fn retry_class(&self) -> RetryClass {
        let code = self.inner.error_type.as_deref().unwrap_or_default();
        if THROTTLING_CODES
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
        {
            return RetryClass::Throttling;
        }
        if self.inner.kind == ErrorKind::ModelNotReady
            || TRANSIENT_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
            || matches!(self.inner.status, Some(500 | 502 | 503 | 504))
        {
            return RetryClass::Transient;
        }
        if self.inner.status == Some(429) && self.inner.kind == ErrorKind::Throttling {
            // An unmodelled 429.
            return RetryClass::Throttling;
        }
        if self.find_source::<TransportFailure>() == Some(&TransportFailure::TlsCertificate) {
            // The same certificate answers every attempt.
            return RetryClass::No;
        }
        match self.inner.kind {
            // Connection failures and read timeouts: the SDKs retry these as transient.
            ErrorKind::Io | ErrorKind::Timeout => RetryClass::Transient,
            _ => RetryClass::No,
        }
    }

    /// Whether the standard retry mode would retry this error.
    pub fn is_retryable(&self) -> bool {
        self.retry_class() != RetryClass::No
    }

    /// The one-line fix for this error, when one is known: the first row of the hint table
    /// that matches the kind, the origin, the underlying problem ([`detail`](Self::detail)) and
    /// the message. Hints name settings and environment variables, never commands.
    pub fn hint(&self) -> Option<&'static str> {
        hint_for(
            self.inner.kind,
            self.inner.origin,
            self.detail(),
            &self.inner.message,
        )
    }
}

/// One row of the hint table: every condition given must hold.
struct HintRule {
    kind: Option<ErrorKind>,
    origin: Option<Origin>,
    /// The underlying problem's stable name ([`Error::detail`]).
    detail: Option<&'static str>,
    /// Any of these occurs in the message (ASCII case-insensitive); empty: no condition.
    message: &'static [&'static str],
    hint: &'static str,
}

impl HintRule {
    const ANY: Self = Self {
        kind: None,
        origin: None,
        detail: None,
        message: &[],
        hint: "",
    };

    fn matches(
        &self,
        kind: ErrorKind,
        origin: Origin,
        detail: Option<&str>,
        message: &str,
    ) -> bool {
        self.kind.is_none_or(|k| k == kind)
            && self.origin.is_none_or(|o| o == origin)
            && self.detail.is_none_or(|d| Some(d) == detail)
            && (self.message.is_empty()
                || self
                    .message
                    .iter()
                    .any(|pattern| contains_ignore_case(message, pattern)))
    }
}

/// The generic "no credentials" fix.
const NO_CREDENTIALS_HINT: &str = "set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY), store the key in the vault \
     (vault:BEDROCK_API_KEY), or configure AWS credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE / SSO / instance role)";

/// Every hint, in order: the first matching row wins. Specific rows (a message pattern, a
/// credential source's problem) come before the rows for a whole kind.
const HINTS: &[HintRule] = &[
    HintRule {
        detail: Some("tls_certificate"),
        hint: "the server's certificate is not signed by a CA this machine trusts: behind a TLS-inspecting (corporate) \
               proxy, point AWS_CA_BUNDLE at a PEM file with the proxy's CA certificate (or add it to the OS trust \
               store)",
        ..HintRule::ANY
    },
    // bedrock-mantle (the Responses API), by the error's source.
    HintRule {
        detail: Some("mantle_authentication"),
        hint: "bedrock-mantle rejected the key: the bedrock-openai provider needs a Bedrock API key \
               (AWS_BEARER_TOKEN_BEDROCK) whose principal has bedrock-mantle:CreateInference and \
               bedrock-mantle:CallWithBearerToken; a key or credentials that work for bedrock-runtime are not enough, \
               and short-term keys expire after 12 hours",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::Configuration),
        message: &["takes a Bedrock API key"],
        hint: "the bedrock-openai provider (bedrock-mantle) accepts only a Bedrock API key: set \
               AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY) or store it in the vault (vault:BEDROCK_API_KEY), and \
               drop credentials = [\"aws_sigv4\"] from the provider's settings",
        ..HintRule::ANY
    },
    HintRule {
        detail: Some("mantle_access_denied"),
        hint: "bedrock-mantle denied access: grant bedrock-mantle:CreateInference to the key's principal and check \
               that the model is offered in this Region (a subscription \"being set up\" finishes on its own; retry \
               in a few minutes)",
        ..HintRule::ANY
    },
    HintRule {
        detail: Some("mantle_quota"),
        hint: "bedrock-mantle admits a request only when input tokens + max_output_tokens fit the model's \
               input-tokens-per-minute quota in this Region: lower max_tokens, wait, or request a quota increase \
               in Service Quotas",
        ..HintRule::ANY
    },
    HintRule {
        detail: Some("mantle_context_length"),
        hint: "the conversation exceeds the model's context window (272,000 tokens for GPT-5.4/5.5): drop or \
               summarize earlier turns",
        ..HintRule::ANY
    },
    // The service's own words identify these, whatever the kind.
    HintRule {
        origin: Some(Origin::Service),
        message: &["authentication failed"],
        hint: "the runtime rejected the API key: check AWS_BEARER_TOKEN_BEDROCK / BEDROCK_API_KEY; a key scoped to \
               bedrock-mantle cannot call Converse, so pin credentials = [\"aws_sigv4\"] for the bedrock provider",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["data retention mode"],
        hint: "this model requires the provider_data_share data-sharing opt-in: enable it for the model in the \
               Bedrock console (model access) first",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["model identifier is invalid"],
        hint: "set an explicit api_id for this model in settings.toml ([llm.models.<id>] api_id = ...): an \
               inference-profile id or ARN that the ListInferenceProfiles (or ListFoundationModels) API shows in \
               this Region",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["on-demand throughput"],
        hint: "this model has no on-demand throughput under this id: use its us./global.-prefixed cross-region \
               inference-profile id (or an inference-profile ARN) as api_id",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Service),
        message: &["maximum tokens", "max_tokens"],
        hint: "the requested output is above what the model allows: lower max_tokens, or the model's max_output in \
               settings, to its documented limit",
        ..HintRule::ANY
    },
    // A credential source's own problem.
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("sso_token_expired"),
        hint: "the profile's SSO access token (cached in ~/.aws/sso/cache) has expired: sign in to its SSO session \
               (sso_session / sso_start_url) again, then retry",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("sso_token_missing"),
        hint: "no SSO access token is cached in ~/.aws/sso/cache for the profile: sign in to its SSO session \
               (sso_session / sso_start_url) first, then retry",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("invalid_response"),
        message: &["sso token cache file"],
        hint: "the SSO token cache file is unusable: sign in to the profile's SSO session (sso_session / \
               sso_start_url) again to rewrite it, then retry",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("expired"),
        hint: "refresh the credentials at their source (or unset the stale AWS_* variables)",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("malformed_file"),
        hint: "fix that line: sections are [name] and settings are key = value",
        ..HintRule::ANY
    },
    HintRule {
        origin: Some(Origin::Credentials),
        detail: Some("source_profile_loop"),
        hint: "make one profile in the chain use static keys or credential_source",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        detail: Some("not_found"),
        message: &["Bedrock API keys only"],
        hint: "this provider takes a Bedrock API key, not AWS credentials: set AWS_BEARER_TOKEN_BEDROCK (or \
               BEDROCK_API_KEY), or store the key in the vault (vault:BEDROCK_API_KEY)",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        detail: Some("not_found"),
        hint: NO_CREDENTIALS_HINT,
        ..HintRule::ANY
    },
    // A configured source failed (a command, a service, a response): fix it, or use a key.
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        origin: Some(Origin::Credentials),
        detail: Some("command_failed"),
        hint: "the profile's credential_process failed: fix the command (the message holds what it wrote to \
               stderr), or set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY) to use an API key instead",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::NoCredentials),
        hint: NO_CREDENTIALS_HINT,
        ..HintRule::ANY
    },
    // Whole kinds.
    HintRule {
        kind: Some(ErrorKind::AccessDenied),
        hint: "IAM lacks bedrock:InvokeModel / bedrock:InvokeModelWithResponseStream, or model access is not granted \
               in this Region (Claude needs the per-Region use-case approval; third-party models need \
               aws-marketplace:Subscribe)",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::Authentication),
        hint: "the credentials were rejected: check the access key, secret and session token (or refresh them), and \
               that the clock is correct",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::Throttling),
        hint: "account quota reached: use a cross-region inference profile (us./global. id) or request a quota \
               increase in Service Quotas",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::ResourceNotFound),
        hint: "the model id is not available in this Region: check api_id and the region, or pick another model",
        ..HintRule::ANY
    },
    HintRule {
        kind: Some(ErrorKind::TruncatedStream),
        hint: "the connection ended mid-response; the partial output is not a complete answer — retry the call",
        ..HintRule::ANY
    },
];

/// The hint table's lookup: the first row matching `kind`, `origin`, `detail` and `message`.
fn hint_for(
    kind: ErrorKind,
    origin: Origin,
    detail: Option<&str>,
    message: &str,
) -> Option<&'static str> {
    HINTS
        .iter()
        .find(|rule| rule.matches(kind, origin, detail, message))
        .map(|rule| rule.hint)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.inner.kind,
            self.inner.message.trim_end_matches('.')
        )?;
        let mut sep = " (";
        let mut part = |f: &mut fmt::Formatter<'_>, args: fmt::Arguments<'_>| -> fmt::Result {
            f.write_str(sep)?;
            sep = ", ";
            f.write_fmt(args)
        };
        if let Some(status) = self.inner.status {
            part(f, format_args!("HTTP {status}"))?;
        }
        if let Some(t) = &self.inner.error_type {
            part(f, format_args!("{t}"))?;
        }
        if let Some(id) = &self.inner.request_id {
            part(f, format_args!("request id {id}"))?;
        }
        if let Some(model) = &self.inner.model_id {
            part(f, format_args!("model {model}"))?;
        }
        if let Some(region) = &self.inner.region {
            part(f, format_args!("region {region}"))?;
        }
        if sep == ", " {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        let source: &(dyn core::error::Error + 'static) = self.inner.source.as_deref()?;
        Some(source)
    }
}

/// The text before the first `:` and after the last `#`: `aws.protocoltests#FooError:http://...`
/// → `FooError`.
pub fn sanitize_error_type(raw: &str) -> String {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    let after_hash = before_colon.rsplit('#').next().unwrap_or(before_colon);
    after_hash.trim().to_string()
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

impl From<crate::converse::RequestError> for Error {
    fn from(e: crate::converse::RequestError) -> Self {
        Self::with_source(ErrorKind::InvalidRequest, Origin::Request, e.to_string(), e)
    }
}

impl From<crate::sigv4::SigningError> for Error {
    /// Unusable credentials have origin [`Origin::Credentials`], a bad region
    /// [`Origin::Settings`], the rest [`Origin::Request`].
    fn from(e: crate::sigv4::SigningError) -> Self {
        use crate::sigv4::SigningError as E;
        let origin = match &e {
            E::InvalidAccessKeyId | E::EmptySecretAccessKey | E::InvalidHeaderValue { .. } => {
                Origin::Credentials
            }
            E::EmptyRegion | E::InvalidRegion => Origin::Settings,
            _ => Origin::Request,
        };
        Self::with_source(
            ErrorKind::Configuration,
            origin,
            alloc::format!("cannot sign the request: {e}"),
            e,
        )
    }
}

impl From<crate::settings::SettingsError> for Error {
    /// [`ErrorKind::Configuration`] from [`Origin::Settings`], the settings error as the source.
    fn from(e: crate::settings::SettingsError) -> Self {
        Self::with_source(ErrorKind::Configuration, Origin::Settings, e.to_string(), e)
    }
}

impl From<crate::eventstream::DecodeError> for Error {
    fn from(e: crate::eventstream::DecodeError) -> Self {
        let (kind, origin) = match e {
            crate::eventstream::DecodeError::Truncated { .. } => {
                (ErrorKind::TruncatedStream, Origin::Transport)
            }
            _ => (ErrorKind::Protocol, Origin::Protocol),
        };
        Self::with_source(kind, origin, alloc::format!("event stream: {e}"), e)
    }
}

impl From<crate::converse::StreamException> for Error {
    fn from(e: crate::converse::StreamException) -> Self {
        use crate::converse::ExceptionKind as K;
        let kind = match &e.kind {
            K::InternalServer => ErrorKind::InternalServer,
            K::ModelStreamError => ErrorKind::ModelStreamError,
            K::Validation => ErrorKind::Validation,
            K::Throttling => ErrorKind::Throttling,
            K::ServiceUnavailable => ErrorKind::ServiceUnavailable,
            K::Other(name) => ErrorKind::from_error_type(name),
        };
        let mut message = e.message.clone();
        if let Some(code) = e.original_status_code {
            message = alloc::format!("{message} (model returned {code}");
            if let Some(original) = &e.original_message {
                message.push_str(": ");
                message.push_str(original);
            }
            message.push(')');
        }
        let error_type = e.kind.error_type().to_string();
        let status = e.kind.http_status();
        let mut error =
            Self::with_source(kind, Origin::Service, message, e).with_error_type(error_type);
        error.inner.status = status;
        error
    }
}

impl From<crate::converse::EventError> for Error {
    fn from(e: crate::converse::EventError) -> Self {
        match e {
            crate::converse::EventError::Exception(exception) => exception.into(),
            other => Self::with_source(
                ErrorKind::Protocol,
                Origin::Protocol,
                other.to_string(),
                other,
            ),
        }
    }
}

impl From<crate::converse::AccumulateError> for Error {
    fn from(e: crate::converse::AccumulateError) -> Self {
        let (kind, origin) = match &e {
            crate::converse::AccumulateError::TruncatedStream { .. } => {
                (ErrorKind::TruncatedStream, Origin::Transport)
            }
            _ => (ErrorKind::Protocol, Origin::Protocol),
        };
        Self::with_source(kind, origin, e.to_string(), e)
    }
}

#[cfg(test)]
mod tests;
