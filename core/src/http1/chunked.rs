//! The chunked transfer coding (RFC 9112 §7.1):
//!
//! ```text
//! chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! last-chunk = 1*("0") [ chunk-ext ] CRLF
//! trailer    = *( field-line CRLF ) CRLF
//! ```
//!
//! Size and trailer lines are bounded; chunk data is handed out as slices of the input.
//! [`ResponseReader`](super::ResponseReader) runs a [`ChunkedDecoder`] for a chunked response
//! body; a server reading a chunked request body (the emulator) runs one on its own.

use super::HttpError;
use crate::percent::hex_value;

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

/// Decodes a body in the chunked transfer coding, incrementally: the bytes after the head go in
/// (in slices of any size), the chunk data comes out as slices of them, chunk extensions and
/// trailer fields are skipped. It stops after the last chunk's trailers, leaving any later bytes
/// (the next message on the connection) in the input.
///
/// ```
/// use bedrock_core::http1::{ChunkedDecoder, ChunkedStep};
///
/// let mut decoder = ChunkedDecoder::default();
/// let mut input: &[u8] = b"5;ext=1\r\nhello\r\n0\r\ntrailer: x\r\n\r\nNEXT";
/// let mut body = Vec::new();
/// loop {
///     match decoder.decode(&mut input)? {
///         ChunkedStep::Data(data) => body.extend_from_slice(data),
///         ChunkedStep::NeedMore => break, // read more bytes, then call again
///         ChunkedStep::Done => break,
///     }
/// }
/// assert!(decoder.is_done());
/// assert_eq!((&body[..], input), (&b"hello"[..], &b"NEXT"[..]));
/// # Ok::<(), bedrock_core::http1::HttpError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkedDecoder {
    phase: Phase,
    max_line_len: usize,
}

/// What [`ChunkedDecoder::decode`] produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkedStep<'i> {
    /// The input is used up inside the body: call again with more.
    NeedMore,
    /// Chunk data, borrowed from the input.
    Data(&'i [u8]),
    /// The body (last chunk and trailers) is complete; the input holds what follows it.
    Done,
}

impl Default for ChunkedDecoder {
    /// A decoder with the response reader's default line limit (4 KiB).
    fn default() -> Self {
        Self::new(super::ResponseLimits::default().max_line_len)
    }
}

impl ChunkedDecoder {
    /// A decoder refusing chunk-size and trailer lines longer than `max_line_len` bytes.
    pub fn new(max_line_len: usize) -> Self {
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

    /// Whether the body is complete (the last chunk and its trailers were read).
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    /// Decodes from `input`, consuming what it uses: the next chunk data, or
    /// [`NeedMore`](ChunkedStep::NeedMore) once `input` is used up, or
    /// [`Done`](ChunkedStep::Done) (again on every later call) once the body is complete.
    ///
    /// # Errors
    ///
    /// [`HttpError::InvalidChunkSize`], [`HttpError::MissingChunkCrlf`] or
    /// [`HttpError::LineTooLong`]. Every error is final: drop the decoder (and the connection).
    pub fn decode<'i>(&mut self, input: &mut &'i [u8]) -> Result<ChunkedStep<'i>, HttpError> {
        loop {
            if matches!(self.phase, Phase::Done) {
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
            if let Some(used) = self.plain_boundary(input) {
                *input = &input[used..];
                continue;
            }
            if let Phase::Size { .. } = self.phase {
                if !self.size_line(input)? {
                    return Ok(ChunkedStep::NeedMore);
                }
                continue;
            }
            let Some((&b, rest)) = input.split_first() else {
                return Ok(ChunkedStep::NeedMore);
            };
            *input = rest;
            self.phase = self.byte(b)?;
        }
    }

    /// The boundary between two chunks in its plain form, whole at the start of `input`: the
    /// CRLF after chunk data (unless a size line was due) and a size line of hex digits and
    /// CRLF, no extension, naming a chunk with data. Read in one go, as nearly every boundary of
    /// a body written by a server is; the decoder moves into the new chunk's data and the bytes
    /// read are returned. `None` (and nothing changed) for anything else: the general path
    /// reads it, errors and limits included, a byte at a time.
    #[inline]
    fn plain_boundary(&mut self, input: &[u8]) -> Option<usize> {
        let line = match self.phase {
            Phase::DataCr => input.strip_prefix(b"\r\n")?,
            // A size line not yet started.
            Phase::Size { line_len: 0, .. } => input,
            _ => return None,
        };
        let mut size = 0u64;
        // Up to 16 hex digits (they fill a u64) and the CR.
        for (i, &b) in line.iter().enumerate().take(17) {
            if let Some(value) = hex_value(b) {
                size = size << 4 | u64::from(value);
                continue;
            }
            let line_len = i + 2;
            if b != b'\r'
                || size == 0
                || line.get(i + 1) != Some(&b'\n')
                || line_len > self.max_line_len
            {
                return None;
            }
            self.phase = Phase::Data { remaining: size };
            return Some(input.len() - line.len() + line_len);
        }
        None
    }

