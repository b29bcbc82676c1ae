//! The event-stream suite: folders of raw `application/vnd.amazon.eventstream` inputs described
//! by an `expected.json`.
//!
//! A folder is a suite folder when it holds `expected.json` whose top-level object has a
//! `"vectors"` key. Every entry of `vectors` is one case, named `<folder>/<file>`, and says what
//! the file of that name must decode to:
//!
//! ```json
//! { "vectors": {
//!     "valid_no_headers": { "valid": true, "headers": [], "payload_base64": "YW5vdGhlcg==" },
//!     "two_frames": { "valid": true, "messages": [
//!         { "headers": [{ "name": ":event-type", "type": "string", "value": "messageStart" }],
//!           "payload_base64": "" },
//!         { "headers": [], "payload_base64": "" } ] },
//!     "bad_crc": { "valid": false, "error": "message_crc" } } }
//! ```
//!
//! Header types are named `bool_true`, `bool_false`, `byte`, `short`, `int`, `long`, `bytes`
//! (value base64), `string`, `timestamp` (milliseconds since the epoch) and `uuid` (canonical
//! `8-4-4-4-12` hex text). Our own extensions: `"messages"` instead of `"headers"` +
//! `"payload_base64"` for a file holding several frames; `"error"`, the [`DecodeError::kind`] an
//! invalid input must fail with; `"note"` (printed with the result) and `"botocore"` (what
//! botocore made of the file), both informational. Keys starting with `_` are comments; any other
//! key is an error, so a misspelt expectation cannot be silently ignored.
//!
//! A file is **one complete input**: it is decoded whole, one byte at a time and split into two
//! chunks at every position, each time followed by [`Decoder::finish`]; all of these must give the
//! same messages and the same error. A valid file must decode to exactly the expected messages,
//! and encoding them again with [`Message::encode`] must give back the file byte for byte. An
//! invalid file must make the decoder fail (an error from `finish`, such as a truncated frame or
//! bytes left after the last frame, counts).
//!
//! A file in the folder that `expected.json` does not list is a failure (`README.md`, `*.py` and
//! dot files excepted), and so is a listed file that is missing.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use bedrock_core::eventstream::{DecodeError, Decoder, Header, HeaderValue, Message};
use serde_json::Value;

use crate::listed_suite::{self, check_keys};
use crate::report::{CaseReport, Outcome, check_stage};

/// The file describing a suite folder.
pub use crate::listed_suite::EXPECTED_FILE;

/// Whether `dir` is an event-stream suite folder: it holds an `expected.json` whose top-level
/// object has a `"vectors"` key.
pub fn is_suite(dir: &Path) -> bool {
    listed_suite::is_suite(dir, "vectors")
}

/// Runs every case of the suite folder `dir`; `folder` is the folder's display name, which
/// prefixes each case name. Reports come in name order.
pub fn run_suite(dir: &Path, folder: &str) -> Vec<CaseReport> {
    listed_suite::run(dir, folder, "vectors", "event-stream", run_case)
}

/// What one entry of `vectors` expects.
#[derive(Debug, PartialEq, Eq)]
enum Expectation {
    /// The file decodes to exactly these messages.
    Valid(Vec<Message>),
    /// Decoding fails, with this [`DecodeError::kind`] when given.
    Invalid { kind: Option<String> },
}

#[derive(Debug, PartialEq, Eq)]
struct CaseSpec {
    expectation: Expectation,
    note: Option<String>,
}

