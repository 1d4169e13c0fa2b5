//! Evaluates the shared syntax tree to values, HCL's way; the meaning of names comes from a Resolver.

mod ops;
mod template;

use crate::diag::{Diagnostic, did_you_mean};
use crate::frontend::stdlib;
use crate::frontend::syntax::{Expr, ExprKind, ForExpr, Traverser};
use crate::frontend::value::Value;
use crate::source::Span;

/// What names mean where an expression is evaluated: variables, `target.NAME.ATTR`, functions.
pub trait Resolver {
    /// The value of a free variable, or None when no such variable exists.
    fn variable(&self, name: &str, span: Span) -> Option<Result<Value, Diagnostic>>;
    /// Every variable name visible here, for suggestions.
    fn variable_names(&self) -> Vec<String>;
    /// `target.NAME.ATTR`: one attribute of another target.
    fn target_attr(&self, target: &str, attr: &str, span: Span) -> Result<Value, Diagnostic>;
    /// Calls a user-defined function, or None when there is none of that name.
    fn call_function(&self, name: &str, args: Vec<Value>, span: Span) -> Option<Result<Value, Diagnostic>>;
    /// Every user-defined function name, for suggestions.
    fn function_names(&self) -> Vec<String>;
}

/// Evaluates expressions against a resolver, with a stack of for-expression locals.
pub struct Evaluator<'r> {
    resolver: &'r dyn Resolver,
    locals: Vec<(String, Value)>,
}

pub type EvalResult = Result<Value, Diagnostic>;

impl<'r> Evaluator<'r> {
    pub fn new(resolver: &'r dyn Resolver) -> Evaluator<'r> {
        Evaluator { resolver, locals: Vec::new() }
    }

    pub fn eval(&mut self, expr: &Expr) -> EvalResult {
        match &expr.kind {
            ExprKind::Literal(v) => Ok(v.clone()),
            ExprKind::Template(parts) => self.template(parts),
            ExprKind::Var(name) => self.variable(name, expr.span),
            ExprKind::Traverse(base, ops) => self.traverse(base, ops),
            ExprKind::Call { name, args, expand_final } => self.call(name, args, *expand_final, expr.span),
            ExprKind::Cond(cond, yes, no) => {
                let (taken, other) = if ops::truthy(&self.eval(cond)?, cond.span)? { (yes, no) } else { (no, yes) };
                // cty unifies the branches' types: a list beside a set becomes a set
                match self.eval(taken)? {
                    Value::List(items) if returns_set(other) => Ok(Value::List(stdlib::to_set(items))),
                    value => Ok(value),
                }
            }
            ExprKind::Unary(op, operand) => ops::unary(*op, self.eval(operand)?, operand.span),
            ExprKind::Binary(op, lhs, rhs) => {
                let l = self.eval(lhs)?;
                if let Some(short) = ops::short_circuit(*op, &l, lhs.span)? {
                    return Ok(short);
                }
                let r = self.eval(rhs)?;
                ops::binary(*op, l, r, lhs.span, rhs.span)
            }
            ExprKind::Array(items) => Ok(Value::List(items.iter().map(|e| self.eval(e)).collect::<Result<_, _>>()?)),
            ExprKind::Object(items) => {
                let mut map = std::collections::BTreeMap::new();
                for (k, v) in items {
                    let key = self.object_key(k)?;
                    map.insert(key, self.eval(v)?);
                }
                Ok(Value::Object(map))
            }
            ExprKind::For(f) => self.for_expr(f, expr.span),
        }
    }

    fn object_key(&mut self, key: &Expr) -> Result<String, Diagnostic> {
        let value = self.eval(key)?;
        value.to_template_string().ok_or_else(|| {
            Diagnostic::error("spec::type", format!("object key must be a string, got {}", value.type_name()))
                .with_label(key.span, "this key")
        })
    }

    /// Runs `f` with extra local variables in scope.
    pub fn with_locals<T>(&mut self, locals: Vec<(String, Value)>, f: impl FnOnce(&mut Self) -> T) -> T {
        let depth = self.locals.len();
        self.locals.extend(locals);
        let out = f(self);
        self.locals.truncate(depth);
        out
    }

    fn variable(&mut self, name: &str, span: Span) -> EvalResult {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Ok(v.clone());
        }
        if let Some(result) = self.resolver.variable(name, span) {
            return result;
        }
        let mut names = self.resolver.variable_names();
        names.extend(self.locals.iter().map(|(n, _)| n.clone()));
        let help = match did_you_mean(name, names.iter().map(String::as_str)) {
            _ if name.starts_with("TARGET") || matches!(name, "UNAME_ARCH" | "DEBIAN_ARCH" | "RUST_TARGET" | "RUST_TARGET_MUSL") => {
                format!("`{name}` has a value only inside `file` and `platform` blocks, where each target platform is evaluated on its own")
            }
            Some(s) => format!("did you mean `{s}`? Variables are declared with `variable \"{name}\" {{ default = ... }}`"),
            None => format!("declare it with `variable \"{name}\" {{ default = ... }}`"),
        };
        Err(Diagnostic::error("spec::unknown-variable", format!("unknown variable `{name}`"))
            .with_label(span, "not declared")
            .with_help(help))
    }

