//! The `bedrock` binary, run as a subprocess against the in-process Bedrock emulator on
//! loopback, with an isolated environment: `env_clear`, then only `PATH`, a temp `HOME` and
//! `XDG_CONFIG_HOME`, `AWS_EC2_METADATA_DISABLED=true` (nothing may leave 127.0.0.1) and the
//! variables a test adds.
//!
//! Every run's stdout and stderr are checked for every secret the tests use: none may appear.

#[path = "../../host/tests/support/loopback.rs"]
mod loopback;

use loopback::Relay;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use bedrock_conformance::emulator::{
    AuthKind, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, EmulatorConfig,
    EmulatorHandle, Operation, secrets::SecretScan,
};
use bedrock_core::model::{Part, Response, StopReason};
use serde_json::Value;

const MODEL: &str = "us.anthropic.claude-haiku-4-5";

/// Every test secret contains this, besides the emulator's defaults.
const SECRET_MARK: &str = "S3CR3T";
const API_KEY: &str = "S3CR3T-cli-api-key";
const SESSION_TOKEN: &str = "S3CR3T-cli-session-token";

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "bedrock-cli-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn join(&self, rest: &str) -> PathBuf {
        self.0.join(rest)
    }

    fn write(&self, rest: &str, contents: &str) -> PathBuf {
        let path = self.0.join(rest);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run produced.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary in an isolated environment rooted at a temp dir.
struct Cli {
    dir: TempDir,
    env: Vec<(String, String)>,
}

impl Cli {
    fn new(name: &str) -> Self {
        Self {
            dir: TempDir::new(name),
            env: Vec::new(),
        }
    }

    /// Adds an environment variable to every run.
    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// The emulator's default SigV4 pair in the environment.
    fn sigv4(self) -> Self {
        self.env("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)
    }

    fn home(&self) -> PathBuf {
        self.dir.join("home")
    }

    /// `$XDG_CONFIG_HOME/bedrock`: where the settings file and the vault live by default.
    fn bedrock_dir(&self) -> PathBuf {
        self.dir.join("config/bedrock")
    }

    fn command(&self, args: &[&str]) -> Command {
        std::fs::create_dir_all(self.home()).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(self.dir.0.as_path());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Runs with `stdin` (empty when `None`), and checks that no secret was printed.
    fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut pipe = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                pipe.write_all(text.as_bytes()).unwrap();
            }
        }
        let output = child.wait_with_output().unwrap();
        let run = Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        assert_no_secret(&run);
        run
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// `bedrock --base-url <emulator> --region us-east-1 <args>`.
    fn at(&self, emulator: &EmulatorHandle, args: &[&str]) -> Run {
        self.run(&with_endpoint(&emulator.endpoint_url(), args))
    }
}

fn with_endpoint<'a>(url: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--base-url", url, "--region", "us-east-1"];
    all.extend_from_slice(args);
    all
}

/// No secret of the tests, in plain or base64 ([`SecretScan`], the scan the end-to-end suite
/// and the examples' script use), on stdout or stderr.
#[track_caller]
fn assert_no_secret(run: &Run) {
    let mut scan = SecretScan::emulator_defaults();
    for secret in [SECRET_MARK, API_KEY, SESSION_TOKEN] {
        scan.add(secret);
    }
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if let Err(leak) = scan.check(what, text) {
            panic!("a secret was printed: {leak}: {run:#?}");
        }
    }
}

#[track_caller]
fn assert_ok(run: &Run) {
    assert_eq!(run.code, 0, "{run:#?}");
}

#[track_caller]
fn assert_fails(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{run:#?}");
    assert!(!run.stderr.contains("panicked"), "{run:#?}");
    assert!(!run.stderr.contains("RUST_BACKTRACE"), "{run:#?}");
}

fn emulator() -> EmulatorHandle {
    Emulator::start(EmulatorConfig::default()).unwrap()
}

fn sigv4() -> Option<AuthKind> {
    Some(AuthKind::SigV4 {
        region: "us-east-1".into(),
    })
}

/// The `[... in, ... out, $..., stop: ...]` line.
fn summary_line(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('[') && l.contains(" in") && l.contains("stop: "))
        .unwrap_or_else(|| panic!("no usage summary in {stderr:?}"))
}

fn json_response(run: &Run) -> Response {
    assert_ok(run);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
}

#[test]
fn chat_streams_the_answer_to_stdout_and_the_summary_to_stderr() {
    let emulator = emulator();
    let cli = Cli::new("chat").sigv4();
    let run = cli.at(
        &emulator,
        &["chat", "--model", MODEL, "Hello streamed world"],
    );
    assert_ok(&run);
    assert_eq!(run.stdout, "Hello streamed world\n");
    let summary = summary_line(&run.stderr);
    assert!(summary.contains(" out, $0.0"), "{summary}");
    assert!(summary.ends_with("stop: end_turn]"), "{summary}");

    let records = emulator.requests();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].operation, Some(Operation::ConverseStream));
    assert_eq!(records[0].auth, sigv4());

    // The prompt from stdin, with the generation options.
    let run = cli.run_with_stdin(
        &with_endpoint(
            &emulator.endpoint_url(),
            &[
                "chat",
                "--model",
                MODEL,
                "--system",
                "Be terse.",
                "--max-tokens",
                "100",
                "--temperature",
                "0.5",
                "--top-p",
                "0.9",
                "-",
            ],
        ),
        Some("Prompt from stdin\n"),
    );
    assert_ok(&run);
    assert_eq!(
        run.stdout, "Prompt from stdin\n",
        "the emulator echoes the trimmed prompt"
    );
}

