//! Errors that say how to fix them.
//!
//! Every failure becomes an [`Error`]: a typed [`ErrorKind`], the [`Origin`] (which layer
//! failed), the underlying error through [`core::error::Error::source`], the HTTP status and AWS
//! error type when the service answered, the message, the request id, the model id and the
//! region — never a secret — and exactly one fix-it [`Error::hint`], chosen from one table
//! (`HINTS` in `error/hints.rs`, first matching row wins) by kind, origin, the underlying problem's stable name
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
//!
//! | file | holds |
//! |---|---|
//! | `error.rs` | [`Error`]: its fields, constructors, getters, `Display` |
//! | `error/kind.rs` | [`ErrorKind`], [`Origin`], [`TransportFailure`], [`RetryClass`] and the retry codes |
//! | `error/hints.rs` | the hint table (`HINTS`) and its lookup |
//! | `error/convert.rs` | `From` conversions from the layers' own errors |

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;

use serde_json::Value;

use crate::model::Response;
use crate::shared::Shared;

mod convert;
mod hints;
mod kind;

pub use kind::{ErrorKind, Origin, RetryClass, TransportFailure};
pub(crate) use kind::{THROTTLING_CODES, TRANSIENT_CODES};

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
        hints::hint_for(
            self.inner.kind,
            self.inner.origin,
            self.detail(),
            &self.inner.message,
        )
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

/// Whether `needle` occurs in `haystack`, ASCII case-insensitively.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests;
