//! Matrix expansion: a map of lists (cartesian product) or a list of maps → one scope per target.

use crate::diag::Diagnostic;
use crate::frontend::value::Value;
use crate::source::Span;

/// The most targets one matrix may make: far more than any build runs, far fewer than would
/// keep mpbake busy for minutes.
pub const MAX_COMBINATIONS: usize = 10_000;

/// Every combination of matrix values, each as (variable, value) locals, in a stable order:
/// keys sorted, the first key varying fastest, as bake's product (each key's values outside the
/// combinations so far).
pub fn combinations(matrix: Value, span: Span) -> Result<Vec<Vec<(String, Value)>>, Diagnostic> {
    let bad = |why: &str| {
        Diagnostic::error("spec::matrix", format!("invalid matrix: {why}"))
            .with_label(span, "this matrix")
            .with_help("write `matrix = { tgt = [\"a\", \"b\"], ver = [\"1\", \"2\"] }`, or a list of objects `[{ tgt = \"a\" }, ...]`")
    };
    match matrix {
        Value::Object(map) => {
            let mut sizes = map.values().map(|v| if let Value::List(l) = v { l.len() } else { 1 });
            let total = sizes.try_fold(1usize, |n, len| n.checked_mul(len));
            if total.is_none_or(|n| n > MAX_COMBINATIONS) {
                let shown = total.map_or("more than 2^64".to_string(), |n| n.to_string());
                return Err(bad(&format!("it makes {shown} targets, more than the {MAX_COMBINATIONS} mpbake builds from one matrix")));
            }
            let mut combos: Vec<Vec<(String, Value)>> = vec![Vec::new()];
            for (key, values) in map {
                let Value::List(values) = values else {
                    return Err(bad(&format!("`{key}` must be a list of values")));
                };
                let mut next = Vec::with_capacity(combos.len() * values.len());
                for v in &values {
                    for combo in &combos {
                        let mut c = combo.clone();
                        c.push((key.clone(), v.clone()));
                        next.push(c);
                    }
                }
                combos = next;
            }
            Ok(combos)
        }
        Value::List(rows) => rows
            .into_iter()
            .map(|row| match row {
                Value::Object(map) => Ok(map.into_iter().collect()),
                other => Err(bad(&format!("a list matrix holds objects, found a {}", other.type_name()))),
            })
            .collect(),
        other => Err(bad(&format!("expected an object of lists, got a {}", other.type_name()))),
    }
}

/// A `name` template suggestion for a matrix target: `base-${key}` for every matrix key.
pub fn name_hint(base: &str, locals: &[(String, Value)]) -> String {
    let mut hint = base.to_string();
    for (key, _) in locals {
        hint.push_str(&format!("-${{{key}}}"));
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cartesian_product_in_key_order() {
        let m = Value::from_json(&serde_json::json!({"tgt": ["a", "b"], "ver": ["1", "2"]}));
        let combos = combinations(m, Span::default()).unwrap_or_default();
        let names: Vec<String> = combos.iter().map(|c| c.iter().map(|(_, v)| v.to_string()).collect::<Vec<_>>().join("-")).collect();
        assert_eq!(names, [r#""a"-"1""#, r#""b"-"1""#, r#""a"-"2""#, r#""b"-"2""#]);
        assert_eq!(name_hint("app", &combos[0]), "app-${tgt}-${ver}");
    }

    #[test]
    fn empty_list_gives_no_targets_and_scalars_are_errors() {
        let m = Value::from_json(&serde_json::json!({"tgt": []}));
        assert_eq!(combinations(m, Span::default()).map(|c| c.len()).ok(), Some(0));
        let bad = Value::from_json(&serde_json::json!({"tgt": "a"}));
        assert!(combinations(bad, Span::default()).is_err());
        let wide = || Value::List((0..100).map(|i| Value::String(i.to_string())).collect());
        let huge = Value::Object([("a", wide()), ("b", wide()), ("c", wide())].into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        let error = combinations(huge, Span::default()).err().map(|d| d.message).unwrap_or_default();
        assert!(error.contains("1000000 targets"), "{error}");
    }
}
