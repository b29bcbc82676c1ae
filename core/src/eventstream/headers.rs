//! The header block of a frame, parsed and validated once, when the decoder checks the frame,
//! into a [`HeaderTable`] that [`MessageRef`](super::MessageRef) reads without parsing or
//! checking UTF-8 again.
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
use core::ops::Range;

use super::{DecodeError, HeaderValueRef};

/// A validated header block: names and string values copied once into a `String`, so that
/// looking a header up hands out `&str` without a second UTF-8 check.
///
/// The decoder keeps the table of the last block it checked. A stream repeats a few blocks
/// (ConverseStream: one per event type), and a byte-identical block reuses the table as it is.
#[derive(Clone, Debug, Default)]
pub(super) struct HeaderTable {
    /// The block the table was parsed from: what the next frame's block is compared with, and
    /// where bytes and fixed-size values are read from.
    block: Vec<u8>,
    /// Every name and string value, one after the other.
    text: String,
    /// The headers, in wire order.
    entries: Vec<Entry>,
    /// Where in `entries` the headers every message is dispatched on are, found once per
    /// block: a stream repeats a few blocks, and a lookup by name compares strings.
    message_type: Option<u32>,
    /// See `message_type`.
    event_type: Option<u32>,
}

/// One header of a [`HeaderTable`].
#[derive(Clone, Debug)]
struct Entry {
    /// The name, in `text`.
    name: Range<u32>,
    value: Value,
}

/// A header value as a [`HeaderTable`] holds it.
#[derive(Clone, Debug)]
enum Value {
    /// A value that borrows nothing: every type but bytes and string.
    Fixed(HeaderValueRef<'static>),
    /// A bytes value, in `block`.
    Bytes(Range<u32>),
    /// A string value, in `text`.
    String(Range<u32>),
}

/// Capacity a table keeps for the next block; the memory of an unusually large block is
/// released when a smaller one replaces it.
const RETAINED_CAPACITY: usize = 4 * 1024;

impl HeaderTable {
    /// Makes this the table of `block`, walking it only when it differs from the block the table
    /// holds: each header well formed, names and string values UTF-8, the walk ending exactly at
    /// the block's end, names unique.
    ///
    /// # Errors
    ///
    /// The first malformed header (by its offset in the block), then a duplicate name. The table
    /// is left empty.
    pub(super) fn load(&mut self, block: &[u8]) -> Result<(), DecodeError> {
        if block == self.block.as_slice() {
            return Ok(());
        }
        if self.block.capacity() > RETAINED_CAPACITY.max(block.len()) {
            *self = Self::default();
        }
        self.block.clear();
        self.text.clear();
        self.entries.clear();
        let result = self.parse(block);
        if result.is_ok() {
            self.block.extend_from_slice(block);
            self.message_type = self.position(":message-type");
            self.event_type = self.position(":event-type");
        } else {
            self.text.clear();
            self.entries.clear();
            self.message_type = None;
            self.event_type = None;
        }
        result
    }

    fn parse(&mut self, block: &[u8]) -> Result<(), DecodeError> {
        let mut offset = 0;
        while let Some((name, value, used)) =
            parse_header(&block[offset..]).map_err(|e| e.at(offset))?
        {
            let name = self.push_text(name);
            let value = match value {
                HeaderValueRef::String(s) => Value::String(self.push_text(s)),
                HeaderValueRef::Bytes(b) => {
                    // The value's bytes end the header.
                    let end = offset + used;
                    Value::Bytes(span(end - b.len()..end))
                }
                HeaderValueRef::Bool(v) => Value::Fixed(HeaderValueRef::Bool(v)),
                HeaderValueRef::Byte(v) => Value::Fixed(HeaderValueRef::Byte(v)),
                HeaderValueRef::Short(v) => Value::Fixed(HeaderValueRef::Short(v)),
                HeaderValueRef::Int(v) => Value::Fixed(HeaderValueRef::Int(v)),
                HeaderValueRef::Long(v) => Value::Fixed(HeaderValueRef::Long(v)),
                HeaderValueRef::Timestamp(v) => Value::Fixed(HeaderValueRef::Timestamp(v)),
                HeaderValueRef::Uuid(v) => Value::Fixed(HeaderValueRef::Uuid(v)),
            };
            self.entries.push(Entry { name, value });
            offset += used;
        }
        self.check_unique()
    }

