//! `semvercmp`: a port of Masterminds/semver v3's version parsing and constraint checking.

use crate::frontend::value::Value;

use super::{FnError, FnResult, str_arg};
use regex::Regex;
use std::cmp::Ordering;
use std::sync::LazyLock;

const CV: &str =
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

fn re(pattern: String) -> Option<Regex> {
    Regex::new(&pattern).ok()
}

static LOOSE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$".into())
});
static ONE: LazyLock<Option<Regex>> = LazyLock::new(|| re(format!(r"^\s*({OPS})\s*({CV})\s*$")));
static RANGE: LazyLock<Option<Regex>> = LazyLock::new(|| re(format!(r"\s*({CV})\s+-\s+({CV})\s*")));
static FIND: LazyLock<Option<Regex>> = LazyLock::new(|| re(format!(r"({OPS})\s*({CV})")));
static VALID: LazyLock<Option<Regex>> = LazyLock::new(|| re(format!(r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$")));

fn get(r: &'static LazyLock<Option<Regex>>) -> Result<&'static Regex, String> {
    r.as_ref().ok_or_else(|| "internal error: bad semver pattern".to_string())
}

#[derive(Debug, Clone, PartialEq)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

const ALLOWED: fn(char) -> bool = |c| c.is_ascii_alphanumeric() || c == '-';

/// Masterminds' `NewVersion` (coercing: `1`, `1.2` and a `v` prefix are accepted).
fn parse_version(v: &str) -> Result<Version, String> {
    let caps = get(&LOOSE)?.captures(v).ok_or("invalid semantic version")?;
    let seg = |i: usize| -> Result<u64, String> {
        let text = caps.get(i).map_or("", |m| m.as_str()).trim_start_matches('.');
        if text.is_empty() {
            return Ok(0);
        }
        text.parse().map_err(|e| format!("error parsing version segment: {e}"))
    };
    let pre = caps.get(5).map_or("", |m| m.as_str()).to_string();
    for part in pre.split('.').filter(|_| !pre.is_empty()) {
        if part.is_empty() || !part.chars().all(ALLOWED) {
            return Err("invalid prerelease string".into());
        }
        if part.len() > 1 && part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit()) {
            return Err("version segment starts with 0".into());
        }
    }
    Ok(Version { major: seg(1)?, minor: seg(2)?, patch: seg(3)?, pre })
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    match (s.is_empty(), o.is_empty()) {
        (true, _) => return Ordering::Less,
        (_, true) => return Ordering::Greater,
        _ => {}
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

fn compare_pre(a: &str, b: &str) -> Ordering {
    let (sa, sb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    (0..sa.len().max(sb.len()))
        .map(|i| compare_pre_part(sa.get(i).copied().unwrap_or(""), sb.get(i).copied().unwrap_or("")))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn compare(v: &Version, o: &Version) -> Ordering {
    (v.major, v.minor, v.patch).cmp(&(o.major, o.minor, o.patch)).then_with(|| match (v.pre.is_empty(), o.pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => compare_pre(&v.pre, &o.pre),
    })
}

struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    let m = get(&ONE)?.captures(c).ok_or_else(|| format!("improper constraint: {c}"))?;
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let (major, minor, patch, pre) = (g(3), g(4), g(5), g(6));
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (true, false, false);
    let ver = if is_x(major) || major.is_empty() {
        format!("0.0.0{pre}")
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        minor_dirty = true;
        format!("{major}.0.0{pre}")
    } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
        patch_dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        dirty = false;
        g(2).to_string()
    };
    let con = parse_version(&ver).map_err(|_| "constraint parser error".to_string())?;
    Ok(Constraint { op: g(1).to_string(), con, dirty, minor_dirty, patch_dirty })
}

impl Constraint {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        let c = &self.con;
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let tilde = || {
            if compare(v, c).is_lt() {
                return false;
            }
            if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
                return true;
            }
            v.major == c.major && (v.minor == c.minor || self.minor_dirty)
        };
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    tilde()
                } else {
                    compare(v, c).is_eq()
                }
            }
            "!=" => {
                if self.dirty {
                    if c.major != v.major || (c.minor != v.minor && !self.minor_dirty) {
                        return true;
                    }
                    if self.minor_dirty {
                        return false;
                    }
                    if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    }
                    if self.patch_dirty {
                        return (!v.pre.is_empty() || !c.pre.is_empty()) && compare_pre(&v.pre, &c.pre).is_ne();
                    }
                }
                !compare(v, c).is_eq()
            }
            ">" => {
                if !self.dirty || (v.major == c.major && !self.minor_dirty && !self.patch_dirty) {
                    return compare(v, c).is_gt();
                }
                v.major > c.major || (v.major == c.major && !self.minor_dirty && v.minor > c.minor)
            }
            "<" => compare(v, c).is_lt(),
            ">=" | "=>" => compare(v, c).is_ge(),
            "<=" | "=<" => {
                if !self.dirty {
                    return compare(v, c).is_le();
                }
                !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => tilde(),
            _ => {
                if compare(v, c).is_lt() {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                v.minor == 0 && c.patch == v.patch
            }
        }
    }
}

/// Masterminds' `NewConstraint(c).Check(version)`.
fn satisfies(version: &Version, constraint: &str) -> Result<bool, String> {
    let mut c = constraint.to_string();
    for m in get(&RANGE)?.captures_iter(constraint) {
        let (whole, lo, hi) = (m.get(0), m.get(1), m.get(11));
        if let (Some(whole), Some(lo), Some(hi)) = (whole, lo, hi) {
            c = c.replacen(whole.as_str(), &format!(">= {}, <= {} ", lo.as_str(), hi.as_str()), 1);
        }
    }
    let mut groups = Vec::new();
    for or in c.split("||") {
        if !get(&VALID)?.is_match(or) {
            return Err(format!("improper constraint: {or}"));
        }
        let found: Vec<&str> = get(&FIND)?.find_iter(or).map(|m| m.as_str()).collect();
        let found = if found.is_empty() { vec![or] } else { found };
        let parsed = found.into_iter().map(parse_constraint).collect::<Result<Vec<_>, _>>()?;
        groups.push(parsed);
    }
    Ok(groups.iter().any(|group| {
        let include_pre = group.iter().any(|c| !c.con.pre.is_empty());
        group.iter().all(|c| c.check(version, include_pre))
    }))
}

/// `semvercmp(version, constraint)`: whether the version satisfies the constraint.
pub(crate) fn semvercmp(args: &[Value]) -> FnResult {
    let version = parse_version(&str_arg(args, 0)?).map_err(|e| FnError::at(0, e))?;
    let constraint = str_arg(args, 1)?;
    satisfies(&version, &constraint).map(Value::Bool).map_err(|e| FnError::at(1, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(v: &str, c: &str) -> Result<bool, String> {
        match semvercmp(&[Value::from(v), Value::from(c)]) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(other.to_string()),
            Err(e) => Err(e.message),
        }
    }

    #[test]
    fn buildx_cases() {
        assert_eq!(cmp("1.2.3", ">= 1.2.0"), Ok(true));
        assert_eq!(cmp("1.2.3", ">= 1.0.0"), Ok(true));
        assert_eq!(cmp("2.1.0", "< 2.0.0"), Ok(false));
        assert_eq!(cmp("3.22", ">= 3.20"), Ok(true));
        assert_eq!(cmp("not-a-version", ">= 1.0.0"), Err("invalid semantic version".into()));
        assert_eq!(cmp("1.2.3", "not-a-constraint"), Err("improper constraint: not-a-constraint".into()));
        assert!(cmp("", ">= 1.0.0").is_err());
        assert!(cmp("1.2.3", "").is_err());
    }

    #[test]
    fn operators() {
        assert_eq!(cmp("1.2.3", "1.2.3"), Ok(true));
        assert_eq!(cmp("v1.2.3", "=1.2.4"), Ok(false));
        assert_eq!(cmp("1.2.3", "!= 1.2.3"), Ok(false));
        assert_eq!(cmp("1.2.9", "~1.2.3"), Ok(true));
        assert_eq!(cmp("1.3.0", "~1.2.3"), Ok(false));
        assert_eq!(cmp("1.9.0", "^1.2.3"), Ok(true));
        assert_eq!(cmp("2.0.0", "^1.2.3"), Ok(false));
        assert_eq!(cmp("0.2.5", "^0.2.3"), Ok(true));
        assert_eq!(cmp("0.3.0", "^0.2.3"), Ok(false));
        assert_eq!(cmp("1.4.2", "1.x"), Ok(true));
        assert_eq!(cmp("1.4.2", "> 1.4"), Ok(false));
        assert_eq!(cmp("1.5.0", "> 1.4"), Ok(true));
        assert_eq!(cmp("1.4.9", "<= 1.4"), Ok(true));
        assert_eq!(cmp("1.5.0", ">= 1.2, < 1.5"), Ok(false));
        assert_eq!(cmp("1.5.0", "< 1.0 || >= 1.5"), Ok(true));
        assert_eq!(cmp("1.3.0", "1.2 - 1.4"), Ok(true));
        assert_eq!(cmp("1.5.0", "1.2 - 1.4.0"), Ok(false));
    }

    #[test]
    fn prereleases() {
        assert_eq!(cmp("1.2.3-beta", ">= 1.0.0"), Ok(false));
        assert_eq!(cmp("1.2.3-beta", ">= 1.2.3-alpha"), Ok(true));
        assert_eq!(cmp("1.2.3-alpha.10", "> 1.2.3-alpha.9"), Ok(true));
        assert_eq!(cmp("1.2.3", "> 1.2.3-rc.1"), Ok(true));
        assert_eq!(cmp("1.2.3-01", ">= 1.0.0"), Err("version segment starts with 0".into()));
    }
}
