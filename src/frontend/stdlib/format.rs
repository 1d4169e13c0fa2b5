//! `format` and `formatlist`: cty's printf-like formatting (verbs %v %#v %t %s %q %d %f %e %g ...).

use crate::frontend::value::Value;

use super::json::{encode, quote};
use super::numfmt::{Spec, format_float, format_int, g_shortest};
use super::text::{grapheme_count, graphemes};
use super::{FnError, FnResult, as_bool, as_string, parse_number, str_arg, whole};

/// The largest width or precision accepted, so a typo cannot ask for gigabytes of padding.
const MAX_WIDTH: usize = 1 << 20;

/// A formatting failure; `arg` is the 0-based index among the values being formatted.
struct FmtError {
    message: String,
    arg: Option<usize>,
}

fn fail(message: String) -> FmtError {
    FmtError { message, arg: None }
}

/// Formats `vals` according to `fmt` (cty's formatFSM).
fn format_values(fmt: &str, vals: &[Value]) -> Result<String, FmtError> {
    let b = fmt.as_bytes();
    let mut out = String::new();
    let (mut p, mut next_arg, mut highest) = (0, 1usize, 0usize);
    while p < b.len() {
        if b[p] != b'%' {
            let c = fmt[p..].chars().next().unwrap_or('\u{FFFD}');
            out.push(c);
            p += c.len_utf8().max(1);
            continue;
        }
        if b.get(p + 1) == Some(&b'%') {
            out.push('%');
            p += 2;
            continue;
        }
        let start = p;
        p += 1;
        let mut spec = Spec::default();
        while let Some(c) = b.get(p) {
            match c {
                b'0' => spec.zero = true,
                b'#' => spec.sharp = true,
                b'-' => spec.minus = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                _ => break,
            }
            p += 1;
        }
        let number = |p: &mut usize| {
            let mut n = 0usize;
            while let Some(d) = b.get(*p).filter(|d| d.is_ascii_digit()) {
                n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
                *p += 1;
            }
            n
        };
        if matches!(b.get(p), Some(b'1'..=b'9')) {
            spec.width = Some(number(&mut p));
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            spec.prec = Some(number(&mut p));
        }
        let mut argnum = next_arg;
        if b.get(p) == Some(&b'[') {
            p += 1;
            if !matches!(b.get(p), Some(b'1'..=b'9')) {
                return Err(bad_char(fmt, p));
            }
            argnum = number(&mut p);
            if b.get(p) != Some(&b']') {
                return Err(bad_char(fmt, p));
            }
            p += 1;
        }
        if spec.width.max(spec.prec).is_some_and(|n| n > MAX_WIDTH) {
            return Err(fail(format!("width or precision too large in format verb at offset {start}")));
        }
        let mode = match b.get(p) {
            None => return Err(fail(format!("invalid format string starting at offset {p}"))),
            Some(c) if c.is_ascii_alphabetic() => *c as char,
            Some(_) => return Err(bad_char(fmt, p)),
        };
        p += 1;
        highest = highest.max(argnum);
        append(&mut out, &fmt[start..p], start, mode, spec, argnum, vals)?;
        next_arg = argnum + 1;
    }
    if highest < vals.len() {
        let message = if highest == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest} used by format string")
        };
        return Err(FmtError { message, arg: Some(highest) });
    }
    Ok(out)
}

fn bad_char(fmt: &str, p: usize) -> FmtError {
    let c = fmt.get(p..).and_then(|r| r.chars().next()).unwrap_or('\u{FFFD}');
    fail(format!("unrecognized format character {c:?} at offset {p}"))
}

