//! What comes back: the response head ([`Head`], with the retry headers of both protocols),
//! and the body as its kind ([`Body`]): a JSON answer, an error body kept up to 64 KiB, or a
//! stream decoded event by event (event-stream frames, or server-sent events on
//! bedrock-openai); and what each becomes when it ends.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use super::request::Call;
use super::retry::Retry;
use super::{Event, Exchange, ExchangeConfig, Operation, State};
use crate::converse::{self, ConverseResponse, CountTokensResponse};
use crate::error::{Error, ErrorKind, Origin};
use crate::eventstream::Decoder;
use crate::http1::ResponseHead;
use crate::model::Response;
use crate::responses;
use crate::sse;
use crate::time::{Instant, UnixTime};

/// Error bodies are kept up to this size; the rest is read and dropped.
pub(super) const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the exchange keeps of a response head.
#[derive(Clone, Debug)]
pub(super) struct Head {
    pub(super) status: u16,
    /// `x-amzn-RequestId` (the Responses API: `x-request-id`, else `x-amzn-RequestId`).
    pub(super) request_id: Option<String>,
    error_type: Option<String>,
    pub(super) date: Option<UnixTime>,
    retry_after: Option<Duration>,
    /// `x-should-retry` (the Responses API): the server's own word on retrying.
    should_retry: Option<bool>,
}

impl Head {
    fn new(head: &ResponseHead, responses_api: bool) -> Self {
        let request_id = if responses_api {
            head.header("x-request-id")
                .or_else(|| head.header("x-amzn-RequestId"))
        } else {
            head.header("x-amzn-RequestId")
        }
        .map(ToString::to_string);
        let retry_after = head
            .header("x-amz-retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        let retry_after = if responses_api {
            retry_after.or_else(|| openai_retry_after(head))
        } else {
            retry_after
        };
        Self {
            status: head.status,
            request_id,
            error_type: head.header("x-amzn-ErrorType").map(ToString::to_string),
            date: head
                .header("date")
                .and_then(|d| UnixTime::parse_http_date(d).ok()),
            retry_after,
            should_retry: head.header("x-should-retry").and_then(|v| match v.trim() {
                v if v.eq_ignore_ascii_case("true") => Some(true),
                v if v.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            }),
        }
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error a non-2xx answer with `body` stands for.
    fn error(&self, responses_api: bool, body: &[u8]) -> Error {
        let error = if responses_api {
            responses::error_from_response(self.status, self.request_id.as_deref(), body)
        } else {
            Error::from_response(
                self.status,
                self.error_type.as_deref(),
                self.request_id.as_deref(),
                body,
            )
        };
        error.with_retry_after_ms(
            self.retry_after
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }
}

/// The Responses API's retry delay: `retry-after-ms` (milliseconds), else `retry-after` (seconds
/// or an HTTP date, measured from the response's `Date`), as the OpenAI SDK reads them. Delays
/// over 120 s are the SDK's "don't wait this long" and are ignored (the backoff caps the wait).
fn openai_retry_after(head: &ResponseHead) -> Option<Duration> {
    const MAX: Duration = Duration::from_secs(120);
    let delay = if let Some(ms) = head.header("retry-after-ms") {
        let ms = ms
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|ms| (0.0..=120_000.0).contains(ms))?;
        Duration::from_secs_f64(ms / 1000.0)
    } else {
        let value = head.header("retry-after")?.trim();
        match value.parse::<u64>() {
            Ok(secs) => Duration::from_secs(secs),
            Err(_) => {
                let at = UnixTime::parse_http_date(value).ok()?;
                let date = UnixTime::parse_http_date(head.header("date")?).ok()?;
                Duration::from_secs(at.secs().saturating_sub(date.secs()))
            }
        }
    };
    (delay <= MAX).then_some(delay)
}

/// The body of the attempt's response, by what it is.
#[expect(
    clippy::large_enum_variant,
    reason = "one per exchange, inline in it: boxing the stream decoders would add an allocation per stream to save nothing"
)]
pub(super) enum Body {
    /// A 2xx JSON answer (Converse, CountTokens), up to
    /// [`max_body_len`](ExchangeConfig::max_body_len).
    Json(Vec<u8>),
    /// A non-2xx answer's body, kept up to [`MAX_ERROR_BODY`]; the rest is read and dropped.
    Error(Vec<u8>),
    /// A ConverseStream's event-stream frames, each event out as its frame completes.
    Frames {
        decoder: Decoder,
        accumulator: converse::StreamAccumulator,
    },
    /// A Responses stream's server-sent events, each event's neutral events out as it
    /// completes. The accumulator is taken when the body ends ([`responses::StreamAccumulator::finish`]
    /// consumes it; its errors carry their own partial response).
    Events {
        decoder: sse::Decoder,
        accumulator: Option<responses::StreamAccumulator>,
    },
}

