//! Sockets: TCP through smol, a proxy's `CONNECT` tunnel, TLS through futures-rustls, and the
//! keep-alive pool. No protocol here beyond opening a byte stream.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bedrock_core::http1::connect::{ConnectReader, write_connect};
use bedrock_host::proxy::authority;
use bedrock_host::{ProxyConfig, TrustRoots};
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use futures_rustls::rustls::pki_types::{CertificateDer, ServerName};
use futures_rustls::rustls::{self, ClientConfig, RootCertStore};
use smol::future::FutureExt as _;
use smol::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use smol::net::TcpStream;

/// An open connection: plain TCP or TLS over TCP (possibly inside a proxy tunnel).
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_close(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_close(cx),
        }
    }
}

/// Where a connection goes: scheme, host (IPv6 without brackets), port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl Target {
    pub(crate) fn new(https: bool, host: &str, port: u16) -> Self {
        Self {
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
        }
    }
}

/// Opens connections: TCP (through the proxy's tunnel when one applies), then TLS for
/// `https` targets, all within the connect timeout.
pub(crate) struct Connector {
    /// The TLS configuration, made on the first `https` connection: a client that only speaks
    /// plain HTTP (to the emulator, a local gateway) never reads the OS trust store or holds
    /// its certificates.
    tls: OnceLock<Result<TlsConnector, String>>,
    /// The roots of a CA bundle, parsed when the client is built; `None`: the OS trust store,
    /// else the web roots.
    bundle: Option<RootCertStore>,
    proxy: ProxyConfig,
    timeout: Duration,
}

impl Connector {
    /// `bundle`: the DER certificates of a CA bundle, trusted instead of the OS trust store.
    ///
    /// # Errors
    ///
    /// A bundle with no certificate rustls can use.
    pub(crate) fn new(
        bundle: Option<Vec<Vec<u8>>>,
        proxy: ProxyConfig,
        timeout: Duration,
    ) -> Result<Self, String> {
        Ok(Self {
            tls: OnceLock::new(),
            bundle: bundle.as_deref().map(roots).transpose()?,
            proxy,
            timeout,
        })
    }

    /// The TLS connector, made on first use from the bundle or the OS trust store.
    fn tls(&self) -> io::Result<&TlsConnector> {
        self.tls
            .get_or_init(|| {
                let roots = match &self.bundle {
                    Some(roots) => roots.clone(),
                    // Borrowed: the host reads the OS store once per process.
                    None => match TrustRoots::platform_static() {
                        TrustRoots::Certificates(certificates) => roots(certificates)?,
                        _ => {
                            RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned())
                        }
                    },
                };
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let mut config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| format!("TLS configuration: {e}"))?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                config.alpn_protocols = vec![b"http/1.1".to_vec()];
                Ok(TlsConnector::from(Arc::new(config)))
            })
            .as_ref()
            .map_err(|e| io::Error::other(e.clone()))
    }

    /// A new connection to `target`.
    pub(crate) async fn connect(&self, target: &Target) -> io::Result<Conn> {
        let timeout = self.timeout;
        let message = connect_timeout_message(&authority(&target.host, target.port), timeout);
        self.open(target)
            .or(async move {
                smol::Timer::after(timeout).await;
                Err(io::Error::new(io::ErrorKind::TimedOut, message))
            })
            .await
    }

    async fn open(&self, target: &Target) -> io::Result<Conn> {
        let tcp = match self.proxy.for_target(target.https, &target.host) {
            Some(proxy) => {
                let mut tcp = TcpStream::connect((proxy.host.as_str(), proxy.port))
                    .await
                    .map_err(|e| context(e, &format!("proxy {}", proxy.authority())))?;
                tunnel(
                    &mut tcp,
                    &authority(&target.host, target.port),
                    proxy.authorization(),
                )
                .await?;
                tcp
            }
            None => TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|e| context(e, &authority(&target.host, target.port)))?,
        };
        tcp.set_nodelay(true)?;
        if !target.https {
            return Ok(Conn::Plain(tcp));
        }
        let name = ServerName::try_from(target.host.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let tls = self.tls()?.connect(name, tcp).await.map_err(|e| {
            let what = format!("TLS with {}", target.host);
            if is_certificate_error(&e) {
                // Keeps the classification through the message's context.
                io::Error::new(e.kind(), CertificateRejected(format!("{what}: {e}")))
            } else {
                context(e, &what)
            }
        })?;
        Ok(Conn::Tls(Box::new(tls)))
    }
}

