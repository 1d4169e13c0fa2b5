//! Reads bake's JSON form (HCL's JSON syntax: every string is a template) into the shared tree.

use jsonc_parser::ast::{ObjectPropName, Value as Json};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use crate::diag::Diagnostic;
use crate::frontend::syntax::{Attr, Block, Body, Expr, ExprKind};
use crate::frontend::value::Value;
use crate::source::{FileId, Span};

/// Block kinds allowed at the top level, and nested block kinds per parent (with whether the
/// nested block takes a label).
const TOP_BLOCKS: &[&str] = &["variable", "function", "target", "group", "node"];
const NESTED: &[(&str, &str, bool)] =
    &[("variable", "validation", false), ("target", "file", true), ("target", "platform", true), ("platform", "file", true)];

pub fn parse(file: FileId, text: &str) -> Result<Body, Diagnostic> {
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        ..ParseOptions::default()
    };
    let parsed = parse_to_ast(text, &CollectOptions::default(), &options).map_err(|e| {
        let r = e.range();
        Diagnostic::error("spec::syntax", format!("JSON syntax error: {}", e.kind()))
            .with_label(Span::new(file, r.start..r.end.max(r.start + 1).min(text.len().max(r.start))), e.kind().to_string())
    })?;
    let lower = Lower { file };
    match parsed.value {
        Some(Json::Object(obj)) => {
            let mut body = Body::default();
            for prop in obj.properties {
                let (name, name_span) = lower.prop_name(&prop.name);
                if TOP_BLOCKS.contains(&name.as_str()) {
                    body.blocks.extend(lower.blocks(&name, name_span, &prop.value, true)?);
                } else {
                    body.attrs.push(Attr { name, name_span, expr: lower.expr(&prop.value)? });
                }
            }
            Ok(body)
        }
        _ => Err(Diagnostic::error("spec::syntax", "a bake JSON file holds one object")
            .with_label(Span::new(file, 0..text.len().min(1)), "expected `{`")),
    }
}

struct Lower {
    file: FileId,
}

impl Lower {
    fn span(&self, r: jsonc_parser::common::Range) -> Span {
        Span::new(self.file, r.start..r.end)
    }

    fn prop_name(&self, name: &ObjectPropName) -> (String, Span) {
        match name {
            ObjectPropName::String(s) => (s.value.to_string(), self.span(s.range)),
            ObjectPropName::Word(w) => (w.value.to_string(), self.span(w.range)),
        }
    }

    /// `"kind": { "label": { body } }` (labelled; or a list of such objects) or `"kind": { body }`
    /// / `[{ body }]` (unlabelled).
    fn blocks(&self, kind: &str, kind_span: Span, value: &Json, labelled: bool) -> Result<Vec<Block>, Diagnostic> {
        let not_object = |span: Span| {
            Diagnostic::error("spec::syntax", format!("`{kind}` must be an object of blocks"))
                .with_label(span, "expected an object")
                .with_help(format!("write \"{kind}\": {{ \"name\": {{ ... }} }}"))
        };
        if !labelled {
            let bodies: Vec<&Json> = match value {
                Json::Array(a) => a.elements.iter().collect(),
                other => vec![other],
            };
            return bodies
                .into_iter()
                .map(|b| Ok(Block { kind: kind.into(), kind_span, labels: Vec::new(), body: self.body(kind, b)?, span: kind_span }))
                .collect();
        }
        // HCL's JSON form also takes a list of such objects: "target": [{ "a": {...} }, ...]
        if let Json::Array(list) = value {
            let mut out = Vec::new();
            for element in &list.elements {
                out.extend(self.blocks(kind, kind_span, element, labelled)?);
            }
            return Ok(out);
        }
        let Json::Object(obj) = value else { return Err(not_object(kind_span)) };
        let mut out = Vec::new();
        for prop in &obj.properties {
            let (label, label_span) = self.prop_name(&prop.name);
            // a label may hold one body or a list of bodies
            let bodies: Vec<&Json> = match &prop.value {
                Json::Array(a) => a.elements.iter().collect(),
                other => vec![other],
            };
            for b in bodies {
                out.push(Block {
                    kind: kind.into(),
                    kind_span,
                    labels: vec![(label.clone(), label_span)],
                    body: self.body(kind, b)?,
                    span: self.span(prop.range),
                });
            }
        }
        Ok(out)
    }

    fn body(&self, kind: &str, value: &Json) -> Result<Body, Diagnostic> {
        let Json::Object(obj) = value else {
            return Err(Diagnostic::error("spec::syntax", format!("a `{kind}` body must be an object"))
                .with_label(self.json_span(value), "expected `{`"));
        };
        let mut body = Body::default();
        for prop in &obj.properties {
            let (name, name_span) = self.prop_name(&prop.name);
            if let Some((_, _, labelled)) = NESTED.iter().find(|(parent, child, _)| *parent == kind && *child == name) {
                body.blocks.extend(self.blocks(&name, name_span, &prop.value, *labelled)?);
            } else if kind == "variable" && name == "type" {
                body.attrs.push(Attr { name, name_span, expr: self.type_expr(&prop.value)? });
            } else {
                body.attrs.push(Attr { name, name_span, expr: self.expr(&prop.value)? });
            }
        }
        Ok(body)
    }

    /// A variable's `type` is an expression written as a string: "list(string)".
    fn type_expr(&self, value: &Json) -> Result<Expr, Diagnostic> {
        match value {
            Json::StringLit(s) => super::hcl::parse_type(self.span(s.range), &s.value),
            other => self.expr(other),
        }
    }

    fn json_span(&self, value: &Json) -> Span {
        let r = match value {
            Json::StringLit(v) => v.range,
            Json::NumberLit(v) => v.range,
            Json::BooleanLit(v) => v.range,
            Json::Object(v) => v.range,
            Json::Array(v) => v.range,
            Json::NullKeyword(v) => v.range,
        };
        self.span(r)
    }

    fn expr(&self, value: &Json) -> Result<Expr, Diagnostic> {
        let span = self.json_span(value);
        let kind = match value {
            Json::NullKeyword(_) => ExprKind::Literal(Value::Null),
            Json::BooleanLit(b) => ExprKind::Literal(Value::Bool(b.value)),
            Json::NumberLit(n) => ExprKind::Literal(Value::Number(
                n.value
                    .parse()
                    .map_err(|_| Diagnostic::error("spec::syntax", format!("invalid number `{}`", n.value)).with_label(span, "here"))?,
            )),
            Json::StringLit(s) => {
                // the contents start one byte in (after the quote)
                let inner = Span { start: span.start + 1, end: span.end.saturating_sub(1).max(span.start + 1), ..span };
                ExprKind::Template(super::hcl::parse_template(inner, &s.value)?)
            }
            Json::Array(a) => ExprKind::Array(a.elements.iter().map(|e| self.expr(e)).collect::<Result<_, _>>()?),
            Json::Object(o) => ExprKind::Object(
                o.properties
                    .iter()
                    .map(|p| {
                        let (k, ks) = self.prop_name(&p.name);
                        Ok((Expr::literal(Value::String(k), ks), self.expr(&p.value)?))
                    })
                    .collect::<Result<_, Diagnostic>>()?,
            ),
        };
        Ok(Expr { kind, span })
    }
}
