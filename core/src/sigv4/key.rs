//! Signing-key derivation (task 3 of SigV4), the HMAC-SHA256 it and the signature use (RustCrypto
//! `hmac` over `sha2`), and the cache that makes the derivation once per day.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::template::overwrite;
use super::{ALGORITHM, Credentials};
use crate::secret::Secret;
use crate::time::DateStamp;

/// The derived SigV4 signing key, `kSigning`, for one (date, region, service).
///
/// It signs any request for its scope for the whole day, so it is as sensitive as the secret
/// key for that time: `Debug` prints `** redacted **`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(** redacted **)")
    }
}

/// HMAC-SHA256. Its keyed state (inner and outer pads absorbed) clones cheaply, which the
/// derived-key cache relies on.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 keyed with `key`.
pub(crate) fn new_mac(key: &[u8]) -> HmacSha256 {
    // `Hmac` takes a key of any length (RFC 2104 §2: a longer key is hashed, a shorter one
    // zero-padded), so `new_from_slice` never fails; the arm keeps the core free of panics.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => HmacSha256::new(&Default::default()),
    }
}

/// The finished MAC, as bytes.
pub(crate) fn finalize(mac: HmacSha256) -> [u8; 32] {
    mac.finalize().into_bytes().into()
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = new_mac(key);
    mac.update(data);
    finalize(mac)
}

/// Derives the signing key:
/// `kDate = HMAC("AWS4" + secret, date)`, `kRegion = HMAC(kDate, region)`,
/// `kService = HMAC(kRegion, service)`, `kSigning = HMAC(kService, "aws4_request")`.
pub fn signing_key(
    secret_access_key: &str,
    date: DateStamp,
    region: &str,
    service: &str,
) -> SigningKey {
    let mut seed = Vec::with_capacity(4 + secret_access_key.len());
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret_access_key.as_bytes());
    let k_date = hmac(&seed, date.as_str().as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    SigningKey(hmac(&k_service, b"aws4_request"))
}

/// An HMAC keyed with a signing key, ready to be cloned per string to sign. Keeping the keyed
/// state (inner and outer pads already absorbed) saves two SHA-256 blocks per signature.
pub(crate) fn keyed(key: &SigningKey) -> HmacSha256 {
    new_mac(&key.0)
}

/// How many scopes the cache remembers: a client normally signs for one region and one or two
/// services (`bedrock`, `sts`), and the date changes once a day.
const CACHE_CAPACITY: usize = 4;

struct Entry {
    date: DateStamp,
    region: String,
    service: String,
    access_key_id: String,
    secret: Secret<String>,
    scope: Scope,
}

/// What one credential scope contributes to every signature made in it: the keyed HMAC and the
/// text that names the scope, built once when the key is derived.
pub(crate) struct Scope {
    mac: HmacSha256,
    /// `AWS4-HMAC-SHA256 Credential=<access key id>/<scope>, SignedHeaders=`: the start of the
    /// `Authorization` header, which only the signed headers and the signature follow.
    authorization_prefix: String,
    /// The string to sign of the last signature in this scope: only its time (at
    /// [`STRING_TO_SIGN_DATE`]) and its last 64 bytes (the canonical request's hash) change
    /// between signatures, so they are written over in place.
    string_to_sign: Vec<u8>,
}

/// Where the time (`x-amz-date` form, 16 bytes) starts in a string to sign: after the algorithm
/// and its newline.
const STRING_TO_SIGN_DATE: usize = ALGORITHM.len() + 1;

impl Scope {
    fn new(credentials: &Credentials, date: DateStamp, region: &str, service: &str) -> Self {
        let secret = credentials.secret_access_key().expose();
        let mut authorization_prefix = String::with_capacity(96 + region.len() + service.len());
        authorization_prefix.push_str(ALGORITHM);
        authorization_prefix.push_str(" Credential=");
        authorization_prefix.push_str(credentials.access_key_id());
        authorization_prefix.push('/');
        let start = authorization_prefix.len();
        for part in [date.as_str(), "/", region, "/", service, "/aws4_request"] {
            authorization_prefix.push_str(part);
        }
        let credential_scope = authorization_prefix.get(start..).unwrap_or_default();
        let mut string_to_sign =
            Vec::with_capacity(STRING_TO_SIGN_DATE + 18 + credential_scope.len() + 64);
        // The time and the hash are placeholders here: `string_to_sign` writes them in.
        super::feed_string_to_sign(
            &mut |bytes| string_to_sign.extend_from_slice(bytes),
            "0000000000000000",
            credential_scope,
            &[b'0'; 64],
        );
        authorization_prefix.push_str(", SignedHeaders=");
        Self {
            mac: keyed(&signing_key(secret, date, region, service)),
            authorization_prefix,
            string_to_sign,
        }
    }

