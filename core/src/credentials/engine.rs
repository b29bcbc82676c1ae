//! The replay engine behind every credential machine.
//!
//! A machine's logic is an ordinary function of a [`Cx`] (`fn(&mut Cx) -> Run<T>`), written
//! top to bottom with `?`. When it asks something the engine has no answer for yet, the ask
//! returns [`Flow::Need`] and the function unwinds; the engine hands the question to the driver,
//! records the answer, and runs the function again from the top. The function is deterministic
//! given the answers, so on the replay every earlier question finds its recorded answer and
//! execution gets one question further. Environment values, files, the home directory, the
//! time, vault entries and the jitter seed are memoized by name (asking twice costs nothing);
//! HTTP exchanges, commands, retry sleeps and file writes are logged in order and replayed by
//! position.
//!
//! This keeps each source readable as straight-line code — recursion for `source_profile`
//! chains included — with no hand-written state enum, no `async` (whose futures would not be
//! `Send` without a lock) and no `unsafe`, at the cost of re-running cheap pure code once per
//! question (a resolution asks a few dozen).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::error::{CredentialsError, Problem};
use super::protocol::{
    Answer, CommandOutput, FileError, HttpFailure, HttpRequest, HttpResponse, Need,
};
use crate::secret::Secret;
use crate::time::UnixTime;

/// How a step of a machine's program ended early.
#[derive(Debug)]
pub(crate) enum Flow {
    /// It needs this answer first (boxed: `Run` results stay small).
    Need(Box<Need>),
    /// It failed.
    Fail(CredentialsError),
}

impl From<CredentialsError> for Flow {
    fn from(e: CredentialsError) -> Self {
        Self::Fail(e)
    }
}

pub(crate) type Run<T> = Result<T, Flow>;

/// Most questions one resolution may ask: a safety net against a looping program.
const MAX_QUESTIONS: usize = 256;

enum Logged {
    Http(Result<HttpResponse, HttpFailure>),
    Command(Result<CommandOutput, String>),
    Slept,
    Written(Result<(), String>),
}

/// What the driver answered so far.
#[derive(Default)]
pub(crate) struct Store {
    env: BTreeMap<String, Option<String>>,
    files: BTreeMap<String, Result<Vec<u8>, FileError>>,
    home: Option<Option<String>>,
    now: Option<UnixTime>,
    vault: BTreeMap<String, Result<Option<Secret<String>>, String>>,
    random: Option<u64>,
    log: Vec<Logged>,
}

/// The engine: the store, the outstanding question, the outcome once known.
pub(crate) struct Engine<T> {
    store: Store,
    pending: Option<Need>,
    questions: usize,
    misuse: Option<String>,
    outcome: Option<Result<T, CredentialsError>>,
}

impl<T> Default for Engine<T> {
    fn default() -> Self {
        Self {
            store: Store::default(),
            pending: None,
            questions: 0,
            misuse: None,
            outcome: None,
        }
    }
}

impl<T> fmt::Debug for Engine<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("questions", &self.questions)
            .field("pending", &self.pending.as_ref().map(Need::kind))
            .field(
                "outcome",
                &self.outcome.as_ref().map(|o| match o {
                    Ok(_) => "resolved",
                    Err(e) => e.kind(),
                }),
            )
            .finish()
    }
}

/// What a machine's `poll` returns.
#[derive(Debug)]
pub enum Step<T> {
    /// Answer this question with [`provide`](super::Machine::provide), then poll again.
    Need(Need),
    /// The machine is finished; polling again returns the same result.
    Done(Result<T, CredentialsError>),
}

