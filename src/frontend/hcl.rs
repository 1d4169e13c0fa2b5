//! Parses HCL with hcl-edit (which keeps byte spans) and lowers it into the shared syntax tree.
//!
//! hcl-rs's own `Body` has no spans, and its evaluator takes plain fn pointers; we keep only its
//! parser and evaluate the lowered tree ourselves (frontend::eval), so every error has a span.

use hcl::edit::Span as _;
use hcl::edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl::edit::structure::{self, Structure};
use hcl::edit::template::{Directive, Element, Template};

use crate::diag::Diagnostic;
use crate::frontend::syntax::{Attr, BinaryOp, Block, Body, Expr, ExprKind, ForExpr, TemplatePart, Traverser, UnaryOp};
use crate::frontend::value::Value;
use crate::source::{FileId, Span};

/// Parses an HCL file into the shared syntax tree.
pub fn parse(file: FileId, text: &str) -> Result<Body, Diagnostic> {
    super::depth::check(file, text)?;
    let body = hcl::edit::parser::parse_body(text).map_err(|e| parse_error(file, text, &e))?;
    Ok(Lower { file }.body(&body))
}

/// Parses a type expression written inside a string (`"list(string)"` in JSON and KDL specs);
/// every span of the result points at that string.
pub fn parse_type(span: Span, text: &str) -> Result<Expr, Diagnostic> {
    let invalid = |why: String| Diagnostic::error("spec::syntax", format!("invalid type expression: {why}")).with_label(span, "here");
    let expr = hcl::edit::parser::parse_expr(text).map_err(|e| invalid(e.message().to_string()))?;
    let mut lowered = Lower { file: span.file }.expr(&expr);
    respan(&mut lowered, span);
    Ok(lowered)
}

fn respan(expr: &mut Expr, span: Span) {
    expr.span = span;
    match &mut expr.kind {
        ExprKind::Call { args, .. } | ExprKind::Array(args) => args.iter_mut().for_each(|a| respan(a, span)),
        ExprKind::Object(items) => items.iter_mut().for_each(|(k, v)| {
            respan(k, span);
            respan(v, span);
        }),
        _ => {}
    }
}

/// Parses a string as an HCL template (bake JSON strings, KDL strings); `span` is where the
/// string's contents start in the file, so spans inside the template land on the right bytes
/// when the string has no escapes.
pub fn parse_template(span: Span, text: &str) -> Result<Vec<TemplatePart>, Diagnostic> {
    let template = hcl::edit::parser::parse_template(text).map_err(|e| {
        let offset = e.location().offset();
        Diagnostic::error("spec::syntax", format!("invalid template: {}", e.message()))
            .with_label(span.sub(offset, 1), e.message().to_string())
    })?;
    Ok(Lower { file: span.file }.template_at(&template, span.start as usize))
}

