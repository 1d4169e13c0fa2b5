//! Gathers the blocks of every spec file into definitions by kind and name, in file order.

use indexmap::IndexMap;

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::frontend::syntax::{Attr, Block, Body, Expr};
use crate::source::Span;

/// A `variable` block, or a top-level attribute (bake treats those as variables too).
#[derive(Debug, Clone)]
pub struct VariableDef {
    pub name: String,
    /// A top-level attribute with no variable block of its name: not overridable from the
    /// environment or `--var` (beside a block, the attribute is only the value).
    pub is_attribute: bool,
    pub span: Span,
    pub default: Option<Expr>,
    pub type_expr: Option<Expr>,
    pub description: Option<Expr>,
    pub validations: Vec<Validation>,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Option<Expr>,
}

/// A `function` block: `params`, optional `variadic_params`, `result`.
#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub span: Span,
    pub params: Vec<String>,
    pub variadic: Option<String>,
    pub result: Expr,
}

/// Every definition of every file, in the order read (later definitions win).
#[derive(Debug, Default)]
pub struct Definitions {
    pub variables: IndexMap<String, VariableDef>,
    pub functions: IndexMap<String, FunctionDef>,
    /// All blocks defining a target, in order; their attributes merge last-wins.
    pub targets: IndexMap<String, Vec<Block>>,
    pub groups: IndexMap<String, Vec<Block>>,
    /// mpbake's `node` blocks; a later one of a name replaces an earlier one.
    pub nodes: IndexMap<String, Block>,
}

const BLOCK_KINDS: &[&str] = &["target", "group", "variable", "function", "node"];
/// Built-in variables; definitions of these names are ignored, as in bake.
pub const RESERVED: &[&str] = &["BAKE_CMD_CONTEXT", "BAKE_LOCAL_PLATFORM"];

fn reserved(name: &str, span: Span) -> Diagnostic {
    Diagnostic::warning("spec::reserved-name", format!("`{name}` is a built-in variable; this definition is ignored"))
        .with_label(span, "built-in name")
        .with_help("choose another name")
}

impl Definitions {
    /// Adds one file's top-level body.
    pub fn add_body(&mut self, body: &Body, diags: &mut Diagnostics) {
        for attr in &body.attrs {
            if RESERVED.contains(&attr.name.as_str()) {
                diags.push(reserved(&attr.name, attr.name_span));
                continue;
            }
            // beside a variable block, the attribute is the value (untyped) and the
            // environment still overrides it, as in bake
            if let Some(existing) = self.variables.get_mut(&attr.name).filter(|v| !v.is_attribute) {
                existing.default = Some(attr.expr.clone());
                existing.type_expr = None;
                continue;
            }
            self.variables.insert(
                attr.name.clone(),
                VariableDef {
                    name: attr.name.clone(),
                    is_attribute: true,
                    span: attr.name_span,
                    default: Some(attr.expr.clone()),
                    type_expr: None,
                    description: None,
                    validations: Vec::new(),
                },
            );
        }
        for block in &body.blocks {
            if !BLOCK_KINDS.contains(&block.kind.as_str()) {
                let help = did_you_mean(&block.kind, BLOCK_KINDS.iter().copied())
                    .map_or_else(|| format!("top-level blocks are {}", BLOCK_KINDS.join(", ")), |s| format!("did you mean `{s}`?"));
                diags.push(
                    Diagnostic::error("spec::unknown-block", format!("unknown block type `{}`", block.kind))
                        .with_label(block.kind_span, "not a block mpbake knows")
                        .with_help(help),
                );
                continue;
            }
            if block.labels.len() != 1 {
                diags.push(
                    Diagnostic::error("spec::block-label", format!("a `{}` block takes exactly one name", block.kind))
                        .with_label(block.kind_span, format!("{} label(s) here", block.labels.len()))
                        .with_help(format!("write it as `{} \"name\" {{ ... }}`", block.kind)),
                );
                continue;
            }
            let name = block.name().to_string();
            if matches!(block.kind.as_str(), "variable" | "function") && RESERVED.contains(&name.as_str()) {
                diags.push(reserved(&name, block.name_span()));
                continue;
            }
            match block.kind.as_str() {
                "target" => self.targets.entry(name).or_default().push(block.clone()),
                "group" => self.groups.entry(name).or_default().push(block.clone()),
                "node" => {
                    self.nodes.insert(name, block.clone());
                }
                "variable" => {
                    let def = variable(block, diags);
                    match self.variables.get_mut(&name) {
                        // a top-level attribute of the same name is the variable's value (bake)
                        Some(existing) if existing.is_attribute => {
                            existing.description = def.description;
                            existing.validations = def.validations;
                            existing.is_attribute = false;
                        }
                        _ => {
                            self.variables.insert(name, def);
                        }
                    }
                }
                _ => {
                    if let Some(def) = function(block, diags) {
                        self.functions.insert(name, def);
                    }
                }
            }
        }
    }
}

