//! Bake's standard library of functions (go-cty's stdlib plus bake's own); pure functions on values.

use crate::frontend::value::Value;

/// Why a function call failed; `arg` points at the offending argument when there is one.
pub struct FnError {
    pub message: String,
    pub arg: Option<usize>,
}

pub type FnResult = Result<Value, FnError>;

/// A built-in function: its arity and implementation.
pub struct Builtin {
    pub name: &'static str,
    pub min_args: usize,
    /// None: variadic.
    pub max_args: Option<usize>,
    pub call: fn(&[Value]) -> FnResult,
}

static BUILTINS: &[Builtin] = &[];

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name)
}
