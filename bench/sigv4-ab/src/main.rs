//! `sigv4-ab PAIRS [BODY_BYTES]`: signs a Converse request with a reused `Signer` (as the
//! adapters do) and hashes the same body alone, in alternating batches, and prints the median of
//! the per-pair ratios (signing ÷ hashing) with the 25th and 75th percentiles.
//!
//! Criterion times each function in its own stretch of seconds, so a slow spell of this VM can
//! land on one side only; here both sides share every stretch, which is what an A/B of two core
//! revisions (ab.sh) needs to see a difference of a percent.

use std::hint::black_box;
use std::time::Instant;

use bedrock_core::sigv4::{Credentials, SignableRequest, Signer, SigningParams};
use bedrock_core::time::UnixTime;
use sha2::{Digest, Sha256};

/// Operations per batch: long enough for the clock, short enough to interleave often.
const BATCH: u32 = 2_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: sigv4-ab PAIRS [BODY_BYTES]";
    let pairs: usize = args.next().and_then(|a| a.parse().ok()).expect(usage);
    let body_len: usize = args.next().map_or(4096, |a| a.parse().expect(usage));
    let body = vec![b'a'; body_len];
    let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .expect("valid credentials");
    let time = UnixTime::from_secs(1_440_938_160).expect("valid time");
    let mut signer = Signer::new();

    let mut ratios = Vec::with_capacity(pairs);
    let mut sign_us = Vec::with_capacity(pairs);
    for _ in 0..pairs {
        let started = Instant::now();
        for _ in 0..BATCH {
            let request = SignableRequest::new(
                "POST",
                "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse",
            )
            .header("content-type", "application/json")
            .header("host", "bedrock-runtime.us-east-1.amazonaws.com")
            .body(black_box(&body));
            let params = SigningParams::new(&credentials, "us-east-1", "bedrock", time);
            let signed = signer
                .sign_headers(&request, &params)
                .expect("request signs");
            for header in signed.headers() {
                black_box(header);
            }
        }
        let signing = started.elapsed().as_secs_f64();
        let started = Instant::now();
        for _ in 0..BATCH {
            black_box(Sha256::digest(black_box(&body)));
        }
        let hashing = started.elapsed().as_secs_f64();
        ratios.push(signing / hashing);
        sign_us.push(signing / f64::from(BATCH) * 1e6);
    }
    ratios.sort_by(f64::total_cmp);
    sign_us.sort_by(f64::total_cmp);
    let at = |q: usize| ratios[(ratios.len() - 1) * q / 100];
    println!(
        "{body_len} B: signing / SHA-256 median {:.3} (p25 {:.3}, p75 {:.3}); signing median {:.3} us",
        at(50),
        at(25),
        at(75),
        sign_us[sign_us.len() / 2]
    );
}
