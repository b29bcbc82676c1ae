//! `bedrock-host`: the `std` glue the adapters and the CLI share, so no I/O code is written
//! twice.
//!
//! `bedrock-core` never touches the outside world; its credential machines ask questions
//! ([`Need`]). [`Host`] answers them with real I/O:
//!
//! | question | answered with |
//! |---|---|
//! | `Env(name)` | the [`Env`]: the process environment, or a fixed map (tests) |
//! | `HomeDir` | `HOME` (Windows: `USERPROFILE`, then `HOME`) from that environment |
//! | `File(path)` | `std::fs::read` (missing → `NotFound`) |
//! | `Command(line)` | [`run_command`]: `sh -c` (Windows: `cmd.exe /C`), as the Rust, Go and Java SDKs |
//! | `Http(request)` | `http://`: [`send_plain`] over a `std` socket; `https://`: the adapter's [`HttpsTransport`] |
//! | `Now` | `SystemTime::now()` |
//! | `Vault(name)` | the [`Vault`], if one is configured |
//! | `Sleep(delay)` | `std::thread::sleep` (a credential request's retry backoff; the async adapter awaits a timer instead) |
//! | `Random` | [`clock::entropy`] (the seed of a resolution's retry jitter) |
//! | `WriteFile { path, bytes }` | a temporary file in the same directory (mode 0600 on Unix), synced, then renamed over `path` (the refreshed SSO token cache) |
//!
//! It also finds and reads `settings.toml` ([`Host::settings_path`], [`Host::load_settings`])
//! and keeps the secret vault ([`Vault`]). Both adapters and the CLI build their clients from
//! it:
//!
//! | item | what |
//! |---|---|
//! | [`ClientSetup`] | settings, vault, region, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, proxies: the environment composed once |
//! | [`CredentialSource`], [`HostCredentials`], [`StaticCredentials`] | where a call's credential comes from: one refreshing [`SharedCredentials`] cache per credential list and route region (STS in the route's region and partition), resolved by blocking threads or async tasks alike |
//! | [`ClientBuilder`], [`ClientConfig`], [`StreamItem`], [`Timeouts`] | the one client configuration and builder both adapters expose |
//! | [`clock`] | the wall and monotonic clocks and the entropy the core takes as inputs |
//! | [`proxy`] | `HTTPS_PROXY` / `NO_PROXY` |
//!
//! ```no_run
//! use bedrock_host::{Env, Host, SharedCredentials};
//! use bedrock_core::credentials::{ChainConfig, CredentialCache};
//! use bedrock_core::settings::RouteInputs;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (host, settings) = Host::load(Env::process())?;        // settings file + vault
//! // The blocking adapter adds its TLS client: host.with_https(|request| …)
//! let region = host.region(None)?;                            // AWS_REGION, profile, …
//! let route = settings.route("us.anthropic.claude-haiku-4-5", &RouteInputs::with_region(region.as_deref()))?;
//! let credentials = std::sync::Arc::new(SharedCredentials::new(CredentialCache::new(&route.credentials, ChainConfig::default())));
//! let resolved = credentials.auth(&host)?;                    // resolves once, then cached
//! println!("signing with {}", resolved.auth.scheme());
//! # Ok(()) }
//! ```
//!
//! Paths:
//!
//! | file | location |
//! |---|---|
//! | settings | `BEDROCK_SETTINGS`, else `<config dir>/bedrock/settings.toml` |
//! | vault | `[llm.vault] path` (`~` expanded, relative to the settings file's directory), else `<config dir>/bedrock/vault.toml` |
//! | config dir | Windows `%APPDATA%`; elsewhere `$XDG_CONFIG_HOME` (if absolute), else `~/.config` |

mod client;
pub mod clock;
mod env;
mod http;
mod process;
pub mod proxy;
mod setup;
mod shared;
mod vault;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bedrock_core::credentials::{
    Answer, AuthMachine, ChainConfig, ChainMachine, CredentialsError, EndpointConfig,
    EndpointMachine, FileError, HttpFailure, HttpFailureKind, Machine, Need, RegionMachine,
    Resolved, ResolvedAuth, SettingMachine, drive,
};
use bedrock_core::error::{Error, ErrorKind, Origin};
use bedrock_core::settings::{CredentialRef, Settings, SettingsError};

