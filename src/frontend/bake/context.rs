//! The evaluation context of a spec: variables (lazy, overridable, cycle-checked), user functions
//! and `target.NAME.ATTR` references, behind the evaluator's Resolver trait.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use super::definitions::{Definitions, VariableDef};
use super::types::VarType;
use crate::diag::{Diagnostic, did_you_mean};
use crate::frontend::eval::{EvalResult, Evaluator, Resolver};
use crate::frontend::syntax::Block;
use crate::frontend::value::Value;
use crate::source::Span;

/// What comes from outside the files: the environment, `--var`, and bake's built-in variables.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub env: BTreeMap<String, String>,
    /// `--var NAME=VALUE`, applied over the environment.
    pub vars: BTreeMap<String, String>,
    /// `BAKE_CMD_CONTEXT`.
    pub cmd_context: String,
    /// `BAKE_LOCAL_PLATFORM`.
    pub local_platform: String,
    /// The directory of each spec file read from disk, for BUILDX_BAKE_FILE_RELATIVE_PATHS.
    pub file_dirs: BTreeMap<crate::source::FileId, String>,
}

impl Inputs {
    /// BUILDX_BAKE_DISABLE_VARS_ENV_LOOKUP: variables (and `--set T.args.X` without a value)
    /// do not read the environment.
    pub fn env_lookup_disabled(&self) -> bool {
        self.env.get("BUILDX_BAKE_DISABLE_VARS_ENV_LOOKUP").and_then(|v| super::types::parse_bool(v)) == Some(true)
    }
}

const MAX_CALL_DEPTH: usize = 256;

/// One spec's evaluation state; values are computed on first use and remembered.
pub struct Context<'d> {
    pub defs: &'d Definitions,
    inputs: &'d Inputs,
    variables: RefCell<HashMap<String, EvalResult>>,
    target_attrs: RefCell<HashMap<(String, String), EvalResult>>,
    /// What is being evaluated right now, outermost first, with where it was referenced.
    stack: RefCell<Vec<(String, Span)>>,
}