impl Body {
    /// The body `head` announces for the call.
    fn new(call: &Call, config: &ExchangeConfig, head: &Head) -> Self {
        if !head.is_success() {
            return Self::Error(Vec::new());
        }
        match call.operation {
            Operation::ConverseStream if call.responses_api => Self::Events {
                decoder: sse::Decoder::new(),
                accumulator: Some(
                    responses::StreamAccumulator::new(
                        &call.model,
                        head.request_id.clone(),
                        call.warnings.clone(),
                    )
                    .keep_text(config.keep_streamed_text),
                ),
            },
            Operation::ConverseStream => Self::Frames {
                decoder: Decoder::with_limits(config.frame_limits),
                accumulator: converse::StreamAccumulator::new()
                    .keep_text(config.keep_streamed_text),
            },
            Operation::Converse | Operation::CountTokens => Self::Json(Vec::new()),
        }
    }

    /// Whether the body is a stream (a cut one is a truncated stream, not an I/O failure).
    pub(super) fn is_stream(&self) -> bool {
        matches!(self, Self::Frames { .. } | Self::Events { .. })
    }

    /// Takes de-framed body bytes: buffers a JSON or error body, decodes a stream into
    /// `events`. `delivered` becomes true once any of the model's output is out.
    ///
    /// # Errors
    ///
    /// A body over its limit, or a stream that does not decode; the events decoded before
    /// the error are in `events`.
    fn handle_data(
        &mut self,
        mut data: &[u8],
        max_body_len: usize,
        events: &mut VecDeque<Event>,
        delivered: &mut bool,
    ) -> Result<(), Error> {
        match self {
            Self::Json(bytes) => {
                if bytes.len() + data.len() > max_body_len {
                    return Err(Error::new(
                        ErrorKind::Protocol,
                        format!("response body exceeds {max_body_len} bytes"),
                    ));
                }
                bytes.extend_from_slice(data);
            }
            Self::Error(bytes) => {
                let room = MAX_ERROR_BODY.saturating_sub(bytes.len());
                bytes.extend_from_slice(&data[..data.len().min(room)]);
            }
            Self::Frames {
                decoder,
                accumulator,
            } => {
                while let Some(message) = decoder.decode(&mut data)? {
                    // Nearly every event is a text delta in Bedrock's layout: read, added and
                    // delivered as below, from its parts (no 184-byte event built and moved).
                    if let Some((index, text)) = converse::text_delta_message(&message) {
                        accumulator.handle_text_delta(index, &text)?;
                        *delivered = true;
                        let neutral = converse::text_delta_event(index, text);
                        events.push_back(Event::Stream(neutral));
                        continue;
                    }
                    let Some(event) = converse::parse_event(&message)? else {
                        continue;
                    };
                    accumulator.handle_event(&event)?;
                    // Anything past `messageStart` is the model's output, delivered: a
                    // server-side tool's start and result blocks too (they have no neutral
                    // event, but the tool ran and may have billed), so a cut after them is
                    // never retried.
                    if !matches!(event, converse::StreamEvent::MessageStart { .. }) {
                        *delivered = true;
                    }
                    if let Some(neutral) = converse::into_neutral_event(event) {
                        events.push_back(Event::Stream(neutral));
                    }
                }
            }
            Self::Events {
                decoder,
                accumulator,
            } => {
                while let Some(event) = decoder.decode(&mut data).map_err(sse_error)? {
                    let Some(accumulator) = accumulator.as_mut() else {
                        break;
                    };
                    let neutral = accumulator.handle_event(&event.event, event.data.as_bytes())?;
                    // Any neutral event is the model's output, delivered: a cut after it is
                    // never retried (`response.created` / `.in_progress` produce none).
                    if !neutral.is_empty() {
                        *delivered = true;
                    }
                    events.extend(neutral.into_iter().map(Event::Stream));
                }
            }
        }
        Ok(())
    }

