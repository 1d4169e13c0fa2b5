//! Number and boolean functions: arithmetic, comparison, rounding, logic and `parseint`.

use crate::frontend::value::Value;

use super::{FnError, FnResult, arg, bool_arg, int_arg, num_arg, str_arg};

fn two(args: &[Value]) -> Result<(f64, f64), FnError> {
    Ok((num_arg(args, 0)?, num_arg(args, 1)?))
}

fn number(n: f64, nan_msg: &str) -> FnResult {
    if n.is_nan() { Err(FnError::new(nan_msg)) } else { Ok(Value::Number(n)) }
}

pub(crate) fn absolute(args: &[Value]) -> FnResult {
    Ok(Value::Number(num_arg(args, 0)?.abs()))
}

pub(crate) fn add(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    number(a + b, "can't compute sum of opposing infinities")
}

pub(crate) fn subtract(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    number(a - b, "can't subtract infinity from itself")
}

pub(crate) fn multiply(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    number(a * b, "can't multiply zero by infinity")
}

/// `divide(a, b)`; dividing a non-zero number by zero gives an infinity, as in cty.
pub(crate) fn divide(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    number(a / b, "can't divide zero by zero or infinity by infinity")
}

/// `modulo(a, b)`: the remainder has the sign of `a`; `modulo(a, 0)` is `a`, as in cty.
pub(crate) fn modulo(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    if a.is_infinite() || b.is_infinite() {
        return number(a * b, "can't use modulo with zero and infinity");
    }
    if b == 0.0 {
        return Ok(Value::Number(a));
    }
    Ok(Value::Number(a % b))
}

pub(crate) fn negate(args: &[Value]) -> FnResult {
    Ok(Value::Number(-num_arg(args, 0)?))
}

pub(crate) fn greaterthan(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    Ok(Value::Bool(a > b))
}

pub(crate) fn greaterthanorequalto(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    Ok(Value::Bool(a >= b))
}

pub(crate) fn lessthan(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    Ok(Value::Bool(a < b))
}

pub(crate) fn lessthanorequalto(args: &[Value]) -> FnResult {
    let (a, b) = two(args)?;
    Ok(Value::Bool(a <= b))
}

fn extreme(args: &[Value], pick: fn(f64, f64) -> bool) -> FnResult {
    if args.is_empty() {
        return Err(FnError::new("must pass at least one number"));
    }
    let mut best = num_arg(args, 0)?;
    for i in 1..args.len() {
        let n = num_arg(args, i)?;
        if pick(n, best) {
            best = n;
        }
    }
    Ok(Value::Number(best))
}

pub(crate) fn min(args: &[Value]) -> FnResult {
    extreme(args, |n, best| n < best)
}

pub(crate) fn max(args: &[Value]) -> FnResult {
    extreme(args, |n, best| n > best)
}

/// `int(n)`: discards the fractional part (truncates toward zero).
pub(crate) fn int(args: &[Value]) -> FnResult {
    let n = num_arg(args, 0)?;
    if n.is_infinite() {
        return Err(FnError::at(0, "can't truncate infinity to an integer"));
    }
    Ok(Value::Number(n.trunc()))
}

pub(crate) fn ceil(args: &[Value]) -> FnResult {
    Ok(Value::Number(num_arg(args, 0)?.ceil()))
}

pub(crate) fn floor(args: &[Value]) -> FnResult {
    Ok(Value::Number(num_arg(args, 0)?.floor()))
}

/// `log(number, base)`.
pub(crate) fn log(args: &[Value]) -> FnResult {
    let (n, base) = two(args)?;
    number(n.ln() / base.ln(), "the logarithm is not a number")
}

/// `pow(number, power)`.
pub(crate) fn pow(args: &[Value]) -> FnResult {
    let (n, p) = two(args)?;
    number(n.powf(p), "the power is not a number")
}

/// `signum(n)`: -1, 0 or 1; cty requires a whole number here.
pub(crate) fn signum(args: &[Value]) -> FnResult {
    Ok(Value::Number(int_arg(args, 0)?.signum() as f64))
}

/// `parseint(string, base)` for bases 2 to 62 (above 36, upper case letters are 36 to 61).
pub(crate) fn parseint(args: &[Value]) -> FnResult {
    let v = arg(args, 0)?;
    if !matches!(v, Value::String(_)) {
        return Err(FnError::at(0, format!("first argument must be a string, not {}", v.type_name())));
    }
    let text = str_arg(args, 0)?;
    let base = int_arg(args, 1)?;
    if !(2..=62).contains(&base) {
        return Err(FnError::at(1, "base must be a whole number between 2 and 62 inclusive"));
    }
    let cannot = || FnError::at(0, format!("cannot parse {text:?} as a base {base} integer"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(cannot());
    }
    let (mut exact, mut approx) = (Some(0i128), 0f64);
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as i64 - '0' as i64,
            'a'..='z' => c as i64 - 'a' as i64 + 10,
            'A'..='Z' if base <= 36 => c as i64 - 'A' as i64 + 10,
            'A'..='Z' => c as i64 - 'A' as i64 + 36,
            _ => return Err(cannot()),
        };
        if d >= base {
            return Err(cannot());
        }
        exact = exact.and_then(|e| e.checked_mul(i128::from(base))?.checked_add(i128::from(d)));
        approx = approx * base as f64 + d as f64;
    }
    let n = exact.map_or(approx, |e| e as f64);
    Ok(Value::Number(if negative { -n } else { n }))
}

pub(crate) fn and(args: &[Value]) -> FnResult {
    Ok(Value::Bool(bool_arg(args, 0)? & bool_arg(args, 1)?))
}