/// Where a quoted string opens that its line never closes, before `limit` (HCL strings end on
/// their line): the cause of a syntax error reported further on. Comments, heredocs and
/// `${…}` interpolations (whose own strings nest) are skipped.
fn unterminated_string(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut i, mut opened, mut depth) = (0, Vec::<usize>::new(), 0usize);
    while i < limit.min(bytes.len()) {
        let in_string = opened.len() > depth;
        match (bytes[i], in_string) {
            (b'\\', true) => i += 1,
            (b'"', true) => drop(opened.pop()),
            (b'"', false) => opened.push(i),
            (b'\n', true) => return opened.last().copied(),
            (b'$', true) if bytes.get(i + 1) == Some(&b'{') => {
                depth = opened.len();
                i += 1;
            }
            (b'}', false) if depth > 0 => depth -= 1,
            (b'#', false) => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            (b'/', false) if bytes.get(i + 1) == Some(&b'/') => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            (b'/', false) if bytes.get(i + 1) == Some(&b'*') => i = text[i..].find("*/").map_or(bytes.len(), |n| i + n + 1),
            (b'<', false) if text[i..].starts_with("<<") => {
                // a heredoc: its body runs to the line holding only its marker
                let header = &text[i + 2..text[i..].find('\n').map_or(bytes.len(), |n| i + n)];
                let marker = header.trim_start_matches('-').trim();
                let body_start = i + 2 + header.len();
                let end = text[body_start..].lines().scan(body_start, |at, line| {
                    let here = *at;
                    *at += line.len() + 1;
                    Some((here, line))
                });
                i = end.filter(|(_, line)| !marker.is_empty() && line.trim() == marker).map(|(at, _)| at).next().unwrap_or(bytes.len());
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn parse_error(file: FileId, text: &str, e: &hcl::edit::parser::Error) -> Diagnostic {
    let offset = e.location().offset().min(text.len());
    if let Some(start) = unterminated_string(text, offset + 1) {
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        return Diagnostic::error("spec::syntax", "HCL syntax error: a string is not closed")
            .with_label(Span::new(file, start..end), "this string opens here and its line ends before a closing `\"`")
            .with_help("close the quote on the same line (HCL strings cannot span lines; use a heredoc, <<EOT, for several lines)");
    }
    let end = text[offset..].chars().next().map_or(offset, |c| offset + c.len_utf8());
    Diagnostic::error("spec::syntax", format!("HCL syntax error: {}", e.message()))
        .with_label(Span::new(file, offset..end), e.message().to_string())
        .with_help("check the brackets, quotes and `=` signs around this point")
}

struct Lower {
    file: FileId,
}

impl Lower {
    fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        Span::new(self.file, range.unwrap_or(0..0))
    }

    fn body(&self, body: &structure::Body) -> Body {
        let mut out = Body::default();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => out.attrs.push(Attr {
                    name: attr.key.as_str().to_string(),
                    name_span: self.span(attr.key.span()),
                    expr: self.expr(&attr.value),
                }),
                Structure::Block(block) => out.blocks.push(self.block(block)),
            }
        }
        out
    }

    fn block(&self, block: &structure::Block) -> Block {
        Block {
            kind: block.ident.as_str().to_string(),
            kind_span: self.span(block.ident.span()),
            labels: block.labels.iter().map(|l| (l.as_str().to_string(), self.span(l.span()))).collect(),
            body: self.body(&block.body),
            span: self.span(block.span()),
        }
    }

    fn expr(&self, expr: &Expression) -> Expr {
        let span = self.span(expr.span());
        let kind = match expr {
            Expression::Null(_) => ExprKind::Literal(Value::Null),
            Expression::Bool(b) => ExprKind::Literal(Value::Bool(*b.value())),
            Expression::Number(n) => ExprKind::Literal(Value::Number(n.value().as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => ExprKind::Literal(Value::String(s.value().clone())),
            Expression::Array(items) => ExprKind::Array(items.iter().map(|e| self.expr(e)).collect()),
            Expression::Object(object) => ExprKind::Object(
                object
                    .iter()
                    .map(|(key, value)| {
                        let key = match key {
                            ObjectKey::Ident(id) => Expr::literal(Value::from(id.as_str()), self.span(id.span())),
                            ObjectKey::Expression(e) => self.expr(e),
                        };
                        (key, self.expr(value.expr()))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => ExprKind::Template(self.template(t)),
            Expression::HeredocTemplate(h) => ExprKind::Template(self.template(&h.template)),
            Expression::Parenthesis(p) => return self.expr(p.inner()),
            Expression::Variable(v) => ExprKind::Var(v.as_str().to_string()),
            Expression::Conditional(c) => {
                ExprKind::Cond(Box::new(self.expr(&c.cond_expr)), Box::new(self.expr(&c.true_expr)), Box::new(self.expr(&c.false_expr)))
            }
            Expression::FuncCall(call) => {
                let mut name: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
                name.push(call.name.name.as_str());
                ExprKind::Call {
                    name: name.join("::"),
                    args: call.args.iter().map(|a| self.expr(a)).collect(),
                    expand_final: call.args.expand_final(),
                }
            }
            Expression::Traversal(t) => ExprKind::Traverse(
                Box::new(self.expr(&t.expr)),
                t.operators.iter().map(|op| self.traverser(op.value(), self.span(op.span()))).collect(),
            ),
            Expression::UnaryOp(op) => ExprKind::Unary(
                match op.operator.value() {
                    UnaryOperator::Neg => UnaryOp::Neg,
                    UnaryOperator::Not => UnaryOp::Not,
                },
                Box::new(self.expr(&op.expr)),
            ),
            Expression::BinaryOp(op) => {
                ExprKind::Binary(binary_op(*op.operator.value()), Box::new(self.expr(&op.lhs_expr)), Box::new(self.expr(&op.rhs_expr)))
            }
            Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                collection: self.expr(&f.intro.collection_expr),
                key_expr: f.key_expr.as_ref().map(|k| self.expr(k)),
                value_expr: self.expr(&f.value_expr),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr)),
                grouping: f.grouping,
            })),
        };
        Expr { kind, span }
    }

    fn traverser(&self, op: &TraversalOperator, span: Span) -> Traverser {
        match op {
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => Traverser::Splat,
            TraversalOperator::GetAttr(id) => Traverser::Attr(id.as_str().to_string(), span),
            TraversalOperator::Index(e) => Traverser::Index(self.expr(e)),
            TraversalOperator::LegacyIndex(i) => Traverser::Index(Expr::literal(Value::Number(*i.value() as f64), span)),
        }
    }

    fn template(&self, template: &Template) -> Vec<TemplatePart> {
        self.template_at(template, 0)
    }

    /// Lowers a template whose spans are relative to `base` (non-zero for strings parsed apart).
    fn template_at(&self, template: &Template, base: usize) -> Vec<TemplatePart> {
        let shifted = Lower { file: self.file };
        let mut parts = Vec::new();
        for element in template.iter() {
            parts.push(match element {
                Element::Literal(s) => TemplatePart::Literal(s.value().clone()),
                Element::Interpolation(i) => TemplatePart::Interp(shift(shifted.expr(&i.expr), base)),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(dir) => TemplatePart::If {
                        cond: shift(shifted.expr(&dir.if_expr.cond_expr), base),
                        then: self.template_at(&dir.if_expr.template, base),
                        otherwise: dir.else_expr.as_ref().map(|e| self.template_at(&e.template, base)).unwrap_or_default(),
                    },
                    Directive::For(dir) => TemplatePart::For {
                        key_var: dir.for_expr.key_var.as_ref().map(|k| k.as_str().to_string()),
                        value_var: dir.for_expr.value_var.as_str().to_string(),
                        collection: shift(shifted.expr(&dir.for_expr.collection_expr), base),
                        body: self.template_at(&dir.for_expr.template, base),
                    },
                },
            });
        }
        parts
    }
}