impl<'d> Context<'d> {
    pub fn new(defs: &'d Definitions, inputs: &'d Inputs) -> Context<'d> {
        Context { defs, inputs, variables: RefCell::default(), target_attrs: RefCell::default(), stack: RefCell::default() }
    }

    /// The directory of the spec file a span is in (None for stdin and the command line).
    pub fn file_dir(&self, span: Span) -> Option<&str> {
        self.inputs.file_dirs.get(&span.file).map(String::as_str)
    }

    /// An environment variable as the spec's evaluation sees it.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.inputs.env.get(name).map(String::as_str)
    }

    /// Evaluates with cycle detection: `key` names the thing; a repeat on the stack is a cycle.
    fn guarded<T>(&self, key: String, span: Span, compute: impl FnOnce() -> Result<T, Diagnostic>) -> Result<T, Diagnostic> {
        let start = self.stack.borrow().iter().position(|(k, _)| *k == key);
        if let Some(start) = start {
            let stack = self.stack.borrow();
            let chain: Vec<&str> = stack[start..].iter().map(|(k, _)| k.as_str()).chain([key.as_str()]).collect();
            let mut d = Diagnostic::error("spec::cycle", format!("reference cycle: {}", chain.join(" → ")))
                .with_label(span, format!("{key} is referenced here while it is being evaluated"));
            for (k, s) in &stack[start + 1..] {
                d = d.with_label(*s, format!("{k} referenced here"));
            }
            return Err(d.with_help("break the cycle: one of these values must not depend on the others"));
        }
        if self.stack.borrow().len() > MAX_CALL_DEPTH {
            return Err(Diagnostic::error("spec::recursion", format!("evaluation nests more than {MAX_CALL_DEPTH} levels deep"))
                .with_label(span, "while evaluating this")
                .with_help("a function probably calls itself without end"));
        }
        self.stack.borrow_mut().push((key, span));
        let result = compute();
        self.stack.borrow_mut().pop();
        result
    }

    /// A variable's `description` (evaluated) and `type` (its name), for `list variables`.
    pub fn variable_doc(&self, def: &VariableDef) -> (Option<String>, Option<String>) {
        let description =
            def.description.as_ref().and_then(|e| Evaluator::new(self).eval(e).ok()).and_then(|v| v.to_json().as_str().map(String::from));
        let declared = def.type_expr.as_ref().and_then(|t| VarType::from_expr(t).ok()).map(|t| t.name());
        (description, declared)
    }

    /// The final value of a declared variable (memoized).
    pub fn variable_value(&self, def: &VariableDef, span: Span) -> EvalResult {
        if let Some(done) = self.variables.borrow().get(&def.name) {
            return done.clone();
        }
        let result = self.guarded(format!("variable {}", def.name), span, || self.compute_variable(def));
        self.variables.borrow_mut().insert(def.name.clone(), result.clone());
        if let Ok(value) = &result {
            self.validate(def, value)?;
        }
        result
    }

    fn compute_variable(&self, def: &VariableDef) -> EvalResult {
        let declared = match &def.type_expr {
            Some(t) => Some(VarType::from_expr(t).map_err(|e| {
                Diagnostic::error("spec::type", format!("variable `{}`: {e}", def.name)).with_label(t.span, "invalid type")
            })?),
            None => None,
        };
        let default = match &def.default {
            Some(e) => Evaluator::new(self).eval(e)?,
            // bake: an untyped variable without a default is "", a typed one is null
            None if declared.is_none() => Value::from(""),
            None => Value::Null,
        };
        let overridden = if def.is_attribute { None } else { self.override_value(def, declared.as_ref(), &default)? };
        let value = overridden.unwrap_or(default);
        match declared {
            Some(ty) => ty.convert(value).map_err(|e| {
                Diagnostic::error("spec::type", format!("variable `{}` must be {}: {e}", def.name, ty.name()))
                    .with_label(def.default.as_ref().map_or(def.span, |d| d.span), "this value")
            }),
            None => Ok(value),
        }
    }

    /// `--var NAME=..` or the environment's NAME / NAME_JSON, parsed as bake does: typed
    /// variables take JSON from NAME_JSON (which wins) or CSV/primitives from NAME; untyped ones
    /// take the type of their default, and NAME_JSON is only an alias for NAME.
    fn override_value(&self, def: &VariableDef, declared: Option<&VarType>, default: &Value) -> Result<Option<Value>, Diagnostic> {
        let lookup = |name: &str| -> Option<(&String, String)> {
            let env = if self.inputs.env_lookup_disabled() { None } else { self.inputs.env.get(name) };
            match (self.inputs.vars.get(name), env) {
                (Some(v), _) => Some((v, format!("--var {name}"))),
                (None, Some(v)) => Some((v, format!("environment variable {name}"))),
                _ => None,
            }
        };
        let json_name = format!("{}_JSON", def.name);
        let plain = lookup(&def.name);
        let json = if self.defs.variables.contains_key(&json_name) { None } else { lookup(&json_name) };
        let failed = |source: &str, ty: &str, e: String| {
            Diagnostic::error("spec::variable-override", format!("variable `{}` from {source}: {e}", def.name))
                .with_label(def.span, format!("declared here as {ty}"))
        };
        let parsed = match (declared, json, plain) {
            (Some(ty), Some((text, source)), _) => {
                let value: serde_json::Value =
                    serde_json::from_str(text).map_err(|e| failed(&source, &ty.name(), format!("not JSON: {e}")))?;
                ty.convert(Value::from_json(&value)).map_err(|e| failed(&source, &ty.name(), e))?
            }
            (Some(ty), None, Some((text, source))) => ty.parse_text(text).map_err(|e| failed(&source, &ty.name(), e))?,
            (None, json, plain) => {
                let Some((text, source)) = plain.or(json) else { return Ok(None) };
                match default {
                    Value::List(_) | Value::Object(_) => {
                        return Err(failed(
                            &source,
                            default.type_name(),
                            format!("cannot override an untyped {} from text", default.type_name()),
                        )
                        .with_help(format!(
                            "declare its type, e.g. `type = list(string)`, then set {} as CSV or {}_JSON as JSON",
                            def.name, def.name
                        )));
                    }
                    _ => VarType::of_value(default).parse_text(text).map_err(|e| failed(&source, default.type_name(), e))?,
                }
            }
            (Some(_), None, None) => return Ok(None),
        };
        Ok(Some(parsed))
    }

    fn validate(&self, def: &VariableDef, value: &Value) -> Result<(), Diagnostic> {
        for v in &def.validations {
            let mut ev = Evaluator::new(self);
            let ok = ev.with_locals(vec![(def.name.clone(), value.clone())], |ev| ev.eval(&v.condition))?;
            if ok != Value::Bool(true) && ok != Value::from("true") {
                let message = match &v.error_message {
                    Some(m) => Evaluator::new(self).eval(m)?.to_template_string().unwrap_or_default(),
                    None => format!("validation failed for variable `{}`", def.name),
                };
                return Err(Diagnostic::error("spec::validation", format!("variable `{}` = {value}: {message}", def.name))
                    .with_label(v.condition.span, "this condition is false")
                    .with_label(def.span, "variable declared here")
                    .with_help(format!("set {} to a value that passes the condition", def.name)));
            }
        }
        Ok(())
    }

    /// The value of `target.NAME.ATTR`: the attribute as written in the last block making the
    /// target NAME that sets it (a matrix block's with its combination's values; bake does not
    /// apply inherits to these references); null for an attribute bake knows but none sets.
    fn target_attribute(&self, target: &str, attr: &str, span: Span) -> EvalResult {
        let key = (target.to_string(), attr.to_string());
        if let Some(done) = self.target_attrs.borrow().get(&key) {
            return done.clone();
        }
        if attr == "name" && self.defs.targets.contains_key(target) {
            return Ok(Value::from(target));
        }
        let blocks = self.blocks_making(target, span)?;
        if blocks.is_empty() {
            let help = did_you_mean(target, self.defs.targets.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
            return Err(Diagnostic::error("spec::unknown-target", format!("unknown target `{target}`"))
                .with_label(span, "referenced here")
                .with_help_opt(help));
        }
        if attr == "name" {
            return Ok(Value::from(target));
        }
        let Some((expr, locals)) = blocks.iter().rev().find_map(|(b, locals)| Some((&b.body.attr(attr)?.expr, locals))) else {
            // an attribute bake knows but the target does not set is null, as in bake
            if super::schema::spec(attr).is_some() {
                return Ok(Value::Null);
            }
            return Err(Diagnostic::error("spec::unknown-attribute", format!("`{attr}` is not a target attribute"))
                .with_label(span, "referenced here")
                .with_label(blocks[0].0.name_span(), "target defined here"));
        };
        let result =
            self.guarded(format!("target.{target}.{attr}"), span, || Evaluator::new(self).with_locals(locals.clone(), |ev| ev.eval(expr)));
        self.target_attrs.borrow_mut().insert(key, result.clone());
        result
    }

    /// The blocks that make target `name`, in order, each with its matrix values: blocks
    /// labelled so without a matrix, and matrix blocks whose `name` gives it.
    fn blocks_making(&self, name: &str, span: Span) -> Result<Vec<(&'d Block, super::targets::Locals)>, Diagnostic> {
        let mut out = Vec::new();
        for (label, blocks) in &self.defs.targets {
            for block in blocks {
                if block.body.attr("matrix").is_none() {
                    if label == name {
                        out.push((block, Vec::new()));
                    }
                    continue;
                }
                let made =
                    self.guarded(format!("the names of target {label}"), span, || super::targets::block_names(self, label, block))?;
                out.extend(made.into_iter().filter(|(n, _)| n == name).map(|(_, locals)| (block, locals)));
            }
        }
        Ok(out)
    }
}

