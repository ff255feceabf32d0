//! The daemon side of approvals: the chat callbacks, the Teams confirmation page, the operator
//! API, the one shared timer, and what happens around a park and a decision.
//!
//! | Endpoint | Who calls it | Authentication |
//! |---|---|---|
//! | `POST /hooks/slack` | Slack (interactivity Request URL) | `X-Slack-Signature` v0, 5-minute window |
//! | `POST /hooks/mattermost` | the Mattermost server (button `integration.url`) | signed single-use token in `context` |
//! | `GET/POST /approve/{token}` | an approver's browser (Teams card link) | signed single-use expiring token (+ CSRF nonce on POST) |
//! | `GET /api/approvals`, `POST /api/runs/{run}/approvals/{step}` | operators, scripts | `Authorization: Bearer <server.token>` |

use super::sign::{self, TokenError};
use super::{Answer, Attempt, Voter, decide, evidence, outcome_sentence, resolve};
use crate::daemon::Shared;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};
use state::approvals::ApprovalRecord;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// A deadline for the shared timer: (Unix ms, run, step).
pub type Due = (i64, String, String);

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/hooks/slack", post(slack_hook))
        .route("/hooks/mattermost", post(mattermost_hook))
        .route("/approve/{token}", get(teams_page).post(teams_confirm))
        .route("/api/approvals", get(api_list))
        .route("/api/runs/{run}/approvals/{step}", post(api_decide))
}

fn event(sh: &Shared, run: &str, step: &str, what: &str) {
    let _ = sh.events.send(format!("{run}|{step}|{what}"));
}

/// After a decision: queue the run to continue, then update the chat messages.
pub async fn after_decision(sh: &Arc<Shared>, rec: ApprovalRecord) {
    crate::metrics::global().inc(
        "riposte_approvals_decided_total",
        &crate::metrics::label(
            "outcome",
            rec.decided
                .as_ref()
                .map(|d| d.outcome.as_str())
                .unwrap_or(""),
        ),
        1,
    );
    crate::metrics::global()
        .queued
        .fetch_add(1, Ordering::Relaxed);
    if sh.queue.send(rec.run_id.clone()).await.is_err() {
        crate::metrics::global()
            .queued
            .fetch_sub(1, Ordering::Relaxed);
        tracing::warn!(run_id = %rec.run_id, "shutting down: the decided run continues at the next start");
    }
    let sh2 = sh.clone();
    tokio::spawn(async move {
        if let Ok(Some(run)) = sh2.store.get_run(&rec.run_id) {
            let ev = evidence(&run, &rec);
            sh2.approvals.update_messages(&sh2.store, &ev, &rec).await;
        }
        event(&sh2, &rec.run_id, &rec.step, "messages_updated");
    });
}

/// A run just parked (or was found parked at start): register its deadlines with the timer
/// and post its requests to chat, once.
pub async fn on_parked(sh: &Arc<Shared>, run_id: &str) {
    let recs = match sh.store.approvals_of(run_id) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(run_id, error = %e, "cannot read the approval records");
            return;
        }
    };
    for rec in recs.into_iter().filter(|r| r.is_pending()) {
        let _ = sh
            .timer
            .send((rec.deadline_ms, rec.run_id.clone(), rec.step.clone()));
        if rec.notified {
            continue;
        }
        let Ok(Some(run)) = sh.store.get_run(run_id) else {
            continue;
        };
        let ev = evidence(&run, &rec);
        let refs = if sh.approvals.chat.is_empty() {
            Vec::new()
        } else {
            sh.approvals.post_request(&sh.store, &ev, &rec).await
        };
        let allowed = resolve(&rec.approvers, &sh.approvals.groups);
        let updated = sh.store.approval_update(&rec.run_id, &rec.step, |r| {
            r.notified = true;
            r.allowed = allowed.clone();
            r.messages.extend(refs.iter().cloned());
            Ok::<_, ()>(())
        });
        if let Ok(Some(Ok(((), r)))) = updated {
            let _ = sh.store.audit("approval.posted", Some(run_id), json!({"step": r.step, "to": refs.iter().map(|m| m.provider.clone()).collect::<Vec<_>>(), "allowed": r.allowed}));
            // Decided while the request was being posted: update what was just posted.
            if r.decided.is_some() {
                sh.approvals.update_messages(&sh.store, &ev, &r).await;
            }
        }
        tracing::info!(run_id, step = %rec.step, posted_to = refs.len(), "approval requested");
        event(sh, run_id, &rec.step, "posted");
    }
}

