//! Template strings: interpolation, `%{if}` and `%{for}` directives, HCL's single-interpolation rule.

use super::{EvalResult, Evaluator, ops};
use crate::diag::Diagnostic;
use crate::frontend::syntax::TemplatePart;
use crate::frontend::value::Value;

/// The longest string a template may make: no bake file needs more.
const MAX_STRING: usize = 16 << 20;

impl Evaluator<'_> {
    /// A template that is one interpolation (`"${x}"`) yields x's value unconverted, as in HCL.
    pub(super) fn template(&mut self, parts: &[TemplatePart]) -> EvalResult {
        if let [TemplatePart::Interp(expr)] = parts {
            return self.eval(expr);
        }
        let mut out = String::new();
        self.render(parts, &mut out)?;
        Ok(Value::String(out))
    }

    fn render(&mut self, parts: &[TemplatePart], out: &mut String) -> Result<(), Diagnostic> {
        for part in parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interp(expr) => {
                    let value = self.eval(expr)?;
                    match value.to_template_string() {
                        Some(s) if out.len() + s.len() > MAX_STRING => {
                            return Err(Diagnostic::error("spec::too-large", format!("this string grows past {} MiB", MAX_STRING >> 20))
                                .with_label(expr.span, "here")
                                .with_help("a variable that doubles itself through its own interpolations grows without end"));
                        }
                        Some(s) => out.push_str(&s),
                        None => {
                            let why = if value.is_null() { "the value is null" } else { "a list or object cannot be put in a string" };
                            return Err(Diagnostic::error(
                                "spec::interpolation",
                                format!("cannot interpolate a {}: {why}", value.type_name()),
                            )
                            .with_label(expr.span, "this value")
                            .with_help("use join(\",\", list) for a list, or a default for a null variable"));
                        }
                    }
                }
                TemplatePart::If { cond, then, otherwise } => {
                    let branch = if ops::truthy(&self.eval(cond)?, cond.span)? { then } else { otherwise };
                    self.render(branch, out)?;
                }
                TemplatePart::For { key_var, value_var, collection, body } => {
                    let items = ops::iterate(self.eval(collection)?, collection.span)?;
                    for (key, value) in items {
                        let mut locals = vec![(value_var.clone(), value)];
                        if let Some(k) = key_var {
                            locals.push((k.clone(), key));
                        }
                        self.with_locals(locals, |ev| ev.render(body, out))?;
                    }
                }
            }
        }
        Ok(())
    }
}
