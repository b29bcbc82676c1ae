//! What every attempt sends. The body and the target path are encoded once per call
//! ([`Call::new`]: the Converse, CountTokens or Responses body); each attempt then gets its
//! headers, signed at the attempt's time, written as HTTP/1.1 bytes or handed out as
//! [`RequestParts`].

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::{ExchangeConfig, Operation};
use crate::auth::Auth;
use crate::catalog::{ModelInfo, Provider};
use crate::converse;
use crate::error::{Error, ErrorKind};
use crate::http1;
use crate::model::{Request, Response};
use crate::responses;
use crate::settings::Route;
use crate::sigv4::{SignableRequest, Signer, SigningParams};

/// A request as parts, for HTTP clients that write HTTP themselves.
#[derive(Clone)]
#[non_exhaustive]
pub struct RequestParts {
    /// `POST`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Every header, signing headers included. `Host` and `Content-Length` are listed too; a
    /// client that sets them itself must produce the same values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RequestParts {
    /// The headers an HTTP client library must add: all but `Host` and `Content-Length`,
    /// which it writes itself from the URL and the body ([`http1::is_written_by_client`]).
    pub fn client_headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.headers
            .iter()
            .filter(|(name, _)| !http1::is_written_by_client(name))
            .map(|(name, value)| (*name, value.as_str()))
    }
}

