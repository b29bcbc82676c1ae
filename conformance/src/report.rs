//! Case outcomes, stage diffs and the final tally.

use std::fmt::Write as _;

/// What happened to one conformance case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every check the case's files allow passed; `notes` say what could not be checked.
    Pass {
        /// Checks made, e.g. `["header", "query"]`.
        checks: Vec<&'static str>,
        /// Things the files do not allow checking, printed next to the case.
        notes: Vec<String>,
    },
    /// A stage differs or the case could not be run.
    Fail(String),
    /// Deliberately not run, with the reason.
    Skip(String),
}

/// A named case and its outcome.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// Suite-relative name, e.g. `aws-signing-test-suite/v4/get-vanilla`.
    pub name: String,
    /// The outcome.
    pub outcome: Outcome,
}

/// Compares one stage; on mismatch returns a message with a line diff.
///
/// # Errors
///
/// The diff text when `expected != actual`.
pub fn check_stage(stage: &str, expected: &str, actual: &str) -> Result<(), String> {
    if expected == actual {
        return Ok(());
    }
    let mut out = format!("{stage} differs (- expected, + actual):\n");
    out.push_str(&line_diff(expected, actual));
    Err(out)
}

/// A unified-style line diff (LCS based; inputs here are a few dozen lines at most).
pub fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split('\n').collect();
    let b: Vec<&str> = actual.split('\n').collect();
    // lcs[i][j] = LCS length of a[i..] and b[j..]
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "      {}", visible(a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "    - {}", visible(a[i]));
            i += 1;
        } else {
            let _ = writeln!(out, "    + {}", visible(b[j]));
            j += 1;
        }
    }
    out
}

/// Shows characters that would otherwise be invisible in a diff (tabs, carriage returns,
/// trailing spaces); long lines are cut.
fn visible(line: &str) -> String {
    let mut s: String = line
        .chars()
        .map(|c| match c {
            '\t' => '→',
            '\r' => '␍',
            c => c,
        })
        .collect();
    if s.ends_with(' ') {
        s.push('⏎');
    }
    if s.chars().count() > 240 {
        let cut: String = s.chars().take(240).collect();
        return format!("{cut}… ({} chars)", line.chars().count());
    }
    s
}

/// Counts outcomes and renders the final line: `N passed, M failed[, K skipped]`.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Passed cases.
    pub passed: usize,
    /// Failed cases.
    pub failed: usize,
    /// Skipped cases (each printed with its reason).
    pub skipped: usize,
}

impl Tally {
    /// Adds one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Pass { .. } => self.passed += 1,
            Outcome::Fail(_) => self.failed += 1,
            Outcome::Skip(_) => self.skipped += 1,
        }
    }

    /// The summary line.
    pub fn summary(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.skipped > 0 {
            let _ = write!(line, ", {} skipped", self.skipped);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_changed_lines() {
        let d = line_diff("a\nb\nc", "a\nx\nc");
        assert_eq!(d, "      a\n    - b\n    + x\n      c\n");
        assert!(check_stage("s", "a", "a").is_ok());
        assert!(check_stage("s", "a\tb", "a b").unwrap_err().contains("a→b"));
    }

    #[test]
    fn summary_mentions_skips_only_when_present() {
        let mut t = Tally::default();
        t.add(&Outcome::Pass {
            checks: vec![],
            notes: vec![],
        });
        t.add(&Outcome::Fail("x".into()));
        assert_eq!(t.summary(), "1 passed, 1 failed");
        t.add(&Outcome::Skip("why".into()));
        assert_eq!(t.summary(), "1 passed, 1 failed, 1 skipped");
    }
}
