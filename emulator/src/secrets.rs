//! Finding secrets in what programs print: the one scan the end-to-end suite, the CLI tests and
//! the examples' script (`bedrock-conformance scan-secrets`) run over everything their clients
//! print or log (stdout, stderr, `Debug` of every error and event).
//!
//! A secret is found in plain text, percent-encoded, and in base64 (standard and URL-safe
//! alphabets) at each of the three alignments a secret can have inside a longer encoded text:
//! the base64 of the secret preceded by 0, 1 or 2 bytes, less the characters at either edge
//! that also depend on the neighbouring bytes. A leak report names the secret by its position
//! in the list and the form found, never by its value.

use base64::prelude::{BASE64_STANDARD, Engine as _};
use bedrock_core::auth::Auth;

use super::{DEFAULT_API_KEY, DEFAULT_SECRET_ACCESS_KEY};

/// Base64 runs shorter than this are not searched (they would match by chance).
const MIN_ENCODED: usize = 8;

/// The secrets to look for, and every form of each.
#[derive(Clone, Default)]
pub struct SecretScan {
    /// (secret index, form, needle).
    needles: Vec<(usize, &'static str, String)>,
    count: usize,
}

impl std::fmt::Debug for SecretScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretScan")
            .field("secrets", &self.count)
            .finish_non_exhaustive()
    }
}

impl SecretScan {
    /// No secrets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The emulator's default secret access key and API key.
    pub fn emulator_defaults() -> Self {
        let mut scan = Self::new();
        scan.add(DEFAULT_SECRET_ACCESS_KEY);
        scan.add(DEFAULT_API_KEY);
        scan
    }

    /// Also looks for `secret` (blank ones are ignored).
    pub fn add(&mut self, secret: &str) -> &mut Self {
        if secret.trim().is_empty() {
            return self;
        }
        let index = self.count;
        self.count += 1;
        self.needles.push((index, "plain", secret.to_string()));
        let mut percent = String::new();
        bedrock_core::percent::encode(&mut percent, secret);
        if percent != secret {
            self.needles.push((index, "percent-encoded", percent));
        }
        for offset in 0..3 {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = BASE64_STANDARD.encode(&bytes);
            // Characters carry 6 bits: keep those made of the secret's bits only.
            let start = (8 * offset).div_ceil(6);
            let end = 8 * bytes.len() / 6;
            let Some(core) = encoded.get(start..end).filter(|c| c.len() >= MIN_ENCODED) else {
                continue;
            };
            let url_safe = core.replace('+', "-").replace('/', "_");
            if url_safe != core {
                self.needles.push((index, URL_SAFE_FORMS[offset], url_safe));
            }
            self.needles
                .push((index, BASE64_FORMS[offset], core.to_string()));
        }
        self
    }

    /// Also looks for the secrets of `auth`: the secret access key and session token, or the
    /// API key.
    pub fn add_auth(&mut self, auth: &Auth) -> &mut Self {
        match auth {
            Auth::Bearer(key) => {
                self.add(key.expose());
            }
            Auth::SigV4(credentials) => {
                self.add(credentials.secret_access_key().expose());
                if let Some(token) = credentials.session_token() {
                    self.add(token.expose());
                }
            }
        }
        self
    }

    /// The first secret found in `text`: which one (its index in the order added) and in what
    /// form, and where, without its value.
    pub fn find(&self, text: &str) -> Option<String> {
        self.needles.iter().find_map(|(index, form, needle)| {
            text.find(needle.as_str())
                .map(|at| format!("secret #{index} ({form}) at byte {at}"))
        })
    }

    /// `Err` naming `what` and the leak when `text` holds a secret.
    ///
    /// # Errors
    ///
    /// The leak, described without the secret's value.
    pub fn check(&self, what: &str, text: &str) -> Result<(), String> {
        match self.find(text) {
            Some(leak) => Err(format!("{what} leaks {leak}")),
            None => Ok(()),
        }
    }
}

const BASE64_FORMS: [&str; 3] = ["base64", "base64 after 1 byte", "base64 after 2 bytes"];
const URL_SAFE_FORMS: [&str; 3] = [
    "url-safe base64",
    "url-safe base64 after 1 byte",
    "url-safe base64 after 2 bytes",
];

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn scan() -> SecretScan {
        let mut scan = SecretScan::new();
        scan.add(SECRET);
        scan
    }

    #[test]
    fn plain_and_percent_encoded() {
        assert!(scan().find(&format!("key={SECRET}!")).is_some());
        let mut encoded = String::new();
        bedrock_core::percent::encode(&mut encoded, SECRET);
        assert!(
            scan()
                .find(&format!("q={encoded}&"))
                .unwrap()
                .contains("percent")
        );
        assert_eq!(scan().find("nothing here"), None);
    }

    #[test]
    fn base64_at_every_alignment_inside_longer_text() {
        for prefix in ["", "a", "ab", "abc", "user:", "Basic x"] {
            for suffix in ["", "z", "zz", ":more"] {
                let encoded = BASE64_STANDARD.encode(format!("{prefix}{SECRET}{suffix}"));
                let found = scan().find(&format!("Authorization: {encoded}\n"));
                assert!(found.is_some(), "{prefix:?} {suffix:?}: {encoded}");
                let url_safe = encoded.replace('+', "-").replace('/', "_");
                assert!(scan().find(&url_safe).is_some(), "url-safe {prefix:?}");
            }
        }
    }

    #[test]
    fn reports_name_no_secret() {
        let leak = scan().check("stdout", SECRET).unwrap_err();
        assert!(!leak.contains(SECRET), "{leak}");
        assert!(leak.contains("secret #0 (plain)"), "{leak}");
        assert!(format!("{:?}", scan()).contains("secrets: 1"));
    }

    #[test]
    fn auth_secrets() {
        let mut scan = SecretScan::new();
        scan.add_auth(&Auth::bearer("bedrock-api-key-xyz"));
        let credentials = bedrock_core::sigv4::Credentials::new("AKID", SECRET)
            .unwrap()
            .with_session_token("the-session-token");
        scan.add_auth(&Auth::SigV4(credentials));
        assert!(scan.find("Bearer bedrock-api-key-xyz").is_some());
        assert!(scan.find(SECRET).is_some());
        assert!(
            scan.find("x-amz-security-token: the-session-token")
                .is_some()
        );
        assert_eq!(scan.find("AKID"), None);
    }
}
