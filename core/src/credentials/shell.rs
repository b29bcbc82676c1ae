//! Splitting a `credential_process` command line into a program and its arguments, with the
//! rules botocore uses (`compat_shell_split`): Python's `shlex.split` (POSIX mode) everywhere
//! but Windows, and the C runtime's argument rules on Windows. The program then runs directly,
//! without a shell.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Which splitting rules to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellSyntax {
    /// `shlex.split` in POSIX mode: whitespace separates words; `'…'` is literal; in `"…"` a
    /// backslash escapes only `"` and `\`; outside quotes a backslash escapes any character.
    Posix,
    /// The Windows C runtime rules: only space and tab separate, only `"` quotes, and
    /// backslashes are literal except in a run that ends at a `"` (each pair is one backslash;
    /// an odd one escapes the quote).
    Windows,
}

impl ShellSyntax {
    /// The rules of the platform this code is compiled for (`Windows` on `target_os =
    /// "windows"`, else `Posix`).
    pub const fn native() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else {
            Self::Posix
        }
    }
}

/// Why a command line cannot be split. The message never includes the line (it may carry a
/// token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SplitError {
    /// A quote is never closed.
    UnclosedQuote,
    /// The line ends with an escaping backslash (POSIX).
    TrailingBackslash,
    /// The line has no words.
    Empty,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnclosedQuote => "command line has an unclosed quote",
            Self::TrailingBackslash => "command line ends with an escaping backslash",
            Self::Empty => "command line is empty",
        })
    }
}

impl core::error::Error for SplitError {}

/// Splits `line` into words with `syntax`'s rules.
///
/// # Errors
///
/// A [`SplitError`] for an unclosed quote, a trailing escape, or no words at all.
pub fn split_command(line: &str, syntax: ShellSyntax) -> Result<Vec<String>, SplitError> {
    let words = match syntax {
        ShellSyntax::Posix => split_posix(line)?,
        ShellSyntax::Windows => split_windows(line)?,
    };
    if words.is_empty() {
        return Err(SplitError::Empty);
    }
    Ok(words)
}

fn split_posix(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word exists once any character or quote pair was seen (`""` is an empty word).
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(core::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                word.push(chars.next().ok_or(SplitError::TrailingBackslash)?);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(SplitError::UnclosedQuote),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\')) => word.push(escaped),
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err(SplitError::UnclosedQuote),
                        },
                        Some(c) => word.push(c),
                        None => return Err(SplitError::UnclosedQuote),
                    }
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn split_windows(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut backslashes = 0usize;
    let flush_backslashes = |word: &mut String, n: &mut usize| {
        for _ in 0..*n {
            word.push('\\');
        }
        *n = 0;
    };
    for c in line.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                in_word = true;
                if backslashes > 0 {
                    for _ in 0..backslashes / 2 {
                        word.push('\\');
                    }
                    let odd = backslashes % 2 == 1;
                    backslashes = 0;
                    if odd {
                        word.push('"');
                        continue;
                    }
                }
                quoted = !quoted;
            }
            ' ' | '\t' if !quoted => {
                flush_backslashes(&mut word, &mut backslashes);
                if in_word || !word.is_empty() {
                    words.push(core::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                flush_backslashes(&mut word, &mut backslashes);
                word.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err(SplitError::UnclosedQuote);
    }
    flush_backslashes(&mut word, &mut backslashes);
    if in_word || !word.is_empty() {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn posix(line: &str) -> Vec<String> {
        split_command(line, ShellSyntax::Posix).unwrap()
    }

    fn windows(line: &str) -> Vec<String> {
        split_command(line, ShellSyntax::Windows).unwrap()
    }

    #[test]
    fn posix_matches_shlex() {
        // Expected values printed by Python's shlex.split.
        assert_eq!(posix("a b"), ["a", "b"]);
        assert_eq!(posix("a \"b c\" d"), ["a", "b c", "d"]);
        assert_eq!(posix("a 'b \\\" c'"), ["a", "b \\\" c"]);
        assert_eq!(posix("a\\ b"), ["a b"]);
        assert_eq!(posix("x\"y z\"w"), ["xy zw"]);
        assert_eq!(posix("\"\""), [""]);
        assert_eq!(posix("a \"b\\\\\\\" c\" d"), ["a", "b\\\" c", "d"]);
        assert_eq!(posix("a \"b\\n\""), ["a", "b\\n"]);
        assert_eq!(
            posix("  /usr/bin/aws-vault   exec  dev --json \n"),
            ["/usr/bin/aws-vault", "exec", "dev", "--json"]
        );
        assert_eq!(
            split_command("a 'b", ShellSyntax::Posix),
            Err(SplitError::UnclosedQuote)
        );
        assert_eq!(
            split_command("a \\", ShellSyntax::Posix),
            Err(SplitError::TrailingBackslash)
        );
        assert_eq!(
            split_command("   ", ShellSyntax::Posix),
            Err(SplitError::Empty)
        );
    }

    #[test]
    fn windows_matches_botocore() {
        // Expected values printed by botocore's `_windows_shell_split`.
        assert_eq!(windows("ABC"), ["ABC"]);
        assert_eq!(windows("ABC DEF"), ["ABC", "DEF"]);
        assert_eq!(windows("ABC   DEF"), ["ABC", "DEF"]);
        assert_eq!(windows("ABC\tDEF"), ["ABC", "DEF"]);
        assert_eq!(windows("\"ABC\" DEF"), ["ABC", "DEF"]);
        assert_eq!(windows("\"ABC DEF\""), ["ABC DEF"]);
        assert_eq!(windows("\"ABC\"DEF"), ["ABCDEF"]);
        assert_eq!(windows("ABC\"DEF GHI\""), ["ABCDEF GHI"]);
        assert_eq!(windows("\\\"ABC"), ["\"ABC"]);
        assert_eq!(windows("\\\\\"ABC\""), ["\\ABC"]);
        assert_eq!(windows("\\\\\\\"ABC"), ["\\\"ABC"]);
        assert_eq!(windows("ABC\\DEF"), ["ABC\\DEF"]);
        assert_eq!(windows("ABC\\\\DEF"), ["ABC\\\\DEF"]);
        assert_eq!(windows("ABC\\"), ["ABC\\"]);
        assert_eq!(windows("\"\""), [""]);
        assert_eq!(windows("\\\\ x"), ["\\\\", "x"]);
        assert_eq!(windows("a \\\"\\\" b"), ["a", "\"\"", "b"]);
        assert_eq!(
            windows("C:\\Program Files\\tool.exe --x"),
            ["C:\\Program", "Files\\tool.exe", "--x"]
        );
        assert_eq!(
            windows("\"C:\\Program Files\\tool.exe\" --x"),
            vec!["C:\\Program Files\\tool.exe", "--x"]
        );
        assert_eq!(
            split_command("\"ABC", ShellSyntax::Windows),
            Err(SplitError::UnclosedQuote)
        );
    }
}
