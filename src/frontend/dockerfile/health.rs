//! HEALTHCHECK's options as BuildKit reads them: `--interval`, `--timeout`, `--start-period`,
//! `--start-interval` as Go durations (`30s`, `1m30s`, `500ms`; 0 means the default, anything
//! else at least 1ms) and `--retries` as a count that is not negative.

use crate::ir::HealthOptions;

/// Nanoseconds of a Go duration: an optional sign, then numbers (decimals allowed) with units
/// `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`.
pub fn duration(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not a duration (write e.g. 30s, 1m30s, 500ms)");
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let number: f64 = rest[..number_end].parse().map_err(|_| bad())?;
        let after = &rest[number_end..];
        let unit_end = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let scale = match &after[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += number * scale;
        rest = &after[unit_end..];
    }
    if total > i64::MAX as f64 {
        return Err(format!("`{text}` is too long a duration"));
    }
    Ok(if negative { -(total as i64) } else { total as i64 })
}

/// The options of one HEALTHCHECK, from (name, value) flags; why not, naming the flag.
pub fn options(flags: &[(String, String)]) -> Result<HealthOptions, String> {
    let mut options = HealthOptions::default();
    for (name, value) in flags {
        if name == "retries" {
            let retries: i64 = value.parse().map_err(|_| format!("--retries={value} is not a number"))?;
            if retries < 0 {
                return Err(format!("--retries cannot be negative ({retries})"));
            }
            options.retries = retries as u64;
            continue;
        }
        let nanos = duration(value).map_err(|e| format!("--{name}: {e}"))?;
        if nanos != 0 && nanos < 1_000_000 {
            return Err(format!("--{name}={value} cannot be less than 1ms"));
        }
        let field = match name.as_str() {
            "interval" => &mut options.interval,
            "timeout" => &mut options.timeout,
            "start-period" => &mut options.start_period,
            "start-interval" => &mut options.start_interval,
            other => return Err(format!("unknown flag --{other}")),
        };
        *field = nanos as u64;
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(duration("30s"), Ok(30_000_000_000));
        assert_eq!(duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(duration("500ms"), Ok(500_000_000));
        assert_eq!(duration("0"), Ok(0));
        assert_eq!(duration("-5s"), Ok(-5_000_000_000));
        assert!(duration("5").is_err() && duration("s").is_err() && duration("5x").is_err());
    }

    #[test]
    fn options_are_checked_as_buildkit_checks_them() {
        let flags = |pairs: &[(&str, &str)]| pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect::<Vec<_>>();
        let ok = options(&flags(&[("interval", "5s"), ("timeout", "3s"), ("start-period", "0"), ("retries", "3")]));
        assert_eq!(
            ok,
            Ok(HealthOptions { interval: 5_000_000_000, timeout: 3_000_000_000, start_period: 0, start_interval: 0, retries: 3 })
        );
        assert!(options(&flags(&[("interval", "-5s")])).is_err_and(|e| e.contains("less than 1ms")));
        assert!(options(&flags(&[("retries", "-1")])).is_err_and(|e| e.contains("negative")));
    }
}
