//! Shared argument helpers: HCL's automatic conversions and cty's error messages for bad arguments.

use crate::frontend::value::{Value, format_number};

use super::FnError;

/// "argument 2" for the 0-based index 1: messages count from one, `FnError::arg` from zero.
pub(crate) fn argname(i: usize) -> String {
    format!("argument {}", i + 1)
}

/// The argument at `i`, which must not be null.
pub(crate) fn arg(args: &[Value], i: usize) -> Result<&Value, FnError> {
    match args.get(i) {
        None => Err(FnError::new(format!("missing {}", argname(i)))),
        Some(Value::Null) => Err(FnError::at(i, format!("{} must not be null", argname(i)))),
        Some(v) => Ok(v),
    }
}

fn wrong_type(i: usize, want: &str, got: &Value) -> FnError {
    FnError::at(i, format!("{} must be {want}, got {}", argname(i), got.type_name()))
}

/// Converts a primitive to a string as cty does (numbers in decimal, bools as words).
pub(crate) fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => v.to_template_string(),
        _ => None,
    }
}

/// Parses a string as cty does when converting it to a number (decimal notation only).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body == "Inf" || body == "inf" {
        return Some(if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if mantissa_ok && exponent_ok { s.parse().ok() } else { None }
}

/// A string argument; numbers and bools convert as in HCL.
pub(crate) fn str_arg(args: &[Value], i: usize) -> Result<String, FnError> {
    let v = arg(args, i)?;
    as_string(v).ok_or_else(|| wrong_type(i, "a string", v))
}

/// A number argument; strings holding decimal numbers convert as in HCL.
pub(crate) fn num_arg(args: &[Value], i: usize) -> Result<f64, FnError> {
    match arg(args, i)? {
        Value::Number(n) => Ok(*n),
        Value::String(s) => parse_number(s).ok_or_else(|| FnError::at(i, format!("{} must be a number, got string {s:?}", argname(i)))),
        v => Err(wrong_type(i, "a number", v)),
    }
}

/// A whole-number argument (cty's conversion of a number to a Go int).
pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, FnError> {
    let n = num_arg(args, i)?;
    whole(n).ok_or_else(|| {
        let shown = format_number(n);
        FnError::at(i, format!("{} must be a whole number, got {shown}", argname(i)))
    })
}

/// `n` as an i64 when it is a whole number in range.
pub(crate) fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 9.2e18).then_some(n as i64)
}

/// Converts to a bool as cty does: the strings "true"/"1" and "false"/"0" are accepted.
pub(crate) fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" || s == "1" => Some(true),
        Value::String(s) if s == "false" || s == "0" => Some(false),
        _ => None,
    }
}

/// A bool argument, converted by `as_bool`.
pub(crate) fn bool_arg(args: &[Value], i: usize) -> Result<bool, FnError> {
    let v = arg(args, i)?;
    as_bool(v).ok_or_else(|| wrong_type(i, "a bool", v))
}

/// A list (or tuple, or set) argument.
pub(crate) fn list_arg(args: &[Value], i: usize) -> Result<&[Value], FnError> {
    match arg(args, i)? {
        Value::List(items) => Ok(items),
        v => Err(wrong_type(i, "a list", v)),
    }
}

/// A list(string) argument: elements convert to strings; null elements stay None.
pub(crate) fn string_elems(args: &[Value], i: usize) -> Result<Vec<Option<String>>, FnError> {
    let items = list_arg(args, i)?;
    let mut out = Vec::with_capacity(items.len());
    for (k, item) in items.iter().enumerate() {
        match item {
            Value::Null => out.push(None),
            v => out.push(Some(as_string(v).ok_or_else(|| {
                let what = v.type_name();
                FnError::at(i, format!("{} element {k} must be a string, got {what}", argname(i)))
            })?)),
        }
    }
    Ok(out)
}

/// Gives a sequence of values one element type, as cty's conversion to a list or set does:
/// mixed primitives all become strings; primitives mixed with collections cannot unify.
pub(crate) fn unify(vals: &[Value]) -> Option<Vec<Value>> {
    let has = |pred: fn(&Value) -> bool| vals.iter().any(pred);
    let prims = [has(|v| matches!(v, Value::String(_))), has(|v| matches!(v, Value::Number(_))), has(|v| matches!(v, Value::Bool(_)))];
    let prim_kinds = prims.iter().filter(|p| **p).count();
    let lists = has(|v| matches!(v, Value::List(_)));
    let objects = has(|v| matches!(v, Value::Object(_)));
    if (prim_kinds > 0 && (lists || objects)) || (lists && objects) {
        return None;
    }
    if prim_kinds > 1 {
        return Some(vals.iter().map(|v| as_string(v).map_or(Value::Null, Value::String)).collect());
    }
    Some(vals.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_conversion_and_errors() {
        let args = [Value::Number(3.0), Value::Bool(true), Value::List(vec![]), Value::Null];
        assert_eq!(str_arg(&args, 0), Ok("3".to_string()));
        assert_eq!(str_arg(&args, 1), Ok("true".to_string()));
        let e = str_arg(&args, 2).unwrap_err();
        assert_eq!((e.message.as_str(), e.arg), ("argument 3 must be a string, got list", Some(2)));
        assert_eq!(str_arg(&args, 3).unwrap_err().message, "argument 4 must not be null");
        assert_eq!(str_arg(&args, 9).unwrap_err().message, "missing argument 10");
    }

    #[test]
    fn number_conversion() {
        assert_eq!(parse_number("1.5e3"), Some(1500.0));
        assert_eq!(parse_number("-.5"), Some(-0.5));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("1e"), None);
        assert_eq!(num_arg(&[Value::from("12")], 0), Ok(12.0));
        assert!(num_arg(&[Value::from("x")], 0).is_err());
        assert_eq!(int_arg(&[Value::Number(1.5)], 0).unwrap_err().message, "argument 1 must be a whole number, got 1.5");
        assert_eq!(bool_arg(&[Value::from("false")], 0), Ok(false));
        assert!(bool_arg(&[Value::Number(1.0)], 0).is_err());
    }

    #[test]
    fn unify_mixed_primitives() {
        let mixed = [Value::from("a"), Value::Number(1.0), Value::Null];
        assert_eq!(unify(&mixed), Some(vec![Value::from("a"), Value::from("1"), Value::Null]));
        assert_eq!(unify(&[Value::from("a"), Value::List(vec![])]), None);
        let nums = [Value::Number(1.0), Value::Number(2.0)];
        assert_eq!(unify(&nums), Some(nums.to_vec()));
    }
}