impl<T: Clone> Engine<T> {
    /// Runs `program` against the answers so far.
    pub(crate) fn poll(&mut self, program: impl FnOnce(&mut Cx<'_>) -> Run<T>) -> Step<T> {
        if let Some(outcome) = &self.outcome {
            return Step::Done(outcome.clone());
        }
        if let Some(reason) = self.misuse.take() {
            return self.finish(Err(CredentialsError::new(
                None,
                "",
                Problem::Driver { reason },
            )));
        }
        if let Some(need) = &self.pending {
            return Step::Need(need.clone());
        }
        let mut cx = Cx {
            store: &self.store,
            cursor: 0,
            draws: 0,
        };
        match program(&mut cx) {
            Ok(value) => self.finish(Ok(value)),
            Err(Flow::Fail(e)) => self.finish(Err(e)),
            Err(Flow::Need(need)) => {
                let need = *need;
                self.questions += 1;
                if self.questions > MAX_QUESTIONS {
                    return self.finish(Err(CredentialsError::new(
                        None,
                        "",
                        Problem::Driver {
                            reason: format!(
                                "more than {MAX_QUESTIONS} questions in one resolution"
                            ),
                        },
                    )));
                }
                self.pending = Some(need.clone());
                Step::Need(need)
            }
        }
    }

    fn finish(&mut self, outcome: Result<T, CredentialsError>) -> Step<T> {
        self.pending = None;
        self.outcome = Some(outcome.clone());
        Step::Done(outcome)
    }
}

impl<T> Engine<T> {
    /// Records the answer to the outstanding question. A mismatched or unasked answer fails the
    /// machine at the next poll.
    pub(crate) fn provide(&mut self, answer: Answer) {
        if self.outcome.is_some() {
            return;
        }
        let Some(need) = self.pending.take() else {
            self.misuse = Some(format!(
                "a {} answer with no question outstanding",
                answer.kind()
            ));
            return;
        };
        let store = &mut self.store;
        match (need, answer) {
            (Need::Env(name), Answer::Env(value)) => {
                store.env.insert(name, value);
            }
            (Need::HomeDir, Answer::HomeDir(home)) => store.home = Some(home),
            (Need::File(path), Answer::File(contents)) => {
                store.files.insert(path, contents);
            }
            (Need::Command(_), Answer::Command(output)) => store.log.push(Logged::Command(output)),
            (Need::Http(_), Answer::Http(response)) => store.log.push(Logged::Http(response)),
            (Need::Now, Answer::Now(now)) => store.now = Some(now),
            (Need::Vault(name), Answer::Vault(value)) => {
                store.vault.insert(name, value);
            }
            (Need::Sleep(_), Answer::Slept) => store.log.push(Logged::Slept),
            (Need::Random, Answer::Random(seed)) => store.random = Some(seed),
            (Need::WriteFile { .. }, Answer::Written(result)) => {
                store.log.push(Logged::Written(result));
            }
            (need, answer) => {
                self.misuse = Some(format!(
                    "a {} answer to a {} question",
                    answer.kind(),
                    need.kind()
                ));
            }
        }
    }

    /// Whether the machine has finished.
    pub(crate) fn is_done(&self) -> bool {
        self.outcome.is_some()
    }

    /// Takes the outcome out of a finished engine.
    pub(crate) fn take_outcome(&mut self) -> Option<Result<T, CredentialsError>> {
        self.outcome.take()
    }
}

/// The view a program has of the answers: every ask either returns the recorded answer or ends
/// the run with [`Flow::Need`].
pub(crate) struct Cx<'s> {
    store: &'s Store,
    cursor: usize,
    /// Jitter values drawn so far in this run (each replay draws the same sequence).
    draws: u64,
}