impl fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// One attempt's request, signed: the HTTP/1.1 bytes for [`poll_transmit`] and the headers for
/// [`request_parts`], whichever the driver takes.
///
/// [`poll_transmit`]: super::Exchange::poll_transmit
/// [`request_parts`]: super::Exchange::request_parts
pub(super) struct SignedRequest {
    pub(super) bytes: Vec<u8>,
    pub(super) headers: Vec<(&'static str, String)>,
}

/// What the call sends on every attempt, fixed when the exchange is made.
pub(super) struct Call {
    pub(super) operation: Operation,
    pub(super) model: ModelInfo,
    pub(super) region: String,
    /// The route speaks the OpenAI Responses API (bedrock-openai on bedrock-mantle).
    pub(super) responses_api: bool,
    /// The route's warnings, then the encoder's.
    pub(super) warnings: Vec<String>,
    /// `amz-sdk-invocation-id`, the same for every attempt.
    pub(super) invocation_id: String,
    pub(super) auth: Auth,
    /// The request target (path), percent-encoded.
    pub(super) target: String,
    scheme_host: String,
    host_header: String,
    signing_name: &'static str,
    body: Vec<u8>,
}

impl Call {
    /// Checks the route and credentials, and encodes the body and the target.
    ///
    /// # Errors
    ///
    /// As [`Exchange::new`](super::Exchange::new).
    pub(super) fn new(
        route: &Route,
        request: &Request,
        operation: Operation,
        auth: Auth,
        invocation_id: String,
    ) -> Result<Self, Error> {
        let context = |e: Error| e.with_context(Some(&route.model.id), Some(&route.region));
        let responses_api = route.provider == Provider::BedrockOpenai;
        if responses_api {
            if operation == Operation::CountTokens {
                return Err(context(Error::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "count-tokens is not supported by the {} provider: the Responses API on bedrock-mantle has no token-counting operation",
                        route.provider
                    ),
                )));
            }
            if matches!(auth, Auth::SigV4(_)) {
                return Err(context(Error::new(
                    ErrorKind::Configuration,
                    format!(
                        "{} is served by the {} provider, which takes a Bedrock API key, not AWS SigV4 credentials: set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY), or store the key in the vault (vault:BEDROCK_API_KEY)",
                        route.model.id, route.provider
                    ),
                )));
            }
        }
        let scheme = if route.insecure_loopback {
            "http"
        } else {
            "https"
        };
        if route.base_url.starts_with("http://") && !route.insecure_loopback {
            return Err(context(Error::new(
                ErrorKind::Configuration,
                "refusing to send credentials over plain http:// to a host that is not loopback; use https://",
            )));
        }
        let (body, encoder_warnings) = match operation {
            Operation::Converse | Operation::ConverseStream if responses_api => {
                let encoded = responses::encode_request(
                    request,
                    &route.model,
                    operation == Operation::ConverseStream,
                )
                .map_err(|e| context(e.into()))?;
                (encoded.to_bytes(), encoded.warnings)
            }
            Operation::CountTokens => {
                let body = converse::encode_count_tokens(request, &route.model)
                    .map_err(|e| context(e.into()))?;
                (serde_json::to_vec(&body).unwrap_or_default(), Vec::new())
            }
            Operation::Converse | Operation::ConverseStream => {
                let encoded = converse::encode_request(request, &route.model)
                    .map_err(|e| context(e.into()))?;
                (encoded.to_bytes(), encoded.warnings)
            }
        };
        // The route's warnings (a model id outside the catalog) come first.
        let mut warnings = route.warnings.clone();
        warnings.extend(encoder_warnings);
        let wire_id = match operation {
            Operation::CountTokens => converse::count_tokens_model_id(&route.model.api_id),
            _ => &route.model.api_id,
        };
        let mut target = String::with_capacity(route.path.len() + wire_id.len() * 3 + 32);
        target.push_str(&route.path);
        if responses_api {
            // `POST {base}/responses`: the model travels in the body.
            target.push_str("/responses");
        } else {
            target.push_str("/model/");
            crate::percent::encode(&mut target, wire_id);
            target.push('/');
            target.push_str(operation.path());
        }
        let host_header = route.host_header();
        Ok(Self {
            operation,
            model: route.model.clone(),
            region: route.region.clone(),
            responses_api,
            warnings,
            invocation_id,
            auth,
            target,
            scheme_host: format!("{scheme}://{host_header}"),
            host_header,
            signing_name: route.signing_name,
            body,
        })
    }

    /// The media type of a success: sent as `Accept`, and checked against the answer's
    /// `Content-Type`.
    pub(super) fn media_type(&self) -> &'static str {
        match self.operation {
            Operation::ConverseStream if self.responses_api => "text/event-stream",
            Operation::ConverseStream => "application/vnd.amazon.eventstream",
            Operation::Converse | Operation::CountTokens => "application/json",
        }
    }

    /// `error` naming this call's model and region.
    pub(super) fn with_context(&self, error: Error) -> Error {
        error.with_context(Some(&self.model.id), Some(&self.region))
    }

    /// A Converse response (accumulated or parsed) as the neutral response.
    pub(super) fn to_neutral(
        &self,
        response: converse::ConverseResponse,
        request_id: Option<String>,
    ) -> Response {
        converse::to_neutral(response, &self.model, request_id, self.warnings.clone())
    }

    /// Attempt `attempt`'s request, signed at `signed_at`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Configuration`] when the credentials cannot sign or the request cannot be
    /// written.
    pub(super) fn signed_request(
        &self,
        attempt: u32,
        signed_at: crate::time::UnixTime,
        config: &ExchangeConfig,
        signer: &mut Signer,
    ) -> Result<SignedRequest, Error> {
        let headers = self.headers(attempt, signed_at, config, signer)?;
        let borrowed: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let mut bytes = Vec::with_capacity(self.body.len() + 1024);
        http1::write_request(&mut bytes, "POST", &self.target, &borrowed, &self.body).map_err(
            |e| {
                self.with_context(Error::new(
                    ErrorKind::Configuration,
                    format!("cannot write the request: {e}"),
                ))
            },
        )?;
        Ok(SignedRequest { bytes, headers })
    }

    /// The request as parts, with an attempt's `headers`.
    pub(super) fn parts(&self, headers: Vec<(&'static str, String)>) -> RequestParts {
        RequestParts {
            method: "POST",
            url: format!("{}{}", self.scheme_host, self.target),
            headers,
            body: self.body.clone(),
        }
    }

    /// Builds the header list of attempt `attempt` and signs it at `signed_at` with `signer`.
    fn headers(
        &self,
        attempt: u32,
        signed_at: crate::time::UnixTime,
        config: &ExchangeConfig,
        signer: &mut Signer,
    ) -> Result<Vec<(&'static str, String)>, Error> {
        let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(12);
        headers.push(("Host", self.host_header.clone()));
        headers.push(("Content-Type", "application/json".into()));
        headers.push(("Content-Length", self.body.len().to_string()));
        headers.push(("Accept", self.media_type().into()));
        let mut agent = format!("bedrock-core/{}", env!("CARGO_PKG_VERSION"));
        if let Some(suffix) = &config.user_agent_suffix {
            agent.push(' ');
            agent.push_str(suffix);
        }
        headers.push(("User-Agent", agent));
        if self.responses_api {
            // Bearer only (checked in `new`): no AWS SDK headers, nothing to sign.
            if let Auth::Bearer(key) = &self.auth {
                headers.push(("Authorization", format!("Bearer {}", key.expose())));
            }
            return Ok(headers);
        }
        headers.push(("amz-sdk-invocation-id", self.invocation_id.clone()));
        headers.push((
            "amz-sdk-request",
            format!("attempt={attempt}; max={}", config.retry.max_attempts),
        ));
        match &self.auth {
            Auth::Bearer(key) => {
                headers.push(("Authorization", format!("Bearer {}", key.expose())))
            }
            Auth::SigV4(credentials) => {
                // Like botocore: sign Content-Type and Host (and the date and token); the
                // amz-sdk-* and length headers travel unsigned.
                let request = SignableRequest::new("POST", &self.target)
                    .header("host", &self.host_header)
                    .header("content-type", "application/json")
                    .body(&self.body);
                let params =
                    SigningParams::new(credentials, &self.region, self.signing_name, signed_at);
                let signed = signer
                    .sign_headers(&request, &params)
                    .map_err(|e| self.with_context(Error::from(e)))?;
                for (name, value) in signed.headers() {
                    headers.push((name, value.to_string()));
                }
            }
        }
        Ok(headers)
    }
}

/// An RFC 4122 version-4 UUID from the first 16 bytes of `entropy`.
pub(super) fn uuid_v4(entropy: &[u8; 32]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&entropy[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut hex = [0u8; 32];
    crate::percent::hex_lower(&b, &mut hex);
    let mut out = String::with_capacity(36);
    for (i, &digit) in hex.iter().enumerate() {
        // 8-4-4-4-12 digits.
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(char::from(digit));
    }
    out
}
