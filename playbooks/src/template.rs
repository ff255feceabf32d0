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
    /// The template renders to `src` itself whatever the context (no `{{`): many explanations
    /// are plain sentences, and going through the renderer for them cost a context walk each.
    literal: bool,
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
        // Checked, not assumed: the renderer must give back exactly the source.
        let literal = !src.contains("{{")
            && regs[idx(dest)]
                .render_with_context(&name, &handlebars::Context::null())
                .is_ok_and(|out| out == src);
        Ok(Template {
            src: src.to_owned(),
            dest,
            name,
            literal,
        })
    }

    pub fn render(&self, t: &Template, ctx: &Json) -> Result<String, String> {
        self.render_ctx(t, &handlebars::Context::from(ctx.clone()))
    }

    /// Renders against a context built once and updated in place (no copy per render).
    pub fn render_ctx(&self, t: &Template, ctx: &handlebars::Context) -> Result<String, String> {
        if t.literal {
            return Ok(t.src.clone());
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
}