/// The one timer of the daemon: every pending deadline in one ordered set, loaded from sled at
/// start (a deadline already passed fires at once), fed by `on_parked`.
pub async fn timer(
    sh: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Due>,
    mut stop: watch::Receiver<bool>,
) {
    let mut wheel: BTreeSet<Due> = BTreeSet::new();
    match sh.store.approvals() {
        Ok(all) => wheel.extend(
            all.into_iter()
                .filter(|r| r.is_pending())
                .map(|r| (r.deadline_ms, r.run_id, r.step)),
        ),
        Err(e) => {
            tracing::error!(error = %e, "cannot load the pending approvals; their timeouts fire after the next restart")
        }
    }
    loop {
        let now = (sh.clock)();
        while wheel.first().is_some_and(|d| d.0 <= now) {
            let (_, run, step) = wheel.pop_first().expect("non-empty");
            expire(&sh, &run, &step).await;
        }
        crate::metrics::global().set("riposte_approvals_pending", "", wheel.len() as f64);
        let wait = wheel
            .first()
            .map(|d| Duration::from_millis((d.0 - now).max(1) as u64));
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            due = rx.recv() => match due {
                Some(d) => { wheel.insert(d); }
                None => break,
            },
            _ = async { match wait { Some(w) => tokio::time::sleep(w).await, None => std::future::pending().await } } => {}
        }
    }
}

async fn expire(sh: &Arc<Shared>, run: &str, step: &str) {
    let voter = Voter::new("timer", "timeout");
    match decide(
        &sh.store,
        &sh.approvals.groups,
        run,
        step,
        Attempt::Timeout,
        &voter,
        (sh.clock)(),
    ) {
        Ok(Answer::Decided(rec)) => {
            // Chat round trips must not hold up the other deadlines: off the timer's task.
            let sh = sh.clone();
            let (run, step) = (run.to_owned(), step.to_owned());
            tokio::spawn(async move {
                if let Some(ch) = rec.escalate_to.clone()
                    && let Ok(Some(r)) = sh.store.get_run(&run)
                {
                    let ev = evidence(&r, &rec);
                    sh.approvals.escalate(&sh.store, &ev, &rec, &ch).await;
                }
                event(&sh, &run, &step, "timed_out");
                after_decision(&sh, *rec).await;
            });
        }
        Ok(Answer::NotDue) => {
            // The wall clock went back: look again later.
            if let Ok(Some(r)) = sh.store.approval_get(run, step) {
                let _ = sh
                    .timer
                    .send((r.deadline_ms, run.to_owned(), step.to_owned()));
            }
        }
        Ok(_) => {}
        Err(e) => {
            tracing::error!(run_id = run, step, error = %format!("{e:#}"), "cannot time out the approval")
        }
    }
}

fn forged(sh: &Shared, via: &str, reason: &str, run: Option<&str>) {
    crate::metrics::global().inc(
        "riposte_approvals_rejected_total",
        &crate::metrics::label("via", via),
        1,
    );
    tracing::warn!(via, reason, "approval request rejected");
    let _ = sh.store.audit(
        "approval.forged",
        run,
        json!({"via": via, "reason": reason}),
    );
}