/// Moves every span in an expression by `base` bytes.
fn shift(mut expr: Expr, base: usize) -> Expr {
    if base == 0 {
        return expr;
    }
    shift_in_place(&mut expr, base as u32);
    expr
}

fn shift_in_place(expr: &mut Expr, base: u32) {
    expr.span.start += base;
    expr.span.end += base;
    match &mut expr.kind {
        ExprKind::Literal(_) | ExprKind::Var(_) => {}
        ExprKind::Template(parts) => parts.iter_mut().for_each(|p| shift_part(p, base)),
        ExprKind::Traverse(b, ops) => {
            shift_in_place(b, base);
            for op in ops {
                match op {
                    Traverser::Attr(_, s) => {
                        s.start += base;
                        s.end += base;
                    }
                    Traverser::Index(e) => shift_in_place(e, base),
                    Traverser::Splat => {}
                }
            }
        }
        ExprKind::Call { args, .. } | ExprKind::Array(args) => args.iter_mut().for_each(|a| shift_in_place(a, base)),
        ExprKind::Cond(a, b, c) => [a, b, c].into_iter().for_each(|e| shift_in_place(e, base)),
        ExprKind::Unary(_, e) => shift_in_place(e, base),
        ExprKind::Binary(_, a, b) => [a, b].into_iter().for_each(|e| shift_in_place(e, base)),
        ExprKind::Object(items) => items.iter_mut().for_each(|(k, v)| {
            shift_in_place(k, base);
            shift_in_place(v, base);
        }),
        ExprKind::For(f) => {
            shift_in_place(&mut f.collection, base);
            shift_in_place(&mut f.value_expr, base);
            f.key_expr.iter_mut().chain(f.cond.iter_mut()).for_each(|e| shift_in_place(e, base));
        }
    }
}

fn shift_part(part: &mut TemplatePart, base: u32) {
    match part {
        TemplatePart::Literal(_) => {}
        TemplatePart::Interp(e) => shift_in_place(e, base),
        TemplatePart::If { cond, then, otherwise } => {
            shift_in_place(cond, base);
            then.iter_mut().chain(otherwise.iter_mut()).for_each(|p| shift_part(p, base));
        }
        TemplatePart::For { collection, body, .. } => {
            shift_in_place(collection, base);
            body.iter_mut().for_each(|p| shift_part(p, base));
        }
    }
}

fn binary_op(op: BinaryOperator) -> BinaryOp {
    match op {
        BinaryOperator::Eq => BinaryOp::Eq,
        BinaryOperator::NotEq => BinaryOp::NotEq,
        BinaryOperator::LessEq => BinaryOp::LtEq,
        BinaryOperator::GreaterEq => BinaryOp::GtEq,
        BinaryOperator::Less => BinaryOp::Lt,
        BinaryOperator::Greater => BinaryOp::Gt,
        BinaryOperator::Plus => BinaryOp::Add,
        BinaryOperator::Minus => BinaryOp::Sub,
        BinaryOperator::Mul => BinaryOp::Mul,
        BinaryOperator::Div => BinaryOp::Div,
        BinaryOperator::Mod => BinaryOp::Mod,
        BinaryOperator::And => BinaryOp::And,
        BinaryOperator::Or => BinaryOp::Or,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_string_is_found_where_it_opens() {
        let text = "target \"app\" {\n  tags = [\"abc]\n  args = { A = \"1\" }\n}\n";
        assert_eq!(unterminated_string(text, text.len()), text.find("\"abc"));
        let fine = "# a \"quote\n/* \" */ x = \"${join(\",\", [\"a\"])}\"\ny = <<EOT\n\"open\nEOT\nz = \"ok\"\n";
        assert_eq!(unterminated_string(fine, fine.len()), None);
    }
}
