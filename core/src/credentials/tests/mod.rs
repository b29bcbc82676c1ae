//! Scripted tests of the credential machines: a fake driver with a fake environment, fake
//! files, scripted command output and recorded HTTP response bytes, and virtual time.
//!
//! Every secret in these tests contains `S3CR3T`; [`assert_redacted`] checks that formatted
//! values and errors never show one.

mod cache;
mod container;
mod endpoints;
mod instance_metadata;
mod list;
mod profiles;
mod sources;
mod sso;
mod sts;

use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::time::UnixTime;

/// 2024-01-01T00:00:00Z.
pub(super) const T0: u64 = 1_704_067_200;

pub(super) fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs).unwrap()
}

pub(super) fn iso(secs: u64) -> String {
    at(secs).to_iso8601()
}

/// Panics when `text` shows a secret.
#[track_caller]
pub(super) fn assert_redacted(text: &str) {
    assert!(!text.contains("S3CR3T"), "a secret leaked into: {text}");
}

/// Formats a result's `Debug` and, for errors, `Display` and the converted crate error, and
/// checks none shows a secret.
#[track_caller]
pub(super) fn assert_result_redacted<T: core::fmt::Debug>(result: &Result<T, CredentialsError>) {
    assert_redacted(&format!("{result:?}"));
    if let Err(e) = result {
        assert_redacted(&format!("{e}"));
        let error = crate::error::Error::from(e.clone());
        assert_redacted(&format!("{error}"));
        assert_redacted(&format!("{error:?}"));
    }
}

/// A scripted HTTP exchange: the expected method and target prefix, and the answer.
pub(super) struct Exchange {
    method: &'static str,
    target: String,
    answer: Result<HttpResponse, HttpFailure>,
}

/// Parses recorded response bytes with the core's HTTP reader.
pub(super) fn recorded(raw: &str) -> Result<HttpResponse, HttpFailure> {
    let mut collector = ResponseCollector::new();
    let done = collector.handle_input(raw.as_bytes()).unwrap();
    if !done {
        collector.handle_eof().unwrap();
    }
    Ok(collector.finish().unwrap())
}

/// A `200 OK` with a body and `Content-Length`.
pub(super) fn ok(body: &str) -> Result<HttpResponse, HttpFailure> {
    status(200, body)
}

pub(super) fn status(code: u16, body: &str) -> Result<HttpResponse, HttpFailure> {
    recorded(&format!(
        "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nx-amzn-RequestId: req-1\r\n\r\n{body}",
        body.len()
    ))
}

/// The fake driver.
#[derive(Default)]
pub(super) struct Fake {
    pub(super) env: BTreeMap<String, String>,
    pub(super) home: Option<String>,
    pub(super) files: BTreeMap<String, Vec<u8>>,
    pub(super) unreadable: BTreeMap<String, String>,
    pub(super) vault: BTreeMap<String, Result<Option<String>, String>>,
    pub(super) commands: VecDeque<(String, Result<CommandOutput, String>)>,
    pub(super) exchanges: VecDeque<Exchange>,
    pub(super) now: u64,
    /// Every question asked, in order.
    pub(super) asked: Vec<Need>,
    /// Every HTTP request made, in order.
    pub(super) requests: Vec<HttpRequest>,
    /// Every retry wait asked for, in order (virtual time: nothing sleeps).
    pub(super) sleeps: Vec<core::time::Duration>,
    /// Every file written, in order; the write also replaces the fake file.
    pub(super) written: Vec<(String, Vec<u8>)>,
}

impl Fake {
    /// A driver with a home directory and the clock at [`T0`].
    pub(super) fn new() -> Self {
        Self {
            home: Some("/home/u".into()),
            now: T0,
            ..Self::default()
        }
    }

    pub(super) fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    pub(super) fn file(mut self, path: &str, contents: &str) -> Self {
        self.files.insert(path.into(), contents.as_bytes().to_vec());
        self
    }

    pub(super) fn config(self, contents: &str) -> Self {
        self.file("/home/u/.aws/config", contents)
    }

    pub(super) fn credentials(self, contents: &str) -> Self {
        self.file("/home/u/.aws/credentials", contents)
    }

    pub(super) fn command(mut self, line: &str, output: Result<CommandOutput, String>) -> Self {
        self.commands.push_back((line.into(), output));
        self
    }

