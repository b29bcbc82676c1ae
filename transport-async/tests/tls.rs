//! Where the CA bundle comes from, against the emulator's HTTPS listener (127.0.0.1, a CA made at
//! start): `AWS_CA_BUNDLE`, else the profile's `ca_bundle`; a bundle that cannot be read or
//! parsed is a configuration error when the client is built.
//!
//! Resolving and reading the bundle is the host's `ClientBuilder`, which both adapters share, so
//! it is tested once, here. Trusting a bundle and refusing an untrusted certificate (a typed
//! error, not retried) run through every transport in the end-to-end suite's `tls: …` rows
//! (`conformance/src/e2e/scenarios.rs`).

use bedrock_async::{Client, ClientBuilder, Error, ErrorKind, Request, Response, Settings};
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

#[test]
fn a_ca_bundle_without_a_certificate_is_a_configuration_error() {
    let emulator = emulator();
    let error = builder(&emulator, &[])
        .ca_bundle("not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration, "{error}");
}

fn call(client: &Client) -> Result<Response, Error> {
    smol::block_on(client.converse(&Request::new(MODEL).user("trusted").max_tokens(64)))
}