    fn push_text(&mut self, s: &str) -> Range<u32> {
        let start = self.text.len();
        self.text.push_str(s);
        span(start..self.text.len())
    }

    /// Fails with the first name (in wire order) that repeats an earlier one; among many
    /// headers, with the smallest repeated name.
    fn check_unique(&self) -> Result<(), DecodeError> {
        // Few headers is the norm (3 per ConverseStream frame): compare them pairwise.
        const FEW: usize = 16;
        let duplicate = |name: &str| DecodeError::DuplicateHeader { name: name.into() };
        if self.entries.len() <= FEW {
            for (i, entry) in self.entries.iter().enumerate() {
                let name = self.str_at(&entry.name);
                if self.entries[..i]
                    .iter()
                    .any(|earlier| self.str_at(&earlier.name) == name)
                {
                    return Err(duplicate(name));
                }
            }
        } else {
            let mut names: Vec<&str> = self.entries.iter().map(|e| self.str_at(&e.name)).collect();
            names.sort_unstable();
            if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
                return Err(duplicate(pair[0]));
            }
        }
        Ok(())
    }

    #[inline]
    fn str_at(&self, range: &Range<u32>) -> &str {
        self.text
            .get(range.start as usize..range.end as usize)
            .unwrap_or_default()
    }

    #[inline]
    fn bytes_at(&self, range: &Range<u32>) -> &[u8] {
        self.block
            .get(range.start as usize..range.end as usize)
            .unwrap_or_default()
    }

    /// The headers, in wire order.
    pub(super) fn iter(&self) -> Iter<'_> {
        Iter {
            table: self,
            entries: self.entries.iter(),
        }
    }

    /// The value of the first header with this name.
    #[inline]
    pub(super) fn get(&self, name: &str) -> Option<HeaderValueRef<'_>> {
        // Compare bytes: the lengths first, and no character boundaries to check.
        let text = self.text.as_bytes();
        let name = Some(name.as_bytes());
        self.entries
            .iter()
            .find(|e| text.get(e.name.start as usize..e.name.end as usize) == name)
            .map(|e| self.value(e))
    }

    /// The index of the first header with this name.
    fn position(&self, name: &str) -> Option<u32> {
        let text = self.text.as_bytes();
        let name = Some(name.as_bytes());
        let at = self
            .entries
            .iter()
            .position(|e| text.get(e.name.start as usize..e.name.end as usize) == name)?;
        u32::try_from(at).ok()
    }

    /// The value of `:message-type`, as [`get`](Self::get) gives it, without comparing names.
    #[inline]
    pub(super) fn message_type(&self) -> Option<HeaderValueRef<'_>> {
        self.at(self.message_type)
    }

    /// The value of `:event-type`, as [`get`](Self::get) gives it, without comparing names.
    #[inline]
    pub(super) fn event_type(&self) -> Option<HeaderValueRef<'_>> {
        self.at(self.event_type)
    }

    #[inline]
    fn at(&self, index: Option<u32>) -> Option<HeaderValueRef<'_>> {
        self.entries.get(index? as usize).map(|e| self.value(e))
    }

    /// The block the table was parsed from.
    pub(super) fn block(&self) -> &[u8] {
        &self.block
    }

    #[inline]
    fn value(&self, entry: &Entry) -> HeaderValueRef<'_> {
        match &entry.value {
            Value::Fixed(v) => *v,
            Value::Bytes(range) => HeaderValueRef::Bytes(self.bytes_at(range)),
            Value::String(range) => HeaderValueRef::String(self.str_at(range)),
        }
    }
}

/// Iterator over the headers of a [`HeaderTable`].
#[derive(Clone, Debug)]
pub(super) struct Iter<'a> {
    table: &'a HeaderTable,
    entries: core::slice::Iter<'a, Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, HeaderValueRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.entries.next()?;
        Some((self.table.str_at(&entry.name), self.table.value(entry)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

/// A range of a header block or of the text taken from it: a frame's `u32` length bounds both.
fn span(range: Range<usize>) -> Range<u32> {
    let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    at(range.start)..at(range.end)
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