    pub(super) fn http(
        mut self,
        method: &'static str,
        target: &str,
        answer: Result<HttpResponse, HttpFailure>,
    ) -> Self {
        self.exchanges.push_back(Exchange {
            method,
            target: target.into(),
            answer,
        });
        self
    }

    pub(super) fn answer(&mut self, need: &Need) -> Answer {
        assert_redacted(&format!("{need:?}"));
        self.asked.push(need.clone());
        let answer = match need {
            Need::Env(name) => Answer::Env(self.env.get(name).cloned()),
            Need::HomeDir => Answer::HomeDir(self.home.clone()),
            Need::File(path) => {
                Answer::File(match (self.files.get(path), self.unreadable.get(path)) {
                    (Some(bytes), _) => Ok(bytes.clone()),
                    (None, Some(reason)) => Err(FileError::Unreadable(reason.clone())),
                    (None, None) => Err(FileError::NotFound),
                })
            }
            Need::Command(line) => {
                let (expected, output) = self
                    .commands
                    .pop_front()
                    .unwrap_or_else(|| panic!("unexpected command {line:?}"));
                assert_eq!(line, &expected);
                Answer::Command(output)
            }
            Need::Http(request) => {
                self.requests.push(request.clone());
                let exchange = self
                    .exchanges
                    .pop_front()
                    .unwrap_or_else(|| panic!("unexpected request {request:?}"));
                assert_eq!(request.method, exchange.method, "{request:?}");
                assert!(
                    request.target.starts_with(&exchange.target),
                    "expected {} {}, got {request:?}",
                    exchange.method,
                    exchange.target
                );
                // The request must be writable as HTTP/1.1.
                request.to_http1().unwrap();
                Answer::Http(exchange.answer)
            }
            Need::Now => Answer::Now(at(self.now)),
            Need::Sleep(delay) => {
                self.sleeps.push(*delay);
                Answer::Slept
            }
            Need::Random => Answer::Random(0x5EED),
            Need::WriteFile { path, bytes } => {
                self.written.push((path.clone(), bytes.clone()));
                self.files.insert(path.clone(), bytes.clone());
                Answer::Written(Ok(()))
            }
            Need::Vault(name) => Answer::Vault(match self.vault.get(name) {
                Some(Ok(value)) => Ok(value.clone().map(crate::secret::Secret::new)),
                Some(Err(e)) => Err(e.clone()),
                None => Ok(None),
            }),
        };
        assert_redacted(&format!("{answer:?}"));
        answer
    }

    /// Drives `machine` to the end; checks the result is redacted and every script was used.
    #[track_caller]
    pub(super) fn run<M: Machine>(&mut self, machine: &mut M) -> Result<M::Output, CredentialsError>
    where
        M::Output: core::fmt::Debug,
    {
        let result = drive(machine, |need| self.answer(need));
        assert_result_redacted(&result);
        result
    }

    /// Runs the default chain.
    #[track_caller]
    pub(super) fn chain(&mut self) -> Result<Resolved, CredentialsError> {
        self.chain_with(ChainConfig::default())
    }

    #[track_caller]
    pub(super) fn chain_with(&mut self, config: ChainConfig) -> Result<Resolved, CredentialsError> {
        let mut machine = ChainMachine::new(config);
        let result = self.run(&mut machine);
        assert_redacted(&format!("{machine:?}"));
        result
    }

    /// Asserts every scripted command and exchange was used.
    #[track_caller]
    pub(super) fn assert_scripts_used(&self) {
        assert!(self.commands.is_empty(), "unused command scripts");
        assert!(self.exchanges.is_empty(), "unused HTTP scripts");
    }

    /// How many times the environment variable was asked for.
    pub(super) fn env_asks(&self, name: &str) -> usize {
        self.asked
            .iter()
            .filter(|n| matches!(n, Need::Env(e) if e == name))
            .count()
    }
}

pub(super) fn output(status: i32, stdout: &str, stderr: &str) -> Result<CommandOutput, String> {
    Ok(CommandOutput {
        status: Some(status),
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    })
}

/// An `AssumeRole` / `AssumeRoleWithWebIdentity` success body.
pub(super) fn sts_success(action: &str, access_key_id: &str, expires: u64) -> String {
    format!(
        r#"<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{action}Result>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/session</Arn>
      <AssumedRoleId>AROA:session</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{access_key_id}</AccessKeyId>
      <SecretAccessKey>wJalr/S3CR3T/{access_key_id}</SecretAccessKey>
      <SessionToken>FwoGZX-S3CR3T-token-{access_key_id}</SessionToken>
      <Expiration>{}</Expiration>
    </Credentials>
  </{action}Result>
  <ResponseMetadata><RequestId>sts-req-1</RequestId></ResponseMetadata>
</{action}Response>"#,
        iso(expires)
    )
}

