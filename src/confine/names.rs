//! Names and paths from untrusted text: a name is one plain component, a path a list of them;
//! and untrusted text quoted in a message has its control characters escaped.

use std::fmt::Write as _;

/// Why `name` cannot name an entry inside a directory: empty, `.`, `..`, or holding `/` or NUL.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    match name {
        "" => Err("an empty name"),
        "." | ".." => Err("a name that is `.` or `..`"),
        _ if name.contains('/') => Err("a name holding `/`"),
        _ if name.contains('\0') => Err("a name holding a NUL byte"),
        _ => Ok(()),
    }
}

/// The components of a relative path from an archive or an image: `.` and empty components
/// are dropped; an absolute path or a `..` component is refused (with why).
pub fn components(raw: &str) -> Result<Vec<&str>, &'static str> {
    if raw.starts_with('/') {
        return Err("absolute path");
    }
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("`..` component"),
            _ if part.contains('\0') => return Err("a name holding a NUL byte"),
            _ => parts.push(part),
        }
    }
    Ok(parts)
}

/// `text` with control characters (terminal escapes among them) written as `\u{..}` escapes,
/// for quoting an untrusted name in a message.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_name_entries() {
        for bad in ["", ".", "..", "a/b", "/", "a\0"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "...", ".wh", "..a", "a b"] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn paths_stay_relative_and_below() {
        assert_eq!(components("./a//b/./c/"), Ok(vec!["a", "b", "c"]));
        assert_eq!(components("/etc/passwd"), Err("absolute path"));
        assert_eq!(components("a/../../x"), Err("`..` component"));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\u{a}");
    }
}
