//! Regular expression functions (regex, regexall, regex_replace) with Go's RE2 syntax rules.

use crate::frontend::value::Value;

use super::{FnError, FnResult, str_arg};
use regex::Regex;

/// Rewrites the few constructs where Go's syntax differs from the regex crate's: Go's `\d \w \s \b`
/// are ASCII-only, `[` inside a class is literal, and a `{` that starts no repetition is literal.
fn translate(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let (mut i, mut in_class, mut class_start) = (0, false, false);
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c == '\\' {
            let Some(&e) = chars.get(i) else {
                out.push('\\');
                break;
            };
            i += 1;
            let swap = match (in_class, e) {
                (false, 'd') => "[0-9]",
                (false, 'D') => "[^0-9]",
                (false, 'w') => "[0-9A-Za-z_]",
                (false, 'W') => "[^0-9A-Za-z_]",
                (false, 's') => r"[\t\n\f\r ]",
                (false, 'S') => r"[^\t\n\f\r ]",
                (false, 'b') => r"(?-u:\b)",
                (false, 'B') => r"(?-u:\B)",
                (true, 'd') => "0-9",
                (true, 'w') => "0-9A-Za-z_",
                (true, 's') => r"\t\n\f\r ",
                (true, 'D') => "[:^digit:]",
                (true, 'W') => "[:^word:]",
                (true, 'S') => "[:^space:]",
                _ => "",
            };
            if swap.is_empty() {
                out.push('\\');
                out.push(e);
                if matches!(e, 'p' | 'P' | 'x') && chars.get(i) == Some(&'{') {
                    let end = (i..chars.len()).find(|&j| chars[j] == '}').map_or(chars.len(), |j| j + 1);
                    out.extend(&chars[i..end]);
                    i = end;
                }
            } else {
                out.push_str(swap);
            }
            class_start = false;
            continue;
        }
        if in_class {
            match c {
                '[' if chars.get(i) == Some(&':') => {
                    let close = (i..chars.len().saturating_sub(1)).find(|&j| chars[j] == ':' && chars[j + 1] == ']');
                    let end = close.map_or(i, |j| j + 2);
                    out.push('[');
                    out.extend(&chars[i..end]);
                    i = end;
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                ']' if !class_start => {
                    in_class = false;
                    out.push(c);
                }
                _ => out.push(c),
            }
            class_start = c == '^' && class_start;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            '{' => {
                let tail: String = chars[i..].iter().take_while(|c| **c != '}').collect();
                let (lo, hi) = tail.split_once(',').unwrap_or((&tail, "0"));
                let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
                let closed = i + tail.chars().count() < chars.len();
                if closed && !lo.is_empty() && digits(lo) && digits(hi) {
                    out.push('{');
                    out.push_str(&tail);
                    out.push('}');
                    i += tail.chars().count() + 1;
                } else {
                    out.push_str(r"\{");
                }
            }
            '}' => out.push_str(r"\}"),
            c => out.push(c),
        }
    }
    out
}

fn compile(pattern: &str, arg: usize) -> Result<Regex, FnError> {
    Regex::new(&translate(pattern)).map_err(|e| {
        let text = e.to_string();
        let detail = text.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).unwrap_or(&text).to_string();
        FnError::at(arg, format!("invalid regexp pattern: {detail}"))
    })
}

/// What a match produces: the matched text, a list of unnamed captures, or an object of named ones.
enum Shape {
    Whole,
    Unnamed,
    Named(Vec<String>),
}

fn shape(re: &Regex) -> Result<Shape, FnError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named: Vec<String> = names.iter().flatten().map(|n| n.to_string()).collect();
    match (names.len() - named.len(), named.len()) {
        (0, 0) => Ok(Shape::Whole),
        (_, 0) => Ok(Shape::Unnamed),
        (0, _) => Ok(Shape::Named(named)),
        _ => Err(FnError::at(0, "invalid regexp pattern: cannot mix both named and unnamed capture groups")),
    }
}

fn result(shape: &Shape, caps: &regex::Captures) -> Value {
    let text = |m: Option<regex::Match>| m.map_or(Value::Null, |m| Value::from(m.as_str()));
    match shape {
        Shape::Whole => text(caps.get(0)),
        Shape::Unnamed => Value::List((1..caps.len()).map(|i| text(caps.get(i))).collect()),
        Shape::Named(names) => Value::Object(names.iter().map(|n| (n.clone(), text(caps.name(n)))).collect()),
    }
}

