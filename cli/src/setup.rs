//! Global options → settings, the client, the vault. All I/O goes through `bedrock-host`.

use std::path::PathBuf;
use std::time::Duration;

use bedrock_blocking::{Client, ClientBuilder, ClientSetup, Error, Overrides, Settings, Timeouts};
use bedrock_core::catalog::Provider;
use bedrock_host::{Env, Host, LoadedSettings, Vault};
use clap::ArgMatches;

/// The global options.
pub(crate) struct Global {
    settings: Option<String>,
    base_url: Option<String>,
    region: Option<String>,
    /// `--timeout SECS`: the first-byte and idle timeouts.
    timeout: Option<Duration>,
}

impl Global {
    pub(crate) fn from_matches(matches: &ArgMatches) -> Self {
        let text = |name: &str| matches.get_one::<String>(name).cloned();
        Self {
            settings: text("settings"),
            base_url: text("base-url"),
            region: text("region"),
            timeout: matches
                .get_one::<u64>("timeout")
                .map(|secs| Duration::from_secs(*secs)),
        }
    }

    /// The host: the process environment, with `--settings` standing in for `BEDROCK_SETTINGS`.
    fn host(&self) -> Host {
        let env = match &self.settings {
            Some(path) => Env::from_pairs(std::env::vars()).with("BEDROCK_SETTINGS", path.clone()),
            None => Env::process(),
        };
        Host::with_env(env)
    }

    fn loaded(&self, host: &Host) -> Result<LoadedSettings, Error> {
        let mut loaded = host.load_settings()?;
        // A Bedrock tool: both providers are on unless the file turns one off.
        loaded.settings.enable_all_unless_disabled();
        Ok(loaded)
    }

    /// The merged settings.
    pub(crate) fn settings(&self) -> Result<Settings, Error> {
        Ok(self.loaded(&self.host())?.settings)
    }

    /// A client for calls to `model`, with `--base-url` / `--region` applied to its provider.
    /// The client for `model`; `keep_streamed_text` as [`ClientBuilder::keep_streamed_text`].
    pub(crate) fn client(&self, model: &str, keep_streamed_text: bool) -> Result<Client, Error> {
        let mut overrides =
            Overrides::new().endpoint(model, self.base_url.clone(), self.region.clone());
        if let Some(path) = &self.settings {
            overrides = overrides.settings(path.clone());
        }
        let setup = ClientSetup::load(Env::process(), &overrides)?;
        // `--timeout` wins over the settings file's first_byte and idle; its connect stays.
        let timeouts = self.timeout.map(|wait| {
            let mut timeouts = Timeouts::default()
                .with_settings(setup.settings.provider(Provider::Bedrock).timeouts());
            timeouts.first_byte = wait;
            timeouts.idle = wait;
            timeouts
        });
        let builder = ClientBuilder::from_setup(setup).keep_streamed_text(keep_streamed_text);
        match timeouts {
            Some(timeouts) => builder.timeouts(timeouts),
            None => builder,
        }
        .build()
    }

    fn vault(&self) -> Result<Vault, Error> {
        let host = self.host();
        let loaded = self.loaded(&host)?;
        Ok(host.vault_for(&loaded)?)
    }

    /// Stores a secret; returns the vault's path.
    pub(crate) fn vault_set(&self, name: &str, value: &str) -> Result<PathBuf, Error> {
        let vault = self.vault()?;
        vault.set(name, value)?;
        Ok(vault.path().to_path_buf())
    }

    /// The names in the vault.
    pub(crate) fn vault_names(&self) -> Result<Vec<String>, Error> {
        Ok(self.vault()?.names()?)
    }

    /// Removes a secret; whether it existed.
    pub(crate) fn vault_remove(&self, name: &str) -> Result<bool, Error> {
        Ok(self.vault()?.remove(name)?)
    }
}
