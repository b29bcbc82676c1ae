//! The HTTP `Date` header format (the system clock is `bedrock_host::wall_clock`).

use bedrock_core::time::UnixTime;

/// Formats an instant as an HTTP date (RFC 9110 §5.6.7 IMF-fixdate), e.g.
/// `Sun, 30 Aug 2015 12:36:00 GMT`: the `Date` header AWS sends and SDKs use to detect clock skew.
pub fn http_date(time: UnixTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let dt = time.to_datetime();
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[usize::try_from((time.secs() / 86_400) % 7).unwrap_or(0)];
    let month = MONTHS[usize::from(dt.month.clamp(1, 12) - 1)];
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        dt.day, dt.year, dt.hour, dt.minute, dt.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_imf_fixdate() {
        let t = UnixTime::parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(http_date(t), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(UnixTime::parse_http_date(&http_date(t)).unwrap(), t);
        let leap = UnixTime::parse_amz_date("20240229T235959Z").unwrap();
        assert_eq!(http_date(leap), "Thu, 29 Feb 2024 23:59:59 GMT");
    }
}
