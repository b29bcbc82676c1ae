//! Time as an input: wall-clock [`UnixTime`] for signing and expiry, monotonic [`Instant`] for
//! deadlines.
//!
//! The core never reads a clock. Callers pass the current time into every call that needs it,
//! which keeps the state machines deterministic and testable with virtual time.
//!
//! Formatting and parsing cover the three forms AWS uses: `x-amz-date` (`20150830T123600Z`), the
//! date stamp of a credential scope (`20150830`) and ISO-8601 / RFC 3339 (`2015-08-30T12:36:00Z`),
//! for every instant between 1970-01-01 and 9999-12-31, without a date library.

use alloc::string::String;
use core::fmt;
use core::time::Duration;

/// Seconds from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z, the last instant we represent.
const MAX_SECS: u64 = 253_402_300_799;
const SECS_PER_DAY: u64 = 86_400;
const NANOS_PER_SEC: u32 = 1_000_000_000;

/// A wall-clock instant: seconds since the Unix epoch plus optional sub-second nanoseconds.
///
/// Always between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, so every value
/// formats as a four-digit year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    secs: u64,
    nanos: u32,
}

/// Why a time value was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// The instant lies after 9999-12-31T23:59:59Z (or sub-second nanoseconds were ≥ 10⁹).
    OutOfRange,
    /// The text does not have the expected shape; `expected` names the format.
    Malformed {
        /// The format the text was parsed as, e.g. `"x-amz-date"`.
        expected: &'static str,
    },
    /// The text has the right shape but names a date or time that does not exist
    /// (month 13, February 30th, hour 24, ...).
    InvalidDate,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange => f.write_str("time is outside 1970-01-01..=9999-12-31"),
            Self::Malformed { expected } => write!(f, "malformed time: expected {expected}"),
            Self::InvalidDate => f.write_str("date or time of day does not exist"),
        }
    }
}

impl core::error::Error for TimeError {}

/// A calendar breakdown of a [`UnixTime`] in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Four-digit year, 1970..=9999.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59 (leap seconds are not represented, as in Unix time).
    pub second: u8,
}

impl UnixTime {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Self = Self { secs: 0, nanos: 0 };
    /// 9999-12-31T23:59:59Z, the largest whole second representable.
    pub const MAX: Self = Self {
        secs: MAX_SECS,
        nanos: 0,
    };

    /// The instant `secs` seconds after the epoch.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] after 9999-12-31T23:59:59Z.
    pub const fn from_secs(secs: u64) -> Result<Self, TimeError> {
        if secs > MAX_SECS {
            return Err(TimeError::OutOfRange);
        }
        Ok(Self { secs, nanos: 0 })
    }

    /// The instant `secs` seconds and `nanos` nanoseconds after the epoch.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] after 9999-12-31 or when `nanos` is 10⁹ or more.
    pub const fn from_secs_nanos(secs: u64, nanos: u32) -> Result<Self, TimeError> {
        if secs > MAX_SECS || nanos >= NANOS_PER_SEC {
            return Err(TimeError::OutOfRange);
        }
        Ok(Self { secs, nanos })
    }

