//! The questions a credential machine asks ([`Need`]) and the answers its driver gives
//! ([`Answer`]), with the HTTP, file and process shapes they carry.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::http1::{self, ResponseEvent, ResponseLimits, ResponseReader};
use crate::secret::Secret;
use crate::time::UnixTime;
use crate::url::Url;

/// A question from a credential machine to its driver. Answer it with the [`Answer`] variant of
/// the same name.
///
/// `Debug` never prints header values or bodies (they carry tokens).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Need {
    /// The value of an environment variable: answer [`Answer::Env`] (`None` when unset).
    Env(String),
    /// The user's home directory (`HOME`, or `USERPROFILE` on Windows): answer
    /// [`Answer::HomeDir`]. Default paths (`~/.aws/config`) and `~/` in configured paths are
    /// built from it with `/` separators.
    HomeDir,
    /// The contents of a file: answer [`Answer::File`] ([`FileError::NotFound`] when it does not
    /// exist).
    File(String),
    /// Run a command line (`credential_process`) and report its exit status and output: answer
    /// [`Answer::Command`]. Run it through the platform shell (`sh -c` on Unix, `cmd.exe /C` on
    /// Windows), as the Rust, Go and Java SDKs do, so pipes and quoting work.
    Command(String),
    /// Perform one HTTP exchange: answer [`Answer::Http`].
    Http(HttpRequest),
    /// The current wall-clock time: answer [`Answer::Now`].
    Now,
    /// A Bedrock API key from the local secret vault (`vault:NAME`): answer [`Answer::Vault`].
    Vault(String),
    /// Wait this long before the next attempt of a credential request (a retry's backoff), then
    /// answer [`Answer::Slept`]: a thread sleeps, a task awaits a timer.
    Sleep(Duration),
    /// A random 64-bit seed for retry jitter (asked at most once per resolution): answer
    /// [`Answer::Random`].
    Random,
    /// Replace a file's contents atomically (the refreshed SSO token cache): write `bytes` to a
    /// temporary file in the same directory, readable by the owner only (mode 0600), then
    /// rename it over `path`, so a reader sees the old or the new file, never a mix. Answer
    /// [`Answer::Written`].
    WriteFile {
        /// The file to replace.
        path: String,
        /// Its new contents (secrets: never logged).
        bytes: Vec<u8>,
    },
}

impl Need {
    /// A short name for the kind of question: `env`, `home_dir`, `file`, `command`, `http`,
    /// `now`, `vault`, `sleep`, `random` or `write_file`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Env(_) => "env",
            Self::HomeDir => "home_dir",
            Self::File(_) => "file",
            Self::Command(_) => "command",
            Self::Http(_) => "http",
            Self::Now => "now",
            Self::Vault(_) => "vault",
            Self::Sleep(_) => "sleep",
            Self::Random => "random",
            Self::WriteFile { .. } => "write_file",
        }
    }
}

impl fmt::Debug for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => f.debug_tuple("Env").field(name).finish(),
            Self::HomeDir => f.write_str("HomeDir"),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            // A command line may embed a token as an argument.
            Self::Command(line) => f.debug_struct("Command").field("len", &line.len()).finish(),
            Self::Http(request) => f.debug_tuple("Http").field(request).finish(),
            Self::Now => f.write_str("Now"),
            Self::Vault(name) => f.debug_tuple("Vault").field(name).finish(),
            Self::Sleep(delay) => f.debug_tuple("Sleep").field(delay).finish(),
            Self::Random => f.write_str("Random"),
            Self::WriteFile { path, bytes } => f
                .debug_struct("WriteFile")
                .field("path", path)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

/// Why a file could not be read.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileError {
    /// The file does not exist (a missing `~/.aws/config` is normal).
    NotFound,
    /// It exists but could not be read: permission denied, a directory, an I/O error.
    Unreadable(String),
}

impl fmt::Debug for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("NotFound"),
            Self::Unreadable(reason) => f.debug_tuple("Unreadable").field(reason).finish(),
        }
    }
}

/// The driver's answer to a [`Need`].
///
/// `Debug` prints shapes and lengths, never values: environment values and file contents may be
/// secrets.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// The environment variable's value, `None` when it is unset.
    Env(Option<String>),
    /// The home directory, `None` when unknown.
    HomeDir(Option<String>),
    /// The file's bytes, or why there are none.
    File(Result<Vec<u8>, FileError>),
    /// The command's result, or why it could not be started.
    Command(Result<CommandOutput, String>),
    /// The HTTP response, or why there is none.
    Http(Result<HttpResponse, HttpFailure>),
    /// The current wall-clock time.
    Now(UnixTime),
    /// The stored secret (`None` when the vault has no such entry or no vault exists), or why
    /// the vault could not be read (e.g. its permissions let other users read it).
    Vault(Result<Option<Secret<String>>, String>),
    /// The wait asked for by [`Need::Sleep`] is over.
    Slept,
    /// A random seed (any 64 bits from a real random source).
    Random(u64),
    /// The file was replaced, or why it could not be.
    Written(Result<(), String>),
}

