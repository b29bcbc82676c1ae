//! A raw HTTP/1.1 client for talking to the emulator from tests and the vector suite: request
//! bytes written with the core's [`write_request`], responses read with the core's
//! [`ResponseReader`] over a plain [`TcpStream`], or over TLS to the emulator's HTTPS listener
//! ([`RawConnection::connect_tls`]). No retries, no protocol knowledge: what the emulator sends
//! is what the caller sees, faults included.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use bedrock_core::http1::{HttpError, ResponseEvent, ResponseHead, ResponseReader, write_request};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use crate::maybe_tls::MaybeTls;

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

/// A TLS client configuration (rustls with ring) trusting exactly the certificates of
/// `ca_pem` (for the emulator: [`EmulatorHandle::ca_pem`](super::EmulatorHandle::ca_pem)).
///
/// # Errors
///
/// `InvalidData` when the PEM holds no certificate or one rustls refuses.
pub fn tls_client_config(ca_pem: &str) -> io::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let certificate = certificate.map_err(|e| invalid(&format!("CA PEM: {e}")))?;
        roots
            .add(certificate)
            .map_err(|e| invalid(&format!("CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(invalid("the CA PEM holds no certificate"));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&format!("TLS versions: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The socket: plain, or TLS over it.
type Stream = MaybeTls<ClientConnection>;

/// One client connection, kept alive across requests.
#[derive(Debug)]
pub struct RawConnection {
    stream: Stream,
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
            stream: Stream::Plain(stream),
            pending: Vec::new(),
            closed: false,
        })
    }

    /// Connects over TLS to `addr`, verifying the server's certificate for its IP address
    /// against `config` (see [`tls_client_config`]). The handshake runs with the first
    /// [`send`](Self::send), whose error says why a handshake failed.
    ///
    /// # Errors
    ///
    /// The connect error.
    pub fn connect_tls(
        addr: SocketAddr,
        config: Arc<ClientConfig>,
        read_timeout: Option<Duration>,
    ) -> io::Result<Self> {
        let tcp = TcpStream::connect(addr)?;
        tcp.set_read_timeout(read_timeout)?;
        tcp.set_nodelay(true)?;
        let name = ServerName::IpAddress(addr.ip().into());
        let conn = ClientConnection::new(config, name).map_err(|e| invalid(&e.to_string()))?;
        Ok(Self {
            stream: Stream::tls(conn, tcp),
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
                match self.stream.read(&mut chunk) {
                    // TLS: the server closed without `close_notify` (a truncation fault).
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
                    other => other?,
                }
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
        let previous = self.stream.tcp().read_timeout()?;
        self.stream.tcp().set_read_timeout(Some(wait))?;
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
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof
                ) =>
            {
                Ok(true)
            }
            Err(e) => Err(e),
        };
        self.stream.tcp().set_read_timeout(previous)?;
        result
    }

    /// Closes the client side (over TLS, after a `close_notify`).
    pub fn close(mut self) {
        self.stream.send_close_notify();
        self.stream.abort();
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
