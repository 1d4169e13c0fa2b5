//! Operators, indexing and conversions with HCL's rules (numbers and bools convert from strings).

use crate::diag::{Diagnostic, did_you_mean};
use crate::frontend::syntax::{BinaryOp, UnaryOp};
use crate::frontend::value::Value;
use crate::source::Span;

fn type_error(expected: &str, got: &Value, span: Span) -> Diagnostic {
    Diagnostic::error("spec::type", format!("expected {expected}, got {}", got.type_name()))
        .with_label(span, format!("this is {}", describe(got)))
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => format!("the string {s:?}"),
        other => format!("a {}", other.type_name()),
    }
}

/// A condition's truth: a bool, or the strings "true"/"false" (cty converts them).
pub fn truthy(value: &Value, span: Span) -> Result<bool, Diagnostic> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(type_error("a bool", other, span)),
    }
}

/// A number, or a string that parses as one (cty's conversion).
pub fn number(value: &Value, span: Span) -> Result<f64, Diagnostic> {
    match value {
        Value::Number(n) => Ok(*n),
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| type_error("a number", value, span)),
        other => Err(type_error("a number", other, span)),
    }
}

pub fn unary(op: UnaryOp, value: Value, span: Span) -> Result<Value, Diagnostic> {
    match op {
        UnaryOp::Neg => Ok(Value::Number(-number(&value, span)?)),
        UnaryOp::Not => Ok(Value::Bool(!truthy(&value, span)?)),
    }
}

/// `false && x` and `true || x` decide without evaluating `x`.
pub fn short_circuit(op: BinaryOp, lhs: &Value, span: Span) -> Result<Option<Value>, Diagnostic> {
    Ok(match op {
        BinaryOp::And if !truthy(lhs, span)? => Some(Value::Bool(false)),
        BinaryOp::Or if truthy(lhs, span)? => Some(Value::Bool(true)),
        _ => None,
    })
}

pub fn binary(op: BinaryOp, l: Value, r: Value, ls: Span, rs: Span) -> Result<Value, Diagnostic> {
    use BinaryOp::*;
    Ok(match op {
        Eq => Value::Bool(l == r),
        NotEq => Value::Bool(l != r),
        And | Or => Value::Bool(truthy(&r, rs)?),
        Lt | LtEq | Gt | GtEq => {
            let (a, b) = (number(&l, ls)?, number(&r, rs)?);
            Value::Bool(match op {
                Lt => a < b,
                LtEq => a <= b,
                Gt => a > b,
                _ => a >= b,
            })
        }
        Add | Sub | Mul | Div | Mod => {
            let (a, b) = (number(&l, ls)?, number(&r, rs)?);
            if matches!(op, Div | Mod) && b == 0.0 {
                return Err(Diagnostic::error("spec::divide-by-zero", "division by zero").with_label(rs, "this is zero"));
            }
            Value::Number(match op {
                Add => a + b,
                Sub => a - b,
                Mul => a * b,
                Div => a / b,
                _ => a % b,
            })
        }
    })
}

/// `value.name` on an object.
pub fn get_attr(value: Value, name: &str, span: Span) -> Result<Value, Diagnostic> {
    match value {
        Value::Object(mut map) => match map.remove(name) {
            Some(v) => Ok(v),
            None => {
                let help = did_you_mean(name, map.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
                Err(Diagnostic::error("spec::unknown-attribute", format!("this object has no attribute `{name}`"))
                    .with_label(span, "no such attribute")
                    .with_help_opt(help))
            }
        },
        other => Err(Diagnostic::error("spec::type", format!("cannot read attribute `{name}` of {}", describe(&other)))
            .with_label(span, "not an object")),
    }
}

/// `value[key]` on a list (number) or object (string).
pub fn index(value: Value, key: &Value, span: Span) -> Result<Value, Diagnostic> {
    match value {
        Value::List(mut items) => {
            let i = number(key, span)?;
            if i.fract() != 0.0 || i < 0.0 || i as usize >= items.len() {
                return Err(Diagnostic::error(
                    "spec::index",
                    format!("index {} out of range for a list of {} element(s)", key, items.len()),
                )
                .with_label(span, "out of range"));
            }
            Ok(items.swap_remove(i as usize))
        }
        Value::Object(map) => {
            let k = key.to_template_string().ok_or_else(|| type_error("a string key", key, span))?;
            get_attr(Value::Object(map), &k, span)
        }
        other => {
            Err(Diagnostic::error("spec::type", format!("cannot index {}", describe(&other))).with_label(span, "not a list or object"))
        }
    }
}

/// The (key, value) pairs a for-expression iterates: list indexes or sorted object keys.
pub fn iterate(collection: Value, span: Span) -> Result<Vec<(Value, Value)>, Diagnostic> {
    match collection {
        Value::List(items) => Ok(items.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect()),
        Value::Object(map) => Ok(map.into_iter().map(|(k, v)| (Value::String(k), v)).collect()),
        other => Err(type_error("a list or object to iterate", &other, span)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_converts_numeric_strings() {
        let s = Span::default();
        let v = binary(BinaryOp::Add, Value::from("2"), Value::Number(3.0), s, s).ok();
        assert_eq!(v, Some(Value::Number(5.0)));
        assert!(binary(BinaryOp::Div, Value::Number(1.0), Value::Number(0.0), s, s).is_err());
        assert!(binary(BinaryOp::Add, Value::from("x"), Value::Number(3.0), s, s).is_err());
    }

    #[test]
    fn indexing_checks_bounds() {
        let s = Span::default();
        let list = Value::List(vec![Value::from("a"), Value::from("b")]);
        assert_eq!(index(list.clone(), &Value::Number(1.0), s).ok(), Some(Value::from("b")));
        assert!(index(list, &Value::Number(2.0), s).is_err());
    }
}