    /// The instant `since_epoch` after the epoch (what `SystemTime::duration_since(UNIX_EPOCH)`
    /// returns in std code).
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] after 9999-12-31.
    pub const fn from_duration(since_epoch: Duration) -> Result<Self, TimeError> {
        Self::from_secs_nanos(since_epoch.as_secs(), since_epoch.subsec_nanos())
    }

    /// The instant `millis` milliseconds after the epoch (event-stream timestamps, SSO expiry).
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] after 9999-12-31.
    pub const fn from_millis(millis: u64) -> Result<Self, TimeError> {
        // The remainder is < 1000, so the cast cannot truncate.
        let sub = (millis % 1000) as u32;
        Self::from_secs_nanos(millis / 1000, sub * 1_000_000)
    }

    /// Whole seconds since the epoch.
    pub const fn secs(self) -> u64 {
        self.secs
    }

    /// Nanoseconds past the whole second, `0..1_000_000_000`.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// The time since the epoch as a [`Duration`].
    pub const fn since_epoch(self) -> Duration {
        Duration::new(self.secs, self.nanos)
    }

    /// `self + d`, or `None` past 9999-12-31.
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        let total = self.since_epoch().checked_add(d)?;
        Self::from_duration(total).ok()
    }

    /// `self - d`, or `None` before 1970-01-01.
    pub fn checked_sub(self, d: Duration) -> Option<Self> {
        let total = self.since_epoch().checked_sub(d)?;
        Self::from_duration(total).ok()
    }

    /// How long after `earlier` this instant is; zero when `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.since_epoch().saturating_sub(earlier.since_epoch())
    }

    /// The UTC calendar date and time of day (sub-second part dropped).
    pub fn to_datetime(self) -> DateTime {
        let days = self.secs / SECS_PER_DAY;
        let rem = self.secs % SECS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        // rem < 86_400, so each part fits in u8.
        DateTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
        }
    }

    /// The instant a UTC calendar date and time names.
    ///
    /// # Errors
    ///
    /// [`TimeError::InvalidDate`] for a day or time that does not exist, or a year outside
    /// 1970..=9999.
    pub fn from_datetime(dt: DateTime) -> Result<Self, TimeError> {
        if !(1970..=9999).contains(&dt.year)
            || !(1..=12).contains(&dt.month)
            || dt.day == 0
            || dt.day > days_in_month(dt.year, dt.month)
            || dt.hour > 23
            || dt.minute > 59
            || dt.second > 59
        {
            return Err(TimeError::InvalidDate);
        }
        let days = days_from_civil(dt.year, dt.month, dt.day);
        let secs = days * SECS_PER_DAY
            + u64::from(dt.hour) * 3600
            + u64::from(dt.minute) * 60
            + u64::from(dt.second);
        Self::from_secs(secs)
    }

    /// The `x-amz-date` form, `YYYYMMDDTHHMMSSZ` (sub-seconds dropped).
    pub fn amz_date(self) -> AmzDate {
        let dt = self.to_datetime();
        let mut out = [0u8; 16];
        put_digits(&mut out[0..4], u32::from(dt.year));
        put_digits(&mut out[4..6], u32::from(dt.month));
        put_digits(&mut out[6..8], u32::from(dt.day));
        out[8] = b'T';
        put_digits(&mut out[9..11], u32::from(dt.hour));
        put_digits(&mut out[11..13], u32::from(dt.minute));
        put_digits(&mut out[13..15], u32::from(dt.second));
        out[15] = b'Z';
        AmzDate(out)
    }

    /// The date stamp of a SigV4 credential scope, `YYYYMMDD`.
    pub fn date_stamp(self) -> DateStamp {
        self.amz_date().date_stamp()
    }

    /// ISO-8601 / RFC 3339 in UTC: `2015-08-30T12:36:00Z`, with `.nnnnnnnnn` trailing-zero-trimmed
    /// fractional seconds when the instant has a sub-second part.
    pub fn to_iso8601(self) -> String {
        let dt = self.to_datetime();
        let mut digits = [0u8; 20];
        put_digits(&mut digits[0..4], u32::from(dt.year));
        digits[4] = b'-';
        put_digits(&mut digits[5..7], u32::from(dt.month));
        digits[7] = b'-';
        put_digits(&mut digits[8..10], u32::from(dt.day));
        digits[10] = b'T';
        put_digits(&mut digits[11..13], u32::from(dt.hour));
        digits[13] = b':';
        put_digits(&mut digits[14..16], u32::from(dt.minute));
        digits[16] = b':';
        put_digits(&mut digits[17..19], u32::from(dt.second));
        let mut out = String::with_capacity(30);
        out.extend(digits[..19].iter().map(|&b| char::from(b)));
        if self.nanos != 0 {
            let mut frac = [0u8; 9];
            put_digits(&mut frac, self.nanos);
            let len = frac.iter().rposition(|&b| b != b'0').map_or(0, |i| i + 1);
            out.push('.');
            out.extend(frac[..len].iter().map(|&b| char::from(b)));
        }
        out.push('Z');
        out
    }

    /// Parses the `x-amz-date` form `YYYYMMDDTHHMMSSZ`.
    ///
    /// # Errors
    ///
    /// [`TimeError::Malformed`] for anything but exactly that shape, [`TimeError::InvalidDate`]
    /// for a date that does not exist.
    pub fn parse_amz_date(text: &str) -> Result<Self, TimeError> {
        const MALFORMED: TimeError = TimeError::Malformed {
            expected: "x-amz-date (YYYYMMDDTHHMMSSZ)",
        };
        let b = text.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return Err(MALFORMED);
        }
        let num = |r: core::ops::Range<usize>| read_digits(&b[r]).ok_or(MALFORMED);
        Self::from_datetime(DateTime {
            year: u16::try_from(num(0..4)?).map_err(|_| MALFORMED)?,
            month: small(num(4..6)?),
            day: small(num(6..8)?),
            hour: small(num(9..11)?),
            minute: small(num(11..13)?),
            second: small(num(13..15)?),
        })
    }

    /// Parses ISO-8601 / RFC 3339 date-times as AWS services and tools write them:
    /// `2015-08-30T12:36:00Z`, with optional fractional seconds (any number of digits; digits
    /// past nanoseconds are truncated), `t`/`z` in either case, a space instead of `T`, and a
    /// numeric offset `±HH:MM` (or `±HHMM`) instead of `Z`.
    ///
    /// # Errors
    ///
    /// [`TimeError::Malformed`], [`TimeError::InvalidDate`], or [`TimeError::OutOfRange`] when
    /// the offset moves the instant outside 1970..=9999.
    pub fn parse_iso8601(text: &str) -> Result<Self, TimeError> {
        const MALFORMED: TimeError = TimeError::Malformed {
            expected: "ISO-8601 date-time (YYYY-MM-DDTHH:MM:SSZ)",
        };
        let b = text.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(MALFORMED);
        }
        let num = |r: core::ops::Range<usize>| read_digits(&b[r]).ok_or(MALFORMED);
        let base = Self::from_datetime(DateTime {
            year: u16::try_from(num(0..4)?).map_err(|_| MALFORMED)?,
            month: small(num(5..7)?),
            day: small(num(8..10)?),
            hour: small(num(11..13)?),
            minute: small(num(14..16)?),
            second: small(num(17..19)?),
        })?;
        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let [b'.', tail @ ..] = rest {
            let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(MALFORMED);
            }
            let mut scale = NANOS_PER_SEC;
            for &d in &tail[..digits] {
                scale /= 10;
                nanos += u32::from(d - b'0') * scale;
            }
            rest = &tail[digits..];
        }
        let with_nanos = Self::from_secs_nanos(base.secs, nanos)?;
        match rest {
            [b'Z' | b'z'] => Ok(with_nanos),
            [sign @ (b'+' | b'-'), hh1, hh2, b':', mm1, mm2]
            | [sign @ (b'+' | b'-'), hh1, hh2, mm1, mm2] => {
                let hours = read_digits(&[*hh1, *hh2]).ok_or(MALFORMED)?;
                let minutes = read_digits(&[*mm1, *mm2]).ok_or(MALFORMED)?;
                if hours > 23 || minutes > 59 {
                    return Err(TimeError::InvalidDate);
                }
                let offset = Duration::from_secs(u64::from(hours * 3600 + minutes * 60));
                // Local time = UTC + offset, so UTC = local - offset.
                let utc = if *sign == b'+' {
                    with_nanos.checked_sub(offset)
                } else {
                    with_nanos.checked_add(offset)
                };
                utc.ok_or(TimeError::OutOfRange)
            }
            _ => Err(MALFORMED),
        }
    }
}

