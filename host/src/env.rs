//! [`Env`]: where environment variables come from — the process, or a map (tests, embedding).

use std::collections::BTreeMap;
use std::fmt;

/// The environment the host answers from.
///
/// `Env::Process` reads the real process environment; `Env::Map` is a fixed set of variables,
/// so tests never mutate the process environment (which is shared by every thread). `Debug`
/// prints variable names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Env {
    /// `std::env::var`.
    #[default]
    Process,
    /// Exactly these variables; every other one is unset.
    Map(BTreeMap<String, String>),
}

impl Env {
    /// The process environment.
    pub fn process() -> Self {
        Self::Process
    }

    /// A fixed environment.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// Adds or replaces a variable of a fixed environment (a process environment becomes a
    /// fixed one holding just this variable).
    #[must_use]
    pub fn with(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let mut map = match self {
            Self::Process => BTreeMap::new(),
            Self::Map(map) => map,
        };
        map.insert(name.into(), value.into());
        Self::Map(map)
    }

    /// A variable's value; `None` when unset or not valid Unicode.
    pub fn var(&self, name: &str) -> Option<String> {
        match self {
            Self::Process => std::env::var(name).ok(),
            Self::Map(map) => map.get(name).cloned(),
        }
    }

    /// A variable's value, trimmed; `None` when unset or blank.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.var(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Process => f.write_str("Env::Process"),
            Self::Map(map) => f
                .debug_tuple("Env::Map")
                .field(&map.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}