pub(super) fn sts_error(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>sts-err-7</RequestId></ErrorResponse>"#
    )
}

/// Credentials JSON as IMDS and container endpoints return them.
pub(super) fn credentials_json(access_key_id: &str, expires: u64) -> String {
    format!(
        r#"{{"Code":"Success","LastUpdated":"2024-01-01T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":"{access_key_id}","SecretAccessKey":"S3CR3T-{access_key_id}","Token":"S3CR3T-token-{access_key_id}","Expiration":"{}"}}"#,
        iso(expires)
    )
}

#[test]
fn answers_of_the_wrong_kind_fail_the_machine() {
    let mut machine = ChainMachine::new(ChainConfig::default());
    let Step::Need(Need::Env(name)) = machine.poll() else {
        panic!("first question is an env var");
    };
    assert_eq!(name, "AWS_ACCESS_KEY_ID");
    // Polling again repeats the question.
    assert!(matches!(machine.poll(), Step::Need(Need::Env(n)) if n == name));
    machine.provide(Answer::Now(at(T0)));
    let Step::Done(Err(e)) = machine.poll() else {
        panic!("misuse must fail");
    };
    assert_eq!(e.kind(), "driver");
    assert!(
        e.to_string().contains("now answer to a env question"),
        "{e}"
    );
    // Finished machines repeat their result.
    assert!(matches!(machine.poll(), Step::Done(Err(_))));

    let mut machine = RegionMachine::new(None);
    machine.provide(Answer::Env(None));
    assert!(matches!(machine.poll(), Step::Done(Err(e)) if e.kind() == "driver"));
}

#[test]
fn every_need_and_answer_debug_is_redacted() {
    let request = HttpRequest {
        method: "GET",
        https: false,
        host: "fd00:ec2::254".into(),
        port: 80,
        target: "/x".into(),
        headers: alloc::vec![("Authorization", "S3CR3T".into())],
        body: b"S3CR3T".to_vec(),
        timeout: core::time::Duration::from_secs(1),
    };
    assert_eq!(request.url(), "http://[fd00:ec2::254]/x");
    assert_eq!(request.header("authorization"), Some("S3CR3T"));
    let needs = [
        Need::Env("AWS_SECRET_ACCESS_KEY".into()),
        Need::Command("tool --token S3CR3T".into()),
        Need::Http(request.clone()),
    ];
    for need in &needs {
        assert_redacted(&format!("{need:?}"));
    }
    let answers = [
        Answer::env(Some("S3CR3T")),
        Answer::File(Ok(b"S3CR3T".to_vec())),
        Answer::Command(Ok(CommandOutput {
            status: Some(0),
            stdout: b"S3CR3T".to_vec(),
            stderr: Vec::new(),
        })),
        Answer::Http(Ok(HttpResponse::new(200, "S3CR3T"))),
        Answer::Vault(Ok(Some(crate::secret::Secret::new("S3CR3T".to_string())))),
    ];
    for answer in &answers {
        assert_redacted(&format!("{answer:?}"));
    }
    let bytes = request.to_http1().unwrap();
    assert!(
        bytes.starts_with(b"GET /x HTTP/1.1\r\nAuthorization: S3CR3T\r\nConnection: close\r\n\r\n")
    );
}

#[test]
fn response_collector_reads_every_framing() {
    let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    let close = "HTTP/1.0 200 OK\r\n\r\nhello";
    for raw in [chunked, close] {
        // Byte at a time.
        let mut collector = ResponseCollector::new();
        for b in raw.as_bytes() {
            collector.handle_input(core::slice::from_ref(b)).unwrap();
        }
        collector.handle_eof().unwrap();
        let response = collector.finish().unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, &b"hello"[..])
        );
    }
    let mut truncated = ResponseCollector::new();
    truncated
        .handle_input(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel")
        .unwrap();
    assert!(truncated.handle_eof().is_err());
    let mut big = ResponseCollector::new();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
        2 * 1024 * 1024
    );
    big.handle_input(head.as_bytes()).unwrap();
    assert!(
        big.handle_input(&alloc::vec![b'x'; 1024 * 1024 + 1])
            .is_err()
    );
}
