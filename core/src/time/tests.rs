use super::*;

fn t(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs).unwrap()
}

#[test]
fn formats_the_sigv4_suite_time() {
    let time = t(1_440_938_160);
    assert_eq!(time.amz_date().as_str(), "20150830T123600Z");
    assert_eq!(time.date_stamp().as_str(), "20150830");
    assert_eq!(time.to_iso8601(), "2015-08-30T12:36:00Z");
}

#[test]
fn epoch_and_max_format() {
    assert_eq!(UnixTime::UNIX_EPOCH.amz_date().as_str(), "19700101T000000Z");
    assert_eq!(UnixTime::MAX.to_iso8601(), "9999-12-31T23:59:59Z");
    assert_eq!(
        UnixTime::from_secs(MAX_SECS + 1),
        Err(TimeError::OutOfRange)
    );
    assert_eq!(
        UnixTime::from_secs_nanos(0, NANOS_PER_SEC),
        Err(TimeError::OutOfRange)
    );
}

#[test]
fn leap_days() {
    // 2000 is a leap year (divisible by 400), 2100 is not (divisible by 100).
    assert_eq!(
        UnixTime::parse_iso8601("2000-02-29T00:00:00Z")
            .unwrap()
            .secs(),
        951_782_400
    );
    assert_eq!(
        UnixTime::parse_iso8601("2100-02-29T00:00:00Z"),
        Err(TimeError::InvalidDate)
    );
    assert_eq!(
        UnixTime::parse_iso8601("2024-02-29T12:00:00Z")
            .unwrap()
            .to_iso8601(),
        "2024-02-29T12:00:00Z"
    );
    assert_eq!(
        UnixTime::parse_amz_date("20230229T000000Z"),
        Err(TimeError::InvalidDate)
    );
}

#[test]
fn round_trips_every_day_boundary_sampled_across_the_range() {
    // Walk the whole 1970..=9999 range in steps that hit every month and weekday pattern.
    let mut secs = 0u64;
    while secs <= MAX_SECS {
        let time = t(secs);
        let dt = time.to_datetime();
        assert_eq!(UnixTime::from_datetime(dt), Ok(time), "{dt:?}");
        assert_eq!(UnixTime::parse_amz_date(time.amz_date().as_str()), Ok(time));
        assert_eq!(UnixTime::parse_iso8601(&time.to_iso8601()), Ok(time));
        secs += 86_400 * 13 + 3_607;
    }
}

#[test]
fn consecutive_days_are_consecutive_dates() {
    // Every day from 1970 to 2400 (covers 1972..2400 leap rules) follows its predecessor.
    let mut prev = t(0).to_datetime();
    for day in 1..(430 * 366) {
        let dt = t(day * 86_400).to_datetime();
        let next_in_month =
            dt.year == prev.year && dt.month == prev.month && dt.day == prev.day + 1;
        let next_month = dt.day == 1
            && prev.day == days_in_month(prev.year, prev.month)
            && ((dt.year == prev.year && dt.month == prev.month + 1)
                || (dt.year == prev.year + 1 && dt.month == 1 && prev.month == 12));
        assert!(next_in_month || next_month, "{prev:?} -> {dt:?}");
        prev = dt;
    }
}

#[test]
fn parses_fractions_and_offsets() {
    let base = t(1_440_938_160);
    assert_eq!(
        UnixTime::parse_iso8601("2015-08-30T12:36:00.5Z").unwrap(),
        UnixTime::from_secs_nanos(base.secs(), 500_000_000).unwrap()
    );
    assert_eq!(
        UnixTime::parse_iso8601("2015-08-30T12:36:00.1234567891Z")
            .unwrap()
            .subsec_nanos(),
        123_456_789
    );
    assert_eq!(
        UnixTime::parse_iso8601("2015-08-30T14:36:00+02:00"),
        Ok(base)
    );
    assert_eq!(
        UnixTime::parse_iso8601("2015-08-30T07:36:00-0500"),
        Ok(base)
    );
    assert_eq!(UnixTime::parse_iso8601("2015-08-30 12:36:00z"), Ok(base));
    assert_eq!(
        UnixTime::from_secs_nanos(base.secs(), 250_000_000)
            .unwrap()
            .to_iso8601(),
        "2015-08-30T12:36:00.25Z"
    );
}

