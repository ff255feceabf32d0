//! From YAML text to a validated [`Playbook`], reporting every problem at once.

use crate::capabilities::{self, Capability, Dest, ParamType};
use crate::diag::{Diagnostics, Pos, hint_for, suggest};
use crate::duration;
use crate::expr::{self, Expr};
use crate::model::*;
use crate::template::{Template, Templates};
use crate::yaml::{self, Kind, Node};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// Loads a playbook from a file.
pub fn load_file(path: &std::path::Path) -> Result<Playbook, Diagnostics> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(&name, &text),
        Err(e) => {
            let mut d = Diagnostics::new(name);
            d.error_hint(
                Pos::UNKNOWN,
                format!("cannot read the playbook: {e}"),
                "check the path and that the file is readable by this user",
            );
            Err(d)
        }
    }
}

/// Loads a playbook from text; `file` names it in messages.
pub fn load_str(file: &str, text: &str) -> Result<Playbook, Diagnostics> {
    let mut cx = Cx {
        d: Diagnostics::new(file),
        src: text,
        templates: Templates::default(),
    };
    let Some(root) = yaml::parse(text, &mut cx.d) else {
        return Err(cx.d);
    };
    let pb = cx.playbook(&root, file, text);
    cx.d.sort();
    match pb {
        Some(pb) if cx.d.is_empty() => Ok(pb),
        _ => Err(cx.d),
    }
}

/// SHA-256 of a playbook's text, hex.
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// CEL functions we know (ours, the standard library and the strings/lists extensions).
const CEL_STD: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "max",
    "min",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "lowerAscii",
    "upperAscii",
    "trim",
    "replace",
    "split",
    "substring",
    "join",
    "format",
    "strings.quote",
    "reverse",
    "distinct",
    "flatten",
    "lists.range",
    "slice",
    "sort",
    "sortBy",
    "first",
    "last",
];

/// What an expression or template may name where it stands.
#[derive(Clone, Default)]
struct Visible {
    facts: BTreeSet<String>,
    lookups: BTreeSet<String>,
    actions: BTreeSet<String>,
    vars: BTreeSet<String>,
    /// All ids in the playbook, to tell "comes later" from "does not exist".
    all_ids: HashMap<String, &'static str>,
    escalation: bool,
    item: bool,
    /// `value` (in check explanations).
    value: bool,
}

struct Cx<'s> {
    d: Diagnostics,
    src: &'s str,
    templates: Templates,
}

/// A mapping node read key by key, with unknown keys reported.
struct Obj<'a> {
    pos: Pos,
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
}

impl<'a> Obj<'a> {
    fn get(&self, k: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(n, _, _)| *n == k)
            .map(|(_, _, v)| *v)
    }
    fn key_pos(&self, k: &str) -> Pos {
        self.entries
            .iter()
            .find(|(n, _, _)| *n == k)
            .map(|(_, kn, _)| kn.pos)
            .unwrap_or(self.pos)
    }
}

