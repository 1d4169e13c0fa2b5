//! Strict RFC 3339 timestamps and Go duration strings, as cty's date functions read and write them.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

struct Cursor<'a> {
    s: &'a str,
    p: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.p..).unwrap_or("")
    }

    /// Reads exactly `n` digits as the named field, checking its range.
    fn field(&mut self, n: usize, what: &str, lo: u32, hi: u32) -> Result<u32, String> {
        let rest = self.rest();
        if rest.is_empty() {
            return Err(format!("end of string before {what}"));
        }
        let digits = rest.bytes().take(n).take_while(u8::is_ascii_digit).count();
        if digits < n {
            return Err(match what {
                "hour" | "minute" => format!("{what} must have exactly two digits"),
                _ => format!("cannot use {rest:?} as {what}"),
            });
        }
        let v: u32 = rest[..n].parse().map_err(|_| format!("cannot use {rest:?} as {what}"))?;
        if v < lo || v > hi {
            return Err(format!("{what} out of range"));
        }
        self.p += n;
        Ok(v)
    }

    fn literal(&mut self, c: char) -> Result<(), String> {
        let rest = self.rest();
        if rest.starts_with(c) {
            self.p += 1;
            return Ok(());
        }
        Err(match (c, rest.is_empty()) {
            ('T', _) => "missing required time introducer 'T'".to_string(),
            (_, true) => format!("end of string where \"{c}\" is expected"),
            (_, false) => format!("found {rest:?} where \"{c}\" is expected"),
        })
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses a strict RFC 3339 timestamp (`2006-01-02T15:04:05Z`, optional fraction and offset).
pub(crate) fn parse(s: &str) -> Result<OffsetDateTime, String> {
    parse_fields(s).map_err(|e| format!("not a valid RFC3339 timestamp: {e}"))
}

fn parse_fields(s: &str) -> Result<OffsetDateTime, String> {
    let mut c = Cursor { s, p: 0 };
    let year = c.field(4, "year", 0, 9999)?;
    c.literal('-')?;
    let month = c.field(2, "month", 1, 12)?;
    c.literal('-')?;
    let day = c.field(2, "day of month", 1, days_in(month, year))?;
    c.literal('T')?;
    let hour = c.field(2, "hour", 0, 23)?;
    c.literal(':')?;
    let minute = c.field(2, "minute", 0, 59)?;
    c.literal(':')?;
    let second = c.field(2, "second", 0, 59)?;
    let mut nanos = 0u32;
    if let Some(frac) = c.rest().strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            c.p += 1 + digits.len();
            let nine: String = digits.chars().chain(std::iter::repeat('0')).take(9).collect();
            nanos = nine.parse().map_err(|_| "invalid fractional second".to_string())?;
        }
    }
    let offset = match c.rest() {
        "Z" => 0,
        "" => return Err("end of string before UTC offset".into()),
        _ => {
            let sign = match c.rest().as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(format!("cannot use {:?} as UTC offset", c.rest())),
            };
            c.p += 1;
            let h = c.field(2, "UTC offset", 0, 23)?;
            c.literal(':')?;
            let m = c.field(2, "UTC offset", 0, 59)?;
            if !c.rest().is_empty() {
                return Err(format!("extra text: {:?}", c.rest()));
            }
            sign * (h as i32 * 3600 + m as i32 * 60)
        }
    };
    let build = || -> Option<OffsetDateTime> {
        let month = Month::try_from(month as u8).ok()?;
        let date = Date::from_calendar_date(year as i32, month, day as u8).ok()?;
        let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).ok()?;
        Some(PrimitiveDateTime::new(date, time).assume_offset(UtcOffset::from_whole_seconds(offset).ok()?))
    };
    build().ok_or_else(|| "timestamp out of range".to_string())
}

/// Formats as Go's `time.RFC3339` layout: whole seconds, `Z` for UTC, else `+hh:mm`.
pub(crate) fn format(t: OffsetDateTime) -> String {
    let date = format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day());
    let clock = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    format!("{date}T{clock}{}", zone(t, "Z", true))
}

/// The UTC offset as `+hh:mm` (colon) or `+hhmm`, with `utc_name` for a zero offset if given.
pub(crate) fn zone(t: OffsetDateTime, utc_name: &str, colon: bool) -> String {
    let secs = t.offset().whole_seconds();
    if secs == 0 && !utc_name.is_empty() {
        return utc_name.to_string();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if colon { format!("{sign}{h:02}:{m:02}") } else { format!("{sign}{h:02}{m:02}") }
}

/// Parses a Go duration string (`1h30m`, `-2.5s`, `300ms`) into nanoseconds.
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {orig:?}");
    let (neg, mut s) = match orig.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, orig.strip_prefix('+').unwrap_or(orig)),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(rest) = s.strip_prefix('.') {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &rest[..n];
            s = &rest[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {orig:?}"));
        }
        let unit_name = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u128 = match unit_name {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {unit_name:?} in duration {orig:?}")),
        };
        let whole: u128 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| invalid())? };
        let frac: f64 = if frac_part.is_empty() { 0.0 } else { format!("0.{frac_part}").parse().map_err(|_| invalid())? };
        total = whole
            .checked_mul(unit)
            .and_then(|v| v.checked_add((frac * unit as f64) as u128))
            .and_then(|v| v.checked_add(total))
            .filter(|v| *v <= 1u128 << 63)
            .ok_or_else(invalid)?;
    }
    let signed = if neg { -(total as i128) } else { total as i128 };
    i64::try_from(signed).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let t = parse("2018-01-02T23:12:01Z").map(format);
        assert_eq!(t, Ok("2018-01-02T23:12:01Z".to_string()));
        let t = parse("2017-11-22T00:00:00.123456789+05:30").map(format);
        assert_eq!(t, Ok("2017-11-22T00:00:00+05:30".to_string()));
        assert_eq!(parse("2020-02-29T00:00:00-08:00").map(|t| t.unix_timestamp()), Ok(1582963200));
    }

    #[test]
    fn rejects_bad_timestamps() {
        assert_eq!(parse("2018-01-02").unwrap_err(), "not a valid RFC3339 timestamp: missing required time introducer 'T'");
        assert_eq!(parse("0").unwrap_err(), "not a valid RFC3339 timestamp: cannot use \"0\" as year");
        assert_eq!(parse("2018-01-02T23:12:01").unwrap_err(), "not a valid RFC3339 timestamp: end of string before UTC offset");
        assert!(parse("2019-02-29T00:00:00Z").is_err());
        assert!(parse("2018-13-01T00:00:00Z").is_err());
        assert!(parse("2018-01-02T24:00:00Z").is_err());
        assert!(parse("2018-01-02T23:12:01Zjunk").is_err());
        assert!(parse("2018-01-02 23:12:01Z").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Ok(600_000_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("-1.5h"), Ok(-5_400_000_000_000));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_duration("2µs"), Ok(2_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1"), Err("time: missing unit in duration \"1\"".to_string()));
        assert_eq!(parse_duration("1d"), Err("time: unknown unit \"d\" in duration \"1d\"".to_string()));
        assert_eq!(parse_duration(""), Err("time: invalid duration \"\"".to_string()));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("9999999999999h").is_err());
    }
}
