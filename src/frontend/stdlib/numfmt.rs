//! Go's number formatting (math/big's `%e %f %g` and `%b %d %o %x`), which cty's `format` uses.

/// Flags, width and precision of one formatting verb.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spec {
    pub plus: bool,
    pub space: bool,
    pub minus: bool,
    pub zero: bool,
    pub sharp: bool,
    pub width: Option<usize>,
    pub prec: Option<usize>,
}

/// A non-negative decimal `0.digits × 10^exp`, without trailing zeros (empty digits = zero).
struct Decimal {
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// Parses Rust's `{:e}` output for a non-negative number.
    fn from_sci(text: &str) -> Decimal {
        let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Decimal { digits, exp: 0 };
        }
        Decimal { digits, exp: exp.parse::<i64>().unwrap_or(0) + 1 }
    }

    /// The shortest digits that round-trip.
    fn shortest(x: f64) -> Decimal {
        Decimal::from_sci(&format!("{:e}", x.abs()))
    }

    /// Rounded to `n` (at least 1) significant digits.
    fn significant(x: f64, n: usize) -> Decimal {
        Decimal::from_sci(&format!("{:.*e}", n.max(1) - 1, x.abs()))
    }

    fn at(&self, i: i64) -> char {
        usize::try_from(i).ok().and_then(|i| self.digits.get(i)).map_or('0', |d| *d as char)
    }

    /// Go's fmtE: one digit, `prec` fraction digits, and an exponent of at least two digits.
    fn fmt_e(&self, prec: i64, upper: bool) -> String {
        let mut out = String::new();
        out.push(self.at(0));
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(self.at(i));
            }
        }
        out.push(if upper { 'E' } else { 'e' });
        let exp = if self.digits.is_empty() { 0 } else { self.exp - 1 };
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
        out
    }

    /// Go's fmtF: the integer part, then `prec` fraction digits.
    fn fmt_f(&self, prec: i64) -> String {
        let mut out = String::new();
        if self.exp > 0 {
            for i in 0..self.exp {
                out.push(self.at(i));
            }
        } else {
            out.push('0');
        }
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(self.at(self.exp - 1 + i));
            }
        }
        out
    }

    /// Go's `%g` choice between the two forms; `prec` None means shortest.
    fn fmt_g(&self, prec: Option<usize>, upper: bool) -> String {
        let len = self.digits.len() as i64;
        let (mut prec, eprec) = match prec {
            None => (len, 6),
            Some(p) => {
                let p = p.max(1) as i64;
                let eprec = if p > len && len >= self.exp { len } else { p };
                (p, eprec)
            }
        };
        let exp = self.exp - 1;
        if exp < -4 || exp >= eprec {
            prec = prec.min(len);
            return self.fmt_e(prec - 1, upper);
        }
        if prec > self.exp {
            prec = len;
        }
        self.fmt_f((prec - self.exp).max(0))
    }
}

/// The shortest `%g` form of a number, as `big.Float.Text('g', -1)` gives it (`1e+06`, `0.5`).
pub(crate) fn g_shortest(x: f64) -> String {
    if x.is_infinite() {
        return if x < 0.0 { "-Inf" } else { "+Inf" }.to_string();
    }
    let body = Decimal::shortest(x).fmt_g(None, false);
    if x < 0.0 { format!("-{body}") } else { body }
}