/// Month names of the HTTP date format, January first.
const HTTP_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl UnixTime {
    /// Formats as an HTTP `Date` header in IMF-fixdate (RFC 9110 §5.6.7), e.g.
    /// `Sun, 30 Aug 2015 12:36:00 GMT`: what AWS sends and [`UnixTime::parse_http_date`] reads.
    pub fn to_http_date(self) -> String {
        const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        let dt = self.to_datetime();
        // 1970-01-01 was a Thursday.
        let weekday = WEEKDAYS[usize::try_from((self.secs / 86_400) % 7).unwrap_or(0)];
        let month = HTTP_MONTHS[usize::from(dt.month.clamp(1, 12) - 1)];
        alloc::format!(
            "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
            dt.day,
            dt.year,
            dt.hour,
            dt.minute,
            dt.second
        )
    }

    /// Parses an HTTP `Date` header in the IMF-fixdate form every current server sends:
    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7). Used to measure clock skew.
    ///
    /// # Errors
    ///
    /// [`TimeError::Malformed`] for any other shape, [`TimeError::InvalidDate`] for a date that
    /// does not exist.
    pub fn parse_http_date(text: &str) -> Result<Self, TimeError> {
        const MALFORMED: TimeError = TimeError::Malformed {
            expected: "HTTP date (Sun, 06 Nov 1994 08:49:37 GMT)",
        };
        let b = text.trim().as_bytes();
        if b.len() != 29
            || &b[3..5] != b", "
            || b[7] != b' '
            || b[11] != b' '
            || b[16] != b' '
            || b[19] != b':'
            || b[22] != b':'
            || &b[25..] != b" GMT"
        {
            return Err(MALFORMED);
        }
        let month = HTTP_MONTHS
            .iter()
            .position(|m| &b[8..11] == m.as_bytes())
            .ok_or(MALFORMED)?;
        let num = |r: core::ops::Range<usize>| read_digits(&b[r]).ok_or(MALFORMED);
        Self::from_datetime(DateTime {
            year: u16::try_from(num(12..16)?).map_err(|_| MALFORMED)?,
            month: small(u32::try_from(month + 1).unwrap_or(13)),
            day: small(num(5..7)?),
            hour: small(num(17..19)?),
            minute: small(num(20..22)?),
            second: small(num(23..25)?),
        })
    }
}