impl Cx<'_> {
    /// An environment variable's value as set (possibly empty).
    pub(crate) fn env_raw(&mut self, name: &str) -> Run<Option<String>> {
        match self.store.env.get(name) {
            Some(value) => Ok(value.clone()),
            None => Err(Flow::Need(Box::new(Need::Env(name.into())))),
        }
    }

    /// An environment variable's value, trimmed; empty or blank counts as unset.
    pub(crate) fn env(&mut self, name: &str) -> Run<Option<String>> {
        Ok(self
            .env_raw(name)?
            .map(|v| String::from(v.trim()))
            .filter(|v| !v.is_empty()))
    }

    /// The home directory.
    pub(crate) fn home(&mut self) -> Run<Option<String>> {
        match &self.store.home {
            Some(home) => Ok(home.clone().filter(|h| !h.is_empty())),
            None => Err(Flow::Need(Box::new(Need::HomeDir))),
        }
    }

    /// A file's contents.
    pub(crate) fn file(&mut self, path: &str) -> Run<Result<Vec<u8>, FileError>> {
        match self.store.files.get(path) {
            Some(contents) => Ok(contents.clone()),
            None => Err(Flow::Need(Box::new(Need::File(path.into())))),
        }
    }

    /// The wall-clock time (asked once per resolution).
    pub(crate) fn now(&mut self) -> Run<UnixTime> {
        self.store
            .now
            .ok_or_else(|| Flow::Need(Box::new(Need::Now)))
    }

    /// A vault entry.
    pub(crate) fn vault(&mut self, name: &str) -> Run<Result<Option<Secret<String>>, String>> {
        match self.store.vault.get(name) {
            Some(value) => Ok(value.clone()),
            None => Err(Flow::Need(Box::new(Need::Vault(name.into())))),
        }
    }

    /// One HTTP exchange.
    pub(crate) fn http(&mut self, request: HttpRequest) -> Run<Result<HttpResponse, HttpFailure>> {
        match self.store.log.get(self.cursor) {
            Some(Logged::Http(response)) => {
                self.cursor += 1;
                Ok(response.clone())
            }
            Some(_) => Err(desync()),
            None => Err(Flow::Need(Box::new(Need::Http(request)))),
        }
    }

    /// Waits `delay` (a retry's backoff); a zero delay asks nothing.
    pub(crate) fn sleep(&mut self, delay: core::time::Duration) -> Run<()> {
        if delay.is_zero() {
            return Ok(());
        }
        match self.store.log.get(self.cursor) {
            Some(Logged::Slept) => {
                self.cursor += 1;
                Ok(())
            }
            Some(_) => Err(desync()),
            None => Err(Flow::Need(Box::new(Need::Sleep(delay)))),
        }
    }

    /// Replaces a file atomically (the driver writes a temporary file and renames it).
    pub(crate) fn write_file(&mut self, path: &str, bytes: Vec<u8>) -> Run<Result<(), String>> {
        match self.store.log.get(self.cursor) {
            Some(Logged::Written(result)) => {
                self.cursor += 1;
                Ok(result.clone())
            }
            Some(_) => Err(desync()),
            None => Err(Flow::Need(Box::new(Need::WriteFile {
                path: path.into(),
                bytes,
            }))),
        }
    }

    /// The next jitter value in `[0, 1)`, from the resolution's one random seed.
    pub(crate) fn jitter(&mut self) -> Run<f64> {
        let seed = self
            .store
            .random
            .ok_or_else(|| Flow::Need(Box::new(Need::Random)))?;
        self.draws += 1;
        // A fresh generator per draw, seeded by (seed, draw number): the same on every replay.
        let mut jitter =
            crate::retry::Jitter::new(seed ^ self.draws.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Ok(jitter.next_unit())
    }

    /// One command run.
    pub(crate) fn command(&mut self, line: &str) -> Run<Result<CommandOutput, String>> {
        match self.store.log.get(self.cursor) {
            Some(Logged::Command(output)) => {
                self.cursor += 1;
                Ok(output.clone())
            }
            Some(_) => Err(desync()),
            None => Err(Flow::Need(Box::new(Need::Command(line.into())))),
        }
    }
}

fn desync() -> Flow {
    Flow::Fail(CredentialsError::new(
        None,
        "",
        Problem::Driver {
            reason: "replay diverged from the recorded answers".into(),
        },
    ))
}
