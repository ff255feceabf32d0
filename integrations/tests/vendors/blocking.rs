//! Blocking integrations against local emulators: the built-in EDL, the shared guards, PAN-OS,
//! OPNsense and Cloudflare.

use integrations::config::InstanceConfig;
use integrations::vendors::{BuildEnv, build, edl::edl_router};
use integrations::{Ctx, Integration, MemLog, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome, StepKey};
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

fn tmp_dir(tag: &str) -> state::scratch::TempDir {
    state::scratch::TempDir::new(&format!("riposte-blocking-{tag}"))
}

fn cfg(v: Json) -> InstanceConfig {
    serde_json::from_value(v).expect("instance config")
}

fn instance(v: Json, store: Option<state::Store>) -> Arc<dyn Integration> {
    build("fw", &cfg(v), &BuildEnv { store }).unwrap_or_else(|e| panic!("build: {e}"))
}

fn req(capability: &str, params: Json, key: &str) -> CallRequest {
    CallRequest {
        key: StepKey {
            step: "block".into(),
            item: None,
        },
        capability: capability.into(),
        mutates: true,
        params,
        idempotency_key: key.into(),
        timeout: Duration::from_secs(5),
        retry: Default::default(),
    }
}

fn add(kind: &str, value: &str, key: &str) -> CallRequest {
    req(
        "blocklist.add",
        json!({"type": kind, "value": value, "reason": "c2 beacon"}),
        key,
    )
}

fn remove(kind: &str, value: &str, key: &str) -> CallRequest {
    req(
        "blocklist.remove",
        json!({"type": kind, "value": value}),
        key,
    )
}

fn ctx() -> Ctx {
    let mut c = Ctx::detached(Arc::new(MemLog::default()));
    c.run_id = "run-1".into();
    c
}

fn ok(o: Outcome) -> Json {
    match o {
        Outcome::Ok { result } => result,
        other => panic!("expected success, got {other:?}"),
    }
}

