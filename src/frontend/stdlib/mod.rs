//! Bake's standard library of functions (go-cty's stdlib plus bake's own); pure functions on values.

mod args;
pub(crate) mod bake;
mod cidr;
mod collections;
mod csv;
mod datetime;
mod encoding;
mod format;
mod hashing;
mod json;
mod lists;
mod numeric;
mod numfmt;
mod regexfns;
mod rfc3339;
mod semver;
mod sets;
mod strings;
mod text;

use crate::frontend::value::Value;

pub(crate) use args::*;
pub(crate) use sets::to_set;

/// A failed call: the message to show and, when one argument is to blame, its 0-based index.
#[derive(Debug, Clone, PartialEq)]
pub struct FnError {
    pub message: String,
    pub arg: Option<usize>,
}

impl FnError {
    /// An error about the call as a whole.
    pub fn new(message: impl Into<String>) -> Self {
        FnError { message: message.into(), arg: None }
    }

    /// An error blamed on the argument at 0-based index `arg`.
    pub fn at(arg: usize, message: impl Into<String>) -> Self {
        FnError { message: message.into(), arg: Some(arg) }
    }
}

impl std::fmt::Display for FnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FnError {}

pub type FnResult = Result<Value, FnError>;

/// One function of the library; the caller checks the argument count before calling `call`.
pub struct Builtin {
    pub name: &'static str,
    pub min_args: usize,
    /// None means variadic.
    pub max_args: Option<usize>,
    pub call: fn(&[Value]) -> FnResult,
}

const fn f(name: &'static str, min_args: usize, max_args: Option<usize>, call: fn(&[Value]) -> FnResult) -> Builtin {
    Builtin { name, min_args, max_args, call }
}

const V: Option<usize> = None;
const fn n(count: usize) -> Option<usize> {
    Some(count)
}

/// Every function, sorted by name (the order `names` yields and `lookup` relies on).
static BUILTINS: &[Builtin] = &[
    f("absolute", 1, n(1), numeric::absolute),
    f("add", 2, n(2), numeric::add),
    f("and", 2, n(2), numeric::and),
    f("base64decode", 1, n(1), encoding::base64decode),
    f("base64encode", 1, n(1), encoding::base64encode),
    f("basename", 1, n(1), bake::basename),
    f("byteslen", 1, n(1), encoding::byteslen),
    f("bytesslice", 3, n(3), encoding::bytesslice),
    f("ceil", 1, n(1), numeric::ceil),
    f("chomp", 1, n(1), strings::chomp),
    f("chunklist", 2, n(2), lists::chunklist),
    f("cidrhost", 2, n(2), cidr::cidrhost),
    f("cidrnetmask", 1, n(1), cidr::cidrnetmask),
    f("cidrsubnet", 3, n(3), cidr::cidrsubnet),
    f("cidrsubnets", 1, V, cidr::cidrsubnets),
    f("coalesce", 1, V, collections::coalesce),
    f("coalescelist", 1, V, collections::coalescelist),
    f("compact", 1, n(1), lists::compact),
    f("concat", 1, V, lists::concat),
    f("contains", 2, n(2), lists::contains),
    f("csvdecode", 1, n(1), csv::csvdecode),
    f("dirname", 1, n(1), bake::dirname),
    f("distinct", 1, n(1), lists::distinct),
    f("divide", 2, n(2), numeric::divide),
    f("element", 2, n(2), lists::element),
    f("equal", 2, n(2), collections::equal),
    f("flatten", 1, n(1), lists::flatten),
    f("floor", 1, n(1), numeric::floor),
    f("format", 1, V, format::format),
    f("formatdate", 2, n(2), datetime::formatdate),
    f("formatlist", 1, V, format::formatlist),
    f("formattimestamp", 2, n(2), datetime::formattimestamp),
    f("greaterthan", 2, n(2), numeric::greaterthan),
    f("greaterthanorequalto", 2, n(2), numeric::greaterthanorequalto),
    f("hasindex", 2, n(2), collections::hasindex),
    f("homedir", 0, n(0), bake::homedir),
    f("indent", 2, n(2), strings::indent),
    f("index", 2, n(2), collections::index),
    f("indexof", 2, n(2), bake::indexof),
    f("int", 1, n(1), numeric::int),
    f("join", 1, V, strings::join),
    f("jsondecode", 1, n(1), json::jsondecode),
    f("jsonencode", 1, n(1), json::jsonencode),
    f("keys", 1, n(1), collections::keys),
    f("length", 1, n(1), collections::length),
    f("lessthan", 2, n(2), numeric::lessthan),
    f("lessthanorequalto", 2, n(2), numeric::lessthanorequalto),
    f("log", 2, n(2), numeric::log),
    f("lookup", 3, n(3), collections::lookup),
    f("lower", 1, n(1), strings::lower),
    f("max", 1, V, numeric::max),
    f("md5", 1, n(1), hashing::md5),
    f("merge", 0, V, collections::merge),
    f("min", 1, V, numeric::min),
    f("modulo", 2, n(2), numeric::modulo),
    f("multiply", 2, n(2), numeric::multiply),
    f("negate", 1, n(1), numeric::negate),
    f("not", 1, n(1), numeric::not),
    f("notequal", 2, n(2), collections::notequal),
    f("or", 2, n(2), numeric::or),
    f("parseint", 2, n(2), numeric::parseint),
    f("pow", 2, n(2), numeric::pow),
    f("range", 1, n(3), lists::range),
    f("regex", 2, n(2), regexfns::regex),
    f("regex_replace", 3, n(3), regexfns::regex_replace),
    f("regexall", 2, n(2), regexfns::regexall),
    f("replace", 3, n(3), strings::replace),
    f("reverse", 1, n(1), strings::reverse),
    f("reverselist", 1, n(1), lists::reverselist),
    f("sanitize", 1, n(1), bake::sanitize),
    f("semvercmp", 2, n(2), semver::semvercmp),
    f("sethaselement", 2, n(2), sets::sethaselement),
    f("setintersection", 1, V, sets::setintersection),
    f("setproduct", 2, V, sets::setproduct),
    f("setsubtract", 2, n(2), sets::setsubtract),
    f("setsymmetricdifference", 1, V, sets::setsymmetricdifference),
    f("setunion", 1, V, sets::setunion),
    f("sha1", 1, n(1), hashing::sha1),
    f("sha256", 1, n(1), hashing::sha256),
    f("sha512", 1, n(1), hashing::sha512),
    f("signum", 1, n(1), numeric::signum),
    f("slice", 3, n(3), lists::slice),
    f("sort", 1, n(1), strings::sort),
    f("split", 2, n(2), strings::split),
    f("strlen", 1, n(1), strings::strlen),
    f("substr", 3, n(3), strings::substr),
    f("subtract", 2, n(2), numeric::subtract),
    f("timeadd", 2, n(2), datetime::timeadd),
    f("timestamp", 0, n(0), datetime::timestamp),
    f("title", 1, n(1), strings::title),
    f("trim", 2, n(2), strings::trim),
    f("trimprefix", 2, n(2), strings::trimprefix),
    f("trimspace", 1, n(1), strings::trimspace),
    f("trimsuffix", 2, n(2), strings::trimsuffix),
    f("unixtimestampparse", 1, n(1), datetime::unixtimestampparse),
    f("upper", 1, n(1), strings::upper),
    f("urlencode", 1, n(1), encoding::urlencode),
    f("uuidv4", 0, n(0), hashing::uuidv4),
    f("uuidv5", 2, n(2), hashing::uuidv5),
    f("values", 1, n(1), collections::values),
    f("zipmap", 2, n(2), collections::zipmap),
];

