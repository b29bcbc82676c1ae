//! The AWS default credential chain answered with arbitrary bytes: profile and config files,
//! `credential_process` output, and HTTP answers from IMDS, the container endpoint, STS and the
//! SSO portal (JSON and XML bodies, any status). The first byte chooses which environment
//! variables are set, so every source is reached. No panic, the machine always finishes within a
//! bounded number of questions, and polling after the result repeats it.
#![no_main]

use bedrock_core::credentials::{
    Answer, ChainConfig, ChainMachine, CommandOutput, FileError, HttpResponse, Machine, Need, Step,
};
use bedrock_core::time::UnixTime;
use libfuzzer_sys::fuzz_target;

/// Environment variables the first input byte turns on, one bit each.
const ENV: [(&str, &str); 8] = [
    ("AWS_PROFILE", "dev"),
    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    ),
    (
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://127.0.0.1:9/creds",
    ),
    ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
    ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/fuzz"),
    ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "token"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mask, rest)) = data.split_first() else {
        return;
    };
    // Answers to files, commands and HTTP requests, in the order asked: 0xFF-separated pieces.
    let mut pieces = rest.split(|&b| b == 0xFF);
    let mut next = || pieces.next().unwrap_or_default().to_vec();
    let mut machine = ChainMachine::new(ChainConfig::default());
    for _ in 0..500 {
        let answer = match machine.poll() {
            Step::Done(result) => {
                // Final: polling again repeats the result.
                let again = machine.poll();
                assert!(matches!(again, Step::Done(ref r) if r.is_ok() == result.is_ok()));
                return;
            }
            Step::Need(Need::Env(name)) => Answer::env(
                ENV.iter()
                    .enumerate()
                    .find(|(i, (n, _))| *n == name && mask & (1 << i) != 0)
                    .map(|(_, (_, v))| *v),
            ),
            Step::Need(Need::HomeDir) => Answer::HomeDir(Some("/home/fuzz".into())),
            Step::Need(Need::File(_)) => {
                let bytes = next();
                if bytes.is_empty() {
                    Answer::File(Err(FileError::NotFound))
                } else {
                    Answer::File(Ok(bytes))
                }
            }
            Step::Need(Need::Command(_)) => {
                let stdout = next();
                let status = stdout.first().map(|b| i32::from(b & 3));
                Answer::Command(Ok(CommandOutput {
                    status,
                    stdout,
                    stderr: Vec::new(),
                }))
            }
            Step::Need(Need::Http(_)) => {
                let bytes = next();
                let status = match bytes.first() {
                    Some(b) => [200, 400, 401, 403, 404, 429, 500, 503][usize::from(b & 7)],
                    None => 200,
                };
                Answer::Http(Ok(HttpResponse::new(
                    status,
                    bytes.get(1..).unwrap_or_default(),
                )))
            }
            Step::Need(Need::Now) => Answer::Now(UnixTime::from_secs(1_764_072_000).unwrap()),
            Step::Need(Need::Vault(_)) => Answer::Vault(Ok(None)),
            Step::Need(Need::Sleep(_)) => Answer::Slept,
            Step::Need(Need::Random) => Answer::Random(7),
            Step::Need(Need::WriteFile { .. }) => Answer::Written(Ok(())),
            Step::Need(other) => panic!("a question this target does not answer yet: {other:?}"),
        };
        machine.provide(answer);
    }
    panic!("the chain asked more than 500 questions");
});
