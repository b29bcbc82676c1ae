//! Loopback test support shared by the `bedrock-host`, `bedrock-blocking` and `bedrock-cli`
//! test suites (each includes this file with `#[path]`): unique temp directories, a server that
//! answers canned HTTP responses (standing in for IMDS, a container endpoint, STS or the SSO
//! portal), a timestamping TCP relay (to see when a server's bytes went out), and an HTTP
//! `CONNECT` proxy.
//!
//! Every socket here is on 127.0.0.1.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support code"
)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A fresh directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "bedrock-test-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn join(&self, rest: &str) -> PathBuf {
        self.0.join(rest)
    }

    /// Writes a file (creating directories), returning its path as a string.
    pub(crate) fn write(&self, rest: &str, contents: &str) -> String {
        let path = self.0.join(rest);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path.to_string_lossy().into_owned()
    }

    pub(crate) fn str(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One request as a canned server received it.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback server answering one connection per canned response, in order, then closing its
/// listener: a request beyond the script finds nobody listening (a second chain walk fails).
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `responses` (raw HTTP response text), one per connection.
    pub(crate) fn start(responses: Vec<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let thread = std::thread::spawn(move || {
            for response in responses {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let request = read_request(&mut stream);
                log.lock().unwrap().push(request);
                let _ = stream.write_all(response.as_bytes());
                let _ = stream.flush();
                let _ = stream.shutdown(Shutdown::Write);
            }
        });
        Self {
            addr,
            received,
            thread: Some(thread),
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits for every canned response to be served and returns the requests.
    pub(crate) fn finish(mut self) -> Vec<Received> {
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        self.received.lock().unwrap().clone()
    }
}

fn read_request(stream: &mut TcpStream) -> Received {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break data.len();
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let target = request_line.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Received {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A TCP relay on 127.0.0.1 in front of `upstream` that records when each read of the
/// upstream's answer arrived (and how many bytes), before forwarding it: the time a server's
/// bytes went out onto the client's connection, to within a loopback hop.
pub(crate) struct Relay {
    pub(crate) addr: SocketAddr,
    log: Arc<Mutex<Vec<(Instant, usize)>>>,
}

impl Relay {
    pub(crate) fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&log);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(upstream) else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (mut client_read, mut server_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_read, &mut server_write);
                    let _ = server_write.shutdown(Shutdown::Write);
                });
                let (mut server_read, mut client_write) = (server, client);
                let log = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        match server_read.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                log.lock().unwrap().push((Instant::now(), n));
                                if client_write.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = client_write.shutdown(Shutdown::Write);
                });
            }
        });
        Self { addr, log }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The start of each burst of upstream bytes: reads less than `gap` apart belong to one
    /// burst (with a drip, one burst per frame; the first holds the head and the first frame).
    pub(crate) fn bursts(&self, gap: Duration) -> Vec<Instant> {
        let log = self.log.lock().unwrap();
        let mut starts: Vec<Instant> = Vec::new();
        let mut last: Option<Instant> = None;
        for &(at, _) in log.iter() {
            if last.is_none_or(|l| at.duration_since(l) >= gap) {
                starts.push(at);
            }
            last = Some(at);
        }
        starts
    }

    /// Bytes relayed from the upstream up to and including `at`, and in all.
    pub(crate) fn bytes_by(&self, at: Instant) -> (usize, usize) {
        let log = self.log.lock().unwrap();
        let by: usize = log.iter().filter(|(t, _)| *t <= at).map(|(_, n)| n).sum();
        let all: usize = log.iter().map(|(_, n)| n).sum();
        (by, all)
    }
}

/// `secs` seconds from now, ISO-8601.
pub(crate) fn iso_in(secs: u64) -> String {
    bedrock_host::wall_clock()
        .checked_add(Duration::from_secs(secs))
        .unwrap()
        .to_iso8601()
}

/// A loopback forward proxy: answers `CONNECT` with 200, then pipes bytes both ways; records
/// each tunnel's target.
pub(crate) struct ConnectProxy {
    pub(crate) url: String,
    pub(crate) targets: Arc<Mutex<Vec<String>>>,
    pub(crate) tunnels: Arc<AtomicUsize>,
}

impl ConnectProxy {
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let tunnels = Arc::new(AtomicUsize::new(0));
        let (t, n) = (Arc::clone(&targets), Arc::clone(&tunnels));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let (t, n) = (Arc::clone(&t), Arc::clone(&n));
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if client.read(&mut byte).unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let line = String::from_utf8_lossy(&head)
                        .lines()
                        .next()
                        .unwrap()
                        .to_string();
                    let target = line.split(' ').nth(1).unwrap().to_string();
                    t.lock().unwrap().push(line);
                    n.fetch_add(1, Ordering::SeqCst);
                    let upstream = TcpStream::connect(&target).unwrap();
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .unwrap();
                    let (mut c2, mut u2) =
                        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                    let up = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut c2, &mut u2);
                        let _ = u2.shutdown(Shutdown::Write);
                    });
                    let (mut u, mut c) = (upstream, client);
                    let _ = std::io::copy(&mut u, &mut c);
                    let _ = c.shutdown(Shutdown::Both);
                    let _ = up.join();
                });
            }
        });
        Self {
            url,
            targets,
            tunnels,
        }
    }
}
