//! String parameters: handlebars in strict mode, escaped for where the value goes.
//!
//! Templates are written by playbook authors; alert values are only ever *substituted* into them
//! and never parsed as templates themselves, so an alert containing `{{…}}` or `$(…)` comes
//! through as inert text. Strict mode makes a missing value an error instead of an empty string.

use crate::capabilities::Dest;
use handlebars::Handlebars;
use serde_json::Value as Json;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Template {
    pub src: String,
    pub dest: Dest,
    name: String,
    /// For templates made only of text and `{{a.b.c}}` paths (most explanations and
    /// parameters): the pieces, rendered directly. Handlebars builds a render context, looks the
    /// template up by name and resolves paths through its own machinery on every render, which
    /// showed in profiles. Only set when a test render at compile time agreed with the renderer.
    fast: Option<Vec<Piece>>,
}

#[derive(Clone, Debug)]
enum Piece {
    Text(String),
    Path(Vec<String>),
}

fn is_ident(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Splits `src` into text and plain `{{a.b.c}}` paths; `None` for anything else (blocks,
/// helpers, `this`, triple braces, whitespace control, escapes...).
fn fast_pieces(src: &str) -> Option<Vec<Piece>> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("{{") {
        let text = &rest[..i];
        if text.ends_with('\\') {
            return None;
        }
        if !text.is_empty() {
            out.push(Piece::Text(text.to_owned()));
        }
        let after = &rest[i + 2..];
        let j = after.find("}}")?;
        let inner = &after[..j];
        let path: Vec<&str> = inner.split('.').collect();
        if !path.iter().all(|p| is_ident(p)) || matches!(path[0], "this" | "else") {
            return None;
        }
        out.push(Piece::Path(path.into_iter().map(str::to_owned).collect()));
        rest = &after[j + 2..];
        if rest.starts_with('}') {
            return None;
        }
    }
    if rest.contains("}}") {
        return None;
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    Some(out)
}

fn escape_into(dest: Dest, s: &str, out: &mut String) {
    match dest {
        Dest::Text => out.push_str(s),
        Dest::Url => out.push_str(&url_escape(s)),
        Dest::Json => out.push_str(&json_escape(s)),
    }
}

/// Renders pieces against `data` as handlebars does for string, number and boolean values;
/// `None` (render with handlebars) for anything else, including missing values (its errors).
fn render_fast(pieces: &[Piece], dest: Dest, data: &Json) -> Option<String> {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Path(path) => {
                let mut v = data;
                for seg in path {
                    v = v.as_object()?.get(seg)?;
                }
                match v {
                    Json::String(s) => escape_into(dest, s, &mut out),
                    Json::Number(n) => escape_into(dest, &n.to_string(), &mut out),
                    Json::Bool(b) => escape_into(dest, &b.to_string(), &mut out),
                    _ => return None,
                }
            }
        }
    }
    Some(out)
}

/// A context giving each path of `pieces` a distinct string with characters every escaping
/// changes; `None` when one path is a prefix of another.
fn sentinel_context(pieces: &[Piece]) -> Option<Json> {
    let mut root = Json::Object(Default::default());
    for (n, p) in pieces.iter().enumerate() {
        let Piece::Path(path) = p else { continue };
        let (last, parents) = path.split_last()?;
        let mut v = &mut root;
        for seg in parents {
            v = v
                .as_object_mut()?
                .entry(seg.clone())
                .or_insert_with(|| Json::Object(Default::default()));
        }
        let o = v.as_object_mut()?;
        match o.get(last) {
            None => {
                o.insert(
                    last.clone(),
                    Json::String(format!("<{n} a\"b&c/d%e'f\\g\u{e9}>")),
                );
            }
            Some(Json::String(_)) => {} // the same path twice
            Some(_) => return None,
        }
    }
    Some(root)
}

/// The compiled templates of one playbook, one registry per destination escaping.
#[derive(Clone)]
pub struct Templates {
    regs: Arc<[Handlebars<'static>; 3]>,
    count: usize,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Templates({})", self.count)
    }
}

