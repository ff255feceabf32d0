//! Native evaluation of playbook expressions (performance).
//!
//! Every expression is parsed and checked by `cel`. When all of it lies in the subset the
//! shipped playbooks use (logic, comparisons, `+`, `in`, indexing, selection, `has()`, the
//! comprehension macros, Riposte's functions and a handful of string and list methods), it is
//! also compiled here into a tree whose nodes know their operation: functions are resolved once,
//! literal regexes compiled once, `get()` paths split once and comprehension variables numbered.
//! Evaluating it reads the scope's values where they lie (nothing is copied to be looked at) and
//! builds only the values an expression computes.
//!
//! Semantics are CEL's as `cel` implements them, including the error-absorbing `&&`/`||` and
//! the deferred errors of `all()`/`exists()`; anything outside the subset (or any construct this
//! module does not know) leaves the expression to `cel`. `tests::agrees_with_cel` holds the two
//! to the same answers, and `RIPOSTE_EXPR_CROSSCHECK=1` makes every evaluation compare them.

use crate::expr::Scope;
use crate::funcs;
use cel::Value;
use cel::common::ast::{Expr as E, IdedExpr, LiteralValue as L};
use cel::common::traits::{Container, Indexer};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelNull, CelString, CelUInt,
};
use cel::common::value::{CowVal, Val};
use regex::Regex;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// A value during native evaluation: scalars by value, strings borrowed where they lie, lists
/// and maps of the scope lent as they are.
#[derive(Clone, Debug)]
pub(crate) enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    List(Vec<V<'a>>),
    /// A list, map or other value the scope holds.
    Ref(&'a (dyn Val + 'static)),
}

type R<'a> = Result<V<'a>, String>;

fn of_val<'a>(v: &'a (dyn Val + 'static)) -> V<'a> {
    if let Some(s) = v.downcast_ref::<CelString>() {
        V::Str(Cow::Borrowed(s.inner()))
    } else if let Some(b) = v.downcast_ref::<CelBool>() {
        V::Bool(*b.inner())
    } else if let Some(i) = v.downcast_ref::<CelInt>() {
        V::Int(*i.inner())
    } else if let Some(u) = v.downcast_ref::<CelUInt>() {
        V::UInt(*u.inner())
    } else if let Some(f) = v.downcast_ref::<CelDouble>() {
        V::Float(*f.inner())
    } else if v.downcast_ref::<CelNull>().is_some() {
        V::Null
    } else {
        V::Ref(v)
    }
}

impl<'a> V<'a> {
    fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null_type",
            V::Bool(_) => "bool",
            V::Int(_) => "int",
            V::UInt(_) => "uint",
            V::Float(_) => "double",
            V::Str(_) => "string",
            V::List(_) => "list",
            V::Ref(r) => {
                if r.downcast_ref::<CelList>().is_some() {
                    "list"
                } else if r.downcast_ref::<CelMap>().is_some() {
                    "map"
                } else {
                    "value"
                }
            }
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    fn map(&self) -> Option<&'a CelMap<'static>> {
        match self {
            V::Ref(r) => r.downcast_ref::<CelMap>(),
            _ => None,
        }
    }

    /// The elements of a list (owned or lent), if this is one.
    fn items(&self) -> Option<Items<'_, 'a>> {
        match self {
            V::List(l) => Some(Items::Own(l.iter())),
            V::Ref(r) => r
                .downcast_ref::<CelList>()
                .map(|l| Items::Lent(l.inner().iter())),
            _ => None,
        }
    }

    /// Into `cel`'s internal form (for the engine and for the operations left to `cel`).
    pub(crate) fn into_val(self) -> Box<dyn Val + 'static> {
        match self {
            V::Null => Box::new(CelNull),
            V::Bool(b) => Box::new(CelBool::from(b)),
            V::Int(i) => Box::new(CelInt::from(i)),
            V::UInt(u) => Box::new(CelUInt::from(u)),
            V::Float(f) => Box::new(CelDouble::from(f)),
            V::Str(s) => Box::new(CelString::from(s.into_owned())),
            V::List(l) => Box::new(CelList::from(
                l.into_iter().map(V::into_val).collect::<Vec<_>>(),
            )),
            V::Ref(r) => r.clone_as_boxed(),
        }
    }

    /// Into a `cel::Value`, what `Expr::eval` returns.
    pub(crate) fn into_value(self) -> Result<Value, String> {
        Ok(match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(b),
            V::Int(i) => Value::Int(i),
            V::UInt(u) => Value::UInt(u),
            V::Float(f) => Value::Float(f),
            V::Str(s) => Value::String(Arc::new(s.into_owned())),
            V::List(l) => Value::List(Arc::new(
                l.into_iter()
                    .map(V::into_value)
                    .collect::<Result<Vec<_>, _>>()?,
            )),
            V::Ref(r) => Value::try_from(r).map_err(|e| e.to_string())?,
        })
    }
}

enum Items<'s, 'a> {
    Own(std::slice::Iter<'s, V<'a>>),
    Lent(std::slice::Iter<'a, Box<dyn Val + 'static>>),
}

impl<'s, 'a> Iterator for Items<'s, 'a> {
    type Item = V<'a>;
    fn next(&mut self) -> Option<V<'a>> {
        match self {
            Items::Own(i) => i.next().cloned(),
            Items::Lent(i) => i.next().map(|b| of_val(b.as_ref())),
        }
    }
}

impl Items<'_, '_> {
    fn len(&self) -> usize {
        match self {
            Items::Own(i) => i.len(),
            Items::Lent(i) => i.len(),
        }
    }
}

// ---- The compiled tree ---------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Re {
    Is,
    Find,
    All,
}

/// The functions and methods a native expression may call (a method's target is its first
/// argument).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum F {
    Lower,
    Basename,
    Dirname,
    ContainsAny,
    EndsWithAny,
    StartsWithAny,
    InList,
    SplitArgs,
    Decoded,
    Deobfuscate,
    StripComments,
    WrittenThenRun,
    PowershellReadOnly,
    B64decode,
    Entropy,
    ObfuscationRatio,
    Urls,
    Ips,
    UrlHost,
    IsIp,
    IsPublicIp,
    IpIn,
    DomainIn,
    Truthy,
    Uniq,
    FlattenStrings,
    Size,
    Int,
    String,
    Contains,
    StartsWith,
    EndsWith,
    Join,
    Replace,
    Split,
}