/// The roots among `certificates`. As OpenSSL does with the OS store, certificates rustls
/// cannot use are skipped.
fn roots(certificates: &[Vec<u8>]) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(
        certificates
            .iter()
            .map(|der| CertificateDer::from(der.as_slice())),
    );
    if added == 0 {
        return Err("the trusted certificates hold no usable CA certificate".into());
    }
    Ok(roots)
}

fn context(e: io::Error, what: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

/// Opens a `CONNECT` tunnel on `tcp` (the core writes the request and reads the answer).
async fn tunnel(
    tcp: &mut TcpStream,
    authority: &str,
    proxy_authorization: Option<&str>,
) -> io::Result<()> {
    let invalid = |e: &dyn std::fmt::Display| io::Error::other(e.to_string());
    let mut request = Vec::new();
    write_connect(&mut request, authority, proxy_authorization).map_err(|e| invalid(&e))?;
    tcp.write_all(&request).await?;
    let mut reader = ConnectReader::new();
    // Byte at a time: the proxy says nothing after its head until the client speaks, but
    // reading past the head would swallow tunnel bytes.
    let mut byte = [0u8; 1];
    loop {
        if tcp.read(&mut byte).await? == 0 {
            return reader.handle_eof().map_err(|e| invalid(&e));
        }
        if reader
            .handle_input(&byte)
            .map_err(|e| invalid(&e))?
            .is_some()
        {
            return Ok(());
        }
    }
}

/// Idle keep-alive connections per target, each at most `max_idle_age` old, at most
/// `max_per_target` per target.
pub(crate) struct Pool {
    idle: Mutex<HashMap<Target, Vec<(Conn, Instant)>>>,
    max_idle_age: Duration,
    max_per_target: usize,
}

impl Pool {
    pub(crate) fn new(max_idle_age: Duration, max_per_target: usize) -> Self {
        Self {
            idle: Mutex::new(HashMap::new()),
            max_idle_age,
            max_per_target,
        }
    }

    /// A live idle connection to `target`, most recent first; expired ones are closed.
    pub(crate) fn take(&self, target: &Target) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let list = idle.get_mut(target)?;
        let now = Instant::now();
        list.retain(|(_, since)| now.duration_since(*since) < self.max_idle_age);
        let conn = list.pop().map(|(conn, _)| conn);
        if list.is_empty() {
            idle.remove(target);
        }
        conn
    }

    /// Keeps a connection whose response was read completely and that stays open.
    pub(crate) fn put(&self, target: Target, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let list = idle.entry(target).or_default();
        if list.len() < self.max_per_target {
            list.push((conn, Instant::now()));
        }
    }

    /// Idle connections held.
    pub(crate) fn idle_count(&self) -> usize {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.values().map(Vec::len).sum()
    }
}

/// "connecting to HOST:PORT timed out after N s" (or "N ms" below whole seconds): a connect
/// timeout says so, whatever the phase (TCP, the proxy's `CONNECT`, the TLS handshake).
pub(crate) fn connect_timeout_message(authority: &str, timeout: Duration) -> String {
    let after = if timeout.subsec_millis() == 0 {
        format!("{} s", timeout.as_secs())
    } else {
        format!("{} ms", timeout.as_millis())
    };
    format!("connecting to {authority} timed out after {after}")
}

/// Whether a connection failed because the TLS handshake rejected the server's certificate.
pub(crate) fn is_certificate_error(e: &io::Error) -> bool {
    let Some(inner) = e.get_ref() else {
        return false;
    };
    inner.is::<CertificateRejected>()
        || matches!(
            inner.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_))
        )
}

/// A handshake that rejected the server's certificate, with the message in context.
#[derive(Debug)]
struct CertificateRejected(String);

impl std::fmt::Display for CertificateRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CertificateRejected {}
