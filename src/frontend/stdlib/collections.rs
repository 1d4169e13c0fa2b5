//! Map and general collection functions: keys, values, lookup, merge, zipmap, index, length...

use crate::frontend::value::Value;

use super::{FnError, FnResult, arg, list_arg, str_arg, string_elems, unify, whole};
use std::collections::BTreeMap;

/// `coalesce(vals...)`: the first non-null argument, converted to the arguments' common type.
pub(crate) fn coalesce(args: &[Value]) -> FnResult {
    let unified = unify(args).ok_or_else(|| FnError::new("all arguments must have the same type"))?;
    unified.into_iter().find(|v| !v.is_null()).ok_or_else(|| FnError::new("no non-null arguments"))
}

/// `coalescelist(lists...)`: the first argument that is a non-empty list.
pub(crate) fn coalescelist(args: &[Value]) -> FnResult {
    for (i, v) in args.iter().enumerate() {
        match v {
            Value::Null => {}
            Value::List(items) if !items.is_empty() => return Ok(v.clone()),
            Value::List(_) => {}
            _ => return Err(FnError::at(i, "coalescelist arguments must be lists or tuples")),
        }
    }
    Err(FnError::new("no non-null arguments"))
}

pub(crate) fn equal(args: &[Value]) -> FnResult {
    Ok(Value::Bool(args.first() == args.get(1)))
}

pub(crate) fn notequal(args: &[Value]) -> FnResult {
    Ok(Value::Bool(args.first() != args.get(1)))
}

/// The element of a list at a numeric key or of a map at a string key, if there is one.
fn index_of<'a>(coll: &'a Value, key: &Value) -> Option<&'a Value> {
    match (coll, key) {
        (Value::List(items), Value::Number(n)) => whole(*n).and_then(|i| usize::try_from(i).ok()).and_then(|i| items.get(i)),
        (Value::Object(map), Value::String(k)) => map.get(k),
        _ => None,
    }
}

fn check_collection(args: &[Value]) -> Result<&Value, FnError> {
    let coll = arg(args, 0)?;
    match coll {
        Value::List(_) | Value::Object(_) => Ok(coll),
        _ => Err(FnError::at(0, "collection must be a list, a map or a tuple")),
    }
}

/// `hasindex(collection, key)`.
pub(crate) fn hasindex(args: &[Value]) -> FnResult {
    let coll = check_collection(args)?;
    let key = arg(args, 1)?;
    Ok(Value::Bool(index_of(coll, key).is_some()))
}

/// `index(collection, key)`: like `collection[key]`, failing when there is no such element.
pub(crate) fn index(args: &[Value]) -> FnResult {
    let coll = check_collection(args)?;
    let key = arg(args, 1)?;
    match (coll, key) {
        (Value::List(_), Value::String(_) | Value::Bool(_) | Value::List(_) | Value::Object(_)) => {
            return Err(FnError::at(1, "key for list must be number"));
        }
        (Value::Object(_), Value::Number(_) | Value::Bool(_) | Value::List(_) | Value::Object(_)) => {
            return Err(FnError::at(1, "key for map must be string"));
        }
        _ => {}
    }
    index_of(coll, key).cloned().ok_or_else(|| FnError::new("invalid index"))
}

/// `length(collection)`: elements of a list or attributes of a map.
pub(crate) fn length(args: &[Value]) -> FnResult {
    match arg(args, 0)? {
        Value::List(items) => Ok(Value::Number(items.len() as f64)),
        Value::Object(map) => Ok(Value::Number(map.len() as f64)),
        _ => Err(FnError::at(0, "collection must be a list, a map or a tuple")),
    }
}

fn need_map(args: &[Value], msg: &str) -> Result<BTreeMap<String, Value>, FnError> {
    match arg(args, 0)? {
        Value::Object(map) => Ok(map.clone()),
        _ => Err(FnError::at(0, msg)),
    }
}

/// `keys(map)`: the keys in lexicographic order.
pub(crate) fn keys(args: &[Value]) -> FnResult {
    let map = need_map(args, "must have map or object type")?;
    Ok(Value::List(map.into_keys().map(Value::String).collect()))
}

/// `values(map)`: the values, ordered by key.
pub(crate) fn values(args: &[Value]) -> FnResult {
    let map = need_map(args, "values() requires a map as the first argument")?;
    Ok(Value::List(map.into_values().collect()))
}

/// `lookup(map, key, default)`.
pub(crate) fn lookup(args: &[Value]) -> FnResult {
    let map = need_map(args, "lookup() requires a map as the first argument")?;
    let key = str_arg(args, 1)?;
    match map.get(&key) {
        Some(v) => Ok(v.clone()),
        None => Ok(args.get(2).cloned().unwrap_or(Value::Null)),
    }
}

/// `merge(maps...)`: later maps' attributes win; null arguments are skipped.
pub(crate) fn merge(args: &[Value]) -> FnResult {
    let mut out = BTreeMap::new();
    for (i, v) in args.iter().enumerate() {
        match v {
            Value::Null => {}
            Value::Object(map) => out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone()))),
            other => {
                let got = other.type_name();
                return Err(FnError::at(i, format!("arguments must be maps or objects, got \"{got}\"")));
            }
        }
    }
    Ok(Value::Object(out))
}