fn idx(d: Dest) -> usize {
    match d {
        Dest::Text => 0,
        Dest::Url => 1,
        Dest::Json => 2,
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes for the inside of a JSON string literal.
pub fn json_escape(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap_or_default();
    q[1..q.len() - 1].to_owned()
}

impl Default for Templates {
    fn default() -> Self {
        let mk = |f: fn(&str) -> String| {
            let mut h = Handlebars::new();
            h.set_strict_mode(true);
            h.register_escape_fn(f);
            h
        };
        Templates {
            regs: Arc::new([mk(handlebars::no_escape), mk(url_escape), mk(json_escape)]),
            count: 0,
        }
    }
}

impl Templates {
    /// Compiles a template; the error message names the problem (unclosed `{{`, bad helper…).
    pub fn compile(&mut self, src: &str, dest: Dest) -> Result<Template, String> {
        let name = format!("t{}", self.count);
        let regs =
            Arc::get_mut(&mut self.regs).expect("templates are compiled before they are shared");
        regs[idx(dest)]
            .register_template_string(&name, src)
            .map_err(|e| {
                let s = e.to_string();
                s.lines().next().unwrap_or(&s).to_owned()
            })?;
        self.count += 1;
        // Checked, not assumed: handlebars must render a test context exactly as we do.
        let fast = fast_pieces(src).filter(|pieces| {
            let Some(ctx) = sentinel_context(pieces) else {
                return false;
            };
            let ours = render_fast(pieces, dest, &ctx);
            let theirs = regs[idx(dest)]
                .render_with_context(&name, &handlebars::Context::from(ctx))
                .ok();
            ours.is_some() && ours == theirs
        });
        Ok(Template {
            src: src.to_owned(),
            dest,
            name,
            fast,
        })
    }

    pub fn render(&self, t: &Template, ctx: &Json) -> Result<String, String> {
        self.render_ctx(t, &handlebars::Context::from(ctx.clone()))
    }

    /// Renders against a context built once and updated in place (no copy per render).
    pub fn render_ctx(&self, t: &Template, ctx: &handlebars::Context) -> Result<String, String> {
        if let Some(out) = t
            .fast
            .as_deref()
            .and_then(|p| render_fast(p, t.dest, ctx.data()))
        {
            return Ok(out);
        }
        self.regs[idx(t.dest)]
            .render_with_context(&t.name, ctx)
            .map_err(|e| match e.reason() {
                handlebars::RenderErrorReason::MissingVariable(Some(path)) => {
                    format!("template `{}`: no value for `{path}`", t.src)
                }
                _ => format!("template `{}`: {}", t.src, e.reason()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn alert_values_are_inert() {
        let mut t = Templates::default();
        let tpl = t.compile("cmd: {{alert.cmd}}", Dest::Text).unwrap();
        let hostile = "{{vars.secret}} $(rm -rf /) `id` ; | & {{#each x}}";
        let out = t
            .render(
                &tpl,
                &json!({"alert": {"cmd": hostile}, "vars": {"secret": "S3CR3T"}}),
            )
            .unwrap();
        assert_eq!(out, format!("cmd: {hostile}"));
        assert!(!out.contains("S3CR3T"));
    }

    #[test]
    fn strict_mode_and_escaping() {
        let mut t = Templates::default();
        let tpl = t.compile("{{alert.missing}}", Dest::Text).unwrap();
        let e = t.render(&tpl, &json!({"alert": {}})).unwrap_err();
        assert!(e.contains("alert.missing"), "{e}");
        let u = t.compile("https://x/api?q={{alert.q}}", Dest::Url).unwrap();
        assert_eq!(
            t.render(&u, &json!({"alert": {"q": "a b&c=/"}})).unwrap(),
            "https://x/api?q=a%20b%26c%3D%2F"
        );
        let j = t.compile(r#"{"q": "{{alert.q}}"}"#, Dest::Json).unwrap();
        let out = t
            .render(&j, &json!({"alert": {"q": "a\"}, \"x\": \"y"}}))
            .unwrap();
        let parsed: Json = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["q"], "a\"}, \"x\": \"y");
        assert!(t.compile("{{#if x}}", Dest::Text).is_err());
    }

    #[test]
    fn direct_rendering_matches_handlebars() {
        let mut t = Templates::default();
        let data = json!({"a": {"s": "x y&\"z/é", "n": 42, "f": 1.5, "b": true, "z": null, "l": [1, 2]}, "v": "v"});
        let ctx = handlebars::Context::from(data.clone());
        for dest in [Dest::Text, Dest::Url, Dest::Json] {
            for src in [
                "plain text",
                "{{a.s}}",
                "n={{a.n}} f={{a.f}} b={{a.b}} s={{a.s}} v={{v}}.",
                "{{a.z}}|{{a.l}}",
                "{{a.missing}}",
                "{{#if a.b}}{{a.s}}{{/if}}",
            ] {
                let tpl = t.compile(src, dest).unwrap();
                let slow = t.regs[idx(dest)]
                    .render_with_context(&tpl.name, &ctx)
                    .map_err(|e| e.to_string());
                let fast = t.render_ctx(&tpl, &ctx);
                assert_eq!(fast.is_ok(), slow.is_ok(), "{src} {dest:?}");
                if let Ok(s) = slow {
                    assert_eq!(fast.unwrap(), s, "{src} {dest:?}");
                }
            }
        }
        assert!(t.compile("{{a.s}}", Dest::Text).unwrap().fast.is_some());
        assert!(
            t.compile("{{#if a}}x{{/if}}", Dest::Text)
                .unwrap()
                .fast
                .is_none()
        );
    }
}
