//! Errors of the core's layers as [`Error`]s: each keeps its kind, origin and structured fields,
//! and stays reachable as the source.

use alloc::string::ToString;

use super::{Error, ErrorKind, Origin};

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