impl<'s> Cx<'s> {
    fn obj<'a>(&mut self, n: &'a Node, what: &str, allowed: &[&str]) -> Option<Obj<'a>> {
        let Kind::Map(m) = &n.kind else {
            self.d.error(
                n.pos,
                format!(
                    "{what} must be a mapping (`key: value` lines), found {}",
                    n.type_name()
                ),
            );
            return None;
        };
        let mut entries = Vec::new();
        let mut seen = BTreeSet::new();
        for (k, v) in m {
            let Some(ks) = k.as_str() else {
                self.d
                    .error(k.pos, format!("keys in {what} must be strings"));
                continue;
            };
            if !seen.insert(ks) {
                self.d.error_hint(
                    k.pos,
                    format!("`{ks}` appears twice in {what}"),
                    "remove one of them",
                );
                continue;
            }
            if !allowed.contains(&ks) {
                self.d.error_hint(
                    k.pos,
                    format!("unknown key `{ks}` in {what}"),
                    hint_for(ks, allowed),
                );
                continue;
            }
            entries.push((ks, k, v));
        }
        Some(Obj {
            pos: n.pos,
            entries,
        })
    }

    fn required<'a>(&mut self, o: &Obj<'a>, k: &str, what: &str) -> Option<&'a Node> {
        let v = o.get(k);
        if v.is_none() {
            self.d.error_hint(
                o.pos,
                format!("{what} needs `{k}`"),
                format!("add `{k}: …`"),
            );
        }
        v
    }

    fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        match &n.kind {
            Kind::Str(s) if !s.trim().is_empty() => Some(s.clone()),
            Kind::Str(_) => {
                self.d.error(n.pos, format!("{what} must not be empty"));
                None
            }
            _ => {
                self.d.error(
                    n.pos,
                    format!("{what} must be a string, found {}", n.type_name()),
                );
                None
            }
        }
    }

    fn string_list(&mut self, n: &Node, what: &str) -> Vec<String> {
        match &n.kind {
            Kind::Seq(items) => items.iter().filter_map(|i| self.scalar(i, what)).collect(),
            Kind::Str(s) => vec![s.clone()],
            _ => {
                self.d.error(
                    n.pos,
                    format!("{what} must be a list of strings, found {}", n.type_name()),
                );
                Vec::new()
            }
        }
    }

    fn scalar(&mut self, n: &Node, what: &str) -> Option<String> {
        let s = n.scalar_text();
        if s.is_none() {
            self.d.error(
                n.pos,
                format!("{what} must be a string, found {}", n.type_name()),
            );
        }
        s
    }

    fn boolean(&mut self, n: &Node, what: &str) -> Option<bool> {
        match n.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.d.error_hint(
                    n.pos,
                    format!("{what} must be true or false, found {}", n.type_name()),
                    "write `true` or `false` without quotes",
                );
                None
            }
        }
    }

    fn duration(&mut self, n: &Node, what: &str) -> Option<Duration> {
        let Some(s) = n.scalar_text() else {
            self.d.error(
                n.pos,
                format!(
                    "{what} must be a duration like `30s`, found {}",
                    n.type_name()
                ),
            );
            return None;
        };
        match duration::parse(&s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.d.error_hint(
                    n.pos,
                    format!("{what}: invalid duration {e}"),
                    "use a number and a unit: 500ms, 30s, 15m, 24h, 7d",
                );
                None
            }
        }
    }

    fn id(&mut self, n: &Node, what: &str) -> Option<String> {
        let s = self.string(n, what)?;
        let ok = s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            self.d.error_hint(n.pos, format!("{what} `{s}` is not a valid name"), "use lower_snake_case: a letter, then letters, digits or `_` (it is used as `facts.NAME` in expressions)");
            return None;
        }
        Some(s)
    }

    // ---- expressions and templates -------------------------------------------------------

    fn expr(&mut self, n: &Node, what: &str, vis: &Visible) -> Option<Expr> {
        let src = match &n.kind {
            Kind::Str(s) => s.clone(),
            Kind::Bool(b) => b.to_string(),
            _ => {
                self.d.error_hint(
                    n.pos,
                    format!(
                        "{what} must be an expression (a string), found {}",
                        n.type_name()
                    ),
                    "quote the expression, e.g. `when: 'facts.obfuscated'`",
                );
                return None;
            }
        };
        let e = match Expr::compile(&src) {
            Ok(e) => e,
            Err(err) => {
                let pos = n.pos_in_value(self.src, err.offset);
                self.d.error_hint(pos, format!("{what}: expression does not parse: {}", err.message), "expressions are CEL: `a && b`, `x in [..]`, `s.contains('..')`, `has(alert.process.parent)`");
                return None;
            }
        };
        let ok_before = self.d.len();
        // Variables
        let bound = comprehension_vars(&src);
        for v in e.variables() {
            if v.starts_with('@') || v.starts_with("__") || bound.contains(&v) {
                continue;
            }
            let at = n.pos_in_value(self.src, find_word(&src, &v).unwrap_or(0));
            if !expr::VARIABLES.contains(&v.as_str()) {
                let hint = match suggest(&v, expr::VARIABLES.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("expressions can name: {}", expr::VARIABLES.join(", ")),
                };
                self.d
                    .error_hint(at, format!("{what}: unknown name `{v}`"), hint);
            } else if v == "item" && !vis.item {
                self.d.error_hint(
                    at,
                    format!("{what}: `item` is only defined inside an action with `for_each`"),
                    "add `for_each:` to the action, or use another value",
                );
            } else if v == "escalation" && !vis.escalation {
                self.d.error_hint(
                    at,
                    format!("{what}: `escalation` is decided after the analysis"),
                    "use it in `actions:` only",
                );
            } else if v == "actions" && vis.actions.is_empty() && !vis.escalation {
                self.d.error_hint(
                    at,
                    format!("{what}: `actions` are only visible to later actions"),
                    "use it in `actions:` after the action it names",
                );
            }
        }
        // Functions
        for f in e.functions() {
            if !f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                continue; // operators
            }
            if !CEL_STD.contains(&f.as_str()) && !expr::Functions::names().any(|n| n == f) {
                let all: Vec<&str> = CEL_STD
                    .iter()
                    .copied()
                    .chain(expr::Functions::names())
                    .collect();
                let at = n.pos_in_value(self.src, find_word(&src, &f).unwrap_or(0));
                self.d.error_hint(
                    at,
                    format!("{what}: unknown function `{f}`"),
                    hint_for(&f, &all),
                );
            }
        }
        // Regex literals passed to our regex functions compile
        for (pat, off) in regex_literals(&src) {
            if let Err(err) = crate::funcs::check_regex(&pat) {
                let at = n.pos_in_value(self.src, off);
                let first = err.lines().last().unwrap_or(&err).to_owned();
                self.d.error_hint(at, format!("{what}: invalid regex: {first}"), "regexes use Rust syntax; in a single-quoted CEL string a backslash is written `\\\\`");
            }
        }
        self.references(n, &src, what, vis, true);
        (self.d.len() == ok_before).then_some(e)
    }

    fn references(&mut self, n: &Node, src: &str, what: &str, vis: &Visible, skip_strings: bool) {
        for r in expr::scan_references(src, skip_strings) {
            let (set, kind) = match r.root.as_str() {
                "facts" => (&vis.facts, "check"),
                "lookups" => (&vis.lookups, "lookup"),
                "actions" => (&vis.actions, "action"),
                _ => (&vis.vars, "var"),
            };
            if set.contains(&r.name) {
                continue;
            }
            let at = n.pos_in_value(self.src, r.offset);
            let later = vis.all_ids.get(&r.name).copied();
            match later {
                Some(k) if k == kind => self.d.error_hint(
                    at,
                    format!(
                        "{what}: `{}.{}` is defined later in the playbook",
                        r.root, r.name
                    ),
                    format!(
                        "steps run in order: move the {kind} `{}` above this one",
                        r.name
                    ),
                ),
                Some(k) => self.d.error_hint(
                    at,
                    format!("{what}: `{}` is a {k}, not a {kind}", r.name),
                    format!("write `{}.{}`", root_of(k), r.name),
                ),
                None => {
                    let hint = match suggest(&r.name, set.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{}.{s}`?", r.root),
                        None if set.is_empty() => format!("no {kind} is defined before this point"),
                        None => format!(
                            "defined so far: {}",
                            set.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    };
                    self.d
                        .error_hint(at, format!("{what}: no {kind} named `{}`", r.name), hint);
                }
            }
        }
    }

    fn template(&mut self, n: &Node, what: &str, dest: Dest, vis: &Visible) -> Option<Template> {
        let src = self.scalar(n, what)?;
        let t = match self.templates.compile(&src, dest) {
            Ok(t) => t,
            Err(e) => {
                self.d.error_hint(n.pos, format!("{what}: template does not parse: {e}"), "templates are handlebars: `{{alert.host.name}}`, `{{#each facts.urls}}{{this}} {{/each}}`");
                return None;
            }
        };
        let before = self.d.len();
        // Only look inside {{ }} for references.
        let mut masked = String::with_capacity(src.len());
        let mut depth = false;
        let chars: Vec<char> = src.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if !depth && chars[i] == '{' && chars.get(i + 1) == Some(&'{') {
                depth = true;
            } else if depth && chars[i] == '}' && chars.get(i + 1) == Some(&'}') {
                depth = false;
            }
            masked.push(if depth { chars[i] } else { ' ' });
            i += 1;
        }
        self.references(n, &masked, what, vis, false);
        if !vis.item && masked.contains("item") && regex_word(&masked, "item") {
            self.d.error_hint(
                n.pos,
                format!("{what}: `item` is only defined inside an action with `for_each`"),
                "add `for_each:` to the action",
            );
        }
        if !vis.escalation && regex_word(&masked, "escalation") {
            self.d.error_hint(
                n.pos,
                format!("{what}: `escalation` is decided after the analysis"),
                "use it in `actions:` only",
            );
        }
        (self.d.len() == before).then_some(t)
    }

    // ---- the playbook ---------------------------------------------------------------------

    fn playbook(&mut self, root: &Node, file: &str, text: &str) -> Option<Playbook> {
        const KEYS: &[&str] = &[
            "riposte",
            "id",
            "title",
            "version",
            "techniques",
            "tactic",
            "description",
            "card",
            "match",
            "vars",
            "analysis",
            "escalation",
            "actions",
            "drill",
        ];
        let o = self.obj(root, "the playbook", KEYS)?;
        if let Some(v) = o.get("riposte")
            && v.kind != Kind::Int(1)
        {
            self.d.error_hint(
                v.pos,
                "unsupported playbook language version",
                "this Riposte reads `riposte: 1`",
            );
        }
        let id = self.required(&o, "id", "the playbook").and_then(|n| {
            let s = self.string(n, "`id`")?;
            let ok = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.');
            if !ok {
                self.d.error_hint(n.pos, format!("playbook id `{s}` has characters other than a-z, 0-9, `-`, `_`, `.`"), "ids name runs and files: keep them lower case, e.g. `t1059-command-and-scripting-interpreter`");
            }
            Some(s)
        });
        let title = self
            .required(&o, "title", "the playbook")
            .and_then(|n| self.string(n, "`title`"));
        let version = self
            .required(&o, "version", "the playbook")
            .and_then(|n| self.scalar(n, "`version`"));
        let techniques: Vec<String> = o
            .get("techniques")
            .map(|n| self.string_list(n, "`techniques`"))
            .unwrap_or_default();
        if let Some(n) = o.get("techniques") {
            for t in &techniques {
                if !is_technique(t) {
                    self.d.error_hint(
                        n.pos,
                        format!("`{t}` is not a MITRE ATT&CK technique id"),
                        "write ids like `T1059` or `T1059.001`",
                    );
                }
            }
        }
        let tactic = o.get("tactic").and_then(|n| self.string(n, "`tactic`"));
        let description = o
            .get("description")
            .and_then(|n| self.string(n, "`description`"))
            .unwrap_or_default();
        let mut card = Vec::new();
        if let Some(n) = o.get("card") {
            if let Kind::Map(m) = &n.kind {
                for (k, v) in m {
                    if let (Some(k), Some(v)) = (k.scalar_text(), v.scalar_text()) {
                        card.push((k, v));
                    } else {
                        self.d.error(k.pos, "`card` rows are `key: text`");
                    }
                }
            } else {
                self.d
                    .error(n.pos, "`card` must be a mapping of row names to text");
            }
        }
        let card_keys: Vec<String> = card.iter().map(|(k, _)| k.clone()).collect();

        // Collect every step id first, to tell "later" from "missing" and to catch duplicates.
        let mut all_ids: HashMap<String, &'static str> = HashMap::new();
        let mut first_pos: HashMap<String, Pos> = HashMap::new();
        let mut note_id = |cx: &mut Self, n: &Node, kind: &'static str| {
            if let Some(s) = n.as_str() {
                if let Some(p) = first_pos.get(s) {
                    cx.d.error_hint(
                        n.pos,
                        format!("step name `{s}` is already used at line {}", p.line),
                        "every check, lookup and action needs its own name",
                    );
                } else {
                    first_pos.insert(s.to_owned(), n.pos);
                    all_ids.insert(s.to_owned(), kind);
                }
            }
        };
        if let Some(Kind::Seq(steps)) = o.get("analysis").map(|n| &n.kind) {
            for s in steps {
                if let Kind::Map(m) = &s.kind {
                    for (k, v) in m {
                        match k.as_str() {
                            Some("check") => note_id(self, v, "check"),
                            Some("lookup") => note_id(self, v, "lookup"),
                            _ => {}
                        }
                    }
                }
            }
        }
        if let Some(Kind::Seq(steps)) = o.get("actions").map(|n| &n.kind) {
            for s in steps {
                if let Kind::Map(m) = &s.kind {
                    for (k, v) in m {
                        if k.as_str() == Some("id") {
                            note_id(self, v, "action");
                        }
                    }
                }
            }
        }

        let mut vis = Visible {
            all_ids,
            ..Default::default()
        };
        let mut vars = serde_json::Map::new();
        if let Some(n) = o.get("vars") {
            if let Kind::Map(m) = &n.kind {
                for (k, v) in m {
                    if let Some(k) = k.as_str() {
                        vis.vars.insert(k.to_owned());
                        vars.insert(k.to_owned(), v.to_json());
                    }
                }
            } else {
                self.d
                    .error(n.pos, "`vars` must be a mapping of names to values");
            }
        }

        let matcher = match self.required(&o, "match", "the playbook") {
            Some(n) => self.matcher(n, &vis),
            None => None,
        };

        let mut analysis = Vec::new();
        if let Some(n) = o.get("analysis") {
            match &n.kind {
                Kind::Seq(steps) => {
                    for s in steps {
                        if let Some(step) = self.step(s, &mut vis, &card_keys) {
                            analysis.push(step);
                        }
                    }
                }
                _ => self.d.error(
                    n.pos,
                    format!(
                        "`analysis` must be a list of checks and lookups, found {}",
                        n.type_name()
                    ),
                ),
            }
        }
        // Every analysis name is visible from here on, even if its step had errors (no cascades).
        for (k, kind) in &vis.all_ids {
            match *kind {
                "check" => {
                    vis.facts.insert(k.clone());
                }
                "lookup" => {
                    vis.lookups.insert(k.clone());
                }
                _ => {}
            }
        }

        let escalation = match self.required(&o, "escalation", "the playbook") {
            Some(n) => self.escalation(n, &vis),
            None => None,
        };
        vis.escalation = true;

        let mut actions = Vec::new();
        if let Some(n) = o.get("actions") {
            match &n.kind {
                Kind::Seq(steps) => {
                    for s in steps {
                        let a = self.action(s, &vis, &card_keys);
                        if let Some(a) = a {
                            vis.actions.insert(a.id.clone());
                            actions.push(a);
                        } else if let Some(id) = s_id(s) {
                            vis.actions.insert(id);
                        }
                    }
                }
                _ => self.d.error(
                    n.pos,
                    format!("`actions` must be a list, found {}", n.type_name()),
                ),
            }
        }

        let drill = o.get("drill").and_then(|n| {
            let d = self.obj(n, "`drill`", &["schedule"])?;
            let s = self.required(&d, "schedule", "`drill`")?;
            let sched = self.string(s, "`drill.schedule`")?;
            if let Err(e) = validate_cron(&sched) {
                self.d.error_hint(s.pos, format!("`drill.schedule`: invalid cron expression: {e}"), "cron here has seconds: `sec min hour day-of-month month day-of-week`, e.g. `0 0 9 * * Mon`");
                return None;
            }
            Some(Drill { schedule: sched })
        });

        Some(Playbook {
            file: file.to_owned(),
            hash: content_hash(text),
            id: id?,
            title: title?,
            version: version?,
            techniques,
            tactic,
            description,
            card,
            matcher: matcher?,
            vars,
            analysis,
            escalation: escalation?,
            actions,
            drill,
            templates: std::mem::take(&mut self.templates),
            derived: Default::default(),
        })
    }

    fn matcher(&mut self, n: &Node, vis: &Visible) -> Option<Match> {
        let o = self.obj(n, "`match`", &["technique", "when", "any", "all", "not"])?;
        if o.entries.len() != 1 {
            self.d.error_hint(
                n.pos,
                "`match` takes exactly one of: technique, when, any, all, not",
                "combine several conditions with `any:` or `all:` lists",
            );
            return None;
        }
        let (k, _, v) = o.entries[0];
        match k {
            "technique" => {
                let t = self.string(v, "`technique`")?;
                if !is_technique(&t) {
                    self.d.error_hint(
                        v.pos,
                        format!("`{t}` is not a MITRE ATT&CK technique id"),
                        "write ids like `T1059` (sub-techniques match too)",
                    );
                    return None;
                }
                Some(Match::Technique(t))
            }
            "when" => self.expr(v, "`match.when`", vis).map(Match::When),
            "not" => self.matcher(v, vis).map(|m| Match::Not(Box::new(m))),
            _ => {
                let Kind::Seq(items) = &v.kind else {
                    self.d
                        .error(v.pos, format!("`{k}` must be a list of match rules"));
                    return None;
                };
                let ms: Vec<Option<Match>> = items.iter().map(|i| self.matcher(i, vis)).collect();
                let ms: Option<Vec<Match>> = ms.into_iter().collect();
                ms.map(|m| {
                    if k == "any" {
                        Match::Any(m)
                    } else {
                        Match::All(m)
                    }
                })
            }
        }
    }

    fn card_ref(&mut self, o: &Obj, card_keys: &[String]) -> Option<String> {
        let n = o.get("card")?;
        let s = self.string(n, "`card`")?;
        if !card_keys.contains(&s) {
            let hint = hint_for(
                &s,
                &card_keys.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            self.d.error_hint(
                n.pos,
                format!("`card: {s}` names no row of the playbook's `card`"),
                hint,
            );
        }
        Some(s)
    }

    fn step(&mut self, n: &Node, vis: &mut Visible, card_keys: &[String]) -> Option<Step> {
        let is_lookup =
            matches!(&n.kind, Kind::Map(m) if m.iter().any(|(k, _)| k.as_str() == Some("lookup")));
        if is_lookup {
            let o = self.obj(
                n,
                "a lookup",
                &[
                    "lookup",
                    "question",
                    "action",
                    "with",
                    "when",
                    "timeout",
                    "retry",
                    "on_failure",
                    "card",
                ],
            )?;
            let id = self
                .required(&o, "lookup", "a lookup")
                .and_then(|v| self.id(v, "lookup name"));
            let question = o.get("question").and_then(|v| self.string(v, "`question`"));
            let when = o.get("when").and_then(|v| self.expr(v, "`when`", vis));
            let call = self.call(&o, vis, "a lookup", false);
            if let Some(c) = &call
                && c.mutates()
            {
                self.d.error_hint(o.key_pos("action"), format!("`{}` changes things; a lookup may only read", c.capability.name), "move it to `actions:` (where it can be approval-gated and is withheld in dry-run)");
            }
            let card = self.card_ref(&o, card_keys);
            if let Some(id) = &id {
                vis.lookups.insert(id.clone());
            }
            return Some(Step::Lookup(Lookup {
                id: id?,
                pos: n.pos,
                question,
                when,
                call: call?,
                card,
            }));
        }
        let o = self.obj(
            n,
            "a check",
            &["check", "explain", "when", "value", "default", "card"],
        )?;
        if o.get("check").is_none() {
            self.d.error_hint(
                n.pos,
                "an analysis step needs `check: NAME` or `lookup: NAME`",
                "checks compute facts from the alert; lookups read from integrations",
            );
            return None;
        }
        let id = self
            .required(&o, "check", "a check")
            .and_then(|v| self.id(v, "check name"));
        let when = o.get("when").and_then(|v| self.expr(v, "`when`", vis));
        let value = self
            .required(&o, "value", "a check")
            .and_then(|v| self.expr(v, "`value`", vis));
        let mut tv = vis.clone();
        tv.value = true;
        let explain = self
            .required(&o, "explain", "a check")
            .and_then(|v| self.template(v, "`explain`", Dest::Text, &tv));
        let default = o.get("default").map(|d| {
            let j = d.to_json();
            let (want, got) = (
                value.as_ref().and_then(expr::Expr::kind),
                expr::Kind::of(&expr::from_json(&j)),
            );
            if let (Some(w), Some(g)) = (want, got)
                && w != g
            {
                self.d.error_hint(
                    d.pos,
                    format!("`default` is {}, but `value` always gives {}", g.name(), w.name()),
                    format!("give a default of the value's kind ({}) or leave it out: an unevaluated check then reads as {}", w.name(), w.empty_text()),
                );
            }
            j
        });
        let card = self.card_ref(&o, card_keys);
        if let Some(id) = &id {
            vis.facts.insert(id.clone());
        }
        Some(Step::Check(Check {
            id: id?,
            pos: n.pos,
            explain: explain?,
            when,
            value: value?,
            default,
            card,
        }))
    }

    fn call(&mut self, o: &Obj, vis: &Visible, what: &str, for_each: bool) -> Option<Call> {
        let an = self.required(o, "action", what)?;
        let name = self.string(an, "`action`")?;
        let Some(cap) = capabilities::find(&name) else {
            let names = capabilities::names();
            self.d.error_hint(
                an.pos,
                format!("unknown capability `{name}`"),
                hint_for(&name, &names),
            );
            return None;
        };
        let mut pv = vis.clone();
        pv.item = for_each;
        let params = self.params(o.get("with"), o.pos, cap, &pv);
        let timeout = o
            .get("timeout")
            .and_then(|n| self.duration(n, "`timeout`"))
            .unwrap_or(Duration::from_secs(30));
        let mut retry = Retry::default();
        if !cap.mutates() {
            retry.attempts = 3;
        }
        if let Some(rn) = o.get("retry")
            && let Some(r) = self.obj(rn, "`retry`", &["attempts", "backoff"])
        {
            if let Some(a) = r.get("attempts") {
                match a.kind {
                    Kind::Int(i) if (1..=20).contains(&i) => retry.attempts = i as u32,
                    _ => self.d.error_hint(
                        a.pos,
                        "`retry.attempts` must be a whole number from 1 to 20",
                        "1 means no retry",
                    ),
                }
            }
            if let Some(b) = r
                .get("backoff")
                .and_then(|n| self.duration(n, "`retry.backoff`"))
            {
                retry.backoff = b;
            }
        }
        let on_failure = match o.get("on_failure") {
            None => OnFailure::Continue,
            Some(n) => match n.as_str() {
                Some("continue") => OnFailure::Continue,
                Some("fail") => OnFailure::Fail,
                _ => {
                    self.d.error_hint(
                        n.pos,
                        "`on_failure` must be `continue` or `fail`",
                        "`continue` records the failure and goes on; `fail` stops the run",
                    );
                    OnFailure::Continue
                }
            },
        };
        let read_only = params
            .as_ref()
            .and_then(|ps| ps.iter().find(|(k, _)| k == "read"))
            .is_some_and(|(_, v)| matches!(v, ParamValue::Literal(serde_json::Value::Bool(true))));
        Some(Call {
            capability: cap,
            params: params?,
            timeout,
            retry,
            on_failure,
            read_only,
        })
    }

    fn params(
        &mut self,
        n: Option<&Node>,
        at: Pos,
        cap: &'static Capability,
        vis: &Visible,
    ) -> Option<Vec<(String, ParamValue)>> {
        let allowed: Vec<&str> = cap.params.iter().map(|p| p.name).collect();
        let mut out = Vec::new();
        let before = self.d.len();
        let entries: Vec<(&Node, &Node)> = match n.map(|n| &n.kind) {
            None => Vec::new(),
            Some(Kind::Map(m)) => m.iter().map(|(k, v)| (k, v)).collect(),
            Some(_) => {
                self.d.error(
                    n.map(|n| n.pos).unwrap_or(at),
                    format!("`with` must be a mapping of {}'s parameters", cap.name),
                );
                return None;
            }
        };
        for (k, v) in &entries {
            let Some(name) = k.as_str() else { continue };
            let Some(p) = cap.param(name) else {
                self.d.error_hint(
                    k.pos,
                    format!("`{}` takes no parameter `{name}`", cap.name),
                    hint_for(name, &allowed),
                );
                continue;
            };
            if let Some(val) = self.param_value(v, p.dest, &format!("`{}.{name}`", cap.name), vis) {
                self.literal_type(v, &val, p.ty, &format!("`{name}`"));
                out.push((name.to_owned(), val));
            }
        }
        for p in cap.params.iter().filter(|p| p.required) {
            if !entries.iter().any(|(k, _)| k.as_str() == Some(p.name)) {
                self.d.error_hint(
                    n.map(|n| n.pos).unwrap_or(at),
                    format!(
                        "`{}` needs the parameter `{}` ({})",
                        cap.name, p.name, p.doc
                    ),
                    format!("add it under `with:`: `{}: …`", p.name),
                );
            }
        }
        (self.d.len() == before).then_some(out)
    }

    fn literal_type(&mut self, n: &Node, v: &ParamValue, ty: ParamType, what: &str) {
        let ParamValue::Literal(j) = v else { return };
        let bad = match ty {
            ParamType::String => !j.is_string(),
            ParamType::Enum(opts) => match j.as_str() {
                Some(s) if opts.contains(&s) => false,
                Some(s) => {
                    self.d.error_hint(
                        n.pos,
                        format!("{what}: `{s}` is not allowed"),
                        hint_for(s, opts),
                    );
                    return;
                }
                None => true,
            },
            ParamType::Int => !j.is_i64(),
            ParamType::Bool => !j.is_boolean(),
            ParamType::Duration => match j.as_str() {
                Some(s) => {
                    if let Err(e) = duration::parse(s) {
                        self.d.error_hint(
                            n.pos,
                            format!("{what}: invalid duration {e}"),
                            "use 30s, 15m, 24h, 7d",
                        );
                    }
                    return;
                }
                None => true,
            },
            ParamType::List => !j.is_array(),
            ParamType::Map => !j.is_object(),
            ParamType::Any => false,
        };
        if bad {
            self.d.error(
                n.pos,
                format!("{what} must be {}, found {}", type_word(ty), n.type_name()),
            );
        }
    }

    fn param_value(
        &mut self,
        n: &Node,
        dest: Dest,
        what: &str,
        vis: &Visible,
    ) -> Option<ParamValue> {
        match &n.kind {
            Kind::Str(s) if s.contains("{{") => {
                self.template(n, what, dest, vis).map(ParamValue::Template)
            }
            Kind::Map(m) if m.len() == 1 && m[0].0.as_str() == Some("cel") => {
                self.expr(&m[0].1, what, vis).map(ParamValue::Expr)
            }
            Kind::Seq(items) => {
                let vs: Vec<Option<ParamValue>> = items
                    .iter()
                    .map(|i| self.param_value(i, Dest::Text, what, vis))
                    .collect();
                vs.into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(ParamValue::List)
            }
            Kind::Map(m) => {
                let mut out = Vec::new();
                for (k, v) in m {
                    let key = k.scalar_text().unwrap_or_default();
                    out.push((key, self.param_value(v, dest, what, vis)?));
                }
                Some(ParamValue::Map(out))
            }
            _ => Some(ParamValue::Literal(n.to_json())),
        }
    }

    fn escalation(&mut self, n: &Node, vis: &Visible) -> Option<Escalation> {
        let o = self.obj(n, "`escalation`", &["rules", "otherwise"])?;
        let mut rules = Vec::new();
        let mut ok = true;
        if let Some(rn) = self.required(&o, "rules", "`escalation`") {
            if let Kind::Seq(items) = &rn.kind {
                for r in items {
                    let Some(ro) = self.obj(
                        r,
                        "an escalation rule",
                        &[
                            "name",
                            "when",
                            "tier",
                            "severity",
                            "immediate",
                            "reason",
                            "stop",
                        ],
                    ) else {
                        ok = false;
                        continue;
                    };
                    let name = ro.get("name").and_then(|v| self.string(v, "`name`"));
                    let when = self
                        .required(&ro, "when", "an escalation rule")
                        .and_then(|v| self.expr(v, "`when`", vis));
                    let outcome = self.outcome(&ro, vis, true);
                    let stop = ro
                        .get("stop")
                        .and_then(|v| self.boolean(v, "`stop`"))
                        .unwrap_or(false);
                    match (when, outcome) {
                        (Some(when), Some(outcome)) => rules.push(Rule {
                            name,
                            pos: r.pos,
                            when,
                            outcome,
                            stop,
                        }),
                        _ => ok = false,
                    }
                }
            } else {
                self.d
                    .error(rn.pos, "`escalation.rules` must be a list of rules");
                ok = false;
            }
        }
        let otherwise = match o.get("otherwise") {
            Some(on) => {
                let oo = self.obj(
                    on,
                    "`escalation.otherwise`",
                    &["tier", "severity", "immediate", "reason"],
                )?;
                self.outcome(&oo, vis, false)
            }
            None => {
                let reason = self
                    .templates
                    .compile("no escalation rule matched", Dest::Text)
                    .ok()?;
                Some(Outcome {
                    tier: 1,
                    severity: Severity::Low,
                    immediate: false,
                    reason,
                })
            }
        };
        (ok).then_some(())?;
        Some(Escalation {
            rules,
            otherwise: otherwise?,
        })
    }

    fn outcome(&mut self, o: &Obj, vis: &Visible, rule: bool) -> Option<Outcome> {
        let what = if rule {
            "an escalation rule"
        } else {
            "`escalation.otherwise`"
        };
        let tier = match self.required(o, "tier", what) {
            Some(n) => match n.kind {
                Kind::Int(t @ 1..=3) => Some(t as u8),
                _ => {
                    self.d.error_hint(n.pos, "`tier` must be 1, 2 or 3", "1 stays with L1 (no escalation), 2 escalates to Tier 2, 3 to incident response");
                    None
                }
            },
            None => None,
        };
        let severity = match self.required(o, "severity", what) {
            Some(n) => match n.as_str().and_then(Severity::parse) {
                Some(s) => Some(s),
                None => {
                    let got = n.scalar_text().unwrap_or_default();
                    self.d.error_hint(
                        n.pos,
                        format!("`severity: {got}` is not a severity"),
                        hint_for(&got, capabilities::SEVERITIES),
                    );
                    None
                }
            },
            None => None,
        };
        let immediate = o
            .get("immediate")
            .and_then(|n| self.boolean(n, "`immediate`"))
            .unwrap_or(false);
        let reason = self
            .required(o, "reason", what)
            .and_then(|n| self.template(n, "`reason`", Dest::Text, vis));
        Some(Outcome {
            tier: tier?,
            severity: severity?,
            immediate,
            reason: reason?,
        })
    }

    fn action(&mut self, n: &Node, vis: &Visible, card_keys: &[String]) -> Option<Action> {
        let o = self.obj(
            n,
            "an action",
            &[
                "id",
                "action",
                "description",
                "when",
                "for_each",
                "with",
                "approval",
                "timeout",
                "retry",
                "on_failure",
                "card",
            ],
        )?;
        let id = self
            .required(&o, "id", "an action")
            .and_then(|v| self.id(v, "action id"));
        let description = o
            .get("description")
            .and_then(|v| self.string(v, "`description`"));
        let when = o.get("when").and_then(|v| self.expr(v, "`when`", vis));
        let for_each = o
            .get("for_each")
            .and_then(|v| self.expr(v, "`for_each`", vis));
        let call = self.call(&o, vis, "an action", o.get("for_each").is_some());
        if let Some(c) = &call
            && !c.mutates()
        {
            self.d.error_hint(
                o.key_pos("action"),
                format!(
                    "`{}` only reads; put it in `analysis:` as a lookup",
                    c.capability.name
                ),
                "actions are the steps that change things",
            );
        }
        let approval = o.get("approval").and_then(|v| self.approval(v));
        let card = self.card_ref(&o, card_keys);
        Some(Action {
            id: id?,
            pos: n.pos,
            description,
            when,
            for_each,
            call: call?,
            approval,
            card,
        })
    }

    fn approval(&mut self, n: &Node) -> Option<Approval> {
        let o = self.obj(
            n,
            "`approval`",
            &["approvers", "quorum", "timeout", "on_timeout"],
        )?;
        let approvers = self
            .required(&o, "approvers", "`approval`")
            .map(|v| self.string_list(v, "`approvers`"))
            .unwrap_or_default();
        if approvers.is_empty() {
            self.d.error_hint(
                o.pos,
                "`approval.approvers` must name at least one approver",
                "list chat user ids, emails, or `group:NAME`",
            );
            return None;
        }
        let quorum = match o.get("quorum") {
            None => 1,
            Some(q) => match q.kind {
                Kind::Int(i) if i >= 1 => i as u32,
                _ => {
                    self.d.error(
                        q.pos,
                        "`approval.quorum` must be a whole number, at least 1",
                    );
                    return None;
                }
            },
        };
        let has_group = approvers.iter().any(|a| a.starts_with("group:"));
        if !has_group && quorum as usize > approvers.len() {
            self.d.error_hint(
                o.get("quorum").map(|q| q.pos).unwrap_or(o.pos),
                format!(
                    "quorum {quorum} needs more approvers than the {} listed",
                    approvers.len()
                ),
                "lower the quorum or add approvers",
            );
            return None;
        }
        let timeout = self
            .required(&o, "timeout", "`approval`")
            .and_then(|t| self.duration(t, "`approval.timeout`"))?;
        let on_timeout = match o.get("on_timeout") {
            None => OnTimeout::Deny,
            Some(t) => match &t.kind {
                Kind::Str(s) if s == "deny" => OnTimeout::Deny,
                Kind::Map(_) => {
                    let eo = self.obj(t, "`on_timeout`", &["escalate"])?;
                    let ch = self
                        .required(&eo, "escalate", "`on_timeout`")
                        .and_then(|c| self.string(c, "`escalate`"))?;
                    OnTimeout::Escalate(ch)
                }
                _ => {
                    self.d.error_hint(
                        t.pos,
                        "`on_timeout` must be `deny` or `{escalate: CHANNEL}`",
                        "deny fails closed: nothing happens without an approval",
                    );
                    return None;
                }
            },
        };
        Some(Approval {
            approvers,
            quorum,
            timeout,
            on_timeout,
        })
    }
}

fn s_id(n: &Node) -> Option<String> {
    if let Kind::Map(m) = &n.kind {
        m.iter()
            .find(|(k, _)| k.as_str() == Some("id"))
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    } else {
        None
    }
}

fn root_of(kind: &str) -> &'static str {
    match kind {
        "check" => "facts",
        "lookup" => "lookups",
        _ => "actions",
    }
}

fn type_word(t: ParamType) -> &'static str {
    match t {
        ParamType::String | ParamType::Enum(_) => "a string",
        ParamType::Int => "a whole number",
        ParamType::Bool => "true or false",
        ParamType::Duration => "a duration",
        ParamType::List => "a list",
        ParamType::Map => "a mapping",
        ParamType::Any => "a value",
    }
}

