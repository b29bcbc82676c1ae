//! The `blocking` transport: `bedrock-blocking`'s [`Client`] (ureq 3).

use std::time::Instant;

use bedrock_blocking::Client;
use bedrock_core::error::Error;
use bedrock_core::model::{Request, Response};

use super::{ClientSpec, StreamEnd, StreamRun, Transport, TransportClient};

/// `bedrock_blocking::Client`, built with `Client::builder()` from the spec.
#[derive(Clone, Copy, Debug, Default)]
pub struct Blocking;

impl Transport for Blocking {
    fn name(&self) -> &'static str {
        "blocking"
    }

    fn supports_tls(&self) -> bool {
        true
    }

    fn client(&self, spec: &ClientSpec) -> Result<Box<dyn TransportClient>, String> {
        let client: Client = super::builder(spec)?.build().map_err(|e| e.to_string())?;
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
        match self.0.converse_stream(request) {
            Ok(stream) => super::consume_stream(started, stream),
            Err(error) => StreamRun {
                events: Vec::new(),
                end: StreamEnd::Error(error),
                trailing_items: 0,
                elapsed: started.elapsed(),
            },
        }
    }

    fn count_tokens(&self, request: &Request) -> Result<u64, Error> {
        self.0.count_tokens(request)
    }
}
