//! HTTP `CONNECT` tunnels through a forward proxy (RFC 9110 §9.3.6): the request that opens
//! one, and the reader of the proxy's answer.
//!
//! "A server MUST NOT send any Transfer-Encoding or Content-Length header fields in a 2xx
//! (Successful) response to CONNECT": after a 2xx head the connection is the tunnel, so the
//! reader stops at the head and hands back any bytes that followed it.
//!
//! ```
//! use bedrock_core::http1::connect::{ConnectReader, write_connect};
//!
//! let mut out = Vec::new();
//! write_connect(&mut out, "bedrock-runtime.us-east-1.amazonaws.com:443", None)?;
//! assert!(out.starts_with(b"CONNECT bedrock-runtime.us-east-1.amazonaws.com:443 HTTP/1.1\r\n"));
//!
//! let mut reader = ConnectReader::new();
//! assert_eq!(reader.handle_input(b"HTTP/1.1 200 Connection")?, None);   // incomplete: wait
//! assert_eq!(reader.handle_input(b" established\r\n\r\n")?, Some(0));  // open; 0 bytes over
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::{HttpError, RequestError, ResponseEvent, ResponseLimits, ResponseReader};

/// Appends the `CONNECT authority HTTP/1.1` request for a tunnel to `authority`
/// (`host:port`, IPv6 hosts in brackets), with `Proxy-Authorization` when the proxy needs it.
///
/// # Errors
///
/// A [`RequestError`] for an authority or credential that a request line or header cannot
/// hold; `out` is left unchanged.
pub fn write_connect(
    out: &mut Vec<u8>,
    authority: &str,
    proxy_authorization: Option<&str>,
) -> Result<(), RequestError> {
    let mut headers = Vec::with_capacity(2);
    headers.push(("Host", authority));
    if let Some(value) = proxy_authorization {
        headers.push(("Proxy-Authorization", value));
    }
    super::write_request(out, "CONNECT", authority, &headers, &[])
}

/// Why a tunnel could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectError {
    /// The proxy answered, but not with 2xx (`407`: it wants credentials).
    Refused {
        /// The status.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The answer is not HTTP, or too large.
    Http(HttpError),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused { status, reason } => {
                write!(f, "the proxy refused the tunnel: {status} {reason}")?;
                if *status == 407 {
                    f.write_str(" (it needs credentials: user:password@ in the proxy URL)")?;
                }
                Ok(())
            }
            Self::Http(e) => write!(f, "the proxy's answer to CONNECT: {e}"),
        }
    }
}

impl core::error::Error for ConnectError {}

/// Reads the proxy's answer to a `CONNECT` request.
#[derive(Debug, Default)]
pub struct ConnectReader {
    reader: ResponseReader,
}

impl ConnectReader {
    /// A reader with the default head limits.
    pub fn new() -> Self {
        Self {
            reader: ResponseReader::new(ResponseLimits::default()),
        }
    }

    /// Bytes from the proxy. `Ok(None)`: more needed. `Ok(Some(n))`: the tunnel is open, and
    /// the last `n` bytes of `input` already belong to it.
    ///
    /// # Errors
    ///
    /// A [`ConnectError`]; the tunnel is not usable.
    pub fn handle_input(&mut self, mut input: &[u8]) -> Result<Option<usize>, ConnectError> {
        loop {
            match self.reader.read(&mut input).map_err(ConnectError::Http)? {
                Some(ResponseEvent::Head(head)) if (200..300).contains(&head.status) => {
                    return Ok(Some(input.len()));
                }
                Some(ResponseEvent::Head(head)) => {
                    return Err(ConnectError::Refused {
                        status: head.status,
                        reason: head.reason,
                    });
                }
                Some(_) => {}
                None => return Ok(None),
            }
        }
    }

    /// The proxy closed the connection before answering.
    ///
    /// # Errors
    ///
    /// Always: a closed connection is no tunnel.
    pub fn handle_eof(&mut self) -> Result<(), ConnectError> {
        match self.reader.finish() {
            Err(e) => Err(ConnectError::Http(e)),
            Ok(_) => Err(ConnectError::Http(HttpError::UnexpectedEof(
                super::EofPosition::Head,
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn connect_request_bytes() {
        let mut out = Vec::new();
        write_connect(&mut out, "[::1]:8443", Some("Basic dTpw")).unwrap();
        assert_eq!(
            out,
            b"CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic dTpw\r\n\r\n"
        );
        let mut out = Vec::new();
        assert!(write_connect(&mut out, "a b:443", None).is_err());
        assert!(write_connect(&mut out, "h:443", Some("x\r\ny")).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn answers_at_every_split_point() {
        let answer = b"HTTP/1.1 200 Connection established\r\nVia: proxy\r\n\r\n\x16\x03";
        for split in 0..=answer.len() {
            let mut reader = ConnectReader::new();
            let first = reader.handle_input(&answer[..split]).unwrap();
            let over = match first {
                Some(n) => n + answer.len() - split,
                None => reader.handle_input(&answer[split..]).unwrap().unwrap(),
            };
            assert_eq!(over, 2, "split at {split}");
        }
    }

    #[test]
    fn refusals_and_garbage_are_errors() {
        let mut reader = ConnectReader::new();
        let e = reader
            .handle_input(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
            )
            .unwrap_err();
        assert_eq!(
            e,
            ConnectError::Refused {
                status: 407,
                reason: "Proxy Authentication Required".into()
            }
        );
        assert!(e.to_string().contains("needs credentials"));
        let mut reader = ConnectReader::new();
        assert!(matches!(
            reader.handle_input(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(ConnectError::Http(_))
        ));
        let mut reader = ConnectReader::new();
        assert_eq!(reader.handle_input(b"HTTP/1.1 2").unwrap(), None);
        assert!(reader.handle_eof().is_err());
    }
}