/// `application/x-www-form-urlencoded` → pairs.
fn form_pairs(body: &[u8]) -> HashMap<String, String> {
    fn dec(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    match std::str::from_utf8(&s[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        Some(v) => {
                            out.push(v);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut kv = p.splitn(2, |b| *b == b'=');
            let k = dec(kv.next().unwrap_or_default());
            let v = dec(kv.next().unwrap_or_default());
            (k, v)
        })
        .collect()
}

async fn slack_hook(State(sh): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(slack) = &sh.approvals.chat.slack else {
        return (
            StatusCode::NOT_FOUND,
            "Slack approvals are not configured\n",
        )
            .into_response();
    };
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let now_s = (sh.clock)().div_euclid(1000);
    let (ts, sig) = (h("x-slack-request-timestamp"), h("x-slack-signature"));
    // Verified on the raw bytes, before anything is parsed.
    if let Err(e) = sign::verify_slack(
        slack.signing_secret.expose().as_bytes(),
        ts,
        sig,
        &body,
        now_s,
    ) {
        forged(&sh, "slack", e.as_str(), None);
        return (StatusCode::UNAUTHORIZED, "invalid signature\n").into_response();
    }
    if !sh.approvals.first_sight(sig.unwrap_or(""), now_s) {
        forged(
            &sh,
            "slack",
            "replayed: this exact signed request was already received",
            None,
        );
        return (StatusCode::UNAUTHORIZED, "replayed request\n").into_response();
    }
    let form = form_pairs(&body);
    let Some(p) = form
        .get("payload")
        .and_then(|p| serde_json::from_str::<Json>(p).ok())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "expected a payload field holding JSON\n",
        )
            .into_response();
    };
    if p["type"] != "block_actions" {
        return StatusCode::OK.into_response();
    }
    let action = &p["actions"][0];
    let (Some(id), Some(value), Some(user)) = (
        action["action_id"].as_str(),
        action["value"].as_str(),
        p["user"]["id"].as_str(),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            "block_actions without action_id, value or user.id\n",
        )
            .into_response();
    };
    let Some((run, step)) = value.split_once('|') else {
        return (StatusCode::BAD_REQUEST, "unexpected action value\n").into_response();
    };
    let attempt = match id {
        "approve" => Attempt::Approve,
        "deny" => Attempt::Deny {
            reason: Some(format!(
                "denied in Slack by {}",
                p["user"]["username"].as_str().unwrap_or(user)
            )),
        },
        _ => return StatusCode::OK.into_response(),
    };
    let (run, step, user) = (run.to_owned(), step.to_owned(), user.to_owned());
    let response_url = p["response_url"].as_str().map(str::to_owned);
    // Answer Slack at once; decide and reply in the background.
    let sh2 = sh.clone();
    tokio::spawn(async move {
        let voter = Voter::new(format!("slack:{user}"), "slack");
        let answer = match decide(
            &sh2.store,
            &sh2.approvals.groups,
            &run,
            &step,
            attempt,
            &voter,
            (sh2.clock)(),
        ) {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(run_id = %run, error = %format!("{e:#}"), "cannot record the Slack decision");
                return;
            }
        };
        if let Some(u) = &response_url
            && !matches!(answer, Answer::Decided(_))
        {
            sh2.approvals
                .slack_reply(&sh2.store, &run, u, &answer.sentence())
                .await;
        }
        event(&sh2, &run, &step, answer.word());
        if let Answer::Decided(rec) = answer {
            after_decision(&sh2, *rec).await;
        }
    });
    StatusCode::OK.into_response()
}

async fn mattermost_hook(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    if sh.approvals.chat.mattermost.is_none() {
        return (
            StatusCode::NOT_FOUND,
            "Mattermost approvals are not configured\n",
        )
            .into_response();
    }
    let eph = |t: &str| axum::Json(json!({"ephemeral_text": t})).into_response();
    let Ok(p) = serde_json::from_slice::<Json>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected JSON\n").into_response();
    };
    let token = p["context"]["token"].as_str().unwrap_or("");
    let claims = match sign::check(sh.approvals.key(), token, (sh.clock)()) {
        Ok(c) if c.p == "mattermost" => c,
        Ok(_) => {
            forged(&sh, "mattermost", "token issued for another channel", None);
            return (StatusCode::FORBIDDEN, eph("This button is not valid.")).into_response();
        }
        Err(TokenError::Expired(c)) => {
            let _ = sh.store.audit(
                "approval.refused",
                Some(&c.r),
                json!({"step": c.s, "via": "mattermost", "by": p["user_id"], "reason": "expired"}),
            );
            return eph("This request has expired. Nothing was changed.");
        }
        Err(e) => {
            forged(&sh, "mattermost", e.as_str(), None);
            return (StatusCode::FORBIDDEN, eph("This button is not valid.")).into_response();
        }
    };
    let Some(user) = p["user_id"].as_str().filter(|u| !u.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "no user_id\n").into_response();
    };
    let who = format!("mattermost:{user}");
    let mut voter = Voter::new(who.clone(), "mattermost");
    voter.token_use = Some(format!("{}/{who}", claims.n));
    let attempt = if claims.d == "approve" {
        Attempt::Approve
    } else {
        Attempt::Deny {
            reason: Some(format!(
                "denied in Mattermost by {}",
                p["user_name"].as_str().unwrap_or(user)
            )),
        }
    };
    let answer = match decide(
        &sh.store,
        &sh.approvals.groups,
        &claims.r,
        &claims.s,
        attempt,
        &voter,
        (sh.clock)(),
    ) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "cannot record the Mattermost decision");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                eph("Riposte could not record this; try again or use `riposte approve`."),
            )
                .into_response();
        }
    };
    event(&sh, &claims.r, &claims.s, answer.word());
    let sentence = answer.sentence();
    match answer {
        Answer::Decided(rec) => {
            let update = match sh.store.get_run(&claims.r) {
                Ok(Some(run)) => sh.approvals.mattermost_update(&evidence(&run, &rec), &rec),
                _ => json!({"message": outcome_sentence(&rec), "props": {}}),
            };
            after_decision(&sh, *rec).await;
            axum::Json(json!({"update": update, "ephemeral_text": sentence})).into_response()
        }
        _ => eph(&sentence),
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:48em;margin:2em auto;padding:0 1em}}dt{{font-weight:bold}}pre{{white-space:pre-wrap;background:#f4f4f4;padding:.5em}}.drill{{background:#fd0;padding:.5em;font-weight:bold}}button{{font-size:1.1em;padding:.4em 1.2em}}</style></head>\
         <body><h1 id=\"title\">{t}</h1>{body_html}</body></html>",
        t = esc(title)
    );
    let mut r = (status, Html(html)).into_response();
    let h = r.headers_mut();
    for (k, v) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    ] {
        h.insert(k, v.parse().expect("static header"));
    }
    r
}