impl F {
    /// The name a playbook calls it by (for messages).
    fn name(self) -> &'static str {
        use F::*;
        match self {
            Lower => "lower",
            Basename => "basename",
            Dirname => "dirname",
            ContainsAny => "contains_any",
            EndsWithAny => "ends_with_any",
            StartsWithAny => "starts_with_any",
            InList => "in_list",
            SplitArgs => "split_args",
            Decoded => "decoded",
            Deobfuscate => "deobfuscate",
            StripComments => "strip_comments",
            WrittenThenRun => "written_then_run",
            PowershellReadOnly => "powershell_read_only",
            B64decode => "b64decode",
            Entropy => "entropy",
            ObfuscationRatio => "obfuscation_ratio",
            Urls => "urls",
            Ips => "ips",
            UrlHost => "url_host",
            IsIp => "is_ip",
            IsPublicIp => "is_public_ip",
            IpIn => "ip_in",
            DomainIn => "domain_in",
            Truthy => "truthy",
            Uniq => "uniq",
            FlattenStrings => "flatten_strings",
            Size => "size",
            Int => "int",
            String => "string",
            Contains => "contains",
            StartsWith => "startsWith",
            EndsWith => "endsWith",
            Join => "join",
            Replace => "replace",
            Split => "split",
        }
    }

    /// The function a call names, with the arity (target included) it is native for.
    fn of(name: &str, method: bool, arity: usize) -> Option<F> {
        use F::*;
        let f = match (name, method) {
            ("lower", false) => Lower,
            ("basename", false) => Basename,
            ("dirname", false) => Dirname,
            ("contains_any", false) => ContainsAny,
            ("ends_with_any", false) => EndsWithAny,
            ("starts_with_any", false) => StartsWithAny,
            ("in_list", false) => InList,
            ("split_args", false) => SplitArgs,
            ("decoded", false) => Decoded,
            ("deobfuscate", false) => Deobfuscate,
            ("strip_comments", false) => StripComments,
            ("written_then_run", false) => WrittenThenRun,
            ("powershell_read_only", false) => PowershellReadOnly,
            ("b64decode", false) => B64decode,
            ("entropy", false) => Entropy,
            ("obfuscation_ratio", false) => ObfuscationRatio,
            ("urls", false) => Urls,
            ("ips", false) => Ips,
            ("url_host", false) => UrlHost,
            ("is_ip", false) => IsIp,
            ("is_public_ip", false) => IsPublicIp,
            ("ip_in", false) => IpIn,
            ("domain_in", false) => DomainIn,
            ("truthy", false) => Truthy,
            ("uniq", false) => Uniq,
            ("flatten_strings", false) => FlattenStrings,
            ("size", _) => Size,
            ("int", false) => Int,
            ("string", false) => String,
            ("contains", true) => Contains,
            ("startsWith", true) => StartsWith,
            ("endsWith", true) => EndsWith,
            ("join", true) => Join,
            ("replace", true) => Replace,
            ("split", true) => Split,
            _ => return None,
        };
        let want = match f {
            ContainsAny | EndsWithAny | StartsWithAny | InList | IpIn | DomainIn | Contains
            | StartsWith | EndsWith | Split => 2,
            Replace => 3,
            Join => 2,
            _ => 1,
        };
        (arity == want).then_some(f)
    }
}

/// A regex pattern: compiled with the expression when it is a literal; otherwise remembered
/// with the first pattern it was given (a playbook variable, the same on every run).
enum Pat {
    Const(Result<Regex, String>),
    Vars(Box<N>, VarsCache<Regex>),
    Dyn(Box<N>, OnceLock<(String, Result<Regex, String>)>),
}

/// The list argument of `contains_any`, `in_list` and their kin, prepared for its function
/// once: from literals when the expression is compiled, from the playbook's variables on first
/// use (see [`VarsCache`]).
enum ListArg {
    Const(Prep),
    Vars(Box<N>, VarsCache<Prep>),
    Dyn(Box<N>),
}

/// What a list function needs of its list.
enum Prep {
    /// `contains_any`: the lower-cased non-empty needles, searched for at once.
    Contains(Option<aho_corasick::AhoCorasick>),
    /// `in_list`: the lower-cased strings.
    Set(std::collections::HashSet<std::string::String>),
    /// `starts_with_any`, `ends_with_any`: the lower-cased strings.
    Lowered(Vec<std::string::String>),
    /// `ip_in`, `domain_in`: the strings as given.
    Raw(Vec<std::string::String>),
}

impl Prep {
    fn new(f: F, l: Vec<&str>) -> Result<Prep, String> {
        let lower = || l.iter().map(|x| funcs::lower_cow(x).into_owned());
        Ok(match f {
            F::ContainsAny => {
                let needles: Vec<_> = lower().filter(|n| !n.is_empty()).collect();
                Prep::Contains(if needles.is_empty() {
                    None
                } else {
                    Some(aho_corasick::AhoCorasick::new(needles).map_err(|e| e.to_string())?)
                })
            }
            F::InList => Prep::Set(lower().collect()),
            F::StartsWithAny | F::EndsWithAny => Prep::Lowered(lower().collect()),
            _ => Prep::Raw(l.iter().map(|x| (*x).to_owned()).collect()),
        })
    }

    fn test(&self, f: F, h: &str) -> bool {
        match self {
            Prep::Contains(ac) => ac
                .as_ref()
                .is_some_and(|ac| ac.is_match(funcs::lower_cow(h).as_ref())),
            Prep::Set(set) => set.contains(funcs::lower_cow(h).as_ref()),
            Prep::Lowered(l) => {
                let h = funcs::lower_cow(h);
                if f == F::StartsWithAny {
                    l.iter().any(|e| h.starts_with(e.as_str()))
                } else {
                    l.iter().any(|e| h.ends_with(e.as_str()))
                }
            }
            Prep::Raw(l) => {
                let l: Vec<&str> = l.iter().map(std::string::String::as_str).collect();
                if f == F::IpIn {
                    funcs::ip_in_strs(h, &l)
                } else {
                    funcs::domain_in_strs(h, &l)
                }
            }
        }
    }
}

/// A list function on a list used once (nothing prepared).
fn list_test(f: F, h: &str, l: Vec<&str>) -> bool {
    let lh = funcs::lower_cow(h);
    let mut l = l.into_iter();
    match f {
        F::ContainsAny => l.any(|n| !n.is_empty() && lh.contains(&*funcs::lower_cow(n))),
        F::EndsWithAny => l.any(|e| lh.ends_with(&*funcs::lower_cow(e))),
        F::StartsWithAny => l.any(|e| lh.starts_with(&*funcs::lower_cow(e))),
        F::InList => l.any(|e| funcs::lower_cow(e) == lh),
        F::IpIn => funcs::ip_in_strs(h, &l.collect::<Vec<_>>()),
        _ => funcs::domain_in_strs(h, &l.collect::<Vec<_>>()),
    }
}

