//! [`Secret`]: a value that never prints.

use core::fmt;

/// A secret value (a secret access key, a session token, an API key) whose `Debug` and
/// `Display` print `** redacted **`.
///
/// Wrapping is the only way secrets travel through this crate, so an error message, a log
/// line or a `{:?}` of any struct holding one cannot leak it. Read the value with
/// [`Secret::expose`] at the one place it is needed (signing, the `Authorization` header).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret value. Call this only where the value is put on the wire.
    pub const fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new(String::from("wJalrXUtnFEMI"));
        assert_eq!(format!("{s}"), "** redacted **");
        assert_eq!(format!("{s:?}"), "** redacted **");
        assert_eq!(format!("{:?}", Some(&s)), "Some(** redacted **)");
        assert_eq!(s.expose(), "wJalrXUtnFEMI");
    }
}
