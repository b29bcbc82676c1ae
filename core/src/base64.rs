//! Base64 (RFC 4648) as Bedrock uses it: blobs go out in the standard alphabet with padding; blobs
//! from callers are accepted in the standard or URL-safe alphabet, padded or not.
//!
//! A few dozen lines here instead of a dependency: every crate counts in the footprint budget.

use alloc::string::String;
use alloc::vec::Vec;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the standard, padded base64 of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(STANDARD[usize::try_from(index).unwrap_or(0)]));
            } else {
                out.push('=');
            }
        }
    }
}

/// The standard, padded base64 of `bytes`.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let mut out = String::new();
    encode_into(bytes.as_ref(), &mut out);
    out
}

/// Why text is not base64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidBase64;

impl core::fmt::Display for InvalidBase64 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("invalid base64")
    }
}

impl core::error::Error for InvalidBase64 {}

fn value(c: u8, url_safe: &mut Option<bool>) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'/' if *url_safe != Some(true) => {
            *url_safe = Some(false);
            if c == b'+' { 62 } else { 63 }
        }
        b'-' | b'_' if *url_safe != Some(false) => {
            *url_safe = Some(true);
            if c == b'-' { 62 } else { 63 }
        }
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes standard base64 with padding, exactly as Bedrock sends it.
///
/// # Errors
///
/// [`InvalidBase64`] for anything else.
pub fn decode(text: impl AsRef<str>) -> Result<Vec<u8>, InvalidBase64> {
    let text = text.as_ref();
    if !text.len().is_multiple_of(4) || text.bytes().any(|b| b == b'-' || b == b'_') {
        return Err(InvalidBase64);
    }
    decode_lenient(text)
}

/// Decodes base64 in either alphabet (not mixed), with or without padding.
///
/// # Errors
///
/// [`InvalidBase64`] for bad characters, a mixed alphabet, bad padding, or set bits past the
/// last whole byte (non-canonical input).
pub fn decode_lenient(text: &str) -> Result<Vec<u8>, InvalidBase64> {
    let bytes = text.as_bytes();
    let body_len = bytes.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let padding = bytes.len() - body_len;
    if padding > 2 || (padding > 0 && !bytes.len().is_multiple_of(4)) || body_len % 4 == 1 {
        return Err(InvalidBase64);
    }
    let mut url_safe = None;
    let mut out = Vec::with_capacity(body_len * 3 / 4);
    for chunk in bytes[..body_len].chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c, &mut url_safe).ok_or(InvalidBase64)? << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        let be = n.to_be_bytes();
        out.extend_from_slice(&be[1..1 + produced]);
        // Bits below the last whole byte must be zero (canonical encoding).
        let trailing_bits = 24 - 8 * produced;
        if chunk.len() < 4 && n & ((1u32 << trailing_bits) - 1) != 0 {
            return Err(InvalidBase64);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
            assert_eq!(
                decode_lenient(encoded.trim_end_matches('=')).unwrap(),
                plain.as_bytes()
            );
        }
        assert_eq!(encode(b"\x89PNG"), "iVBORw==");
    }

    #[test]
    fn lenient_accepts_url_safe_and_unpadded_only() {
        assert_eq!(decode_lenient("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_lenient("+/8=").unwrap(), [0xfb, 0xff]);
        assert!(
            decode("-_8=").is_err(),
            "strict decoding takes the standard alphabet only"
        );
        assert!(decode("Zm9").is_err(), "strict decoding needs padding");
        for bad in ["+_8", "Zg=", "Z===", "Zh==", "%%%", "Zm9v\n", "A"] {
            assert!(decode_lenient(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trips_every_length() {
        let data: Vec<u8> = (0..=255).collect();
        for len in 0..data.len() {
            assert_eq!(decode(encode(&data[..len])).unwrap(), &data[..len]);
        }
    }
}
