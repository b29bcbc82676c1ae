//! Short-term Bedrock API keys, minted locally from SigV4 credentials.
//!
//! A short-term key is a presigned `CallWithBearerToken` URL in disguise (the format of AWS's
//! `aws-bedrock-token-generator` libraries):
//!
//! 1. presign `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken` with service
//!    `bedrock`, the caller's region, only `host` signed, `X-Amz-Expires` ≤ 12 h;
//! 2. drop `https://`, append `&Version=1`;
//! 3. base64 (standard alphabet, padded) and prefix `bedrock-api-key-`.
//!
//! The region is baked into the credential scope, so the key works in that region only, and it
//! dies with the session credentials that signed it even if `X-Amz-Expires` is longer.

use alloc::string::String;
use core::time::Duration;

use base64::prelude::{BASE64_STANDARD, Engine as _};

use super::{Credentials, SignableRequest, Signer, SigningError, SigningParams};
use crate::secret::Secret;
use crate::time::UnixTime;

/// The prefix every Bedrock API key starts with.
pub const API_KEY_PREFIX: &str = "bedrock-api-key-";
/// The host whose presigned URL the key encodes.
pub const API_KEY_HOST: &str = "bedrock.amazonaws.com";
/// The longest lifetime a short-term key can have: 12 hours.
pub const MAX_API_KEY_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// The default lifetime: the maximum, as AWS's generators use.
pub const DEFAULT_API_KEY_LIFETIME: Duration = MAX_API_KEY_LIFETIME;

/// Mints a short-term Bedrock API key for `region`, valid for `lifetime` from `now` (at most
/// 12 hours, and never past the expiry of temporary `credentials`, which the service enforces).
///
/// # Errors
///
/// [`SigningError::InvalidExpiry`] for a zero lifetime or one over 12 hours;
/// [`SigningError::EmptyRegion`] / [`SigningError::InvalidRegion`] for a bad region.
pub fn bedrock_api_key(
    credentials: &Credentials,
    region: &str,
    now: UnixTime,
    lifetime: Duration,
) -> Result<Secret<String>, SigningError> {
    if lifetime.as_secs() == 0 || lifetime > MAX_API_KEY_LIFETIME {
        return Err(SigningError::InvalidExpiry {
            requested_secs: lifetime.as_secs(),
            max_secs: MAX_API_KEY_LIFETIME.as_secs(),
        });
    }
    let request =
        SignableRequest::new("POST", "/?Action=CallWithBearerToken").header("host", API_KEY_HOST);
    let params = SigningParams::new(credentials, region, "bedrock", now);
    let signature = Signer::new().presign(&request, &params, lifetime)?;

    let mut url = String::with_capacity(1024);
    url.push_str(API_KEY_HOST);
    url.push_str("/?Action=CallWithBearerToken&");
    url.push_str(&signature.to_query_string());
    url.push_str("&Version=1");

    let mut key = String::with_capacity(API_KEY_PREFIX.len() + url.len() * 4 / 3 + 4);
    key.push_str(API_KEY_PREFIX);
    BASE64_STANDARD.encode_string(url.as_bytes(), &mut key);
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").unwrap()
    }

    fn decode(key: &Secret<String>) -> String {
        let b64 = key.expose().strip_prefix(API_KEY_PREFIX).unwrap();
        String::from_utf8(BASE64_STANDARD.decode(b64).unwrap()).unwrap()
    }

    #[test]
    fn key_decodes_to_a_presigned_call_with_bearer_token_url() {
        let now = UnixTime::parse_amz_date("20261125T120000Z").unwrap();
        let key = bedrock_api_key(&creds(), "us-west-2", now, DEFAULT_API_KEY_LIFETIME).unwrap();
        let url = decode(&key);
        assert!(url.starts_with(
            "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDEXAMPLE%2F20261125%2Fus-west-2%2Fbedrock%2Faws4_request\
             &X-Amz-Date=20261125T120000Z&X-Amz-Expires=43200&X-Amz-SignedHeaders=host&X-Amz-Signature="
        ), "{url}");
        assert!(url.ends_with("&Version=1"));
        assert_eq!(alloc::format!("{key:?}"), "** redacted **");
    }

    #[test]
    fn session_token_is_carried_in_the_key() {
        let now = UnixTime::parse_amz_date("20261125T120000Z").unwrap();
        let key = bedrock_api_key(
            &creds().with_session_token("tok/en+="),
            "eu-central-1",
            now,
            Duration::from_secs(900),
        )
        .unwrap();
        let url = decode(&key);
        assert!(url.contains("&X-Amz-Expires=900&"));
        assert!(url.contains(
            "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature="
        ));
    }

    #[test]
    fn lifetime_and_region_are_checked() {
        let now = UnixTime::UNIX_EPOCH;
        let over = MAX_API_KEY_LIFETIME + Duration::from_secs(1);
        assert_eq!(
            bedrock_api_key(&creds(), "us-east-1", now, over),
            Err(SigningError::InvalidExpiry {
                requested_secs: 43_201,
                max_secs: 43_200
            })
        );
        assert!(matches!(
            bedrock_api_key(&creds(), "us-east-1", now, Duration::ZERO),
            Err(SigningError::InvalidExpiry { .. })
        ));
        assert_eq!(
            bedrock_api_key(&creds(), "", now, DEFAULT_API_KEY_LIFETIME),
            Err(SigningError::EmptyRegion)
        );
        assert_eq!(
            bedrock_api_key(&creds(), "US East", now, DEFAULT_API_KEY_LIFETIME),
            Err(SigningError::InvalidRegion)
        );
    }
}