pub fn is_technique(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 5
        && b[0] == b'T'
        && b[1..5].iter().all(u8::is_ascii_digit)
        && (b.len() == 5
            || (b.len() == 9 && b[5] == b'.' && b[6..9].iter().all(u8::is_ascii_digit)))
}

/// Validates a cron expression (seconds precision, as the `cron` crate reads it).
pub fn validate_cron(s: &str) -> Result<(), String> {
    use std::str::FromStr;
    cron::Schedule::from_str(s).map(|_| ()).map_err(|e| {
        let why = e.to_string();
        let why = why.lines().next().unwrap_or("").trim();
        let fields = s.split_whitespace().count();
        let shape = "six or seven fields: `sec min hour day-of-month month day-of-week [year]`, e.g. `0 */5 * * * *` for every five minutes";
        if !(6..=7).contains(&fields) {
            format!("has {fields} field(s); a schedule has {shape}")
        } else {
            format!("is not a valid schedule ({why}); a schedule has {shape}")
        }
    })
}

fn find_word(src: &str, w: &str) -> Option<usize> {
    let chars: Vec<char> = src.chars().collect();
    let wc: Vec<char> = w.chars().collect();
    (0..chars.len().saturating_sub(wc.len() - 1)).find(|&i| {
        chars[i..].starts_with(&wc)
            && (i == 0
                || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == '.'))
            && chars
                .get(i + wc.len())
                .is_none_or(|c| !(c.is_alphanumeric() || *c == '_'))
    })
}