impl Resolver for Context<'_> {
    fn variable(&self, name: &str, span: Span) -> Option<EvalResult> {
        if let Some(def) = self.defs.variables.get(name) {
            return Some(self.variable_value(def, span));
        }
        match name {
            "BAKE_CMD_CONTEXT" => Some(Ok(Value::from(self.inputs.cmd_context.as_str()))),
            "BAKE_LOCAL_PLATFORM" => Some(Ok(Value::from(self.inputs.local_platform.as_str()))),
            _ => None,
        }
    }

    fn variable_names(&self) -> Vec<String> {
        self.defs.variables.keys().cloned().chain(["BAKE_CMD_CONTEXT".into(), "BAKE_LOCAL_PLATFORM".into()]).collect()
    }

    fn target_attr(&self, target: &str, attr: &str, span: Span) -> EvalResult {
        self.target_attribute(target, attr, span)
    }

    fn call_function(&self, name: &str, mut args: Vec<Value>, span: Span) -> Option<EvalResult> {
        let def = self.defs.functions.get(name)?;
        let fixed = def.params.len();
        let arity_ok = if def.variadic.is_some() { args.len() >= fixed } else { args.len() == fixed };
        if !arity_ok {
            let expected = if def.variadic.is_some() { format!("at least {fixed}") } else { fixed.to_string() };
            return Some(Err(Diagnostic::error(
                "spec::arity",
                format!("function `{name}` takes {expected} argument(s), got {}", args.len()),
            )
            .with_label(span, "called here")
            .with_label(def.span, "defined here")));
        }
        let rest = args.split_off(fixed);
        let mut locals: Vec<(String, Value)> = def.params.iter().cloned().zip(args).collect();
        if let Some(v) = &def.variadic {
            locals.push((v.clone(), Value::List(rest)));
        }
        Some(self.guarded(format!("function {name}()"), span, || {
            let mut ev = Evaluator::new(self);
            ev.with_locals(locals, |ev| ev.eval(&def.result))
        }))
    }

    fn function_names(&self) -> Vec<String> {
        self.defs.functions.keys().cloned().collect()
    }
}
