//! [`CredentialsError`]: which source failed and why, never a secret.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::SourceKind;
use super::engine::Flow;
use super::protocol::HttpFailure;
use crate::error::{Error, ErrorKind, Origin};
use crate::time::UnixTime;

/// A credential resolution failure: the source (or reference) that failed, and the reason.
///
/// `Display` is one lowercase line naming the source, e.g. `credential_process (profile
/// 'dev'): exited with status 1: token expired`. Neither `Display` nor `Debug` prints a secret:
/// file lines are named by number, command output and response bodies are never echoed except
/// a process's stderr and a service's error message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialsError {
    source: Option<SourceKind>,
    context: String,
    problem: Problem,
}

/// Why a credential source failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Nothing in the list resolved; `tried` says what was looked at and why each came up
    /// empty (names, never values).
    NotFound {
        /// One entry per reference or source.
        tried: Vec<String>,
    },
    /// A shared config or credentials file has a line that is not valid INI.
    MalformedFile {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong (never the line's text).
        reason: &'static str,
    },
    /// A file exists but could not be read.
    Unreadable {
        /// The file.
        path: String,
        /// Why, as the driver reported it.
        reason: String,
    },
    /// `AWS_PROFILE` (or a `source_profile`) names a profile neither file has.
    ProfileNotFound {
        /// The profile.
        profile: String,
        /// Where it was looked for.
        config_path: String,
        /// Where it was looked for.
        credentials_path: String,
    },
    /// A profile or the environment is configured inconsistently.
    InvalidConfig {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// `source_profile` references loop.
    SourceProfileLoop {
        /// The profiles in the loop, in order.
        chain: Vec<String>,
    },
    /// An access key id without a secret access key (or the reverse).
    PartialCredentials {
        /// The missing setting.
        missing: &'static str,
    },
    /// A value that should be an access key id, secret or token is unusable.
    InvalidCredentials {
        /// What is wrong.
        reason: String,
    },
    /// `credential_process` exited unsuccessfully.
    CommandFailed {
        /// The exit status (`None`: ended by a signal).
        status: Option<i32>,
        /// What it wrote to stderr (trimmed, at most 500 characters).
        stderr: String,
    },
    /// `credential_process` could not be split or started.
    CommandNotRun {
        /// Why.
        reason: String,
    },
    /// A response or command output could not be used: invalid JSON or XML, a missing field,
    /// a bad timestamp. The content is never echoed.
    InvalidResponse {
        /// What is wrong.
        reason: String,
    },
    /// `credential_process` printed a `Version` other than 1.
    UnsupportedVersion {
        /// The version it printed.
        version: String,
    },
    /// A service (STS, the SSO portal, a container endpoint) answered with an error.
    Service {
        /// The HTTP status.
        status: u16,
        /// The error code (`AccessDenied`, `ExpiredTokenException`, …), if given.
        code: Option<String>,
        /// The service's message, if given.
        message: String,
        /// The request id, if given.
        request_id: Option<String>,
    },
    /// The HTTP exchange failed before a response.
    Transport(HttpFailure),
    /// No SSO access token is cached for the session.
    SsoTokenMissing {
        /// The cache file looked for.
        path: String,
        /// How the AWS CLI's sso login names the session (` --profile dev`, or empty for the
        /// default profile), for a front end that prints the command; the core's hint names
        /// only the profile settings.
        login: String,
    },
    /// The cached SSO access token has expired.
    SsoTokenExpired {
        /// When it expired.
        expired_at: UnixTime,
        /// How the AWS CLI's sso login names the session, as for
        /// [`SsoTokenMissing`](Self::SsoTokenMissing).
        login: String,
    },
    /// The source returned credentials that have already expired.
    Expired {
        /// When they expired.
        expired_at: UnixTime,
    },
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` names a host plain HTTP may not go to.
    DisallowedHost {
        /// The host.
        host: String,
    },
    /// The local secret vault could not be read.
    Vault {
        /// Why, as the driver reported it.
        reason: String,
    },
    /// The driver broke the protocol (answered a question that was not asked, or with the
    /// wrong kind of answer), or a machine asked too many questions.
    Driver {
        /// What happened.
        reason: String,
    },
}

impl Problem {
    /// A stable, snake_case name, which tests and vectors match on.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::MalformedFile { .. } => "malformed_file",
            Self::Unreadable { .. } => "unreadable_file",
            Self::ProfileNotFound { .. } => "profile_not_found",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::SourceProfileLoop { .. } => "source_profile_loop",
            Self::PartialCredentials { .. } => "partial_credentials",
            Self::InvalidCredentials { .. } => "invalid_credentials",
            Self::CommandFailed { .. } => "command_failed",
            Self::CommandNotRun { .. } => "command_not_run",
            Self::InvalidResponse { .. } => "invalid_response",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::Service { .. } => "service_error",
            Self::Transport(_) => "transport",
            Self::SsoTokenMissing { .. } => "sso_token_missing",
            Self::SsoTokenExpired { .. } => "sso_token_expired",
            Self::Expired { .. } => "expired",
            Self::DisallowedHost { .. } => "disallowed_host",
            Self::Vault { .. } => "vault",
            Self::Driver { .. } => "driver",
        }
    }

    /// Whether the fix is in the user's configuration (files, environment) rather than in a
    /// failed fetch.
    pub fn is_configuration(&self) -> bool {
        matches!(
            self,
            Self::MalformedFile { .. }
                | Self::Unreadable { .. }
                | Self::ProfileNotFound { .. }
                | Self::InvalidConfig { .. }
                | Self::SourceProfileLoop { .. }
                | Self::PartialCredentials { .. }
                | Self::DisallowedHost { .. }
                | Self::Vault { .. }
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound { tried } => {
                f.write_str("no credentials found")?;
                for (i, entry) in tried.iter().enumerate() {
                    f.write_str(if i == 0 { "; tried " } else { ", " })?;
                    f.write_str(entry)?;
                }
                Ok(())
            }
            Self::MalformedFile { path, line, reason } => {
                write!(f, "{path}, line {line}: {reason}")
            }
            Self::Unreadable { path, reason } => write!(f, "cannot read {path}: {reason}"),
            Self::ProfileNotFound {
                profile,
                config_path,
                credentials_path,
            } => write!(
                f,
                "profile '{profile}' is not in {config_path} or {credentials_path} (check AWS_PROFILE and the profile name)"
            ),
            Self::InvalidConfig { reason } => f.write_str(reason),
            Self::SourceProfileLoop { chain } => {
                write!(f, "source_profile references loop: {}", chain.join(" -> "))
            }
            Self::PartialCredentials { missing } => {
                write!(f, "partial credentials: {missing} is missing")
            }
            Self::InvalidCredentials { reason } => write!(f, "unusable credentials: {reason}"),
            Self::CommandFailed { status, stderr } => {
                match status {
                    Some(code) => write!(f, "exited with status {code}")?,
                    None => f.write_str("was killed by a signal")?,
                }
                if stderr.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {stderr}")
                }
            }
            Self::CommandNotRun { reason } => write!(f, "could not run: {reason}"),
            Self::InvalidResponse { reason } => f.write_str(reason),
            Self::UnsupportedVersion { version } => write!(
                f,
                "unsupported Version {version} in its output (supported: 1)"
            ),
            Self::Service {
                status,
                code,
                message,
                request_id,
            } => {
                write!(f, "HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, " {code}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if let Some(id) = request_id {
                    write!(f, " (request id {id})")?;
                }
                Ok(())
            }
            Self::Transport(failure) => write!(f, "{failure}"),
            Self::SsoTokenMissing { path, .. } => {
                write!(f, "no cached SSO token ({path} not found)")
            }
            Self::SsoTokenExpired { expired_at, .. } => {
                write!(f, "the SSO session expired at {expired_at}")
            }
            Self::Expired { expired_at } => {
                write!(f, "the credentials it returned expired at {expired_at}")
            }
            Self::DisallowedHost { host } => write!(
                f,
                "plain http to {host} is not allowed: use https, a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23"
            ),
            Self::Vault { reason } => f.write_str(reason),
            Self::Driver { reason } => write!(f, "driver error: {reason}"),
        }
    }
}

impl CredentialsError {
    /// An error of `source`, described by `context` (e.g. `profile 'dev'`).
    pub fn new(source: Option<SourceKind>, context: impl Into<String>, problem: Problem) -> Self {
        Self {
            source,
            context: context.into(),
            problem,
        }
    }

    /// The source that failed, when the failure belongs to one.
    pub fn source_kind(&self) -> Option<SourceKind> {
        self.source
    }

    /// What failed, in words: `credential_process (profile 'dev')`, `EC2 instance metadata`.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// Why.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// A stable name: [`Problem::kind`].
    pub fn kind(&self) -> &'static str {
        self.problem.kind()
    }

    /// The one-line fix, when one is known: the hint of the [`Error`] this becomes (one table,
    /// [`Error::hint`], holds every hint).
    pub fn hint(&self) -> Option<&'static str> {
        Error::from(self.clone()).hint()
    }

    pub(crate) fn into_problem(self) -> Problem {
        self.problem
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.context.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.context, self.problem)
        }
    }
}

impl core::error::Error for CredentialsError {}

impl From<CredentialsError> for Error {
    /// `NotFound` becomes the product's "no AWS credentials provider found" error with what was
    /// tried; configuration problems become [`ErrorKind::Configuration`]; failed fetches
    /// [`ErrorKind::NoCredentials`] carrying the service's status and error code. The origin is
    /// always [`Origin::Credentials`] and the [`CredentialsError`] is the source.
    fn from(e: CredentialsError) -> Self {
        let (kind, message) = match &e.problem {
            Problem::NotFound { tried } => {
                let mut detail = String::new();
                for (i, entry) in tried.iter().enumerate() {
                    detail.push_str(if i == 0 { "tried " } else { ", " });
                    detail.push_str(entry);
                }
                let message = Error::no_credentials(detail).message().to_string();
                (ErrorKind::NoCredentials, message)
            }
            problem if problem.is_configuration() => (ErrorKind::Configuration, format!("{e}")),
            _ => (ErrorKind::NoCredentials, format!("{e}")),
        };
        let service = match &e.problem {
            Problem::Service { status, code, .. } => Some((*status, code.clone())),
            _ => None,
        };
        let mut error = Error::with_source(kind, Origin::Credentials, message, e);
        if let Some((status, code)) = service {
            error = error.with_status(status);
            if let Some(code) = code {
                error = error.with_error_type(code);
            }
        }
        error
    }
}

/// A failure of `source` (in `context`) as the engine's [`Flow`].
pub(crate) fn fail(
    source: Option<SourceKind>,
    context: impl Into<String>,
    problem: Problem,
) -> Flow {
    Flow::Fail(CredentialsError::new(source, context, problem))
}

/// A [`Problem::InvalidConfig`] failure of `source`.
pub(crate) fn invalid(
    source: SourceKind,
    context: impl Into<String>,
    reason: impl Into<String>,
) -> Flow {
    fail(
        Some(source),
        context,
        Problem::InvalidConfig {
            reason: reason.into(),
        },
    )
}