/// Finds a function by name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.binary_search_by(|b| b.name.cmp(name)).ok().map(|i| &BUILTINS[i])
}

/// The names of all functions, in sorted order.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        let all: Vec<&str> = names().collect();
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(all, sorted);
    }

    #[test]
    fn lookup_finds_every_name() {
        for name in names() {
            assert_eq!(lookup(name).map(|b| b.name), Some(name));
        }
        assert!(lookup("nosuchfunction").is_none());
        assert!(lookup("try").is_none());
    }

    #[test]
    fn arity_bounds_are_consistent() {
        for b in BUILTINS {
            if let Some(max) = b.max_args {
                assert!(b.min_args <= max, "{}", b.name);
            }
        }
        let join = lookup("join").map(|b| (b.min_args, b.max_args));
        assert_eq!(join, Some((1, None)));
    }

    /// Every function, with every combination of awkward arguments up to three: no panics, and
    /// every error has a message and blames an argument that exists.
    #[test]
    fn no_panics_on_odd_arguments() {
        let obj: std::collections::BTreeMap<String, Value> = [("a".to_string(), Value::Number(1.0))].into();
        let samples = [
            Value::Null,
            Value::Bool(true),
            Value::Number(-1.5),
            Value::Number(3.0),
            Value::from(""),
            Value::from("a,b"),
            Value::List(vec![]),
            Value::List(vec![Value::from("x"), Value::Number(1.0), Value::Null]),
            Value::Object(obj),
        ];
        let mut errors = 0;
        for b in BUILTINS {
            let max = b.max_args.unwrap_or(3).min(3);
            for arity in b.min_args..=max {
                let mut idx = vec![0usize; arity];
                loop {
                    let args: Vec<Value> = idx.iter().map(|&i| samples[i].clone()).collect();
                    if let Err(e) = (b.call)(&args) {
                        errors += 1;
                        assert!(!e.message.is_empty(), "{} {args:?}", b.name);
                        assert!(e.arg.is_none_or(|i| i < args.len()), "{} {args:?}: {e:?}", b.name);
                    }
                    let Some(pos) = idx.iter().rposition(|&i| i + 1 < samples.len()) else { break };
                    idx[pos] += 1;
                    idx[pos + 1..].iter_mut().for_each(|i| *i = 0);
                }
            }
        }
        assert!(errors > 1000, "{errors}");
    }

    #[test]
    fn calls_through_the_table() {
        let upper = lookup("upper").map(|b| (b.call)(&[Value::from("ab")]));
        assert_eq!(upper, Some(Ok(Value::from("AB"))));
    }
}

/// Short constructors for the functions' unit tests.
#[cfg(test)]
pub(crate) mod test_values {
    use crate::frontend::value::Value;

    pub fn s(v: &str) -> Value {
        Value::from(v)
    }

    pub fn n(v: f64) -> Value {
        Value::Number(v)
    }

    pub fn b(v: bool) -> Value {
        Value::Bool(v)
    }

    pub fn l(items: &[&str]) -> Value {
        Value::List(items.iter().map(|i| s(i)).collect())
    }
}
