//! The header block of a frame: a walk that validates it once (the decoder's job) and the
//! per-header parser that [`MessageRef`](super::MessageRef) reads it with afterwards.
//!
//! ```text
//! name_len u8 (1..=255) | name (UTF-8) | type u8 | value
//! ```
//!
//! | type | value |
//! |---|---|
//! | 0, 1 | `true`, `false`: no bytes |
//! | 2, 3, 4, 5 | byte, short, int, long: 1, 2, 4, 8 bytes big-endian |
//! | 6, 7 | bytes, string: u16 length, then the bytes |
//! | 8 | timestamp: i64 milliseconds since the epoch |
//! | 9 | uuid: 16 bytes |

use alloc::string::String;
use alloc::vec::Vec;

use super::{DecodeError, HeaderValueRef};

/// Walks the header block: each header well formed, the walk ending exactly at the block's end,
/// names unique.
pub(super) fn validate_headers(block: &[u8]) -> Result<(), DecodeError> {
    // In an all-ASCII block (the norm: short ASCII names and string values, small lengths)
    // every name and string value is UTF-8: one check for the block instead of one per field.
    let ascii = block.is_ascii();
    // Few headers is the norm (3 per ConverseStream frame): their names stay on the stack.
    let mut few: [&[u8]; 16] = [&[]; 16];
    let mut many: Vec<&[u8]> = Vec::new();
    let mut count = 0;
    let mut offset = 0;
    while offset < block.len() {
        let (name, used) = if ascii {
            scan_header(&block[offset..]).map_err(|e| e.at(offset))?
        } else {
            let Some((name, _, used)) = parse_header(&block[offset..]).map_err(|e| e.at(offset))?
            else {
                break;
            };
            (name.as_bytes(), used)
        };
        if let Some(slot) = few.get_mut(count) {
            *slot = name;
        } else {
            if many.is_empty() {
                many.extend_from_slice(&few);
            }
            many.push(name);
        }
        count += 1;
        offset += used;
    }
    let duplicate = |name: &[u8]| DecodeError::DuplicateHeader {
        name: String::from_utf8_lossy(name).into_owned(),
    };
    if count <= few.len() {
        // Compare pairwise.
        let names = &few[..count];
        for (i, a) in names.iter().enumerate() {
            if names[..i].contains(a) {
                return Err(duplicate(a));
            }
        }
    } else {
        many.sort_unstable();
        if let Some(pair) = many.windows(2).find(|w| w[0] == w[1]) {
            return Err(duplicate(pair[0]));
        }
    }
    Ok(())
}

/// The size of the header at the start of a validated header block.
pub(super) fn header_size(block: &[u8]) -> Option<usize> {
    scan_header(block).ok().map(|(_, used)| used)
}

/// The name and size of the header at the start of a non-empty `block`, without checking that
/// the name and a string value are UTF-8 (the caller knows). Same structural errors, in the same
/// order, as [`parse_header`].
#[inline]
fn scan_header(block: &[u8]) -> Result<(&[u8], usize), HeaderError> {
    let overrun = || HeaderError(DecodeError::HeaderOverrun { offset: 0 });
    let (&name_len, rest) = block.split_first().ok_or_else(overrun)?;
    let name_len = usize::from(name_len);
    if name_len == 0 {
        return Err(HeaderError(DecodeError::EmptyHeaderName { offset: 0 }));
    }
    let (name, rest) = rest.split_at_checked(name_len).ok_or_else(overrun)?;
    let (&type_id, rest) = rest.split_first().ok_or_else(overrun)?;
    let value_len = match type_id {
        0 | 1 => 0,
        2 => 1,
        3 => 2,
        4 => 4,
        5 | 8 => 8,
        9 => 16,
        6 | 7 => {
            let b = rest.get(..2).ok_or_else(overrun)?;
            2 + usize::from(u16::from_be_bytes([b[0], b[1]]))
        }
        _ => {
            return Err(HeaderError(DecodeError::UnknownHeaderType {
                name: String::from_utf8_lossy(name).into_owned(),
                type_id,
            }));
        }
    };
    if rest.len() < value_len {
        return Err(overrun());
    }
    Ok((name, 1 + name_len + 1 + value_len))
}

/// A header error whose offset is relative to the header being parsed.
pub(super) struct HeaderError(DecodeError);

impl HeaderError {
    fn at(self, base: usize) -> DecodeError {
        match self.0 {
            DecodeError::EmptyHeaderName { offset } => DecodeError::EmptyHeaderName {
                offset: base + offset,
            },
            DecodeError::HeaderNameNotUtf8 { offset } => DecodeError::HeaderNameNotUtf8 {
                offset: base + offset,
            },
            DecodeError::HeaderOverrun { offset } => DecodeError::HeaderOverrun {
                offset: base + offset,
            },
            other => other,
        }
    }
}

/// Parses the header at the start of `block`: `Ok(None)` when `block` is empty, otherwise the
/// name, the value and the bytes used.
pub(super) fn parse_header(
    block: &[u8],
) -> Result<Option<(&str, HeaderValueRef<'_>, usize)>, HeaderError> {
    let overrun = || HeaderError(DecodeError::HeaderOverrun { offset: 0 });
    let Some((&name_len, rest)) = block.split_first() else {
        return Ok(None);
    };
    let name_len = usize::from(name_len);
    if name_len == 0 {
        return Err(HeaderError(DecodeError::EmptyHeaderName { offset: 0 }));
    }
    let (name, rest) = rest.split_at_checked(name_len).ok_or_else(overrun)?;
    let name = core::str::from_utf8(name)
        .map_err(|_| HeaderError(DecodeError::HeaderNameNotUtf8 { offset: 0 }))?;
    let (&type_id, rest) = rest.split_first().ok_or_else(overrun)?;
    let fixed = |n: usize| rest.get(..n).ok_or_else(overrun);
    let (value, value_len) = match type_id {
        0 => (HeaderValueRef::Bool(true), 0),
        1 => (HeaderValueRef::Bool(false), 0),
        2 => (HeaderValueRef::Byte(i8::from_be_bytes([fixed(1)?[0]])), 1),
        3 => {
            let b = fixed(2)?;
            (HeaderValueRef::Short(i16::from_be_bytes([b[0], b[1]])), 2)
        }
        4 => {
            let b = fixed(4)?;
            (
                HeaderValueRef::Int(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                4,
            )
        }
        5 | 8 => {
            let mut word = [0u8; 8];
            word.copy_from_slice(fixed(8)?);
            let v = i64::from_be_bytes(word);
            let value = if type_id == 5 {
                HeaderValueRef::Long(v)
            } else {
                HeaderValueRef::Timestamp(v)
            };
            (value, 8)
        }
        6 | 7 => {
            let b = fixed(2)?;
            let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
            let bytes = rest.get(2..2 + len).ok_or_else(overrun)?;
            let value = if type_id == 6 {
                HeaderValueRef::Bytes(bytes)
            } else {
                let s = core::str::from_utf8(bytes).map_err(|_| {
                    HeaderError(DecodeError::HeaderValueNotUtf8 { name: name.into() })
                })?;
                HeaderValueRef::String(s)
            };
            (value, 2 + len)
        }
        9 => {
            let mut uuid = [0u8; 16];
            uuid.copy_from_slice(fixed(16)?);
            (HeaderValueRef::Uuid(uuid), 16)
        }
        _ => {
            return Err(HeaderError(DecodeError::UnknownHeaderType {
                name: name.into(),
                type_id,
            }));
        }
    };
    Ok(Some((name, value, 1 + name_len + 1 + value_len)))
}