    /// Reads the chunk-size line from `input`, its state in locals until the line ends or the
    /// input does (one per chunk: the hot loop of a body of small chunks). Whether it ended.
    fn size_line(&mut self, input: &mut &[u8]) -> Result<bool, HttpError> {
        let Phase::Size {
            mut size,
            mut digits,
            mut in_ext,
            mut line_len,
        } = self.phase
        else {
            return Ok(true);
        };
        let mut bytes = input.iter();
        let ended = loop {
            let Some(&b) = bytes.next() else {
                break false;
            };
            if line_len >= self.max_line_len {
                return Err(HttpError::LineTooLong {
                    limit: self.max_line_len,
                });
            }
            line_len += 1;
            match b {
                b'\n' => {
                    if digits == 0 {
                        return Err(HttpError::InvalidChunkSize);
                    }
                    break true;
                }
                b'\r' => in_ext = true,
                _ if in_ext => {}
                b';' | b' ' | b'\t' if digits > 0 => in_ext = true,
                _ => {
                    let value = hex_value(b).ok_or(HttpError::InvalidChunkSize)?;
                    // 16 hex digits fill a u64; more (beyond leading zeros) overflow.
                    size = size
                        .checked_mul(16)
                        .and_then(|s| s.checked_add(u64::from(value)))
                        .ok_or(HttpError::InvalidChunkSize)?;
                    digits = digits.saturating_add(1);
                }
            }
        };
        *input = bytes.as_slice();
        self.phase = match (ended, size) {
            (false, _) => Phase::Size {
                size,
                digits,
                in_ext,
                line_len,
            },
            (true, 0) => Phase::Trailer { line_len: 0 },
            (true, remaining) => Phase::Data { remaining },
        };
        Ok(ended)
    }

