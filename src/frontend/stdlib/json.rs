//! JSON functions: `jsonencode` (Go's encoding: sorted keys, HTML-safe escapes) and `jsondecode`.

use crate::frontend::value::{Value, format_number};

use super::{FnError, FnResult, str_arg};
use std::collections::BTreeMap;

/// Quotes a string as Go's `json.Marshal` does (escaping `<`, `>`, `&`, U+2028 and U+2029).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Encodes a value as compact JSON the way cty does; infinities cannot be encoded.
pub(crate) fn encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    encode_into(v, &mut out)?;
    Ok(out)
}

fn encode_into(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if !n.is_finite() => return Err("cannot serialize infinity as JSON".into()),
        Value::Number(n) => out.push_str(&format_number(*n)),
        Value::String(s) => out.push_str(&quote(s)),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_into(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&quote(k));
                out.push(':');
                encode_into(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// `jsonencode(value)`.
pub(crate) fn jsonencode(args: &[Value]) -> FnResult {
    let v = args.first().unwrap_or(&Value::Null);
    encode(v).map(Value::String).map_err(|e| FnError::at(0, e))
}

/// `jsondecode(str)`.
pub(crate) fn jsondecode(args: &[Value]) -> FnResult {
    let text = str_arg(args, 0)?;
    let mut p = Parser { s: text.as_bytes(), pos: 0, depth: 0 };
    let v = p.value().map_err(|e| FnError::at(0, e))?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(FnError::at(0, "extraneous data after JSON object"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn unexpected(&self, context: &str) -> String {
        match std::str::from_utf8(&self.s[self.pos..]).ok().and_then(|r| r.chars().next()) {
            Some(c) => format!("invalid character {c:?} {context}"),
            None => "unexpected end of JSON input".to_string(),
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        let hit = self.s.get(self.pos) == Some(&b);
        self.pos += usize::from(hit);
        hit
    }

    fn value(&mut self) -> Result<Value, String> {
        self.ws();
        self.depth += 1;
        if self.depth > 512 {
            return Err("JSON document nested too deeply".into());
        }
        let v = match self.s.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.literal(),
        };
        self.depth -= 1;
        v
    }

    fn literal(&mut self) -> Result<Value, String> {
        for (word, v) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)] {
            if self.s[self.pos..].starts_with(word.as_bytes()) {
                self.pos += word.len();
                return Ok(v);
            }
        }
        Err(self.unexpected("looking for beginning of value"))
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.pos < p.s.len() && p.s[p.pos].is_ascii_digit() {
                p.pos += 1;
            }
            p.pos > from
        };
        self.pos += usize::from(self.s[self.pos] == b'-');
        if self.s.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return Err(self.unexpected("in numeric literal"));
        }
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.unexpected("after decimal point in numeric literal"));
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.unexpected("in exponent of numeric literal"));
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|e| e.to_string())?;
        text.parse::<f64>().map(Value::Number).map_err(|e| e.to_string())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let hex = self.s.get(self.pos..self.pos + 4).and_then(|h| std::str::from_utf8(h).ok());
        let code = hex.and_then(|h| u32::from_str_radix(h, 16).ok());
        self.pos += 4;
        code.ok_or_else(|| "invalid character in \\u hexadecimal character escape".to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.s.get(self.pos) else {
                return Err("unexpected end of JSON input".into());
            };
            self.pos += 1;
            match b {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let esc = self.s.get(self.pos).copied();
                    self.pos += 1;
                    let c = match esc {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let low = if (0xD800..0xDC00).contains(&hi) && self.s[self.pos..].starts_with(b"\\u") {
                                self.pos += 2;
                                Some(self.hex4()?)
                            } else {
                                None
                            };
                            match low {
                                Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{FFFD}')
                                }
                                Some(lo) => {
                                    out.extend_from_slice("\u{FFFD}".as_bytes());
                                    char::from_u32(lo).unwrap_or('\u{FFFD}')
                                }
                                None => char::from_u32(hi).unwrap_or('\u{FFFD}'),
                            }
                        }
                        _ => return Err("invalid character in string escape code".into()),
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                b if b < 0x20 => return Err("invalid character in string literal".into()),
                b => out.push(b),
            }
        }
    }

    fn array(&mut self) -> Result<Value, String> {
        self.pos += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.value()?);
            if self.eat(b']') {
                return Ok(Value::List(items));
            }
            if !self.eat(b',') {
                return Err(self.unexpected("after array element"));
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.pos += 1;
        let mut map = BTreeMap::new();
        if self.eat(b'}') {
            return Ok(Value::Object(map));
        }
        loop {
            self.ws();
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(self.unexpected("looking for beginning of object key string"));
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return Err(self.unexpected("after object key"));
            }
            let v = self.value()?;
            if map.contains_key(&key) {
                return Err(format!("duplicate {key:?} property in JSON object"));
            }
            map.insert(key, v);
            if self.eat(b'}') {
                return Ok(Value::Object(map));
            }
            if !self.eat(b',') {
                return Err(self.unexpected("after object key:value pair"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::s;

    #[test]
    fn encodes_like_go() {
        let mut obj = BTreeMap::new();
        obj.insert("hello".to_string(), s("world"));
        obj.insert("a".to_string(), Value::List(vec![Value::Number(1.0), Value::Number(2.5), Value::Null]));
        assert_eq!(jsonencode(&[Value::Object(obj)]), Ok(s(r#"{"a":[1,2.5,null],"hello":"world"}"#)));
        assert_eq!(jsonencode(&[s("<a&b>\n")]), Ok(s(r#""\u003ca\u0026b\u003e\n""#)));
        assert_eq!(jsonencode(&[Value::Null]), Ok(s("null")));
        assert_eq!(jsonencode(&[Value::Number(1e21)]), Ok(s("1000000000000000000000")));
        assert!(jsonencode(&[Value::Number(f64::INFINITY)]).is_err());
    }

    #[test]
    fn decodes() {
        let mut obj = BTreeMap::new();
        obj.insert("hello".to_string(), s("world"));
        assert_eq!(jsondecode(&[s(r#"{"hello": "world"}"#)]), Ok(Value::Object(obj)));
        assert_eq!(jsondecode(&[s("true")]), Ok(Value::Bool(true)));
        assert_eq!(jsondecode(&[s(" [1, -2.5e1, null] ")]), Ok(Value::List(vec![Value::Number(1.0), Value::Number(-25.0), Value::Null])));
        assert_eq!(jsondecode(&[s(r#""\u00e9\ud83d\ude00\n""#)]), Ok(s("é😀\n")));
    }

    #[test]
    fn decode_errors() {
        assert_eq!(jsondecode(&[s(r#"{"a":1,"a":2}"#)]).unwrap_err().message, r#"duplicate "a" property in JSON object"#);
        assert_eq!(jsondecode(&[s("")]).unwrap_err().message, "unexpected end of JSON input");
        assert_eq!(jsondecode(&[s("{} x")]).unwrap_err().message, "extraneous data after JSON object");
        assert!(jsondecode(&[s("[1,]")]).is_err());
        assert!(jsondecode(&[s("01")]).is_err());
        assert!(jsondecode(&[s("\"abc")]).is_err());
        assert!(jsondecode(&[s(&"[".repeat(2000))]).is_err());
    }
}
