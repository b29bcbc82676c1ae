//! The SigV4 default credential chain: which source runs when, in botocore's order
//! (`create_credential_resolver`): environment → assume role (profile `role_arn`) → web identity
//! → SSO → shared credentials file → `credential_process` → config file static keys →
//! container → EC2 instance metadata. Each source has its own file in `credentials/source/`
//! ([`super::source`]); this file only orders them and collects the "tried" notes.
//!
//! Every provider either finds credentials, reports why it found none (a note for the "tried"
//! list), or fails — a source that is configured but broken stops the chain, as in botocore, so
//! a typo in a profile never silently falls through to another identity.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::engine::{Cx, Flow, Run};
use super::error::{CredentialsError, Problem, fail};
use super::profile::{Profiles, load_profiles};
use super::source::{self, Found};
use super::{ChainConfig, Resolved, SourceKind};

/// Runs the chain; nothing found is [`Problem::NotFound`] with a note per source.
pub(crate) fn resolve(cx: &mut Cx<'_>, config: &ChainConfig) -> Run<Resolved> {
    const PROFILE_SOURCES: [SourceKind; 5] = [
        SourceKind::AssumeRole,
        SourceKind::Sso,
        SourceKind::CredentialsFile,
        SourceKind::CredentialProcess,
        SourceKind::ConfigFile,
    ];
    let sources = config.sources();
    let mut tried = Vec::new();
    let mut loaded: Option<Profiles> = None;
    let mut profile_noted = false;
    for source in sources {
        if *source == SourceKind::Environment {
            // A profile chosen in code disables the environment keys (botocore:
            // `Session(profile=…)`).
            if config.profile().is_some() {
                tried.push("environment (skipped: a profile was chosen explicitly)".into());
                continue;
            }
            match source::environment(cx)? {
                Found::Yes(resolved) => return Ok(resolved),
                Found::No(note) => tried.push(note),
            }
            continue;
        }
        let profiles = match loaded.take() {
            Some(profiles) => profiles,
            None => {
                let profiles = load_profiles(cx, config)?;
                if profiles.explicit
                    && !profiles.files.has_profile(&profiles.name)
                    && sources.iter().any(|s| PROFILE_SOURCES.contains(s))
                {
                    return Err(fail(
                        None,
                        format!("profile '{}'", profiles.name),
                        Problem::ProfileNotFound {
                            profile: profiles.name.clone(),
                            config_path: profiles.files.config_path.clone(),
                            credentials_path: profiles.files.credentials_path.clone(),
                        },
                    ));
                }
                profiles
            }
        };
        let found = match source {
            SourceKind::AssumeRole => source::assume_role(cx, config, &profiles)?,
            SourceKind::WebIdentity => {
                source::web_identity(cx, config, &profiles, &profiles.name, true)?
            }
            SourceKind::Sso => source::sso(cx, &profiles.files, &profiles.name)?,
            SourceKind::CredentialsFile => {
                source::credentials_file(cx, &profiles.files, &profiles.name)?
            }
            SourceKind::CredentialProcess => {
                source::credential_process(cx, &profiles.files, &profiles.name)?
            }
            SourceKind::ConfigFile => source::config_file(cx, &profiles.files, &profiles.name)?,
            SourceKind::Container => source::container(cx)?,
            SourceKind::InstanceMetadata => source::instance_metadata(cx, &profiles)?,
            SourceKind::Environment => {
                // Handled above; unreachable.
                loaded = Some(profiles);
                continue;
            }
        };
        match found {
            Found::Yes(resolved) => return Ok(resolved),
            // The profile-based providers all come up empty for the same reason: say it once.
            Found::No(note) if note.is_empty() => {
                if !profile_noted {
                    profile_noted = true;
                    tried.push(profile_note(&profiles));
                }
            }
            Found::No(note) => tried.push(note),
        }
        loaded = Some(profiles);
    }
    Err(not_found(tried))
}

/// The providers that can serve a `source_profile` (botocore's profile provider builder, with
/// the environment variables off): web identity, SSO, credentials file, process, config file.
pub(crate) fn profile_credentials(
    cx: &mut Cx<'_>,
    config: &ChainConfig,
    profiles: &Profiles,
    name: &str,
) -> Run<Found> {
    if let found @ Found::Yes(_) = source::web_identity(cx, config, profiles, name, false)? {
        return Ok(found);
    }
    if let found @ Found::Yes(_) = source::sso(cx, &profiles.files, name)? {
        return Ok(found);
    }
    if let found @ Found::Yes(_) = source::credentials_file(cx, &profiles.files, name)? {
        return Ok(found);
    }
    if let found @ Found::Yes(_) = source::credential_process(cx, &profiles.files, name)? {
        return Ok(found);
    }
    source::config_file(cx, &profiles.files, name)
}

fn not_found(tried: Vec<String>) -> Flow {
    Flow::Fail(CredentialsError::new(None, "", Problem::NotFound { tried }))
}

fn profile_note(profiles: &Profiles) -> String {
    if profiles.files.has_profile(&profiles.name) {
        format!(
            "profile '{}' (no credentials configured in it)",
            profiles.name
        )
    } else {
        format!(
            "shared files (no profile '{}' in {} or {})",
            profiles.name, profiles.files.config_path, profiles.files.credentials_path
        )
    }
}
