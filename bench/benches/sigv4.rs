//! SigV4 signing of a Bedrock Converse request: bedrock-core against `aws-sigv4`, side by side in
//! one run, with the SHA-256 of the body as the floor neither can go below.
//!
//! Run with `cargo bench -p bedrock-bench --bench sigv4`.
//!
//! Per body size (256 B and 4 KiB of Converse JSON) one group, with byte throughput:
//!
//! | benchmark | what one iteration does |
//! |---|---|
//! | `bedrock_core/signer` | build the request and parameters, sign with a reused [`Signer`] (one per client is the intended use: its derived-key cache and its template of the last canonical request hit, as they do for a client's stream of same-shaped requests, whose time changes only the date written into the template), read the headers |
//! | `bedrock_core/sign_headers` | the same with the free function, which derives the signing key every time |
//! | `aws_sigv4` | what an `aws-sigv4` user does per request: build the signable request, settings and parameters, sign, read the instructions' headers |
//! | `sha256_body` | SHA-256 of the body alone |
//!
//! The goal of issue 15 is `bedrock_core/signer` within 1.25x of `sha256_body` at 4 KiB: both are
//! timed in the same group and run, so divide their criterion times (this holds under load, where
//! absolute times do not).
//!
//! Both signers produce the same canonical request (`content-type;host;x-amz-date`, no
//! `x-amz-content-sha256`, double-encoded normalized path): a check before the timing asserts that
//! they add the same headers (`X-Amz-Date`, `Authorization`) with the same signature.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_core::sigv4::{
    self, Credentials, HeaderSignature, SignableRequest, Signer, SigningParams,
};
use bedrock_core::time::UnixTime;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};

use aws_sigv4::http_request::{
    SignableBody, SignableRequest as AwsSignableRequest, SigningInstructions,
    SigningParams as AwsSigningParams, SigningSettings as AwsSigningSettings, sign as aws_sign,
};
use aws_sigv4::sign::v4::SigningParams as AwsV4SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;

const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "bedrock";
const METHOD: &str = "POST";
const HOST: &str = "bedrock-runtime.us-east-1.amazonaws.com";
/// The request target as it goes on the wire: the model id's `:` is percent-encoded once.
const TARGET: &str = "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse";
const URI: &str = "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse";
const CONTENT_TYPE: &str = "application/json";
/// 2015-08-30T12:36:00Z.
const TIME_SECS: u64 = 1_440_938_160;

/// A Converse request body of exactly `len` bytes: one user message whose text is padded.
fn converse_body(len: usize) -> Vec<u8> {
    let head = r#"{"system":[{"text":"You are a concise assistant."}],"messages":[{"role":"user","content":[{"text":"Summarize the following notes in three bullet points. "#;
    let tail = r#""}]}],"inferenceConfig":{"maxTokens":512,"temperature":0.5,"topP":0.9}}"#;
    let filler =
        b"The quarterly report shows steady growth in every region, with costs under control. ";
    let pad = len
        .checked_sub(head.len() + tail.len())
        .expect("body size leaves room for the JSON envelope");
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(head.as_bytes());
    body.extend(filler.iter().copied().cycle().take(pad));
    body.extend_from_slice(tail.as_bytes());
    assert_eq!(body.len(), len);
    body
}

fn ours<'c>(
    signer: &mut Signer,
    credentials: &'c Credentials,
    time: UnixTime,
    body: &[u8],
) -> HeaderSignature<'c> {
    let request = SignableRequest::new(METHOD, TARGET)
        .header("content-type", CONTENT_TYPE)
        .header("host", HOST)
        .body(body);
    let params = SigningParams::new(credentials, REGION, SERVICE, time);
    signer
        .sign_headers(&request, &params)
        .expect("request signs")
}

fn ours_uncached<'c>(
    credentials: &'c Credentials,
    time: UnixTime,
    body: &[u8],
) -> HeaderSignature<'c> {
    let request = SignableRequest::new(METHOD, TARGET)
        .header("content-type", CONTENT_TYPE)
        .header("host", HOST)
        .body(body);
    let params = SigningParams::new(credentials, REGION, SERVICE, time);
    sigv4::sign_headers(&request, &params).expect("request signs")
}

/// Signs as an `aws-sigv4` user does for each request: the instructions (headers to add) and
/// the signature.
fn peer(identity: &Identity, time: SystemTime, body: &[u8]) -> (SigningInstructions, String) {
    let headers = [("content-type", CONTENT_TYPE), ("host", HOST)];
    let request =
        AwsSignableRequest::new(METHOD, URI, headers.into_iter(), SignableBody::Bytes(body))
            .expect("request parses");
    let params: AwsSigningParams<'_> = AwsV4SigningParams::builder()
        .identity(identity)
        .region(REGION)
        .name(SERVICE)
        .time(time)
        .settings(AwsSigningSettings::default())
        .build()
        .expect("parameters are complete")
        .into();
    aws_sign(request, &params)
        .expect("request signs")
        .into_parts()
}

/// Added headers as sorted `(lower-case name, value)` pairs, to compare the two signers.
fn normalized<'n, 'v>(headers: impl Iterator<Item = (&'n str, &'v str)>) -> Vec<(String, String)> {
    let mut headers: Vec<_> = headers
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    headers.sort();
    headers
}

fn sign_converse(c: &mut Criterion) {
    let credentials =
        Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY).expect("valid credentials");
    let identity: Identity = aws_credential_types::Credentials::new(
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        None,
        None,
        "bench",
    )
    .into();
    let time = UnixTime::from_secs(TIME_SECS).expect("valid time");
    let system_time = UNIX_EPOCH + Duration::from_secs(TIME_SECS);

    for (label, len) in [("256B", 256), ("4KiB", 4096)] {
        let body = converse_body(len);

        // Equivalent output, checked once outside the timing: the same added headers
        // (`X-Amz-Date`, and `Authorization` with the same signed headers and signature).
        let cached = ours(&mut Signer::new(), &credentials, time, &body);
        let uncached = ours_uncached(&credentials, time, &body);
        let (instructions, peer_signature) = peer(&identity, system_time, &body);
        assert_eq!(cached.signature(), uncached.signature());
        assert_eq!(cached.signature().as_str(), peer_signature);
        assert!(
            cached
                .authorization()
                .contains(", SignedHeaders=content-type;host;x-amz-date, ")
        );
        assert_eq!(
            normalized(cached.headers()),
            normalized(instructions.headers())
        );

        let mut group = c.benchmark_group(format!("sigv4_converse/{label}"));
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function("bedrock_core/signer", |b| {
            let mut signer = Signer::new();
            b.iter(|| {
                let signed = ours(
                    &mut signer,
                    black_box(&credentials),
                    black_box(time),
                    black_box(&body),
                );
                for header in signed.headers() {
                    black_box(header);
                }
            });
        });
        group.bench_function("bedrock_core/sign_headers", |b| {
            b.iter(|| {
                let signed =
                    ours_uncached(black_box(&credentials), black_box(time), black_box(&body));
                for header in signed.headers() {
                    black_box(header);
                }
            });
        });
        group.bench_function("aws_sigv4", |b| {
            b.iter(|| {
                let (instructions, signature) = peer(
                    black_box(&identity),
                    black_box(system_time),
                    black_box(&body),
                );
                for header in instructions.headers() {
                    black_box(header);
                }
                signature
            });
        });
        group.bench_function("sha256_body", |b| {
            b.iter(|| Sha256::digest(black_box(&body)));
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = sign_converse
}
criterion_main!(benches);
