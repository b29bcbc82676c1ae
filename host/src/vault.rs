//! [`Vault`]: the local secret vault behind `vault:NAME` credential references.
//!
//! A TOML file of `NAME = "value"` lines (names `[A-Za-z_][A-Za-z0-9_]*`, as in `vault:NAME`).
//! It is written atomically — a temporary file in the same directory, `fsync`, `rename`, then
//! an `fsync` of the directory — with mode 0600 (its directory is created 0700), so a crash
//! leaves the old file or the new one, never half of either. On Unix a vault that group or
//! other users can read is refused, with the `chmod` that fixes it. Values are never printed:
//! `get` returns a [`Secret`], errors name entries and lines, never values. Changes hold an
//! exclusive lock on `<vault>.lock` around their read-modify-write, so concurrent writers (two
//! `bedrock secret set` at once) never lose each other's entries.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bedrock_core::secret::Secret;
use toml::de::{DeTable, DeValue};

/// A local secret vault file.
#[derive(Clone, PartialEq, Eq)]
pub struct Vault {
    path: PathBuf,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).finish()
    }
}

/// Why a vault operation failed. Never carries a secret value.
#[derive(Debug)]
#[non_exhaustive]
pub enum VaultError {
    /// Reading, writing or renaming failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done: `read`, `write`, `rename`, `create directory`.
        action: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// The file is readable or writable by group or other users.
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not a vault: invalid TOML, or an entry that is not a string.
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// What is wrong (never a value).
        reason: String,
    },
    /// A name that `vault:NAME` could not reference.
    InvalidName {
        /// The name.
        name: String,
    },
    /// An empty value, or one with control characters (never printed).
    InvalidValue,
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io {
                path,
                action,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Self::Permissions { path, mode } => write!(
                f,
                "vault {} is accessible by other users (mode {:04o}); refusing to read it: run `chmod 600 {}`",
                path.display(),
                mode & 0o7777,
                path.display()
            ),
            Self::Malformed { path, line, reason } => {
                write!(f, "vault {}", path.display())?;
                if let Some(line) = line {
                    write!(f, ", line {line}")?;
                }
                write!(f, ": {reason}")
            }
            Self::InvalidName { name } => write!(
                f,
                "invalid secret name {name:?}: use letters, digits and '_', not starting with a digit"
            ),
            Self::InvalidValue => {
                f.write_str("the secret value is empty or contains control characters")
            }
        }
    }
}

impl std::error::Error for VaultError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Vault {
    /// The vault at `path` (nothing is read until used; a missing file is an empty vault).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The secret stored under `name`, if any.
    ///
    /// # Errors
    ///
    /// [`VaultError::Permissions`] when other users can read the file, `Io` / `Malformed` for
    /// an unreadable or invalid file, `InvalidName` for a name `vault:NAME` cannot reference.
    pub fn get(&self, name: &str) -> Result<Option<Secret<String>>, VaultError> {
        check_name(name)?;
        Ok(self.read()?.remove(name).map(Secret::new))
    }

    /// The stored names, sorted.
    ///
    /// # Errors
    ///
    /// As [`Vault::get`].
    pub fn names(&self) -> Result<Vec<String>, VaultError> {
        Ok(self.read()?.into_keys().collect())
    }

    /// Stores `value` (trimmed) under `name`, replacing any previous value.
    ///
    /// # Errors
    ///
    /// `InvalidName`, `InvalidValue` (empty, or control characters), or any error of reading
    /// the current file or writing the new one.
    pub fn set(&self, name: &str, value: &str) -> Result<(), VaultError> {
        check_name(name)?;
        let value = value.trim();
        if value.is_empty() || value.chars().any(char::is_control) {
            return Err(VaultError::InvalidValue);
        }
        let _lock = self.lock()?;
        let mut entries = self.read()?;
        entries.insert(name.to_string(), value.to_string());
        self.write(&entries)
    }

    /// Removes `name`; `true` when it was stored.
    ///
    /// # Errors
    ///
    /// As [`Vault::set`].
    pub fn remove(&self, name: &str) -> Result<bool, VaultError> {
        check_name(name)?;
        let _lock = self.lock()?;
        let mut entries = self.read()?;
        if entries.remove(name).is_none() {
            return Ok(false);
        }
        self.write(&entries)?;
        Ok(true)
    }

