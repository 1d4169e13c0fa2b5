//! BuildKit's shell lexer for instruction words, in one pass as BuildKit's `shell.Lex` does it:
//! quotes removed, the escape character honoured, `$V`, `${V}` and every parameter form
//! (`:-` `-` `:+` `+` `:?` `?` `#` `##` `%` `%%` `/` `//`) expanded; `${}` and other bad
//! substitutions are errors. Rewritten from BuildKit's behaviour (frontend/dockerfile/shell),
//! checked against its own test data in tests/shell_lexer.rs.

/// How much longer than itself an expanded word may get, and how deeply `${…}` may nest:
/// limits no real Dockerfile meets, which keep `ENV A=$A$A` repeated, or a 20,000-deep
/// nesting, from taking gigabytes or the stack (a long literal word is fine).
const MAX_EXPANDED: usize = 1 << 20;
const MAX_DEPTH: usize = 64;

/// A variable's value (None: unset).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The word with quotes and escapes removed and variables expanded (BuildKit's ProcessWord).
pub fn process_word(word: &str, lookup: Lookup, escape: char) -> Result<String, String> {
    let mut lexer = Lexer::new(word, lookup, escape);
    let (result, _) = lexer.until(None, false, 0)?;
    Ok(result)
}

/// Variables expanded, quotes left as they are: a `COPY <<EOF` body (BuildKit's lexer with
/// SkipProcessQuotes).
pub fn process_keeping_quotes(text: &str, lookup: Lookup, escape: char) -> Result<String, String> {
    let mut lexer = Lexer::new(text, lookup, escape);
    lexer.keep_quotes = true;
    let (result, _) = lexer.until(None, false, 0)?;
    Ok(result)
}

/// The word expanded, then split on whitespace that neither quotes nor an escape protect, nor
/// came from a quoted expansion (BuildKit's ProcessWords).
pub fn process_words(word: &str, lookup: Lookup, escape: char) -> Result<Vec<String>, String> {
    let mut lexer = Lexer::new(word, lookup, escape);
    let (_, words) = lexer.until(None, false, 0)?;
    Ok(words)
}

struct Lexer<'a> {
    chars: Vec<char>,
    at: usize,
    lookup: Lookup<'a>,
    escape: char,
    keep_quotes: bool,
    /// The longest result: the word's own length plus what expansion may add.
    limit: usize,
}

/// Words as they are split: whitespace ends a word unless it was protected.
#[derive(Default)]
struct Words {
    done: Vec<String>,
    current: String,
    in_word: bool,
}

impl Words {
    fn add(&mut self, c: char) {
        if !c.is_whitespace() {
            self.add_raw(c);
        } else if self.in_word && !self.current.is_empty() {
            self.done.push(std::mem::take(&mut self.current));
            self.in_word = false;
        }
    }

    fn add_raw(&mut self, c: char) {
        self.current.push(c);
        self.in_word = true;
    }

    fn add_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.add(c));
    }

    fn add_raw_str(&mut self, s: &str) {
        self.current.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.is_empty() {
            self.done.push(self.current);
        }
        self.done
    }
}