/// `regex(pattern, string)`: the first match, failing when there is none.
pub(crate) fn regex(args: &[Value]) -> FnResult {
    let re = compile(&str_arg(args, 0)?, 0)?;
    let shape = shape(&re)?;
    let s = str_arg(args, 1)?;
    let caps = re.captures(&s).ok_or_else(|| FnError::new("pattern did not match any part of the given string"))?;
    Ok(result(&shape, &caps))
}

/// `regexall(pattern, string)`: every non-overlapping match.
pub(crate) fn regexall(args: &[Value]) -> FnResult {
    let re = compile(&str_arg(args, 0)?, 0)?;
    let shape = shape(&re)?;
    let s = str_arg(args, 1)?;
    Ok(Value::List(re.captures_iter(&s).map(|caps| result(&shape, &caps)).collect()))
}

/// `regex_replace(string, pattern, replacement)`: `$1` and `${name}` refer to captures.
pub(crate) fn regex_replace(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let re = compile(&str_arg(args, 1)?, 1)?;
    let replacement = str_arg(args, 2)?;
    Ok(Value::String(re.replace_all(&s, replacement.as_str()).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{l, s};

    #[test]
    fn regex_shapes() {
        assert_eq!(regex(&[s("[a-z]+"), s("53453453.345345aaabbbccc23454")]), Ok(s("aaabbbccc")));
        let got = regex(&[s(r"(\d\d\d\d)-(\d\d)-(\d\d)"), s("2019-02-01")]);
        assert_eq!(got, Ok(l(&["2019", "02", "01"])));
        let got = regex(&[s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"), s("https://terraform.io/docs/")]);
        let want = Value::Object(
            [("authority", s("terraform.io")), ("scheme", s("https"))].into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        );
        assert_eq!(got, Ok(want));
        assert_eq!(regex(&[s("(a)|(b)"), s("b")]), Ok(Value::List(vec![Value::Null, s("b")])));
    }

    #[test]
    fn regex_errors() {
        assert_eq!(regex(&[s("[a-z]+"), s("123")]).unwrap_err().message, "pattern did not match any part of the given string");
        let e = regex(&[s("(?P<a>x)(y)"), s("xy")]).unwrap_err();
        assert_eq!(e.message, "invalid regexp pattern: cannot mix both named and unnamed capture groups");
        let e = regex(&[s("(unclosed"), s("x")]).unwrap_err();
        assert!(e.message.starts_with("invalid regexp pattern: "), "{}", e.message);
        assert_eq!(e.arg, Some(0));
    }

    #[test]
    fn regexall_cases() {
        assert_eq!(regexall(&[s("[a-z]+"), s("1234abcd5678efgh9")]), Ok(l(&["abcd", "efgh"])));
        assert_eq!(regexall(&[s("[a-z]+"), s("123")]), Ok(l(&[])));
        let got = regexall(&[s(r"(\w)=(\d)"), s("a=1 b=2")]);
        assert_eq!(got, Ok(Value::List(vec![l(&["a", "1"]), l(&["b", "2"])])));
    }

    #[test]
    fn regex_replace_cases() {
        assert_eq!(regex_replace(&[s("hello world"), s("o"), s("0")]), Ok(s("hell0 w0rld")));
        assert_eq!(regex_replace(&[s("v1.2.3"), s(r"^v(\d+)\.(\d+).*$"), s("$1-$2")]), Ok(s("1-2")));
        assert_eq!(regex_replace(&[s("a/b:c"), s("[^a-zA-Z0-9]"), s("_")]), Ok(s("a_b_c")));
        assert!(regex_replace(&[s("x"), s("("), s("y")]).is_err());
    }

    #[test]
    fn go_syntax_translation() {
        assert_eq!(regexall(&[s(r"\d+"), s("a١٢3")]), Ok(l(&["3"])));
        assert_eq!(regex(&[s(r"[\w.]+"), s("--a.b--")]), Ok(s("a.b")));
        assert_eq!(regex(&[s(r"[[]+"), s("a[[b")]), Ok(s("[[")));
        assert_eq!(regex(&[s(r"a{"), s("xa{")]), Ok(s("a{")));
        assert_eq!(regex(&[s(r"a{2}"), s("aaa")]), Ok(s("aa")));
        assert_eq!(regex(&[s(r"[[:alpha:]]+"), s("12ab")]), Ok(s("ab")));
        assert_eq!(regex(&[s(r"\bfoo\b"), s("a foo b")]), Ok(s("foo")));
        assert_eq!(regex(&[s(r"\p{Greek}+"), s("abγδ")]), Ok(s("γδ")));
        assert_eq!(regex(&[s(r"\x{41}"), s("zA")]), Ok(s("A")));
    }
}
