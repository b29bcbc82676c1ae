//! The `settings.toml` walker: TOML text → [`Settings`], with the line of every problem.
//!
//! The document is parsed into toml's spanned tree ([`DeTable`]) and walked by hand rather than
//! through serde, so that an unknown key is reported with its full path and line at any depth,
//! and so that no error message can quote a value (serde's type errors do).

use alloc::string::String;
use alloc::vec::Vec;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::credential_ref::{CredentialParse, classify_credential};
use super::endpoint::{Endpoint, is_valid_region};
use super::{
    CredentialRef, ModelEntry, ProviderSettings, Settings, SettingsError, SettingsProblem,
};
use crate::catalog::{self, BillingPolicy, Price, Provider};

type Value<'i> = Spanned<DeValue<'i>>;

pub(super) fn parse(text: &str) -> Result<Settings, SettingsError> {
    let walker = Walker { text };
    let document = DeTable::parse(text).map_err(|e| walker.syntax(&e))?;
    let mut settings = Settings::default();
    for (key, at, value) in walker.entries(document.get_ref()) {
        match key {
            "_version" => walker.version(value)?,
            "llm" => walker.llm(&mut settings, value)?,
            _ => return Err(walker.unknown(&[], key, at)),
        }
    }
    Ok(settings)
}

struct Walker<'t> {
    text: &'t str,
}