    /// Advances the CRLF after chunk data and the trailer lines by one byte.
    fn byte(&self, b: u8) -> Result<Phase, HttpError> {
        let too_long = HttpError::LineTooLong {
            limit: self.max_line_len,
        };
        Ok(match self.phase {
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
            // Read by `decode` and `size_line`.
            Phase::Size { .. } | Phase::Data { .. } | Phase::Done => self.phase,
        })
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    /// Decodes `input` fed in the pieces `cuts` makes: the body, whether it completed, and the
    /// bytes left after it (or the error).
    fn decode_split(input: &[u8], cuts: &[usize]) -> Result<(Vec<u8>, bool, Vec<u8>), HttpError> {
        decode_split_with(ChunkedDecoder::new(32), input, cuts)
    }

    fn decode_split_with(
        mut decoder: ChunkedDecoder,
        input: &[u8],
        cuts: &[usize],
    ) -> Result<(Vec<u8>, bool, Vec<u8>), HttpError> {
        let mut body = Vec::new();
        let mut rest = Vec::new();
        let mut start = 0;
        for end in cuts.iter().copied().chain([input.len()]) {
            let mut piece = &input[start..end];
            start = end;
            loop {
                match decoder.decode(&mut piece)? {
                    ChunkedStep::Data(data) => body.extend_from_slice(data),
                    ChunkedStep::NeedMore => break,
                    ChunkedStep::Done => {
                        rest.extend_from_slice(piece);
                        break;
                    }
                }
            }
        }
        Ok((body, decoder.is_done(), rest))
    }

    /// The same result whole, at every split point, and byte by byte.
    fn decode_everywhere(input: &[u8]) -> Result<(Vec<u8>, bool, Vec<u8>), HttpError> {
        let whole = decode_split(input, &[]);
        for split in 0..=input.len() {
            assert_eq!(decode_split(input, &[split]), whole, "split at {split}");
        }
        let every: Vec<usize> = (1..input.len()).collect();
        assert_eq!(decode_split(input, &every), whole, "byte by byte");
        whole
    }

    #[test]
    fn chunks_extensions_and_trailers_leave_the_next_message() {
        let input = b"5;a=b\r\nhello\r\nA\r\n, world!!!\r\n0\r\nx: 1\r\n\r\nPOST /";
        let (body, done, rest) = decode_everywhere(input).unwrap();
        assert_eq!(body, b"hello, world!!!");
        assert!(done);
        assert_eq!(rest, b"POST /");
    }

    #[test]
    fn bare_lf_and_both_hex_cases() {
        let (body, done, rest) =
            decode_everywhere(b"a\nabcdefghij\nB\r\nklmnopqrstu\r\n0\n\n").unwrap();
        assert_eq!(body, b"abcdefghijklmnopqrstu");
        assert!(done && rest.is_empty());
    }

    #[test]
    fn an_unfinished_body_needs_more() {
        for input in [&b""[..], b"5\r\nhel", b"5\r\nhello\r\n", b"0\r\n"] {
            let (_, done, rest) = decode_everywhere(input).unwrap();
            assert!(!done && rest.is_empty(), "{input:?}");
        }
    }

    /// The boundaries read in one go (CRLF, hex digits, CRLF) and everything near them that is
    /// not one: both paths agree, whole or cut anywhere.
    #[test]
    fn plain_boundaries_and_their_near_misses() {
        for input in [
            &b"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n3\r\nabc\r\n0\r\n\r\n"[..],
            b"0003\r\nabc\r\n00\r\n\r\nNEXT",
            b"ffffffffffffffff\r\nab",
            b"0000000000000001\r\na\r\n0\r\n\r\n",
            b"00000000000000001\r\na\r\n0\r\n\r\n",
            b"3 \r\nabc\r\n0\r\n\r\n",
            b"3\r\nabc\n3\r\ndef\r\n0\r\n\r\n",
            b"3\r\nabc\r\n3\rx",
            b"3\r\nabc\r\n\r\n",
            b"3\r\nabcXY3\r\ndef",
            b"3\r\nabc\r\ng\r\n",
        ] {
            let _ = decode_everywhere(input);
        }
        // A size line longer than the limit is refused however it arrives.
        let limited = |cuts: &[usize]| {
            decode_split_with(ChunkedDecoder::new(4), b"1\r\na\r\n1a2\r\n", cuts)
                .map(|_| ())
                .unwrap_err()
                .kind()
        };
        assert_eq!(limited(&[]), "line_too_long");
        assert_eq!(limited(&[5]), "line_too_long");
        assert!(decode_split_with(ChunkedDecoder::new(5), b"1a2\r\n", &[]).is_ok());
    }

    proptest::proptest! {
        /// Bodies of chunks whose size lines take every form (leading zeros, either case,
        /// extensions, bare LF): the same result whole, at a random cut, and byte by byte.
        #[test]
        fn any_body_decodes_alike_however_it_is_cut(
            chunks in proptest::collection::vec((0usize..40, 0u8..6), 0..6),
            cut in 0usize..400,
        ) {
            let mut input = Vec::new();
            for (i, &(len, form)) in chunks.iter().enumerate() {
                let line = match form {
                    0 => alloc::format!("{len:x}\r\n"),
                    1 => alloc::format!("{len:04X}\r\n"),
                    2 => alloc::format!("{len:x};k=v\r\n"),
                    3 => alloc::format!("{len:x}\n"),
                    4 => alloc::format!("{len:x} \r\n"),
                    _ => alloc::format!("{len:x}\r\r\n"),
                };
                input.extend_from_slice(line.as_bytes());
                input.extend((b'a'..=b'z').cycle().skip(i).take(len));
                input.extend_from_slice(if form == 3 { b"\n" } else { b"\r\n" });
            }
            input.extend_from_slice(b"0\r\n\r\nNEXT");
            let whole = decode_split(&input, &[]);
            let every: Vec<usize> = (1..input.len()).collect();
            proptest::prop_assert_eq!(&decode_split(&input, &[cut.min(input.len())]), &whole);
            proptest::prop_assert_eq!(&decode_split(&input, &every), &whole);
        }
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let kind = |input: &[u8]| decode_split(input, &[]).map(|_| ()).unwrap_err().kind();
        assert_eq!(kind(b"zz\r\n"), "invalid_chunk_size");
        assert_eq!(kind(b"\r\n"), "invalid_chunk_size");
        assert_eq!(kind(b"11111111111111111\r\n"), "invalid_chunk_size");
        assert_eq!(kind(b"2\r\nabXY"), "missing_chunk_crlf");
        assert_eq!(
            kind(b"1;0123456789abcdef0123456789abcdef\r\n"),
            "line_too_long"
        );
        assert_eq!(
            kind(b"0\r\nx: 0123456789abcdef0123456789abcdef\r\n"),
            "line_too_long"
        );
    }
}
