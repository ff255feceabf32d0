//! What the chat clients (Slack, Mattermost, Teams) share: keeping secret webhook URLs out of
//! the audit log and errors, and escaping text for each markup.
//!
//! `chat.notify` is declared [`crate::Reconciled::Idempotent`] by every chat client: a chat
//! message cannot be looked up cheaply (webhooks return no id; searching channel history needs
//! extra scopes), and a duplicate notice after a crash is harmless, whereas parking the run as
//! `needs_attention` over it would not be.

use crate::http::HttpError;
use crate::{Ctx, RequestLog, SentRequest};
use std::sync::Arc;

/// A [`RequestLog`] that records `placeholder` instead of the URL (a webhook URL is a
/// credential: its path or `sig=` parameter is the only thing authorising a post).
struct HideUrl {
    inner: Arc<dyn RequestLog>,
    placeholder: &'static str,
}

impl RequestLog for HideUrl {
    fn sent(&self, r: &SentRequest) {
        let mut r = r.clone();
        r.url = self.placeholder.to_owned();
        self.inner.sent(&r);
    }
}

/// `ctx` with its request log hiding URLs behind `placeholder`.
pub fn hide_url(ctx: &Ctx, placeholder: &'static str) -> Ctx {
    let mut c = ctx.clone();
    c.log = Arc::new(HideUrl {
        inner: ctx.log.clone(),
        placeholder,
    });
    c
}

/// An error of a webhook request, its request line naming the placeholder, not the URL.
pub fn hide_path(mut e: HttpError, placeholder: &str) -> HttpError {
    e.path = placeholder.to_owned();
    e
}

/// Slack mrkdwn: `&`, `<` and `>` are the only control characters; escaped, `<!channel>`,
/// `<@U123>` and `<url|label>` in alert data are shown as text.
pub fn slack_escape(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            c => o.push(c),
        }
    }
    o
}

/// Markdown (Mattermost, Teams TextBlock): a backslash before every character CommonMark
/// gives a meaning to (emphasis, code, links, headings, quotes, tables, HTML), so alert data
/// renders as typed.
pub fn markdown_escape(t: &str) -> String {
    let mut o = String::with_capacity(t.len() + 8);
    for c in t.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '[' | ']' | '(' | ')' | '#' | '<' | '>' | '|' | '!'
        ) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// Mattermost mentions (`@all`, `@channel`, `@here`, `@user`) are found in the raw message
/// text, escaped or not; a zero-width space after every `@` keeps them from matching while the
/// text reads the same.
pub fn mattermost_escape(t: &str) -> String {
    markdown_escape(t).replace('@', "@\u{200B}")
}
