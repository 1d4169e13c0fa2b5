//! Date and time functions: formatdate, formattimestamp, timeadd, timestamp, unixtimestampparse.

use crate::frontend::value::Value;

use super::rfc3339::{format as rfc3339, parse, parse_duration, zone};
use super::{FnError, FnResult, arg, num_arg, str_arg, whole};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Renders `t` with cty's date format mnemonics (YYYY MM DD EEE hh mm ss ZZZ ..., 'quoted').
fn format_date(fmt: &str, t: OffsetDateTime) -> Result<String, String> {
    let b = fmt.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => return Err("unterminated literal '".into()),
                    Some(b'\'') if b.get(j + 1) == Some(&b'\'') => j += 2,
                    Some(b'\'') => break,
                    Some(_) => j += 1,
                }
            }
            out.push_str(&fmt[i + 1..j].replace("''", "'"));
            i = j + 1;
        } else if b[i].is_ascii_alphabetic() {
            let len = b[i..].iter().take_while(|c| **c == b[i]).count();
            out.push_str(&verb(&fmt[i..i + len], t)?);
            i += len;
        } else {
            let len = b[i..].iter().take_while(|c| **c != b'\'' && !c.is_ascii_alphabetic()).count();
            out.push_str(&fmt[i..i + len]);
            i += len;
        }
    }
    Ok(out)
}

fn verb(tok: &str, t: OffsetDateTime) -> Result<String, String> {
    let bad = |why: &str| Err(format!("invalid date format verb {tok:?}{why}"));
    let two = |n: u8, len: usize, why: &str| match len {
        1 => Ok(n.to_string()),
        2 => Ok(format!("{n:02}")),
        _ => bad(why),
    };
    let len = tok.len();
    let month = t.month().to_string();
    let weekday = t.weekday().to_string();
    match tok.as_bytes()[0] {
        b'Y' => match len {
            2 => Ok(format!("{:02}", t.year().rem_euclid(100))),
            4 => Ok(format!("{:04}", t.year())),
            _ => bad(": year must either be \"YY\" or \"YYYY\""),
        },
        b'M' => match len {
            3 => Ok(month.chars().take(3).collect()),
            4 => Ok(month),
            _ => two(u8::from(t.month()), len, ": month must be \"M\", \"MM\", \"MMM\", or \"MMMM\""),
        },
        b'D' => two(t.day(), len, ": day of month must either be \"D\" or \"DD\""),
        b'E' => match len {
            3 => Ok(weekday.chars().take(3).collect()),
            4 => Ok(weekday),
            _ => bad(": day of week must either be \"EEE\" or \"EEEE\""),
        },
        b'h' => two(t.hour(), len, ": 24-hour must either be \"h\" or \"hh\""),
        b'H' => {
            let h = match t.hour() % 12 {
                0 => 12,
                h => h,
            };
            two(h, len, ": 12-hour must either be \"H\" or \"HH\"")
        }
        c @ (b'A' | b'a') if len == 2 => {
            let pm = t.hour() >= 12;
            let marker = if pm { "PM" } else { "AM" };
            Ok(if c == b'A' { marker.to_string() } else { marker.to_lowercase() })
        }
        c @ (b'A' | b'a') => {
            let c = c as char;
            bad(&format!(": must be \"{c}{c}\""))
        }
        b'm' => two(t.minute(), len, ": minute must either be \"m\" or \"mm\""),
        b's' => two(t.second(), len, ": second must either be \"s\" or \"ss\""),
        b'Z' => match len {
            1 => Ok(zone(t, "Z", true)),
            3 => Ok(zone(t, "UTC", false)),
            4 => Ok(zone(t, "", false)),
            5 => Ok(zone(t, "", true)),
            _ => bad(": timezone must be Z, ZZZZ, or ZZZZZ"),
        },
        _ => bad(""),
    }
}

/// `formatdate(format, timestamp)`.
pub(crate) fn formatdate(args: &[Value]) -> FnResult {
    let fmt = str_arg(args, 0)?;
    let t = parse(&str_arg(args, 1)?).map_err(|e| FnError::at(1, e))?;
    format_date(&fmt, t).map(Value::String).map_err(|e| FnError::at(0, e))
}