impl<'a> Lexer<'a> {
    fn new(word: &str, lookup: Lookup<'a>, escape: char) -> Lexer<'a> {
        Lexer { chars: word.chars().collect(), at: 0, lookup, escape, keep_quotes: false, limit: word.len() + MAX_EXPANDED }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.at += usize::from(c.is_some());
        c
    }

    /// Processes up to `stop` (consumed) or the end; `raw_escapes` keeps escape characters
    /// (for patterns, where they escape wildcards).
    fn until(&mut self, stop: Option<char>, raw_escapes: bool, depth: usize) -> Result<(String, Vec<String>), String> {
        if depth > MAX_DEPTH {
            return Err(format!("`${{…}}` nests more than {MAX_DEPTH} deep"));
        }
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(c) = self.peek() {
            if result.len() > self.limit {
                return Err(format!("the expansion adds more than {} MiB", MAX_EXPANDED >> 20));
            }
            if Some(c) == stop {
                self.next();
                return Ok((result, words.finish()));
            }
            match c {
                '$' => {
                    let value = self.dollar(depth)?;
                    result.push_str(&value);
                    words.add_str(&value);
                }
                '\'' if !self.keep_quotes => {
                    let value = self.single_quoted()?;
                    result.push_str(&value);
                    words.add_raw_str(&value);
                }
                '"' if !self.keep_quotes => {
                    let value = self.double_quoted(raw_escapes, depth)?;
                    result.push_str(&value);
                    words.add_raw_str(&value);
                }
                '<' => {
                    // a heredoc marker keeps the spaces after `<<` with it
                    let value = self.possible_heredoc();
                    result.push_str(&value);
                    words.add_raw_str(&value);
                }
                _ => {
                    self.next();
                    if c == self.escape {
                        if raw_escapes {
                            words.add_raw(c);
                            result.push(c);
                        }
                        // the escape escapes the next character; at the end it is dropped
                        let Some(escaped) = self.next() else { break };
                        words.add_raw(escaped);
                        result.push(escaped);
                    } else {
                        words.add(c);
                        result.push(c);
                    }
                }
            }
        }
        match stop {
            Some(s) => Err(format!("unexpected end of statement while looking for matching {s}")),
            None if result.len() > self.limit => Err(format!("the expansion adds more than {} MiB", MAX_EXPANDED >> 20)),
            None => Ok((result, words.finish())),
        }
    }

    /// `'…'`: everything literal up to the next single quote.
    fn single_quoted(&mut self) -> Result<String, String> {
        self.next();
        let mut out = String::new();
        loop {
            match self.next() {
                None => return Err("unexpected end of statement while looking for matching single-quote".into()),
                Some('\'') => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    /// `"…"`: `$` expands; the escape character escapes only `"`, `$` and itself.
    fn double_quoted(&mut self, raw_escapes: bool, depth: usize) -> Result<String, String> {
        self.next();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("unexpected end of statement while looking for matching double-quote".into()),
                Some('"') => {
                    self.next();
                    return Ok(out);
                }
                Some('$') => out.push_str(&self.dollar(depth)?),
                Some(_) => {
                    let mut c = self.next().unwrap_or_default();
                    if c == self.escape {
                        if raw_escapes {
                            out.push(c);
                        }
                        match self.peek() {
                            // an escape before the end is dropped (the missing quote is the error)
                            None => continue,
                            Some(n) if n == '"' || n == '$' || n == self.escape => c = self.next().unwrap_or_default(),
                            Some(_) => {}
                        }
                    }
                    out.push(c);
                }
            }
        }
    }

    fn possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".into();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c) = self.peek().filter(|c| matches!(c, ' ' | '\t' | '\r')) {
            out.push(c);
            self.next();
        }
        out
    }