/// A table entry: the key, the byte offset of the key, and the value.
type Entry<'a, 'i> = (&'a str, usize, &'a Value<'i>);

impl Walker<'_> {
    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn error_at(&self, problem: SettingsProblem, offset: usize) -> SettingsError {
        SettingsError::new(problem, Some(self.line(offset)))
    }

    fn syntax(&self, error: &toml::de::Error) -> SettingsError {
        // The parser's messages are fixed descriptions ("invalid string", "duplicate key",
        // "expected `]`"), never quotes of the input.
        let message = error
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        SettingsError::new(
            SettingsProblem::Syntax { message },
            error.span().map(|span| self.line(span.start)),
        )
    }

    /// The entries of a table in document order (the map itself is sorted by key), so the
    /// first problem reported is the first in the file.
    fn entries<'a, 'i>(&self, table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
        let mut entries: Vec<Entry<'a, 'i>> = table
            .iter()
            .map(|(key, value)| (key.get_ref().as_ref(), key.span().start, value))
            .collect();
        entries.sort_by_key(|(_, offset, _)| *offset);
        entries
    }

    fn unknown(&self, path: &[&str], key: &str, key_offset: usize) -> SettingsError {
        self.error_at(
            SettingsProblem::UnknownKey {
                key: key_path(path, key),
            },
            key_offset,
        )
    }

    fn invalid_type(
        &self,
        path: &[&str],
        key: &str,
        value: &Value<'_>,
        expected: &'static str,
    ) -> SettingsError {
        self.error_at(
            SettingsProblem::InvalidType {
                key: key_path(path, key),
                expected,
            },
            value.span().start,
        )
    }

    fn invalid_value(
        &self,
        path: &[&str],
        key: &str,
        value: &Value<'_>,
        expected: &'static str,
    ) -> SettingsError {
        self.error_at(
            SettingsProblem::InvalidValue {
                key: key_path(path, key),
                expected,
            },
            value.span().start,
        )
    }

    fn table<'a, 'i>(
        &self,
        path: &[&str],
        key: &str,
        value: &'a Value<'i>,
    ) -> Result<&'a DeTable<'i>, SettingsError> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            _ => Err(self.invalid_type(path, key, value, "a table")),
        }
    }

    fn string<'a>(
        &self,
        path: &[&str],
        key: &str,
        value: &'a Value<'_>,
    ) -> Result<&'a str, SettingsError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.as_ref()),
            _ => Err(self.invalid_type(path, key, value, "a string")),
        }
    }

    fn boolean(&self, path: &[&str], key: &str, value: &Value<'_>) -> Result<bool, SettingsError> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.invalid_type(path, key, value, "true or false")),
        }
    }

    fn token_count(
        &self,
        path: &[&str],
        key: &str,
        value: &Value<'_>,
    ) -> Result<u32, SettingsError> {
        self.integer_in(
            path,
            key,
            value,
            1..=u32::MAX,
            "an integer",
            "a positive integer below 2^32",
        )
    }

    /// A timeout: whole seconds, 1 to [`MAX_TIMEOUT_SECS`](super::MAX_TIMEOUT_SECS).
    fn timeout_secs(
        &self,
        path: &[&str],
        key: &str,
        value: &Value<'_>,
    ) -> Result<u32, SettingsError> {
        self.integer_in(
            path,
            key,
            value,
            1..=super::MAX_TIMEOUT_SECS,
            "an integer (seconds)",
            "a whole number of seconds from 1 to 86400",
        )
    }

    /// An integer in `range`; `of_type` says what a value of another TOML type should be,
    /// `expected` what an integer out of range should be.
    fn integer_in(
        &self,
        path: &[&str],
        key: &str,
        value: &Value<'_>,
        range: core::ops::RangeInclusive<u32>,
        of_type: &'static str,
        expected: &'static str,
    ) -> Result<u32, SettingsError> {
        let DeValue::Integer(integer) = value.get_ref() else {
            return Err(self.invalid_type(path, key, value, of_type));
        };
        match u32::from_str_radix(integer.as_str(), integer.radix()) {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(self.invalid_value(path, key, value, expected)),
        }
    }

    fn usd_per_million(
        &self,
        path: &[&str],
        key: &str,
        value: &Value<'_>,
    ) -> Result<Price, SettingsError> {
        const EXPECTED: &str = "a finite, non-negative number of US dollars per million tokens";
        let usd = match value.get_ref() {
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
            _ => return Err(self.invalid_type(path, key, value, "a number")),
        };
        match usd {
            Some(usd) if usd.is_finite() && usd >= 0.0 => Ok(Price::per_million_usd(usd)),
            _ => Err(self.invalid_value(path, key, value, EXPECTED)),
        }
    }

    fn version(&self, value: &Value<'_>) -> Result<(), SettingsError> {
        let is_one = matches!(value.get_ref(),
            DeValue::Integer(i) if i64::from_str_radix(i.as_str(), i.radix()) == Ok(1));
        if is_one {
            Ok(())
        } else {
            Err(self.error_at(SettingsProblem::UnsupportedVersion, value.span().start))
        }
    }

    fn llm(&self, settings: &mut Settings, value: &Value<'_>) -> Result<(), SettingsError> {
        let table = self.table(&[], "llm", value)?;
        for (key, at, value) in self.entries(table) {
            match key {
                "providers" => {
                    let providers = self.table(&["llm"], key, value)?;
                    for (id, at, value) in self.entries(providers) {
                        let Some(provider) = Provider::from_id(id) else {
                            return Err(self.error_at(
                                SettingsProblem::UnknownProvider {
                                    key: key_path(&["llm", "providers"], id),
                                },
                                at,
                            ));
                        };
                        self.provider(settings.provider_mut(provider), value)?;
                    }
                }
                "models" => {
                    let models = self.table(&["llm"], key, value)?;
                    for (id, at, value) in self.entries(models) {
                        let entry = self.model(id, value, at)?;
                        settings.models.insert(id.into(), entry);
                    }
                }
                "vault" => {
                    let path = ["llm", "vault"];
                    let vault = self.table(&["llm"], key, value)?;
                    for (key, at, value) in self.entries(vault) {
                        match key {
                            "path" => {
                                let s = self.string(&path, key, value)?;
                                if s.is_empty() {
                                    return Err(self.invalid_value(
                                        &path,
                                        key,
                                        value,
                                        "a non-empty path",
                                    ));
                                }
                                settings.vault_path = Some(s.into());
                            }
                            _ => return Err(self.unknown(&path, key, at)),
                        }
                    }
                }
                _ => return Err(self.unknown(&["llm"], key, at)),
            }
        }
        Ok(())
    }

    fn provider(
        &self,
        settings: &mut ProviderSettings,
        value: &Value<'_>,
    ) -> Result<(), SettingsError> {
        let id = settings.provider.id();
        let path = ["llm", "providers", id];
        let table = self.table(&path[..2], id, value)?;
        for (key, at, value) in self.entries(table) {
            match key {
                "enabled" => settings.enabled = Some(self.boolean(&path, key, value)?),
                "base_url" => {
                    let url = self.string(&path, key, value)?;
                    let endpoint = Endpoint::parse(url).map_err(|problem| {
                        self.error_at(
                            SettingsProblem::InvalidUrl {
                                key: key_path(&path, key),
                                problem,
                            },
                            value.span().start,
                        )
                    })?;
                    settings.endpoint = Some(endpoint);
                }
                "region" => {
                    let region = self.string(&path, key, value)?;
                    if !is_valid_region(region) {
                        return Err(self.error_at(
                            SettingsProblem::InvalidRegion {
                                key: key_path(&path, key),
                            },
                            value.span().start,
                        ));
                    }
                    settings.region = Some(region.into());
                }
                "timeouts" => {
                    let timeouts_path = ["llm", "providers", id, "timeouts"];
                    let timeouts = self.table(&path, key, value)?;
                    for (key, at, value) in self.entries(timeouts) {
                        let secs = Some(self.timeout_secs(&timeouts_path, key, value)?);
                        match key {
                            "connect" => settings.timeouts.connect_secs = secs,
                            "first_byte" => settings.timeouts.first_byte_secs = secs,
                            "idle" => settings.timeouts.idle_secs = secs,
                            _ => return Err(self.unknown(&timeouts_path, key, at)),
                        }
                    }
                }
                "auth" => {
                    let auth_path = ["llm", "providers", id, "auth"];
                    let auth = self.table(&path, key, value)?;
                    for (key, at, value) in self.entries(auth) {
                        match key {
                            "credentials" => {
                                settings.credentials =
                                    self.credentials(settings.provider, &auth_path, value)?;
                            }
                            _ => return Err(self.unknown(&auth_path, key, at)),
                        }
                    }
                }
                _ => return Err(self.unknown(&path, key, at)),
            }
        }
        Ok(())
    }

    fn credentials(
        &self,
        provider: Provider,
        path: &[&str],
        value: &Value<'_>,
    ) -> Result<Vec<CredentialRef>, SettingsError> {
        const KEY: &str = "credentials";
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.invalid_type(
                path,
                KEY,
                value,
                "a list of \"env:NAME\", \"vault:NAME\" and \"aws_sigv4\"",
            ));
        };
        if items.is_empty() {
            return Err(self.invalid_value(
                path,
                KEY,
                value,
                "a non-empty list (leave it out for the defaults)",
            ));
        }
        let mut refs = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let index = i + 1;
            let DeValue::String(text) = item.get_ref() else {
                return Err(self.invalid_type(
                    path,
                    KEY,
                    item,
                    "a list of strings: \"env:NAME\", \"vault:NAME\" or \"aws_sigv4\"",
                ));
            };
            let key = key_path(path, KEY);
            let credential = match classify_credential(text) {
                CredentialParse::Ok(credential) => credential,
                CredentialParse::InvalidName => {
                    return Err(self.error_at(
                        SettingsProblem::InvalidCredentialName { key, index },
                        item.span().start,
                    ));
                }
                CredentialParse::NotAReference => {
                    return Err(self.error_at(
                        SettingsProblem::LiteralSecret { key, index },
                        item.span().start,
                    ));
                }
            };
            if credential == CredentialRef::AwsSigV4 && provider != Provider::Bedrock {
                return Err(self.error_at(
                    SettingsProblem::SigV4NotSupported { provider },
                    item.span().start,
                ));
            }
            refs.push(credential);
        }
        Ok(refs)
    }

    fn model(
        &self,
        id: &str,
        value: &Value<'_>,
        key_offset: usize,
    ) -> Result<ModelEntry, SettingsError> {
        let path = ["llm", "models", id];
        let table = self.table(&path[..2], id, value)?;
        let mut entry = ModelEntry::default();
        for (key, at, value) in self.entries(table) {
            match key {
                "provider" => {
                    let provider_id = self.string(&path, key, value)?;
                    entry.provider = Some(Provider::from_id(provider_id).ok_or_else(|| {
                        self.error_at(
                            SettingsProblem::UnknownProvider {
                                key: key_path(&path, key),
                            },
                            value.span().start,
                        )
                    })?);
                }
                "api_id" => {
                    let api_id = self.string(&path, key, value)?;
                    let valid = !api_id.is_empty()
                        && api_id
                            .chars()
                            .all(|c| !c.is_whitespace() && !c.is_control());
                    if !valid {
                        return Err(self.invalid_value(
                            &path,
                            key,
                            value,
                            "a model id, inference-profile id or ARN without whitespace",
                        ));
                    }
                    entry.api_id = Some(api_id.into());
                }
                "billing_policy" => {
                    entry.billing = Some(match self.string(&path, key, value)? {
                        "anthropic" => BillingPolicy::Anthropic,
                        "openai" => BillingPolicy::OpenAi,
                        _ => {
                            return Err(self.invalid_value(
                                &path,
                                key,
                                value,
                                "\"anthropic\" or \"openai\"",
                            ));
                        }
                    });
                }
                "limits" => {
                    let limits_path = ["llm", "models", id, "limits"];
                    for (key, at, value) in self.entries(self.table(&path, key, value)?) {
                        let n = match key {
                            "context_window" | "max_output" => {
                                self.token_count(&limits_path, key, value)?
                            }
                            _ => return Err(self.unknown(&limits_path, key, at)),
                        };
                        if key == "context_window" {
                            entry.context_window = Some(n);
                        } else {
                            entry.max_output = Some(n);
                        }
                    }
                }
                "features" => {
                    let features_path = ["llm", "models", id, "features"];
                    for (key, at, value) in self.entries(self.table(&path, key, value)?) {
                        let slot = match key {
                            "tools" => &mut entry.tools,
                            "vision" => &mut entry.vision,
                            "reasoning" => &mut entry.reasoning,
                            "prompt_cache" => &mut entry.prompt_cache,
                            "sampling_params" => &mut entry.sampling_params,
                            _ => return Err(self.unknown(&features_path, key, at)),
                        };
                        *slot = Some(self.boolean(&features_path, key, value)?);
                    }
                }
                "costs" => {
                    let costs_path = ["llm", "models", id, "costs"];
                    for (key, at, value) in self.entries(self.table(&path, key, value)?) {
                        let slot = match key {
                            "input" => &mut entry.input,
                            "output" => &mut entry.output,
                            "cache_read" => &mut entry.cache_read,
                            _ => return Err(self.unknown(&costs_path, key, at)),
                        };
                        *slot = Some(self.usd_per_million(&costs_path, key, value)?);
                    }
                }
                _ => return Err(self.unknown(&path, key, at)),
            }
        }
        if catalog::find(id).is_none() {
            for (missing, set) in [
                ("provider", entry.provider.is_some()),
                ("api_id", entry.api_id.is_some()),
            ] {
                if !set {
                    return Err(self.error_at(
                        SettingsProblem::MissingKey {
                            key: key_path(&path, missing),
                        },
                        key_offset,
                    ));
                }
            }
        }
        Ok(entry)
    }
}

/// The dotted TOML path of `key` under `path`, quoting segments that are not bare keys.
fn key_path(path: &[&str], key: &str) -> String {
    let mut out = String::new();
    for segment in path.iter().chain(core::iter::once(&key)) {
        if !out.is_empty() {
            out.push('.');
        }
        let bare = !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if bare {
            out.push_str(segment);
        } else {
            out.push('"');
            for c in segment.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => out.push('?'),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
    }
    out
}