fn unix_time(args: &[Value], i: usize) -> Result<OffsetDateTime, FnError> {
    let n = num_arg(args, i)?;
    let secs = whole(n).ok_or_else(|| FnError::at(i, "unix timestamp must be an integer"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| FnError::at(i, "unix timestamp is out of range"))
}

/// `formattimestamp(format, time)`: `time` is an RFC 3339 string or a unix timestamp number;
/// the format "X" yields the unix timestamp in seconds.
pub(crate) fn formattimestamp(args: &[Value]) -> FnResult {
    let fmt = str_arg(args, 0)?;
    let t = match arg(args, 1)? {
        Value::String(s) => {
            parse(s).map_err(|e| if fmt == "X" { FnError::at(1, "timestamp string must be RFC3339") } else { FnError::at(1, e) })?
        }
        Value::Number(_) => unix_time(args, 1)?,
        _ => return Err(FnError::at(1, "must be a string timestamp or a unix timestamp number")),
    };
    if fmt == "X" {
        return Ok(Value::String(t.unix_timestamp().to_string()));
    }
    format_date(&fmt, t).map(Value::String).map_err(|e| FnError::at(0, e))
}

/// `timeadd(timestamp, duration)`: keeps the timestamp's UTC offset.
pub(crate) fn timeadd(args: &[Value]) -> FnResult {
    let t = parse(&str_arg(args, 0)?).map_err(|e| FnError::at(0, e))?;
    let nanos = parse_duration(&str_arg(args, 1)?).map_err(|e| FnError::at(1, e))?;
    let sum = t.checked_add(time::Duration::nanoseconds(nanos)).ok_or_else(|| FnError::new("resulting time is out of range"))?;
    Ok(Value::String(rfc3339(sum)))
}

/// `timestamp()`: the current UTC time in RFC 3339 form (impure).
pub(crate) fn timestamp(_args: &[Value]) -> FnResult {
    Ok(Value::String(rfc3339(OffsetDateTime::now_utc())))
}

/// `unixtimestampparse(seconds)`: the date and time's parts as an object.
pub(crate) fn unixtimestampparse(args: &[Value]) -> FnResult {
    let t = unix_time(args, 0)?;
    let (iso_year, iso_week, _) = t.to_iso_week_date();
    let num = |n: i64| Value::Number(n as f64);
    let fields = [
        ("year", num(t.year().into())),
        ("year_day", num(t.ordinal().into())),
        ("day", num(t.day().into())),
        ("month", num(u8::from(t.month()).into())),
        ("month_name", Value::String(t.month().to_string())),
        ("weekday", num(t.weekday().number_days_from_sunday().into())),
        ("weekday_name", Value::String(t.weekday().to_string())),
        ("hour", num(t.hour().into())),
        ("minute", num(t.minute().into())),
        ("second", num(t.second().into())),
        ("rfc3339", Value::String(rfc3339(t))),
        ("iso_year", num(iso_year.into())),
        ("iso_week", num(iso_week.into())),
    ];
    Ok(Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::s;

    fn fd(fmt: &str, ts: &str) -> Result<String, String> {
        match formatdate(&[s(fmt), s(ts)]) {
            Ok(Value::String(out)) => Ok(out),
            Ok(other) => Err(other.to_string()),
            Err(e) => Err(e.message),
        }
    }

    #[test]
    fn formatdate_documented_examples() {
        let ts = "2018-01-02T23:12:01Z";
        assert_eq!(fd("DD MMM YYYY hh:mm ZZZ", ts), Ok("02 Jan 2018 23:12 UTC".into()));
        assert_eq!(fd("EEEE, DD-MMM-YY hh:mm:ss ZZZ", ts), Ok("Tuesday, 02-Jan-18 23:12:01 UTC".into()));
        assert_eq!(fd("EEE, DD MMM YYYY hh:mm:ss ZZZ", ts), Ok("Tue, 02 Jan 2018 23:12:01 UTC".into()));
        assert_eq!(fd("MMM DD, YYYY", ts), Ok("Jan 02, 2018".into()));
        assert_eq!(fd("HH:mmaa", ts), Ok("11:12pm".into()));
        assert_eq!(fd("h 'o''clock' AA", "2018-01-02T03:00:00Z"), Ok("3 o'clock AM".into()));
        assert_eq!(fd("Z ZZZZ ZZZZZ", "2018-01-02T03:00:00-08:00"), Ok("-08:00 -0800 -08:00".into()));
        assert_eq!(fd("MMMM M D s", "2018-09-05T03:00:07Z"), Ok("September 9 5 7".into()));
    }

    #[test]
    fn formatdate_errors() {
        assert_eq!(
            fd("YYY", "2018-01-02T23:12:01Z"),
            Err("invalid date format verb \"YYY\": year must either be \"YY\" or \"YYYY\"".into())
        );
        assert_eq!(fd("'abc", "2018-01-02T23:12:01Z"), Err("unterminated literal '".into()));
        assert_eq!(fd("x", "2018-01-02T23:12:01Z"), Err("invalid date format verb \"x\"".into()));
        let e = formatdate(&[s("YYYY"), s("2018-01-02")]).unwrap_err();
        assert_eq!(e.arg, Some(1));
    }

    #[test]
    fn formattimestamp_cases() {
        assert_eq!(formattimestamp(&[s("X"), s("2015-10-21T00:00:00Z")]), Ok(s("1445385600")));
        assert_eq!(formattimestamp(&[s("X"), Value::Number(1445385600.0)]), Ok(s("1445385600")));
        assert_eq!(formattimestamp(&[s("YYYY-MM-DD"), s("2025-09-16T12:00:00Z")]), Ok(s("2025-09-16")));
        let f = s("YYYY-MM-DD'T'hh:mm:ssZ");
        assert_eq!(formattimestamp(&[f.clone(), Value::Number(1690328596.0)]), Ok(s("2023-07-25T23:43:16Z")));
        assert_eq!(formattimestamp(&[f, Value::Number(-1.0)]), Ok(s("1969-12-31T23:59:59Z")));
        assert!(formattimestamp(&[s("YYYY-MM-DD"), Value::Number(1.2)]).is_err());
        assert!(formattimestamp(&[s("YYYY-MM-DD"), s("0")]).is_err());
        assert!(formattimestamp(&[s("X"), s("0")]).is_err());
        assert!(formattimestamp(&[s("X"), Value::Bool(true)]).is_err());
    }

    #[test]
    fn timeadd_cases() {
        assert_eq!(timeadd(&[s("2017-11-22T00:00:00Z"), s("10m")]), Ok(s("2017-11-22T00:10:00Z")));
        assert_eq!(timeadd(&[s("2017-11-22T00:00:00Z"), s("-1h")]), Ok(s("2017-11-21T23:00:00Z")));
        assert_eq!(timeadd(&[s("2017-11-22T00:00:00+01:00"), s("1.5h")]), Ok(s("2017-11-22T01:30:00+01:00")));
        assert!(timeadd(&[s("2017-11-22"), s("1h")]).is_err());
        assert!(timeadd(&[s("2017-11-22T00:00:00Z"), s("1x")]).is_err());
    }

    #[test]
    fn timestamp_is_rfc3339() {
        let Ok(Value::String(now)) = timestamp(&[]) else { panic!("timestamp failed") };
        assert!(parse(&now).is_ok(), "{now}");
        assert!(now.ends_with('Z'));
    }

    #[test]
    fn unixtimestampparse_cases() {
        let Ok(Value::Object(got)) = unixtimestampparse(&[Value::Number(1690328596.0)]) else { panic!("not an object") };
        let n = |v: f64| Some(Value::Number(v));
        assert_eq!(got.get("year").cloned(), n(2023.0));
        assert_eq!(got.get("year_day").cloned(), n(206.0));
        assert_eq!(got.get("month_name").cloned(), Some(s("July")));
        assert_eq!(got.get("weekday").cloned(), n(2.0));
        assert_eq!(got.get("weekday_name").cloned(), Some(s("Tuesday")));
        assert_eq!(got.get("rfc3339").cloned(), Some(s("2023-07-25T23:43:16Z")));
        assert_eq!(got.get("iso_week").cloned(), n(30.0));
        let Ok(Value::Object(neg)) = unixtimestampparse(&[Value::Number(-1.0)]) else { panic!("not an object") };
        assert_eq!((neg.get("iso_year").cloned(), neg.get("weekday").cloned()), (n(1970.0), n(3.0)));
        assert!(unixtimestampparse(&[Value::Number(1.2)]).is_err());
    }
}