    /// Holds the vault's lock file (`<vault>.lock` beside it) exclusively until dropped, so a
    /// read-modify-write by another process (two `bedrock secret set` at once) waits instead of
    /// writing back a copy without this one's entry. The vault file itself cannot carry the lock:
    /// each write replaces it by rename. Readers need none, since every write is one rename.
    fn lock(&self) -> Result<File, VaultError> {
        let mut path = self.path.clone().into_os_string();
        path.push(".lock");
        let path = PathBuf::from(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| VaultError::Io {
                path: dir.into(),
                action: "create directory",
                source,
            })?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|source| VaultError::Io {
            path: path.clone(),
            action: "open the lock file",
            source,
        })?;
        file.lock().map_err(|source| VaultError::Io {
            path,
            action: "lock",
            source,
        })?;
        Ok(file)
    }

    fn read(&self) -> Result<BTreeMap<String, String>, VaultError> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => return Err(self.io("read", source)),
        };
        if file.metadata().is_ok_and(|m| !m.is_file()) {
            return Err(self.io(
                "read",
                io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
        check_permissions(&self.path, &file)?;
        let mut text = String::new();
        io::Read::read_to_string(&mut file, &mut text).map_err(|e| self.io("read", e))?;
        self.parse(&text)
    }

    fn parse(&self, text: &str) -> Result<BTreeMap<String, String>, VaultError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let malformed = |line: Option<usize>, reason: String| VaultError::Malformed {
            path: self.path.clone(),
            line,
            reason,
        };
        // toml's parse messages describe the problem without quoting the input.
        let document = DeTable::parse(text).map_err(|e| {
            malformed(
                e.span().map(|span| line_of(span.start)),
                e.message()
                    .lines()
                    .next()
                    .unwrap_or("invalid TOML")
                    .to_string(),
            )
        })?;
        let mut entries = BTreeMap::new();
        for (key, value) in document.get_ref() {
            let name: &str = key.get_ref().as_ref();
            let line = Some(line_of(key.span().start));
            match value.get_ref() {
                DeValue::String(s) => {
                    entries.insert(name.to_string(), s.to_string());
                }
                _ => {
                    return Err(malformed(line, format!("entry {name:?} is not a string")));
                }
            }
        }
        Ok(entries)
    }

    fn write(&self, entries: &BTreeMap<String, String>) -> Result<(), VaultError> {
        let mut text = String::from(
            "# bedrock secret vault: API keys stored with `bedrock secret set`. Keep it private (mode 0600).\n",
        );
        for (name, value) in entries {
            text.push_str(name);
            text.push_str(" = ");
            push_toml_string(&mut text, value);
            text.push('\n');
        }
        write_atomically(&self.path, text.as_bytes())
    }

    fn io(&self, action: &'static str, source: io::Error) -> VaultError {
        VaultError::Io {
            path: self.path.clone(),
            action,
            source,
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`, at most 128 bytes: what `vault:NAME` accepts.
fn check_name(name: &str) -> Result<(), VaultError> {
    let mut bytes = name.bytes();
    let valid = name.len() <= 128
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(VaultError::InvalidName { name: name.into() })
    }
}

/// A TOML basic string.
fn push_toml_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(unix)]
fn check_permissions(path: &Path, file: &File) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|source| VaultError::Io {
            path: path.into(),
            action: "inspect",
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(VaultError::Permissions {
            path: path.into(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _file: &File) -> Result<(), VaultError> {
    // Windows: the file lives in the user's profile, whose ACL already excludes other users.
    Ok(())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `contents` atomically: a new file (mode 0600) in the same directory,
/// written and synced, renamed over the target, then the directory synced. On failure the
/// temporary file is removed and the old file is untouched.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), VaultError> {
    let io_error = |path: &Path, action, source| VaultError::Io {
        path: path.into(),
        action,
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir).map_err(|e| io_error(&dir, "create directory", e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vault".into());
    let temp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&temp)
            .map_err(|e| io_error(&temp, "create", e))?;
        file.write_all(contents)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error(&temp, "write", e))?;
        drop(file);
        fs::rename(&temp, path).map_err(|e| io_error(path, "replace", e))?;
        // Make the rename itself durable.
        #[cfg(unix)]
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error(&dir, "sync", e))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("bedrock-host-rename-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        // The target is a non-empty directory: the rename over it fails after the temporary
        // file was written and synced.
        fs::create_dir_all(dir.join("target/inner")).unwrap();
        let error = write_atomically(&dir.join("target"), b"S3CR3T").unwrap_err();
        assert!(
            matches!(
                error,
                VaultError::Io {
                    action: "replace",
                    ..
                }
            ),
            "{error:?}"
        );
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["target"]);
        assert!(!error.to_string().contains("S3CR3T"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn toml_strings_round_trip() {
        let mut out = String::new();
        push_toml_string(&mut out, "a\"b\\c\u{1}é");
        assert_eq!(out, "\"a\\\"b\\\\c\\u0001é\"");
        let vault = Vault::at("x");
        let parsed = vault.parse(&format!("K = {out}\n")).unwrap();
        assert_eq!(parsed["K"], "a\"b\\c\u{1}é");
    }
}