fn append(out: &mut String, raw: &str, offset: usize, mode: char, spec: Spec, argnum: usize, vals: &[Value]) -> Result<(), FmtError> {
    let Some(v) = argnum.checked_sub(1).and_then(|i| vals.get(i)) else {
        let have = vals.len();
        return Err(fail(format!("not enough arguments for {raw:?} at {offset}: need index {argnum} but have {have} total")));
    };
    let unsupported = |why: &str| fail(format!("unsupported value for {raw:?} at {offset}: {why}"));
    if mode != 'v' && v.is_null() {
        return Err(unsupported("null value cannot be formatted"));
    }
    match mode {
        'v' => {
            let text = match v {
                Value::String(s) if !spec.sharp => s.clone(),
                Value::Number(n) if !spec.sharp => g_shortest(*n),
                _ => encode(v).map_err(|e| unsupported(&e))?,
            };
            out.push_str(&pad(&spec, text));
        }
        't' => out.push_str(if as_bool(v).ok_or_else(|| unsupported("bool required"))? { "true" } else { "false" }),
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = match v {
                Value::Number(n) => Some(*n),
                Value::String(s) => parse_number(s),
                _ => None,
            }
            .ok_or_else(|| unsupported("number required"))?;
            if matches!(mode, 'b' | 'd' | 'o' | 'x' | 'X') {
                let i = whole(n).ok_or_else(|| unsupported("an integer is required"))?;
                out.push_str(&format_int(i128::from(i), mode, &spec));
            } else {
                out.push_str(&format_float(n, mode, &spec));
            }
        }
        's' | 'q' => {
            let mut s = as_string(v).ok_or_else(|| unsupported("string required"))?;
            if let Some(prec) = spec.prec.filter(|p| *p > 0) {
                s = graphemes(&s).into_iter().take(prec).collect();
            }
            let text = if mode == 'q' { quote(&s) } else { s };
            out.push_str(&pad(&spec, text));
        }
        _ => return Err(fail(format!("unsupported format verb {mode:?} in {raw:?} at offset {offset}"))),
    }
    Ok(())
}

/// Pads to the verb's width in characters, with zeros for the 0 flag, on the right for `-`.
fn pad(spec: &Spec, text: String) -> String {
    let have = grapheme_count(&text);
    match spec.width {
        Some(want) if want > have => {
            let fill = (if spec.zero { "0" } else { " " }).repeat(want - have);
            if spec.minus { text + &fill } else { fill + &text }
        }
        _ => text,
    }
}

/// `format(spec, values...)`.
pub(crate) fn format(args: &[Value]) -> FnResult {
    let fmt = str_arg(args, 0)?;
    let vals = args.get(1..).unwrap_or(&[]);
    format_values(&fmt, vals).map(Value::String).map_err(|e| FnError { message: e.message, arg: e.arg.map(|i| i + 1) })
}