/// The strings a list argument holds: the strings of a list, a string alone, else none.
fn list_strs<'v>(v: &'v V<'_>) -> Vec<&'v str> {
    match v {
        V::Str(s) => vec![s.as_ref()],
        V::List(l) => l.iter().filter_map(V::as_str).collect(),
        V::Ref(r) => match r.downcast_ref::<CelList>() {
            Some(l) => l
                .inner()
                .iter()
                .filter_map(|e| e.downcast_ref::<CelString>().map(|s| s.inner()))
                .collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Something derived from the playbook's variables alone, kept with the variables it was
/// derived from: valid while a run's scope shares those same variables (held here, so they
/// cannot be freed and their address reused); a run whose variables are its own (configuration
/// overrides) derives it anew.
type VarsCache<T> = OnceLock<(Arc<dyn Val>, Result<T, String>)>;

enum N {
    Lit(V<'static>),
    Var(&'static str),
    Local(usize),
    Select(Box<N>, String),
    Has(Box<N>, String),
    Get(Box<N>, Box<N>, Box<N>),
    /// `&&` (`false`) or `||` (`true`), by the value that decides it alone.
    Logic(bool, Box<N>, Box<N>),
    Not(Box<N>),
    NotStrictlyFalse(Box<N>),
    Cond(Box<[N; 3]>),
    Cmp(Cmp, Box<N>, Box<N>),
    Add(Box<N>, Box<N>),
    In(Box<N>, Box<N>),
    Index(Box<N>, Box<N>),
    List(Vec<N>),
    Call(F, Vec<N>),
    ListCall(F, Box<N>, ListArg),
    Re(Re, Box<N>, Pat),
    Compr(Box<Compr>),
}

struct Compr {
    range: N,
    iter: usize,
    accu: usize,
    init: N,
    cond: N,
    step: N,
    result: N,
    /// `Some(true)` for an `||` fold (`exists`), `Some(false)` for `&&` (`all`).
    fold: Option<bool>,
}

/// An expression compiled for native evaluation.
pub(crate) struct Program {
    root: N,
    locals: usize,
}

struct Compiler {
    /// Comprehension variables in scope, innermost last, with their slot.
    scope: Vec<(String, usize)>,
    locals: usize,
}

impl Program {
    /// `None` when the expression uses anything outside the native subset.
    pub(crate) fn compile(e: &IdedExpr) -> Option<Program> {
        let mut c = Compiler {
            scope: Vec::new(),
            locals: 0,
        };
        let root = c.node(e)?;
        Some(Program {
            root,
            locals: c.locals,
        })
    }

    pub(crate) fn eval<'a>(&'a self, scope: &'a Scope) -> R<'a> {
        let mut cx = Cx {
            scope,
            locals: vec![V::Null; self.locals],
        };
        cx.eval(&self.root)
    }
}

impl Compiler {
    fn b(&mut self, e: &IdedExpr) -> Option<Box<N>> {
        self.node(e).map(Box::new)
    }

    fn node(&mut self, e: &IdedExpr) -> Option<N> {
        Some(match &e.expr {
            E::Literal(l) => N::Lit(match l {
                L::Boolean(b) => V::Bool(*b.inner()),
                L::Int(i) => V::Int(*i.inner()),
                L::UInt(u) => V::UInt(*u.inner()),
                L::Double(d) => V::Float(*d.inner()),
                L::String(s) => V::Str(Cow::Owned(s.inner().to_owned())),
                L::Null => V::Null,
                L::Bytes(_) => return None,
            }),
            E::Ident(n) => {
                if let Some((_, slot)) = self.scope.iter().rev().find(|(s, _)| s == n) {
                    N::Local(*slot)
                } else {
                    N::Var(
                        crate::expr::VARIABLES
                            .iter()
                            .find(|v| **v == n.as_str())
                            .copied()?,
                    )
                }
            }
            E::Select(s) => {
                let operand = self.b(&s.operand)?;
                if s.test {
                    N::Has(operand, s.field.clone())
                } else {
                    N::Select(operand, s.field.clone())
                }
            }
            E::List(l) => {
                if !l.optional_indices.is_empty() {
                    return None;
                }
                N::List(
                    l.elements
                        .iter()
                        .map(|x| self.node(x))
                        .collect::<Option<_>>()?,
                )
            }
            E::Comprehension(c) => {
                if c.iter_var2.is_some() {
                    return None;
                }
                let range = self.node(&c.iter_range)?;
                let init = self.node(&c.accu_init)?;
                let accu = self.locals;
                let iter = self.locals + 1;
                self.locals += 2;
                self.scope.push((c.accu_var.clone(), accu));
                let cond = self.node(&c.loop_cond);
                self.scope.push((c.iter_var.clone(), iter));
                let step = self.node(&c.loop_step);
                self.scope.pop();
                let result = self.node(&c.result);
                self.scope.pop();
                let fold = match &c.loop_step.expr {
                    E::Call(call)
                        if call.target.is_none()
                            && matches!(call.args.first().map(|a| &a.expr),
                                Some(E::Ident(n)) if *n == c.accu_var) =>
                    {
                        match call.func_name.as_str() {
                            "_&&_" => Some(false),
                            "_||_" => Some(true),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                N::Compr(Box::new(Compr {
                    range,
                    iter,
                    accu,
                    init,
                    cond: cond?,
                    step: step?,
                    result: result?,
                    fold,
                }))
            }
            E::Call(c) => return self.call(c),
            E::Map(_) | E::Struct(_) | E::Unspecified => return None,
        })
    }

    fn call(&mut self, c: &cel::common::ast::CallExpr) -> Option<N> {
        let name = c.func_name.as_str();
        let a = &c.args;
        if c.target.is_none() {
            let two = |s: &mut Self| Some((s.b(&a[0])?, s.b(&a[1])?));
            match (name, a.len()) {
                ("_&&_", 2) => return two(self).map(|(x, y)| N::Logic(false, x, y)),
                ("_||_", 2) => return two(self).map(|(x, y)| N::Logic(true, x, y)),
                ("!_", 1) => return self.b(&a[0]).map(N::Not),
                ("@not_strictly_false", 1) => return self.b(&a[0]).map(N::NotStrictlyFalse),
                ("_?_:_", 3) => {
                    return Some(N::Cond(Box::new([
                        self.node(&a[0])?,
                        self.node(&a[1])?,
                        self.node(&a[2])?,
                    ])));
                }
                ("_+_", 2) => return two(self).map(|(x, y)| N::Add(x, y)),
                ("@in", 2) => return two(self).map(|(x, y)| N::In(x, y)),
                ("_[_]", 2) => return two(self).map(|(x, y)| N::Index(x, y)),
                ("get", 3) => {
                    return Some(N::Get(self.b(&a[0])?, self.b(&a[1])?, self.b(&a[2])?));
                }
                ("regex" | "regex_find" | "regex_all", 2) => {
                    let op = match name {
                        "regex" => Re::Is,
                        "regex_find" => Re::Find,
                        _ => Re::All,
                    };
                    let x = self.b(&a[0])?;
                    let pat = match &a[1].expr {
                        E::Literal(L::String(p)) => Pat::Const(funcs::shared_regex(p.inner())),
                        _ => {
                            let p = self.b(&a[1])?;
                            if vars_only(&p) {
                                Pat::Vars(p, OnceLock::new())
                            } else {
                                Pat::Dyn(p, OnceLock::new())
                            }
                        }
                    };
                    return Some(N::Re(op, x, pat));
                }
                _ => {}
            }
            let cmp = match name {
                "_==_" => Some(Cmp::Eq),
                "_!=_" => Some(Cmp::Ne),
                "_<_" => Some(Cmp::Lt),
                "_<=_" => Some(Cmp::Le),
                "_>_" => Some(Cmp::Gt),
                "_>=_" => Some(Cmp::Ge),
                _ => None,
            };
            if let Some(op) = cmp {
                if a.len() != 2 {
                    return None;
                }
                return two(self).map(|(x, y)| N::Cmp(op, x, y));
            }
        }
        let arity = a.len() + usize::from(c.target.is_some());
        let f = F::of(name, c.target.is_some(), arity)?;
        if matches!(
            f,
            F::ContainsAny | F::EndsWithAny | F::StartsWithAny | F::InList | F::IpIn | F::DomainIn
        ) {
            let x = self.b(&a[0])?;
            let l = self.b(&a[1])?;
            let arg = if let N::List(items) = l.as_ref()
                && items.iter().all(|i| matches!(i, N::Lit(V::Str(_))))
            {
                let strs: Vec<&str> = items
                    .iter()
                    .filter_map(|i| match i {
                        N::Lit(V::Str(s)) => Some(s.as_ref()),
                        _ => None,
                    })
                    .collect();
                match Prep::new(f, strs) {
                    Ok(p) => ListArg::Const(p),
                    Err(_) => ListArg::Dyn(l),
                }
            } else if vars_only(&l) {
                ListArg::Vars(l, OnceLock::new())
            } else {
                ListArg::Dyn(l)
            };
            return Some(N::ListCall(f, x, arg));
        }
        let mut args = Vec::with_capacity(arity);
        if let Some(t) = &c.target {
            args.push(self.node(t)?);
        }
        for x in a {
            args.push(self.node(x)?);
        }
        Some(N::Call(f, args))
    }
}

/// Whether a node reads nothing but the playbook's variables and literals.
fn vars_only(n: &N) -> bool {
    match n {
        N::Lit(_) => true,
        N::Var(v) => *v == "vars",
        N::Local(_) | N::Compr(_) | N::ListCall(..) | N::Re(..) => false,
        N::Select(x, _) | N::Has(x, _) | N::Not(x) | N::NotStrictlyFalse(x) => vars_only(x),
        N::Get(a, b, c) => vars_only(a) && vars_only(b) && vars_only(c),
        N::Logic(_, a, b) | N::Cmp(_, a, b) | N::Add(a, b) | N::In(a, b) | N::Index(a, b) => {
            vars_only(a) && vars_only(b)
        }
        N::Cond(c) => c.iter().all(vars_only),
        N::List(l) | N::Call(_, l) => l.iter().all(vars_only),
    }
}

// ---- Evaluation ----------------------------------------------------------------------------

struct Cx<'a> {
    scope: &'a Scope,
    locals: Vec<V<'a>>,
}

fn try_bool(v: &R<'_>) -> Result<bool, String> {
    match v {
        Ok(V::Bool(b)) => Ok(*b),
        Ok(other) => Err(format!(
            "Unexpected type: got '{}', want 'bool'",
            other.type_name()
        )),
        Err(e) => Err(e.clone()),
    }
}

fn no_overload(op: &str, args: &[&V<'_>]) -> String {
    let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
    format!("No such overload: {op}({})", types.join(", "))
}

fn str_arg<'v, 'a>(f: &str, v: &'v V<'a>) -> Result<&'v str, String> {
    v.as_str().ok_or_else(|| {
        format!(
            "Unexpected type: got '{}', want 'Arc<String>' (in {f})",
            v.type_name()
        )
    })
}

fn strings(v: Vec<String>) -> V<'static> {
    V::List(v.into_iter().map(|s| V::Str(Cow::Owned(s))).collect())
}

fn num(v: &V<'_>) -> Option<f64> {
    match v {
        V::Int(i) => Some(*i as f64),
        V::UInt(u) => Some(*u as f64),
        V::Float(f) => Some(*f),
        _ => None,
    }
}

/// CEL equality (`==`): same kind and value; numbers compare across int, uint and double;
/// anything else `cel` decides on the values in its own form.
fn equal(a: &V<'_>, b: &V<'_>) -> bool {
    match (a, b) {
        (V::Str(x), V::Str(y)) => x == y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Null, V::Null) => true,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Int(_) | V::UInt(_) | V::Float(_), V::Int(_) | V::UInt(_) | V::Float(_)) => {
            match (a, b) {
                (V::Int(x), V::UInt(y)) | (V::UInt(y), V::Int(x)) => *x >= 0 && *x as u64 == *y,
                (V::UInt(x), V::UInt(y)) => x == y,
                _ => num(a) == num(b),
            }
        }
        (V::Ref(_), _) | (_, V::Ref(_)) => {
            if let (Some(mut x), Some(mut y)) = (a.items(), b.items()) {
                return x.len() == y.len()
                    && x.by_ref().zip(y.by_ref()).all(|(p, q)| equal(&p, &q));
            }
            let (x, y) = (a.clone().into_val(), b.clone().into_val());
            x.equals(y.as_ref())
        }
        (V::List(x), V::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        _ => false,
    }
}

fn compare(op: &str, a: &V<'_>, b: &V<'_>) -> Result<std::cmp::Ordering, String> {
    let bad = || no_overload(op, &[a, b]);
    match (a, b) {
        (V::Int(x), V::Int(y)) => Ok(x.cmp(y)),
        (V::UInt(x), V::UInt(y)) => Ok(x.cmp(y)),
        (V::Str(x), V::Str(y)) => Ok(x.as_ref().cmp(y.as_ref())),
        (V::Bool(x), V::Bool(y)) => Ok(x.cmp(y)),
        (V::Int(x), V::UInt(y)) => Ok(i128::from(*x).cmp(&i128::from(*y))),
        (V::UInt(x), V::Int(y)) => Ok(i128::from(*x).cmp(&i128::from(*y))),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).ok_or_else(bad),
            _ => Err(bad()),
        },
    }
}

impl<'a> Cx<'a> {
    fn eval(&mut self, n: &'a N) -> R<'a> {
        match n {
            N::Lit(v) => Ok(match v {
                V::Str(s) => V::Str(Cow::Borrowed(s.as_ref())),
                V::Bool(b) => V::Bool(*b),
                V::Int(i) => V::Int(*i),
                V::UInt(u) => V::UInt(*u),
                V::Float(f) => V::Float(*f),
                _ => V::Null,
            }),
            N::Var(name) => self
                .scope
                .get(name)
                .map(of_val)
                .ok_or_else(|| format!("Undeclared reference to '{name}'")),
            N::Local(i) => Ok(self.locals[*i].clone()),
            N::Select(x, field) => {
                let v = self.eval(x)?;
                match v.map() {
                    Some(m) => walk_one(m, field).ok_or_else(|| format!("No such key: {field}")),
                    None => Err(no_overload("_._", &[&v, &V::Str(Cow::Borrowed(field))])),
                }
            }
            N::Has(x, field) => {
                let v = self.eval(x)?;
                match v.map() {
                    Some(m) => Ok(V::Bool(
                        m.contains(&CelString::from(field.as_str()))
                            .map_err(|e| e.to_string())?,
                    )),
                    None => Err(no_overload("_._", &[&v, &V::Str(Cow::Borrowed(field))])),
                }
            }
            N::Get(m, path, default) => {
                let m = self.eval(m)?;
                let path = self.eval(path)?;
                let path = str_arg("get", &path)?;
                let found = match &m {
                    V::Ref(r) => crate::expr::val_path(*r, path).map(of_val),
                    _ => None,
                };
                match found {
                    Some(v) => Ok(v),
                    None => self.eval(default),
                }
            }
            // `&&` (absorbing `false`) and `||` (absorbing `true`), with CEL's error absorption:
            // an error on one side is overridden by the absorbing value on the other.
            N::Logic(absorbing, x, y) => {
                let absorbing = *absorbing;
                let left = try_bool(&self.eval(x));
                if left == Ok(absorbing) {
                    return Ok(V::Bool(absorbing));
                }
                let right = self.eval(y)?;
                match (left, &right) {
                    (Ok(_), V::Bool(r)) => Ok(V::Bool(*r)),
                    (Err(_), V::Bool(r)) if *r == absorbing => Ok(V::Bool(absorbing)),
                    (Err(e), _) => Err(e),
                    (Ok(l), r) => {
                        let op = if absorbing { "_||_" } else { "_&&_" };
                        Err(no_overload(op, &[&V::Bool(l), r]))
                    }
                }
            }
            N::Not(x) => match self.eval(x)? {
                V::Bool(b) => Ok(V::Bool(!b)),
                v => Err(no_overload("!_", &[&v])),
            },
            N::NotStrictlyFalse(x) => Ok(V::Bool(try_bool(&self.eval(x)).unwrap_or(true))),
            N::Cond(c) => {
                let [cond, yes, no] = c.as_ref();
                if try_bool(&self.eval(cond))? {
                    self.eval(yes)
                } else {
                    self.eval(no)
                }
            }
            N::Cmp(op, x, y) => {
                let a = self.eval(x)?;
                let b = self.eval(y)?;
                use std::cmp::Ordering::*;
                Ok(V::Bool(match op {
                    Cmp::Eq => equal(&a, &b),
                    Cmp::Ne => !equal(&a, &b),
                    Cmp::Lt => compare("_<_", &a, &b)? == Less,
                    Cmp::Le => compare("_<=_", &a, &b)? != Greater,
                    Cmp::Gt => compare("_>_", &a, &b)? == Greater,
                    Cmp::Ge => compare("_>=_", &a, &b)? != Less,
                }))
            }
            N::Add(x, y) => {
                let a = self.eval(x)?;
                let b = self.eval(y)?;
                add(a, b)
            }
            N::In(x, y) => {
                let a = self.eval(x)?;
                let b = self.eval(y)?;
                if let Some(mut items) = b.items() {
                    return Ok(V::Bool(items.any(|e| equal(&a, &e))));
                }
                match (b.map(), &a) {
                    (Some(m), V::Str(k)) => Ok(V::Bool(
                        m.contains(&CelString::from(k.as_ref()))
                            .map_err(|e| e.to_string())?,
                    )),
                    _ => Err(no_overload("@in", &[&a, &b])),
                }
            }
            N::Index(x, i) => {
                let v = self.eval(x)?;
                let i = self.eval(i)?;
                if let (Some(mut items), V::Int(k)) = (v.items(), &i) {
                    let n = items.len();
                    return usize::try_from(*k)
                        .ok()
                        .and_then(|k| items.nth(k))
                        .ok_or_else(|| format!("Index out of bounds: {k} (size {n})"));
                }
                match (v.map(), &i) {
                    (Some(m), V::Str(k)) => {
                        walk_one(m, k).ok_or_else(|| format!("No such key: {k}"))
                    }
                    _ => Err(no_overload("_[_]", &[&v, &i])),
                }
            }
            N::List(l) => Ok(V::List(
                l.iter().map(|x| self.eval(x)).collect::<Result<_, _>>()?,
            )),
            N::Re(op, x, pat) => {
                let x = self.eval(x)?;
                let name = match op {
                    Re::Is => "regex",
                    Re::Find => "regex_find",
                    Re::All => "regex_all",
                };
                let x = str_arg(name, &x)?;
                let run = |r: &Regex| regex_op(*op, r, x);
                let err =
                    |e: String| format!("Error executing function '{name}': invalid regex: {e}");
                match pat {
                    Pat::Const(r) => r.as_ref().map(run).map_err(|e| err(e.clone())),
                    Pat::Vars(p, cache) => match self
                        .vars_cached(p, cache, |v| funcs::shared_regex(str_arg(name, v)?))
                    {
                        Some(r) => r.as_ref().map(run).map_err(|e| err(e.clone())),
                        None => {
                            let p = self.eval(p)?;
                            funcs::with_regex(str_arg(name, &p)?, run).map_err(err)
                        }
                    },
                    Pat::Dyn(p, cache) => {
                        let p = self.eval(p)?;
                        let p = str_arg(name, &p)?;
                        let (cp, cr) = cache.get_or_init(|| (p.to_owned(), funcs::shared_regex(p)));
                        if cp == p {
                            cr.as_ref().map(run).map_err(|e| err(e.clone()))
                        } else {
                            funcs::with_regex(p, run).map_err(err)
                        }
                    }
                }
            }
            N::Call(f, args) => self.call(*f, args),
            N::ListCall(f, x, l) => {
                let x = self.eval(x)?;
                let h = str_arg(f.name(), &x)?;
                let prep = match l {
                    ListArg::Const(p) => Some(Ok(p)),
                    ListArg::Vars(n, cache) => self
                        .vars_cached(n, cache, |v| Prep::new(*f, list_strs(v)))
                        .map(|r| r.as_ref().map_err(Clone::clone)),
                    ListArg::Dyn(_) => None,
                };
                match prep {
                    Some(p) => Ok(V::Bool(p?.test(*f, h))),
                    None => {
                        let (ListArg::Vars(n, _) | ListArg::Dyn(n)) = l else {
                            unreachable!("a constant list is prepared")
                        };
                        let l = self.eval(n)?;
                        Ok(V::Bool(list_test(*f, h, list_strs(&l))))
                    }
                }
            }
            N::Compr(c) => self.compr(c),
        }
    }

    /// `cache`'s value for the scope's shared variables, derived by `build` from `node`'s value
    /// on first use; `None` when the scope's variables are not the shared ones (or `node` cannot
    /// be evaluated: the caller's own evaluation then reports why).
    fn vars_cached<T>(
        &mut self,
        node: &'a N,
        cache: &'a VarsCache<T>,
        build: impl FnOnce(&V<'_>) -> Result<T, String>,
    ) -> Option<&'a Result<T, String>> {
        let vars = self.scope.shared("vars")?;
        if let Some((a, t)) = cache.get() {
            return Arc::ptr_eq(a, vars).then_some(t);
        }
        let v = self.eval(node).ok()?;
        let t = build(&v);
        let _ = cache.set((vars.clone(), t));
        let (a, t) = cache.get()?;
        Arc::ptr_eq(a, vars).then_some(t)
    }

    fn compr(&mut self, c: &'a Compr) -> R<'a> {
        let init = self.eval(&c.init)?;
        let range = self.eval(&c.range)?;
        self.locals[c.accu] = init;
        let keys: Vec<V<'a>>;
        let items = match (range.items(), range.map()) {
            (Some(i), _) => i,
            (None, Some(m)) => {
                use cel::common::types::CelMapKey as K;
                keys = m
                    .inner()
                    .keys()
                    .map(|k| match k {
                        K::Bool(b) => V::Bool(*b.inner()),
                        K::Int(i) => V::Int(*i.inner()),
                        K::UInt(u) => V::UInt(*u.inner()),
                        K::String(s) => V::Str(Cow::Borrowed(s.inner())),
                    })
                    .collect();
                Items::Own(keys.iter())
            }
            (None, None) => {
                return Err(format!(
                    "Unexpected type: got '{}', want 'iterable'",
                    range.type_name()
                ));
            }
        };
        let mut pending: Option<String> = None;
        for item in items {
            if !try_bool(&self.eval(&c.cond))? {
                break;
            }
            self.locals[c.iter] = item;
            let step = self.eval(&c.step);
            match (step, c.fold) {
                (Err(e), Some(_)) => pending = Some(e),
                (Err(e), None) => return Err(e),
                (Ok(accu), Some(absorbing))
                    if pending.is_some() && !matches!(accu, V::Bool(b) if b == absorbing) => {}
                (Ok(accu), _) => {
                    pending = None;
                    self.locals[c.accu] = accu;
                }
            }
        }
        if let Some(e) = pending {
            return Err(e);
        }
        self.eval(&c.result)
    }

    fn call(&mut self, f: F, args: &'a [N]) -> R<'a> {
        use F::*;
        let x = self.eval(&args[0])?;
        let name = f.name();
        Ok(match f {
            Lower => V::Str(match x {
                V::Str(Cow::Borrowed(s)) => funcs::lower_cow(s),
                V::Str(Cow::Owned(s)) => Cow::Owned(funcs::lower_cow(&s).into_owned()),
                other => return Err(no_overload("lower", &[&other])),
            }),
            Basename => V::Str(str_map(x, "basename", funcs::basename)?),
            Dirname => V::Str(str_map(x, "dirname", funcs::dirname)?),
            SplitArgs => strings(funcs::split_args(str_arg("split_args", &x)?)),
            Decoded => V::Str(Cow::Owned(funcs::decoded(str_arg("decoded", &x)?))),
            Deobfuscate => V::Str(Cow::Owned(funcs::deobfuscate(str_arg("deobfuscate", &x)?))),
            StripComments => V::Str(Cow::Owned(funcs::strip_comments(str_arg(
                "strip_comments",
                &x,
            )?))),
            WrittenThenRun => V::Str(Cow::Owned(funcs::written_then_run(str_arg(
                "written_then_run",
                &x,
            )?))),
            PowershellReadOnly => V::Bool(funcs::powershell_read_only(str_arg(
                "powershell_read_only",
                &x,
            )?)),
            B64decode => V::Str(Cow::Owned(
                funcs::b64_bytes(str_arg("b64decode", &x)?)
                    .and_then(|b| funcs::bytes_to_text(&b))
                    .unwrap_or_default(),
            )),
            Entropy => V::Float(funcs::entropy(str_arg("entropy", &x)?)),
            ObfuscationRatio => {
                V::Float(funcs::obfuscation_ratio(str_arg("obfuscation_ratio", &x)?))
            }
            Urls => strings(funcs::urls(str_arg("urls", &x)?)),
            Ips => strings(funcs::ips(str_arg("ips", &x)?)),
            UrlHost => V::Str(Cow::Owned(
                funcs::url_host(str_arg("url_host", &x)?).unwrap_or_default(),
            )),
            IsIp => V::Bool(funcs::is_ip(str_arg("is_ip", &x)?)),
            IsPublicIp => V::Bool(funcs::is_public_ip(str_arg("is_public_ip", &x)?)),
            Truthy => V::Bool(match &x {
                V::Null => false,
                V::Bool(b) => *b,
                V::Int(i) => *i != 0,
                V::UInt(u) => *u != 0,
                V::Float(f) => *f != 0.0,
                V::Str(s) => !s.is_empty(),
                V::List(l) => !l.is_empty(),
                V::Ref(r) => match (x.items(), x.map()) {
                    (Some(i), _) => i.len() > 0,
                    (_, Some(m)) => !m.inner().is_empty(),
                    _ => crate::expr::truthy(&Value::try_from(*r).map_err(|e| e.to_string())?),
                },
            }),
            Uniq => {
                let mut out: Vec<V<'a>> = Vec::new();
                if let Some(items) = x.items() {
                    for e in items {
                        if !out.iter().any(|o| equal(o, &e)) {
                            out.push(e);
                        }
                    }
                }
                V::List(out)
            }
            FlattenStrings => {
                fn flat<'a>(v: V<'a>, out: &mut Vec<V<'a>>) {
                    match &v {
                        V::Str(_) => out.push(v),
                        _ => {
                            if let Some(items) = v.items() {
                                for e in items {
                                    flat(e, out);
                                }
                            } else if let Some(m) = v.map() {
                                // In key order, as `expr`'s `flatten_strings`.
                                let mut e: Vec<_> = m.inner().iter().collect();
                                e.sort_by_cached_key(|(k, _)| map_key_text(k));
                                for (_, x) in e {
                                    flat(of_val(x.as_ref()), out);
                                }
                            }
                        }
                    }
                }
                let mut out = Vec::new();
                flat(x, &mut out);
                V::List(out)
            }
            Size => V::Int(match (&x, x.items(), x.map()) {
                (V::Str(s), _, _) => s.chars().count() as i64,
                (_, Some(i), _) => i.len() as i64,
                (_, _, Some(m)) => m.inner().len() as i64,
                _ => return Err(no_overload("size", &[&x])),
            }),
            Int => match &x {
                V::Int(i) => V::Int(*i),
                V::UInt(u) => V::Int(i64::try_from(*u).map_err(|_| "integer overflow".to_owned())?),
                V::Float(f)
                    if f.is_finite() && *f > -9.223372036854776e18 && *f < 9.223372036854776e18 =>
                {
                    V::Int(*f as i64)
                }
                V::Str(s) => V::Int(s.parse::<i64>().map_err(|e| {
                    format!("Error executing function 'int': cannot parse {s:?} as int: {e}")
                })?),
                _ => return Err(no_overload("int", &[&x])),
            },
            String => match x {
                V::Str(s) => V::Str(s),
                V::Int(i) => V::Str(Cow::Owned(i.to_string())),
                V::UInt(u) => V::Str(Cow::Owned(u.to_string())),
                V::Bool(b) => V::Str(Cow::Owned(b.to_string())),
                other => {
                    let v = other.clone().into_value()?;
                    match v {
                        Value::Float(f) => V::Str(Cow::Owned(f.to_string())),
                        _ => return Err(no_overload("string", &[&other])),
                    }
                }
            },
            _ => {
                let y = self.eval(&args[1])?;
                match f {
                    Contains | StartsWith | EndsWith => {
                        let (Some(h), Some(n)) = (x.as_str(), y.as_str()) else {
                            return Err(no_overload(name, &[&x, &y]));
                        };
                        V::Bool(match f {
                            Contains => h.contains(n),
                            StartsWith => h.starts_with(n),
                            _ => h.ends_with(n),
                        })
                    }
                    Join => {
                        let sep = str_arg("join", &y)?;
                        let Some(items) = x.items() else {
                            return Err(no_overload("join", &[&x, &y]));
                        };
                        let mut out = std::string::String::new();
                        for (i, e) in items.enumerate() {
                            if i > 0 {
                                out.push_str(sep);
                            }
                            out.push_str(str_arg("join", &e)?);
                        }
                        V::Str(Cow::Owned(out))
                    }
                    Split => {
                        let (Some(s), Some(sep)) = (x.as_str(), y.as_str()) else {
                            return Err(no_overload("split", &[&x, &y]));
                        };
                        let parts: Vec<&str> = if sep.is_empty() {
                            s.char_indices()
                                .map(|(i, c)| &s[i..i + c.len_utf8()])
                                .collect()
                        } else {
                            s.split(sep).collect()
                        };
                        V::List(
                            parts
                                .into_iter()
                                .map(|p| V::Str(Cow::Owned(p.to_owned())))
                                .collect(),
                        )
                    }
                    Replace => {
                        let z = self.eval(&args[2])?;
                        let (Some(s), Some(from), Some(to)) = (x.as_str(), y.as_str(), z.as_str())
                        else {
                            return Err(no_overload("replace", &[&x, &y, &z]));
                        };
                        V::Str(Cow::Owned(s.replace(from, to)))
                    }
                    _ => unreachable!("one-argument functions are handled above"),
                }
            }
        })
    }
}

/// A map key as `cel::objects::Key` displays it.
fn map_key_text(k: &cel::common::types::CelMapKey<'_>) -> std::string::String {
    use cel::common::types::CelMapKey as K;
    match k {
        K::Bool(b) => b.inner().to_string(),
        K::Int(i) => i.inner().to_string(),
        K::UInt(u) => u.inner().to_string(),
        K::String(s) => s.inner().to_owned(),
    }
}

/// `m.field`, with one lookup (the fields a playbook selects are there, as `facts.x` is).
fn walk_one<'a>(m: &'a CelMap<'static>, field: &str) -> Option<V<'a>> {
    match m.get(&CelString::from(field)).ok()? {
        CowVal::Borrowed(x) => Some(of_val(x)),
        CowVal::Owned(_) => None,
    }
}

/// A path function on a string argument, borrowing the part it returns.
fn str_map<'a>(x: V<'a>, f: &str, g: fn(&str) -> &str) -> Result<Cow<'a, str>, String> {
    match x {
        V::Str(Cow::Borrowed(s)) => Ok(Cow::Borrowed(g(s))),
        V::Str(Cow::Owned(s)) => Ok(Cow::Owned(g(&s).to_owned())),
        other => Err(format!(
            "Unexpected type: got '{}', want 'Arc<String>' (in {f})",
            other.type_name()
        )),
    }
}

fn regex_op(op: Re, r: &Regex, x: &str) -> V<'static> {
    let group = |c: regex::Captures<'_>| {
        c.get(1)
            .or_else(|| c.get(0))
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default()
    };
    match op {
        Re::Is => V::Bool(r.is_match(x)),
        Re::Find => V::Str(Cow::Owned(r.captures(x).map(group).unwrap_or_default())),
        Re::All => {
            let mut out: Vec<std::string::String> = Vec::new();
            for c in r.captures_iter(x).take(256) {
                let m = group(c);
                if !out.contains(&m) {
                    out.push(m);
                }
            }
            strings(out)
        }
    }
}

fn add<'a>(a: V<'a>, b: V<'a>) -> R<'a> {
    match (a, b) {
        (V::Str(x), V::Str(y)) => {
            let mut s = x.into_owned();
            s.push_str(&y);
            Ok(V::Str(Cow::Owned(s)))
        }
        (V::Int(x), V::Int(y)) => x
            .checked_add(y)
            .map(V::Int)
            .ok_or_else(|| "Overflow from binary operator 'add'".to_owned()),
        (V::UInt(x), V::UInt(y)) => x
            .checked_add(y)
            .map(V::UInt)
            .ok_or_else(|| "Overflow from binary operator 'add'".to_owned()),
        (V::Float(x), V::Float(y)) => Ok(V::Float(x + y)),
        // A list built by this expression grows in place (`a + b + c` copies each once).
        (V::List(mut x), b) if b.items().is_some() => {
            x.extend(b.items().into_iter().flatten());
            Ok(V::List(x))
        }
        (a, b) => match (a.items(), b.items()) {
            (Some(x), Some(y)) => Ok(V::List(x.chain(y).collect())),
            _ => Err(format!(
                "Unsupported binary operator 'add': {}, {}",
                a.type_name(),
                b.type_name()
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::{Expr, Scope, from_json, json_to_val};
    use serde_json::json;
    use std::sync::Arc;

    fn scope(vars: serde_json::Value) -> Scope {
        let mut s = Scope::default();
        s.set(
            "alert",
            from_json(&json!({
                "process": {"name": "PowerShell.exe", "command_line": "powershell -enc SQBFAFgA",
                    "args": ["powershell", "-enc", "SQBFAFgA"], "pid": 42, "parent": {"name": "WINWORD.EXE", "pid": null}},
                "dns": {"answers": [{"ip": "8.8.8.8"}, {"ip": "10.0.0.1"}]},
                "labels": {"b": "two", "a": "one"},
                "n": 1.5
            })),
        );
        s.set_shared("vars", Arc::from(json_to_val(&vars)));
        s.new_map("facts", 4);
        s.insert("facts", "user", json_to_val(&json!("CORP\\alice")));
        s.insert(
            "facts",
            "paths",
            json_to_val(&json!(["C:\\Users\\a\\x.ps1", "/tmp/y.sh"])),
        );
        s.insert("facts", "flag", json_to_val(&json!(true)));
        s
    }

    fn vars() -> serde_json::Value {
        json!({"agents": ["CcmExec.exe", "osqueryd"], "dirs": ["\\users\\", "/tmp/", ""],
               "pattern": "(?i)^power", "bad": "(unclosed", "nets": ["10.0.0.0/8"], "doms": ["example.com"]})
    }

    /// Every expression here compiles natively and gives what `cel` gives: the same value, or
    /// an error in both.
    #[test]
    fn agrees_with_cel() {
        let s = scope(vars());
        for src in [
            // logic, with CEL's error absorption
            "facts.flag && true",
            "facts.missing || true",
            "true || facts.missing",
            "facts.missing && false",
            "facts.missing && true",
            "facts.missing || false",
            "!facts.flag",
            "!facts.user",
            "facts.user ? 1 : 2",
            "facts.flag ? 'a' : 'b'",
            // comparison and arithmetic
            "1 == 1u",
            "1 == 1.0",
            "'a' == 1",
            "null == null",
            "[1, 'a'] == [1, 'a']",
            "facts.paths == ['C:\\\\Users\\\\a\\\\x.ps1', '/tmp/y.sh']",
            "alert.labels == alert.labels",
            "alert.labels == alert.process",
            "size(facts.paths) > 1",
            "2 < 1.5",
            "'b' >= 'a'",
            "'a' < 1",
            "1 + 2",
            "9223372036854775807 + 1",
            "'a' + 'b'",
            "facts.paths + ['z']",
            "'a' + 1",
            // selection, has(), get(), indexing, in
            "alert.process.name",
            "alert.process.nope",
            "alert.process.name.x",
            "has(alert.process.parent)",
            "has(alert.process.nope)",
            "has(alert.process.name.x)",
            "get(alert, 'process.parent.name', '')",
            "get(alert, 'process.parent.pid', 7)",
            "get(alert, 'process.args', [])",
            "get(alert, 'no.such', 'd')",
            "get(alert, 1, 'd')",
            "alert.process.args[1]",
            "alert.process.args[9]",
            "alert.labels['a']",
            "alert.labels['z']",
            "'a' in alert.labels",
            "'-enc' in alert.process.args",
            "1 in 'abc'",
            // comprehensions
            "facts.paths.all(p, p.contains('/'))",
            "facts.paths.exists(p, p.startsWith('/tmp'))",
            "facts.paths.exists_one(p, p != '')",
            "facts.paths.map(p, basename(p))",
            "facts.paths.filter(p, p.endsWith('.sh'))",
            "alert.dns.answers.map(a, a.ip).filter(i, is_public_ip(i))",
            "alert.dns.answers.exists(a, a.nope == 1)",
            "alert.dns.answers.all(a, a.nope == 1)",
            "[facts.missing, true].exists(x, x)",
            "[facts.missing, false].all(x, x)",
            "[facts.missing, true].all(x, x)",
            "alert.labels.all(k, k != '')",
            "facts.user.all(c, true)",
            // functions
            "lower(alert.process.name)",
            "lower(1)",
            "basename(facts.paths[0]) + '|' + dirname(facts.paths[0])",
            "in_list(alert.process.name, ['powershell.exe'])",
            "in_list('ccmexec.exe', vars.agents)",
            "in_list('x', 'x')",
            "in_list('x', 1)",
            "contains_any(facts.paths[0], vars.dirs)",
            "contains_any('C:\\\\Windows\\\\x', vars.dirs)",
            "contains_any('abc', ['', 'B'])",
            "contains_any(1, ['a'])",
            "starts_with_any('/TMP/x', vars.dirs) && ends_with_any('a.PS1', ['.ps1'])",
            "ip_in('10.1.2.3', vars.nets) && !ip_in('8.8.8.8', vars.nets)",
            "domain_in('a.example.com', vars.doms)",
            "regex(alert.process.name, vars.pattern)",
            "regex(alert.process.name, vars.bad)",
            "regex(alert.process.name, '(')",
            "regex_find(alert.process.command_line, '-(e\\\\w+)')",
            "regex_all('a1 b2 a1', '([a-z])\\\\d')",
            "regex(1, 'a')",
            "split_args(alert.process.command_line)",
            "decoded(alert.process.command_line)",
            "b64decode('SQBFAFgA')",
            "entropy('aaaa') == 0.0",
            "urls('get http://x.test/a and https://y.test') + ips('to 1.2.3.4')",
            "url_host('http://x.test:8/a')",
            "truthy(facts.paths) && !truthy('') && truthy(alert.labels) && !truthy(null)",
            "uniq(['a', 'b', 'a'])",
            "flatten_strings(alert.labels)",
            "flatten_strings(alert)",
            "size('héllo') + size(facts.paths) + facts.paths.size() + size(alert.labels)",
            "size(1)",
            "int('12') + int(3.9) + int(2u)",
            "int('x')",
            "string(12) + string(true) + string('s') + string(1.5)",
            "facts.paths.join(', ')",
            "[1].join(',')",
            "'a,b,,c'.split(',')",
            "'abc'.split('')",
            "'a-b-c'.replace('-', '+')",
            "'abc'.contains('b') && 'abc'.startsWith('a') && 'abc'.endsWith('c')",
            "1 .contains('a')",
            "alert.n",
            "vars.nope",
            "run.id",
        ] {
            let e = Expr::compile(src).unwrap_or_else(|e| panic!("{src}: {}", e.message));
            assert!(e.is_native(), "not native: {src}");
            let native = e.eval(&s);
            let cel = e.eval_cel(&s);
            match (&native, &cel) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{src}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{src}: native {native:?}, cel {cel:?}"),
            }
        }
    }

    /// What a list or a pattern prepared from the playbook's variables holds is used only with
    /// those variables: a run with its own (configuration overrides) gets its own answer.
    #[test]
    fn prepared_variables_follow_the_run_s_variables() {
        let e =
            Expr::compile("in_list('x.exe', vars.agents) && regex('abc', vars.pattern)").unwrap();
        let shared = scope(json!({"agents": ["y.exe"], "pattern": "^a"}));
        assert_eq!(e.eval(&shared), Ok(cel::Value::Bool(false)));
        let mut own = scope(json!({}));
        own.set_val(
            "vars",
            json_to_val(&json!({"agents": ["X.exe"], "pattern": "c$"})),
        );
        assert_eq!(e.eval(&own), Ok(cel::Value::Bool(true)));
        // Other shared variables (another playbook's) are not the ones prepared.
        let other = scope(json!({"agents": ["x.exe"], "pattern": "^z"}));
        assert_eq!(e.eval(&other), Ok(cel::Value::Bool(false)));
        let other = scope(json!({"agents": ["x.exe"], "pattern": "b"}));
        assert_eq!(e.eval(&other), Ok(cel::Value::Bool(true)));
        assert_eq!(e.eval(&shared), Ok(cel::Value::Bool(false)));
    }

    /// Constructs outside the native subset are left to `cel`, which still evaluates them.
    #[test]
    fn the_rest_is_left_to_cel() {
        let s = scope(vars());
        for src in [
            "{'a': 1}.a",
            "b'x' == b'x'",
            "[1, 2].exists(i, v, v > 1)",
            "matches('a', 'a')",
        ] {
            let e = Expr::compile(src).unwrap();
            assert!(!e.is_native(), "{src}");
            let _ = e.eval(&s);
        }
        let e = Expr::compile("{'a': 1}.a").unwrap();
        assert_eq!(e.eval(&s), Ok(cel::Value::Int(1)));
    }
}