    /// The string to sign for a canonical request hashing to `creq_hash_hex` at `amz_date`
    /// (16 bytes, `YYYYMMDDTHHMMSSZ`), written over the last one.
    pub(crate) fn string_to_sign(
        &mut self,
        amz_date: &[u8; 16],
        creq_hash_hex: &[u8; 64],
    ) -> &[u8] {
        let text = &mut self.string_to_sign;
        let hash_at = text.len().saturating_sub(creq_hash_hex.len());
        overwrite(text, STRING_TO_SIGN_DATE, amz_date);
        overwrite(text, hash_at, creq_hash_hex);
        text
    }

    /// The HMAC keyed with the scope's signing key, to clone per string to sign.
    pub(crate) fn mac(&self) -> &HmacSha256 {
        &self.mac
    }

    /// `AWS4-HMAC-SHA256 Credential=<access key id>/<scope>, SignedHeaders=`.
    pub(crate) fn authorization_prefix(&self) -> &str {
        &self.authorization_prefix
    }
}

/// Derived keys per (date, region, service, credentials), so a burst of requests costs one
/// HMAC chain instead of four HMACs per request.
#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Vec<Entry>,
    next_victim: usize,
}

impl KeyCache {
    /// The cached scope for these credentials, date, region and service, derived on a miss.
    pub(crate) fn scope(
        &mut self,
        credentials: &Credentials,
        date: DateStamp,
        region: &str,
        service: &str,
    ) -> &mut Scope {
        let secret = credentials.secret_access_key().expose();
        let found = self.entries.iter().position(|e| {
            e.date == date
                && e.region == region
                && e.service == service
                && e.access_key_id == credentials.access_key_id()
                && e.secret.expose() == secret
        });
        let index = match found {
            Some(i) => i,
            None => {
                let entry = Entry {
                    date,
                    region: region.into(),
                    service: service.into(),
                    access_key_id: credentials.access_key_id().into(),
                    secret: credentials.secret_access_key().clone(),
                    scope: Scope::new(credentials, date, region, service),
                };
                if self.entries.len() < CACHE_CAPACITY {
                    self.entries.push(entry);
                    self.entries.len() - 1
                } else {
                    let i = self.next_victim;
                    self.entries[i] = entry;
                    self.next_victim = (i + 1) % CACHE_CAPACITY;
                    i
                }
            }
        };
        &mut self.entries[index].scope
    }

    /// Number of cached scopes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("entries", &self.entries.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::UnixTime;
    use alloc::format;

    fn hex(bytes: &[u8]) -> String {
        let mut out = alloc::vec![0u8; bytes.len() * 2];
        crate::percent::hex_lower(bytes, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rfc4231_vectors() {
        // Test case 1.
        let mut mac = new_mac(&[0x0b; 20]);
        mac.update(b"Hi There");
        assert_eq!(
            hex(&finalize(mac)),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2: a short key.
        let mut mac = new_mac(b"Jefe");
        mac.update(b"what do ya want ");
        mac.update(b"for nothing?");
        assert_eq!(
            hex(&finalize(mac)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        let mut mac = new_mac(&[0xaa; 131]);
        mac.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            hex(&finalize(mac)),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn derives_the_documented_example_key() {
        // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4":
        // secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
        let date = UnixTime::parse_amz_date("20120215T000000Z")
            .unwrap()
            .date_stamp();
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            date,
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex(key.as_bytes()),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
        assert_eq!(alloc::format!("{key:?}"), "SigningKey(** redacted **)");
    }

    #[test]
    fn cache_derives_once_per_scope_and_tracks_credentials() {
        let creds = Credentials::new("AKIDEXAMPLE", "secret-one").unwrap();
        let other = Credentials::new("AKIDEXAMPLE", "secret-two").unwrap();
        let date = UnixTime::from_secs(0).unwrap().date_stamp();
        let mut cache = KeyCache::default();
        let first = cache
            .scope(&creds, date, "us-east-1", "bedrock")
            .mac()
            .clone();
        assert_eq!(
            cache
                .scope(&creds, date, "us-east-1", "bedrock")
                .authorization_prefix(),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/19700101/us-east-1/bedrock/aws4_request, \
             SignedHeaders="
        );
        assert_eq!(
            cache
                .scope(&creds, date, "us-east-1", "bedrock")
                .string_to_sign(b"19700101T000000Z", &[b'a'; 64]),
            format!(
                "AWS4-HMAC-SHA256\n19700101T000000Z\n19700101/us-east-1/bedrock/aws4_request\n{}",
                "a".repeat(64)
            )
            .as_bytes()
        );
        assert_eq!(cache.len(), 1);
        cache.scope(&creds, date, "us-east-1", "bedrock");
        assert_eq!(cache.len(), 1, "a hit must not add an entry");
        let rotated = cache
            .scope(&other, date, "us-east-1", "bedrock")
            .mac()
            .clone();
        assert_eq!(cache.len(), 2, "a new secret is a new key");
        let sig = |mut m: HmacSha256| {
            m.update(b"x");
            finalize(m)
        };
        assert_ne!(sig(first), sig(rotated));
        for region in ["a", "b", "c", "d", "e"] {
            cache.scope(&creds, date, region, "bedrock");
        }
        assert_eq!(cache.len(), CACHE_CAPACITY, "the cache stays bounded");
    }
}