/// Checks a Teams link: Ok(claims) or the page to show.
#[allow(clippy::result_large_err)]
fn teams_claims(sh: &Shared, token: &str) -> Result<sign::Claims, Response> {
    if sh.approvals.chat.teams.is_none() {
        return Err(page(
            StatusCode::NOT_FOUND,
            "Not found",
            "<p>Teams approvals are not configured.</p>",
        ));
    }
    match sign::check(sh.approvals.key(), token, (sh.clock)()) {
        Ok(c) if c.p == "teams" => Ok(c),
        Ok(_) => {
            forged(sh, "teams", "token issued for another channel", None);
            Err(page(
                StatusCode::FORBIDDEN,
                "Invalid link",
                "<p id=\"state\">This approval link is not valid.</p>",
            ))
        }
        Err(TokenError::Expired(c)) => {
            let _ = sh.store.audit(
                "approval.refused",
                Some(&c.r),
                json!({"step": c.s, "via": "teams", "reason": "expired"}),
            );
            Err(page(
                StatusCode::GONE,
                "Link expired",
                "<p id=\"state\">This approval link has expired. Nothing was changed. Ask an operator to use <code>riposte approvals list</code>.</p>",
            ))
        }
        Err(e) => {
            forged(sh, "teams", e.as_str(), None);
            Err(page(
                StatusCode::FORBIDDEN,
                "Invalid link",
                "<p id=\"state\">This approval link is not valid.</p>",
            ))
        }
    }
}

fn identity(
    sh: &Shared,
    headers: &HeaderMap,
    form: Option<&HashMap<String, String>>,
) -> Option<String> {
    let t = sh.approvals.chat.teams.as_ref()?;
    let raw = match &t.identity_header {
        Some(h) => headers
            .get(h.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        None => form.and_then(|f| f.get("email")).cloned(),
    }?;
    let e = raw.trim().to_ascii_lowercase();
    (e.contains('@') && e.len() <= 254 && !e.contains(char::is_whitespace))
        .then(|| format!("email:{e}"))
}

fn evidence_html(sh: &Shared, rec: &ApprovalRecord) -> String {
    let Ok(Some(run)) = sh.store.get_run(&rec.run_id) else {
        return String::new();
    };
    let ev = evidence(&run, rec);
    let mut o = String::new();
    if ev.dry_run {
        o.push_str("<p class=\"drill\">DRILL (dry-run): approving sends nothing.</p>");
    }
    o.push_str(&format!("<h2>{}</h2><dl>", esc(&ev.title)));
    for (k, v) in &ev.alert {
        o.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(v)));
    }
    o.push_str("</dl>");
    for (h, items) in [
        ("Facts that hold", &ev.facts),
        ("Escalation reasons", &ev.reasons),
    ] {
        if !items.is_empty() {
            o.push_str(&format!("<h3>{h}</h3><ul>"));
            for i in items.iter() {
                o.push_str(&format!("<li>{}</li>", esc(i)));
            }
            o.push_str("</ul>");
        }
    }
    o.push_str(&format!(
        "<h3>Action</h3><p><code>{}</code>{}</p>",
        esc(&ev.action),
        ev.description
            .as_deref()
            .map(|d| format!(" — {}", esc(d)))
            .unwrap_or_default()
    ));
    for p in &ev.params {
        o.push_str(&format!("<pre>{}</pre>", esc(p)));
    }
    o.push_str(&format!("<p>Approvers: {} · deadline {} · run <code>{}</code> (<code>riposte runs show {}</code>)</p>", esc(&ev.approvers), esc(&ev.deadline), esc(&ev.run_id), esc(&ev.run_id)));
    o
}

