//! String functions: case, trimming, splitting, joining, substrings and friends.

use crate::frontend::value::Value;

use super::text::{go_lower, go_title, go_upper, grapheme_count, graphemes};
use super::{FnError, FnResult, int_arg, str_arg, string_elems};

pub(crate) fn upper(args: &[Value]) -> FnResult {
    Ok(Value::String(go_upper(&str_arg(args, 0)?)))
}

pub(crate) fn lower(args: &[Value]) -> FnResult {
    Ok(Value::String(go_lower(&str_arg(args, 0)?)))
}

pub(crate) fn title(args: &[Value]) -> FnResult {
    Ok(Value::String(go_title(&str_arg(args, 0)?)))
}

/// `reverse(str)`: the string's characters (grapheme clusters) in reverse order.
pub(crate) fn reverse(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    Ok(Value::String(graphemes(&s).into_iter().rev().collect()))
}

pub(crate) fn strlen(args: &[Value]) -> FnResult {
    Ok(Value::Number(grapheme_count(&str_arg(args, 0)?) as f64))
}

/// `substr(str, offset, length)`, a port of cty's algorithm (quirks included): a negative offset
/// counts from the end, a negative length means "to the end".
pub(crate) fn substr(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let mut offset = int_arg(args, 1)?;
    let length = int_arg(args, 2)?;
    let clusters = graphemes(&s);
    if offset < 0 {
        offset += clusters.len() as i64;
    } else if length == 0 {
        return Ok(Value::from(""));
    }
    let skip = offset.max(0) as usize;
    if skip >= clusters.len() && skip > 0 {
        return Ok(Value::from(""));
    }
    let rest = &clusters[skip..];
    let take = if length <= 0 { rest.len() } else { (length as usize).min(rest.len()) };
    Ok(Value::String(rest[..take].concat()))
}

/// `join(separator, lists...)`.
pub(crate) fn join(args: &[Value]) -> FnResult {
    let sep = str_arg(args, 0)?;
    if args.len() < 2 {
        return Err(FnError::new("at least one list is required"));
    }
    let multiple = args.len() > 2;
    let mut items = Vec::new();
    for li in 1..args.len() {
        for (ei, item) in string_elems(args, li)?.into_iter().enumerate() {
            let Some(item) = item else {
                let msg = if multiple {
                    format!("element {ei} of list {li} is null; cannot concatenate null values")
                } else {
                    format!("element {ei} is null; cannot concatenate null values")
                };
                return Err(FnError::at(li, msg));
            };
            items.push(item);
        }
    }
    Ok(Value::String(items.join(&sep)))
}

/// `sort(list)`: the strings in lexicographic (byte) order.
pub(crate) fn sort(args: &[Value]) -> FnResult {
    let mut items = Vec::new();
    for (i, item) in string_elems(args, 0)?.into_iter().enumerate() {
        let item = item.ok_or_else(|| FnError::at(0, format!("given list element {i} is null; a null string cannot be sorted")))?;
        items.push(item);
    }
    items.sort();
    Ok(Value::List(items.into_iter().map(Value::String).collect()))
}