/// `formatlist(spec, values...)`: list arguments are iterated in step, others repeat.
pub(crate) fn formatlist(args: &[Value]) -> FnResult {
    let fmt = str_arg(args, 0)?;
    let vals = args.get(1..).unwrap_or(&[]);
    let mut len: Option<(usize, usize)> = None;
    for (i, v) in vals.iter().enumerate() {
        if let Value::List(items) = v {
            match len {
                None => len = Some((items.len(), i)),
                Some((l, chooser)) if l != items.len() => {
                    let (a, b, this) = (i + 1, chooser + 1, items.len());
                    let msg = format!("argument {a} has length {this}, which is inconsistent with argument {b} of length {l}");
                    return Err(FnError::at(i + 1, msg));
                }
                Some(_) => {}
            }
        }
    }
    let iterations = len.map_or(1, |(l, _)| l);
    let mut out = Vec::with_capacity(iterations);
    for it in 0..iterations {
        let row: Vec<Value> = vals
            .iter()
            .map(|v| match v {
                Value::List(items) => items.get(it).cloned().unwrap_or(Value::Null),
                v => v.clone(),
            })
            .collect();
        let s = format_values(&fmt, &row).map_err(|e| FnError::new(format!("error on format iteration {it}: {}", e.message)))?;
        out.push(Value::String(s));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{n, s};
    use std::collections::BTreeMap;

    fn fmt(args: &[Value]) -> Result<String, String> {
        match format(args) {
            Ok(Value::String(s)) => Ok(s),
            Ok(other) => Err(format!("not a string: {other}")),
            Err(e) => Err(e.message),
        }
    }

    #[test]
    fn documented_examples() {
        assert_eq!(fmt(&[s("Hello, %s!"), s("Ander")]), Ok("Hello, Ander!".into()));
        assert_eq!(fmt(&[s("There are %d lights"), n(4.0)]), Ok("There are 4 lights".into()));
        assert_eq!(fmt(&[s("%-5s|"), s("ab")]), Ok("ab   |".into()));
        assert_eq!(fmt(&[s("%5s|"), s("ab")]), Ok("   ab|".into()));
        assert_eq!(fmt(&[s("%.2f"), n(1.23456)]), Ok("1.23".into()));
        assert_eq!(fmt(&[s("%t"), Value::Bool(true)]), Ok("true".into()));
        assert_eq!(fmt(&[s("%q"), s("a\"b")]), Ok("\"a\\\"b\"".into()));
        assert_eq!(fmt(&[s("100%%")]), Ok("100%".into()));
        assert_eq!(fmt(&[s("%[2]s %[1]s %s"), s("a"), s("b")]), Ok("b a b".into()));
        assert_eq!(fmt(&[s("%.3s"), s("abcdef")]), Ok("abc".into()));
        assert_eq!(fmt(&[s("%05d|%x|%#o|%b"), n(42.0), n(255.0), n(8.0), n(5.0)]), Ok("00042|ff|010|101".into()));
        assert_eq!(fmt(&[s("%e|%g"), n(1500.0), n(0.5)]), Ok("1.500000e+03|0.5".into()));
        assert_eq!(fmt(&[s("%s"), n(1.5)]), Ok("1.5".into()));
        assert_eq!(fmt(&[s("%d"), s("12")]), Ok("12".into()));
    }

    #[test]
    fn v_verb() {
        let mut obj = BTreeMap::new();
        obj.insert("a".to_string(), n(1.0));
        assert_eq!(fmt(&[s("%v"), Value::Object(obj)]), Ok("{\"a\":1}".into()));
        assert_eq!(fmt(&[s("%v %v %v"), s("x"), n(2.0), Value::Null]), Ok("x 2 null".into()));
        assert_eq!(fmt(&[s("%#v"), s("x")]), Ok("\"x\"".into()));
        assert_eq!(fmt(&[s("%v"), Value::List(vec![Value::Bool(true)])]), Ok("[true]".into()));
        assert_eq!(fmt(&[s("%v"), n(1e7)]), Ok("1e+07".into()));
    }

    #[test]
    fn errors() {
        assert_eq!(fmt(&[s("%d"), n(1.5)]), Err("unsupported value for \"%d\" at 0: an integer is required".into()));
        assert_eq!(fmt(&[s("%s")]), Err("not enough arguments for \"%s\" at 0: need index 1 but have 0 total".into()));
        assert_eq!(fmt(&[s("%s"), Value::Null]), Err("unsupported value for \"%s\" at 0: null value cannot be formatted".into()));
        assert_eq!(fmt(&[s("%y"), n(1.0)]), Err("unsupported format verb 'y' in \"%y\" at offset 0".into()));
        assert_eq!(fmt(&[s("abc %"), n(1.0)]), Err("invalid format string starting at offset 5".into()));
        assert_eq!(fmt(&[s("%!"), n(1.0)]), Err("unrecognized format character '!' at offset 1".into()));
        assert!(fmt(&[s("%s"), Value::List(vec![])]).is_err());
        assert!(fmt(&[s("%d"), s("x")]).is_err());
        assert!(fmt(&[s("%99999999999999999999999d"), n(1.0)]).is_err());
        let e = format(&[s("hi"), n(1.0)]).unwrap_err();
        assert_eq!((e.message.as_str(), e.arg), ("too many arguments; no verbs in format string", Some(1)));
        let e = format(&[s("%s"), s("a"), s("b")]).unwrap_err();
        assert_eq!((e.message.as_str(), e.arg), ("too many arguments; only 1 used by format string", Some(2)));
    }

    #[test]
    fn formatlist_cases() {
        let names = Value::List(vec![s("Valentina"), s("Ander"), s("Olivia"), s("Sam")]);
        let got = formatlist(&[s("Hello, %s!"), names]);
        let want = ["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"];
        assert_eq!(got, Ok(Value::List(want.iter().map(|w| s(w)).collect())));
        let got = formatlist(&[s("%s, %s!"), s("Salutations"), Value::List(vec![s("a"), s("b")])]);
        assert_eq!(got, Ok(Value::List(vec![s("Salutations, a!"), s("Salutations, b!")])));
        assert_eq!(formatlist(&[s("x")]), Ok(Value::List(vec![s("x")])));
        assert_eq!(formatlist(&[s("%s"), Value::List(vec![])]), Ok(Value::List(vec![])));
        let e = formatlist(&[s("%s%s"), Value::List(vec![s("a")]), Value::List(vec![])]).unwrap_err();
        assert_eq!(e.message, "argument 2 has length 0, which is inconsistent with argument 1 of length 1");
        let e = formatlist(&[s("%d"), Value::List(vec![s("x")])]).unwrap_err();
        assert!(e.message.starts_with("error on format iteration 0: "), "{}", e.message);
    }
}