/// `GET /approve/{token}`: shows what would be decided. Changes nothing (link scanners and
/// previews follow URLs).
async fn teams_page(
    State(sh): State<Arc<Shared>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let c = match teams_claims(&sh, &token) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let rec = match sh.store.approval_get(&c.r, &c.s) {
        Ok(Some(r)) => r,
        _ => {
            return page(
                StatusCode::NOT_FOUND,
                "Not found",
                "<p id=\"state\">There is no such approval request.</p>",
            );
        }
    };
    if rec.decided.is_some() {
        return page(
            StatusCode::CONFLICT,
            "Already decided",
            &format!(
                "<p id=\"state\">This request was already decided: {}. Nothing was changed.</p>",
                esc(&outcome_sentence(&rec))
            ),
        );
    }
    let who = identity(&sh, &headers, None);
    if let Some(w) = &who
        && rec.used_tokens.contains(&format!("{}/{w}", c.n))
    {
        return page(
            StatusCode::CONFLICT,
            "Link already used",
            "<p id=\"state\">You already used this link. Nothing was changed.</p>",
        );
    }
    let verb = if c.d == "approve" { "Approve" } else { "Deny" };
    let email = if sh
        .approvals
        .chat
        .teams
        .as_ref()
        .is_some_and(|t| t.identity_header.is_some())
    {
        format!(
            "<p>You are <b>{}</b>.</p>",
            esc(who
                .as_deref()
                .unwrap_or("(not signed in)")
                .trim_start_matches("email:"))
        )
    } else {
        "<p><label>Your work email <input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"email\"></label></p>".into()
    };
    let reason = if c.d == "deny" {
        "<p><label>Reason <input id=\"reason\" name=\"reason\" type=\"text\" maxlength=\"500\"></label></p>"
    } else {
        ""
    };
    let form = format!(
        "<form id=\"decide\" method=\"post\" action=\"\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">{email}{reason}<p><button id=\"confirm\" type=\"submit\">{verb}</button></p></form>",
        esc(&sign::csrf(sh.approvals.key(), &token))
    );
    page(
        StatusCode::OK,
        &format!("{verb} this action?"),
        &format!("{}{form}", evidence_html(&sh, &rec)),
    )
}

/// `POST /approve/{token}`: the confirmation form; the only way a Teams link decides.
async fn teams_confirm(
    State(sh): State<Arc<Shared>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let c = match teams_claims(&sh, &token) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let form = form_pairs(&body);
    let csrf = form.get("csrf").map(String::as_str).unwrap_or("");
    if !sign::ct_eq(
        csrf.as_bytes(),
        sign::csrf(sh.approvals.key(), &token).as_bytes(),
    ) {
        forged(&sh, "teams", "missing or wrong CSRF nonce", Some(&c.r));
        return page(
            StatusCode::FORBIDDEN,
            "Not confirmed",
            "<p id=\"state\">Open the link and confirm on its page.</p>",
        );
    }
    let Some(who) = identity(&sh, &headers, Some(&form)) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Who are you?",
            "<p id=\"state\">Give your work email (or sign in through the proxy) to decide.</p>",
        );
    };
    let mut voter = Voter::new(who.clone(), "teams");
    voter.token_use = Some(format!("{}/{who}", c.n));
    let attempt = if c.d == "approve" {
        Attempt::Approve
    } else {
        let r = form
            .get("reason")
            .map(|r| r.chars().take(500).collect::<String>())
            .filter(|r| !r.trim().is_empty());
        Attempt::Deny {
            reason: r.or_else(|| Some("denied from Teams".into())),
        }
    };
    let answer = match decide(
        &sh.store,
        &sh.approvals.groups,
        &c.r,
        &c.s,
        attempt,
        &voter,
        (sh.clock)(),
    ) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "cannot record the Teams decision");
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Error",
                "<p id=\"state\">Riposte could not record this; try again.</p>",
            );
        }
    };
    event(&sh, &c.r, &c.s, answer.word());
    let (status, title) = match &answer {
        Answer::Decided(_) => (StatusCode::OK, "Decision recorded"),
        Answer::Counted { .. } => (StatusCode::OK, "Approval recorded"),
        Answer::TokenUsed | Answer::AlreadyVoted => (StatusCode::CONFLICT, "Link already used"),
        Answer::AlreadyDecided(_) => (StatusCode::CONFLICT, "Already decided"),
        Answer::NotAllowed => (StatusCode::FORBIDDEN, "Not an approver"),
        Answer::Expired => (StatusCode::GONE, "Link expired"),
        _ => (StatusCode::NOT_FOUND, "Not found"),
    };
    let html = format!("<p id=\"state\">{}</p>", esc(&answer.sentence()));
    if let Answer::Decided(rec) = answer {
        after_decision(&sh, *rec).await;
    }
    page(status, title, &html)
}