pub use client::{
    ClientBuilder, ClientConfig, FromConfig, Outcome, StreamItem, Timeouts, TrustRoots, exports,
};
pub use clock::wall_clock;
pub use env::Env;
pub use http::{HttpsTransport, send_plain};
pub use process::run_command;
pub use proxy::ProxyConfig;
pub use setup::{ClientSetup, Overrides};
pub use shared::{
    CredentialLookup, CredentialSource, HostCredentials, Resolution, SharedCredentials,
    StaticCredentials, Waiter,
};
pub use vault::{Vault, VaultError};

/// Files larger than this are not credential files; reading stops with an error.
const MAX_FILE: u64 = 4 * 1024 * 1024;

/// Answers the core's questions with real I/O. Cheap to clone and share (`Send + Sync`).
#[derive(Clone, Default)]
pub struct Host {
    env: Env,
    https: Option<Arc<dyn HttpsTransport>>,
    vault: Option<Vault>,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("env", &self.env)
            .field("https", &self.https.is_some())
            .field("vault", &self.vault)
            .finish()
    }
}

/// Why the host could not find or read its configuration.
#[derive(Debug)]
#[non_exhaustive]
pub enum HostError {
    /// A file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `BEDROCK_SETTINGS` names a file that does not exist.
    MissingSettings {
        /// The file.
        path: PathBuf,
    },
    /// The settings file is invalid.
    Settings {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        error: SettingsError,
    },
    /// Neither a home directory nor a platform config directory is known.
    NoConfigDir,
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::MissingSettings { path } => write!(
                f,
                "BEDROCK_SETTINGS names {}, which does not exist",
                path.display()
            ),
            Self::Settings { path, error } => write!(f, "{}: {error}", path.display()),
            Self::NoConfigDir => f.write_str(
                "no configuration directory: set HOME (or XDG_CONFIG_HOME / APPDATA) or BEDROCK_SETTINGS",
            ),
        }
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Settings { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<HostError> for Error {
    /// [`ErrorKind::Configuration`] from [`Origin::Settings`] (every host error is about
    /// finding or reading the settings), with the [`HostError`] as the source.
    fn from(e: HostError) -> Self {
        Error::with_source(ErrorKind::Configuration, Origin::Settings, e.to_string(), e)
    }
}

impl From<VaultError> for Error {
    /// [`ErrorKind::Configuration`] from [`Origin::Vault`], with the [`VaultError`] as the
    /// source.
    fn from(e: VaultError) -> Self {
        Error::with_source(ErrorKind::Configuration, Origin::Vault, e.to_string(), e)
    }
}

/// The settings and where they came from.
#[derive(Clone, Debug)]
pub struct LoadedSettings {
    /// The parsed settings (`Settings::default()` when there is no file).
    pub settings: Settings,
    /// The file read, `None` when none exists.
    pub path: Option<PathBuf>,
}

impl Host {
    /// A host on the process environment, without HTTPS or a vault.
    pub fn new() -> Self {
        Self::default()
    }

    /// A host on `env`, without HTTPS or a vault.
    pub fn with_env(env: Env) -> Self {
        Self {
            env,
            ..Self::default()
        }
    }

    /// Reads the settings file and sets up the vault it names (or the default one): what the
    /// CLI and the adapters do at start-up.
    ///
    /// # Errors
    ///
    /// A [`HostError`] for an unreadable or invalid settings file, or a missing config dir
    /// when a vault path is needed.
    pub fn load(env: Env) -> Result<(Self, Settings), HostError> {
        let host = Self::with_env(env);
        let loaded = host.load_settings()?;
        let vault = host.vault_for(&loaded)?;
        Ok((host.with_vault(vault), loaded.settings))
    }

    /// Adds the adapter's HTTPS client (for STS, the SSO portal, https container endpoints).
    #[must_use]
    pub fn with_https(mut self, transport: impl HttpsTransport + 'static) -> Self {
        self.https = Some(Arc::new(transport));
        self
    }

    /// Uses `vault` for `vault:NAME` references.
    #[must_use]
    pub fn with_vault(mut self, vault: Vault) -> Self {
        self.vault = Some(vault);
        self
    }

    /// The environment.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The vault, if configured.
    pub fn vault(&self) -> Option<&Vault> {
        self.vault.as_ref()
    }

    /// Answers one question of a credential machine.
    pub fn answer(&self, need: &Need) -> Answer {
        match need {
            Need::Env(name) => Answer::Env(self.env.var(name)),
            Need::HomeDir => {
                Answer::HomeDir(self.home_dir().map(|p| p.to_string_lossy().into_owned()))
            }
            Need::File(path) => Answer::File(read_file(Path::new(path))),
            Need::Command(line) => Answer::Command(run_command(line)),
            Need::Http(request) => Answer::Http(if request.https {
                match &self.https {
                    Some(transport) => transport.send(request),
                    None => Err(HttpFailure::new(
                        HttpFailureKind::Unsupported,
                        format!(
                            "{} needs HTTPS, and no HTTPS transport was given to the host (Host::with_https)",
                            request.url()
                        ),
                    )),
                }
            } else {
                send_plain(request)
            }),
            Need::Now => Answer::Now(wall_clock()),
            Need::Vault(name) => Answer::Vault(match &self.vault {
                Some(vault) => vault.get(name).map_err(|e| e.to_string()),
                None => Ok(None),
            }),
            Need::Sleep(delay) => {
                std::thread::sleep(*delay);
                Answer::Slept
            }
            Need::WriteFile { path, bytes } => {
                Answer::Written(write_file_atomically(Path::new(path), bytes))
            }
            Need::Random => {
                let bytes = clock::entropy();
                let mut seed = [0u8; 8];
                seed.copy_from_slice(&bytes[..8]);
                Answer::Random(u64::from_le_bytes(seed))
            }
            other => Answer::Http(Err(HttpFailure::new(
                HttpFailureKind::Unsupported,
                format!("this host cannot answer a {} question", other.kind()),
            ))),
        }
    }

    /// Drives a machine to the end with real I/O.
    ///
    /// # Errors
    ///
    /// The machine's [`CredentialsError`].
    pub fn drive<M: Machine + ?Sized>(
        &self,
        machine: &mut M,
    ) -> Result<M::Output, CredentialsError> {
        drive(machine, |need| self.answer(need))
    }

    /// Resolves a route's credential list once (no cache: see [`SharedCredentials`]).
    ///
    /// # Errors
    ///
    /// The product's "no credentials" error, or the failing source's.
    pub fn resolve_auth(
        &self,
        references: &[CredentialRef],
        chain: ChainConfig,
    ) -> Result<ResolvedAuth, Error> {
        Ok(self.drive(&mut AuthMachine::new(references, chain))?)
    }

    /// Walks the SigV4 default chain once.
    ///
    /// # Errors
    ///
    /// The chain's [`CredentialsError`].
    pub fn resolve_sigv4(&self, chain: ChainConfig) -> Result<Resolved, CredentialsError> {
        self.drive(&mut ChainMachine::new(chain))
    }

    /// The ambient region: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region`
    /// (for [`bedrock_core::settings::RouteInputs::region`]).
    ///
    /// # Errors
    ///
    /// A malformed or unreadable shared config file.
    pub fn region(&self, profile: Option<&str>) -> Result<Option<String>, CredentialsError> {
        self.drive(&mut RegionMachine::new(profile))
    }

    /// The CA bundle to trust instead of the OS store: `AWS_CA_BUNDLE`, else the profile's
    /// `ca_bundle` (botocore's order), as a path.
    ///
    /// # Errors
    ///
    /// A malformed or unreadable shared config file.
    pub fn ca_bundle(&self, profile: Option<&str>) -> Result<Option<String>, CredentialsError> {
        self.drive(&mut SettingMachine::new(
            profile,
            "AWS_CA_BUNDLE",
            "ca_bundle",
        ))
    }

    /// The configured Bedrock Runtime endpoint and the FIPS / dual-stack flags
    /// ([`EndpointMachine`]: `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `AWS_ENDPOINT_URL`, the
    /// profile's `[services]` block and `endpoint_url`, `AWS_USE_FIPS_ENDPOINT`, …).
    ///
    /// # Errors
    ///
    /// A malformed or unreadable shared config file, or a profile naming a missing
    /// `[services]` section.
    pub fn runtime_endpoint(
        &self,
        profile: Option<&str>,
    ) -> Result<EndpointConfig, CredentialsError> {
        self.drive(&mut EndpointMachine::new(profile))
    }

    /// The home directory: `HOME`, else `USERPROFILE` (Windows: the other way round).
    pub fn home_dir(&self) -> Option<PathBuf> {
        let order: [&str; 2] = if cfg!(windows) {
            ["USERPROFILE", "HOME"]
        } else {
            ["HOME", "USERPROFILE"]
        };
        order
            .iter()
            .find_map(|name| self.env.non_empty(name))
            .map(PathBuf::from)
    }

    /// The platform configuration directory: Windows `%APPDATA%`; elsewhere
    /// `$XDG_CONFIG_HOME` when absolute, else `~/.config`.
    pub fn config_dir(&self) -> Option<PathBuf> {
        if cfg!(windows)
            && let Some(app_data) = self.env.non_empty("APPDATA")
        {
            return Some(PathBuf::from(app_data));
        }
        if let Some(xdg) = self.env.non_empty("XDG_CONFIG_HOME")
            && Path::new(&xdg).is_absolute()
        {
            return Some(PathBuf::from(xdg));
        }
        self.home_dir().map(|home| home.join(".config"))
    }

    /// This program's directory under the config dir: `<config dir>/bedrock`.
    pub fn bedrock_dir(&self) -> Option<PathBuf> {
        self.config_dir().map(|dir| dir.join("bedrock"))
    }

    /// Where the settings file is: `BEDROCK_SETTINGS`, else `<config dir>/bedrock/settings.toml`.
    pub fn settings_path(&self) -> Option<PathBuf> {
        match self.env.non_empty("BEDROCK_SETTINGS") {
            Some(path) => Some(self.expand_home(&path)),
            None => self.bedrock_dir().map(|dir| dir.join("settings.toml")),
        }
    }

    /// Reads and parses the settings file; no file is `Settings::default()` (both providers
    /// disabled) unless `BEDROCK_SETTINGS` named it.
    ///
    /// # Errors
    ///
    /// [`HostError::MissingSettings`], [`HostError::Io`], or [`HostError::Settings`] with
    /// the file and line.
    pub fn load_settings(&self) -> Result<LoadedSettings, HostError> {
        let Some(path) = self.settings_path() else {
            return Ok(LoadedSettings {
                settings: Settings::default(),
                path: None,
            });
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self.env.non_empty("BEDROCK_SETTINGS").is_some() {
                    return Err(HostError::MissingSettings { path });
                }
                return Ok(LoadedSettings {
                    settings: Settings::default(),
                    path: None,
                });
            }
            Err(source) => return Err(HostError::Io { path, source }),
        };
        let settings = Settings::parse(&text).map_err(|error| HostError::Settings {
            path: path.clone(),
            error,
        })?;
        Ok(LoadedSettings {
            settings,
            path: Some(path),
        })
    }

    /// The vault the settings name (`[llm.vault] path`: `~` expanded, a relative path taken
    /// from the settings file's directory), else `<config dir>/bedrock/vault.toml`.
    ///
    /// # Errors
    ///
    /// [`HostError::NoConfigDir`] when no path can be formed.
    pub fn vault_for(&self, loaded: &LoadedSettings) -> Result<Vault, HostError> {
        if let Some(path) = loaded.settings.vault_path() {
            let path = self.expand_home(path);
            if path.is_absolute() {
                return Ok(Vault::at(path));
            }
            let base = loaded
                .path
                .as_deref()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .or_else(|| self.bedrock_dir())
                .ok_or(HostError::NoConfigDir)?;
            return Ok(Vault::at(base.join(path)));
        }
        self.bedrock_dir()
            .map(|dir| Vault::at(dir.join("vault.toml")))
            .ok_or(HostError::NoConfigDir)
    }

    fn expand_home(&self, path: &str) -> PathBuf {
        let rest = if path == "~" {
            Some("")
        } else {
            path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\"))
        };
        match (rest, self.home_dir()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }
}

/// Replaces `path` with `bytes` atomically: a new temporary file beside it, readable by the
/// owner only (0600 on Unix), synced and renamed over `path` (botocore's `JSONFileCache`
/// does the same with `os.replace`). A reader sees the old file or the new one.
fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} is not a file path", path.display()))?;
    let temp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write {}: {e}", path.display())
    })
}

fn read_file(path: &Path) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FileError::NotFound),
        Err(e) => return Err(FileError::Unreadable(e.to_string())),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(FileError::Unreadable(format!(
            "larger than {} MiB",
            MAX_FILE / (1024 * 1024)
        )));
    }
    Ok(bytes)
}