    fn traverse(&mut self, base: &Expr, ops: &[Traverser]) -> EvalResult {
        if let (ExprKind::Var(root), [Traverser::Attr(target, _), Traverser::Attr(attr, attr_span), rest @ ..]) = (&base.kind, ops)
            && root == "target"
            && !self.locals.iter().any(|(n, _)| n == "target")
        {
            let span = base.span.to(*attr_span);
            let value = self.resolver.target_attr(target, attr, span)?;
            return self.apply(value, rest, span);
        }
        let value = self.eval(base)?;
        self.apply(value, ops, base.span)
    }

    fn apply(&mut self, mut value: Value, ops: &[Traverser], mut span: Span) -> EvalResult {
        for (i, op) in ops.iter().enumerate() {
            match op {
                Traverser::Attr(name, attr_span) => {
                    span = span.to(*attr_span);
                    value = ops::get_attr(value, name, *attr_span)?;
                }
                Traverser::Index(index) => {
                    let key = self.eval(index)?;
                    span = span.to(index.span);
                    value = ops::index(value, &key, index.span)?;
                }
                Traverser::Splat => {
                    let items = match value {
                        Value::Null => Vec::new(),
                        Value::List(items) => items,
                        other => vec![other],
                    };
                    let rest = &ops[i + 1..];
                    let mapped = items.into_iter().map(|item| self.apply(item, rest, span)).collect::<Result<_, _>>()?;
                    return Ok(Value::List(mapped));
                }
            }
        }
        Ok(value)
    }

