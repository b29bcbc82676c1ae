//! The `async` transport: `bedrock-async`'s [`Client`] (smol + futures-rustls), each call run
//! to completion with `smol::block_on`.

use std::time::Instant;

use bedrock_async::Client;
use bedrock_core::error::Error;
use bedrock_core::model::{Request, Response};

use super::{ClientSpec, StreamRun, Transport, TransportClient};

/// `bedrock_async::Client`, built with `Client::builder()` from the spec.
#[derive(Clone, Copy, Debug, Default)]
pub struct Async;

impl Transport for Async {
    fn name(&self) -> &'static str {
        "async"
    }

    fn supports_tls(&self) -> bool {
        true
    }

    fn client(&self, spec: &ClientSpec) -> Result<Box<dyn TransportClient>, String> {
        let client: Client = super::builder(spec)?.build().map_err(|e| e.to_string())?;
        Ok(Box::new(AsyncClient(client)))
    }
}

struct AsyncClient(Client);

impl TransportClient for AsyncClient {
    fn converse(&self, request: &Request) -> Result<Response, Error> {
        smol::block_on(self.0.converse(request))
    }

    fn converse_stream(&self, request: &Request) -> StreamRun {
        let started = Instant::now();
        // The async stream, polled to each item on this thread.
        super::consume_stream(
            started,
            smol::stream::block_on(self.0.converse_stream(request)),
        )
    }

    fn count_tokens(&self, request: &Request) -> Result<u64, Error> {
        smol::block_on(self.0.count_tokens(request))
    }
}