impl Answer {
    /// An environment value (`None` when unset).
    pub fn env(value: Option<&str>) -> Self {
        Self::Env(value.map(String::from))
    }

    /// A short name for the kind of answer, as [`Need::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Env(_) => "env",
            Self::HomeDir(_) => "home_dir",
            Self::File(_) => "file",
            Self::Command(_) => "command",
            Self::Http(_) => "http",
            Self::Now(_) => "now",
            Self::Vault(_) => "vault",
            Self::Slept => "sleep",
            Self::Random(_) => "random",
            Self::Written(_) => "write_file",
        }
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(value) => f
                .debug_struct("Env")
                .field("len", &value.as_ref().map(String::len))
                .finish(),
            Self::HomeDir(home) => f.debug_tuple("HomeDir").field(home).finish(),
            Self::File(Ok(bytes)) => f.debug_struct("File").field("len", &bytes.len()).finish(),
            Self::File(Err(e)) => f.debug_tuple("File").field(e).finish(),
            Self::Command(Ok(output)) => f.debug_tuple("Command").field(output).finish(),
            Self::Command(Err(e)) => f.debug_tuple("CommandFailed").field(e).finish(),
            Self::Http(Ok(response)) => f.debug_tuple("Http").field(response).finish(),
            Self::Http(Err(e)) => f.debug_tuple("Http").field(e).finish(),
            Self::Now(now) => f.debug_tuple("Now").field(now).finish(),
            Self::Vault(Ok(value)) => f
                .debug_struct("Vault")
                .field("found", &value.is_some())
                .finish(),
            Self::Vault(Err(e)) => f.debug_tuple("Vault").field(e).finish(),
            Self::Slept => f.write_str("Slept"),
            Self::Random(_) => f.write_str("Random"),
            Self::Written(result) => f.debug_tuple("Written").field(result).finish(),
        }
    }
}

/// What a command (a `credential_process`) did.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct CommandOutput {
    /// The exit code; `None` when the process was ended by a signal.
    pub status: Option<i32>,
    /// Everything it wrote to stdout (for `credential_process`, JSON with secrets).
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
}

impl CommandOutput {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }
}

impl fmt::Debug for CommandOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandOutput")
            .field("status", &self.status)
            .field("stdout_len", &self.stdout.len())
            .field("stderr_len", &self.stderr.len())
            .finish()
    }
}

/// One HTTP request a credential source needs (IMDS, a container endpoint, STS, the SSO
/// portal).
///
/// `headers` lists every header, `Host` first and `Content-Length` when there is a body, as
/// [`HttpRequest::to_http1`] writes them; an HTTP client that sets those two itself must produce
/// the same values (the STS signature covers `Host`). `Debug` prints header names only.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `PUT` or `POST`.
    pub method: &'static str,
    /// `https` (true) or plain `http` (false).
    pub https: bool,
    /// The host: a name or an IP address, IPv6 without brackets.
    pub host: String,
    /// The TCP port.
    pub port: u16,
    /// The request target: path and query, e.g. `/latest/api/token`.
    pub target: String,
    /// Header names and values, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body (empty for `GET`).
    pub body: Vec<u8>,
    /// How long the whole exchange may take (connect, send, receive); botocore's values: IMDS
    /// 1 s, container 2 s.
    pub timeout: Duration,
}

impl HttpRequest {
    /// The `Host` header value: the host (IPv6 in brackets), with `:port` unless it is the
    /// scheme's default.
    pub fn host_header(&self) -> String {
        crate::url::authority(self.https, &self.host, self.port)
    }

    /// A request to `url` with its `Host` header, no other header and no body.
    pub(crate) fn to(method: &'static str, url: &Url, timeout: Duration) -> Self {
        Self {
            method,
            https: url.https,
            host: url.host.clone(),
            port: url.port,
            target: url.target.clone(),
            headers: alloc::vec![("Host", url.authority())],
            body: Vec::new(),
            timeout,
        }
    }

    /// The headers an HTTP client library must add: all but `Host` and `Content-Length`,
    /// which it writes itself from the URL and the body (the same values: the STS signature
    /// covers `Host`).
    pub fn client_headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.headers
            .iter()
            .filter(|(name, _)| !crate::http1::is_written_by_client(name))
            .map(|(name, value)| (*name, value.as_str()))
    }

    /// The full URL.
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}", self.host_header(), self.target)
    }

    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request as HTTP/1.1 bytes, for a driver that writes to a socket itself. It asks the
    /// server to close the connection after the response (`Connection: close`), so the response
    /// ends at the latest when the socket does.
    ///
    /// # Errors
    ///
    /// An [`http1::RequestError`] when a header would be malformed on the wire (the machines only
    /// build valid requests; this guards a driver that edits one).
    pub fn to_http1(&self) -> Result<Vec<u8>, http1::RequestError> {
        let mut headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        headers.push(("Connection", "close"));
        let mut out = Vec::with_capacity(256 + self.body.len());
        http1::write_request(&mut out, self.method, &self.target, &headers, &self.body)?;
        Ok(out)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url())
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// An HTTP response: status, headers, the whole de-framed body.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values (values lossily decoded as UTF-8).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body, no headers (for tests and transports).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// What kind of transport failure ended an HTTP exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpFailureKind {
    /// No connection: refused, unreachable, DNS failure, TLS handshake failure, or no
    /// connection within [`HttpRequest::timeout`] (a connect timeout is a `Connect` failure:
    /// IMDS treats it as "no IMDS here" and does not retry or fall back).
    Connect,
    /// Connected, but the exchange did not complete within [`HttpRequest::timeout`].
    Timeout,
    /// The driver cannot make this request (e.g. `https` without a TLS transport).
    Unsupported,
    /// Anything else: a reset mid-response, a malformed response.
    Other,
}

