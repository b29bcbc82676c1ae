//! The shared `config` and `credentials` files: finding and reading them (`AWS_CONFIG_FILE`,
//! `AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/…`), the profile name (`AWS_PROFILE`, …), an INI
//! parser with botocore's (`configparser.RawConfigParser`) rules, the profile view the
//! providers read, and the settings read from env-or-profile ([`region`], [`setting`]).
//!
//! - `[section]` headers; in `config`, `[default]`, `[profile NAME]` (the name may be quoted),
//!   `[sso-session NAME]` and `[services NAME]`; in `credentials`, `[NAME]`;
//! - `key = value` or `key: value` (split at the first `=` or `:`), keys case-insensitive,
//!   values trimmed; whole-line comments starting with `#` or `;` (no inline comments);
//! - an indented line after a property continues its value (nested `s3 =` blocks);
//! - a repeated section merges into the first, later keys winning;
//! - anything else is an error naming the file and the 1-based line, never the line's text
//!   (it may hold a secret).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::engine::{Cx, Run};
use super::error::{Problem, fail};
use super::protocol::FileError;
use super::{ChainConfig, SourceKind};

/// Properties of one section, keys lowercased.
pub(crate) type Props = BTreeMap<String, String>;

/// A parse failure: the 1-based line and what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IniError {
    pub(crate) line: usize,
    pub(crate) reason: &'static str,
}

/// Parses INI text into `(section header, properties)` in file order (repeated headers merged).
pub(crate) fn parse_ini(text: &str) -> Result<Vec<(String, Props)>, IniError> {
    let mut sections: Vec<(String, Props)> = Vec::new();
    let mut current: Option<usize> = None;
    let mut last_key: Option<(String, usize)> = None;
    for (index, raw) in text.trim_start_matches('\u{feff}').split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let (Some(section), Some((key, key_indent))) = (current, last_key.as_ref())
            && indent > *key_indent
        {
            // Indented deeper than its property: a continuation of that value (or a nested
            // block such as `s3 =`), as configparser reads it.
            if let Some(value) = sections[section].1.get_mut(key) {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let end = header.rfind(']').ok_or(IniError {
                line: line_no,
                reason: "a section header must end with ']'",
            })?;
            let name = header[..end].trim();
            if name.is_empty() {
                return Err(IniError {
                    line: line_no,
                    reason: "empty section name",
                });
            }
            current = Some(match sections.iter().position(|(n, _)| n == name) {
                Some(existing) => existing,
                None => {
                    sections.push((name.to_string(), Props::new()));
                    sections.len() - 1
                }
            });
            last_key = None;
            continue;
        }
        let Some(at) = trimmed.find(['=', ':']) else {
            return Err(IniError {
                line: line_no,
                reason: "expected '[section]' or 'key = value'",
            });
        };
        let key = trimmed[..at].trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(IniError {
                line: line_no,
                reason: "a property has no name before '='",
            });
        }
        let Some(section) = current else {
            return Err(IniError {
                line: line_no,
                reason: "a property appears before any [section] header",
            });
        };
        let value = trimmed[at + 1..].trim().to_string();
        sections[section].1.insert(key.clone(), value);
        last_key = Some((key, indent));
    }
    Ok(sections)
}

/// Both shared files, parsed and indexed by profile.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProfileFiles {
    pub(crate) config_path: String,
    pub(crate) credentials_path: String,
    config: BTreeMap<String, Props>,
    credentials: BTreeMap<String, Props>,
    sso_sessions: BTreeMap<String, Props>,
    services: BTreeMap<String, Props>,
}

impl ProfileFiles {
    /// Indexes parsed files.
    pub(crate) fn new(
        config_path: String,
        config: Vec<(String, Props)>,
        credentials_path: String,
        credentials: Vec<(String, Props)>,
    ) -> Self {
        let mut files = Self {
            config_path,
            credentials_path,
            ..Self::default()
        };
        for (header, props) in config {
            let (kind, name) = match header.split_once([' ', '\t']) {
                Some((kind, name)) => (kind, unquote(name.trim())),
                None => (header.as_str(), ""),
            };
            let target = match (kind, name.is_empty()) {
                ("default", true) => files.config.entry("default".into()).or_default(),
                ("profile", false) => files.config.entry(name.into()).or_default(),
                ("sso-session", false) => files.sso_sessions.entry(name.into()).or_default(),
                ("services", false) => files.services.entry(name.into()).or_default(),
                // `[plugins]` and other sections are not settings this crate reads.
                _ => continue,
            };
            target.extend(props);
        }
        for (name, props) in credentials {
            files.credentials.entry(name).or_default().extend(props);
        }
        files
    }

