//! `.dockerignore` matching as BuildKit does it: cleaned glob patterns, `**` across
//! directories, `!` exceptions where the last matching pattern wins, and a pattern that matches
//! a directory excluding everything under it.

use glob::{MatchOptions, Pattern};

/// Compiled ignore patterns.
#[derive(Debug, Default, Clone)]
pub struct Ignore {
    patterns: Vec<(Pattern, bool)>,
}

const OPTIONS: MatchOptions = MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: false };

impl Ignore {
    /// Compiles patterns (invalid ones are kept literal).
    pub fn new(patterns: &[String]) -> Ignore {
        let patterns = patterns
            .iter()
            .filter_map(|p| {
                let (text, exception) = match p.trim().strip_prefix('!') {
                    Some(rest) => (rest.trim(), true),
                    None => (p.trim(), false),
                };
                let cleaned = super::state::absolute("/", text);
                let cleaned = cleaned.trim_start_matches('/');
                if cleaned.is_empty() {
                    return None;
                }
                let pattern = Pattern::new(cleaned).unwrap_or_else(|_| Pattern::new(&Pattern::escape(cleaned)).unwrap_or_default());
                Some((pattern, exception))
            })
            .collect();
        Ignore { patterns }
    }

    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|(_, exception)| *exception)
    }

    /// Whether the context-relative `path` (`a/b/c`) is excluded.
    pub fn excludes(&self, path: &str) -> bool {
        let mut excluded = false;
        for (pattern, exception) in &self.patterns {
            let mut prefix = String::new();
            let matched = path.split('/').any(|part| {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(part);
                pattern.matches_with(&prefix, OPTIONS)
            });
            if matched {
                excluded = !exception;
            }
        }
        excluded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(patterns: &[&str]) -> Ignore {
        Ignore::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn patterns_exclude_paths_and_everything_under_matched_directories() {
        let i = ignore(&["*.md", "/target", "**/*.tmp", "docs/", "!README.md"]);
        assert!(i.excludes("NOTES.md"));
        assert!(!i.excludes("README.md"), "the later exception wins");
        assert!(!i.excludes("src/NOTES.md"), "`*` stays within a directory");
        assert!(i.excludes("target/debug/app"));
        assert!(i.excludes("a/b/c.tmp"));
        assert!(i.excludes("docs/index.html"));
        assert!(!i.excludes("src/main.go"));
        assert!(i.has_exceptions());
    }
}
