//! The emulator in a child process, for measurements whose process must hold only the client
//! (and [`rss`] and [`cpu_time`], what they measure it with):
//! the concurrency benchmark (`bench/benches/concurrency.rs`) and the load test
//! (`conformance/tests/load.rs`), so that neither the emulator's memory nor its CPU time is
//! counted.
//!
//! The program re-executes itself with an environment variable set ([`EmulatorProcess::start`]);
//! its `main` sees the variable and calls [`serve`] instead of measuring. The child writes its
//! endpoints to standard output and serves until its standard input closes: when the parent
//! drops the [`EmulatorProcess`], or dies.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bedrock_emulator::{Emulator, EmulatorConfig};

/// The child's side: starts the emulator with `config`, writes its endpoints (the plain one,
/// the HTTPS one or an empty line, the CA certificate's PEM lines, `END`), then serves until
/// standard input closes.
///
/// # Panics
///
/// When the emulator cannot start.
pub fn serve(config: EmulatorConfig) {
    let emulator = Emulator::start(config).expect("the emulator starts");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", emulator.endpoint_url());
    let _ = writeln!(out, "{}", emulator.https_endpoint_url().unwrap_or_default());
    let _ = write!(out, "{}", emulator.ca_pem().unwrap_or_default());
    let _ = writeln!(out, "END");
    let _ = out.flush();
    drop(out);
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    emulator.shutdown();
}

/// The parent's side: the emulator child, its endpoints and CA. Dropping it closes the child's
/// standard input and reaps it (killing it after 10 s).
#[derive(Debug)]
pub struct EmulatorProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub http: String,
    /// `https://127.0.0.1:PORT`, or empty without TLS.
    pub https: String,
    /// The CA certificate of the HTTPS listener (PEM), or empty without TLS.
    pub ca_pem: String,
}

impl EmulatorProcess {
    /// Runs this program again with `var=1` in its environment; its `main` must then call
    /// [`serve`].
    ///
    /// # Panics
    ///
    /// When the child cannot start or does not write its endpoints.
    pub fn start(var: &str) -> Self {
        let exe = std::env::current_exe().expect("this program's own path");
        let mut child = Command::new(exe)
            .env(var, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the emulator child starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut next = || {
            lines
                .next()
                .and_then(Result::ok)
                .expect("the emulator's endpoints")
        };
        let http = next();
        let https = next();
        let mut ca_pem = String::new();
        loop {
            let line = next();
            if line == "END" {
                break;
            }
            ca_pem.push_str(&line);
            ca_pem.push('\n');
        }
        Self {
            child,
            http,
            https,
            ca_pem,
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// This process's resident set, in bytes (`VmRSS` of `/proc/self/status`; 0 where there is no
/// such file).
pub fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// This process's user + system CPU time, every thread (`utime` + `stime` of
/// `/proc/self/stat`, in Linux's fixed `USER_HZ` of 100 ticks a second; zero where there is no
/// such file).
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) start at the 3rd, `state`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |field: usize| {
        fields
            .get(field - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(14) + ticks(15)) * 10)
}
