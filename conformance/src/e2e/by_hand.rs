//! The `by-hand` transport: the drive loop of `core/examples/by_hand.rs` — the example's own
//! [`call`](example::call), compiled in here from its file, not a copy — over a plain
//! `std::net::TcpStream`, with no adapter crate between the core and the socket.
//!
//! The example speaks plain HTTP only (TLS is the adapters' job), so this column has no TLS
//! scenarios.

use std::time::{Duration, Instant};

use bedrock_core::auth::Auth;
use bedrock_core::error::{Error, ErrorKind};
use bedrock_core::exchange::{Event, ExchangeConfig, Operation};
use bedrock_core::model::{Request, Response};
use bedrock_core::settings::{RouteInputs, Settings};

use super::{ClientSpec, StreamEnd, StreamRun, TimedEvent, Transport, TransportClient};

#[allow(
    dead_code,
    unreachable_pub,
    reason = "the example's `main` and its public helpers are not used here, only its loop"
)]
#[path = "../../../core/examples/by_hand.rs"]
mod example;

/// The by-hand loop of `core/examples/by_hand.rs`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ByHand;

impl Transport for ByHand {
    fn name(&self) -> &'static str {
        "by-hand"
    }

    fn client(&self, spec: &ClientSpec) -> Result<Box<dyn TransportClient>, String> {
        // One config per client: its clones share the retry-token bucket, as an adapter's
        // calls do.
        let mut config = ExchangeConfig::default();
        config.first_byte_timeout = spec.timeouts.first_byte;
        config.idle_timeout = spec.timeouts.idle;
        config.retry = spec.retry;
        config.keep_streamed_text = spec.keep_streamed_text;
        Ok(Box::new(ByHandClient {
            settings: spec.settings()?,
            auth: spec.auth.clone(),
            connect_timeout: spec.timeouts.connect,
            config,
        }))
    }
}

struct ByHandClient {
    /// The spec's settings: the emulator as `base_url`, with its signing `region`.
    settings: Settings,
    auth: Auth,
    connect_timeout: Duration,
    config: ExchangeConfig,
}

impl ByHandClient {
    /// Routes the request's model, then runs the example's loop.
    fn call(
        &self,
        request: &Request,
        operation: Operation,
        on_event: &mut dyn FnMut(bedrock_core::model::StreamEvent),
    ) -> Result<Event, Error> {
        let route = self
            .settings
            .route(&request.model, &RouteInputs::default())
            .map_err(|e| Error::new(ErrorKind::Configuration, e.to_string()))?;
        example::call(
            &route,
            request,
            operation,
            self.auth.clone(),
            &self.config,
            self.connect_timeout,
            on_event,
            &mut || {},
        )
    }
}

fn unexpected(event: &Event) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("the by-hand loop ended with an unexpected event: {event:?}"),
    )
}

impl TransportClient for ByHandClient {
    fn converse(&self, request: &Request) -> Result<Response, Error> {
        match self.call(request, Operation::Converse, &mut |_| {})? {
            Event::Response(response) => Ok(*response),
            other => Err(unexpected(&other)),
        }
    }

    fn converse_stream(&self, request: &Request) -> StreamRun {
        let started = Instant::now();
        let mut events = Vec::new();
        let result = self.call(request, Operation::ConverseStream, &mut |event| {
            events.push(TimedEvent {
                at: started.elapsed(),
                event,
            });
        });
        let end = match result {
            Ok(Event::Response(response)) => StreamEnd::Response(response),
            Ok(other) => StreamEnd::Error(unexpected(&other)),
            Err(error) => StreamEnd::Error(error),
        };
        StreamRun {
            events,
            end,
            // The loop returns once, with the end: nothing can follow it.
            trailing_items: 0,
            elapsed: started.elapsed(),
        }
    }

    fn count_tokens(&self, request: &Request) -> Result<u64, Error> {
        match self.call(request, Operation::CountTokens, &mut |_| {})? {
            Event::TokenCount { input_tokens } => Ok(input_tokens),
            other => Err(unexpected(&other)),
        }
    }
}
