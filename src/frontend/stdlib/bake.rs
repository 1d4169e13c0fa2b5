//! Bake's own functions: basename, dirname, homedir, indexof and sanitize.

use crate::frontend::value::Value;

use super::{FnError, FnResult, arg, str_arg};

/// Go's `path.Clean` (slash-separated, purely lexical).
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// `basename(path)`, like Go's `path.Base`.
pub(crate) fn basename(args: &[Value]) -> FnResult {
    let path = str_arg(args, 0)?;
    if path.is_empty() {
        return Ok(Value::from("."));
    }
    let trimmed = path.trim_end_matches('/');
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    Ok(Value::from(if base.is_empty() { "/" } else { base }))
}

/// `dirname(path)`, like Go's `path.Dir`.
pub(crate) fn dirname(args: &[Value]) -> FnResult {
    let path = str_arg(args, 0)?;
    let dir = path.rfind('/').map_or("", |i| &path[..=i]);
    Ok(Value::String(clean(dir)))
}

/// `homedir()`: $HOME, falling back to the system's idea of the user's home.
pub(crate) fn homedir(_args: &[Value]) -> FnResult {
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return Ok(Value::String(home.to_string_lossy().into_owned()));
    }
    #[allow(deprecated)]
    let fallback = std::env::home_dir();
    fallback
        .map(|h| Value::String(h.to_string_lossy().into_owned()))
        .ok_or_else(|| FnError::new("cannot determine the user's home directory"))
}

/// `indexof(list, value)`: the index of the first element equal to `value`.
pub(crate) fn indexof(args: &[Value]) -> FnResult {
    let Value::List(items) = arg(args, 0)? else {
        return Err(FnError::at(0, "argument must be a list or tuple"));
    };
    if items.is_empty() {
        return Err(FnError::at(0, "cannot search an empty list"));
    }
    let needle = arg(args, 1)?;
    items.iter().position(|v| v == needle).map(|i| Value::Number(i as f64)).ok_or_else(|| FnError::new("item not found"))
}

/// `sanitize(name)`: every character but `[a-zA-Z0-9_-]` becomes `_`.
pub(crate) fn sanitize(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let out = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' });
    Ok(Value::String(out.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::s;

    #[test]
    fn basenames() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("/foo/bar", "bar"),
            ("foo/bar", "bar"),
            ("/foo/bar.", "bar."),
            ("/foo/bar...", "bar..."),
            ("a/b/", "b"),
        ] {
            assert_eq!(basename(&[s(input)]), Ok(s(want)), "{input}");
        }
        assert!(basename(&[Value::List(vec![])]).is_err());
    }

    #[test]
    fn dirnames() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("/foo/bar", "/foo"),
            ("foo/bar", "foo"),
            ("/foo/bar..", "/foo"),
            ("a/../b/c", "b"),
            ("../../x", "../.."),
            ("/../x", "/"),
        ] {
            assert_eq!(dirname(&[s(input)]), Ok(s(want)), "{input}");
        }
    }

    #[test]
    fn sanitizing() {
        for (input, want) in [
            ("", ""),
            ("foo/bar", "foo_bar"),
            ("foobar", "foobar"),
            ("foo/bar..", "foo_bar__"),
            ("foo/🍕bar", "foo__bar"),
            ("foo/bar!@(ba+z)", "foo_bar___ba_z_"),
            ("a/b:c", "a_b_c"),
        ] {
            assert_eq!(sanitize(&[s(input)]), Ok(s(want)), "{input}");
        }
    }

    #[test]
    fn home() {
        let Ok(Value::String(h)) = homedir(&[]) else { panic!("no home directory") };
        assert!(h.starts_with('/'), "{h}");
    }

    #[test]
    fn index_of() {
        let list = Value::List(vec![s("one"), Value::Number(2.0), Value::Number(3.0), s("four")]);
        assert_eq!(indexof(&[list.clone(), s("one")]), Ok(Value::Number(0.0)));
        assert_eq!(indexof(&[list.clone(), s("four")]), Ok(Value::Number(3.0)));
        assert_eq!(indexof(&[list, s("3")]).unwrap_err().message, "item not found");
        assert_eq!(indexof(&[Value::List(vec![]), s("x")]).unwrap_err().message, "cannot search an empty list");
        assert!(indexof(&[s("abc"), s("a")]).is_err());
    }
}