/// Why an HTTP exchange produced no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpFailure {
    /// The kind.
    pub kind: HttpFailureKind,
    /// What happened, for the error message.
    pub message: String,
}

impl HttpFailure {
    /// A failure of `kind`.
    pub fn new(kind: HttpFailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A connection failure.
    pub fn connect(message: impl Into<String>) -> Self {
        Self::new(HttpFailureKind::Connect, message)
    }

    /// A timeout.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(HttpFailureKind::Timeout, message)
    }
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            HttpFailureKind::Connect => "connection failed",
            HttpFailureKind::Timeout => "timed out",
            HttpFailureKind::Unsupported => "unsupported request",
            HttpFailureKind::Other => "transport error",
        };
        if self.message.is_empty() {
            f.write_str(kind)
        } else {
            write!(f, "{kind}: {}", self.message)
        }
    }
}

/// Collects a whole HTTP/1.1 response from socket bytes, for drivers that speak HTTP over a
/// plain socket (IMDS, container endpoints): push bytes with
/// [`handle_input`](Self::handle_input) until it returns `true` or the socket ends
/// ([`handle_eof`](Self::handle_eof)), then take [`finish`](Self::finish). Parsing is the
/// core's [`ResponseReader`]; the body is bounded.
#[derive(Clone, Debug)]
pub struct ResponseCollector {
    reader: ResponseReader,
    response: HttpResponse,
    has_head: bool,
    max_body: usize,
    done: bool,
}

impl Default for ResponseCollector {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseCollector {
    /// Credential responses are small: bodies over 1 MiB are refused.
    pub const MAX_BODY: usize = 1024 * 1024;

    /// A collector for one response.
    pub fn new() -> Self {
        Self {
            reader: ResponseReader::new(ResponseLimits::default()),
            response: HttpResponse::default(),
            has_head: false,
            max_body: Self::MAX_BODY,
            done: false,
        }
    }

    /// Feeds socket bytes; `Ok(true)` once the response is complete.
    ///
    /// # Errors
    ///
    /// An [`HttpFailure`] of kind `Other` for a malformed response or one over the size limit.
    pub fn handle_input(&mut self, mut input: &[u8]) -> Result<bool, HttpFailure> {
        while !self.done {
            match self.reader.read(&mut input) {
                Ok(Some(event)) => self.take(event)?,
                Ok(None) => break,
                Err(e) => return Err(HttpFailure::new(HttpFailureKind::Other, e.to_string())),
            }
        }
        Ok(self.done)
    }

    /// Signals that the connection closed.
    ///
    /// # Errors
    ///
    /// An [`HttpFailure`] when the response was incomplete.
    pub fn handle_eof(&mut self) -> Result<(), HttpFailure> {
        if self.done {
            return Ok(());
        }
        match self.reader.finish() {
            Ok(Some(event)) => self.take(event),
            Ok(None) => Ok(()),
            Err(e) => Err(HttpFailure::new(HttpFailureKind::Other, e.to_string())),
        }
    }

    /// Whether the response is complete.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The response.
    ///
    /// # Errors
    ///
    /// An [`HttpFailure`] when it is not complete.
    pub fn finish(self) -> Result<HttpResponse, HttpFailure> {
        if self.done {
            Ok(self.response)
        } else {
            Err(HttpFailure::new(
                HttpFailureKind::Other,
                "connection closed before the response was complete",
            ))
        }
    }

    fn take(&mut self, event: ResponseEvent<'_>) -> Result<(), HttpFailure> {
        match event {
            ResponseEvent::Head(head) => {
                self.has_head = true;
                self.response.status = head.status;
                self.response.headers = head
                    .headers
                    .into_iter()
                    .map(|(n, v)| (n, String::from_utf8_lossy(&v).into_owned()))
                    .collect();
            }
            ResponseEvent::Data(data) => {
                if self.response.body.len() + data.len() > self.max_body {
                    return Err(HttpFailure::new(
                        HttpFailureKind::Other,
                        format!("response body over {} bytes", self.max_body),
                    ));
                }
                self.response.body.extend_from_slice(data);
            }
            ResponseEvent::End => self.done = self.has_head,
        }
        Ok(())
    }
}
