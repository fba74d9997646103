//! Calendar arithmetic and the two time syntaxes keyless verification reads: DER `UTCTime` /
//! `GeneralizedTime` (X.509 validity, RFC 5280 §4.1.2.5) and RFC 3339 (the trusted root's
//! `validFor`, protobuf `Timestamp` JSON). All times are Unix seconds (`i64`, UTC, no leap
//! seconds: a `:60` second is refused).

use crate::Error;

/// Days from 1970-01-01 to the given proleptic Gregorian date (negative before 1970).
///
/// Own code after the well-known "days from civil" construction: shift the year to start in
/// March so that the leap day is the last day of the year, then count 400-year eras.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // 0..=399
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // 0..=365
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // 0..=146096
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Unix seconds of a calendar time, or `None` if a field is out of range (month 1-12, a day
/// the month has, hour 0-23, minute and second 0-59).
pub(crate) fn unix_seconds(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(
        days_from_civil(year, month, day) * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second),
    )
}

/// The value of `n` ASCII digits at the start of `s` (all must be digits).
fn digits(s: &[u8], n: usize) -> Option<u32> {
    let d = s.get(..n)?;
    let mut v = 0u32;
    for &b in d {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

/// A DER `UTCTime` body: exactly `YYMMDDHHMMSSZ` (RFC 5280: seconds present, `Z`, no
/// fraction). Years 50-99 are 1950-1999, 00-49 are 2000-2049.
pub(crate) fn utc_time(s: &[u8]) -> Result<i64, Error> {
    if s.len() != 13 || s.get(12) != Some(&b'Z') {
        return Err(Error::CertInvalidTime);
    }
    let yy = digits(s, 2).ok_or(Error::CertInvalidTime)?;
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    calendar(i64::from(year), s.get(2..12).unwrap_or(&[]))
}

/// A DER `GeneralizedTime` body: exactly `YYYYMMDDHHMMSSZ` (RFC 5280: seconds present, `Z`, no
/// fraction).
pub(crate) fn generalized_time(s: &[u8]) -> Result<i64, Error> {
    if s.len() != 15 || s.get(14) != Some(&b'Z') {
        return Err(Error::CertInvalidTime);
    }
    let year = digits(s, 4).ok_or(Error::CertInvalidTime)?;
    calendar(i64::from(year), s.get(4..14).unwrap_or(&[]))
}

/// `MMDDHHMMSS` of a DER time.
fn calendar(year: i64, rest: &[u8]) -> Result<i64, Error> {
    let f = |i: usize| rest.get(i..).and_then(|r| digits(r, 2));
    match (f(0), f(2), f(4), f(6), f(8)) {
        (Some(mo), Some(d), Some(h), Some(mi), Some(s)) if rest.len() == 10 => {
            unix_seconds(year, mo, d, h, mi, s).ok_or(Error::CertInvalidTime)
        }
        _ => Err(Error::CertInvalidTime),
    }
}

/// How to round an RFC 3339 time with a fraction of a second to whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Round {
    /// Down: the last whole second not after the time (for the end of a window).
    Floor,
    /// Up: the first whole second not before the time (for the start of a window).
    Ceil,
}

/// An RFC 3339 `date-time` (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, upper-case `T` and `Z`,
/// 1 to 9 fraction digits) as Unix seconds, a fraction rounded as `round` says.
pub(crate) fn rfc3339(s: &[u8], round: Round) -> Result<i64, Error> {
    let bad = Error::TrustedRootInvalidTime;
    let at = |i: usize| s.get(i).copied();
    let num = |i: usize, n: usize| s.get(i..).and_then(|r| digits(r, n)).ok_or(bad);
    if at(4) != Some(b'-')
        || at(7) != Some(b'-')
        || at(10) != Some(b'T')
        || at(13) != Some(b':')
        || at(16) != Some(b':')
    {
        return Err(bad);
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut i = 19;
    let mut fraction_nonzero = false;
    if at(i) == Some(b'.') {
        i += 1;
        let start = i;
        while let Some(b) = at(i).filter(u8::is_ascii_digit) {
            fraction_nonzero |= b != b'0';
            i += 1;
        }
        if i == start || i - start > 9 {
            return Err(bad);
        }
    }
    let offset = match (at(i), s.len().saturating_sub(i)) {
        (Some(b'Z'), 1) => 0,
        (Some(sign @ (b'+' | b'-')), 6) if at(i + 3) == Some(b':') => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return Err(bad);
            }
            let secs = i64::from(oh * 3600 + om * 60);
            if sign == b'+' { secs } else { -secs }
        }
        _ => return Err(bad),
    };
    let t = unix_seconds(i64::from(year), month, day, hour, minute, second).ok_or(bad)? - offset;
    Ok(if fraction_nonzero && round == Round::Ceil {
        t + 1
    } else {
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(unix_seconds(2021, 3, 7, 3, 20, 29), Some(1_615_087_229));
        assert_eq!(unix_seconds(2024, 2, 29, 0, 0, 0), Some(1_709_164_800));
        assert_eq!(unix_seconds(2023, 2, 29, 0, 0, 0), None);
        assert_eq!(unix_seconds(2100, 2, 29, 0, 0, 0), None);
        assert_eq!(unix_seconds(2000, 2, 29, 0, 0, 0), Some(951_782_400));
        assert_eq!(unix_seconds(2021, 1, 1, 0, 0, 60), None);
        assert_eq!(
            unix_seconds(9999, 12, 31, 23, 59, 59),
            Some(253_402_300_799)
        );
    }

    #[test]
    fn der_times() {
        assert_eq!(utc_time(b"210307032029Z"), Ok(1_615_087_229));
        assert_eq!(utc_time(b"491231235959Z"), Ok(2_524_607_999));
        assert_eq!(utc_time(b"500101000000Z"), Ok(-631_152_000));
        assert_eq!(generalized_time(b"20210307032029Z"), Ok(1_615_087_229));
        for bad in [
            &b"2103070320Z"[..],
            b"210307032029",
            b"210307032029+0000",
            b"2103070320290Z",
            b"21030703202.Z",
            b"211307032029Z",
            b"210230032029Z",
            b"210307242029Z",
            b"21030703202aZ",
            b"",
        ] {
            assert_eq!(utc_time(bad), Err(Error::CertInvalidTime), "{bad:?}");
        }
        for bad in [
            &b"20210307032029.5Z"[..],
            b"202103070320Z",
            b"20210307032029",
            b"210307032029Z",
        ] {
            assert_eq!(
                generalized_time(bad),
                Err(Error::CertInvalidTime),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rfc3339_times() {
        let t = 1_615_087_229;
        assert_eq!(rfc3339(b"2021-03-07T03:20:29Z", Round::Floor), Ok(t));
        assert_eq!(rfc3339(b"2021-03-07T03:20:29.000Z", Round::Ceil), Ok(t));
        assert_eq!(rfc3339(b"2021-03-07T03:20:29.001Z", Round::Ceil), Ok(t + 1));
        assert_eq!(rfc3339(b"2021-03-07T03:20:29.999Z", Round::Floor), Ok(t));
        assert_eq!(
            rfc3339(b"2021-03-07T03:20:29.123456789Z", Round::Floor),
            Ok(t)
        );
        assert_eq!(rfc3339(b"2021-03-07T04:20:29+01:00", Round::Floor), Ok(t));
        assert_eq!(rfc3339(b"2021-03-07T02:20:29-01:00", Round::Floor), Ok(t));
        for bad in [
            &b"2021-03-07T03:20:29"[..],
            b"2021-03-07 03:20:29Z",
            b"2021-03-07t03:20:29Z",
            b"2021-03-07T03:20:29z",
            b"2021-03-07T03:20:29.Z",
            b"2021-03-07T03:20:29.1234567890Z",
            b"2021-13-07T03:20:29Z",
            b"2021-02-30T03:20:29Z",
            b"2021-03-07T03:20:60Z",
            b"2021-03-07T03:20:29+0100",
            b"2021-03-07T03:20:29ZZ",
            b"21-03-07T03:20:29Z",
            b"",
        ] {
            assert_eq!(
                rfc3339(bad, Round::Floor),
                Err(Error::TrustedRootInvalidTime),
                "{bad:?}"
            );
        }
    }
}
