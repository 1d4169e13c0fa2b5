//! Encoding functions: base64, URL query escaping, and the bytes-buffer functions.

use crate::frontend::value::Value;

use super::{FnError, FnResult, arg, str_arg};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Go's `base64.StdEncoding`: padding required, non-zero trailing bits tolerated.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true).with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

pub(crate) fn base64encode(args: &[Value]) -> FnResult {
    Ok(Value::String(GO_STD.encode(str_arg(args, 0)?)))
}

/// `base64decode(str)`: the decoded bytes must be UTF-8 text. Line breaks are ignored, as Go does.
pub(crate) fn base64decode(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let bytes = GO_STD.decode(cleaned.as_bytes()).map_err(|_| FnError::at(0, format!("failed to decode base64 data '{s}'")))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| FnError::at(0, "the result of decoding the the provided string is not valid UTF-8"))
}

/// `urlencode(str)`, like Go's `url.QueryEscape` (spaces become `+`).
pub(crate) fn urlencode(args: &[Value]) -> FnResult {
    let s = str_arg(args, 0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::String(out))
}

fn not_bytes(args: &[Value]) -> FnError {
    match arg(args, 0) {
        Err(e) => e,
        Ok(v) => FnError::at(0, format!("argument 1 must be a bytes buffer, got {}", v.type_name())),
    }
}

/// `byteslen(buf)`: cty's bytes buffers cannot be produced by any bake expression, so, as in
/// bake, every call fails with a type error.
pub(crate) fn byteslen(args: &[Value]) -> FnResult {
    Err(not_bytes(args))
}

/// `bytesslice(buf, offset, length)`: fails for every argument, like `byteslen`.
pub(crate) fn bytesslice(args: &[Value]) -> FnResult {
    Err(not_bytes(args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::s;

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64encode(&[s("Hello World")]), Ok(s("SGVsbG8gV29ybGQ=")));
        assert_eq!(base64decode(&[s("SGVsbG8gV29ybGQ=")]), Ok(s("Hello World")));
        assert_eq!(base64decode(&[s("SGVsbG8g\nV29ybGQ=")]), Ok(s("Hello World")));
        assert_eq!(base64encode(&[s("")]), Ok(s("")));
    }

    #[test]
    fn base64_errors() {
        assert_eq!(base64decode(&[s("SGVsbG8gV29ybGQ")]).unwrap_err().message, "failed to decode base64 data 'SGVsbG8gV29ybGQ'");
        assert!(base64decode(&[s("not base64!")]).is_err());
        assert!(base64decode(&[s("/w==")]).is_err());
        assert!(base64encode(&[Value::List(vec![])]).is_err());
    }

    #[test]
    fn url_encoding() {
        assert_eq!(urlencode(&[s("Hello World!")]), Ok(s("Hello+World%21")));
        assert_eq!(urlencode(&[s("☃")]), Ok(s("%E2%98%83")));
        assert_eq!(urlencode(&[s("foo:bar@localhost?foo=bar&bar=baz")]), Ok(s("foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz")));
        assert_eq!(urlencode(&[s("a-b_c.d~e")]), Ok(s("a-b_c.d~e")));
    }

    #[test]
    fn bytes_functions_always_fail() {
        assert_eq!(byteslen(&[s("abc")]).unwrap_err().message, "argument 1 must be a bytes buffer, got string");
        assert!(bytesslice(&[s("abc"), Value::Number(0.0), Value::Number(1.0)]).is_err());
    }
}
