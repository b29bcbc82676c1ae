//! The `blocking` transport: `bedrock-blocking`'s [`Client`] (ureq 3).

use std::sync::Arc;
use std::time::Instant;

use bedrock_blocking::{Client, StaticCredentials, StreamItem};
use bedrock_core::error::Error;
use bedrock_core::exchange::ExchangeConfig;
use bedrock_core::model::{Request, Response};

use super::{ClientSpec, StreamEnd, StreamRun, TimedEvent, Transport, TransportClient};

/// `bedrock_blocking::Client`, built with `Client::builder()` from the spec.
#[derive(Clone, Copy, Debug, Default)]
pub struct Blocking;

impl Transport for Blocking {
    fn name(&self) -> &'static str {
        "blocking"
    }

    fn client(&self, spec: &ClientSpec) -> Result<Box<dyn TransportClient>, String> {
        let config = ExchangeConfig {
            retry: spec.retry,
            ..ExchangeConfig::default()
        };
        let client = Client::builder()
            .settings(spec.settings()?)
            .region(Some(spec.region.clone()))
            .credentials(Arc::new(StaticCredentials(spec.auth.clone())))
            .timeouts(bedrock_blocking::Timeouts::new(
                spec.timeouts.connect,
                spec.timeouts.first_byte,
                spec.timeouts.idle,
            ))
            .exchange_config(config)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Box::new(BlockingClient(client)))
    }
}

struct BlockingClient(Client);

impl TransportClient for BlockingClient {
    fn converse(&self, request: &Request) -> Result<Response, Error> {
        self.0.converse(request)
    }

    fn converse_stream(&self, request: &Request) -> StreamRun {
        let started = Instant::now();
        let mut events = Vec::new();
        let mut stream = match self.0.converse_stream(request) {
            Ok(stream) => stream,
            Err(error) => {
                return StreamRun {
                    events,
                    end: StreamEnd::Error(error),
                    trailing_items: 0,
                    elapsed: started.elapsed(),
                };
            }
        };
        let mut end = StreamEnd::Nothing;
        for item in stream.by_ref() {
            match item {
                Ok(StreamItem::Event(event)) => events.push(TimedEvent {
                    at: started.elapsed(),
                    event,
                }),
                Ok(StreamItem::Response(response)) => {
                    end = StreamEnd::Response(Box::new(response));
                    break;
                }
                Err(error) => {
                    end = StreamEnd::Error(error);
                    break;
                }
            }
        }
        let elapsed = started.elapsed();
        // A finished stream yields nothing more.
        let trailing_items = stream.take(16).count();
        StreamRun {
            events,
            end,
            trailing_items,
            elapsed,
        }
    }

    fn count_tokens(&self, request: &Request) -> Result<u64, Error> {
        self.0.count_tokens(request)
    }
}
