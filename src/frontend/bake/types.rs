//! Variable type constraints (`type = list(string)`) and converting values, or environment
//! strings, to them the way cty does.

use std::collections::BTreeMap;

use crate::frontend::syntax::{Expr, ExprKind};
use crate::frontend::value::Value;

/// A variable's declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum VarType {
    Any,
    String,
    Number,
    Bool,
    List(Box<VarType>),
    Set(Box<VarType>),
    Map(Box<VarType>),
    Tuple(Vec<VarType>),
    Object(BTreeMap<String, VarType>),
}

impl VarType {
    /// Reads a type expression: `string`, `list(number)`, `object({ a = string })`, ...
    pub fn from_expr(expr: &Expr) -> Result<VarType, String> {
        match &expr.kind {
            ExprKind::Var(name) => match name.as_str() {
                "any" => Ok(VarType::Any),
                "string" => Ok(VarType::String),
                "number" => Ok(VarType::Number),
                "bool" => Ok(VarType::Bool),
                other => Err(format!(
                    "unknown type `{other}` (expected string, number, bool, any, list(T), set(T), map(T), tuple([...]), object({{...}}))"
                )),
            },
            ExprKind::Call { name, args, .. } if args.len() == 1 => {
                let arg = &args[0];
                match name.as_str() {
                    "list" => Ok(VarType::List(Box::new(VarType::from_expr(arg)?))),
                    "set" => Ok(VarType::Set(Box::new(VarType::from_expr(arg)?))),
                    "map" => Ok(VarType::Map(Box::new(VarType::from_expr(arg)?))),
                    "tuple" => match &arg.kind {
                        ExprKind::Array(items) => Ok(VarType::Tuple(items.iter().map(VarType::from_expr).collect::<Result<_, _>>()?)),
                        _ => Err("tuple([...]) takes a list of types".into()),
                    },
                    "object" => match &arg.kind {
                        ExprKind::Object(items) => {
                            let mut fields = BTreeMap::new();
                            for (k, v) in items {
                                let ExprKind::Literal(Value::String(key)) = &k.kind else {
                                    return Err("object({...}) keys must be names".into());
                                };
                                fields.insert(key.clone(), VarType::from_expr(v)?);
                            }
                            Ok(VarType::Object(fields))
                        }
                        _ => Err("object({...}) takes an object of types".into()),
                    },
                    other => Err(format!("unknown type constructor `{other}`")),
                }
            }
            _ => Err("not a type: expected string, number, bool, any, list(T), set(T), map(T), tuple([...]) or object({...})".into()),
        }
    }

    /// The type implied by a default value, used to parse environment overrides of untyped variables.
    pub fn of_value(value: &Value) -> VarType {
        match value {
            Value::Bool(_) => VarType::Bool,
            Value::Number(_) => VarType::Number,
            Value::List(_) | Value::Object(_) => VarType::Any,
            _ => VarType::String,
        }
    }

    fn is_primitive(&self) -> bool {
        matches!(self, VarType::String | VarType::Number | VarType::Bool)
    }

    /// Parses a string from the environment or `--var` as this type: primitives directly, lists
    /// and sets of primitives as CSV, anything else as JSON.
    pub fn parse_text(&self, text: &str) -> Result<Value, String> {
        match self {
            VarType::String => Ok(Value::String(text.to_string())),
            VarType::Any => Err("a variable of type `any` can only be overridden with NAME_JSON".into()),
            VarType::Number => parse_number(text).map(Value::Number).ok_or_else(|| format!("{text:?} is not a number")),
            VarType::Bool => parse_bool(text).map(Value::Bool).ok_or_else(|| format!("{text:?} is not a bool (true/false/1/0)")),
            _ if text.is_empty() => Err(format!("an empty value is not a {}", self.name())),
            VarType::List(inner) | VarType::Set(inner) if inner.is_primitive() => {
                let items = crate::frontend::csv::split(text);
                let parsed = items.iter().map(|i| inner.parse_text(i)).collect::<Result<_, _>>()?;
                self.convert(Value::List(parsed))
            }
            VarType::Tuple(types) if types.iter().all(VarType::is_primitive) => {
                let items = crate::frontend::csv::split(text);
                if items.len() != types.len() {
                    return Err(format!("{} expects {} elements but {} were given", self.name(), types.len(), items.len()));
                }
                types.iter().zip(&items).map(|(t, i)| t.parse_text(i)).collect::<Result<_, _>>().map(Value::List)
            }
            VarType::Map(inner) if inner.is_primitive() => {
                let mut map = BTreeMap::new();
                for pair in crate::frontend::csv::split(text) {
                    let (k, v) = pair.split_once(':').ok_or_else(|| format!("map entries are KEY:VALUE, got {pair:?}"))?;
                    map.insert(k.to_string(), inner.parse_text(v)?);
                }
                Ok(Value::Object(map))
            }
            _ => Err(format!("a {} cannot be given as text; set NAME_JSON to a JSON value instead", self.name())),
        }
    }