#[test]
fn chat_no_stream_uses_converse() {
    let emulator = emulator();
    let cli = Cli::new("no-stream").sigv4();
    let run = cli.at(
        &emulator,
        &[
            "chat",
            "--no-stream",
            "--model",
            MODEL,
            "Not streamed at all",
        ],
    );
    assert_ok(&run);
    assert_eq!(run.stdout, "Not streamed at all\n");
    assert!(summary_line(&run.stderr).ends_with("stop: end_turn]"));
    let records = emulator.requests();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].operation, Some(Operation::Converse));
}

#[test]
fn chat_json_prints_the_response() {
    let emulator = emulator();
    let cli = Cli::new("json").sigv4();
    for extra in [&[][..], &["--no-stream"][..]] {
        let mut args = vec!["chat", "--json", "--model", MODEL];
        args.extend_from_slice(extra);
        args.push("Answer as JSON please");
        let response = json_response(&cli.at(&emulator, &args));
        assert_eq!(response.text(), "Answer as JSON please");
        assert_eq!(response.model, MODEL);
        assert_eq!(response.stop_reason, StopReason::EndTurn);
        assert!(response.usage.input_tokens > 0);
        assert!(response.cost.is_some());
        assert!(response.request_id.is_some());
    }
    let operations: Vec<_> = emulator.requests().iter().map(|r| r.operation).collect();
    assert_eq!(
        operations,
        [Some(Operation::ConverseStream), Some(Operation::Converse)]
    );
}

#[test]
fn tool_use_goes_to_stderr() {
    let emulator = emulator();
    let cli = Cli::new("tools").sigv4();
    let prompt = "What is the weather in Paris? [scenario:tool_use]";
    let run = cli.at(&emulator, &["chat", "--model", MODEL, prompt]);
    assert_ok(&run);
    assert_eq!(run.stdout, "Let me check the weather.\n");
    // The start line, then the streamed input fragments, which join to the arguments.
    let (_, after) = run
        .stderr
        .split_once("[tool call get_weather (tooluse_emulator_weather_1)]\n")
        .unwrap_or_else(|| panic!("{run:#?}"));
    let mut lines = after.lines();
    let arguments = lines.next().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(arguments).unwrap(),
        serde_json::json!({"city": "Paris", "unit": "celsius"})
    );
    // The summary on a line of its own, after the arguments.
    let summary = lines.next().unwrap();
    assert_eq!(summary, summary_line(&run.stderr));
    assert!(summary.ends_with("stop: tool_use]"), "{summary}");

    let run = cli.at(
        &emulator,
        &["chat", "--no-stream", "--model", MODEL, prompt],
    );
    assert_ok(&run);
    assert_eq!(run.stdout, "Let me check the weather.\n");
    assert!(
        run.stderr.contains(
            r#"[tool call get_weather (tooluse_emulator_weather_1)] {"city":"Paris","unit":"celsius"}"#
        ),
        "{run:#?}"
    );
}

#[test]
fn reasoning_goes_to_stderr() {
    let emulator = emulator();
    let cli = Cli::new("reasoning").sigv4();
    let prompt = "Think it over [scenario:reasoning]";
    let response = json_response(&cli.at(&emulator, &["chat", "--json", "--model", MODEL, prompt]));
    let reasoning = response
        .content
        .iter()
        .find_map(|p| match p {
            Part::Reasoning { text, .. } => Some(text.clone()),
            _ => None,
        })
        .expect("reasoning in the response");
    assert!(!reasoning.is_empty());

    let run = cli.at(&emulator, &["chat", "--model", MODEL, prompt]);
    assert_ok(&run);
    assert_eq!(run.stdout, "Think it over\n");
    // The reasoning, its line ended at the block's end, then the summary on its own line.
    let summary = summary_line(&run.stderr);
    assert_eq!(run.stderr, format!("{reasoning}\n{summary}\n"));

    let run = cli.at(
        &emulator,
        &["chat", "--no-stream", "--model", MODEL, prompt],
    );
    assert_ok(&run);
    assert_eq!(run.stdout, "Think it over\n");
    assert!(
        run.stderr.contains(&format!("[reasoning] {reasoning}")),
        "{run:#?}"
    );
}

#[test]
fn cache_usage_and_cost_in_the_summary() {
    let emulator = emulator();
    let cli = Cli::new("cache").sigv4();
    for (scenario, expected) in [
        ("cache_write", "+ 1024 cache write,"),
        ("cache_read", "+ 1024 cache read,"),
        ("cache_mixed", "+ 2048 cache read + 1536 cache write,"),
    ] {
        let prompt = format!("Cached prompt [scenario:{scenario}]");
        let response =
            json_response(&cli.at(&emulator, &["chat", "--json", "--model", MODEL, &prompt]));
        let run = cli.at(&emulator, &["chat", "--model", MODEL, &prompt]);
        assert_ok(&run);
        let summary = summary_line(&run.stderr);
        assert!(summary.contains(expected), "{scenario}: {summary}");
        let usage = &response.usage;
        assert!(
            summary.starts_with(&format!("[{} in ", usage.input_tokens)),
            "{summary}"
        );
        assert!(
            summary.contains(&format!(", {} out, ", usage.output_tokens)),
            "{summary}"
        );
        let cost = response.cost.expect("priced model");
        assert!(cost.cache_read.0 + cost.cache_write.0 > 0);
        assert!(
            summary.contains(&format!("${:.6}", cost.usd())),
            "{scenario}: {summary} vs {}",
            cost.usd()
        );
    }
}