    /// Whether either file has the profile.
    pub(crate) fn has_profile(&self, name: &str) -> bool {
        self.config.contains_key(name) || self.credentials.contains_key(name)
    }

    /// The profile's `config` section.
    pub(crate) fn config_profile(&self, name: &str) -> Option<&Props> {
        self.config.get(name)
    }

    /// The profile's `credentials` section.
    pub(crate) fn credentials_profile(&self, name: &str) -> Option<&Props> {
        self.credentials.get(name)
    }

    /// The profile with `credentials` values over `config` values, as botocore's
    /// `full_config` merges them.
    pub(crate) fn merged(&self, name: &str) -> Props {
        let mut props = self.config.get(name).cloned().unwrap_or_default();
        if let Some(credentials) = self.credentials.get(name) {
            props.extend(credentials.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        props
    }

    /// An `[sso-session NAME]` section.
    pub(crate) fn sso_session(&self, name: &str) -> Option<&Props> {
        self.sso_sessions.get(name)
    }

    /// A `[services NAME]` section (its values are nested blocks: see [`nested`]).
    pub(crate) fn services(&self, name: &str) -> Option<&Props> {
        self.services.get(name)
    }
}

/// The `key = value` lines of a nested block (`sts =\n  endpoint_url = …`), keys lowercased.
pub(crate) fn nested(value: &str) -> Props {
    value
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// A non-empty property value.
pub(crate) fn prop<'p>(props: &'p Props, key: &str) -> Option<&'p str> {
    props.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn unquote(name: &str) -> &str {
    name.strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name)
}

pub(crate) struct Profiles {
    pub(crate) name: String,
    /// Chosen by the caller or `AWS_PROFILE` / `AWS_DEFAULT_PROFILE`, not the `default` fallback.
    pub(crate) explicit: bool,
    pub(crate) files: ProfileFiles,
}

/// `~` and `~/…` expanded with the home directory.
pub(crate) fn expand_home(cx: &mut Cx<'_>, path: &str) -> Run<String> {
    let rest = if path == "~" {
        ""
    } else if let Some(rest) = path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\")) {
        rest
    } else {
        return Ok(path.into());
    };
    Ok(match cx.home()? {
        Some(home) => join(&home, rest),
        None => path.into(),
    })
}

pub(crate) fn join(dir: &str, rest: &str) -> String {
    let dir = dir.trim_end_matches(['/', '\\']);
    if rest.is_empty() {
        dir.into()
    } else {
        format!("{dir}/{rest}")
    }
}

/// The default path of a file under `~/.aws`, or an unreadable placeholder without a home.
fn aws_dir_path(cx: &mut Cx<'_>, rest: &str) -> Run<Option<String>> {
    Ok(cx.home()?.map(|home| join(&home, &format!(".aws/{rest}"))))
}

pub(crate) fn read_text(
    cx: &mut Cx<'_>,
    path: &str,
    source: Option<SourceKind>,
) -> Run<Option<String>> {
    match cx.file(path)? {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Some(text)),
            Err(_) => Err(fail(
                source,
                "",
                Problem::Unreadable {
                    path: path.into(),
                    reason: "it is not valid UTF-8".into(),
                },
            )),
        },
        Err(FileError::NotFound) => Ok(None),
        Err(FileError::Unreadable(reason)) => Err(fail(
            source,
            "",
            Problem::Unreadable {
                path: path.into(),
                reason,
            },
        )),
    }
}

fn read_ini(cx: &mut Cx<'_>, path: Option<&str>) -> Run<Vec<(String, Props)>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let Some(text) = read_text(cx, path, None)? else {
        return Ok(Vec::new());
    };
    parse_ini(&text).map_err(|e| {
        fail(
            None,
            "",
            Problem::MalformedFile {
                path: path.into(),
                line: e.line,
                reason: e.reason,
            },
        )
    })
}

pub(crate) fn load_profiles(cx: &mut Cx<'_>, config: &ChainConfig) -> Run<Profiles> {
    let (name, explicit) = match config.profile() {
        Some(name) => (name.to_string(), true),
        None => match cx.env("AWS_PROFILE")? {
            Some(name) => (name, true),
            None => match cx.env("AWS_DEFAULT_PROFILE")? {
                Some(name) => (name, true),
                None => ("default".to_string(), false),
            },
        },
    };
    let config_path = match cx.env("AWS_CONFIG_FILE")? {
        Some(path) => Some(expand_home(cx, &path)?),
        None => aws_dir_path(cx, "config")?,
    };
    let credentials_path = match cx.env("AWS_SHARED_CREDENTIALS_FILE")? {
        Some(path) => Some(expand_home(cx, &path)?),
        None => aws_dir_path(cx, "credentials")?,
    };
    let config_sections = read_ini(cx, config_path.as_deref())?;
    let credentials_sections = read_ini(cx, credentials_path.as_deref())?;
    let unknown = || "(no home directory)".to_string();
    Ok(Profiles {
        name,
        explicit,
        files: ProfileFiles::new(
            config_path.unwrap_or_else(unknown),
            config_sections,
            credentials_path.unwrap_or_else(unknown),
            credentials_sections,
        ),
    })
}

