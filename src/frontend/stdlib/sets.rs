//! Set functions: union, intersection, differences, membership and the cartesian product.

use crate::frontend::value::Value;

use super::{FnError, FnResult, arg, list_arg, unify};
use std::cmp::Ordering;

/// cty's set order: strings lexically, numbers numerically, false before true; other
/// elements keep their order (cty orders those by hash, which cannot be reproduced).
fn set_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Deduplicates and orders elements as a cty set does.
pub(crate) fn to_set(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.sort_by(set_order);
    out
}

/// Converts every argument to a set, with one element type shared by all of them.
fn set_args(args: &[Value]) -> Result<Vec<Vec<Value>>, FnError> {
    let mut all = Vec::new();
    let mut lens = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        let items = list_arg(args, i).map_err(|e| FnError::at(i, e.message.replace("a list", "a set")))?;
        lens.push(items.len());
        all.extend(items.iter().cloned());
    }
    let mut all = unify(&all).ok_or_else(|| FnError::new("given sets must all have compatible element types"))?.into_iter();
    Ok(lens.into_iter().map(|n| to_set(all.by_ref().take(n).collect())).collect())
}

fn combine(args: &[Value], op: fn(Vec<Value>, Vec<Value>) -> Vec<Value>) -> FnResult {
    let mut sets = set_args(args)?.into_iter();
    let first = sets.next().unwrap_or_default();
    Ok(Value::List(to_set(sets.fold(first, op))))
}

pub(crate) fn setunion(args: &[Value]) -> FnResult {
    combine(args, |mut a, b| {
        a.extend(b);
        a
    })
}

pub(crate) fn setintersection(args: &[Value]) -> FnResult {
    combine(args, |a, b| a.into_iter().filter(|v| b.contains(v)).collect())
}

pub(crate) fn setsubtract(args: &[Value]) -> FnResult {
    combine(args, |a, b| a.into_iter().filter(|v| !b.contains(v)).collect())
}

pub(crate) fn setsymmetricdifference(args: &[Value]) -> FnResult {
    combine(args, |a, b| {
        let mut out: Vec<Value> = a.iter().filter(|v| !b.contains(v)).cloned().collect();
        out.extend(b.into_iter().filter(|v| !a.contains(v)));
        out
    })
}

/// `sethaselement(set, element)`.
pub(crate) fn sethaselement(args: &[Value]) -> FnResult {
    let set = set_args(&args[..args.len().min(1)])?.into_iter().next().unwrap_or_default();
    Ok(Value::Bool(set.contains(arg(args, 1)?)))
}

/// `setproduct(sets...)`: every combination of one element from each argument, in order.
pub(crate) fn setproduct(args: &[Value]) -> FnResult {
    if args.len() < 2 {
        return Err(FnError::new("at least two arguments are required"));
    }
    let mut lists = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        let items = list_arg(args, i).map_err(|_| FnError::at(i, "a set or a list is required"))?;
        lists.push(unify(items).ok_or_else(|| FnError::at(i, "all elements must be of the same type"))?);
    }
    let mut product: Vec<Vec<Value>> = vec![vec![]];
    for list in &lists {
        product = product
            .iter()
            .flat_map(|prefix| {
                list.iter().map(move |v| {
                    let mut row = prefix.clone();
                    row.push(v.clone());
                    row
                })
            })
            .collect();
    }
    Ok(Value::List(product.into_iter().map(Value::List).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{l, n, s};

    #[test]
    fn union_intersection_subtract() {
        assert_eq!(setunion(&[l(&["a", "b"]), l(&["b", "c"]), l(&["d"])]), Ok(l(&["a", "b", "c", "d"])));
        assert_eq!(setunion(&[l(&["b", "a", "b"])]), Ok(l(&["a", "b"])));
        assert_eq!(setintersection(&[l(&["a", "b"]), l(&["b", "c"]), l(&["b", "d"])]), Ok(l(&["b"])));
        assert_eq!(setsubtract(&[l(&["a", "b", "c"]), l(&["a", "c"])]), Ok(l(&["b"])));
        assert_eq!(setsymmetricdifference(&[l(&["a", "b"]), l(&["b", "c"])]), Ok(l(&["a", "c"])));
        let nums = Value::List(vec![n(10.0), n(2.0)]);
        assert_eq!(setunion(&[nums, Value::List(vec![n(1.0)])]), Ok(Value::List(vec![n(1.0), n(2.0), n(10.0)])));
        assert_eq!(setunion(&[l(&["a"]), Value::List(vec![n(1.0)])]), Ok(l(&["1", "a"])));
        assert!(setunion(&[l(&["a"]), s("b")]).is_err());
        assert!(setunion(&[l(&["a"]), Value::List(vec![l(&["x"])])]).is_err());
    }

    #[test]
    fn membership() {
        assert_eq!(sethaselement(&[l(&["a", "b"]), s("a")]), Ok(Value::Bool(true)));
        assert_eq!(sethaselement(&[l(&["a", "b"]), s("z")]), Ok(Value::Bool(false)));
        assert!(sethaselement(&[s("a"), s("a")]).is_err());
    }

    #[test]
    fn product() {
        let got = setproduct(&[l(&["development", "staging"]), l(&["app1", "app2"])]);
        let want =
            Value::List(vec![l(&["development", "app1"]), l(&["development", "app2"]), l(&["staging", "app1"]), l(&["staging", "app2"])]);
        assert_eq!(got, Ok(want));
        assert_eq!(setproduct(&[l(&["a"]), l(&[])]), Ok(Value::List(vec![])));
        assert!(setproduct(&[l(&["a"])]).is_err());
        assert_eq!(setproduct(&[l(&["a"]), s("b")]).unwrap_err().message, "a set or a list is required");
    }
}