#[test]
fn sigv4_without_and_with_a_session_token() {
    // Without: the default pair, and no token.
    let emulator = emulator();
    let run = Cli::new("sigv4")
        .sigv4()
        .at(&emulator, &["chat", "--model", MODEL, "signed"]);
    assert_ok(&run);
    assert_eq!(run.stdout, "signed\n");
    assert_eq!(emulator.requests()[0].auth, sigv4());

    // With: an emulator that requires the token.
    let (key, secret) = ("ASIACLISESSION", "S3CR3T-cli-session-secret");
    let emulator = Emulator::start(
        EmulatorConfig::default()
            .with_credentials(key, secret)
            .with_session_token(SESSION_TOKEN),
    )
    .unwrap();
    let cli = Cli::new("sigv4-token")
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret);
    let run = cli.clone_with("AWS_SESSION_TOKEN", SESSION_TOKEN).at(
        &emulator,
        &["chat", "--model", MODEL, "signed with a token"],
    );
    assert_ok(&run);
    assert_eq!(run.stdout, "signed with a token\n");
    assert_eq!(emulator.requests()[0].auth, sigv4());

    // The same keys without the token are rejected: exit 1, the kind and a hint, no secret.
    let run = cli.at(&emulator, &["chat", "--model", MODEL, "no token"]);
    assert_fails(&run, 1);
    assert!(
        run.stderr.starts_with("error: authentication: "),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("UnrecognizedClientException"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("  hint: "), "{run:#?}");
    assert_eq!(run.stdout, "");
}

impl Cli {
    /// The same environment plus one variable, in a new temp dir.
    fn clone_with(&self, name: &str, value: &str) -> Self {
        let mut env = self.env.clone();
        env.push((name.into(), value.into()));
        Self {
            dir: TempDir::new("clone"),
            env,
        }
    }
}

#[test]
fn bearer_key_from_the_environment() {
    let emulator = Emulator::start(EmulatorConfig::default().with_api_key(API_KEY)).unwrap();
    for name in ["AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_API_KEY"] {
        // AWS keys are present too: the bearer key comes first.
        let run = Cli::new("bearer-env")
            .sigv4()
            .env(name, API_KEY)
            .at(&emulator, &["chat", "--model", MODEL, "bearer from env"]);
        assert_ok(&run);
        assert_eq!(run.stdout, "bearer from env\n");
    }
    assert!(
        emulator
            .requests()
            .iter()
            .all(|r| r.auth == Some(AuthKind::Bearer) && r.status == 200)
    );
}

#[cfg(unix)]
#[test]
fn vault_set_list_chat_and_rm() {
    use std::os::unix::fs::PermissionsExt;

    let emulator = Emulator::start(EmulatorConfig::default().with_api_key(API_KEY)).unwrap();
    let cli = Cli::new("vault");
    let chat = |cli: &Cli| cli.at(&emulator, &["chat", "--model", MODEL, "bearer from vault"]);

    // From stdin.
    let run = cli.run_with_stdin(
        &["secret", "set", "AWS_BEARER_TOKEN_BEDROCK", "-"],
        Some(&format!("{API_KEY}\n")),
    );
    assert_ok(&run);
    let vault = cli.bedrock_dir().join("vault.toml");
    assert_eq!(
        run.stderr,
        format!("stored AWS_BEARER_TOKEN_BEDROCK in {}\n", vault.display())
    );
    assert_eq!(run.stdout, "");
    let mode = std::fs::metadata(&vault).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // From the argument.
    assert_ok(&cli.run(&["secret", "set", "OTHER_KEY", "S3CR3T-other-value"]));

    let run = cli.run(&["secret", "list"]);
    assert_ok(&run);
    assert_eq!(run.stdout, "AWS_BEARER_TOKEN_BEDROCK\nOTHER_KEY\n");

    let run = chat(&cli);
    assert_ok(&run);
    assert_eq!(run.stdout, "bearer from vault\n");
    assert_eq!(emulator.requests()[0].auth, Some(AuthKind::Bearer));

    let run = cli.run(&["secret", "rm", "AWS_BEARER_TOKEN_BEDROCK"]);
    assert_ok(&run);
    assert_eq!(run.stderr, "removed AWS_BEARER_TOKEN_BEDROCK\n");
    let run = cli.run(&["secret", "list"]);
    assert_ok(&run);
    assert_eq!(run.stdout, "OTHER_KEY\n");
    let run = cli.run(&["secret", "rm", "AWS_BEARER_TOKEN_BEDROCK"]);
    assert_fails(&run, 1);
    assert!(
        run.stderr
            .contains("no secret named AWS_BEARER_TOKEN_BEDROCK in the vault"),
        "{run:#?}"
    );

    // Nothing left to authenticate with (IMDS is off): the product's error and hint.
    let run = chat(&cli);
    assert_fails(&run, 1);
    assert!(
        run.stderr.starts_with("error: no_credentials: "),
        "{run:#?}"
    );
    // One hint: the core's (variables and the vault reference), then the CLI's own command.
    let hints: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("  hint: "))
        .collect();
    assert_eq!(hints.len(), 1, "{run:#?}");
    assert!(
        hints[0].starts_with("  hint: set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY)"),
        "{run:#?}"
    );
    assert!(hints[0].contains("vault:BEDROCK_API_KEY"), "{run:#?}");
    assert!(
        hints[0].ends_with("(`bedrock secret set BEDROCK_API_KEY` stores a key in the vault)"),
        "{run:#?}"
    );
    assert_eq!(emulator.requests().len(), 1);

    // Bad input.
    let run = cli.run_with_stdin(&["secret", "set", "EMPTY", "-"], Some("  \n"));
    assert_fails(&run, 1);
    let run = cli.run(&["secret", "set", "not-a-name", "S3CR3T-x"]);
    assert_fails(&run, 1);
    assert!(run.stderr.contains("invalid secret name"), "{run:#?}");
}