fn parse_case(entry: &Value) -> Result<CaseSpec, String> {
    let what = "expected.json entry";
    let object = entry
        .as_object()
        .ok_or_else(|| format!("{what} is not a JSON object"))?;
    check_keys(
        object,
        &[
            "valid",
            "headers",
            "payload_base64",
            "messages",
            "error",
            "note",
            "botocore",
        ],
        what,
    )?;
    let valid = object
        .get("valid")
        .and_then(Value::as_bool)
        .ok_or_else(|| format!("{what}: \"valid\" is missing or not a boolean"))?;
    let optional_string = |key: &str| -> Result<Option<String>, String> {
        object
            .get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{what}: {key:?} is not a string"))
            })
            .transpose()
    };
    let note = optional_string("note")?;
    let has_single = object.contains_key("headers") || object.contains_key("payload_base64");
    let expectation = if valid {
        if object.contains_key("error") {
            return Err(format!("{what}: a valid vector cannot have an \"error\""));
        }
        match (has_single, object.get("messages")) {
            (true, Some(_)) => {
                return Err(format!(
                    "{what}: give either \"messages\" or \"headers\" + \"payload_base64\", not both"
                ));
            }
            (true, None) => Expectation::Valid(vec![parse_message(entry)?]),
            (false, Some(messages)) => Expectation::Valid(
                messages
                    .as_array()
                    .ok_or_else(|| format!("{what}: \"messages\" is not an array"))?
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let what = format!("messages[{i}]");
                        let object = m
                            .as_object()
                            .ok_or_else(|| format!("{what} is not a JSON object"))?;
                        check_keys(object, &["headers", "payload_base64"], &what)?;
                        parse_message(m).map_err(|e| format!("{what}: {e}"))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            (false, None) => {
                return Err(format!(
                    "{what}: a valid vector needs \"headers\" + \"payload_base64\" or \"messages\""
                ));
            }
        }
    } else {
        if has_single || object.contains_key("messages") {
            return Err(format!(
                "{what}: an invalid vector cannot expect headers, a payload or messages"
            ));
        }
        Expectation::Invalid {
            kind: optional_string("error")?,
        }
    };
    Ok(CaseSpec { expectation, note })
}

/// One expected message: `{"headers": [...], "payload_base64": "..."}`.
fn parse_message(json: &Value) -> Result<Message, String> {
    let headers = json
        .get("headers")
        .and_then(Value::as_array)
        .ok_or("\"headers\" is missing or not an array")?
        .iter()
        .enumerate()
        .map(|(i, h)| parse_header(h).map_err(|e| format!("headers[{i}]: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let payload = json
        .get("payload_base64")
        .and_then(Value::as_str)
        .ok_or("\"payload_base64\" is missing or not a string")?;
    let payload = base64_decode(payload).map_err(|e| format!("payload_base64: {e}"))?;
    Ok(Message::new(headers, payload))
}

/// One expected header: `{"name": ..., "type": ..., "value": ...}`.
fn parse_header(json: &Value) -> Result<Header, String> {
    let object = json.as_object().ok_or("not a JSON object")?;
    check_keys(object, &["name", "type", "value"], "header")?;
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .ok_or("\"name\" is missing or not a string")?;
    let type_name = object
        .get("type")
        .and_then(Value::as_str)
        .ok_or("\"type\" is missing or not a string")?;
    let value = object.get("value");
    let value = parse_header_value(type_name, value).map_err(|e| format!("{name:?}: {e}"))?;
    Ok(Header::new(name, value))
}

/// A header value from its type name and JSON value (absent only for the booleans).
fn parse_header_value(type_name: &str, value: Option<&Value>) -> Result<HeaderValue, String> {
    let integer = |min: i64, max: i64| -> Result<i64, String> {
        let n = value
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("{type_name} value is missing or not an integer"))?;
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(format!("{n} is out of range for {type_name}"))
        }
    };
    let text = || {
        value
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{type_name} value is missing or not a string"))
    };
    let boolean = |expected: bool| match value {
        None => Ok(HeaderValue::Bool(expected)),
        Some(Value::Bool(b)) if *b == expected => Ok(HeaderValue::Bool(expected)),
        Some(other) => Err(format!("{type_name} value must be {expected}, not {other}")),
    };
    // The ranges make the narrowing conversions below infallible.
    Ok(match type_name {
        "bool_true" => boolean(true)?,
        "bool_false" => boolean(false)?,
        "byte" => HeaderValue::Byte(integer(i8::MIN.into(), i8::MAX.into())? as i8),
        "short" => HeaderValue::Short(integer(i16::MIN.into(), i16::MAX.into())? as i16),
        "int" => HeaderValue::Int(integer(i32::MIN.into(), i32::MAX.into())? as i32),
        "long" => HeaderValue::Long(integer(i64::MIN, i64::MAX)?),
        "timestamp" => HeaderValue::Timestamp(integer(i64::MIN, i64::MAX)?),
        "bytes" => HeaderValue::Bytes(base64_decode(text()?)?),
        "string" => HeaderValue::String(text()?.to_string()),
        "uuid" => HeaderValue::Uuid(parse_uuid(text()?)?),
        other => return Err(format!("unknown header type {other:?}")),
    })
}

/// The vector type name of a header value.
fn type_name(value: &HeaderValue) -> &'static str {
    match value {
        HeaderValue::Bool(true) => "bool_true",
        HeaderValue::Bool(false) => "bool_false",
        HeaderValue::Byte(_) => "byte",
        HeaderValue::Short(_) => "short",
        HeaderValue::Int(_) => "int",
        HeaderValue::Long(_) => "long",
        HeaderValue::Bytes(_) => "bytes",
        HeaderValue::String(_) => "string",
        HeaderValue::Timestamp(_) => "timestamp",
        HeaderValue::Uuid(_) => "uuid",
    }
}

