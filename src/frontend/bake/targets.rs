//! Evaluates `target` blocks: matrix expansion, attributes (last block wins), nested `file` and
//! `platform` blocks kept for per-platform evaluation once the platforms are known.

use indexmap::IndexMap;

use super::context::Context;
use super::schema::{MPBAKE_BLOCKS, spec, unknown_attribute};
use crate::diag::{Diagnostic, Diagnostics};
use crate::frontend::eval::Evaluator;
use crate::frontend::syntax::Block;
use crate::frontend::value::Value;
use crate::source::Span;

/// An attribute's value and where it was written.
#[derive(Debug, Clone)]
pub struct Field {
    pub value: Value,
    pub name_span: Span,
    pub value_span: Span,
}

/// A nested block with the matrix values its expressions may read.
#[derive(Debug, Clone)]
pub struct ScopedBlock {
    pub block: Block,
    pub locals: Vec<(String, Value)>,
}

/// A target's evaluated attributes, before inheritance.
#[derive(Debug, Clone, Default)]
pub struct RawTarget {
    pub name: String,
    pub span: Span,
    pub fields: IndexMap<String, Field>,
    pub blocks: Vec<ScopedBlock>,
    pub inherits: Vec<(String, Span)>,
    /// The last block that defines the target (bake's default context base is its file's
    /// directory, with BUILDX_BAKE_FILE_RELATIVE_PATHS).
    pub defined_in: Span,
}

/// All targets, and the groups that matrix targets turn into.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub targets: IndexMap<String, RawTarget>,
    pub matrix_groups: IndexMap<String, (Vec<String>, Span)>,
}

pub fn evaluate(ctx: &Context, diags: &mut Diagnostics) -> Evaluated {
    let mut out = Evaluated::default();
    // as bake: each block makes its own targets (one per matrix combination, named by `name`);
    // blocks making the same name merge in order; a label whose blocks make other names than
    // itself becomes a group of them
    let mut renamed: IndexMap<String, (Vec<String>, Span)> = IndexMap::new();
    for (label, blocks) in &ctx.defs.targets {
        for block in blocks {
            let names = match block_names(ctx, label, block) {
                Ok(names) => names,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            for (name, locals) in names {
                let span = block.body.attr("name").map_or(block.name_span(), |a| a.expr.span);
                check_name(&name, span, diags);
                let target = evaluate_block(ctx, &name, block, &locals, diags);
                match out.targets.get_mut(&name) {
                    Some(existing) => super::inherit::merge_into(existing, &target),
                    None => {
                        out.targets.insert(name.clone(), target);
                    }
                }
                let (members, _) = renamed.entry(label.clone()).or_insert_with(|| (Vec::new(), block.name_span()));
                if !members.contains(&name) {
                    members.push(name);
                }
            }
        }
    }
    for (label, (members, span)) in renamed {
        if members.len() != 1 || members[0] != label {
            out.matrix_groups.insert(label, (members, span));
        }
    }
    out
}

/// The targets one block makes: its label, or with a `matrix` one name per combination (the
/// `name` template evaluated with the combination's values), each with those values.
/// A matrix combination's values, as locals of the block's expressions.
pub(super) type Locals = Vec<(String, Value)>;

pub(super) fn block_names(ctx: &Context, label: &str, block: &Block) -> Result<Vec<(String, Locals)>, Diagnostic> {
    let name_attr = block.body.attr("name");
    let Some(matrix) = block.body.attr("matrix") else {
        if let Some(attr) = name_attr {
            return Err(Diagnostic::error("spec::matrix", "`name` is only for matrix targets")
                .with_label(attr.name_span, "no `matrix` in this target")
                .with_help("remove `name`, or add a `matrix` whose values the name uses"));
        }
        return Ok(vec![(label.to_string(), Vec::new())]);
    };
    let combos = Evaluator::new(ctx).eval(&matrix.expr).and_then(|v| super::matrix::combinations(v, matrix.expr.span))?;
    let mut out: Vec<(String, Locals)> = Vec::with_capacity(combos.len());
    let mut seen = std::collections::HashSet::new();
    for locals in combos {
        let name = match name_attr {
            Some(attr) => Evaluator::new(ctx).with_locals(locals.clone(), |ev| ev.eval(&attr.expr)).and_then(|v| {
                v.to_template_string().ok_or_else(|| {
                    Diagnostic::error("spec::type", "a matrix target's `name` must be a string").with_label(attr.expr.span, "not a string")
                })
            })?,
            None => label.to_string(),
        };
        if !seen.insert(name.clone()) {
            let span = name_attr.map_or(block.name_span(), |a| a.expr.span);
            return Err(Diagnostic::error("spec::duplicate-name", format!("matrix produces the target name `{name}` twice"))
                .with_label(span, "this name template")
                .with_help(format!(
                    "give the target a name template that uses every matrix variable, e.g. name = \"{}\"",
                    super::matrix::name_hint(label, &locals)
                )));
        }
        out.push((name, locals));
    }
    Ok(out)
}

pub(super) fn check_name(name: &str, span: Span, diags: &mut Diagnostics) {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        diags.push(
            Diagnostic::error("spec::invalid-name", format!("invalid name `{name}`"))
                .with_label(span, "here")
                .with_help("names may contain only letters, digits, `-` and `_`"),
        );
    }
}

fn evaluate_block(ctx: &Context, name: &str, block: &Block, locals: &[(String, Value)], diags: &mut Diagnostics) -> RawTarget {
    let mut target = RawTarget { name: name.to_string(), span: block.name_span(), defined_in: block.name_span(), ..RawTarget::default() };
    for attr in &block.body.attrs {
        match attr.name.as_str() {
            "matrix" | "name" => continue,
            n if spec(n).is_none() => {
                diags.push(unknown_attribute(&attr.name, attr.name_span));
                continue;
            }
            _ => {}
        }
        let value = Evaluator::new(ctx).with_locals(locals.to_vec(), |ev| ev.eval(&attr.expr));
        match value {
            Ok(value) if attr.name == "inherits" => target.inherits = inherits_list(value, attr.expr.span, diags),
            Ok(value) => {
                let field = Field { value, name_span: attr.name_span, value_span: attr.expr.span };
                target.fields.insert(attr.name.clone(), field);
            }
            Err(d) => diags.push(d),
        }
    }
    for inner in &block.body.blocks {
        if MPBAKE_BLOCKS.contains(&inner.kind.as_str()) {
            target.blocks.push(ScopedBlock { block: inner.clone(), locals: locals.to_vec() });
        } else {
            diags.push(
                Diagnostic::warning("spec::unknown-block", format!("targets have no `{}` block", inner.kind))
                    .with_label(inner.kind_span, "ignored")
                    .with_help("targets take `file \"/dest\" { ... }` and `platform \"os/arch\" { ... }` blocks"),
            );
        }
    }
    target
}

fn inherits_list(value: Value, span: Span, diags: &mut Diagnostics) -> Vec<(String, Span)> {
    let items = match value {
        Value::List(items) => items,
        Value::String(s) => vec![Value::String(s)],
        Value::Null => Vec::new(),
        other => {
            diags.push(
                Diagnostic::error("spec::type", format!("`inherits` must be a list of target names, got {}", other.type_name()))
                    .with_label(span, "here"),
            );
            return Vec::new();
        }
    };
    items
        .into_iter()
        .filter_map(|v| match v.to_template_string() {
            Some(s) => Some((s, span)),
            None => {
                diags.push(Diagnostic::error("spec::type", "`inherits` entries must be target names").with_label(span, "here"));
                None
            }
        })
        .collect()
}