#[test]
fn throttled_then_success_is_retried() {
    let emulator = emulator();
    let run = Cli::new("throttle").sigv4().at(
        &emulator,
        &["chat", "--model", MODEL, "[throttle:1] retried answer"],
    );
    assert_ok(&run);
    assert_eq!(run.stdout, "retried answer\n");
    let attempts: Vec<(u16, Option<String>)> = emulator
        .requests()
        .into_iter()
        .map(|r| (r.status, r.sdk_attempt))
        .collect();
    assert_eq!(
        attempts,
        [
            (429, Some("attempt=1; max=3".into())),
            (200, Some("attempt=2; max=3".into()))
        ]
    );
}

#[test]
fn a_midstream_exception_keeps_the_partial_output_and_exits_1() {
    let emulator = emulator();
    let run = Cli::new("midstream").sigv4().at(
        &emulator,
        &["chat", "--model", MODEL, "[midstream] one two three four"],
    );
    assert_fails(&run, 1);
    assert_eq!(run.stdout, "one two \n", "the partial output stays");
    assert!(run.stderr.starts_with("error: throttling: "), "{run:#?}");
    assert!(run.stderr.contains("  hint: "), "{run:#?}");
    assert!(
        !run.stderr.contains(" in, "),
        "no usage summary for a failed call: {run:#?}"
    );
    assert_eq!(emulator.requests().len(), 1, "not retried");
}

#[test]
fn a_truncated_stream_exits_1() {
    let emulator = emulator();
    let cli = Cli::new("truncated").sigv4();
    let run = cli.at(&emulator, &["chat", "--model", MODEL, "[cut] cut off here"]);
    assert_fails(&run, 1);
    assert_eq!(run.stdout, "cut off here\n");
    assert!(
        run.stderr.starts_with("error: truncated_stream: "),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains("hint: the connection ended mid-response")
    );

    let run = cli.at(
        &emulator,
        &["chat", "--model", MODEL, "[close] closed mid frame"],
    );
    assert_fails(&run, 1);
    assert_eq!(run.stdout, "closed \n");
    assert!(run.stderr.starts_with("error: "), "{run:#?}");
}

#[test]
fn access_denied_exits_1_with_the_per_region_hint() {
    let emulator = emulator();
    let cli = Cli::new("denied").sigv4();
    for extra in [&[][..], &["--no-stream"][..]] {
        let mut args = vec!["chat", "--model", MODEL];
        args.extend_from_slice(extra);
        args.push("[error:AccessDeniedException] hi");
        let run = cli.at(&emulator, &args);
        assert_fails(&run, 1);
        assert_eq!(run.stdout, "");
        let mut lines = run.stderr.lines();
        let first = lines.next().unwrap();
        assert!(first.starts_with("error: access_denied: "), "{first}");
        assert!(first.contains("HTTP 403, AccessDeniedException"), "{first}");
        assert!(first.contains("model us.anthropic.claude-haiku-4-5, region us-east-1"));
        let record = emulator.requests().pop().unwrap();
        assert_eq!(
            lines.next().unwrap(),
            format!("  request id: {}", record.request_id)
        );
        let hint = lines.next().unwrap();
        assert!(hint.starts_with("  hint: "), "{hint}");
        assert!(hint.contains("per-Region use-case approval"), "{hint}");
    }
}

