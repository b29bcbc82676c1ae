//! The secret scan of the end-to-end suite: every client a scenario builds is wrapped so that
//! the `Debug` and `Display` of everything it returns — responses, each stream event, every
//! error with its hint — are searched for the secrets of its credential and the emulator's,
//! in plain and base64 ([`SecretScan`]). A leak fails the scenario.

use std::cell::RefCell;
use std::rc::Rc;

use bedrock_core::error::Error;
use bedrock_core::model::{Request, Response};

use super::{StreamEnd, StreamRun, TransportClient};
use crate::emulator::secrets::SecretScan;

/// Leaks found while a scenario ran, shared by its clients.
pub(super) type Leaks = Rc<RefCell<Vec<String>>>;

/// A client whose every output is scanned.
pub(super) struct Scanned {
    pub(super) inner: Box<dyn TransportClient>,
    pub(super) scan: SecretScan,
    pub(super) leaks: Leaks,
}

impl Scanned {
    fn look(&self, what: &str, text: &str) {
        if let Err(leak) = self.scan.check(what, text) {
            self.leaks.borrow_mut().push(leak);
        }
    }

    fn look_error(&self, error: &Error) {
        self.look("an error's Debug", &format!("{error:?}"));
        self.look("an error's Display", &error.to_string());
        if let Some(hint) = error.hint() {
            self.look("an error's hint", hint);
        }
    }

    fn look_result<T: std::fmt::Debug>(&self, what: &str, result: &Result<T, Error>) {
        match result {
            Ok(value) => self.look(what, &format!("{value:?}")),
            Err(error) => self.look_error(error),
        }
    }
}

impl TransportClient for Scanned {
    fn converse(&self, request: &Request) -> Result<Response, Error> {
        let result = self.inner.converse(request);
        self.look_result("a Converse response's Debug", &result);
        result
    }

    fn converse_stream(&self, request: &Request) -> StreamRun {
        let run = self.inner.converse_stream(request);
        for event in &run.events {
            self.look("a stream event's Debug", &format!("{:?}", event.event));
        }
        match &run.end {
            StreamEnd::Response(response) => {
                self.look("a stream's response Debug", &format!("{response:?}"));
            }
            StreamEnd::Error(error) => self.look_error(error),
            StreamEnd::Nothing => {}
        }
        run
    }

    fn count_tokens(&self, request: &Request) -> Result<u64, Error> {
        let result = self.inner.count_tokens(request);
        self.look_result("a CountTokens result", &result);
        result
    }
}
