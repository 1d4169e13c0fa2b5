//! `COPY --chmod`: an octal mode, or chmod(1)'s symbolic clauses (`u=rwx,go=rx`, `+x`), which
//! current BuildKit applies to each copied entry's own mode.

/// A parsed `--chmod` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Octal(u32),
    /// Up to 8 clauses: (who mask, operator, permission bits, X given).
    Symbolic([Option<(u32, char, u32, bool)>; 8]),
}

impl Mode {
    /// Parses `0755`/`755` or symbolic clauses; Err says why not.
    pub fn parse(text: &str) -> Result<Mode, String> {
        if !text.is_empty() && text.chars().all(|c| c.is_digit(8)) {
            return u32::from_str_radix(text, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .map(Mode::Octal)
                .ok_or_else(|| format!("`{text}` is above 7777"));
        }
        let mut clauses = [None; 8];
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > clauses.len() {
            return Err(format!("`{text}` has more than {} clauses", clauses.len()));
        }
        for (slot, clause) in clauses.iter_mut().zip(parts) {
            let op_at = clause.find(['+', '-', '=']).ok_or_else(|| format!("`{clause}` has no +, - or ="))?;
            let (who, rest) = clause.split_at(op_at);
            let mut who_mask = 0;
            for c in who.chars() {
                who_mask |= match c {
                    'u' => 0o4700,
                    'g' => 0o2070,
                    'o' => 0o1007,
                    'a' => 0o7777,
                    _ => return Err(format!("`{c}` in `{clause}` is not u, g, o or a")),
                };
            }
            let op = rest.chars().next().unwrap_or('=');
            let (mut bits, mut big_x) = (0, false);
            for c in rest[1..].chars() {
                bits |= match c {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    'X' => {
                        big_x = true;
                        0
                    }
                    's' => 0o6000,
                    't' => 0o1000,
                    _ => return Err(format!("`{c}` in `{clause}` is not r, w, x, X, s or t")),
                };
            }
            *slot = Some((if who.is_empty() { 0o7777 } else { who_mask }, op, bits, big_x));
        }
        Ok(Mode::Symbolic(clauses))
    }

    /// The mode an entry whose mode is `current` gets.
    pub fn apply(&self, current: u32, is_dir: bool) -> u32 {
        match self {
            Mode::Octal(mode) => *mode,
            Mode::Symbolic(clauses) => clauses.iter().flatten().fold(current & 0o7777, |mode, &(who, op, bits, big_x)| {
                let x = if big_x && (is_dir || mode & 0o111 != 0) { 0o111 } else { 0 };
                let change = (bits | x) & who;
                match op {
                    '+' => mode | change,
                    '-' => mode & !change,
                    _ => (mode & !(who & 0o777)) | change,
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_and_symbolic_modes() {
        let m = |t: &str| Mode::parse(t).unwrap_or(Mode::Octal(0));
        assert_eq!(m("0755").apply(0o644, false), 0o755);
        assert_eq!(m("u=rwx,go=rx").apply(0o644, false), 0o755);
        assert_eq!(m("+x").apply(0o644, false), 0o755);
        assert_eq!(m("go-w").apply(0o666, false), 0o644);
        assert_eq!(m("a+X").apply(0o644, false), 0o644);
        assert_eq!(m("a+X").apply(0o644, true), 0o755);
        assert!(Mode::parse("u=q").is_err() && Mode::parse("99999").is_err());
    }
}