#[test]
fn rejects_malformed_text() {
    for bad in [
        "",
        "2015-08-30T12:36:00",
        "2015-08-30T12:36:00Q",
        "2015-08-30T12:36:00.Z",
        "2015-08-30T12:36:60Z",
        "2015-13-30T12:36:00Z",
        "2015-08-30T24:00:00Z",
        "1969-12-31T23:59:59Z",
        "2015-08-3OT12:36:00Z",
        "2015-08-30T12:36:00+25:00",
        "+015-08-30T12:36:00Z",
        "2015-08-30T12:36:00Zjunk",
        "2015-08-30T12:36:00\u{e9}",
    ] {
        assert!(UnixTime::parse_iso8601(bad).is_err(), "{bad:?}");
    }
    for bad in [
        "20150830T123600",
        "20150830123600Z",
        "2015083OT123600Z",
        "20150830T12360\u{e9}",
    ] {
        assert!(UnixTime::parse_amz_date(bad).is_err(), "{bad:?}");
    }
    // An offset that moves the instant before the epoch is out of range, not a panic.
    assert_eq!(
        UnixTime::parse_iso8601("1970-01-01T00:00:00+01:00"),
        Err(TimeError::OutOfRange)
    );
    assert_eq!(
        UnixTime::parse_iso8601("9999-12-31T23:59:59-01:00"),
        Err(TimeError::OutOfRange)
    );
}

#[test]
fn formats_http_dates_that_parse_back() {
    let t = UnixTime::parse_amz_date("20150830T123600Z").unwrap();
    assert_eq!(t.to_http_date(), "Sun, 30 Aug 2015 12:36:00 GMT");
    assert_eq!(UnixTime::parse_http_date(&t.to_http_date()).unwrap(), t);
    let leap = UnixTime::parse_amz_date("20240229T235959Z").unwrap();
    assert_eq!(leap.to_http_date(), "Thu, 29 Feb 2024 23:59:59 GMT");
    assert_eq!(
        UnixTime::UNIX_EPOCH.to_http_date(),
        "Thu, 01 Jan 1970 00:00:00 GMT"
    );
}

#[test]
fn parses_http_dates() {
    assert_eq!(
        UnixTime::parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"),
        Ok(t(1_440_938_160))
    );
    assert_eq!(
        UnixTime::parse_http_date("Wed, 29 Feb 2024 00:00:00 GMT")
            .unwrap()
            .to_iso8601(),
        "2024-02-29T00:00:00Z"
    );
    for bad in [
        "Sun, 30 Aug 2015 12:36:00 UTC",
        "Sunday, 30-Aug-15 12:36:00 GMT",
        "Sun, 30 Foo 2015 12:36:00 GMT",
        "Sun, 31 Sep 2015 12:36:00 GMT",
        "",
        "Sun, 30 Aug 2015 12:36:0\u{e9} GMT",
    ] {
        assert!(UnixTime::parse_http_date(bad).is_err(), "{bad}");
    }
}

#[test]
fn arithmetic_saturates_or_refuses() {
    let time = t(100);
    assert_eq!(time.checked_add(Duration::from_secs(5)), Some(t(105)));
    assert_eq!(time.checked_sub(Duration::from_secs(101)), None);
    assert_eq!(UnixTime::MAX.checked_add(Duration::from_secs(1)), None);
    assert_eq!(t(5).saturating_duration_since(t(10)), Duration::ZERO);
    assert_eq!(
        UnixTime::from_millis(1_500).unwrap().subsec_nanos(),
        500_000_000
    );
    let i = Instant::from_nanos(10);
    assert_eq!(i.saturating_add(Duration::from_nanos(5)).as_nanos(), 15);
    assert_eq!(
        Instant::from_nanos(u64::MAX)
            .saturating_add(Duration::MAX)
            .as_nanos(),
        u64::MAX
    );
    assert_eq!(
        i.saturating_duration_since(Instant::from_nanos(20)),
        Duration::ZERO
    );
}