    /// A name: a run of digits (positional), one special parameter, or letters, digits and `_`.
    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if name.is_empty() && c.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    name.push(d);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return c.to_string();
            }
            if !(c.is_alphanumeric() || c == '_') {
                break;
            }
            name.push(c);
            self.next();
        }
        name
    }

    fn dollar(&mut self, depth: usize) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            return Ok(if name.is_empty() { "$".into() } else { (self.lookup)(&name).unwrap_or_default() });
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.name();
        let first = self.next();
        let mut modifier: String = first.map(String::from).unwrap_or_default();
        let mut op = first;
        let null_is_unset = op == Some(':');
        if null_is_unset {
            op = self.next();
            modifier.extend(op);
        }
        match op {
            Some('}') if !null_is_unset => Ok((self.lookup)(&name).unwrap_or_default()),
            Some(c @ ('+' | '-' | '?' | '#' | '%')) => {
                let raw = c == '#' || c == '%';
                if null_is_unset && raw {
                    return Err(format!("unsupported modifier ({modifier}) in substitution"));
                }
                let word = self.inner('}', raw, depth)?;
                let value = (self.lookup)(&name);
                let unset = value.is_none() || (null_is_unset && value.as_deref() == Some(""));
                match c {
                    '-' => Ok(if unset { word } else { value.unwrap_or_default() }),
                    '+' => Ok(if unset { String::new() } else { word }),
                    '?' if value.is_none() || unset => {
                        let why = if word.is_empty() {
                            if value.is_none() { "is not allowed to be unset" } else { "is not allowed to be empty" }
                        } else {
                            &word
                        };
                        Err(format!("{name}: {why}"))
                    }
                    '?' => Ok(value.unwrap_or_default()),
                    _ => {
                        let (greedy, pattern) = match word.strip_prefix(c) {
                            Some(rest) => (true, rest.to_string()),
                            None => (false, word),
                        };
                        let value = value.unwrap_or_default();
                        if c == '%' { trim_suffix(&pattern, &value, greedy) } else { trim_prefix(&pattern, &value, greedy) }
                    }
                }
            }
            Some('/') if !null_is_unset => {
                let all = self.peek() == Some('/');
                if all {
                    self.next();
                }
                let pattern = self.inner('/', true, depth)?;
                let replacement = self.inner('}', true, depth)?;
                let value = (self.lookup)(&name).unwrap_or_default();
                let re = pattern_regex(&pattern, true, false)?;
                Ok(match all {
                    true => re.replace_all(&value, replacement.as_str()).into_owned(),
                    false => re.replace(&value, replacement.as_str()).into_owned(),
                })
            }
            _ => Err(format!("unsupported modifier ({modifier}) in substitution")),
        }
    }

    /// The word inside `${…}` up to `stop`, processed; whatever fails at the end of the text is
    /// the missing delimiter, as BuildKit reports it (the size limits excepted).
    fn inner(&mut self, stop: char, raw_escapes: bool, depth: usize) -> Result<String, String> {
        self.until(Some(stop), raw_escapes, depth + 1).map(|(word, _)| word).map_err(|e| {
            let limit = e.contains("nests more than") || e.contains("adds more than");
            match (self.peek(), limit, stop) {
                (None, false, '/') => "syntax error: missing '/' in ${}".into(),
                (None, false, _) => "syntax error: missing '}'".into(),
                _ => e,
            }
        })
    }
}

/// A shell pattern (`*`, `?`, `\` escaping them) as a regex, as BuildKit converts one.
fn pattern_regex(pattern: &str, greedy: bool, anchored: bool) -> Result<regex::Regex, String> {
    let mut out = String::from(if anchored { "^" } else { "" });
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(if greedy { ".*" } else { ".*?" }),
            '?' => out.push('.'),
            '\\' => {
                // `}` and `/` are escaped for `${}` itself, not for the pattern
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                match chars.next() {
                    Some(e @ ('*' | '?' | '\\')) => {
                        out.push('\\');
                        out.push(e);
                    }
                    other => {
                        return Err(format!("invalid pattern ({pattern}) in substitution: invalid escape '\\{}'", other.unwrap_or(' ')));
                    }
                }
            }
            '[' | ']' | '{' | '}' | '.' | '+' | '(' | ')' | '|' | '^' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    regex::Regex::new(&out).map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))
}

/// `${V#p}` / `${V##p}`: the shortest / longest match of `p` removed from the start.
fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let re = pattern_regex(pattern, greedy, true)?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_string(),
        None => value.to_string(),
    })
}

/// `${V%p}` / `${V%%p}`: from the end, by matching the reversed pattern against the reversed
/// value (escapes stay in front of what they escape).
fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut reversed = vec![' '; chars.len()];
    let last = chars.len().saturating_sub(1);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i != last {
            reversed[last - i - 1] = '\\';
            reversed[last - i] = chars[i + 1];
            i += 2;
        } else {
            reversed[last - i] = chars[i];
            i += 1;
        }
    }
    let pattern: String = reversed.into_iter().collect();
    let value: String = value.chars().rev().collect();
    Ok(trim_prefix(&pattern, &value, greedy)?.chars().rev().collect())
}