/// A header value as it is written in a vector: integers in decimal, bytes in base64, strings
/// JSON-quoted, uuids as canonical text.
fn render_header_value(value: &HeaderValue) -> String {
    match value {
        HeaderValue::Bool(b) => b.to_string(),
        HeaderValue::Byte(n) => n.to_string(),
        HeaderValue::Short(n) => n.to_string(),
        HeaderValue::Int(n) => n.to_string(),
        HeaderValue::Long(n) | HeaderValue::Timestamp(n) => n.to_string(),
        HeaderValue::Bytes(bytes) => BASE64_STANDARD.encode(bytes),
        HeaderValue::String(s) => quote(s),
        HeaderValue::Uuid(uuid) => format_uuid(uuid),
    }
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// Payload text longer than this is wrapped over several lines, so a diff points at the part
/// that differs.
const PAYLOAD_LINE_CHARS: usize = 96;

/// Messages as text, one header per line, then how decoding ended: the form in which decoded
/// and expected results are compared and diffed.
fn render(messages: &[Message], error: Option<&DecodeError>) -> String {
    let mut out = String::new();
    for (i, message) in messages.iter().enumerate() {
        let _ = writeln!(out, "message {}", i + 1);
        for header in &message.headers {
            let _ = writeln!(
                out,
                "  header {} {} {}",
                quote(&header.name),
                type_name(&header.value),
                render_header_value(&header.value)
            );
        }
        let len = message.payload.len();
        match std::str::from_utf8(&message.payload) {
            Ok(text) => {
                let quoted = quote(text);
                if quoted.chars().count() <= PAYLOAD_LINE_CHARS {
                    let _ = writeln!(out, "  payload {len} bytes, utf-8 {quoted}");
                } else {
                    let _ = writeln!(out, "  payload {len} bytes, utf-8 (wrapped):");
                    let chars: Vec<char> = quoted.chars().collect();
                    for line in chars.chunks(PAYLOAD_LINE_CHARS) {
                        let _ = writeln!(out, "    {}", line.iter().collect::<String>());
                    }
                }
            }
            Err(_) => {
                let _ = writeln!(
                    out,
                    "  payload {len} bytes, base64 {}",
                    BASE64_STANDARD.encode(&message.payload)
                );
            }
        }
    }
    match error {
        None => out.push_str("end of input, no error"),
        Some(e) => {
            let _ = write!(out, "error {}: {e}", e.kind());
        }
    }
    out
}

/// What the decoder made of one chunking of the input.
#[derive(Debug)]
struct Decoded {
    messages: Vec<Message>,
    error: Option<DecodeError>,
}

impl Decoded {
    fn render(&self) -> String {
        render(&self.messages, self.error.as_ref())
    }
}

/// Feeds `chunks` in order, takes every message out, then calls `finish`.
///
/// # Errors
///
/// A message when the decoder breaks its own contract (returns `None` with input left, loops,
/// or forgets an error); a decoding error is a normal result, in [`Decoded::error`].
fn decode_chunks<'c>(chunks: impl IntoIterator<Item = &'c [u8]>) -> Result<Decoded, String> {
    let mut decoder = Decoder::new();
    let mut messages = Vec::new();
    let mut fed = 0usize;
    let fail = |decoder: &mut Decoder, messages, error: DecodeError| {
        // "Every error is final: the decoder stays failed and returns the same error again."
        match decoder.finish() {
            Err(again) if again == error => Ok(Decoded {
                messages,
                error: Some(error),
            }),
            other => Err(format!(
                "after failing with {error:?} the decoder's finish() returned {other:?}"
            )),
        }
    };
    for chunk in chunks {
        fed += chunk.len();
        let mut input = chunk;
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(message)) => messages.push(message.to_owned()),
                Ok(None) => break,
                Err(e) => return fail(&mut decoder, messages, e),
            }
            // Every frame is at least 16 bytes: more messages than that is a decoder loop.
            if messages.len() > fed / 16 + 1 {
                return Err(format!(
                    "the decoder produced {} messages from {fed} bytes",
                    messages.len()
                ));
            }
        }
        if !input.is_empty() {
            return Err(format!(
                "decode() returned None with {} bytes of its input unconsumed",
                input.len()
            ));
        }
    }
    match decoder.finish() {
        Ok(()) => Ok(Decoded {
            messages,
            error: None,
        }),
        Err(e) => fail(&mut decoder, messages, e),
    }
}

