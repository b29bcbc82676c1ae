//! OpenAI error bodies and stream errors → typed [`Error`]s: [`ServiceError`] and its mapping to
//! an [`ErrorKind`] by HTTP status, then `code`.

use alloc::format;
use alloc::string::{String, ToString};

use core::fmt;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Origin};

/// A Responses error body or event that is not a Bedrock one: the source of the [`Error`]s this
/// module builds, with the OpenAI fields; [`Error::detail`] gives its [`kind`](Self::kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// The HTTP status (none for an error in a stream).
    pub status: Option<u16>,
    /// `error.code`, e.g. `invalid_api_key`, `rate_limit_exceeded`.
    pub code: Option<String>,
    /// `error.type`, e.g. `invalid_request_error`.
    pub error_type: Option<String>,
    /// `error.param`.
    pub param: Option<String>,
    /// `error.message`, or the raw body when it is not JSON.
    pub message: String,
}

impl ServiceError {
    /// A stable name for what the hint table keys on: `mantle_authentication`,
    /// `mantle_access_denied`, `mantle_quota`, `mantle_context_length`, or `mantle_other`.
    pub fn kind(&self) -> &'static str {
        match (self.status, self.code.as_deref()) {
            (_, Some("context_length_exceeded")) => "mantle_context_length",
            (_, Some("insufficient_quota" | "rate_limit_exceeded")) | (Some(429), _) => {
                "mantle_quota"
            }
            (_, Some("access_denied")) | (Some(403), _) => "mantle_access_denied",
            (_, Some("invalid_api_key")) | (Some(401), _) => "mantle_authentication",
            _ => "mantle_other",
        }
    }

    fn error_kind(&self) -> ErrorKind {
        let by_code = match self.code.as_deref() {
            Some("rate_limit_exceeded") => Some(ErrorKind::Throttling),
            Some("insufficient_quota") => Some(ErrorKind::ServiceQuotaExceeded),
            Some("access_denied") => Some(ErrorKind::AccessDenied),
            Some("invalid_api_key") => Some(ErrorKind::Authentication),
            Some("server_error") => Some(ErrorKind::InternalServer),
            Some("context_length_exceeded" | "invalid_value" | "validation_error") => {
                Some(ErrorKind::Validation)
            }
            _ => None,
        };
        // "Map by HTTP status, then code; never by type alone."
        match self.status {
            Some(429) => by_code
                .filter(|k| *k == ErrorKind::ServiceQuotaExceeded)
                .unwrap_or(ErrorKind::Throttling),
            Some(401) if by_code == Some(ErrorKind::AccessDenied) => ErrorKind::AccessDenied,
            Some(401) => ErrorKind::Authentication,
            Some(403) => ErrorKind::AccessDenied,
            Some(400 | 422) => ErrorKind::Validation,
            Some(404) => ErrorKind::ResourceNotFound,
            Some(408) => ErrorKind::ModelTimeout,
            Some(500) => ErrorKind::InternalServer,
            Some(502..=504) => ErrorKind::ServiceUnavailable,
            _ => by_code.unwrap_or(ErrorKind::Service),
        }
    }

    /// The typed error, with status, `code` as the error type and `request_id`.
    pub fn into_error(self, request_id: Option<&str>) -> Error {
        let kind = self.error_kind();
        let status = self.status;
        let error_type = self.code.clone().or_else(|| self.error_type.clone());
        let message = self.message.clone();
        let mut error =
            Error::with_source(kind, Origin::Service, message, self).with_request_id(request_id);
        if let Some(status) = status {
            error = error.with_status(status);
        }
        if let Some(t) = error_type {
            error = error.with_error_type(t);
        }
        error
    }

    /// Reads `{"error": {...}}`, a bare `{"code", "message", ...}` or a plain-text body.
    pub fn from_body(status: Option<u16>, body: &[u8]) -> Self {
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => Self::from_json(status, &json),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                let mut end = text.len().min(300);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                Self {
                    status,
                    code: None,
                    error_type: None,
                    param: None,
                    message: if text.is_empty() {
                        format!("HTTP {} with an empty body", status.unwrap_or(0))
                    } else {
                        text[..end].to_string()
                    },
                }
            }
        }
    }

    pub(super) fn from_json(status: Option<u16>, json: &Value) -> Self {
        let object = match json.get("error") {
            Some(inner @ Value::Object(_)) => inner,
            _ => json,
        };
        let field = |name: &str| object.get(name).and_then(Value::as_str).map(String::from);
        Self {
            status,
            code: field("code"),
            error_type: field("type").filter(|t| t != "error"),
            param: field("param"),
            message: field("message").unwrap_or_else(|| match status {
                Some(status) => format!("HTTP {status} without an error message"),
                None => "the stream reported an error without a message".into(),
            }),
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.trim_end_matches('.'))?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl core::error::Error for ServiceError {}

/// The typed error for a non-2xx Responses API answer (`{"error": {"message", "type", "code",
/// "param"}}`, or plain text from the AWS layer).
pub fn error_from_response(status: u16, request_id: Option<&str>, body: &[u8]) -> Error {
    ServiceError::from_body(Some(status), body).into_error(request_id)
}
