//! A raw HTTP/1.1 client for talking to the emulator from tests and the vector suite: request
//! bytes written with the core's [`write_request`], responses read with the core's
//! [`ResponseReader`] over a plain [`TcpStream`]. No retries, no protocol knowledge: what the
//! emulator sends is what the caller sees, faults included.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use bedrock_core::http1::{HttpError, ResponseEvent, ResponseHead, ResponseReader, write_request};

/// A response as read off the wire.
#[derive(Clone, Debug)]
pub struct RawResponse {
    /// The head.
    pub head: ResponseHead,
    /// The de-framed body bytes received (all of them, or those before the failure).
    pub body: Vec<u8>,
    /// `Ok` when the body was complete; the reader's error when the connection closed early or
    /// the framing was broken.
    pub end: Result<(), HttpError>,
    /// Whether the server closed the connection after this response.
    pub closed: bool,
}

impl RawResponse {
    /// The `x-amzn-ErrorType` header.
    pub fn error_type(&self) -> Option<&str> {
        self.head.header("x-amzn-errortype")
    }

    /// The `message` member of a JSON body.
    pub fn message(&self) -> Option<String> {
        let json: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        json.get("message")?.as_str().map(str::to_string)
    }
}

/// Serializes a request with the core's writer.
///
/// # Panics
///
/// When a header or the request line cannot be written (a bug in the caller's test).
pub fn request_bytes(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    #[expect(clippy::expect_used, reason = "test helper; documented panic")]
    write_request(&mut out, method, target, headers, body).expect("a well-formed request");
    out
}

/// One client connection, kept alive across requests.
#[derive(Debug)]
pub struct RawConnection {
    stream: TcpStream,
    /// Bytes read past the end of the previous response.
    pending: Vec<u8>,
    closed: bool,
}

impl RawConnection {
    /// Connects, with a read timeout (`None` waits forever).
    ///
    /// # Errors
    ///
    /// The connect error.
    pub fn connect(addr: SocketAddr, read_timeout: Option<Duration>) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(read_timeout)?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            pending: Vec::new(),
            closed: false,
        })
    }

    /// Sends raw request bytes.
    ///
    /// # Errors
    ///
    /// The write error.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads one response. A connection closed mid-body is not an error here: it shows in
    /// [`RawResponse::end`].
    ///
    /// # Errors
    ///
    /// An I/O error (a read timeout included), or `InvalidData` when no head arrived or it was
    /// malformed.
    pub fn read_response(&mut self) -> io::Result<RawResponse> {
        let mut reader = ResponseReader::default();
        let mut head = None;
        let mut body = Vec::new();
        let mut buf = std::mem::take(&mut self.pending);
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let mut input = buf.as_slice();
            loop {
                match reader.read(&mut input) {
                    Ok(Some(ResponseEvent::Head(h))) => head = Some(h),
                    Ok(Some(ResponseEvent::Data(d))) => body.extend_from_slice(d),
                    Ok(Some(ResponseEvent::End)) => {
                        self.pending = input.to_vec();
                        let head = head.ok_or_else(|| invalid("no head"))?;
                        return Ok(RawResponse {
                            head,
                            body,
                            end: Ok(()),
                            closed: false,
                        });
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let head = head.ok_or_else(|| invalid(&e.to_string()))?;
                        return Ok(RawResponse {
                            head,
                            body,
                            end: Err(e),
                            closed: false,
                        });
                    }
                }
            }
            let consumed = buf.len() - input.len();
            buf.drain(..consumed);
            let n = if self.closed {
                0
            } else {
                self.stream.read(&mut chunk)?
            };
            if n == 0 {
                self.closed = true;
                let end = match reader.finish() {
                    Ok(_) => Ok(()),
                    Err(e) => Err(e),
                };
                let head = head.ok_or_else(|| invalid("connection closed before a head"))?;
                return Ok(RawResponse {
                    head,
                    body,
                    end,
                    closed: true,
                });
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Whether the server has closed the connection: looks for end of stream without waiting
    /// longer than `wait`.
    ///
    /// # Errors
    ///
    /// A read error other than a timeout.
    pub fn is_closed_by_peer(&mut self, wait: Duration) -> io::Result<bool> {
        if self.closed {
            return Ok(true);
        }
        let previous = self.stream.read_timeout()?;
        self.stream.set_read_timeout(Some(wait))?;
        let mut byte = [0u8; 1];
        let result = match self.stream.read(&mut byte) {
            Ok(0) => Ok(true),
            Ok(_) => {
                self.pending.push(byte[0]);
                Ok(false)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(false)
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(true),
            Err(e) => Err(e),
        };
        self.stream.set_read_timeout(previous)?;
        result
    }

    /// Closes the client side.
    pub fn close(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Connects, sends one request and reads its response (10 s read timeout).
///
/// # Errors
///
/// As [`RawConnection::connect`], [`RawConnection::send`] and [`RawConnection::read_response`].
pub fn roundtrip(addr: SocketAddr, request: &[u8]) -> io::Result<RawResponse> {
    let mut connection = RawConnection::connect(addr, Some(Duration::from_secs(10)))?;
    connection.send(request)?;
    connection.read_response()
}