fn run_case(path: &Path, entry: &Value) -> Outcome {
    match try_run_case(path, entry) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::Fail(message),
    }
}

fn try_run_case(path: &Path, entry: &Value) -> Result<Outcome, String> {
    let spec = parse_case(entry)?;
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;

    // The same input in every chunking must give the same result.
    let whole = decode_chunks([bytes.as_slice()])?;
    let whole_text = whole.render();
    let bytewise = decode_chunks(bytes.chunks(1))?;
    check_stage(
        "one byte at a time vs whole",
        &whole_text,
        &bytewise.render(),
    )?;
    for split in 1..bytes.len() {
        let (head, tail) = bytes.split_at(split);
        let parts = decode_chunks([head, tail])?;
        check_stage(
            &format!("split at byte {split} vs whole"),
            &whole_text,
            &parts.render(),
        )?;
    }
    let mut checks = vec!["whole", "byte by byte", "every split"];
    let mut notes: Vec<String> = spec.note.into_iter().collect();

    match spec.expectation {
        Expectation::Valid(expected) => {
            check_stage("decoded messages", &render(&expected, None), &whole_text)?;
            checks.push("messages");
            let mut encoded = Vec::new();
            for message in &whole.messages {
                message
                    .encode(&mut encoded)
                    .map_err(|e| format!("re-encoding a decoded message: {e}"))?;
            }
            check_stage(
                "re-encoded bytes (hex, 16 a line)",
                &hex_lines(&bytes),
                &hex_lines(&encoded),
            )?;
            checks.push("re-encode");
        }
        Expectation::Invalid { kind } => {
            let Some(error) = &whole.error else {
                return Err(format!(
                    "expected the decoder to reject this input, but it decoded:\n{whole_text}"
                ));
            };
            checks.push("rejected");
            match kind {
                Some(kind) => {
                    check_stage("error kind", &kind, error.kind())?;
                    checks.push("error kind");
                }
                None => notes.push(format!("rejected with {}: {error}", error.kind())),
            }
        }
    }
    Ok(Outcome::Pass { checks, notes })
}

fn hex_lines(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|line| line.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Decodes standard, padded base64, accepting only the canonical encoding (so a vector has
/// exactly one way to write a value): the `base64` crate's standard engine refuses other padding
/// and non-zero trailing bits.
fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    BASE64_STANDARD
        .decode(text)
        .map_err(|_| format!("{text:?} is not canonical padded base64"))
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits of either case).
fn parse_uuid(text: &str) -> Result<[u8; 16], String> {
    let err = || format!("{text:?} is not a uuid in 8-4-4-4-12 form");
    let bytes = text.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return Err(err());
    }
    let digits: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'-').collect();
    if digits.len() != 32 {
        return Err(err());
    }
    let mut uuid = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).map_err(|_| err())?;
        if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        uuid[i] = u8::from_str_radix(pair, 16).map_err(|_| err())?;
    }
    Ok(uuid)
}

