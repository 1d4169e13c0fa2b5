//! List functions: concat, contains, distinct, element, flatten, range, slice, chunklist...

use crate::frontend::value::Value;

use super::{FnError, FnResult, arg, int_arg, list_arg, num_arg, string_elems, unify};

fn unified(args: &[Value], i: usize) -> Result<Vec<Value>, FnError> {
    unify(list_arg(args, i)?).ok_or_else(|| FnError::at(i, "all elements must have the same type"))
}

/// `chunklist(list, size)`: consecutive chunks of at most `size` elements (`size` 0: one chunk).
pub(crate) fn chunklist(args: &[Value]) -> FnResult {
    let items = unified(args, 0)?;
    let size = int_arg(args, 1).map_err(|e| FnError::at(1, format!("invalid size: {}", e.message)))?;
    let size = usize::try_from(size).map_err(|_| FnError::at(1, "the size argument must be positive"))?;
    if items.is_empty() {
        return Ok(Value::List(vec![]));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items)]));
    }
    Ok(Value::List(items.chunks(size).map(|c| Value::List(c.to_vec())).collect()))
}

/// `compact(list)`: the list of strings without nulls and empty strings.
pub(crate) fn compact(args: &[Value]) -> FnResult {
    let items = string_elems(args, 0)?;
    Ok(Value::List(items.into_iter().flatten().filter(|s| !s.is_empty()).map(Value::String).collect()))
}

/// `concat(lists...)`.
pub(crate) fn concat(args: &[Value]) -> FnResult {
    if args.is_empty() {
        return Err(FnError::new("at least one argument is required"));
    }
    let mut out = Vec::new();
    for (i, v) in args.iter().enumerate() {
        match v {
            Value::List(items) => out.extend(items.iter().cloned()),
            Value::Null => return Err(FnError::at(i, format!("argument {} must not be null", i + 1))),
            other => {
                let got = other.type_name();
                return Err(FnError::at(i, format!("all arguments must be lists or tuples; got {got}")));
            }
        }
    }
    Ok(Value::List(out))
}

/// `contains(list, value)`.
pub(crate) fn contains(args: &[Value]) -> FnResult {
    let Value::List(items) = arg(args, 0)? else {
        return Err(FnError::at(0, "argument must be list, tuple, or set"));
    };
    let needle = arg(args, 1)?;
    Ok(Value::Bool(items.contains(needle)))
}

