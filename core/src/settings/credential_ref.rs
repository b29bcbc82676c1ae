//! Credential references (`env:NAME`, `vault:NAME`, `aws_sigv4`): where to look for a
//! credential, never the credential itself (rules in the [module docs](super#credential-references)).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::catalog::Provider;

/// A reference to a credential: where to look, never the credential itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CredentialRef {
    /// `env:NAME`: a Bedrock API key in the environment variable `NAME`.
    Env(String),
    /// `vault:NAME`: a Bedrock API key stored in the local secret vault under `NAME`.
    Vault(String),
    /// `aws_sigv4`: SigV4 with the standard AWS credential chain (`bedrock` only).
    AwsSigV4,
}

impl CredentialRef {
    /// Parses `env:NAME`, `vault:NAME` or `aws_sigv4`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match classify_credential(text) {
            CredentialParse::Ok(c) => Some(c),
            CredentialParse::InvalidName | CredentialParse::NotAReference => None,
        }
    }

    /// The credentials tried when a provider's settings give none.
    pub fn defaults(provider: Provider) -> Vec<Self> {
        let mut refs = alloc::vec![
            Self::Env("AWS_BEARER_TOKEN_BEDROCK".into()),
            Self::Env("BEDROCK_API_KEY".into()),
            Self::Vault("AWS_BEARER_TOKEN_BEDROCK".into()),
            Self::Vault("BEDROCK_API_KEY".into()),
        ];
        if provider == Provider::Bedrock {
            refs.push(Self::AwsSigV4);
        }
        refs
    }
}

impl fmt::Display for CredentialRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "env:{name}"),
            Self::Vault(name) => write!(f, "vault:{name}"),
            Self::AwsSigV4 => f.write_str("aws_sigv4"),
        }
    }
}

/// What a `credentials` entry is: a reference, a reference with a bad name, or not a reference
/// (probably a pasted secret, which errors must not echo).
pub(super) enum CredentialParse {
    Ok(CredentialRef),
    InvalidName,
    NotAReference,
}

/// Classifies one `credentials` entry.
pub(super) fn classify_credential(text: &str) -> CredentialParse {
    if text == "aws_sigv4" {
        return CredentialParse::Ok(CredentialRef::AwsSigV4);
    }
    let (make, name): (fn(String) -> CredentialRef, &str) =
        if let Some(name) = text.strip_prefix("env:") {
            (CredentialRef::Env, name)
        } else if let Some(name) = text.strip_prefix("vault:") {
            (CredentialRef::Vault, name)
        } else {
            return CredentialParse::NotAReference;
        };
    if is_identifier(name) {
        CredentialParse::Ok(make(name.into()))
    } else {
        CredentialParse::InvalidName
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`, at most 128 bytes.
fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    name.len() <= 128
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
