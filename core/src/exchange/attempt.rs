//! One try at the call. Everything an attempt owns lives in one [`Attempt`] (what spans its
//! states) and in its `State` variant (what one state needs), so starting an
//! attempt replaces both whole and nothing of the previous attempt can leak into the next.

use super::skew::shift;
use super::{Clock, Exchange, State};
use crate::error::Error;
use crate::http1::{ResponseLimits, ResponseReader};
use crate::sigv4::Signer;
use crate::time::UnixTime;

/// The parts of an attempt that outlive its states: its number, its signing time, the parser of
/// the response on its connection, and whether that connection can carry the next request.
#[derive(Debug)]
pub(super) struct Attempt {
    /// 1-based.
    pub(super) number: u32,
    /// The wall time the request was signed at (the caller's clock moved by the learned skew).
    pub(super) signed_at: UnixTime,
    /// Reads the response head and de-frames its body.
    pub(super) reader: ResponseReader,
    /// Whether the connection can carry another request once this response is complete.
    pub(super) keep_alive: bool,
}

impl Attempt {
    pub(super) fn new(number: u32, signed_at: UnixTime, limits: ResponseLimits) -> Self {
        Self {
            number,
            signed_at,
            reader: ResponseReader::new(limits),
            keep_alive: false,
        }
    }

    /// Whether the next attempt may use this attempt's connection: its response was read to
    /// the end, and the server keeps the connection open.
    pub(super) fn can_reuse_connection(&self) -> bool {
        self.reader.is_done() && self.reader.keep_alive()
    }
}

impl Exchange {
    /// Starts attempt `number`: a fresh [`Attempt`], and its request signed at `clock.wall`
    /// (moved by the learned skew), waiting to be sent. The first-byte deadline runs from now.
    ///
    /// # Errors
    ///
    /// When the request cannot be signed or written; the state is then left as it was (a retry
    /// pending).
    pub(super) fn start_attempt(
        &mut self,
        number: u32,
        clock: Clock,
        signer: &mut Signer,
    ) -> Result<(), Error> {
        let deadline = clock.now.saturating_add(self.first_byte_timeout());
        self.attempt = Attempt::new(
            number,
            shift(clock.wall, self.skew_secs),
            self.config.http_limits,
        );
        let request =
            self.call
                .signed_request(number, self.attempt.signed_at, &self.config, signer)?;
        self.state = State::Sending { request, deadline };
        Ok(())
    }
}