    /// The body is complete: the call's result, or the error it stands for.
    fn finish(&mut self, call: &Call, head: &Head) -> Result<Event, Error> {
        match self {
            Self::Error(bytes) => Err(head.error(call.responses_api, bytes)),
            Self::Json(bytes) if call.operation == Operation::CountTokens => {
                match CountTokensResponse::from_json(bytes) {
                    Ok(count) => Ok(Event::TokenCount {
                        input_tokens: count.input_tokens,
                    }),
                    Err(_) => Err(Error::new(
                        ErrorKind::Protocol,
                        "CountTokens response has no inputTokens number",
                    )),
                }
            }
            Self::Json(bytes) if call.responses_api => responses::to_neutral(
                bytes,
                &call.model,
                head.request_id.clone(),
                call.warnings.clone(),
            )
            .map(|r| Event::Response(Box::new(r))),
            Self::Json(bytes) => ConverseResponse::from_json(bytes)
                .map_err(|e| Error::new(ErrorKind::Protocol, format!("Converse response: {e}")))
                .map(|r| Event::Response(Box::new(call.to_neutral(r, head.request_id.clone())))),
            Self::Frames {
                decoder,
                accumulator,
            } => {
                decoder.finish()?;
                let response = accumulator.take_response()?;
                Ok(Event::Response(Box::new(
                    call.to_neutral(response, head.request_id.clone()),
                )))
            }
            Self::Events {
                decoder,
                accumulator,
            } => {
                // An event cut off at the end is discarded ("any pending data must be
                // discarded"); the accumulator then sees no terminal event and says the stream
                // was truncated.
                decoder.finish().map_err(sse_error)?;
                match accumulator.take() {
                    Some(accumulator) => accumulator.finish().map(|r| Event::Response(Box::new(r))),
                    None => Err(Error::new(
                        ErrorKind::TruncatedStream,
                        "the stream closed before response.completed",
                    )),
                }
            }
        }
    }

    /// What a stream delivered so far, as a response (for the error that ends it).
    pub(super) fn partial(&self, call: &Call, head: &Head) -> Option<Response> {
        match self {
            Self::Frames { accumulator, .. } => {
                Some(call.to_neutral(accumulator.partial(), head.request_id.clone()))
            }
            Self::Events {
                accumulator: Some(accumulator),
                ..
            } => Some(accumulator.partial()),
            _ => None,
        }
    }
}

fn sse_error(e: sse::DecodeError) -> Error {
    Error::with_source(
        ErrorKind::Protocol,
        Origin::Protocol,
        format!("server-sent events: {e}"),
        e,
    )
}

impl Exchange {
    /// The response head: the body starts, and with it the idle deadline.
    pub(super) fn on_head(&mut self, head: &ResponseHead, now: Instant) {
        let info = Head::new(head, self.call.responses_api);
        let success = info.is_success();
        let body = Body::new(&self.call, &self.config, &info);
        self.events.push_back(Event::Head {
            status: info.status,
            request_id: info.request_id.clone(),
        });
        self.state = State::ReadingBody {
            head: info,
            body,
            deadline: now.saturating_add(self.config.idle_timeout),
        };
        if success
            && let Some(error) =
                check_content_type(self.call.media_type(), head.header("content-type"))
        {
            self.attempt.keep_alive = false;
            self.fail(error);
        }
    }

    /// De-framed body bytes.
    pub(super) fn on_data(&mut self, data: &[u8]) {
        let State::ReadingBody { body, .. } = &mut self.state else {
            return;
        };
        let result = body.handle_data(
            data,
            self.config.max_body_len,
            &mut self.events,
            &mut self.stream_started,
        );
        if let Err(error) = result {
            self.fail(error);
        }
    }

    /// The body is complete: the call succeeds, or the attempt fails with what the body says.
    pub(super) fn on_end(&mut self) {
        let State::ReadingBody { head, body, .. } = &mut self.state else {
            return;
        };
        let head = head.clone();
        match body.finish(&self.call, &head) {
            Ok(event) => self.succeed(event),
            Err(error) if head.is_success() => self.fail(error),
            Err(error) => {
                // Bearer requests are not signed: no clock to correct.
                if !self.call.responses_api && self.try_correct_skew(&error, &head) {
                    return;
                }
                // "x-should-retry: false": the server says a retry cannot help.
                let retry = if head.should_retry == Some(false) {
                    Retry::Forbidden
                } else {
                    Retry::Allowed
                };
                self.fail_with(error, retry);
            }
        }
    }
}

/// A success whose `Content-Type` is not the operation's (a proxy's or captive portal's HTML
/// page answering 200) is refused by its type, before its bytes reach a decoder that would only
/// say "prelude CRC mismatch". A missing header is let through: the body's own checks still
/// apply.
fn check_content_type(expected: &str, content_type: Option<&str>) -> Option<Error> {
    let media_type = content_type?.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case(expected) {
        return None;
    }
    Some(Error::new(
        ErrorKind::Protocol,
        format!(
            "the 200 response is {media_type:?}, not {expected}: something other than Bedrock answered (a proxy, a captive portal or a wrong base_url?)"
        ),
    ))
}
