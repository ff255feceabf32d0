//! Chat clients (Slack, Mattermost, Teams) against their emulators.

use emulators::{Fault, mattermost as emm, slack as eslack, teams as eteams};
use integrations::config::InstanceConfig;
use integrations::vendors::chat_util::{markdown_escape, mattermost_escape, slack_escape};
use integrations::vendors::{BuildEnv, build};
use integrations::{Ctx, Integration, MemLog, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome, StepKey};
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static N: AtomicU32 = AtomicU32::new(0);

/// Alert-derived text trying to notify everyone and to inject links and markup.
const HOSTILE: &str =
    "<!channel> <@U0ADMIN> @all @here *urgent* [login](http://evil.example) & <https://evil|click>";

fn secret_file(value: &str) -> String {
    let p = crate::secret_path(&format!("chat-{}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&p, value).unwrap();
    p.to_string_lossy().into_owned()
}

fn integration(
    vendor: &str,
    url: Option<&str>,
    creds: &[(&str, &str)],
    options: Json,
) -> Arc<dyn Integration> {
    let credentials: serde_json::Map<String, Json> = creds
        .iter()
        .map(|(k, v)| (k.to_string(), json!({"file": secret_file(v)})))
        .collect();
    let mut cfg = json!({
        "vendor": vendor,
        "credentials": credentials,
        "limits": {"attempts": 3, "backoff": "1ms", "max_backoff": "2ms", "per_second": 1000.0},
        "options": options,
    });
    if let Some(u) = url {
        cfg["url"] = json!(u);
    }
    let cfg: InstanceConfig = serde_json::from_value(cfg).unwrap();
    build("chat", &cfg, &BuildEnv::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn ctx() -> (Ctx, Arc<MemLog>) {
    let log = Arc::new(MemLog::default());
    let mut c = Ctx::detached(log.clone());
    c.run_id = "run-00112233445566778899aabb".into();
    (c, log)
}

fn notify(params: Json) -> CallRequest {
    CallRequest {
        key: StepKey {
            step: "tell_soc".into(),
            item: None,
        },
        capability: "chat.notify".into(),
        mutates: true,
        params,
        idempotency_key: "riposte-idem-tell".into(),
        timeout: Duration::from_secs(10),
        retry: Default::default(),
    }
}

fn ok(o: Outcome) -> Json {
    match o {
        Outcome::Ok { result } => result,
        other => panic!("expected ok, got {other:?}"),
    }
}

fn failed(o: Outcome) -> (ErrorClass, String) {
    match o {
        Outcome::Failed { class, message } => (class, message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn escaping_for_each_markup() {
    assert_eq!(
        slack_escape("<!channel> a&b <@U1>"),
        "&lt;!channel&gt; a&amp;b &lt;@U1&gt;"
    );
    assert_eq!(
        markdown_escape("*b* _i_ [l](u) `c` \\"),
        "\\*b\\* \\_i\\_ \\[l\\]\\(u\\) \\`c\\` \\\\"
    );
    assert_eq!(
        mattermost_escape("@all hi @channel"),
        "@\u{200B}all hi @\u{200B}channel"
    );
}

// ── Slack ───────────────────────────────────────────────────────────────────────────────────

async fn slack_setup() -> (emulators::Emulator, eslack::Shared, Arc<dyn Integration>) {
    let (emu, state) = eslack::start().await;
    {
        let mut s = state.lock().unwrap();
        s.channel("C0SOC", "soc-alerts", true);
        s.channel("C0IR", "incident-response", true);
        s.channel("C0EXEC", "exec", false);
    }
    let sl = integration(
        "slack",
        Some(&emu.url),
        &[("bot_token", eslack::TOKEN)],
        json!({"channel": "#soc-alerts"}),
    );
    (emu, state, sl)
}

#[tokio::test]
async fn slack_posts_escaped_text_so_nobody_is_pinged() {
    let (emu, state, sl) = slack_setup().await;
    let (c, _) = ctx();
    let r = ok(sl.call(&c, &notify(json!({"text": HOSTILE}))).await);
    assert_eq!(r["channel"], "C0SOC");
    assert_eq!(r["ts"], "1700000000.000001");
    let sent = &emu.recorder.received()[0];
    assert_eq!(sent.path, "/api/chat.postMessage");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {}", eslack::TOKEN).as_str())
    );
    let b = sent.json();
    assert_eq!(b["channel"], "#soc-alerts");
    assert_eq!(b["link_names"], false);
    let want = "&lt;!channel&gt; &lt;@U0ADMIN&gt; @all @here *urgent* [login](http://evil.example) &amp; &lt;https://evil|click&gt;";
    assert_eq!(b["text"], want);
    assert_eq!(b["blocks"][0]["text"]["text"], want);
    assert!(
        !sent.body.contains("<!channel>") && !sent.body.contains("<@U0ADMIN>"),
        "{}",
        sent.body
    );
    assert_eq!(state.lock().unwrap().messages.len(), 1);

    // The `channel` parameter overrides the configured one.
    let r = ok(sl
        .call(&c, &notify(json!({"text": "x", "channel": "C0IR"})))
        .await);
    assert_eq!(r["channel"], "C0IR");
    assert_eq!(
        sl.reconcile(&c, &notify(json!({"text": "x"}))).await,
        Reconciled::Idempotent
    );
}

#[tokio::test]
async fn slack_ok_false_errors_are_classified() {
    let (emu, state, sl) = slack_setup().await;
    let (c, _) = ctx();
    let cases = [
        (
            json!({"text": "x", "channel": "#nowhere"}),
            "channel_not_found",
            ErrorClass::Permanent,
        ),
        (
            json!({"text": "x", "channel": "exec"}),
            "not_in_channel",
            ErrorClass::Permanent,
        ),
    ];
    for (params, code, class) in cases {
        let (got, msg) = failed(sl.call(&c, &notify(params)).await);
        assert_eq!(got, class, "{code}: {msg}");
        assert!(msg.contains(&format!("`{code}`")), "{msg}");
    }
    for (code, class) in [
        ("ratelimited", ErrorClass::Retryable),
        ("internal_error", ErrorClass::Retryable),
        ("msg_too_long", ErrorClass::Permanent),
    ] {
        state.lock().unwrap().next_error.push(code.into());
        let (got, msg) = failed(sl.call(&c, &notify(json!({"text": "x"}))).await);
        assert_eq!(got, class, "{code}: {msg}");
        assert!(msg.contains(code), "{msg}");
    }
    assert!(state.lock().unwrap().messages.is_empty());
    // ok:false is an answer, not an HTTP error: one request per call, no client-side retry.
    assert_eq!(emu.recorder.received().len(), 5);

    let wrong = "xoxb-wrong-SECRET-token";
    let bad = integration(
        "slack",
        Some(&emu.url),
        &[("bot_token", wrong)],
        json!({"channel": "C0SOC"}),
    );
    let (class, msg) = failed(bad.call(&c, &notify(json!({"text": "x"}))).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("invalid_auth") && !msg.contains(wrong),
        "{msg}"
    );
}

#[tokio::test]
async fn slack_http_429_is_retried() {
    let (emu, state, sl) = slack_setup().await;
    let (c, _) = ctx();
    emu.recorder.fail_next(
        None,
        Fault::Status {
            status: 429,
            retry_after: Some(0),
            body: json!({"ok": false, "error": "ratelimited"}),
        },
    );
    ok(sl.call(&c, &notify(json!({"text": "x"}))).await);
    assert_eq!(emu.recorder.received().len(), 2);
    assert_eq!(state.lock().unwrap().messages.len(), 1);
}

#[tokio::test]
async fn slack_render_and_check_params() {
    let sl = integration(
        "slack",
        None,
        &[("bot_token", "xoxb-render-SECRET")],
        json!({}),
    );
    assert!(
        sl.check_params("chat.notify", &json!({"text": "x"}))
            .is_err(),
        "no channel anywhere"
    );
    assert!(
        sl.check_params("chat.notify", &json!({"text": "x", "channel": "#soc"}))
            .is_ok()
    );
    let r = sl.render(&notify(json!({"text": "<!here>", "channel": "#soc"})));
    assert_eq!(r[0]["url"], "https://slack.com/api/chat.postMessage");
    assert_eq!(r[0]["body"]["text"], "&lt;!here&gt;");
    assert!(
        !serde_json::to_string(&r)
            .unwrap()
            .contains("xoxb-render-SECRET")
    );
}

// ── Mattermost ──────────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn mattermost_webhook_escapes_mentions_and_hides_the_url() {
    let (emu, state) = emm::start().await;
    let hook = format!("{}/hooks/{}", emu.url, emm::HOOK_ID);
    let mm = integration(
        "mattermost",
        None,
        &[("webhook_url", &hook)],
        json!({"channel": "soc", "username": "riposte"}),
    );
    let (c, log) = ctx();
    ok(mm.call(&c, &notify(json!({"text": HOSTILE}))).await);
    let st = state.lock().unwrap();
    let p = &st.posts[0];
    assert_eq!(p["channel"], "soc");
    assert_eq!(p["username"], "riposte");
    let t = p["text"].as_str().unwrap();
    for mention in ["@all", "@here", "@U0ADMIN"] {
        assert!(!t.contains(mention), "{mention} survives in {t:?}");
    }
    assert!(
        t.contains("@\u{200B}all")
            && t.contains("\\*urgent\\*")
            && t.contains("\\[login\\]\\(http://evil.example\\)"),
        "{t:?}"
    );
    // The audit log never sees the webhook URL.
    let sent = log.0.lock().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "<mattermost webhook>");
    assert_eq!(sent[0].status, Some(200));
    let r = mm.render(&notify(json!({"text": "hi"})));
    assert_eq!(r[0]["url"], "<mattermost webhook>");
    assert!(!serde_json::to_string(&r).unwrap().contains(emm::HOOK_ID));
}

#[tokio::test]
async fn mattermost_webhook_errors_carry_no_secret() {
    let (emu, state) = emm::start().await;
    let hook = format!("{}/hooks/wrong-SECRET-hook-id", emu.url);
    let mm = integration("mattermost", None, &[("webhook_url", &hook)], json!({}));
    let (c, log) = ctx();
    let (class, msg) = failed(mm.call(&c, &notify(json!({"text": "x"}))).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("Invalid webhook.") && msg.contains("<mattermost webhook>"),
        "{msg}"
    );
    assert!(
        !msg.contains("wrong-SECRET-hook-id") && !msg.contains(&emu.url),
        "{msg}"
    );
    assert_eq!(log.0.lock().unwrap()[0].url, "<mattermost webhook>");
    assert!(state.lock().unwrap().posts.is_empty());
}

#[tokio::test]
async fn mattermost_api_mode_posts_and_classifies_errors() {
    let (emu, state) = emm::start().await;
    state.lock().unwrap().channels.push("ch0soc".into());
    let mm = integration(
        "mattermost",
        Some(&emu.url),
        &[("bot_token", emm::TOKEN)],
        json!({"mode": "api", "channel_id": "ch0soc"}),
    );
    let (c, _) = ctx();
    let r = ok(mm
        .call(&c, &notify(json!({"text": "@channel host isolated"})))
        .await);
    assert_eq!(r["channel_id"], "ch0soc");
    assert!(r["id"].as_str().unwrap().starts_with("post"));
    let sent = &emu.recorder.received()[0];
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {}", emm::TOKEN).as_str())
    );
    assert_eq!(sent.json()["message"], "@\u{200B}channel host isolated");

    let (class, msg) = failed(
        mm.call(&c, &notify(json!({"text": "x", "channel": "elsewhere"})))
            .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("appropriate permissions"), "{msg}");

    let wrong = "mm-wrong-SECRET-token";
    let bad = integration(
        "mattermost",
        Some(&emu.url),
        &[("bot_token", wrong)],
        json!({"mode": "api", "channel_id": "ch0soc"}),
    );
    let (class, msg) = failed(bad.call(&c, &notify(json!({"text": "x"}))).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("Invalid or expired session") && !msg.contains(wrong),
        "{msg}"
    );
    assert_eq!(state.lock().unwrap().posts.len(), 1);
    assert_eq!(
        mm.reconcile(&c, &notify(json!({"text": "x"}))).await,
        Reconciled::Idempotent
    );
}

// ── Teams ───────────────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn teams_posts_an_adaptive_card_with_escaped_text() {
    let (emu, state) = eteams::start().await;
    let hook = eteams::webhook_url(&emu, eteams::SIG);
    let t = integration("teams", None, &[("webhook_url", &hook)], json!({}));
    let (c, log) = ctx();
    let r = ok(t.call(&c, &notify(json!({"text": HOSTILE}))).await);
    assert_eq!(r["status"], 202);
    let m = state.lock().unwrap().messages[0].clone();
    assert_eq!(m["type"], "message");
    let card = &m["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["version"], "1.4");
    let tb = &card["content"]["body"][0];
    assert_eq!(tb["type"], "TextBlock");
    assert_eq!(tb["wrap"], true);
    assert_eq!(
        tb["text"],
        "\\<\\!channel\\> \\<@U0ADMIN\\> @all @here \\*urgent\\* \\[login\\]\\(http://evil.example\\) & \\<https://evil\\|click\\>"
    );
    assert!(
        card["content"].get("msteams").is_none(),
        "no mention entities are ever sent"
    );
    assert_eq!(log.0.lock().unwrap()[0].url, "<teams webhook>");
    assert_eq!(
        t.reconcile(&c, &notify(json!({"text": "x"}))).await,
        Reconciled::Idempotent
    );
}

#[tokio::test]
async fn teams_webhook_url_never_appears_in_errors_logs_or_renders() {
    let (emu, state) = eteams::start().await;
    let wrong_sig = "WrongSig-SECRET-777";
    let bad = integration(
        "teams",
        None,
        &[("webhook_url", &eteams::webhook_url(&emu, wrong_sig))],
        json!({}),
    );
    let (c, log) = ctx();
    let (class, msg) = failed(bad.call(&c, &notify(json!({"text": "x"}))).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("HTTP 401") && msg.contains("not valid"),
        "{msg}"
    );
    for secret in [wrong_sig, eteams::WORKFLOW, emu.url.as_str()] {
        assert!(!msg.contains(secret), "{secret} leaked: {msg}");
    }

    let good = integration(
        "teams",
        None,
        &[("webhook_url", &eteams::webhook_url(&emu, eteams::SIG))],
        json!({}),
    );
    for _ in 0..3 {
        emu.recorder.fail_next(
            None,
            Fault::Status {
                status: 503,
                retry_after: None,
                body: json!({"error": {"code": "ServiceUnavailable", "message": "try later"}}),
            },
        );
    }
    let (class, msg) = failed(good.call(&c, &notify(json!({"text": "x"}))).await);
    assert_eq!(class, ErrorClass::Retryable);
    assert!(
        msg.contains("try later") && msg.contains("3 attempts"),
        "{msg}"
    );
    assert!(
        !msg.contains(eteams::SIG) && !msg.contains(eteams::WORKFLOW),
        "{msg}"
    );
    assert!(state.lock().unwrap().messages.is_empty());

    let logged = serde_json::to_string(&*log.0.lock().unwrap()).unwrap();
    assert_eq!(log.0.lock().unwrap().len(), 4);
    assert!(
        !logged.contains(eteams::SIG)
            && !logged.contains(wrong_sig)
            && !logged.contains(eteams::WORKFLOW),
        "{logged}"
    );

    let r = good.render(&notify(json!({"text": "hello"})));
    assert_eq!(r[0]["url"], "<teams webhook>");
    assert_eq!(r[0]["method"], "POST");
    let rendered = serde_json::to_string(&r).unwrap();
    assert!(
        !rendered.contains(eteams::SIG) && !rendered.contains(eteams::WORKFLOW),
        "{rendered}"
    );
}

#[tokio::test]
async fn teams_refuses_a_channel_parameter() {
    let (emu, _state) = eteams::start().await;
    let t = integration(
        "teams",
        None,
        &[("webhook_url", &eteams::webhook_url(&emu, eteams::SIG))],
        json!({}),
    );
    assert!(
        t.check_params("chat.notify", &json!({"text": "x", "channel": "General"}))
            .is_err()
    );
    assert!(t.check_params("chat.notify", &json!({"text": "x"})).is_ok());
    let (c, _) = ctx();
    let (class, _) = failed(
        t.call(&c, &notify(json!({"text": "x", "channel": "General"})))
            .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(emu.recorder.received().is_empty());
}