/// `split(separator, str)`, like Go's `strings.Split` (an empty separator splits characters).
pub(crate) fn split(args: &[Value]) -> FnResult {
    let sep = str_arg(args, 0)?;
    let s = str_arg(args, 1)?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

/// `chomp(str)`: removes all trailing newline sequences.
pub(crate) fn chomp(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    Ok(Value::from(s.trim_end_matches(['\r', '\n'])))
}

/// `indent(spaces, str)`: adds spaces after every newline.
pub(crate) fn indent(args: &[Value]) -> FnResult {
    let spaces = int_arg(args, 0)?;
    let s = str_arg(args, 1)?;
    let pad = usize::try_from(spaces).map_err(|_| FnError::at(0, "the number of spaces must not be negative"))?;
    if pad > 1 << 20 {
        return Err(FnError::at(0, "the number of spaces is too large"));
    }
    Ok(Value::String(s.replace('\n', &format!("\n{}", " ".repeat(pad)))))
}

pub(crate) fn trimspace(args: &[Value]) -> FnResult {
    Ok(Value::from(str_arg(args, 0)?.trim()))
}

/// `trim(str, cutset)`: removes any of the cutset's characters from both ends.
pub(crate) fn trim(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let cutset = str_arg(args, 1)?;
    Ok(Value::from(s.trim_matches(|c| cutset.contains(c))))
}

pub(crate) fn trimprefix(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let prefix = str_arg(args, 1)?;
    Ok(Value::from(s.strip_prefix(prefix.as_str()).unwrap_or(&s)))
}

pub(crate) fn trimsuffix(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let suffix = str_arg(args, 1)?;
    Ok(Value::from(s.strip_suffix(suffix.as_str()).unwrap_or(&s)))
}

/// `replace(str, substr, replacement)`: plain substring replacement.
pub(crate) fn replace(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let from = str_arg(args, 1)?;
    let to = str_arg(args, 2)?;
    Ok(Value::String(s.replace(from.as_str(), &to)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{l, n, s};

    #[test]
    fn case_functions() {
        assert_eq!(upper(&[s("hello")]), Ok(s("HELLO")));
        assert_eq!(lower(&[s("HELLO")]), Ok(s("hello")));
        assert_eq!(title(&[s("hello world")]), Ok(s("Hello World")));
        assert!(upper(&[Value::List(vec![])]).is_err());
        assert_eq!(upper(&[n(1.5)]), Ok(s("1.5")));
    }

    #[test]
    fn reverse_and_strlen() {
        assert_eq!(reverse(&[s("hello")]), Ok(s("olleh")));
        assert_eq!(reverse(&[s("ae\u{301}")]), Ok(s("e\u{301}a")));
        assert_eq!(strlen(&[s("héllo")]), Ok(n(5.0)));
        assert_eq!(strlen(&[s("")]), Ok(n(0.0)));
        assert!(strlen(&[Value::Null]).is_err());
    }

    #[test]
    fn substr_cases() {
        assert_eq!(substr(&[s("hello world"), n(1.0), n(4.0)]), Ok(s("ello")));
        assert_eq!(substr(&[s("🤔🤷"), n(0.0), n(1.0)]), Ok(s("🤔")));
        assert_eq!(substr(&[s("hello world"), n(-5.0), n(-1.0)]), Ok(s("world")));
        assert_eq!(substr(&[s("hello world"), n(6.0), n(10.0)]), Ok(s("world")));
        assert_eq!(substr(&[s("hello"), n(0.0), n(0.0)]), Ok(s("")));
        assert_eq!(substr(&[s("hello"), n(10.0), n(2.0)]), Ok(s("")));
        assert_eq!(substr(&[s("hello"), n(-2.0), n(0.0)]), Ok(s("lo")));
        assert!(substr(&[s("hello"), n(0.5), n(1.0)]).is_err());
    }

    #[test]
    fn join_cases() {
        assert_eq!(join(&[s(", "), l(&["foo", "bar", "baz"])]), Ok(s("foo, bar, baz")));
        assert_eq!(join(&[s(","), l(&["a"]), l(&["b", "c"])]), Ok(s("a,b,c")));
        assert_eq!(join(&[s(","), l(&[])]), Ok(s("")));
        assert_eq!(join(&[s("-"), Value::List(vec![n(1.0), Value::Bool(true)])]), Ok(s("1-true")));
        assert_eq!(join(&[s(",")]).unwrap_err().message, "at least one list is required");
        let e = join(&[s(","), Value::List(vec![s("a"), Value::Null])]).unwrap_err();
        assert_eq!((e.message.as_str(), e.arg), ("element 1 is null; cannot concatenate null values", Some(1)));
        assert!(join(&[s(","), s("a")]).is_err());
    }

    #[test]
    fn sort_and_split() {
        assert_eq!(sort(&[l(&["e", "d", "a", "x", "B"])]), Ok(l(&["B", "a", "d", "e", "x"])));
        assert_eq!(sort(&[Value::List(vec![n(10.0), n(9.0)])]), Ok(l(&["10", "9"])));
        assert!(sort(&[Value::List(vec![Value::Null])]).is_err());
        assert_eq!(split(&[s(","), s("foo,bar,baz")]), Ok(l(&["foo", "bar", "baz"])));
        assert_eq!(split(&[s(","), s("foo")]), Ok(l(&["foo"])));
        assert_eq!(split(&[s(","), s("")]), Ok(l(&[""])));
        assert_eq!(split(&[s(""), s("abc")]), Ok(l(&["a", "b", "c"])));
        assert_eq!(split(&[s(""), s("")]), Ok(l(&[])));
    }

    #[test]
    fn chomp_and_indent() {
        assert_eq!(chomp(&[s("hello\n")]), Ok(s("hello")));
        assert_eq!(chomp(&[s("hello\r\n\n")]), Ok(s("hello")));
        assert_eq!(chomp(&[s("hello\nworld")]), Ok(s("hello\nworld")));
        assert_eq!(indent(&[n(2.0), s("[\n  foo,\n]")]), Ok(s("[\n    foo,\n  ]")));
        assert!(indent(&[n(-1.0), s("a\nb")]).is_err());
    }

    #[test]
    fn trimming() {
        assert_eq!(trimspace(&[s("  hello\n\n")]), Ok(s("hello")));
        assert_eq!(trim(&[s("?!hello?!"), s("!?")]), Ok(s("hello")));
        assert_eq!(trimprefix(&[s("helloworld"), s("hello")]), Ok(s("world")));
        assert_eq!(trimprefix(&[s("helloworld"), s("cat")]), Ok(s("helloworld")));
        assert_eq!(trimsuffix(&[s("helloworld"), s("world")]), Ok(s("hello")));
        assert!(trim(&[s("x"), Value::Null]).is_err());
    }

    #[test]
    fn every_string_function_rejects_an_object() {
        let o = Value::Object(Default::default());
        let unary: [fn(&[Value]) -> FnResult; 8] = [upper, lower, title, reverse, strlen, chomp, trimspace, sort];
        for f in unary {
            assert_eq!(f(std::slice::from_ref(&o)).map_err(|e| e.arg), Err(Some(0)));
        }
        let binary: [fn(&[Value]) -> FnResult; 5] = [split, indent, trim, trimprefix, trimsuffix];
        for f in binary {
            assert_eq!(f(&[s("1"), o.clone()]).map_err(|e| e.arg), Err(Some(1)));
        }
    }

    #[test]
    fn replace_cases() {
        assert_eq!(replace(&[s("1 + 2 + 3"), s("+"), s("-")]), Ok(s("1 - 2 - 3")));
        assert_eq!(replace(&[s("abc"), s(""), s("-")]), Ok(s("-a-b-c-")));
        assert!(replace(&[s("a"), Value::List(vec![]), s("b")]).is_err());
    }
}
