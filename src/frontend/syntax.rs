//! The spec syntax tree shared by HCL, bake JSON and KDL: blocks, attributes, expressions, spans.
//!
//! Each surface syntax lowers into this tree; one evaluator then gives them the same semantics.

use crate::frontend::value::Value;
use crate::source::Span;

/// A list of attributes and blocks (a file, or the inside of a block).
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

/// `name = expr`.
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
}

/// `kind "label" ... { body }`.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: String,
    pub kind_span: Span,
    pub labels: Vec<(String, Span)>,
    pub body: Body,
    pub span: Span,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().rev().find(|a| a.name == name)
    }

    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

impl Block {
    /// The first label, or "" for an unlabelled block.
    pub fn name(&self) -> &str {
        self.labels.first().map_or("", |(n, _)| n.as_str())
    }

    /// The first label's span, or the keyword's.
    pub fn name_span(&self) -> Span {
        self.labels.first().map_or(self.kind_span, |(_, s)| *s)
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Debug, Clone)]
pub enum Traverser {
    Attr(String, Span),
    Index(Expr),
    /// `[*]` or `.*`: apply the rest of the traversal to every element.
    Splat,
}

#[derive(Debug, Clone)]
pub enum TemplatePart {
    Literal(String),
    Interp(Expr),
    If { cond: Expr, then: Vec<TemplatePart>, otherwise: Vec<TemplatePart> },
    For { key_var: Option<String>, value_var: String, collection: Expr, body: Vec<TemplatePart> },
}

#[derive(Debug, Clone)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Present for `{ for ... : key => value }`.
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Literal(Value),
    Template(Vec<TemplatePart>),
    Var(String),
    Traverse(Box<Expr>, Vec<Traverser>),
    Call {
        name: String,
        args: Vec<Expr>,
        expand_final: bool,
    },
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Array(Vec<Expr>),
    /// Keys are expressions; a bare identifier key is a literal string.
    Object(Vec<(Expr, Expr)>),
    For(Box<ForExpr>),
}

impl Expr {
    pub fn literal(value: Value, span: Span) -> Expr {
        Expr { kind: ExprKind::Literal(value), span }
    }
}
