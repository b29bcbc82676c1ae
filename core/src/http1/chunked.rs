//! The chunked transfer coding (RFC 9112 §7.1):
//!
//! ```text
//! chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! last-chunk = 1*("0") [ chunk-ext ] CRLF
//! trailer    = *( field-line CRLF ) CRLF
//! ```
//!
//! Size and trailer lines are bounded; chunk data is handed out as slices of the input.

use super::HttpError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Reading the chunk-size line; `line_len` bytes of it so far.
    Size {
        size: u64,
        digits: u8,
        in_ext: bool,
        line_len: usize,
    },
    /// Inside chunk data.
    Data { remaining: u64 },
    /// Expecting the CR of the CRLF after chunk data.
    DataCr,
    /// Expecting the LF of the CRLF after chunk data.
    DataLf,
    /// Reading trailer lines; `line_len` bytes of the current one.
    Trailer { line_len: usize },
    /// The body is complete.
    Done,
}

/// Decodes a chunked body incrementally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ChunkedDecoder {
    phase: Phase,
    max_line_len: usize,
}

pub(super) enum ChunkedStep<'i> {
    NeedMore,
    Data(&'i [u8]),
    Done,
}

impl ChunkedDecoder {
    pub(super) fn new(max_line_len: usize) -> Self {
        Self {
            phase: Phase::Size {
                size: 0,
                digits: 0,
                in_ext: false,
                line_len: 0,
            },
            max_line_len,
        }
    }

    pub(super) fn step<'i>(&mut self, input: &mut &'i [u8]) -> Result<ChunkedStep<'i>, HttpError> {
        loop {
            if self.phase == Phase::Done {
                return Ok(ChunkedStep::Done);
            }
            if let Phase::Data { remaining } = &mut self.phase {
                if input.is_empty() {
                    return Ok(ChunkedStep::NeedMore);
                }
                let take = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                let (data, rest) = input.split_at(take);
                *input = rest;
                *remaining -= take as u64;
                if *remaining == 0 {
                    self.phase = Phase::DataCr;
                }
                return Ok(ChunkedStep::Data(data));
            }
            let Some((&b, rest)) = input.split_first() else {
                return Ok(ChunkedStep::NeedMore);
            };
            *input = rest;
            self.phase = self.byte(b)?;
        }
    }

    /// Advances the line-oriented phases by one byte.
    fn byte(&self, b: u8) -> Result<Phase, HttpError> {
        let too_long = HttpError::LineTooLong {
            limit: self.max_line_len,
        };
        Ok(match self.phase {
            Phase::Size {
                size,
                digits,
                in_ext,
                line_len,
            } => {
                if line_len >= self.max_line_len {
                    return Err(too_long);
                }
                let line_len = line_len + 1;
                match b {
                    b'\n' => {
                        if digits == 0 {
                            return Err(HttpError::InvalidChunkSize);
                        }
                        if size == 0 {
                            Phase::Trailer { line_len: 0 }
                        } else {
                            Phase::Data { remaining: size }
                        }
                    }
                    b'\r' => Phase::Size {
                        size,
                        digits,
                        in_ext: true,
                        line_len,
                    },
                    _ if in_ext => Phase::Size {
                        size,
                        digits,
                        in_ext,
                        line_len,
                    },
                    b';' | b' ' | b'\t' if digits > 0 => Phase::Size {
                        size,
                        digits,
                        in_ext: true,
                        line_len,
                    },
                    _ => {
                        let value = match b {
                            b'0'..=b'9' => b - b'0',
                            b'a'..=b'f' => b - b'a' + 10,
                            b'A'..=b'F' => b - b'A' + 10,
                            _ => return Err(HttpError::InvalidChunkSize),
                        };
                        // 16 hex digits fill a u64; more (beyond leading zeros) overflow.
                        let size = size
                            .checked_mul(16)
                            .and_then(|s| s.checked_add(u64::from(value)))
                            .ok_or(HttpError::InvalidChunkSize)?;
                        Phase::Size {
                            size,
                            digits: digits.saturating_add(1),
                            in_ext,
                            line_len,
                        }
                    }
                }
            }
            Phase::DataCr => match b {
                b'\r' => Phase::DataLf,
                b'\n' => Phase::Size {
                    size: 0,
                    digits: 0,
                    in_ext: false,
                    line_len: 0,
                },
                _ => return Err(HttpError::MissingChunkCrlf),
            },
            Phase::DataLf => match b {
                b'\n' => Phase::Size {
                    size: 0,
                    digits: 0,
                    in_ext: false,
                    line_len: 0,
                },
                _ => return Err(HttpError::MissingChunkCrlf),
            },
            Phase::Trailer { line_len } => match b {
                // A line with nothing but CR (or nothing) ends the trailers.
                b'\n' if line_len == 0 => Phase::Done,
                b'\n' => Phase::Trailer { line_len: 0 },
                b'\r' if line_len == 0 => Phase::Trailer { line_len: 0 },
                _ => {
                    if line_len >= self.max_line_len {
                        return Err(too_long);
                    }
                    Phase::Trailer {
                        line_len: line_len + 1,
                    }
                }
            },
            Phase::Data { .. } | Phase::Done => self.phase,
        })
    }
}
