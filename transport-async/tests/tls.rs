//! TLS trust against the emulator's HTTPS listener (127.0.0.1), whose certificate is signed by
//! a CA made at start: untrusted by default (the OS store and the web roots do not hold it), a
//! typed certificate error on one connection; trusted through `AWS_CA_BUNDLE`.

use bedrock_async::{Client, ClientBuilder, Error, ErrorKind, Origin, Request, Response, Settings};
use bedrock_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use bedrock_host::{Env, Host};

const MODEL: &str = "us.anthropic.claude-haiku-4-5";

fn emulator() -> EmulatorHandle {
    Emulator::start(EmulatorConfig::default().with_tls()).unwrap()
}

fn builder(emulator: &EmulatorHandle, env: &[(&str, &str)]) -> ClientBuilder {
    let url = emulator.https_endpoint_url().unwrap();
    let settings = Settings::parse(&format!(
        "[llm.providers.bedrock]\nenabled = true\nbase_url = \"{url}\"\nregion = \"us-east-1\"\n\
         [llm.providers.bedrock.auth]\ncredentials = [\"env:AWS_BEARER_TOKEN_BEDROCK\"]\n"
    ))
    .unwrap();
    let mut pairs = vec![
        ("HOME", "/nonexistent-bedrock-test-home"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        (
            "AWS_BEARER_TOKEN_BEDROCK",
            bedrock_emulator::DEFAULT_API_KEY,
        ),
    ];
    pairs.extend_from_slice(env);
    ClientBuilder::from_host(Host::with_env(Env::from_pairs(pairs)), settings).unwrap()
}

#[test]
fn an_untrusted_certificate_is_a_typed_error_and_not_retried() {
    let emulator = emulator();
    let client = builder(&emulator, &[]).build().unwrap();
    let error = call(&client).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io, "{error}");
    assert_eq!(error.origin(), Origin::Transport);
    assert_eq!(error.detail(), Some("tls_certificate"), "{error}");
    assert!(!error.is_retryable());
    assert!(error.hint().unwrap().contains("AWS_CA_BUNDLE"), "{error:?}");
    assert_eq!(emulator.accepted_connections(), 1, "one attempt");
    assert!(emulator.requests().is_empty());
}

#[test]
fn aws_ca_bundle_is_trusted() {
    let emulator = emulator();
    let dir = std::env::temp_dir().join(format!(
        "bedrock-tls-{}-{}",
        std::process::id(),
        env!("CARGO_CRATE_NAME")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, emulator.ca_pem().unwrap()).unwrap();
    let client = builder(&emulator, &[("AWS_CA_BUNDLE", bundle.to_str().unwrap())])
        .build()
        .unwrap();
    let response = call(&client).unwrap();
    assert_eq!(response.text(), "trusted");
    // A bundle that cannot be read is a configuration error when the client is built.
    let missing = dir.join("missing.pem");
    let error = builder(&emulator, &[("AWS_CA_BUNDLE", missing.to_str().unwrap())])
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration);
    assert!(error.message().contains("AWS_CA_BUNDLE"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_profiles_ca_bundle_is_trusted_when_aws_ca_bundle_is_unset() {
    let emulator = emulator();
    let dir = std::env::temp_dir().join(format!(
        "bedrock-tls-profile-{}-{}",
        std::process::id(),
        env!("CARGO_CRATE_NAME")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("corp-ca.pem");
    std::fs::write(&bundle, emulator.ca_pem().unwrap()).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        format!(
            "[default]\nca_bundle = /nonexistent/default.pem\n[profile corp]\nca_bundle = {}\n",
            bundle.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_string();
    let client = builder(
        &emulator,
        &[
            ("AWS_CONFIG_FILE", config.as_str()),
            ("AWS_PROFILE", "corp"),
        ],
    )
    .build()
    .unwrap();
    assert_eq!(call(&client).unwrap().text(), "trusted");
    // AWS_CA_BUNDLE wins over the profile (botocore's order): here a file that does not exist.
    let error = builder(
        &emulator,
        &[
            ("AWS_CONFIG_FILE", config.as_str()),
            ("AWS_PROFILE", "corp"),
            ("AWS_CA_BUNDLE", "/nonexistent/env.pem"),
        ],
    )
    .build()
    .unwrap_err();
    assert!(error.message().contains("/nonexistent/env.pem"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn call(client: &Client) -> Result<Response, Error> {
    smol::block_on(client.converse(&Request::new(MODEL).user("trusted").max_tokens(64)))
}