/// Formats a number with one of the verbs `e E f g G`, as Go's `big.Float.Format` does.
pub(crate) fn format_float(x: f64, verb: char, spec: &Spec) -> String {
    let body = if x.is_infinite() {
        "Inf".to_string()
    } else {
        let a = x.abs();
        match verb {
            'e' | 'E' => {
                let p = spec.prec.unwrap_or(6);
                Decimal::significant(a, p + 1).fmt_e(p as i64, verb == 'E')
            }
            'f' => format!("{:.*}", spec.prec.unwrap_or(6), a),
            _ => {
                let d = match spec.prec {
                    None => Decimal::shortest(a),
                    Some(p) => Decimal::significant(a, p.max(1)),
                };
                d.fmt_g(spec.prec, verb == 'G')
            }
        }
    };
    let sign = if x < 0.0 {
        "-"
    } else if x.is_infinite() {
        if spec.space { " " } else { "+" }
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let padding = spec.width.map_or(0, |w| w.saturating_sub(sign.len() + body.len()));
    if spec.zero && !x.is_infinite() {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if spec.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// Formats an integer with one of the verbs `b d o x X`, as Go's `big.Int.Format` does.
pub(crate) fn format_int(x: i128, verb: char, spec: &Spec) -> String {
    let a = x.unsigned_abs();
    let digits = match verb {
        'b' => format!("{a:b}"),
        'o' => format!("{a:o}"),
        'x' => format!("{a:x}"),
        'X' => format!("{a:X}"),
        _ => a.to_string(),
    };
    let sign = if x < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let prefix = match (spec.sharp, verb) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(p) = spec.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            return String::new();
        }
    }
    let length = sign.len() + prefix.len() + zeros + digits.len();
    let (mut left, mut right) = (0, 0);
    if let Some(w) = spec.width.filter(|w| *w > length) {
        let d = w - length;
        if spec.minus {
            right = d;
        } else if spec.zero && spec.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    format!("{}{sign}{prefix}{}{digits}{}", " ".repeat(left), "0".repeat(zeros), " ".repeat(right))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(width: Option<usize>, prec: Option<usize>) -> Spec {
        Spec { width, prec, ..Spec::default() }
    }

    #[test]
    fn shortest_g() {
        assert_eq!(g_shortest(0.0), "0");
        assert_eq!(g_shortest(42.0), "42");
        assert_eq!(g_shortest(-1.5), "-1.5");
        assert_eq!(g_shortest(123456.0), "123456");
        assert_eq!(g_shortest(1234567.0), "1.234567e+06");
        assert_eq!(g_shortest(0.0001), "0.0001");
        assert_eq!(g_shortest(0.00001), "1e-05");
        assert_eq!(g_shortest(f64::INFINITY), "+Inf");
    }

    #[test]
    fn floats() {
        let none = Spec::default();
        assert_eq!(format_float(1.23456, 'f', &spec(None, Some(2))), "1.23");
        assert_eq!(format_float(1.0, 'f', &none), "1.000000");
        assert_eq!(format_float(123456.789, 'e', &none), "1.234568e+05");
        assert_eq!(format_float(0.0, 'e', &none), "0.000000e+00");
        assert_eq!(format_float(1.5, 'E', &spec(None, Some(1))), "1.5E+00");
        assert_eq!(format_float(100000.0, 'g', &spec(None, Some(3))), "1e+05");
        assert_eq!(format_float(123.456, 'g', &spec(None, Some(4))), "123.5");
        assert_eq!(format_float(1.0, 'g', &spec(None, Some(3))), "1");
        assert_eq!(format_float(-2.5, 'f', &spec(Some(8), Some(1))), "    -2.5");
        let zero = Spec { zero: true, width: Some(7), prec: Some(2), ..Spec::default() };
        assert_eq!(format_float(-2.5, 'f', &zero), "-002.50");
        let plus = Spec { plus: true, ..Spec::default() };
        assert_eq!(format_float(2.0, 'g', &plus), "+2");
    }

    #[test]
    fn ints() {
        let none = Spec::default();
        assert_eq!(format_int(42, 'd', &none), "42");
        assert_eq!(format_int(-42, 'x', &none), "-2a");
        assert_eq!(format_int(255, 'X', &Spec { sharp: true, ..none }), "0XFF");
        assert_eq!(format_int(5, 'b', &none), "101");
        assert_eq!(format_int(8, 'o', &none), "10");
        assert_eq!(format_int(7, 'd', &spec(Some(4), None)), "   7");
        assert_eq!(format_int(-7, 'd', &Spec { zero: true, width: Some(4), ..none }), "-007");
        assert_eq!(format_int(7, 'd', &Spec { minus: true, width: Some(3), ..none }), "7  ");
        assert_eq!(format_int(7, 'd', &spec(None, Some(3))), "007");
        assert_eq!(format_int(0, 'd', &spec(Some(3), Some(0))), "");
    }
}
