//! A TCP stream, plain or under TLS: the server's connections (`MaybeTls<ServerConnection>`)
//! and the raw test client's (`MaybeTls<ClientConnection>`) are the same type.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::ops::{Deref, DerefMut};

use rustls::{ConnectionCommon, SideData, StreamOwned};

/// Plain TCP, or rustls' [`StreamOwned`] over it; `C` is `ServerConnection` or
/// `ClientConnection`.
#[derive(Debug)]
pub(crate) enum MaybeTls<C> {
    Plain(TcpStream),
    Tls(Box<StreamOwned<C, TcpStream>>),
}

impl<C> MaybeTls<C> {
    /// The socket underneath (for timeouts and shutdown).
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(stream) => stream,
            Self::Tls(stream) => &stream.sock,
        }
    }

    /// Whether TLS runs over the socket.
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }

    /// Closes the socket at once, both ways: over TLS without a `close_notify`, so the peer
    /// sees the same truncation a plain one does.
    pub(crate) fn abort(&self) {
        let _ = self.tcp().shutdown(Shutdown::Both);
    }
}

impl<C, S> MaybeTls<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    /// TLS (the handshake runs inside the first read or write) over `tcp`.
    pub(crate) fn tls(connection: C, tcp: TcpStream) -> Self {
        Self::Tls(Box::new(StreamOwned::new(connection, tcp)))
    }

    /// Over TLS, says `close_notify` (a normal end); nothing on plain TCP.
    pub(crate) fn send_close_notify(&mut self) {
        if let Self::Tls(stream) = self {
            stream.conn.send_close_notify();
            let _ = stream.flush();
        }
    }
}

impl<C, S> Read for MaybeTls<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(stream) => stream.read(buf),
            Self::Tls(stream) => stream.read(buf),
        }
    }
}

impl<C, S> Write for MaybeTls<C>
where
    C: DerefMut + Deref<Target = ConnectionCommon<S>>,
    S: SideData,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(stream) => stream.write(buf),
            Self::Tls(stream) => stream.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(stream) => stream.flush(),
            Self::Tls(stream) => stream.flush(),
        }
    }
}