/// `zipmap(keys, values)`.
pub(crate) fn zipmap(args: &[Value]) -> FnResult {
    let keys = string_elems(args, 0)?;
    let values = list_arg(args, 1).map_err(|e| FnError { message: "values argument must be a list or tuple value".into(), arg: e.arg })?;
    if keys.len() != values.len() {
        let (k, v) = (keys.len(), values.len());
        return Err(FnError::new(format!("number of keys ({k}) does not match number of values ({v})")));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in keys.into_iter().zip(values).enumerate() {
        let k = k.ok_or_else(|| FnError::at(0, format!("keys list has null value at index {i}")))?;
        out.insert(k, v.clone());
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{n, s};

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn coalescing() {
        assert_eq!(coalesce(&[s("a"), s("b")]), Ok(s("a")));
        assert_eq!(coalesce(&[Value::Null, s("b")]), Ok(s("b")));
        assert_eq!(coalesce(&[n(1.0), s("b")]), Ok(s("1")));
        assert_eq!(coalesce(&[Value::Null]).unwrap_err().message, "no non-null arguments");
        assert!(coalesce(&[s("a"), Value::List(vec![])]).is_err());
        let ab = Value::List(vec![s("a"), s("b")]);
        assert_eq!(coalescelist(&[Value::List(vec![]), ab.clone()]), Ok(ab));
        assert!(coalescelist(&[Value::List(vec![])]).is_err());
        assert!(coalescelist(&[s("x")]).is_err());
    }

    #[test]
    fn equality() {
        assert_eq!(equal(&[n(1.0), n(1.0)]), Ok(Value::Bool(true)));
        assert_eq!(equal(&[n(1.0), s("1")]), Ok(Value::Bool(false)));
        assert_eq!(equal(&[Value::Null, Value::Null]), Ok(Value::Bool(true)));
        assert_eq!(notequal(&[s("a"), s("b")]), Ok(Value::Bool(true)));
    }

    #[test]
    fn indexing() {
        let list = Value::List(vec![s("a"), s("b")]);
        assert_eq!(hasindex(&[list.clone(), n(1.0)]), Ok(Value::Bool(true)));
        assert_eq!(hasindex(&[list.clone(), n(2.0)]), Ok(Value::Bool(false)));
        assert_eq!(hasindex(&[obj(&[("a", n(1.0))]), s("a")]), Ok(Value::Bool(true)));
        assert!(hasindex(&[s("x"), n(0.0)]).is_err());
        assert_eq!(index(&[list.clone(), n(1.0)]), Ok(s("b")));
        assert_eq!(index(&[list.clone(), n(5.0)]).unwrap_err().message, "invalid index");
        assert!(index(&[list, s("a")]).is_err());
        assert_eq!(index(&[obj(&[("a", n(1.0))]), s("a")]), Ok(n(1.0)));
    }

    #[test]
    fn lengths() {
        assert_eq!(length(&[Value::List(vec![n(1.0), n(2.0)])]), Ok(n(2.0)));
        assert_eq!(length(&[obj(&[("a", n(1.0))])]), Ok(n(1.0)));
        assert!(length(&[s("abc")]).is_err());
    }

    #[test]
    fn keys_values_lookup() {
        let m = obj(&[("b", n(2.0)), ("a", n(1.0)), ("c", n(3.0))]);
        assert_eq!(keys(std::slice::from_ref(&m)), Ok(Value::List(vec![s("a"), s("b"), s("c")])));
        assert_eq!(values(std::slice::from_ref(&m)), Ok(Value::List(vec![n(1.0), n(2.0), n(3.0)])));
        assert!(keys(&[Value::List(vec![])]).is_err());
        assert!(values(&[s("x")]).is_err());
        assert_eq!(lookup(&[m.clone(), s("a"), s("what?")]), Ok(n(1.0)));
        assert_eq!(lookup(&[m, s("z"), s("what?")]), Ok(s("what?")));
        assert!(lookup(&[s("x"), s("a"), s("d")]).is_err());
    }

    #[test]
    fn merging_and_zipping() {
        let a = obj(&[("a", s("b")), ("c", s("d"))]);
        let b = obj(&[("e", s("f")), ("c", s("z"))]);
        assert_eq!(merge(&[a, Value::Null, b]), Ok(obj(&[("a", s("b")), ("c", s("z")), ("e", s("f"))])));
        assert_eq!(merge(&[]), Ok(obj(&[])));
        assert!(merge(&[Value::List(vec![])]).is_err());
        let keys = Value::List(vec![s("a"), s("b")]);
        let got = zipmap(&[keys.clone(), Value::List(vec![n(1.0), n(2.0)])]);
        assert_eq!(got, Ok(obj(&[("a", n(1.0)), ("b", n(2.0))])));
        let e = zipmap(&[keys, Value::List(vec![n(1.0)])]).unwrap_err();
        assert_eq!(e.message, "number of keys (2) does not match number of values (1)");
    }
}
