//! Source files and byte spans into them; every later stage points back here, none is known here.

use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span { file, start: range.start as u32, end: range.end as u32 }
    }

    /// The smallest span covering both (same file assumed; `self` wins otherwise).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// A span `len` bytes long starting `offset` bytes into this one, clamped to it.
    pub fn sub(self, offset: usize, len: usize) -> Span {
        let start = (self.start + offset as u32).min(self.end);
        Span { file: self.file, start, end: (start + len as u32).min(self.end) }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One loaded file: its display name and text.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Where each line starts, made on first use (locating thousands of diagnostics by
    /// scanning from the start each time would be quadratic).
    lines: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[usize] {
        self.lines.get_or_init(|| std::iter::once(0).chain(self.text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    /// The zero-based line `offset` is on.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts().partition_point(|&start| start <= offset).saturating_sub(1)
    }

    /// Where zero-based `line` starts; None past the last line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts().get(line).copied()
    }
}

/// All files read in one invocation, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(Arc::new(SourceFile { name: name.into(), text: text.into(), lines: Default::default() }));
        FileId(self.files.len() as u32 - 1)
    }

    /// How many files there are (the next one's id).
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn file(&self, id: FileId) -> &Arc<SourceFile> {
        &self.files[id.0 as usize]
    }

    /// One-based line and column (in characters) of a span's start.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let file = self.file(span.file);
        let offset = floor_char_boundary(&file.text, (span.start as usize).min(file.text.len()));
        let line = file.line_of(offset);
        let line_start = file.line_start(line).unwrap_or(0).min(offset);
        (line + 1, file.text[line_start..offset].chars().count() + 1)
    }

    /// `file:line:col` for a span.
    pub fn location(&self, span: Span) -> String {
        let (line, col) = self.line_col(span);
        format!("{}:{line}:{col}", self.file(span.file).name)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        let mut map = SourceMap::default();
        let id = map.add("a.hcl", "ab\ncdé\nfg");
        assert_eq!(map.line_col(Span::new(id, 0..1)), (1, 1));
        assert_eq!(map.line_col(Span::new(id, 4..5)), (2, 2));
        assert_eq!(map.line_col(Span::new(id, 8..9)), (3, 1));
        assert_eq!(map.location(Span::new(id, 3..4)), "a.hcl:2:1");
    }
}