fn regex_word(src: &str, w: &str) -> bool {
    find_word(src, w).is_some()
}

/// Variables bound by comprehension macros: `list.exists(x, …)`, `map(x, …)`, …
fn comprehension_vars(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in [
        "all(",
        "exists(",
        "exists_one(",
        "map(",
        "filter(",
        "sortBy(",
    ] {
        let mut rest = src;
        while let Some(i) = rest.find(m) {
            let after = &rest[i + m.len()..];
            let name: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty()
                && after.trim_start()[name.len()..]
                    .trim_start()
                    .starts_with(',')
            {
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

/// Literal patterns passed to `regex`, `regex_find`, `regex_all` (2nd argument), with offsets.
fn regex_literals(src: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for f in ["regex(", "regex_find(", "regex_all("] {
        let mut from = 0;
        while let Some(i) = src[from..].find(f) {
            let start = from + i + f.len();
            from = start;
            // skip the first argument up to a top-level comma
            let bytes: Vec<char> = src[start..].chars().collect();
            let mut depth = 0i32;
            let mut j = 0;
            let mut q: Option<char> = None;
            while j < bytes.len() {
                let c = bytes[j];
                if let Some(qc) = q {
                    if c == '\\' {
                        j += 1;
                    } else if c == qc {
                        q = None;
                    }
                } else if c == '\'' || c == '"' {
                    q = Some(c);
                } else if c == '(' || c == '[' {
                    depth += 1;
                } else if c == ')' || c == ']' {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                } else if c == ',' && depth == 0 {
                    break;
                }
                j += 1;
            }
            if bytes.get(j) != Some(&',') {
                continue;
            }
            let rest: String = bytes[j + 1..].iter().collect();
            let trimmed = rest.trim_start();
            let lead = rest.chars().count() - trimmed.chars().count();
            let mut it = trimmed.chars();
            let (raw, qc) = match it.next() {
                Some('r') | Some('R') => match it.next() {
                    Some(c @ ('\'' | '"')) => (true, c),
                    _ => continue,
                },
                Some(c @ ('\'' | '"')) => (false, c),
                _ => continue,
            };
            let body_start = if raw { 2 } else { 1 };
            let mut pat = String::new();
            let tc: Vec<char> = trimmed.chars().collect();
            let mut k = body_start;
            let mut closed = false;
            while k < tc.len() {
                let c = tc[k];
                if c == qc {
                    closed = true;
                    break;
                }
                if c == '\\'
                    && !raw
                    && let Some(n) = tc.get(k + 1)
                {
                    match n {
                        '\\' => pat.push('\\'),
                        'n' => pat.push('\n'),
                        't' => pat.push('\t'),
                        '\'' | '"' => pat.push(*n),
                        other => {
                            pat.push('\\');
                            pat.push(*other);
                        }
                    }
                    k += 2;
                    continue;
                }
                pat.push(c);
                k += 1;
            }
            if closed {
                let prefix: usize = src[..start].chars().count();
                out.push((pat, prefix + j + 1 + lead + body_start));
            }
        }
    }
    out
}
