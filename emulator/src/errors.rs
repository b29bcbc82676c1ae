//! Service errors: the table of every error type the emulator can answer with (status and
//! default message, `bedrock-wire.md` §3), and the restJson1 error response they become.

use serde_json::{Map, Value};

/// One error type Bedrock Runtime (or its front door) answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ErrorSpec {
    /// The `x-amzn-ErrorType` value, e.g. `ThrottlingException`.
    pub(crate) name: &'static str,
    /// The HTTP status.
    pub(crate) status: u16,
    /// The message used when a marker does not give one.
    pub(crate) message: &'static str,
}

const fn spec(name: &'static str, status: u16, message: &'static str) -> ErrorSpec {
    ErrorSpec {
        name,
        status,
        message,
    }
}

/// Every error type, with the status Bedrock's model gives it.
pub(crate) const ERRORS: &[ErrorSpec] = &[
    // The operation errors of Converse / ConverseStream / CountTokens (and InvokeModel's extra).
    spec(
        "AccessDeniedException",
        403,
        "You don't have access to the model with the specified model ID.",
    ),
    spec(
        "ValidationException",
        400,
        "Malformed input request, please reformat your input and try again.",
    ),
    spec(
        "ThrottlingException",
        429,
        "Too many requests, please wait before trying again.",
    ),
    spec(
        "ModelNotReadyException",
        429,
        "Model is not ready for inference. Wait and try your request again.",
    ),
    spec(
        "ModelTimeoutException",
        408,
        "Model has timed out in processing the request. Try your request again.",
    ),
    spec(
        "ServiceUnavailableException",
        503,
        "Bedrock is unable to process your request.",
    ),
    spec(
        "InternalServerException",
        500,
        "The system encountered an unexpected error during processing. Try your request again.",
    ),
    spec(
        "ResourceNotFoundException",
        404,
        "The requested resource could not be found.",
    ),
    spec(
        "ModelErrorException",
        424,
        "The model returned an error while processing the request.",
    ),
    spec(
        "ServiceQuotaExceededException",
        400,
        "Your request exceeds the service quota for your account.",
    ),
    spec(
        "ModelStreamErrorException",
        424,
        "The model encountered an error while streaming its response.",
    ),
    // The front door's authentication errors (not in the service model; SDKs see them as
    // generic client errors with this code).
    spec(
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    ),
    spec(
        "InvalidSignatureException",
        403,
        "The request signature we calculated does not match the signature you provided.",
    ),
    spec(
        "IncompleteSignatureException",
        403,
        "Authorization header requires 'Credential' parameter.",
    ),
    spec(
        "MissingAuthenticationTokenException",
        403,
        "Missing Authentication Token",
    ),
    spec(
        "ExpiredTokenException",
        403,
        "The security token included in the request is expired",
    ),
];

/// Looks an error type up by name: exact, case-insensitive, without the `Exception` suffix, or
/// snake_case (`ThrottlingException`, `throttling`, `model_not_ready`).
pub(crate) fn find(name: &str) -> Option<&'static ErrorSpec> {
    let wanted = normalize(name);
    ERRORS.iter().find(|spec| {
        let full = normalize(spec.name);
        full == wanted || full.strip_suffix("exception") == Some(wanted.as_str())
    })
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The spec of a name that is in the table.
pub(crate) fn known(name: &'static str) -> &'static ErrorSpec {
    // Every caller names a row of `ERRORS`; fall back to the first row rather than panic.
    ERRORS
        .iter()
        .find(|spec| spec.name == name)
        .unwrap_or(&ERRORS[0])
}

/// An error answer: `x-amzn-ErrorType: <error_type>` and a JSON body `{"message": ...}` plus any
/// extra members (`originalStatusCode`, `resourceName`, ...).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServiceError {
    pub(crate) error_type: String,
    pub(crate) status: u16,
    pub(crate) message: String,
    pub(crate) extra: Map<String, Value>,
}

impl ServiceError {
    /// An error of a known type with its default message.
    pub(crate) fn of(spec: &ErrorSpec) -> Self {
        Self::with_message(spec, spec.message)
    }

    /// An error of a known type with this message.
    pub(crate) fn with_message(spec: &ErrorSpec, message: impl Into<String>) -> Self {
        Self {
            error_type: spec.name.into(),
            status: spec.status,
            message: message.into(),
            extra: Map::new(),
        }
    }

    /// A `ValidationException` (400) with this message.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::with_message(known("ValidationException"), message)
    }

    /// Adds a member to the JSON body.
    #[must_use]
    pub(crate) fn with_member(mut self, name: &str, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Vec<u8> {
        let mut body = Map::new();
        body.insert("message".into(), Value::String(self.message.clone()));
        for (name, value) in &self.extra {
            body.insert(name.clone(), value.clone());
        }
        serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_errors_by_any_reasonable_spelling() {
        for name in [
            "ThrottlingException",
            "throttlingexception",
            "throttling",
            "Throttling",
        ] {
            assert_eq!(find(name).unwrap().name, "ThrottlingException", "{name}");
        }
        assert_eq!(
            find("model_not_ready").unwrap().name,
            "ModelNotReadyException"
        );
        assert_eq!(find("ModelTimeout").unwrap().status, 408);
        assert_eq!(find("ServiceQuotaExceeded").unwrap().status, 400);
        assert!(find("NoSuchThing").is_none());
    }

    #[test]
    fn body_carries_message_and_members() {
        let error = ServiceError::of(known("ModelErrorException"))
            .with_member("originalStatusCode", Value::from(500));
        let body: Value = serde_json::from_slice(&error.body()).unwrap();
        assert_eq!(body["originalStatusCode"], 500);
        assert_eq!(error.status, 424);
    }
}