/// The region for the default chain's STS calls and for callers without a `base_url` region:
/// `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region`.
pub(crate) fn region(cx: &mut Cx<'_>, profile: Option<&str>) -> Run<Option<String>> {
    setting(cx, profile, &["AWS_REGION", "AWS_DEFAULT_REGION"], "region")
}

/// A client setting as botocore's config store reads it: the first environment variable of
/// `envs` that is set, else the profile's `key` (e.g. `AWS_CA_BUNDLE` / `ca_bundle`).
pub(crate) fn setting(
    cx: &mut Cx<'_>,
    profile: Option<&str>,
    envs: &[&str],
    key: &str,
) -> Run<Option<String>> {
    for env in envs {
        if let Some(value) = cx.env(env)? {
            return Ok(Some(value));
        }
    }
    let config = ChainConfig {
        profile: profile.map(String::from),
        ..ChainConfig::default()
    };
    let profiles = load_profiles(cx, &config)?;
    Ok(prop(&profiles.files.merged(&profiles.name), key).map(String::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_botocore_style_ini() {
        let text = "\u{feff}# comment\n[default]\naws_access_key_id = AKID\r\nAWS_Secret_Access_Key: s=e:c\n\n; c\n[profile dev]\n  region = us-west-2  \n  output = json\ns3 =\n  max_concurrent_requests = 10\n  addressing_style = path\n[default] trailing\nregion=eu-west-1\n";
        let sections = parse_ini(text).unwrap();
        assert_eq!(sections.len(), 2);
        let (name, default) = &sections[0];
        assert_eq!(name, "default");
        assert_eq!(default["aws_access_key_id"], "AKID");
        assert_eq!(default["aws_secret_access_key"], "s=e:c");
        assert_eq!(default["region"], "eu-west-1", "repeated section merged");
        let (name, dev) = &sections[1];
        assert_eq!(name, "profile dev");
        assert_eq!(
            dev["region"], "us-west-2",
            "indented first property is a property"
        );
        assert_eq!(dev["output"], "json", "same indentation: a new property");
        assert_eq!(
            dev["s3"],
            "\nmax_concurrent_requests = 10\naddressing_style = path"
        );
    }

    #[test]
    fn errors_name_the_line_only() {
        let err = parse_ini("[default]\naws_access_key_id = A\nwJalrXUtnFEMI\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(parse_ini("key = v\n").unwrap_err().line, 1);
        assert_eq!(parse_ini("\n\n[default\n").unwrap_err().line, 3);
        assert_eq!(parse_ini("[ ]\n").unwrap_err().line, 1);
        assert_eq!(parse_ini("[x]\n= v\n").unwrap_err().line, 2);
    }

    #[test]
    fn indexes_profiles_and_sessions() {
        let config = parse_ini(
            "[default]\nregion = us-east-1\n[profile dev]\nrole_arn = r\n[profile \"my prof\"]\nregion = x\n[sso-session corp]\nsso_region = us-east-1\n[services s]\nsts =\n  endpoint_url = http://x\n[stray]\nregion = y\n",
        )
        .unwrap();
        let credentials =
            parse_ini("[dev]\naws_access_key_id = A\n[profile dev]\nx = 1\n").unwrap();
        let files = ProfileFiles::new("c".into(), config, "k".into(), credentials);
        assert!(
            files.has_profile("default")
                && files.has_profile("dev")
                && files.has_profile("my prof")
        );
        assert!(
            !files.has_profile("stray"),
            "config sections need the profile prefix"
        );
        assert!(
            files.has_profile("profile dev"),
            "credentials sections are names verbatim"
        );
        let dev = files.merged("dev");
        assert_eq!(dev["role_arn"], "r");
        assert_eq!(dev["aws_access_key_id"], "A");
        assert_eq!(
            files.sso_session("corp").unwrap()["sso_region"],
            "us-east-1"
        );
        assert_eq!(prop(&dev, "missing"), None);
        let services = files.services("s").unwrap();
        assert_eq!(
            nested(&services["sts"])
                .get("endpoint_url")
                .map(String::as_str),
            Some("http://x")
        );
        assert!(files.services("stray").is_none());
    }
}