    fn call(&mut self, name: &str, args: &[Expr], expand_final: bool, span: Span) -> EvalResult {
        if let Some(result) = self.try_forms(name, args, span) {
            return result;
        }
        let mut values = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
        let mut arg_spans: Vec<Span> = args.iter().map(|a| a.span).collect();
        if expand_final {
            match values.pop() {
                Some(Value::List(items)) => {
                    let last = arg_spans.pop().unwrap_or(span);
                    arg_spans.extend(std::iter::repeat_n(last, items.len()));
                    values.extend(items);
                }
                Some(other) => {
                    return Err(Diagnostic::error("spec::type", format!("`...` expands a list, got {}", other.type_name()))
                        .with_label(arg_spans.last().copied().unwrap_or(span), "not a list"));
                }
                None => {}
            }
        }
        let Some(builtin) = stdlib::lookup(name) else {
            if let Some(result) = self.resolver.call_function(name, values, span) {
                return result;
            }
            let mut names: Vec<String> = stdlib::names().chain(["can", "try"]).map(String::from).collect();
            names.extend(self.resolver.function_names());
            let help = did_you_mean(name, names.iter().map(String::as_str)).map_or_else(
                || "define it with a `function` block, or see docs/spec.md for the standard library".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
            return Err(Diagnostic::error("spec::unknown-function", format!("unknown function `{name}`"))
                .with_label(span, "no such function")
                .with_help(help));
        };
        let arity_ok = values.len() >= builtin.min_args && builtin.max_args.is_none_or(|max| values.len() <= max);
        if !arity_ok {
            let expected = match builtin.max_args {
                Some(max) if max == builtin.min_args => format!("{max}"),
                Some(max) => format!("{} to {max}", builtin.min_args),
                None => format!("at least {}", builtin.min_args),
            };
            return Err(Diagnostic::error("spec::arity", format!("`{name}` takes {expected} argument(s), got {}", values.len()))
                .with_label(span, "wrong number of arguments"));
        }
        (builtin.call)(&values).map_err(|e| {
            let at = e.arg.and_then(|i| arg_spans.get(i).copied()).unwrap_or(span);
            Diagnostic::error("spec::function-error", format!("`{name}`: {}", e.message)).with_label(at, e.message)
        })
    }

    /// `can(expr)` and `try(a, b, …)` (HCL's tryfunc): their arguments are evaluated here, so
    /// an error in one is a result, not a failure.
    fn try_forms(&mut self, name: &str, args: &[Expr], span: Span) -> Option<EvalResult> {
        match (name, args) {
            ("can", [expr]) => Some(Ok(Value::Bool(self.eval(expr).is_ok()))),
            ("can", _) => Some(Err(Diagnostic::error("spec::arity", format!("`can` takes 1 argument, got {}", args.len()))
                .with_label(span, "wrong number of arguments"))),
            ("try", []) => {
                Some(Err(Diagnostic::error("spec::arity", "`try` takes at least 1 argument, got 0")
                    .with_label(span, "wrong number of arguments")))
            }
            ("try", _) => {
                let mut last = None;
                for expr in args {
                    match self.eval(expr) {
                        Ok(v) => return Some(Ok(v)),
                        Err(d) => last = Some(d),
                    }
                }
                let why = last.map(|d| d.message).unwrap_or_default();
                Some(Err(Diagnostic::error("spec::function-error", format!("`try`: no expression succeeded (the last: {why})"))
                    .with_label(span, "every argument failed")))
            }
            _ => None,
        }
    }

    fn for_expr(&mut self, f: &ForExpr, span: Span) -> EvalResult {
        let collection = self.eval(&f.collection)?;
        let pairs = ops::iterate(collection, f.collection.span)?;
        let mut list = Vec::new();
        let mut object = std::collections::BTreeMap::new();
        for (key, value) in pairs {
            let mut locals = vec![(f.value_var.clone(), value)];
            if let Some(k) = &f.key_var {
                locals.push((k.clone(), key));
            }
            let produced = self.with_locals(locals, |ev| -> Result<Option<(Option<String>, Value)>, Diagnostic> {
                if let Some(cond) = &f.cond
                    && !ops::truthy(&ev.eval(cond)?, cond.span)?
                {
                    return Ok(None);
                }
                let key = f.key_expr.as_ref().map(|k| ev.object_key(k)).transpose()?;
                Ok(Some((key, ev.eval(&f.value_expr)?)))
            })?;
            match produced {
                None => {}
                Some((None, v)) => list.push(v),
                Some((Some(k), v)) if f.grouping => {
                    if let Value::List(items) = object.entry(k).or_insert_with(|| Value::List(Vec::new())) {
                        items.push(v);
                    }
                }
                Some((Some(k), _)) if object.contains_key(&k) => {
                    return Err(Diagnostic::error("spec::duplicate-key", format!("duplicate object key `{k}` in for expression"))
                        .with_label(span, "produces the key twice")
                        .with_help("add `...` after the value to group values by key"));
                }
                Some((Some(k), v)) => {
                    object.insert(k, v);
                }
            }
        }
        Ok(if f.key_expr.is_some() { Value::Object(object) } else { Value::List(list) })
    }
}

/// Whether an expression's value is a set (a call of a function returning one), as far as
/// that can be told without evaluating it.
fn returns_set(expr: &Expr) -> bool {
    const SET_FUNCTIONS: &[&str] = &["setunion", "setintersection", "setsubtract", "setsymmetricdifference", "toset"];
    matches!(&expr.kind, ExprKind::Call { name, .. } if SET_FUNCTIONS.contains(&name.as_str()))
}
