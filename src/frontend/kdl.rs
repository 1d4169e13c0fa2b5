//! Reads mpbake's KDL form into the shared tree: nodes are blocks or attributes, strings are
//! templates, so KDL specs mean exactly what the HCL ones do.

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use miette::SourceSpan;

use crate::diag::Diagnostic;
use crate::frontend::bake::schema::{Kind, spec};
use crate::frontend::syntax::{Attr, Block, Body, Expr, ExprKind};
use crate::frontend::value::Value;
use crate::source::{FileId, Span};

const TOP_BLOCKS: &[&str] = &["variable", "function", "target", "group", "node"];
/// Nested blocks per parent, and whether they take a label.
const NESTED: &[(&str, &str, bool)] =
    &[("variable", "validation", false), ("target", "file", true), ("target", "platform", true), ("platform", "file", true)];
/// Attributes whose node arguments always form a list, even with one argument.
const EXTRA_LISTS: &[&str] = &["inherits", "targets", "params", "entrypoint", "cmd"];
/// Attributes whose node children are `KEY VALUE...` entries of an object.
const OBJECTS: &[&str] = &["args", "labels", "contexts", "extra-hosts", "env", "matrix", "select"];

pub fn parse(file: FileId, text: &str) -> Result<Body, Diagnostic> {
    super::depth::check(file, text)?;
    let doc = KdlDocument::parse_v2(text).map_err(|e| {
        let first = e.diagnostics.first();
        let span = first.map_or(SourceSpan::from(0..0), |d| d.span);
        let message = first.and_then(|d| d.message.clone().or_else(|| d.label.clone())).unwrap_or_else(|| "invalid KDL".into());
        Diagnostic::error("spec::syntax", format!("KDL syntax error: {message}"))
            .with_label(to_span(file, span), first.and_then(|d| d.label.clone()).unwrap_or_else(|| message.clone()))
            .with_help_opt(
                first
                    .and_then(|d| d.help.clone())
                    .or_else(|| Some("KDL v2: strings in double quotes (platforms contain `/`, so quote them), #true/#false/#null".into())),
            )
    })?;
    let lower = Lower { file };
    let mut body = Body::default();
    for node in doc.nodes() {
        let name = node.name().value();
        if TOP_BLOCKS.contains(&name) {
            body.blocks.push(lower.block(node, true)?);
        } else {
            body.attrs.push(lower.attr(node)?);
        }
    }
    Ok(body)
}

fn to_span(file: FileId, s: SourceSpan) -> Span {
    Span::new(file, s.offset()..s.offset() + s.len())
}

struct Lower {
    file: FileId,
}

impl Lower {
    fn span(&self, s: SourceSpan) -> Span {
        to_span(self.file, s)
    }

    fn block(&self, node: &KdlNode, labelled: bool) -> Result<Block, Diagnostic> {
        let kind = node.name().value().to_string();
        let kind_span = self.span(node.name().span());
        let mut labels = Vec::new();
        let mut body = Body::default();
        for entry in node.entries() {
            match entry.name() {
                Some(key) => body.attrs.push(Attr {
                    name: key.value().to_string(),
                    name_span: self.span(key.span()),
                    expr: self.value_expr(entry, key.value())?,
                }),
                None if labelled && labels.is_empty() => match entry.value() {
                    KdlValue::String(s) => labels.push((s.clone(), self.span(entry.span()))),
                    _ => {
                        return Err(Diagnostic::error("spec::block-label", format!("a `{kind}` name must be a string"))
                            .with_label(self.span(entry.span()), "not a string"));
                    }
                },
                None => {
                    return Err(Diagnostic::error("spec::syntax", format!("unexpected argument to `{kind}`"))
                        .with_label(self.span(entry.span()), "extra argument")
                        .with_help(format!(
                            "`{kind}` takes {}; put attributes in its {{ ... }} body",
                            if labelled { "one name" } else { "no arguments" }
                        )));
                }
            }
        }
        for child in node.children().map(KdlDocument::nodes).unwrap_or_default() {
            let name = child.name().value();
            match NESTED.iter().find(|(parent, c, _)| *parent == kind && *c == name) {
                Some((_, _, child_labelled)) => body.blocks.push(self.block(child, *child_labelled)?),
                None => self.push_attr(&mut body, child)?,
            }
        }
        Ok(Block { kind, kind_span, labels, body, span: self.span(node.span()) })
    }