/// A profile signed in through IAM Identity Center (SSO session `corp`).
const SSO_CONFIG: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n\
                          sso_role_name = ReadOnly\nregion = us-east-1\n\
                          [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
                          sso_region = eu-west-1\n";

/// The AWS CLI's token cache file for session `corp`: the SHA-1 of the session name.
const SSO_CACHE_FILE: &str = "home/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

#[test]
fn an_sso_profile_without_a_valid_token_gets_the_sso_hint_only() {
    let emulator = emulator();
    let cli = Cli::new("sso").env("AWS_PROFILE", "dev");
    cli.dir.write("home/.aws/config", SSO_CONFIG);
    let chat = |cli: &Cli| cli.at(&emulator, &["chat", "--model", MODEL, "hi"]);
    let only_hint = |run: &Run| -> String {
        let hints: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("  hint: "))
            .collect();
        assert_eq!(hints.len(), 1, "exactly one hint: {run:#?}");
        hints[0].to_string()
    };

    // No cached token.
    let run = chat(&cli);
    assert_fails(&run, 1);
    assert!(
        run.stderr
            .starts_with("error: no_credentials: profile 'dev' (SSO): no cached SSO token ("),
        "{run:#?}"
    );
    let hint = only_hint(&run);
    assert!(hint.contains("no SSO access token is cached"), "{hint}");
    assert!(hint.ends_with("(`aws sso login --profile dev`)"), "{hint}");
    assert!(!hint.contains("AWS_BEARER_TOKEN_BEDROCK"), "{hint}");

    // An expired one: the SSO fix, never the generic API-key one.
    cli.dir.write(
        SSO_CACHE_FILE,
        r#"{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"S3CR3T-sso","expiresAt":"2020-01-01T00:00:00Z"}"#,
    );
    let run = chat(&cli);
    assert_fails(&run, 1);
    assert!(
        run.stderr.starts_with(
            "error: no_credentials: profile 'dev' (SSO): the SSO session expired at 2020-01-01T00:00:00Z"
        ),
        "{run:#?}"
    );
    assert_eq!(
        run.stderr.matches("aws sso login").count(),
        1,
        "the command once, in the hint: {run:#?}"
    );
    let hint = only_hint(&run);
    assert!(
        hint.contains("has expired: sign in to its SSO session"),
        "{hint}"
    );
    assert!(hint.ends_with("(`aws sso login --profile dev`)"), "{hint}");
    assert!(!hint.contains("AWS_BEARER_TOKEN_BEDROCK"), "{hint}");
    assert!(emulator.requests().is_empty(), "nothing was sent");
}