pub(crate) fn or(args: &[Value]) -> FnResult {
    Ok(Value::Bool(bool_arg(args, 0)? | bool_arg(args, 1)?))
}

pub(crate) fn not(args: &[Value]) -> FnResult {
    Ok(Value::Bool(!bool_arg(args, 0)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{b, n};

    #[test]
    fn arithmetic() {
        assert_eq!(absolute(&[n(-42.0)]), Ok(n(42.0)));
        assert_eq!(add(&[n(123.0), n(1.0)]), Ok(n(124.0)));
        assert_eq!(subtract(&[n(123.0), n(1.0)]), Ok(n(122.0)));
        assert_eq!(multiply(&[n(5.0), n(3.0)]), Ok(n(15.0)));
        assert_eq!(divide(&[n(6.0), n(3.0)]), Ok(n(2.0)));
        assert_eq!(divide(&[n(1.0), n(0.0)]), Ok(n(f64::INFINITY)));
        assert!(divide(&[n(0.0), n(0.0)]).is_err());
        assert_eq!(modulo(&[n(11.0), n(5.0)]), Ok(n(1.0)));
        assert_eq!(modulo(&[n(-5.0), n(3.0)]), Ok(n(-2.0)));
        assert_eq!(modulo(&[n(7.0), n(0.0)]), Ok(n(7.0)));
        assert_eq!(negate(&[n(3.0)]), Ok(n(-3.0)));
        assert_eq!(add(&[Value::from("2"), n(1.0)]), Ok(n(3.0)));
        assert!(add(&[Value::from("x"), n(1.0)]).is_err());
        assert!(add(&[Value::Null, n(1.0)]).is_err());
    }

    #[test]
    fn comparisons() {
        assert_eq!(greaterthan(&[n(2.0), n(1.0)]), Ok(b(true)));
        assert_eq!(greaterthanorequalto(&[n(1.0), n(1.0)]), Ok(b(true)));
        assert_eq!(lessthan(&[n(2.0), n(1.0)]), Ok(b(false)));
        assert_eq!(lessthanorequalto(&[n(1.0), n(2.0)]), Ok(b(true)));
        assert_eq!(min(&[n(12.0), n(54.0), n(3.0)]), Ok(n(3.0)));
        assert_eq!(max(&[n(12.0), n(54.0), n(3.0)]), Ok(n(54.0)));
        assert!(max(&[]).is_err());
        assert!(min(&[n(1.0), Value::List(vec![])]).is_err());
    }

    #[test]
    fn rounding_and_powers() {
        assert_eq!(ceil(&[n(5.1)]), Ok(n(6.0)));
        assert_eq!(floor(&[n(-5.1)]), Ok(n(-6.0)));
        assert_eq!(int(&[n(-3.7)]), Ok(n(-3.0)));
        assert!(int(&[n(f64::INFINITY)]).is_err());
        assert_eq!(log(&[n(16.0), n(2.0)]), Ok(n(4.0)));
        assert_eq!(pow(&[n(3.0), n(2.0)]), Ok(n(9.0)));
        assert_eq!(pow(&[n(4.0), n(0.0)]), Ok(n(1.0)));
        assert_eq!(signum(&[n(-13.0)]), Ok(n(-1.0)));
        assert_eq!(signum(&[n(0.0)]), Ok(n(0.0)));
        assert!(signum(&[n(0.5)]).is_err());
    }

    #[test]
    fn parseint_cases() {
        let s = |v: &str| Value::from(v);
        assert_eq!(parseint(&[s("100"), n(10.0)]), Ok(n(100.0)));
        assert_eq!(parseint(&[s("FF"), n(16.0)]), Ok(n(255.0)));
        assert_eq!(parseint(&[s("-10"), n(16.0)]), Ok(n(-16.0)));
        assert_eq!(parseint(&[s("1011111011101111"), n(2.0)]), Ok(n(48879.0)));
        assert_eq!(parseint(&[s("aA"), n(62.0)]), Ok(n(656.0)));
        assert_eq!(parseint(&[s("12"), n(2.0)]).unwrap_err().message, "cannot parse \"12\" as a base 2 integer");
        assert!(parseint(&[s("1"), n(1.0)]).is_err());
        assert!(parseint(&[s(""), n(10.0)]).is_err());
        assert_eq!(parseint(&[n(10.0), n(10.0)]).unwrap_err().message, "first argument must be a string, not number");
    }

    #[test]
    fn every_number_function_rejects_a_list() {
        let unary: [fn(&[Value]) -> FnResult; 7] = [absolute, negate, int, ceil, floor, signum, not];
        for f in unary {
            assert_eq!(f(&[Value::List(vec![])]).map_err(|e| e.arg), Err(Some(0)));
        }
        let binary: [fn(&[Value]) -> FnResult; 14] = [
            add,
            subtract,
            multiply,
            divide,
            modulo,
            greaterthan,
            greaterthanorequalto,
            lessthan,
            lessthanorequalto,
            log,
            pow,
            and,
            or,
            parseint,
        ];
        for f in binary {
            assert_eq!(f(&[Value::from("1"), Value::List(vec![])]).map_err(|e| e.arg), Err(Some(1)));
        }
    }

    #[test]
    fn logic() {
        assert_eq!(and(&[b(true), b(false)]), Ok(b(false)));
        assert_eq!(or(&[b(true), b(false)]), Ok(b(true)));
        assert_eq!(not(&[b(true)]), Ok(b(false)));
        assert_eq!(not(&[Value::from("false")]), Ok(b(true)));
        assert!(and(&[n(1.0), b(true)]).is_err());
    }
}
