//! Errors that say how to fix them.
//!
//! Every failure becomes an [`Error`]: a typed [`ErrorKind`], the HTTP status and AWS error type
//! when the service answered, the message, the request id, the model id and the region — never a
//! secret — and a one-line [`Error::hint`] that reproduces the product's troubleshooting guide:
//!
//! | symptom | hint |
//! |---|---|
//! | no credentials resolved | set `AWS_BEARER_TOKEN_BEDROCK` (or `BEDROCK_API_KEY`) or configure AWS credentials |
//! | `AccessDeniedException` / 403 | IAM lacks `bedrock:InvokeModel*`, or model access is not granted in this Region |
//! | "Authentication failed: Please make sure your API Key is valid." | the runtime rejected the key; a mantle-scoped key needs `credentials = ["aws_sigv4"]` |
//! | "data retention mode 'default' is not available for this model" | opt into `provider_data_share` first |
//! | "The provided model identifier is invalid" | set an explicit `api_id` (from list-inference-profiles) |
//! | on-demand throughput not supported | use the `us.`/`global.`-prefixed inference-profile id |
//! | maximum tokens exceeded | lower the model's `max_output` to its documented limit |
//! | `ThrottlingException` | use cross-region inference profiles or request a quota increase |
//!
//! Retry classification follows the AWS SDKs' standard retry mode (`bedrock-wire.md` §3.1).

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;

use serde_json::Value;

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
const THROTTLING_CODES: &[&str] = &[
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
];

/// Error codes the standard retry mode treats as transient.
const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

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

/// A failure, with everything needed to act on it. See the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    // Boxed: results stay one pointer wide on the success path.
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    error_type: Option<String>,
    request_id: Option<String>,
    model_id: Option<String>,
    region: Option<String>,
    retry_after_ms: Option<u64>,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                error_type: None,
                request_id: None,
                model_id: None,
                region: None,
                retry_after_ms: None,
            }),
        }
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

    /// A one-line fix, when one is known.
    pub fn hint(&self) -> Option<&'static str> {
        let m = self.inner.message.as_str();
        if contains_ignore_case(m, "authentication failed") {
            return Some(
                "the runtime rejected the API key: check AWS_BEARER_TOKEN_BEDROCK / BEDROCK_API_KEY; a key scoped to \
                 bedrock-mantle cannot call Converse, so pin credentials = [\"aws_sigv4\"] for the bedrock provider",
            );
        }
        if contains_ignore_case(m, "data retention mode") {
            return Some(
                "this model requires the provider_data_share data-sharing opt-in: enable it for the model in the \
                 Bedrock console (model access) first",
            );
        }
        if contains_ignore_case(m, "model identifier is invalid") {
            return Some(
                "set an explicit api_id for this model in settings.toml ([llm.models.<id>] api_id = ...), taken from \
                 `aws bedrock list-inference-profiles` or `list-foundation-models` in this Region",
            );
        }
        if contains_ignore_case(m, "on-demand throughput") {
            return Some(
                "this model has no on-demand throughput under this id: use its us./global.-prefixed cross-region \
                 inference-profile id (or an inference-profile ARN) as api_id",
            );
        }
        if contains_ignore_case(m, "maximum tokens") || contains_ignore_case(m, "max_tokens") {
            return Some(
                "the requested output is above what the model allows: lower max_tokens, or the model's max_output in \
                 settings, to its documented limit",
            );
        }
        match self.inner.kind {
            ErrorKind::NoCredentials => Some(
                "set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY), store a key with `bedrock secret set`, or \
                 configure AWS credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE / SSO / instance role)",
            ),
            ErrorKind::AccessDenied => Some(
                "IAM lacks bedrock:InvokeModel / bedrock:InvokeModelWithResponseStream, or model access is not granted \
                 in this Region (Claude needs the per-Region use-case approval; third-party models need \
                 aws-marketplace:Subscribe)",
            ),
            ErrorKind::Authentication => Some(
                "the credentials were rejected: check the access key, secret and session token (or refresh them), and \
                 that the clock is correct",
            ),
            ErrorKind::Throttling => Some(
                "account quota reached: use a cross-region inference profile (us./global. id) or request a quota \
                 increase in Service Quotas",
            ),
            ErrorKind::ResourceNotFound => Some(
                "the model id is not available in this Region: check api_id and the region, or pick another model",
            ),
            ErrorKind::TruncatedStream => Some(
                "the connection ended mid-response; the partial output is not a complete answer — retry the call",
            ),
            _ => None,
        }
    }
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

impl core::error::Error for Error {}

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
        Self::new(ErrorKind::InvalidRequest, e.to_string())
    }
}

impl From<crate::sigv4::SigningError> for Error {
    fn from(e: crate::sigv4::SigningError) -> Self {
        Self::new(
            ErrorKind::Configuration,
            alloc::format!("cannot sign the request: {e}"),
        )
    }
}

impl From<crate::eventstream::DecodeError> for Error {
    fn from(e: crate::eventstream::DecodeError) -> Self {
        let kind = match e {
            crate::eventstream::DecodeError::Truncated { .. } => ErrorKind::TruncatedStream,
            _ => ErrorKind::Protocol,
        };
        Self::new(kind, alloc::format!("event stream: {e}"))
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
        let mut error = Self::new(kind, message).with_error_type(e.kind.error_type());
        error.inner.status = e.kind.http_status();
        error
    }
}

impl From<crate::converse::EventError> for Error {
    fn from(e: crate::converse::EventError) -> Self {
        match e {
            crate::converse::EventError::Exception(exception) => exception.into(),
            other => Self::new(ErrorKind::Protocol, other.to_string()),
        }
    }
}

impl From<crate::converse::AccumulateError> for Error {
    fn from(e: crate::converse::AccumulateError) -> Self {
        let kind = match &e {
            crate::converse::AccumulateError::TruncatedStream { .. } => ErrorKind::TruncatedStream,
            _ => ErrorKind::Protocol,
        };
        Self::new(kind, e.to_string())
    }
}

#[cfg(test)]
mod tests;