#[test]
fn an_invalid_settings_file_names_the_line() {
    let cli = Cli::new("bad-settings").sigv4();
    let path = cli.dir.write(
        "config/bedrock/settings.toml",
        "[llm.providers.bedrock]\nenabled = true\nbase_urll = \"http://127.0.0.1:1\"\n",
    );
    let run = cli.run(&["chat", "--model", MODEL, "hi"]);
    assert_fails(&run, 1);
    assert!(run.stderr.starts_with("error: configuration: "), "{run:#?}");
    assert!(run.stderr.contains(&path.display().to_string()), "{run:#?}");
    assert!(run.stderr.contains("line 3"), "{run:#?}");
    assert!(run.stderr.contains("base_urll"), "{run:#?}");
    assert_eq!(run.stdout, "");

    // `model list` reads the same file.
    let run = cli.run(&["model", "list"]);
    assert_fails(&run, 1);
    assert!(run.stderr.contains("line 3"), "{run:#?}");

    // --settings names another file; a pasted secret is not echoed.
    let other = cli.dir.write(
        "elsewhere.toml",
        "# settings\n[llm.providers.bedrock.auth]\ncredentials = [\"S3CR3T-pasted-key\"]\n",
    );
    let run = cli.run(&[
        "--settings",
        other.to_str().unwrap(),
        "chat",
        "--model",
        MODEL,
        "hi",
    ]);
    assert_fails(&run, 1);
    assert!(run.stderr.contains("elsewhere.toml"), "{run:#?}");
    assert!(run.stderr.contains("line 3"), "{run:#?}");

    // A missing --settings file is an error, not the defaults.
    let run = cli.run(&["--settings", "/nonexistent/settings.toml", "model", "list"]);
    assert_fails(&run, 1);
    assert!(
        run.stderr.contains("/nonexistent/settings.toml"),
        "{run:#?}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let cli = Cli::new("usage");
    for args in [
        &["chat"][..],
        &[][..],
        &["frobnicate"][..],
        &["chat", "--model", MODEL, "--max-tokens", "0", "hi"][..],
        &["chat", "--model", MODEL, "--temperature", "warm", "hi"][..],
        &["model", "list", "--provider", "openai"][..],
        &["secret"][..],
    ] {
        let run = cli.run(args);
        assert_fails(&run, 2);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    let run = cli.run(&["--help"]);
    assert_ok(&run);
    assert!(run.stdout.contains("count-tokens"));
    let run = cli.run(&["--version"]);
    assert_ok(&run);
    assert!(run.stdout.starts_with("bedrock "));
}

#[test]
fn model_list_as_a_table_and_as_json() {
    let cli = Cli::new("model-list");
    cli.dir.write(
        "config/bedrock/settings.toml",
        "[llm.models.\"my-model\"]\nprovider = \"bedrock\"\napi_id = \"vendor.my-model-v1:0\"\n\
         costs = { input = 2.0, output = 8.0 }\n",
    );
    let run = cli.run(&["model", "list"]);
    assert_ok(&run);
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap();
    for column in [
        "MODEL",
        "PROVIDER",
        "WIRE ID",
        "CONTEXT",
        "MAX OUT",
        "FEATURES",
        "PRICE IN/OUT PER 1M",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with(MODEL))
        .expect("the haiku row");
    for cell in [
        "bedrock",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "200k",
        "64k",
        "tools",
        "$1.10 / $5.50",
    ] {
        assert!(row.contains(cell), "{row}");
    }
    // Aligned: every column starts where its header does.
    let column = header.find("WIRE ID").unwrap();
    assert_eq!(
        row.find("us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        Some(column)
    );
    let mine = run
        .stdout
        .lines()
        .find(|l| l.starts_with("my-model"))
        .expect("the user's model");
    assert!(mine.contains("vendor.my-model-v1:0") && mine.contains("$2.00 / $8.00"));

    let run = cli.run(&["model", "list", "--json"]);
    assert_ok(&run);
    let models: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = models.iter().filter_map(|m| m["id"].as_str()).collect();
    assert!(ids.contains(&MODEL) && ids.contains(&"my-model"), "{ids:?}");
    let haiku = models.iter().find(|m| m["id"] == MODEL).unwrap();
    assert_eq!(
        haiku["api_id"],
        "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    assert_eq!(haiku["provider"], "bedrock");

    let run = cli.run(&["model", "list", "--provider", "bedrock-openai", "--json"]);
    assert_ok(&run);
    let models: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(!models.is_empty());
    assert!(models.iter().all(|m| m["provider"] == "bedrock-openai"));
}

#[test]
fn model_test_ok_and_failing() {
    let emulator = Emulator::start(EmulatorConfig::default().with_api_key(API_KEY)).unwrap();
    let good = Cli::new("model-test").env("AWS_BEARER_TOKEN_BEDROCK", API_KEY);
    let run = good.at(&emulator, &["model", "test", "--model", MODEL]);
    assert_ok(&run);
    let line = run.stdout.trim_end();
    assert!(line.starts_with(&format!("ok  {MODEL}  ")), "{line}");
    assert!(
        line.contains(" ms  ") && line.contains(" out tokens  $0.0"),
        "{line}"
    );

    let run = good.at(&emulator, &["model", "test", "--model", MODEL, "--json"]);
    assert_ok(&run);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["model"], MODEL);
    assert!(report["latency_ms"].is_u64());
    assert!(report["usage"]["input_tokens"].as_u64().unwrap() > 0);
    assert!(report["request_id"].is_string());

    // A key the service does not accept: exit 1, the typed error with its hint.
    let bad = Cli::new("model-test-bad").env("AWS_BEARER_TOKEN_BEDROCK", "S3CR3T-wrong-key");
    let run = bad.at(&emulator, &["model", "test", "--model", MODEL]);
    assert_fails(&run, 1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{run:#?}");
    assert!(
        run.stderr
            .contains("Authentication failed: Please make sure your API Key is valid"),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains("hint: the runtime rejected the API key: check AWS_BEARER_TOKEN_BEDROCK"),
        "{run:#?}"
    );
    let run = bad.at(&emulator, &["model", "test", "--model", MODEL, "--json"]);
    assert_fails(&run, 1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["status"], 403);
    assert!(
        report["hint"]
            .as_str()
            .unwrap()
            .contains("rejected the API key")
    );

    // An unknown model is a configuration error naming it.
    let run = good.at(&emulator, &["model", "test", "--model", "no-such-model"]);
    assert_fails(&run, 1);
    assert!(run.stderr.contains("no-such-model"), "{run:#?}");
}

#[test]
fn count_tokens_agrees_with_chat() {
    let emulator = emulator();
    let cli = Cli::new("count").sigv4();
    let prompt = "How many tokens does this prompt take?";
    let run = cli.at(&emulator, &["count-tokens", "--model", MODEL, prompt]);
    assert_ok(&run);
    let counted: u64 = run.stdout.trim().parse().unwrap();
    assert!(counted > 0);
    let response = json_response(&cli.at(&emulator, &["chat", "--json", "--model", MODEL, prompt]));
    assert_eq!(counted, response.usage.input_tokens);

    let run = cli.run_with_stdin(
        &with_endpoint(
            &emulator.endpoint_url(),
            &["count-tokens", "--model", MODEL],
        ),
        Some(prompt),
    );
    assert_ok(&run);
    assert_eq!(run.stdout.trim().parse::<u64>().unwrap(), counted);
    assert_eq!(
        emulator.requests()[0].operation,
        Some(Operation::CountTokens)
    );

    // An empty prompt is refused before any call.
    let run = cli.run_with_stdin(
        &with_endpoint(
            &emulator.endpoint_url(),
            &["count-tokens", "--model", MODEL],
        ),
        Some(" \n"),
    );
    assert_fails(&run, 1);
    assert_eq!(emulator.requests().len(), 3);
}

/// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` points the CLI at the emulator without `--base-url`; the
/// region still has to come from somewhere, here `--region`.
#[test]
fn the_endpoint_from_the_environment() {
    let emulator = emulator();
    let run = Cli::new("endpoint-env")
        .sigv4()
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &emulator.endpoint_url())
        .env("AWS_REGION", "us-east-1")
        .run(&[
            "--region",
            "us-east-1",
            "chat",
            "--model",
            MODEL,
            "via the env",
        ]);
    assert_ok(&run);
    assert_eq!(run.stdout, "via the env\n");
    assert_eq!(emulator.requests()[0].auth, sigv4());
}

/// "`bedrock chat` against a server that sends one frame per second shows each delta within
/// 100 ms of its frame." On a quiet machine the lag is about a millisecond; the bound here is
/// 300 ms, which a loaded 2-core CI machine's scheduler keeps, and which any buffering of the
/// stream (a delta shown a frame, 1 s, late or at the end) still fails.
///
/// Method: the emulator drips one frame per second (`[drip:1000]`; the head and `messageStart`
/// first, then one delta per word, then `contentBlockStop`, `messageStop`, `metadata`). It is
/// reached through a relay that timestamps every read of the emulator's bytes just before
/// forwarding them, so each burst of reads is the moment a frame went out onto the CLI's
/// connection (frames are 1 s apart; reads within 500 ms of each other belong to one frame).
/// A thread reads the CLI's stdout pipe and timestamps every read. Delta `k` (1-based) is frame
/// `k`, so it must show up on stdout no earlier than burst `k` and less than 300 ms after it.
/// Both clocks are this process's `Instant`.
#[test]
fn chat_shows_each_delta_as_its_frame_arrives() {
    const FRAME: Duration = Duration::from_millis(1000);
    const WITHIN: Duration = Duration::from_millis(300);
    let emulator = emulator();
    let relay = Relay::start(emulator.addr());
    let url = format!("http://{}", relay.addr);
    let cli = Cli::new("drip").sigv4();
    let mut child = cli
        .command(&with_endpoint(
            &url,
            &["chat", "--model", MODEL, "[drip:1000] Alpha bravo charlie"],
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut reads: Vec<(Instant, String)> = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            reads.push((
                Instant::now(),
                String::from_utf8_lossy(&buf[..n]).into_owned(),
            ));
        }
        reads
    });
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    let reads = reader.join().unwrap();
    let stdout: String = reads.iter().map(|(_, s)| s.as_str()).collect();
    let run = Run {
        code: status.code().unwrap(),
        stdout: stdout.clone(),
        stderr,
    };
    assert_no_secret(&run);
    assert_ok(&run);
    assert_eq!(stdout, "Alpha bravo charlie\n");

    // Frames: head + messageStart, "Alpha ", "bravo ", "charlie", contentBlockStop,
    // messageStop, metadata.
    let bursts = relay.bursts(FRAME / 2);
    assert_eq!(bursts.len(), 7, "one burst per frame: {bursts:?}");

    let deltas = ["Alpha ", "bravo ", "charlie"];
    let mut expected_len = 0;
    let mut shown_at = Vec::new();
    for (k, delta) in deltas.iter().enumerate() {
        expected_len += delta.len();
        // When stdout first held everything up to and including this delta.
        let mut seen = 0;
        let at = reads
            .iter()
            .find_map(|(at, text)| {
                seen += text.len();
                (seen >= expected_len).then_some(*at)
            })
            .unwrap();
        let sent = bursts[k + 1];
        assert!(at >= sent, "delta {k} shown before its frame was sent");
        let lag = at.duration_since(sent);
        assert!(
            lag < WITHIN,
            "delta {k} ({delta:?}) shown {lag:?} after its frame was sent"
        );
        shown_at.push(at);
    }
    // And so, seen from stdout alone: one delta per second.
    for pair in shown_at.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(
            gap > FRAME - WITHIN && gap < FRAME + WITHIN,
            "deltas {gap:?} apart"
        );
    }
    // The first delta is on stdout one frame after the head, long before the stream ends.
    assert!(*bursts.last().unwrap() > shown_at[0] + FRAME * 4);
}

/// `chat --request FILE|-`: the whole conversation goes out (the emulator's input tokens count
/// every message and the system prompt, and it echoes the last user turn), streamed by default;
/// `--model` replaces the request's model.
#[test]
fn chat_sends_a_whole_request_from_a_file_or_stdin() {
    let emulator = emulator();
    let cli = Cli::new("request").sigv4();
    let body = |model: &str| {
        serde_json::json!({
            "model": model,
            "system": "s".repeat(40),
            "messages": [
                {"role": "user", "content": "a".repeat(40)},
                {"role": "assistant", "content": "b".repeat(40)},
                {"role": "user", "content": "Third turn"},
            ],
            "max_tokens": 100,
        })
        .to_string()
    };
    let file = cli.dir.write("request.json", &body(MODEL));
    let file = file.to_str().unwrap();
    let run = cli.at(&emulator, &["chat", "--request", file]);
    assert_ok(&run);
    assert_eq!(run.stdout, "Third turn\n");
    let streamed = summary_line(&run.stderr).to_string();

    // The same from stdin, as JSON, without and with streaming. The emulator counts a token per
    // 4 characters of every string under messages and system: the three 40-character parts
    // (and the roles) add at least 30 tokens to the last turn's alone.
    let alone = json_response(&cli.at(
        &emulator,
        &["chat", "--json", "--model", MODEL, "Third turn"],
    ))
    .usage
    .input_tokens;
    let mut whole = Vec::new();
    for extra in [&[][..], &["--no-stream"][..]] {
        let mut args = vec!["chat", "--json", "--request", "-"];
        args.extend_from_slice(extra);
        let run = cli.run_with_stdin(
            &with_endpoint(&emulator.endpoint_url(), &args),
            Some(&body(MODEL)),
        );
        let response = json_response(&run);
        assert_eq!(response.text(), "Third turn");
        whole.push(response.usage.input_tokens);
    }
    assert_eq!(whole[0], whole[1]);
    assert!(whole[0] >= alone + 30, "{whole:?} vs {alone}");
    assert!(
        streamed.starts_with(&format!("[{} in", whole[0])),
        "{streamed}"
    );

    // --model overrides the request's model.
    let file = cli.dir.write("other.json", &body("no-such-model"));
    let run = cli.at(
        &emulator,
        &[
            "chat",
            "--model",
            MODEL,
            "--request",
            file.to_str().unwrap(),
        ],
    );
    assert_ok(&run);
    let records = emulator.requests();
    let operations: Vec<_> = records.iter().map(|r| r.operation).collect();
    assert_eq!(
        operations,
        [
            Some(Operation::ConverseStream),
            Some(Operation::ConverseStream),
            Some(Operation::ConverseStream),
            Some(Operation::Converse),
            Some(Operation::ConverseStream),
        ]
    );
    assert_eq!(records[4].model_id, records[0].model_id);

    // A request that is not valid JSON, or not a request, is a usage error naming the file.
    let bad = cli
        .dir
        .write("bad.json", r#"{"model": "m", "messages": [], "colour": 1}"#);
    let run = cli.at(&emulator, &["chat", "--request", bad.to_str().unwrap()]);
    assert_fails(&run, 1);
    assert!(run.stderr.contains("bad.json is not valid"), "{run:#?}");
    assert!(run.stderr.contains("colour"), "{run:#?}");
    // A prompt and a request together are a usage error.
    let run = cli.at(
        &emulator,
        &["chat", "--request", file.to_str().unwrap(), "hi"],
    );
    assert_fails(&run, 2);
    assert_eq!(emulator.requests().len(), 5);
}

/// Two `bedrock secret set` processes at once never lose an entry or leave a corrupt vault:
/// each holds the vault's lock around its read-modify-write and replaces the file by rename.
#[test]
fn concurrent_secret_sets_lose_nothing() {
    let cli = Cli::new("vault-race");
    std::thread::scope(|scope| {
        for writer in 0..2 {
            let cli = &cli;
            scope.spawn(move || {
                for i in 0..15 {
                    let name = format!("W{writer}_{i}");
                    assert_ok(&cli.run(&["secret", "set", &name, "S3CR3T-race-value"]));
                }
            });
        }
    });
    let run = cli.run(&["secret", "list"]);
    assert_ok(&run);
    let mut expected: Vec<String> = (0..2)
        .flat_map(|w| (0..15).map(move |i| format!("W{w}_{i}")))
        .collect();
    expected.sort();
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);
}

/// A reader that goes away (`bedrock chat ... | head -c1`) stops the call: the CLI exits 0 at
/// once, without a panic or an error message, instead of reading the rest of a slow stream.
#[test]
fn a_closed_stdout_stops_the_stream_quietly() {
    // Frames far enough apart that a loaded 2-core machine still tells "stopped after the first
    // delta" (about one frame) from "read on" (over twenty frames): the bound allows six.
    const FRAME: Duration = Duration::from_millis(600);
    let emulator = emulator();
    let cli = Cli::new("closed-stdout").sigv4();
    let words = "one two three four five six seven eight nine ten eleven twelve";
    let prompt = format!("[drip:{}] {words}", FRAME.as_millis());
    let started = Instant::now();
    let mut child = cli
        .command(&with_endpoint(
            &emulator.endpoint_url(),
            &["chat", "--model", MODEL, &prompt],
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"o");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    let elapsed = started.elapsed();
    let run = Run {
        code: status
            .code()
            .expect("exited, not killed by a signal or an abort"),
        stdout: String::new(),
        stderr,
    };
    assert_no_secret(&run);
    assert_ok(&run);
    assert_eq!(run.stderr, "", "quiet: {run:#?}");
    // The next delta's write fails and ends the call; the other ten frames are never read.
    assert!(
        elapsed < FRAME * 6,
        "the stream was read on after stdout closed: {elapsed:?}"
    );
}

/// `--timeout SECS` is the longest wait for the model: a Converse whose answer takes longer
/// fails after SECS with that number in the message, and is not retried (one request).
#[test]
fn timeout_option_bounds_the_wait_for_the_answer() {
    let emulator = emulator();
    let cli = Cli::new("timeout").sigv4();
    let started = Instant::now();
    let run = cli.at(
        &emulator,
        &[
            "--timeout",
            "1",
            "chat",
            "--no-stream",
            "--model",
            MODEL,
            "[slow_head:10000] hello",
        ],
    );
    assert_fails(&run, 1);
    assert!(
        run.stderr
            .contains("no response within 1 s of sending the request"),
        "{run:#?}"
    );
    // Well before the 10 s answer, with room for a slow process start on a loaded machine.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emulator.requests().len(), 1);
    // Out of range: a usage error.
    assert_fails(&cli.run(&["--timeout", "0", "model", "list"]), 2);
}

/// The bedrock-openai route: `--model openai.gpt-5.5` against the emulator's mantle endpoint
/// streams the answer with an API key (no `--region` needed: nothing is signed), and with AWS
/// credentials alone fails before sending, saying a key is needed.
#[test]
fn openai_models_take_an_api_key_and_stream_through_mantle() {
    let emulator = Emulator::start(EmulatorConfig::default().with_api_key(API_KEY)).unwrap();
    let mantle = format!("{}/openai/v1", emulator.endpoint_url());
    let run = Cli::new("mantle-key")
        .env("AWS_BEARER_TOKEN_BEDROCK", API_KEY)
        .run(&[
            "--base-url",
            &mantle,
            "chat",
            "--model",
            "openai.gpt-5.5",
            "hello mantle",
        ]);
    assert_ok(&run);
    assert_eq!(run.stdout, "hello mantle\n");
    assert_no_secret(&run);
    let records = emulator.requests();
    assert_eq!(records.len(), 1);
    assert!(records[0].operation.is_none() && records[0].auth == Some(AuthKind::Bearer));

    let run = Cli::new("mantle-sigv4").sigv4().run(&[
        "--base-url",
        &mantle,
        "chat",
        "--model",
        "openai.gpt-5.5",
        "refused",
    ]);
    assert_fails(&run, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("this provider takes a Bedrock API key"),
        "{}",
        run.stderr
    );
    assert_eq!(
        emulator.requests().len(),
        1,
        "nothing sent with SigV4 alone"
    );
}