    /// Adds an attribute; repeated `select` nodes merge into one object.
    fn push_attr(&self, body: &mut Body, node: &KdlNode) -> Result<(), Diagnostic> {
        let attr = self.attr(node)?;
        if attr.name == "select"
            && let Some(existing) = body.attrs.iter_mut().find(|a| a.name == "select")
            && let (ExprKind::Object(items), ExprKind::Object(more)) = (&mut existing.expr.kind, &attr.expr.kind)
        {
            items.extend(more.iter().cloned());
            return Ok(());
        }
        body.attrs.push(attr);
        Ok(())
    }

    /// `name arg...` → a scalar, a list (list-shaped attributes, or several arguments), or an
    /// object (`args { KEY "v" }`, `select "linux/amd64" "path"`).
    fn attr(&self, node: &KdlNode) -> Result<Attr, Diagnostic> {
        let name = node.name().value().to_string();
        let name_span = self.span(node.name().span());
        let span = self.span(node.span());
        let args: Vec<&KdlEntry> = node.entries().iter().filter(|e| e.name().is_none()).collect();
        let expr = if name == "select" && args.len() == 2 && node.children().is_none() {
            let key = self.value_expr(args[0], &name)?;
            Expr { kind: ExprKind::Object(vec![(key, self.value_expr(args[1], &name)?)]), span }
        } else if OBJECTS.contains(&name.as_str()) || node.children().is_some() {
            let mut items = Vec::new();
            for child in node.children().map(KdlDocument::nodes).unwrap_or_default() {
                let key = Expr::literal(Value::from(child.name().value()), self.span(child.name().span()));
                let value = self.attr(child)?.expr;
                items.push((key, value));
            }
            for entry in node.entries().iter().filter(|e| e.name().is_some()) {
                let key = entry.name().map(|k| Expr::literal(Value::from(k.value()), self.span(k.span())));
                if let Some(key) = key {
                    items.push((key, self.value_expr(entry, &name)?));
                }
            }
            Expr { kind: ExprKind::Object(items), span }
        } else if is_list(&name) || args.len() > 1 {
            Expr { kind: ExprKind::Array(args.iter().map(|e| self.value_expr(e, &name)).collect::<Result<_, _>>()?), span }
        } else if let Some(only) = args.first() {
            self.value_expr(only, &name)?
        } else {
            return Err(Diagnostic::error("spec::missing-value", format!("`{name}` has no value"))
                .with_label(name_span, "expected a value after the name")
                .with_help(format!("write `{name} \"value\"`")));
        };
        Ok(Attr { name, name_span, expr })
    }

    fn value_expr(&self, entry: &KdlEntry, attr: &str) -> Result<Expr, Diagnostic> {
        let span = self.span(entry.span());
        let kind = match entry.value() {
            KdlValue::String(s) if attr == "type" => return super::hcl::parse_type(span, s),
            KdlValue::String(s) => ExprKind::Template(super::hcl::parse_template(string_contents(span, s), s)?),
            KdlValue::Integer(i) => ExprKind::Literal(Value::Number(*i as f64)),
            KdlValue::Float(f) => ExprKind::Literal(Value::Number(*f)),
            KdlValue::Bool(b) => ExprKind::Literal(Value::Bool(*b)),
            KdlValue::Null => ExprKind::Literal(Value::Null),
        };
        Ok(Expr { kind, span })
    }
}

/// Where a string's contents start: after `key=` and the opening quote, when the entry is a
/// plain quoted string (exact for strings without escapes).
fn string_contents(entry: Span, contents: &str) -> Span {
    let quoted_len = contents.len() + 2;
    let start = entry.end.saturating_sub(quoted_len as u32 - 1).max(entry.start);
    Span { start, end: entry.end.saturating_sub(1).max(start), ..entry }
}

fn is_list(name: &str) -> bool {
    EXTRA_LISTS.contains(&name) || spec(name).is_some_and(|s| matches!(s.kind, Kind::StrList | Kind::Composable))
}