    /// Converts a value to this type (cty's safe conversions), or says why it can't.
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        match (self, value) {
            (VarType::Any, v) | (_, v @ Value::Null) => Ok(v),
            (VarType::String, v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                Ok(Value::String(v.to_template_string().unwrap_or_default()))
            }
            (VarType::Number, Value::Number(n)) => Ok(Value::Number(n)),
            (VarType::Number, Value::String(s)) => s.trim().parse().map(Value::Number).map_err(|_| format!("{s:?} is not a number")),
            (VarType::Bool, Value::Bool(b)) => Ok(Value::Bool(b)),
            (VarType::Bool, Value::String(s)) => parse_bool(&s).map(Value::Bool).ok_or_else(|| format!("{s:?} is not a bool")),
            (VarType::List(t) | VarType::Set(t), Value::List(items)) => {
                let mut out: Vec<Value> = items.into_iter().map(|i| t.convert(i)).collect::<Result<_, _>>()?;
                if matches!(self, VarType::Set(_)) {
                    let mut unique = Vec::new();
                    out.retain(|v| {
                        if unique.contains(v) {
                            false
                        } else {
                            unique.push(v.clone());
                            true
                        }
                    });
                }
                Ok(Value::List(out))
            }
            (VarType::Tuple(ts), Value::List(items)) if ts.len() == items.len() => {
                ts.iter().zip(items).map(|(t, v)| t.convert(v)).collect::<Result<_, _>>().map(Value::List)
            }
            (VarType::Map(t), Value::Object(map)) => {
                map.into_iter().map(|(k, v)| Ok((k, t.convert(v)?))).collect::<Result<_, String>>().map(Value::Object)
            }
            (VarType::Object(fields), Value::Object(mut map)) => {
                let mut out = BTreeMap::new();
                for (k, t) in fields {
                    out.insert(k.clone(), t.convert(map.remove(k).unwrap_or(Value::Null))?);
                }
                Ok(Value::Object(out))
            }
            (t, v) => Err(format!("a {} cannot be converted to {}", v.type_name(), t.name())),
        }
    }

    pub fn name(&self) -> String {
        match self {
            VarType::Any => "any".into(),
            VarType::String => "string".into(),
            VarType::Number => "number".into(),
            VarType::Bool => "bool".into(),
            VarType::List(t) => format!("list({})", t.name()),
            VarType::Set(t) => format!("set({})", t.name()),
            VarType::Map(t) => format!("map({})", t.name()),
            VarType::Tuple(ts) => format!("tuple([{}])", ts.iter().map(VarType::name).collect::<Vec<_>>().join(", ")),
            VarType::Object(fs) => {
                format!("object({{{}}})", fs.iter().map(|(k, t)| format!("{k} = {}", t.name())).collect::<Vec<_>>().join(", "))
            }
        }
    }
}

/// Go's strconv.ParseBool.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A decimal number as go-cty parses one (`-1.5e3`): no NaN or infinity, no spaces.
pub fn parse_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let mantissa = digits.split(['e', 'E']).next().unwrap_or("");
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let well_formed = plain(whole) && plain(fraction) && !(whole.is_empty() && fraction.is_empty());
    well_formed.then(|| text.parse::<f64>().ok()).flatten().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_environment_text_by_type() {
        assert_eq!(VarType::Bool.parse_text("1"), Ok(Value::Bool(true)));
        assert_eq!(VarType::Number.parse_text("2.5"), Ok(Value::Number(2.5)));
        assert!(VarType::Number.parse_text("x").is_err());
        let list = VarType::List(Box::new(VarType::String));
        assert_eq!(list.parse_text("a,b"), Ok(Value::List(vec!["a".into(), "b".into()])));
        assert!(list.parse_text("").is_err());
        let map = VarType::Map(Box::new(VarType::Number));
        let parsed = map.parse_text("a:1,b:2");
        assert_eq!(parsed.map(|v| v.to_json()), Ok(serde_json::json!({"a": 1, "b": 2})));
        assert!(map.parse_text("a:x").is_err());
        assert!(VarType::Any.parse_text("x").is_err());
    }
}
