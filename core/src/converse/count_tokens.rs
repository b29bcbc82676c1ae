//! The CountTokens response as Bedrock sends it: `{"inputTokens": 42}`.
//!
//! (The request side, [`encode_count_tokens`](super::encode_count_tokens) and
//! [`count_tokens_model_id`](super::count_tokens_model_id), is encoded with the Converse body.)

use serde::de::Error as _;
use serde_json::Value;

/// A CountTokens response body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CountTokensResponse {
    /// Input tokens the request would use.
    pub input_tokens: u64,
}

impl CountTokensResponse {
    /// Parses a CountTokens response body; members other than `inputTokens` are ignored.
    ///
    /// # Errors
    ///
    /// When the body is not JSON or `inputTokens` is missing or not a non-negative integer.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        // Read as a value rather than derived: a derived struct would also take `[7]`.
        let value: Value = serde_json::from_slice(body)?;
        let input_tokens = value
            .get("inputTokens")
            .and_then(Value::as_u64)
            .ok_or_else(|| serde_json::Error::custom("no inputTokens number"))?;
        Ok(Self { input_tokens })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_tokens_is_read_and_other_members_ignored() {
        let parsed = CountTokensResponse::from_json(br#"{"inputTokens": 7, "extra": [1]}"#);
        assert_eq!(parsed.ok(), Some(CountTokensResponse { input_tokens: 7 }));
    }

    /// As a JSON object's last duplicate member wins.
    #[test]
    fn a_repeated_member_takes_its_last_value() {
        let parsed = CountTokensResponse::from_json(br#"{"inputTokens": 1, "inputTokens": 2}"#);
        assert_eq!(parsed.ok(), Some(CountTokensResponse { input_tokens: 2 }));
    }

    #[test]
    fn anything_but_a_token_count_is_refused() {
        for body in [
            &b""[..],
            b"{}",
            b"not json",
            br#"{"inputTokens": null}"#,
            br#"{"inputTokens": "7"}"#,
            br#"{"inputTokens": -1}"#,
            br#"{"inputTokens": 7.5}"#,
            br#"[7]"#,
            br#"{"input": {"inputTokens": 7}}"#,
        ] {
            assert!(
                CountTokensResponse::from_json(body).is_err(),
                "{}",
                alloc::string::String::from_utf8_lossy(body)
            );
        }
    }
}