#[allow(clippy::result_large_err)]
fn bearer_ok(sh: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let Some(token) = &sh.token else {
        return Err((
            StatusCode::NOT_FOUND,
            "the operator API needs `server.token` in the configuration\n",
        )
            .into_response());
    };
    if crate::daemon::bearer_ok(headers, token) {
        Ok(())
    } else {
        forged(sh, "api", "missing or wrong bearer token", None);
        Err((StatusCode::UNAUTHORIZED, "missing or wrong bearer token\n").into_response())
    }
}

fn summary(r: &ApprovalRecord) -> Json {
    json!({
        "run_id": r.run_id, "step": r.step,
        "capability": r.request.get("capability"), "description": r.request.get("description"),
        "params": r.request.get("calls"),
        "approvers": r.approvers, "quorum": r.quorum, "approvals": r.approvals(),
        "deadline": chrono::DateTime::from_timestamp_millis(r.deadline_ms).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        "votes": r.votes, "decided": r.decided, "dry_run": r.dry_run,
    })
}

async fn api_list(State(sh): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = bearer_ok(&sh, &headers) {
        return r;
    }
    match sh.store.approvals() {
        Ok(all) => axum::Json(json!({"approvals": all.iter().filter(|r| r.is_pending()).map(summary).collect::<Vec<_>>()})).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

async fn api_decide(
    State(sh): State<Arc<Shared>>,
    Path((run, step)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = bearer_ok(&sh, &headers) {
        return r;
    }
    let Ok(b) = serde_json::from_slice::<Json>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            "expected JSON {\"decision\":\"approve\"|\"deny\",\"reason\":…,\"by\":…}\n",
        )
            .into_response();
    };
    let reason = b["reason"].as_str().map(str::to_owned);
    let attempt = match b["decision"].as_str() {
        Some("approve") => Attempt::Approve,
        Some("deny") => Attempt::Deny {
            reason: reason.clone(),
        },
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                "decision must be \"approve\" or \"deny\"\n",
            )
                .into_response();
        }
    };
    let who = match b["by"].as_str().filter(|s| !s.is_empty()) {
        Some(by) => format!("api:{}", by.chars().take(100).collect::<String>()),
        None => "api".into(),
    };
    let voter = Voter::operator(who, "api");
    if let Some(r) = &reason {
        let _ = sh.store.audit(
            "operator.reason",
            Some(&run),
            json!({"step": step, "by": voter.who, "reason": r}),
        );
    }
    let answer = match decide(
        &sh.store,
        &sh.approvals.groups,
        &run,
        &step,
        attempt,
        &voter,
        (sh.clock)(),
    ) {
        Ok(a) => a,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}\n")).into_response(),
    };
    event(&sh, &run, &step, answer.word());
    let status = match &answer {
        Answer::Decided(_) | Answer::Counted { .. } => StatusCode::OK,
        Answer::NoSuchApproval => StatusCode::NOT_FOUND,
        Answer::Expired => StatusCode::GONE,
        _ => StatusCode::CONFLICT,
    };
    let out = json!({"result": answer.word(), "message": answer.sentence()});
    if let Answer::Decided(rec) = answer {
        after_decision(&sh, *rec).await;
    }
    (status, axum::Json(out)).into_response()
}