impl fmt::Display for UnixTime {
    /// Formats as ISO-8601, like [`UnixTime::to_iso8601`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

/// The `x-amz-date` text of an instant, `YYYYMMDDTHHMMSSZ`, held on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AmzDate([u8; 16]);

impl AmzDate {
    /// The date stamp (`YYYYMMDD`) of the same instant, without recomputing the calendar date.
    pub fn date_stamp(&self) -> DateStamp {
        let mut out = [0u8; 8];
        out.copy_from_slice(&self.0[..8]);
        DateStamp(out)
    }

    /// The text as bytes, without the UTF-8 check of [`AmzDate::as_str`].
    pub(crate) fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, 'T' and 'Z' are ever written.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for AmzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `YYYYMMDD` date stamp of a SigV4 credential scope, held on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateStamp([u8; 8]);

impl DateStamp {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever written.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for DateStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for DateStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A point on a monotonic clock, in nanoseconds from an origin the caller picks (process start,
/// boot, the start of a test). Only differences between two `Instant`s from the same clock
/// mean anything. Used for deadlines, never for signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The clock's origin.
    pub const ZERO: Self = Self(0);

    /// The instant `nanos` nanoseconds after the clock's origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    /// The instant `elapsed` after the clock's origin, saturating after ~584 years.
    pub fn from_duration(elapsed: Duration) -> Self {
        Self(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Nanoseconds since the clock's origin.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating at the end of the clock's range.
    pub fn saturating_add(self, d: Duration) -> Self {
        let add = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(add))
    }

    /// How long after `earlier` this instant is; zero when `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// Days since 1970-01-01 → (year, month, day), after Howard Hinnant's `civil_from_days`,
/// restricted to non-negative day counts.
fn civil_from_days(days: u64) -> (u16, u8, u8) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097; // day of era, 0..=146_096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365
    let mp = (5 * doy + 2) / 153; // March-based month, 0..=11
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    // Callers bound `days` to years ≤ 9999, so these fit.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "year ≤ 9999, month ≤ 12, day ≤ 31"
    )]
    (year as u16, month as u8, day as u8)
}

/// (year ≥ 1970, month, day) → days since 1970-01-01, the inverse of [`civil_from_days`].
fn days_from_civil(year: u16, month: u8, day: u8) -> u64 {
    let y = u64::from(year) - u64::from(month <= 2);
    let era = y / 400;
    let yoe = y - era * 400;
    let m = u64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + u64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The two decimal digits of every number below 100: one lookup per pair instead of a division
/// per digit (SigV4 writes a time for every signature).
static DIGIT_PAIRS: [[u8; 2]; 100] = {
    const DIGITS: &[u8; 10] = b"0123456789";
    let mut table = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        table[i] = [DIGITS[i / 10], DIGITS[i % 10]];
        i += 1;
    }
    table
};

/// Writes `value` as zero-padded decimal filling `out` exactly.
fn put_digits(out: &mut [u8], mut value: u32) {
    let mut rest = out;
    while let [head @ .., tens, ones] = rest {
        // value % 100 < 100
        let [t, o] = DIGIT_PAIRS[(value % 100) as usize];
        *tens = t;
        *ones = o;
        value /= 100;
        rest = head;
    }
    if let [digit] = rest {
        // value % 10 < 10
        *digit = b'0' + (value % 10) as u8;
    }
}

/// Reads a run of ASCII digits (at most 9), or `None` if any byte is not a digit.
fn read_digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Narrows a two-digit field; values that do not fit become 255 and fail date validation.
fn small(v: u32) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests;