fn variable(block: &Block, diags: &mut Diagnostics) -> VariableDef {
    check_attrs(block, &["default", "type", "description"], &["validation"], diags);
    let attr = |n: &str| block.body.attr(n).map(|a: &Attr| a.expr.clone());
    let validations = block
        .body
        .blocks("validation")
        .filter_map(|v| {
            check_attrs(v, &["condition", "error_message"], &[], diags);
            let condition = v.body.attr("condition").map(|a| a.expr.clone());
            if condition.is_none() {
                diags.push(
                    Diagnostic::error("spec::missing-attribute", "a `validation` block needs a `condition`")
                        .with_label(v.kind_span, "no condition")
                        .with_help("add `condition = <bool expression>` and `error_message = \"...\"`"),
                );
            }
            Some(Validation { condition: condition?, error_message: v.body.attr("error_message").map(|a| a.expr.clone()) })
        })
        .collect();
    VariableDef {
        name: block.name().to_string(),
        is_attribute: false,
        span: block.name_span(),
        default: attr("default"),
        type_expr: attr("type"),
        description: attr("description"),
        validations,
    }
}

fn function(block: &Block, diags: &mut Diagnostics) -> Option<FunctionDef> {
    check_attrs(block, &["params", "variadic_params", "result"], &[], diags);
    let names = |attr: &Attr| -> Vec<String> {
        match &attr.expr.kind {
            crate::frontend::syntax::ExprKind::Array(items) => items.iter().filter_map(param_name).collect(),
            _ => param_name(&attr.expr).into_iter().collect(),
        }
    };
    if crate::frontend::stdlib::lookup(block.name()).is_some() {
        diags.push(
            Diagnostic::warning(
                "spec::shadowed-function",
                format!("`{}` is a standard library function; this definition is ignored", block.name()),
            )
            .with_label(block.name_span(), "shadows the built-in")
            .with_help("bake always calls the built-in; rename this function"),
        );
        return None;
    }
    if block.body.attr("params").is_none() {
        diags.push(
            Diagnostic::error("spec::missing-attribute", format!("function `{}` has no `params`", block.name()))
                .with_label(block.name_span(), "no params")
                .with_help("add `params = [a, b]` (or `params = []`)"),
        );
        return None;
    }
    let Some(result) = block.body.attr("result") else {
        diags.push(
            Diagnostic::error("spec::missing-attribute", format!("function `{}` has no `result`", block.name()))
                .with_label(block.name_span(), "no result")
                .with_help("add `result = <expression using the params>`"),
        );
        return None;
    };
    Some(FunctionDef {
        span: block.name_span(),
        params: block.body.attr("params").map(names).unwrap_or_default(),
        variadic: block.body.attr("variadic_params").and_then(|a| names(a).into_iter().next()),
        result: result.expr.clone(),
    })
}

fn param_name(expr: &Expr) -> Option<String> {
    use crate::frontend::syntax::{ExprKind, TemplatePart};
    match &expr.kind {
        ExprKind::Var(name) => Some(name.clone()),
        ExprKind::Literal(crate::frontend::value::Value::String(s)) => Some(s.clone()),
        // JSON and KDL write parameter names as strings, which parse as one-literal templates
        ExprKind::Template(parts) => match parts.as_slice() {
            [TemplatePart::Literal(s)] => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Warns about attributes and blocks a block does not take.
pub(super) fn check_attrs(block: &Block, attrs: &[&str], blocks: &[&str], diags: &mut Diagnostics) {
    for attr in &block.body.attrs {
        if !attrs.contains(&attr.name.as_str()) {
            let help = did_you_mean(&attr.name, attrs.iter().copied())
                .map_or_else(|| format!("`{}` blocks take {}", block.kind, attrs.join(", ")), |s| format!("did you mean `{s}`?"));
            diags.push(
                Diagnostic::warning("spec::unknown-attribute", format!("`{}` blocks have no attribute `{}`", block.kind, attr.name))
                    .with_label(attr.name_span, "ignored")
                    .with_help(help),
            );
        }
    }
    for inner in &block.body.blocks {
        if !blocks.contains(&inner.kind.as_str()) {
            diags.push(
                Diagnostic::warning("spec::unknown-block", format!("`{}` blocks have no `{}` block", block.kind, inner.kind))
                    .with_label(inner.kind_span, "ignored"),
            );
        }
    }
}