/// `distinct(list)`: the first occurrence of each element, in order.
pub(crate) fn distinct(args: &[Value]) -> FnResult {
    let mut out: Vec<Value> = Vec::new();
    for v in unified(args, 0)? {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(Value::List(out))
}

/// `element(list, index)`: the index wraps around (modulo the length), negative ones too.
pub(crate) fn element(args: &[Value]) -> FnResult {
    let items = match arg(args, 0)? {
        Value::List(items) => items,
        other => return Err(FnError::at(0, format!("cannot read elements from {}", other.type_name()))),
    };
    let index = int_arg(args, 1).map_err(|e| FnError::at(1, format!("invalid index: {}", e.message)))?;
    if items.is_empty() {
        return Err(FnError::new("cannot use element function with an empty list"));
    }
    let i = index.rem_euclid(items.len() as i64) as usize;
    Ok(items[i].clone())
}

/// `flatten(list)`: nested lists are replaced by their elements, recursively.
pub(crate) fn flatten(args: &[Value]) -> FnResult {
    let Value::List(items) = arg(args, 0)? else {
        return Err(FnError::at(0, "can only flatten lists, sets and tuples"));
    };
    fn walk(items: &[Value], out: &mut Vec<Value>) {
        for v in items {
            match v {
                Value::List(inner) => walk(inner, out),
                v => out.push(v.clone()),
            }
        }
    }
    let mut out = Vec::new();
    walk(items, &mut out);
    Ok(Value::List(out))
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`: at most 1024 numbers.
pub(crate) fn range(args: &[Value]) -> FnResult {
    let nums: Vec<f64> = (0..args.len()).map(|i| num_arg(args, i)).collect::<Result<_, _>>()?;
    let (start, end, step) = match nums.as_slice() {
        [end] => (0.0, *end, if *end < 0.0 { -1.0 } else { 1.0 }),
        [start, end] => (*start, *end, if end < start { -1.0 } else { 1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return Err(FnError::new("must have one, two, or three arguments")),
    };
    if step == 0.0 {
        return Err(FnError::at(2, "step must not be zero"));
    }
    let down = step < 0.0;
    if down && end > start {
        return Err(FnError::at(1, "end must be less than start when step is negative"));
    }
    if !down && end < start {
        return Err(FnError::at(1, "end must be greater than start when step is positive"));
    }
    let mut out = Vec::new();
    let mut n = start;
    while (down && n > end) || (!down && n < end) {
        if out.len() >= 1024 {
            return Err(FnError::new(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        out.push(Value::Number(n));
        n += step;
    }
    Ok(Value::List(out))
}

/// `reverselist(list)`.
pub(crate) fn reverselist(args: &[Value]) -> FnResult {
    match arg(args, 0)? {
        Value::List(items) => Ok(Value::List(items.iter().rev().cloned().collect())),
        other => Err(FnError::at(0, format!("can only reverse list or tuple values, not {}", other.type_name()))),
    }
}

/// `slice(list, start, end)`: elements from `start` up to but excluding `end`.
pub(crate) fn slice(args: &[Value]) -> FnResult {
    let Value::List(items) = arg(args, 0)? else {
        return Err(FnError::at(0, "must be a list or tuple value"));
    };
    let start = int_arg(args, 1).map_err(|e| FnError::at(1, format!("invalid start index: {}", e.message)))?;
    let end = int_arg(args, 2).map_err(|e| FnError::at(2, format!("invalid end index: {}", e.message)))?;
    let len = items.len() as i64;
    if start < 0 {
        return Err(FnError::at(1, "start index must not be less than zero"));
    }
    if start > len {
        return Err(FnError::at(1, "start index must not be greater than the length of the list"));
    }
    if end < 0 {
        return Err(FnError::at(2, "end index must not be less than zero"));
    }
    if end > len {
        return Err(FnError::at(2, "end index must not be greater than the length of the list"));
    }
    if start > end {
        return Err(FnError::at(1, "start index must not be greater than end index"));
    }
    Ok(Value::List(items[start as usize..end as usize].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{n, s};

    fn l(items: Vec<Value>) -> Value {
        Value::List(items)
    }
    fn ns(items: &[f64]) -> Value {
        l(items.iter().map(|i| n(*i)).collect())
    }

    #[test]
    fn chunks() {
        let abcde = l(vec![s("a"), s("b"), s("c"), s("d"), s("e")]);
        let want = l(vec![l(vec![s("a"), s("b")]), l(vec![s("c"), s("d")]), l(vec![s("e")])]);
        assert_eq!(chunklist(&[abcde.clone(), n(2.0)]), Ok(want));
        assert_eq!(chunklist(&[abcde.clone(), n(0.0)]), Ok(l(vec![abcde.clone()])));
        assert_eq!(chunklist(&[l(vec![]), n(2.0)]), Ok(l(vec![])));
        assert_eq!(chunklist(&[abcde, n(-1.0)]).unwrap_err().message, "the size argument must be positive");
    }

    #[test]
    fn compact_concat_contains() {
        let got = compact(&[l(vec![s("a"), s(""), s("b"), Value::Null, s("c")])]);
        assert_eq!(got, Ok(l(vec![s("a"), s("b"), s("c")])));
        let got = concat(&[l(vec![s("a"), s("")]), l(vec![s("b"), s("c")])]);
        assert_eq!(got, Ok(l(vec![s("a"), s(""), s("b"), s("c")])));
        assert_eq!(concat(&[l(vec![]), s("x")]).unwrap_err().message, "all arguments must be lists or tuples; got string");
        assert_eq!(contains(&[l(vec![s("a"), s("b")]), s("a")]), Ok(Value::Bool(true)));
        assert_eq!(contains(&[l(vec![s("a"), s("b")]), s("c")]), Ok(Value::Bool(false)));
        assert_eq!(contains(&[l(vec![s("1")]), n(1.0)]), Ok(Value::Bool(false)));
        assert!(contains(&[s("a"), s("a")]).is_err());
    }

    #[test]
    fn distinct_and_element() {
        let got = distinct(&[l(vec![s("a"), s("b"), s("a"), s("c"), s("d"), s("b")])]);
        assert_eq!(got, Ok(l(vec![s("a"), s("b"), s("c"), s("d")])));
        assert_eq!(distinct(&[l(vec![s("1"), n(1.0)])]), Ok(l(vec![s("1")])));
        let abc = l(vec![s("a"), s("b"), s("c")]);
        assert_eq!(element(&[abc.clone(), n(1.0)]), Ok(s("b")));
        assert_eq!(element(&[abc.clone(), n(3.0)]), Ok(s("a")));
        assert_eq!(element(&[abc.clone(), n(-1.0)]), Ok(s("c")));
        assert!(element(&[l(vec![]), n(0.0)]).is_err());
        assert!(element(&[abc, n(0.5)]).is_err());
    }

    #[test]
    fn flattening() {
        let nested = l(vec![l(vec![s("a"), s("b")]), l(vec![]), l(vec![s("c")]), l(vec![l(vec![s("d")])])]);
        assert_eq!(flatten(&[nested]), Ok(l(vec![s("a"), s("b"), s("c"), s("d")])));
        assert_eq!(flatten(&[l(vec![Value::Null, n(1.0)])]), Ok(l(vec![Value::Null, n(1.0)])));
        assert!(flatten(&[s("x")]).is_err());
    }

    #[test]
    fn ranges() {
        assert_eq!(range(&[n(3.0)]), Ok(ns(&[0.0, 1.0, 2.0])));
        assert_eq!(range(&[n(1.0), n(4.0)]), Ok(ns(&[1.0, 2.0, 3.0])));
        assert_eq!(range(&[n(1.0), n(8.0), n(2.0)]), Ok(ns(&[1.0, 3.0, 5.0, 7.0])));
        assert_eq!(range(&[n(1.0), n(4.0), n(0.5)]), Ok(ns(&[1.0, 1.5, 2.0, 2.5, 3.0, 3.5])));
        assert_eq!(range(&[n(4.0), n(1.0)]), Ok(ns(&[4.0, 3.0, 2.0])));
        assert_eq!(range(&[n(-3.0)]), Ok(ns(&[0.0, -1.0, -2.0])));
        assert_eq!(range(&[n(0.0)]), Ok(ns(&[])));
        assert!(range(&[n(1.0), n(4.0), n(-1.0)]).is_err());
        assert!(range(&[n(0.0), n(5000.0)]).is_err());
        assert!(range(&[n(0.0), n(1.0), n(0.0)]).is_err());
    }

    #[test]
    fn reverse_and_slice() {
        assert_eq!(reverselist(&[ns(&[1.0, 2.0, 3.0])]), Ok(ns(&[3.0, 2.0, 1.0])));
        assert!(reverselist(&[s("abc")]).is_err());
        let abcd = l(vec![s("a"), s("b"), s("c"), s("d")]);
        assert_eq!(slice(&[abcd.clone(), n(1.0), n(3.0)]), Ok(l(vec![s("b"), s("c")])));
        assert_eq!(slice(&[abcd.clone(), n(4.0), n(4.0)]), Ok(l(vec![])));
        let e = slice(&[abcd.clone(), n(3.0), n(1.0)]).unwrap_err();
        assert_eq!((e.message.as_str(), e.arg), ("start index must not be greater than end index", Some(1)));
        assert!(slice(&[abcd, n(0.0), n(5.0)]).is_err());
    }
}
