//! Renders diagnostics for people (miette), for tools (JSON) and for code-scanning UIs (SARIF).

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};
use serde_json::{Value as Json, json};

use super::{Diagnostic, Severity};
use crate::source::{SourceFile, SourceMap, Span};

/// Renders every diagnostic as miette's graphical report; `color` for terminals.
pub fn render_human(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = MietteView::new(diagnostic, sources);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
        }
    }
    out
}

/// A diagnostic borrowed into miette's trait, with its labels limited to the primary file;
/// labels in other files are listed as notes in the help text.
struct MietteView {
    code: &'static str,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Option<Window>,
    labels: Vec<LabeledSpan>,
}

impl MietteView {
    fn new(d: &Diagnostic, sources: &SourceMap) -> MietteView {
        let primary_file = d.primary_span().map(|s| s.file);
        let mut notes = Vec::new();
        let mut labels = Vec::new();
        for (i, label) in d.labels.iter().enumerate() {
            if Some(label.span.file) == primary_file {
                let span = SourceSpan::new((label.span.start as usize).into(), label.span.len());
                let text = (!label.text.is_empty()).then(|| label.text.clone());
                labels.push(if i == 0 { LabeledSpan::new_primary_with_span(text, span) } else { LabeledSpan::new_with_span(text, span) });
            } else {
                notes.push(format!("{}: {}", sources.location(label.span), label.text));
            }
        }
        let help = match (&d.help, notes.is_empty()) {
            (h, true) => h.clone(),
            (None, false) => Some(format!("see {}", notes.join("; "))),
            (Some(h), false) => Some(format!("{h}\nsee {}", notes.join("; "))),
        };
        let spans = d.labels.iter().filter(|l| Some(l.span.file) == primary_file).map(|l| l.span);
        let (from, to) = spans.fold((usize::MAX, 0), |(a, b), s| (a.min(s.start as usize), b.max(s.end as usize)));
        let source = primary_file.map(|f| Window::around(sources.file(f), from.min(to), to));
        MietteView { code: d.code, severity: d.severity, message: d.message.clone(), help, source, labels }
    }
}

impl fmt::Debug for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView {}

/// A file's text around a diagnostic's labels, as miette reads it — offsets and line numbers
/// those of the whole file — so that rendering a diagnostic copies and scans only its
/// neighbourhood, not the whole file (thousands of diagnostics in one file stay linear).
struct Window {
    name: String,
    text: String,
    /// Where `text` starts in the file, and on which (zero-based) line.
    offset: usize,
    line: usize,
}

impl Window {
    /// The lines from a few before `from` to a few after `to` (more than miette shows).
    fn around(file: &SourceFile, from: usize, to: usize) -> Window {
        const CONTEXT: usize = 4;
        let first = file.line_of(from).saturating_sub(CONTEXT);
        let start = file.line_start(first).unwrap_or(0);
        let end = file.line_start(file.line_of(to) + CONTEXT + 1).unwrap_or(file.text.len());
        Window { name: file.name.clone(), text: file.text.get(start..end).unwrap_or_default().to_string(), offset: start, line: first }
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let local = span.offset().checked_sub(self.offset).ok_or(miette::MietteError::OutOfBounds)?;
        let inner = self.text.as_str().read_span(&SourceSpan::new(local.into(), span.len()), before, after)?;
        let at = SourceSpan::new((inner.span().offset() + self.offset).into(), inner.span().len());
        let (data, column, count) = (inner.data(), inner.column(), inner.line_count());
        Ok(Box::new(miette::MietteSpanContents::new_named(self.name.clone(), data, at, inner.line() + self.line, column, count)))
    }
}

impl miette::Diagnostic for MietteView {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn location_json(span: Span, sources: &SourceMap) -> Json {
    let (line, column) = sources.line_col(span);
    let end = Span { start: span.end, ..span };
    let (end_line, end_column) = sources.line_col(end);
    json!({
        "file": sources.file(span.file).name,
        "line": line, "column": column, "end_line": end_line, "end_column": end_column,
    })
}

/// A JSON array of diagnostics with file, line, column (one-based) per label.
pub fn render_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> Json {
    Json::Array(
        diagnostics
            .iter()
            .map(|d| {
                let labels: Vec<Json> = d
                    .labels
                    .iter()
                    .map(|l| {
                        let mut loc = location_json(l.span, sources);
                        loc["text"] = json!(l.text);
                        loc
                    })
                    .collect();
                let mut out = json!({
                    "code": d.code, "severity": d.severity, "message": d.message,
                    "labels": labels, "help": d.help,
                });
                if let Some(span) = d.primary_span() {
                    for (k, v) in location_json(span, sources).as_object().into_iter().flatten() {
                        out[k] = v.clone();
                    }
                }
                out
            })
            .collect(),
    )
}

/// A SARIF 2.1.0 log with one run, for GitHub code scanning and other SARIF readers.
pub fn render_sarif(diagnostics: &[Diagnostic], sources: &SourceMap) -> Json {
    let mut rule_ids: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let results: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let locations: Vec<Json> = d
                .primary_span()
                .map(|span| {
                    let loc = location_json(span, sources);
                    json!({"physicalLocation": {
                        "artifactLocation": {"uri": loc["file"]},
                        "region": {"startLine": loc["line"], "startColumn": loc["column"],
                                   "endLine": loc["end_line"], "endColumn": loc["end_column"]},
                    }})
                })
                .into_iter()
                .collect();
            let text = match &d.help {
                Some(h) => format!("{}\nhelp: {h}", d.message),
                None => d.message.clone(),
            };
            json!({
                "ruleId": d.code,
                "level": if d.is_error() { "error" } else { "warning" },
                "message": {"text": text},
                "locations": locations,
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mpbake",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}
