//! `csvdecode`: RFC 4180 CSV (with Go's `encoding/csv` rules) into a list of objects.

use crate::frontend::value::Value;

use super::{FnError, FnResult, str_arg};
use std::collections::BTreeMap;

const BARE_QUOTE: &str = "bare \" in non-quoted-field";
const QUOTE: &str = "extraneous or missing \" in quoted-field";

/// Records with the line each starts on, or the line and reason of a parse error.
type Records = Result<Vec<(usize, Vec<String>)>, (usize, &'static str)>;

/// Splits text into records as Go's csv.Reader does: CR LF becomes LF, empty lines are skipped,
/// quoted fields may span lines. Each record comes with the line it starts on.
fn records(text: &str) -> Records {
    let mut lines: Vec<String> = text
        .split_inclusive('\n')
        .map(|l| match l.strip_suffix("\r\n") {
            Some(body) => format!("{body}\n"),
            None => l.to_string(),
        })
        .collect();
    if let Some(last) = lines.last_mut().filter(|l| l.ends_with('\r')) {
        last.pop();
    }
    let mut out = Vec::new();
    let mut idx = 0;
    while idx < lines.len() {
        if lines[idx] == "\n" || lines[idx].is_empty() {
            idx += 1;
            continue;
        }
        let start = idx + 1;
        let mut fields = Vec::new();
        let mut cur: String = lines[idx].clone();
        'fields: loop {
            if let Some(quoted) = cur.strip_prefix('"') {
                let mut field = String::new();
                let mut rest = quoted.to_string();
                loop {
                    if let Some(q) = rest.find('"') {
                        field.push_str(&rest[..q]);
                        let after = rest[q + 1..].to_string();
                        match after.chars().next() {
                            Some('"') => {
                                field.push('"');
                                rest = after[1..].to_string();
                            }
                            Some(',') => {
                                fields.push(field);
                                cur = after[1..].to_string();
                                continue 'fields;
                            }
                            Some('\n') | None => {
                                fields.push(field);
                                break 'fields;
                            }
                            Some(_) => return Err((idx + 1, QUOTE)),
                        }
                    } else {
                        field.push_str(&rest);
                        idx += 1;
                        match lines.get(idx) {
                            Some(next) if !rest.is_empty() => rest = next.clone(),
                            _ => return Err((idx.min(lines.len()), QUOTE)),
                        }
                    }
                }
            }
            let end = cur.find([',', '\n']).unwrap_or(cur.len());
            let field = &cur[..end];
            if field.contains('"') {
                return Err((idx + 1, BARE_QUOTE));
            }
            fields.push(field.to_string());
            if cur[end..].starts_with(',') {
                cur = cur[end + 1..].to_string();
            } else {
                break;
            }
        }
        out.push((start, fields));
        idx += 1;
    }
    Ok(out)
}

/// `csvdecode(str)`: the first row names the columns; each later row becomes an object.
pub(crate) fn csvdecode(args: &[Value]) -> FnResult {
    let text = str_arg(args, 0)?;
    let parse_error = |(line, why): (usize, &str)| FnError::at(0, format!("CSV parse error on line {line}: {why}"));
    let mut rows = records(&text).map_err(parse_error)?.into_iter();
    let Some((_, headers)) = rows.next() else {
        return Err(FnError::at(0, "missing header line"));
    };
    for (i, name) in headers.iter().enumerate() {
        if headers[..i].contains(name) {
            return Err(FnError::at(0, format!("duplicate column name {name:?}")));
        }
    }
    let mut out = Vec::new();
    for (line, fields) in rows {
        if fields.len() != headers.len() {
            return Err(parse_error((line, "wrong number of fields")));
        }
        let row: BTreeMap<String, Value> = headers.iter().cloned().zip(fields.into_iter().map(Value::String)).collect();
        out.push(Value::Object(row));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::s;

    fn row(pairs: &[(&str, &str)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect())
    }

    #[test]
    fn documented_example() {
        let got = csvdecode(&[s("a,b,c\n1,2,3\n4,5,6")]);
        let want = Value::List(vec![row(&[("a", "1"), ("b", "2"), ("c", "3")]), row(&[("a", "4"), ("b", "5"), ("c", "6")])]);
        assert_eq!(got, Ok(want));
    }

    #[test]
    fn quoting_and_line_endings() {
        let got = csvdecode(&[s("name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\r\n\r\nx,\"two\r\nlines\"\r\n")]);
        let want = Value::List(vec![row(&[("name", "Smith, J"), ("note", "said \"hi\"")]), row(&[("name", "x"), ("note", "two\nlines")])]);
        assert_eq!(got, Ok(want));
        assert_eq!(csvdecode(&[s("a,b\n")]), Ok(Value::List(vec![])));
        assert_eq!(csvdecode(&[s("a,b\n,\n")]), Ok(Value::List(vec![row(&[("a", ""), ("b", "")])])));
    }

    #[test]
    fn errors() {
        assert_eq!(csvdecode(&[s("")]).unwrap_err().message, "missing header line");
        assert_eq!(csvdecode(&[s("a,b\n1,2,3\n")]).unwrap_err().message, "CSV parse error on line 2: wrong number of fields");
        assert_eq!(csvdecode(&[s("a,a\n1,2\n")]).unwrap_err().message, "duplicate column name \"a\"");
        assert_eq!(csvdecode(&[s("a\nx\"y\n")]).unwrap_err().message, "CSV parse error on line 2: bare \" in non-quoted-field");
        assert_eq!(
            csvdecode(&[s("a\n\"x\"y\n")]).unwrap_err().message,
            "CSV parse error on line 2: extraneous or missing \" in quoted-field"
        );
        assert!(csvdecode(&[s("a\n\"unterminated\n")]).is_err());
    }
}
