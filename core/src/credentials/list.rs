//! A route's ordered credential list (`env:NAME`, `vault:NAME`, `aws_sigv4`) resolved to an
//! [`Auth`].

use alloc::format;
use alloc::vec::Vec;

use super::engine::{Cx, Engine, Flow, Run};
use super::error::{CredentialsError, Problem};
use super::{Answer, ChainConfig, Machine, Resolved, SourceKind, Step, chain};
use crate::auth::Auth;
use crate::secret::Secret;
use crate::settings::CredentialRef;
use crate::time::UnixTime;

/// What a credential list resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedAuth {
    /// The credential to sign with.
    pub auth: Auth,
    /// The list entry that resolved.
    pub reference: CredentialRef,
    /// For `aws_sigv4`, the chain source and its details.
    pub sigv4: Option<Resolved>,
}

impl ResolvedAuth {
    /// When the credential expires: SigV4 session credentials only; bearer keys carry no expiry
    /// the client can read.
    pub fn expires_at(&self) -> Option<UnixTime> {
        self.auth.expires_at()
    }

    /// The chain source, for `aws_sigv4`.
    pub fn source(&self) -> Option<SourceKind> {
        self.sigv4.as_ref().map(|r| r.source)
    }
}

/// Resolves a route's credential list (`Route::credentials`): each entry in order, the first
/// that resolves wins.
///
/// - `env:NAME`: the variable, trimmed; unset or blank means absent → a bearer key;
/// - `vault:NAME`: the driver's vault entry, trimmed; absent or blank means absent → a bearer
///   key (a vault that cannot be read — e.g. readable by other users — is an error);
/// - `aws_sigv4`: the default chain ([`ChainConfig`]); nothing found means absent, a broken
///   source is an error.
///
/// With nothing resolved, the result is [`Problem::NotFound`] listing every entry tried and
/// why, names only — [`crate::error::Error::no_credentials`] once converted.
#[derive(Debug)]
pub struct AuthMachine {
    references: Vec<CredentialRef>,
    chain: ChainConfig,
    engine: Engine<ResolvedAuth>,
}

impl AuthMachine {
    /// A machine for `references` (in order), with `chain` for `aws_sigv4`.
    pub fn new(references: &[CredentialRef], chain: ChainConfig) -> Self {
        Self {
            references: references.into(),
            chain,
            engine: Engine::default(),
        }
    }

    /// Whether the machine has finished.
    pub fn is_done(&self) -> bool {
        self.engine.is_done()
    }

    pub(crate) fn take_outcome(&mut self) -> Option<Result<ResolvedAuth, CredentialsError>> {
        self.engine.take_outcome()
    }
}

impl Machine for AuthMachine {
    type Output = ResolvedAuth;

    fn poll(&mut self) -> Step<ResolvedAuth> {
        let references = &self.references;
        let chain = &self.chain;
        self.engine.poll(|cx| resolve(cx, references, chain))
    }

    fn provide(&mut self, answer: Answer) {
        self.engine.provide(answer);
    }
}

fn resolve(
    cx: &mut Cx<'_>,
    references: &[CredentialRef],
    chain: &ChainConfig,
) -> Run<ResolvedAuth> {
    let mut tried = Vec::new();
    for reference in references {
        match reference {
            CredentialRef::Env(name) => match cx.env(name)? {
                Some(key) => return bearer(reference, &key),
                None => tried.push(format!("{reference} (not set)")),
            },
            CredentialRef::Vault(name) => match cx.vault(name)? {
                Ok(Some(key)) if !key.expose().trim().is_empty() => {
                    return bearer(reference, key.expose());
                }
                Ok(_) => tried.push(format!("{reference} (not stored)")),
                Err(reason) => {
                    return Err(Flow::Fail(CredentialsError::new(
                        None,
                        format!("{reference}"),
                        Problem::Vault { reason },
                    )));
                }
            },
            CredentialRef::AwsSigV4 => match chain::resolve(cx, chain) {
                Ok(resolved) => {
                    return Ok(ResolvedAuth {
                        auth: Auth::SigV4(resolved.credentials.clone()),
                        reference: reference.clone(),
                        sigv4: Some(resolved),
                    });
                }
                Err(Flow::Fail(e)) => match e.problem() {
                    Problem::NotFound { tried: sources } => {
                        tried.push(format!("{reference} ({})", sources.join("; ")));
                    }
                    _ => return Err(Flow::Fail(e)),
                },
                Err(need) => return Err(need),
            },
        }
    }
    if !references.contains(&CredentialRef::AwsSigV4) {
        // A list without the SigV4 chain (the bedrock-openai provider's): AWS credentials
        // would not help, and the message and hint say so.
        tried.push("no aws_sigv4 entry: this list takes Bedrock API keys only".into());
    }
    Err(Flow::Fail(CredentialsError::new(
        None,
        "",
        Problem::NotFound { tried },
    )))
}

fn bearer(reference: &CredentialRef, key: &str) -> Run<ResolvedAuth> {
    let key = key.trim();
    if key.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(Flow::Fail(CredentialsError::new(
            None,
            format!("{reference}"),
            Problem::InvalidCredentials {
                reason: "the API key contains spaces or control characters".into(),
            },
        )));
    }
    Ok(ResolvedAuth {
        auth: Auth::Bearer(Secret::new(key.into())),
        reference: reference.clone(),
        sigv4: None,
    })
}
