//! The emulator replay vectors (`conformance/vectors/emulator`, captured from botocore) through
//! the suite runner's helpers, against an emulator in process over loopback sockets.

use std::net::SocketAddr;
use std::path::PathBuf;

use bedrock_conformance::emulator::raw::{RawResponse, roundtrip};
use bedrock_conformance::emulator::{AuthKind, Emulator};
use bedrock_conformance::emulator_suite as vectors;
use bedrock_core::converse::ConverseResponse;
use serde_json::{Value, json};

fn call(addr: SocketAddr, request: &[u8]) -> RawResponse {
    roundtrip(addr, request).expect("a response")
}

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors/emulator")
}

fn vector_case(name: &str) -> Value {
    let text = std::fs::read_to_string(vector_dir().join("expected.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["emulator_requests"][name].clone()
}

#[test]
fn botocore_signed_request_verifies_and_one_changed_byte_does_not() {
    let case = vector_case("converse-arn");
    let emulator = Emulator::start(vectors::case_config(&case).unwrap()).unwrap();
    let original = vectors::case_request(&vector_dir(), &case).unwrap();

    let ok = call(emulator.addr(), &original);
    assert_eq!(ok.head.status, 200, "{:?}", ok.message());
    let response = ConverseResponse::from_json(&ok.body).unwrap();
    assert_eq!(
        serde_json::to_value(response.content()).unwrap(),
        json!([{"text": "Hello"}])
    );

    let body_at = original.windows(5).position(|w| w == b"Hello").unwrap();
    let path_at = original.windows(5).position(|w| w == b"haiku").unwrap();
    for (what, at) in [("body", body_at), ("path", path_at)] {
        let mut changed = original.clone();
        changed[at + 4] ^= 0x01;
        let response = call(emulator.addr(), &changed);
        assert_eq!(response.head.status, 403, "{what}");
        assert_eq!(
            response.error_type(),
            Some("InvalidSignatureException"),
            "{what}"
        );
        let message = response.message().unwrap();
        assert!(
            message.contains("The Canonical String for this request should have been\n'POST\n/model/arn%253Aaws%253Abedrock"),
            "{what}: {message}"
        );
        assert!(message.contains(
            "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20150830T123600Z\n"
        ));
    }
    let records = emulator.requests();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[0].auth,
        Some(AuthKind::SigV4 {
            region: "us-west-2".into()
        })
    );
    assert_eq!(records[0].sdk_attempt.as_deref(), Some("attempt=1"));
    assert_eq!(records[1].auth, None);
}

#[test]
fn every_replay_vector_passes() {
    let text = std::fs::read_to_string(vector_dir().join("expected.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let cases = json["emulator_requests"].as_object().unwrap();
    assert!(cases.len() >= 6);
    for (name, case) in cases {
        let emulator = Emulator::start(vectors::case_config(case).unwrap()).unwrap();
        let request = vectors::case_request(&vector_dir(), case).unwrap();
        let response = call(emulator.addr(), &request);
        vectors::check_response(&response, &case["expect"])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