/// Canonical lowercase `8-4-4-4-12` text.
fn format_uuid(uuid: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in uuid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_round_trips_and_is_strict() {
        for (raw, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"some bytes", "c29tZSBieXRlcw=="),
            (&[0x00, 0xff, 0xfe, 0x7f], "AP/+fw=="),
        ] {
            assert_eq!(BASE64_STANDARD.encode(raw), text);
            assert_eq!(base64_decode(text).unwrap(), raw);
        }
        for bad in ["Zg", "Zg=", "Zh==", "Z===", "Zm9v====", "Zm-v", "Zm9v\n"] {
            assert!(base64_decode(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn uuid_text_round_trips() {
        let text = "b79bc914-de21-4e13-b8b2-bc47e85b7f0b";
        let uuid = parse_uuid(text).unwrap();
        assert_eq!(uuid[0], 0xb7);
        assert_eq!(uuid[15], 0x0b);
        assert_eq!(format_uuid(&uuid), text);
        assert_eq!(
            parse_uuid("B79BC914-DE21-4E13-B8B2-BC47E85B7F0B").unwrap(),
            uuid
        );
        for bad in [
            "b79bc914de214e13b8b2bc47e85b7f0b",
            "b79bc914-de21-4e13-b8b2-bc47e85b7f0",
            "b79bc914-de21-4e13-b8b2-bc47e85b7f0g",
            "b79bc914-de21-4e13-b8b2bbc47e85b7f0b",
            "+79bc914-de21-4e13-b8b2-bc47e85b7f0b",
        ] {
            assert!(parse_uuid(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn every_header_type_parses_and_renders() {
        let cases = [
            ("bool_true", json!(true), HeaderValue::Bool(true), "true"),
            (
                "bool_false",
                json!(false),
                HeaderValue::Bool(false),
                "false",
            ),
            ("byte", json!(-128), HeaderValue::Byte(-128), "-128"),
            ("short", json!(20000), HeaderValue::Short(20000), "20000"),
            ("int", json!(-500000), HeaderValue::Int(-500_000), "-500000"),
            (
                "long",
                json!(i64::MIN),
                HeaderValue::Long(i64::MIN),
                "-9223372036854775808",
            ),
            (
                "bytes",
                json!("AP8="),
                HeaderValue::Bytes(vec![0, 255]),
                "AP8=",
            ),
            (
                "string",
                json!("a \"q\"\n"),
                HeaderValue::String("a \"q\"\n".into()),
                r#""a \"q\"\n""#,
            ),
            (
                "timestamp",
                json!(5_000_000_000i64),
                HeaderValue::Timestamp(5_000_000_000),
                "5000000000",
            ),
            (
                "uuid",
                json!("00010203-0405-0607-0809-0a0b0c0d0e0f"),
                HeaderValue::Uuid(core::array::from_fn(|i| i as u8)),
                "00010203-0405-0607-0809-0a0b0c0d0e0f",
            ),
        ];
        for (type_name_text, json, value, rendered) in cases {
            assert_eq!(
                parse_header_value(type_name_text, Some(&json)).unwrap(),
                value
            );
            assert_eq!(type_name(&value), type_name_text);
            assert_eq!(render_header_value(&value), rendered);
        }
        // Booleans may omit the value.
        assert_eq!(
            parse_header_value("bool_true", None).unwrap(),
            HeaderValue::Bool(true)
        );
    }

    #[test]
    fn header_values_are_checked() {
        for (type_name_text, json) in [
            ("byte", json!(128)),
            ("short", json!(-32769)),
            ("int", json!(2_147_483_648i64)),
            ("long", json!(1.5)),
            ("long", json!("5")),
            ("timestamp", Value::Null),
            ("bool_true", json!(false)),
            ("bool_false", json!(0)),
            ("bytes", json!("not base64!")),
            ("string", json!(7)),
            ("uuid", json!("nope")),
            ("integer", json!(1)),
        ] {
            assert!(
                parse_header_value(type_name_text, Some(&json)).is_err(),
                "{type_name_text} {json} accepted"
            );
        }
        assert!(parse_header_value("short", None).is_err());
    }

    #[test]
    fn entries_are_parsed_strictly() {
        let single = json!({"valid": true, "headers": [{"name": "n", "type": "int", "value": 1}],
                            "payload_base64": "aGk="});
        assert_eq!(
            parse_case(&single).unwrap().expectation,
            Expectation::Valid(vec![Message::new(
                vec![Header::new("n", HeaderValue::Int(1))],
                b"hi".to_vec()
            )])
        );
        let multi = json!({"valid": true, "note": "x", "messages": [
            {"headers": [], "payload_base64": ""}, {"headers": [], "payload_base64": "aGk="}]});
        let spec = parse_case(&multi).unwrap();
        assert_eq!(spec.note.as_deref(), Some("x"));
        assert_eq!(
            spec.expectation,
            Expectation::Valid(vec![
                Message::default(),
                Message::new(vec![], b"hi".to_vec())
            ])
        );
        assert_eq!(
            parse_case(&json!({"valid": false, "error": "message_crc", "_c": 1}))
                .unwrap()
                .expectation,
            Expectation::Invalid {
                kind: Some("message_crc".into())
            }
        );
        for bad in [
            json!({"valid": true}),
            json!({"valid": "yes", "headers": [], "payload_base64": ""}),
            json!({"valid": true, "headers": [], "payload_base64": "", "messages": []}),
            json!({"valid": true, "headers": []}),
            json!({"valid": true, "headers": [], "payload_base64": "", "error": "x"}),
            json!({"valid": false, "eror": "message_crc"}),
            json!({"valid": false, "headers": []}),
            json!({"valid": true, "messages": [{"headers": [], "payload_base64": "", "x": 1}]}),
            json!({"valid": true, "headers": [{"name": "n", "type": "int", "value": 1, "x": 0}],
                   "payload_base64": ""}),
        ] {
            assert!(parse_case(&bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn rendering_shows_one_header_per_line_and_the_ending() {
        let message = Message::new(
            vec![
                Header::new(":event-type", HeaderValue::String("messageStart".into())),
                Header::new("id", HeaderValue::Uuid([0xab; 16])),
            ],
            br#"{"role":"assistant"}"#.to_vec(),
        );
        let binary = Message::new(vec![], vec![0xff, 0x00]);
        assert_eq!(
            render(&[message, binary], None),
            "message 1\n\
             \x20 header \":event-type\" string \"messageStart\"\n\
             \x20 header \"id\" uuid abababab-abab-abab-abab-abababababab\n\
             \x20 payload 20 bytes, utf-8 \"{\\\"role\\\":\\\"assistant\\\"}\"\n\
             message 2\n\
             \x20 payload 2 bytes, base64 /wA=\n\
             end of input, no error"
        );
        let error = DecodeError::Truncated {
            received: 5,
            expected: 12,
        };
        assert!(render(&[], Some(&error)).starts_with("error truncated: "));
        let long = Message::new(vec![], vec![b'a'; 200]);
        let text = render(&[long], None);
        assert!(text.contains("(wrapped):\n    \"aaaa"));
        assert!(text.lines().all(|l| l.len() <= PAYLOAD_LINE_CHARS + 4));
    }

    #[test]
    fn chunkings_agree_and_errors_are_kept() {
        let mut frame = Vec::new();
        Message::new(
            vec![Header::new("a", HeaderValue::Bool(true))],
            b"x".to_vec(),
        )
        .encode(&mut frame)
        .unwrap();
        let whole = decode_chunks([frame.as_slice()]).unwrap();
        assert_eq!(whole.messages.len(), 1);
        assert!(whole.error.is_none());
        assert_eq!(
            decode_chunks(frame.chunks(1)).unwrap().render(),
            whole.render()
        );
        frame.extend_from_slice(&[0; 5]);
        let stray = decode_chunks([frame.as_slice()]).unwrap();
        assert_eq!(stray.messages.len(), 1);
        assert_eq!(stray.error.map(|e| e.kind()), Some("truncated"));
    }
}