fn failed(o: Outcome) -> (ErrorClass, String) {
    match o {
        Outcome::Failed { class, message } => (class, message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

async fn get_text(url: &str) -> (u16, String, String) {
    let r = reqwest::get(url).await.expect("GET");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, ct, r.text().await.expect("body"))
}

// ── EDL ─────────────────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn edl_add_remove_and_served_lists() {
    let dir = tmp_dir("edl");
    let store = state::Store::open(&dir).unwrap();
    let edl = instance(json!({"vendor": "edl"}), Some(store.clone()));
    let c = ctx();
    let r = ok(edl.call(&c, &add("ip", "185.220.101.4", "k1")).await);
    assert_eq!(r["list"], "ip");
    assert_eq!(r["added"], true);
    assert_eq!(r["expires_at"], Json::Null);
    // A set insert: the same value again keeps one entry.
    let r = ok(edl.call(&c, &add("ip", "185.220.101.4", "k2")).await);
    assert_eq!(r["added"], false);
    ok(edl.call(&c, &add("cidr", "45.155.205.7/24", "k3")).await);
    ok(edl
        .call(&c, &add("domain", "Evil-C2.Example.NET.", "k4"))
        .await);
    ok(edl
        .call(
            &c,
            &add("url", "HTTPS://Bad.Example.org/payload?id=1", "k5"),
        )
        .await);
    assert_eq!(
        edl.reconcile(&c, &add("ip", "185.220.101.4", "k1")).await,
        Reconciled::Idempotent
    );
    assert_eq!(
        edl.reconcile(&c, &remove("ip", "185.220.101.4", "k9"))
            .await,
        Reconciled::Idempotent
    );

    let em = emulators::serve(edl_router(store.clone())).await;
    let (status, ct, ip) = get_text(&format!("{}/edl/ip.txt", em.url)).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/plain"), "{ct}");
    assert_eq!(ip, "185.220.101.4\n45.155.205.0/24\n");
    let (_, _, dom) = get_text(&format!("{}/edl/domain.txt", em.url)).await;
    assert_eq!(dom, "evil-c2.example.net\n");
    let (_, _, url) = get_text(&format!("{}/edl/url.txt", em.url)).await;
    assert_eq!(url, "bad.example.org/payload?id=1\n");
    let (status, _, _) = get_text(&format!("{}/edl/hash.txt", em.url)).await;
    assert_eq!(status, 404);

    let r = ok(edl.call(&c, &remove("ip", "185.220.101.4", "k6")).await);
    assert_eq!(r["removed"], true);
    let r = ok(edl.call(&c, &remove("ip", "185.220.101.4", "k7")).await);
    assert_eq!(r["removed"], false);
    let (_, _, ip) = get_text(&format!("{}/edl/ip.txt", em.url)).await;
    assert_eq!(ip, "45.155.205.0/24\n");
    let e = store
        .edl_get("domain", "evil-c2.example.net", 0)
        .unwrap()
        .expect("entry");
    assert_eq!(e.run_id, "run-1");
    assert_eq!(e.reason.as_deref(), Some("c2 beacon"));
    drop(em);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn edl_expired_entries_are_not_served_and_are_pruned() {
    let dir = tmp_dir("edl-exp");
    let store = state::Store::open(&dir).unwrap();
    let edl = instance(
        json!({"vendor": "edl", "options": {"default_ttl": "1h"}}),
        Some(store.clone()),
    );
    let c = ctx();
    let r = ok(edl.call(&c, &add("ip", "185.220.101.9", "k1")).await);
    let exp = r["expires_at"].as_str().expect("expiry").to_owned();
    let e = store
        .edl_get("ip", "185.220.101.9", 0)
        .unwrap()
        .expect("entry");
    assert_eq!(e.expires_at.unwrap() - e.added_at, 3600);
    assert!(exp.ends_with('Z'), "{exp}");
    // A per-call ttl overrides the default.
    let mut r = add("ip", "185.220.101.10", "k2");
    r.params["ttl"] = json!("10m");
    ok(edl.call(&c, &r).await);
    let e2 = store
        .edl_get("ip", "185.220.101.10", 0)
        .unwrap()
        .expect("entry");
    assert_eq!(e2.expires_at.unwrap() - e2.added_at, 600);
    // An entry whose expiry has passed (written directly, as if added long ago).
    store
        .edl_add(&state::edl::EdlEntry {
            v: 1,
            list: "ip".into(),
            value: "185.220.101.11".into(),
            reason: None,
            run_id: "old".into(),
            added_at: 1,
            expires_at: Some(2),
        })
        .unwrap();
    assert_eq!(store.edl_stored("ip").unwrap(), 3);
    let em = emulators::serve(edl_router(store.clone())).await;
    let (_, _, ip) = get_text(&format!("{}/edl/ip.txt", em.url)).await;
    assert_eq!(ip, "185.220.101.10\n185.220.101.9\n");
    assert_eq!(
        store.edl_stored("ip").unwrap(),
        2,
        "the expired entry was pruned when served"
    );
    // Eleven minutes after the adds, only the 1h entry is live.
    let later = e2.added_at + 11 * 60;
    let live: Vec<String> = store
        .edl_list("ip", later)
        .unwrap()
        .into_iter()
        .map(|e| e.value)
        .collect();
    assert_eq!(live, vec!["185.220.101.9"]);
    drop(em);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn edl_entries_survive_reopening_the_store() {
    let dir = tmp_dir("edl-durable");
    {
        let store = state::Store::open(&dir).unwrap();
        let edl = instance(json!({"vendor": "edl"}), Some(store.clone()));
        ok(edl
            .call(&ctx(), &add("domain", "c2.badness.example.com", "k1"))
            .await);
    }
    let store = state::Store::open(&dir).unwrap();
    let em = emulators::serve(edl_router(store.clone())).await;
    let (_, _, dom) = get_text(&format!("{}/edl/domain.txt", em.url)).await;
    assert_eq!(dom, "c2.badness.example.com\n");
    drop(em);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn edl_needs_the_store() {
    let e = build("fw", &cfg(json!({"vendor": "edl"})), &BuildEnv::default())
        .err()
        .expect("no store → configuration error")
        .to_string();
    assert!(e.contains("store"), "{e}");
}

// ── Guards ──────────────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn guards_refuse_reserved_wide_allow_listed_and_malformed_values() {
    let dir = tmp_dir("guard");
    let store = state::Store::open(&dir).unwrap();
    let edl = instance(
        json!({"vendor": "edl", "options": {
            "allow_networks": ["8.8.8.0/24", "2606:4700::/32"],
            "allow_domains": ["corp.example.com", "partner.example"],
        }}),
        Some(store.clone()),
    );
    let c = ctx();
    let cases = [
        ("ip", "10.1.2.3", "private/reserved"),
        ("ip", "127.0.0.1", "private/reserved"),
        ("ip", "169.254.10.1", "private/reserved"),
        ("ip", "192.0.2.10", "private/reserved"),
        ("ip", "100.64.1.1", "private/reserved"),
        ("ip", "::1", "private/reserved"),
        ("ip", "fe80::1", "private/reserved"),
        ("ip", "::ffff:192.168.1.1", "private/reserved"),
        ("cidr", "172.0.0.0/8", "wider than /24"),
        ("cidr", "172.16.5.0/24", "private/reserved"),
        ("cidr", "2a00:1450::/32", "wider than /48"),
        ("ip", "8.8.8.8", "allow-list"),
        ("cidr", "8.8.8.128/25", "allow-list"),
        ("ip", "2606:4700::1111", "allow-list"),
        ("domain", "corp.example.com", "allow-list"),
        ("domain", "VPN.Corp.Example.com", "allow-list"),
        (
            "domain",
            "example.com",
            "would also block the allow-listed corp.example.com",
        ),
        ("url", "https://sso.corp.example.com/login", "allow-list"),
        ("url", "http://10.0.0.8/x", "private/reserved"),
        ("ip", "999.1.1.1", "not an IP address"),
        ("ip", "45.155.205.0/24", "declare it with type: cidr"),
        ("cidr", "45.155.205.0/33", "not a CIDR"),
        ("domain", "com", "single label"),
        ("domain", "bad domain.example", "whitespace"),
        (
            "domain",
            "evil.example\nmalicious.example",
            "control characters",
        ),
        ("domain", "-bad.example", "not a valid host name"),
        ("url", "ftp://files.example.org/x", "not an http(s) URL"),
        (
            "url",
            "https://allowed.example@evil.example/",
            "credentials",
        ),
        ("hash", "abc", "unknown indicator type"),
    ];
    for (i, (kind, value, want)) in cases.iter().enumerate() {
        let (class, msg) = failed(edl.call(&c, &add(kind, value, &format!("g{i}"))).await);
        assert_eq!(class, ErrorClass::Permanent, "{kind} {value}: {msg}");
        assert!(msg.contains(want), "{kind} {value}: {msg}");
        assert!(msg.contains("refused by the blocking guard"), "{msg}");
    }
    // Validation-time checks on literal values, and templated values left for call time.
    assert!(
        edl.check_params("blocklist.add", &json!({"type": "ip", "value": "10.0.0.1"}))
            .is_err()
    );
    assert!(
        edl.check_params(
            "blocklist.add",
            &json!({"type": "ip", "value": "{{alert.source.ip}}"})
        )
        .is_ok()
    );
    // Nothing reached the lists.
    for l in ["ip", "domain", "url"] {
        assert_eq!(store.edl_stored(l).unwrap(), 0, "{l}");
    }
    // Public neighbours of the refused values pass.
    ok(edl.call(&c, &add("ip", "8.8.4.4", "p1")).await);
    ok(edl.call(&c, &add("domain", "corp-example.com", "p2")).await);
    ok(edl
        .call(&c, &add("cidr", "2a00:1450:4001::/48", "p3"))
        .await);
    // Removal only normalises: an entry can be removed even if policy now forbids adding it.
    ok(edl.call(&c, &remove("ip", "8.8.8.8", "r1")).await);
    let (class, _) = failed(edl.call(&c, &remove("ip", "not-an-ip", "r2")).await);
    assert_eq!(class, ErrorClass::Permanent);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn guard_widest_prefix_is_configurable() {
    let dir = tmp_dir("guard-prefix");
    let store = state::Store::open(&dir).unwrap();
    let edl = instance(
        json!({"vendor": "edl", "options": {"widest_prefix_v4": 16}}),
        Some(store.clone()),
    );
    ok(edl.call(&ctx(), &add("cidr", "45.155.0.0/16", "a")).await);
    let (_, msg) = failed(edl.call(&ctx(), &add("cidr", "45.0.0.0/15", "b")).await);
    assert!(msg.contains("wider than /16"), "{msg}");
    let e = build(
        "fw",
        &cfg(json!({"vendor": "edl", "options": {"widest_prefix_v4": 40}})),
        &BuildEnv { store: Some(store) },
    )
    .err()
    .expect("invalid option")
    .to_string();
    assert!(e.contains("options.widest_prefix_v4"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn hourly_cap_needs_approval_and_is_durable() {
    let dir = tmp_dir("cap");
    let conf = json!({"vendor": "edl", "options": {"max_per_hour": 3}});
    {
        let store = state::Store::open(&dir).unwrap();
        let edl = instance(conf.clone(), Some(store.clone()));
        let c = ctx();
        for i in 0..3 {
            ok(edl
                .call(
                    &c,
                    &add("ip", &format!("185.220.101.{}", 20 + i), &format!("cap{i}")),
                )
                .await);
        }
        // A retry of an admitted call is not a new block, nor is another run blocking an
        // indicator already counted (written differently: the count is on the normalised value).
        ok(edl.call(&c, &add("ip", "185.220.101.20", "cap0")).await);
        ok(edl
            .call(&c, &add("cidr", "185.220.101.21/32", "other-run"))
            .await);
        let (class, msg) = failed(edl.call(&c, &add("ip", "185.220.101.40", "cap3")).await);
        assert_eq!(class, ErrorClass::NeedsHuman);
        assert!(
            msg.contains("needs approval") && msg.contains("max_per_hour = 3"),
            "{msg}"
        );
        assert!(store.edl_get("ip", "185.220.101.40", 0).unwrap().is_none());
        // Removals are not capped.
        ok(edl.call(&c, &remove("ip", "185.220.101.20", "rm")).await);
    }
    // A restart does not reset the count.
    let store = state::Store::open(&dir).unwrap();
    let edl = instance(conf, Some(store));
    let (class, _) = failed(edl.call(&ctx(), &add("ip", "185.220.101.41", "cap4")).await);
    assert_eq!(class, ErrorClass::NeedsHuman);
    let _ = std::fs::remove_dir_all(&dir);
}

// ── PAN-OS ──────────────────────────────────────────────────────────────────────────────────

fn secret_file(name: &str, value: &str) -> String {
    let p = crate::secret_path(&format!("blocking-{name}"));
    std::fs::write(&p, value).expect("write secret");
    p.to_string_lossy().into_owned()
}

const TAG: &str = "soc \"block\" & <deny>";

async fn panos(
    key: &str,
) -> (
    emulators::Emulator,
    Arc<emulators::panos::PanOs>,
    Arc<dyn Integration>,
) {
    let st = emulators::panos::PanOs::new("pan-key-0001");
    let em = emulators::serve(emulators::panos::router(st.clone())).await;
    let i = instance(
        json!({
            "vendor": "panos",
            "url": em.url,
            "credentials": {"api_key": {"file": secret_file(&format!("pan-{key}"), key)}},
            "limits": {"backoff": "1ms", "max_backoff": "2ms", "attempts": 2},
            "options": {"tag": TAG, "vsys": "vsys1"},
        }),
        None,
    );
    (em, st, i)
}

#[tokio::test]
async fn panos_registers_and_unregisters_tags_with_escaped_values() {
    let (em, st, i) = panos("pan-key-0001").await;
    let c = ctx();
    let mut r = add("ip", "185.220.101.4", "p1");
    r.params["ttl"] = json!("1h");
    let res = ok(i.call(&c, &r).await);
    assert_eq!(res["timeout"], 3600);
    let reg = st.registered.lock().unwrap().clone();
    assert_eq!(
        reg["185.220.101.4"][TAG],
        Some("3600".to_owned()),
        "{reg:?}"
    );
    let sent = em.recorder.received();
    let last = sent.last().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.path, "/api/?type=user-id");
    assert_eq!(last.header("x-pan-key"), Some("pan-key-0001"));
    let cmd = st.commands.lock().unwrap().last().cloned().unwrap();
    assert!(
        cmd.contains("<member timeout=\"3600\">soc &quot;block&quot; &amp; &lt;deny&gt;</member>"),
        "{cmd}"
    );
    assert!(
        cmd.contains("<register><entry ip=\"185.220.101.4\" persistent=\"1\">"),
        "{cmd}"
    );
    assert!(!cmd.contains("<deny>"), "{cmd}");
    assert!(last.body.contains("vsys=vsys1"), "{}", last.body);
    assert!(
        !last.body.contains("pan-key-0001"),
        "the key travels in the header only"
    );

    // Again: PAN-OS answers "already exists, ignore", which is success.
    ok(i.call(&c, &add("ip", "185.220.101.4", "p2")).await);
    ok(i.call(&c, &add("cidr", "45.155.205.0/24", "p3")).await);
    assert_eq!(st.tags("45.155.205.0/24"), vec![TAG.to_owned()]);
    let cmd = st.commands.lock().unwrap().last().cloned().unwrap();
    assert!(!cmd.contains("timeout="), "no ttl → no timeout: {cmd}");

    ok(i.call(&c, &remove("ip", "185.220.101.4", "p4")).await);
    assert!(st.tags("185.220.101.4").is_empty());
    let cmd = st.commands.lock().unwrap().last().cloned().unwrap();
    assert!(
        cmd.contains("<unregister><entry ip=\"185.220.101.4\">"),
        "{cmd}"
    );
    // Removing what is not registered: "does not exist, ignore", also success.
    ok(i.call(&c, &remove("ip", "185.220.101.4", "p5")).await);
    assert_eq!(
        i.reconcile(&c, &add("ip", "185.220.101.4", "p1")).await,
        Reconciled::Idempotent
    );

    let shown = i.render(&add("ip", "185.220.101.4", "p6"));
    assert_eq!(shown[0]["method"], "POST");
    assert!(
        shown[0]["form"]["cmd"]
            .as_str()
            .unwrap()
            .contains("185.220.101.4")
    );
    assert!(!shown[0].to_string().contains("pan-key-0001"));
}

#[tokio::test]
async fn panos_refuses_names_guards_and_bad_keys() {
    let (em, st, i) = panos("pan-key-0001").await;
    let c = ctx();
    let (class, msg) = failed(i.call(&c, &add("domain", "evil.example.net", "d1")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("use the edl vendor"), "{msg}");
    assert!(
        i.check_params(
            "blocklist.add",
            &json!({"type": "url", "value": "http://x.example/"})
        )
        .is_err()
    );
    let (class, msg) = failed(i.call(&c, &add("ip", "192.168.1.10", "d2")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("private/reserved"), "{msg}");
    assert_eq!(
        em.recorder.received().len(),
        0,
        "refused values never reach the firewall"
    );

    let (em2, _st2, bad) = panos("wrong-pan-key").await;
    let (class, msg) = failed(bad.call(&c, &add("ip", "185.220.101.5", "d3")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("Invalid Credential") && msg.contains("check the API key"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-pan-key"), "{msg}");
    drop(em2);

    for _ in 0..2 {
        em.recorder.fail_next(
            Some("/api/"),
            emulators::Fault::Status {
                status: 503,
                retry_after: None,
                body: json!({}),
            },
        );
    }
    let (class, _) = failed(i.call(&c, &add("ip", "185.220.101.6", "d4")).await);
    assert_eq!(class, ErrorClass::Retryable);
    assert!(st.tags("185.220.101.6").is_empty());
    // An answer that is not a PAN-OS XML response at all.
    em.recorder.fail_next(
        Some("/api/"),
        emulators::Fault::Status {
            status: 200,
            retry_after: None,
            body: json!({"hello": "proxy"}),
        },
    );
    let (class, msg) = failed(i.call(&c, &add("ip", "185.220.101.7", "d5")).await);
    assert_eq!(class, ErrorClass::Retryable);
    assert!(msg.contains("not a PAN-OS XML API response"), "{msg}");
}

// ── Cloudflare ──────────────────────────────────────────────────────────────────────────────

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";

async fn cloudflare(
    token: &str,
    zone: &str,
) -> (
    emulators::Emulator,
    Arc<emulators::cloudflare::Cloudflare>,
    Arc<dyn Integration>,
) {
    let st = emulators::cloudflare::Cloudflare::new("cf-token-abcdef", &[ZONE]);
    let em = emulators::serve(emulators::cloudflare::router(st.clone())).await;
    let i = instance(
        json!({
            "vendor": "cloudflare",
            "url": em.url,
            "credentials": {"api_token": {"file": secret_file(&format!("cf-{token}"), token)}},
            "limits": {"backoff": "1ms", "max_backoff": "2ms", "attempts": 2},
            "options": {"zone_id": zone, "widest_prefix_v4": 16},
        }),
        None,
    );
    (em, st, i)
}

#[tokio::test]
async fn cloudflare_add_reconcile_and_remove() {
    let (em, st, i) = cloudflare("cf-token-abcdef", ZONE).await;
    let c = ctx();
    let a = add("ip", "185.220.101.4", "c1");
    assert_eq!(
        i.reconcile(&c, &a).await,
        Reconciled::NotDone,
        "nothing there yet"
    );
    let r = ok(i.call(&c, &a).await);
    assert_eq!(r["existing"], false);
    let id = r["id"].as_str().unwrap().to_owned();
    let sent = em.recorder.received();
    let post = sent.iter().find(|x| x.method == "POST").unwrap();
    assert_eq!(
        post.path,
        format!("/client/v4/zones/{ZONE}/firewall/access_rules/rules")
    );
    assert_eq!(post.header("authorization"), Some("Bearer cf-token-abcdef"));
    let b = post.json();
    assert_eq!(b["mode"], "block");
    assert_eq!(
        b["configuration"],
        json!({"target": "ip", "value": "185.220.101.4"})
    );
    assert_eq!(b["notes"], "riposte run run-1: c2 beacon");
    match i.reconcile(&c, &a).await {
        Reconciled::Done(v) => assert_eq!(v["id"], id.as_str()),
        other => panic!("expected Done, got {other:?}"),
    }
    // Adding again hits Cloudflare's duplicate error, which means the rule exists.
    let r = ok(i.call(&c, &add("ip", "185.220.101.4", "c2")).await);
    assert_eq!(
        (r["existing"].clone(), r["id"].clone()),
        (json!(true), json!(id))
    );
    assert_eq!(st.values(ZONE), vec!["185.220.101.4"]);
    // Ranges: /24 and /16 are ip_range targets.
    ok(i.call(&c, &add("cidr", "45.155.205.0/24", "c3")).await);
    let rules = st.rules.lock().unwrap().clone();
    assert_eq!(
        rules[1]["configuration"],
        json!({"target": "ip_range", "value": "45.155.205.0/24"})
    );

    let rm = remove("ip", "185.220.101.4", "c4");
    assert_eq!(
        i.reconcile(&c, &rm).await,
        Reconciled::NotDone,
        "still present"
    );
    let r = ok(i.call(&c, &rm).await);
    assert_eq!(r["removed"], json!([id]));
    assert_eq!(st.values(ZONE), vec!["45.155.205.0/24"]);
    assert!(matches!(i.reconcile(&c, &rm).await, Reconciled::Done(_)));
    let r = ok(i.call(&c, &rm).await);
    assert_eq!(r["removed"], json!([]));
    let shown = i.render(&a);
    assert_eq!(shown[0]["body"]["configuration"]["target"], "ip");
    assert!(
        !shown
            .iter()
            .any(|s| s.to_string().contains("cf-token-abcdef"))
    );
}

#[tokio::test]
async fn cloudflare_errors_carry_the_vendor_codes() {
    let (em, st, i) = cloudflare("cf-token-abcdef", ZONE).await;
    let c = ctx();
    let (class, msg) = failed(i.call(&c, &add("cidr", "45.155.205.0/25", "e1")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("/16 or /24"), "{msg}");
    let (class, msg) = failed(i.call(&c, &add("domain", "evil.example.net", "e2")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("edl vendor"), "{msg}");
    assert_eq!(em.recorder.received().len(), 0);

    let (_em2, _, bad) = cloudflare("cf-token-wrong", ZONE).await;
    let (class, msg) = failed(bad.call(&c, &add("ip", "185.220.101.4", "e3")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("HTTP 403")
            && msg.contains("10000: Authentication error")
            && msg.contains("check the API token"),
        "{msg}"
    );
    assert!(!msg.contains("cf-token-wrong"), "{msg}");
    match bad.reconcile(&c, &add("ip", "185.220.101.4", "e3")).await {
        Reconciled::Unknown(why) => assert!(why.contains("Authentication error"), "{why}"),
        other => panic!("expected Unknown, got {other:?}"),
    }

    let (_em3, _, wrong_zone) =
        cloudflare("cf-token-abcdef", "ffffffffffffffffffffffffffffffff").await;
    let (_, msg) = failed(wrong_zone.call(&c, &add("ip", "185.220.101.4", "e4")).await);
    assert!(
        msg.contains("7003") && msg.contains("options.zone_id"),
        "{msg}"
    );

    // success:false inside a 200 is still an error.
    em.recorder.fail_next(
        Some("access_rules"),
        emulators::Fault::Status {
            status: 200,
            retry_after: None,
            body: json!({"success": false, "errors": [{"code": 10014, "message": "firewallaccessrules.api.validation_error"}], "result": null}),
        },
    );
    let (class, msg) = failed(i.call(&c, &add("ip", "185.220.101.5", "e5")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("10014: firewallaccessrules.api.validation_error"),
        "{msg}"
    );
    // Rate limited twice: retryable once the attempts run out, and nothing was created.
    for _ in 0..2 {
        em.recorder.fail_next(
            Some("access_rules"),
            emulators::Fault::Status { status: 429, retry_after: Some(0), body: json!({"success": false, "errors": [{"code": 10000, "message": "rate limited"}]}) },
        );
    }
    let (class, _) = failed(i.call(&c, &add("ip", "185.220.101.6", "e6")).await);
    assert_eq!(class, ErrorClass::Retryable);
    assert!(st.values(ZONE).is_empty());
    let e = build("fw", &cfg(json!({"vendor": "cloudflare", "credentials": {"api_token": {"file": secret_file("cf-x", "tok-1234")}}})), &BuildEnv::default())
        .err()
        .expect("no zone")
        .to_string();
    assert!(e.contains("options.zone_id"), "{e}");
}

// ── OPNsense ────────────────────────────────────────────────────────────────────────────────

async fn opnsense(
    secret: &str,
) -> (
    emulators::Emulator,
    Arc<emulators::opnsense::OpnSense>,
    Arc<dyn Integration>,
) {
    let st = emulators::opnsense::OpnSense::new("opn-key-42", "opn-secret-43", &["riposte_block"]);
    let em = emulators::serve(emulators::opnsense::router(st.clone())).await;
    let i = instance(
        json!({
            "vendor": "opnsense",
            "url": em.url,
            "credentials": {
                "key": {"file": secret_file("opn-key", "opn-key-42")},
                "secret": {"file": secret_file(&format!("opn-{secret}"), secret)},
            },
            "limits": {"backoff": "1ms", "max_backoff": "2ms", "attempts": 2},
            "options": {"alias": "riposte_block"},
        }),
        None,
    );
    (em, st, i)
}

#[tokio::test]
async fn opnsense_add_reconcile_and_remove() {
    let (em, st, i) = opnsense("opn-secret-43").await;
    let c = ctx();
    let a = add("ip", "185.220.101.4", "o1");
    assert_eq!(i.reconcile(&c, &a).await, Reconciled::NotDone);
    let r = ok(i.call(&c, &a).await);
    assert_eq!(r["address"], "185.220.101.4");
    assert_eq!(st.table("riposte_block"), vec!["185.220.101.4"]);
    let post = em
        .recorder
        .received()
        .into_iter()
        .find(|x| x.method == "POST")
        .unwrap();
    assert_eq!(post.path, "/api/firewall/alias_util/add/riposte_block");
    assert_eq!(post.json(), json!({"address": "185.220.101.4"}));
    assert!(post.header("authorization").unwrap().starts_with("Basic "));
    assert!(matches!(i.reconcile(&c, &a).await, Reconciled::Done(_)));
    ok(i.call(&c, &add("cidr", "45.155.205.9/24", "o2")).await);
    assert_eq!(
        st.table("riposte_block"),
        vec!["185.220.101.4", "45.155.205.0/24"]
    );

    let rm = remove("cidr", "45.155.205.0/24", "o3");
    assert_eq!(
        i.reconcile(&c, &rm).await,
        Reconciled::NotDone,
        "still listed"
    );
    ok(i.call(&c, &rm).await);
    assert_eq!(st.table("riposte_block"), vec!["185.220.101.4"]);
    assert!(matches!(i.reconcile(&c, &rm).await, Reconciled::Done(_)));
    let shown = i.render(&a);
    assert_eq!(shown[0]["body"], json!({"address": "185.220.101.4"}));
    assert!(!shown[0].to_string().contains("opn-secret-43"));
}

#[tokio::test]
async fn opnsense_errors() {
    let (em, st, i) = opnsense("opn-secret-43").await;
    let c = ctx();
    let (class, msg) = failed(
        i.call(&c, &add("url", "https://evil.example.net/x", "x1"))
            .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("edl vendor"), "{msg}");
    assert_eq!(em.recorder.received().len(), 0);

    let (_em2, _, bad) = opnsense("wrong-secret-99").await;
    let (class, msg) = failed(bad.call(&c, &add("ip", "185.220.101.4", "x2")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("HTTP 401") && msg.contains("Authentication Failed"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-secret-99"), "{msg}");
    match bad.reconcile(&c, &add("ip", "185.220.101.4", "x2")).await {
        Reconciled::Unknown(why) => assert!(why.contains("401"), "{why}"),
        other => panic!("expected Unknown, got {other:?}"),
    }

    // The alias was deleted on the firewall: the controller reports failure.
    st.aliases.lock().unwrap().clear();
    let (class, msg) = failed(i.call(&c, &add("ip", "185.220.101.4", "x3")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("status `failed`") && msg.contains("alias `riposte_block` exists"),
        "{msg}"
    );
    em.recorder.fail_next(
        Some("alias_util"),
        emulators::Fault::Status {
            status: 502,
            retry_after: None,
            body: json!({}),
        },
    );
    em.recorder.fail_next(
        Some("alias_util"),
        emulators::Fault::Status {
            status: 502,
            retry_after: None,
            body: json!({}),
        },
    );
    let (class, _) = failed(i.call(&c, &add("ip", "185.220.101.4", "x4")).await);
    assert_eq!(class, ErrorClass::Retryable);
}
