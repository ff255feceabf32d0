//! EDR clients against their emulators on 127.0.0.1:0: CrowdStrike Falcon, Defender for
//! Endpoint, SentinelOne, Elastic Defend.
//!
//! Vendor-specific tests check the exact requests (path, query, body, auth header) each client
//! sends; the scenario tests run the same story against all four vendors through a [`Rig`].

use emulators::{Emulator, Fault, crowdstrike as cs, elastic_defend as el, mde, sentinelone as s1};
use integrations::config::InstanceConfig;
use integrations::vendors::{BuildEnv, build};
use integrations::{Ctx, Integration, MemLog, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome, StepKey};
use playbooks::model::Retry;
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const VENDORS: [&str; 4] = ["crowdstrike", "mde", "sentinelone", "elastic_defend"];

const CS_ID: &str = "falcon-client-id";
const CS_SECRET: &str = "falcon-secret-9f8e7d6c";
const MDE_ID: &str = "mde-app-id";
const MDE_SECRET: &str = "mde-secret-1a2b3c4d";
const S1_TOKEN: &str = "s1-token-5e6f7a8b";
const EL_KEY: &str = "ZWxhc3RpYy1rZXktaWQ6c2VjcmV0";

/// A credential file holding `value` (secrets are never inline in the configuration).
fn secret_file(value: &str) -> Json {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = crate::secret_path("edr");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(format!("secret-{}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&p, value).expect("write secret");
    json!({"file": p})
}

fn instance(vendor: &str, url: &str, credentials: Json, options: Json) -> InstanceConfig {
    serde_json::from_value(json!({
        "vendor": vendor,
        "url": url,
        "credentials": credentials,
        "limits": {"attempts": 3, "backoff": "1ms", "max_backoff": "2ms", "per_second": 100000.0, "timeout": "10s"},
        "options": options,
    }))
    .expect("instance config")
}

fn call(capability: &str, host: &str) -> CallRequest {
    call_with(capability, json!({"host": host}))
}

fn call_with(capability: &str, params: Json) -> CallRequest {
    CallRequest {
        key: StepKey {
            step: "contain".into(),
            item: None,
        },
        capability: capability.into(),
        mutates: capability != "edr.host_info",
        params,
        idempotency_key: "run-1/contain".into(),
        timeout: Duration::from_secs(30),
        retry: Retry::default(),
    }
}

fn ctx() -> Ctx {
    Ctx::detached(Arc::new(MemLog::default()))
}

fn ok(o: Outcome) -> Json {
    match o {
        Outcome::Ok { result } => result,
        other => panic!("expected Ok, got {other:?}"),
    }
}

fn failed(o: Outcome) -> (ErrorClass, String) {
    match o {
        Outcome::Failed { class, message } => (class, message),
        other => panic!("expected Failed, got {other:?}"),
    }
}

enum Emu {
    Cs(Arc<cs::State>),
    Mde(Arc<mde::State>),
    S1(Arc<s1::State>),
    El(Arc<el::State>),
}

/// One vendor's emulator and client, and how to seed and read its state.
struct Rig {
    vendor: &'static str,
    emu: Emulator,
    st: Emu,
    edr: Arc<dyn Integration>,
    /// The secret the client was configured with.
    secret: &'static str,
}

impl Rig {
    async fn new(vendor: &'static str) -> Rig {
        Rig::with(vendor, true, json!({})).await
    }

    /// `good`: configure the credentials the emulator expects (or wrong ones).
    async fn with(vendor: &'static str, good: bool, extra_options: Json) -> Rig {
        let (st, router) = match vendor {
            "crowdstrike" => {
                let s = cs::State::new(CS_ID, CS_SECRET);
                (Emu::Cs(s.clone()), cs::router(s))
            }
            "mde" => {
                let s = mde::State::new(MDE_ID, MDE_SECRET);
                (Emu::Mde(s.clone()), mde::router(s))
            }
            "sentinelone" => {
                let s = s1::State::new(S1_TOKEN);
                (Emu::S1(s.clone()), s1::router(s))
            }
            "elastic_defend" => {
                let s = el::State::new(EL_KEY);
                (Emu::El(s.clone()), el::router(s))
            }
            v => panic!("unknown vendor {v}"),
        };
        let emu = emulators::serve(router).await;
        let mut options = json!({"poll_attempts": 3, "poll_interval": "1ms"});
        if let (Some(o), Some(e)) = (options.as_object_mut(), extra_options.as_object()) {
            o.extend(e.clone());
        }
        let secret: &'static str = match (vendor, good) {
            ("crowdstrike", true) => CS_SECRET,
            ("mde", true) => MDE_SECRET,
            ("sentinelone", true) => S1_TOKEN,
            ("elastic_defend", true) => EL_KEY,
            _ => "wrong-secret-0000",
        };
        let credentials = match vendor {
            "crowdstrike" => {
                json!({"client_id": secret_file(CS_ID), "client_secret": secret_file(secret)})
            }
            "mde" => {
                options["token_url"] = json!(format!("{}/tenant-1/oauth2/v2.0/token", emu.url));
                json!({"client_id": secret_file(MDE_ID), "client_secret": secret_file(secret)})
            }
            "sentinelone" => json!({"api_token": secret_file(secret)}),
            _ => json!({"api_key": secret_file(secret)}),
        };
        let cfg = instance(vendor, &emu.url, credentials, options);
        let edr = build("edr-under-test", &cfg, &BuildEnv::default()).expect("build");
        Rig {
            vendor,
            emu,
            st,
            edr,
            secret,
        }
    }

    /// A host, contained or not.
    fn seed(&self, id: &str, host: &str, contained: bool) {
        match &self.st {
            Emu::Cs(s) => s.add_device(id, host, if contained { "contained" } else { "normal" }),
            Emu::Mde(s) => {
                s.add_machine(id, host);
                if contained {
                    s.seed_action(id, "Isolate", "Succeeded");
                }
            }
            Emu::S1(s) => s.add_agent(
                id,
                host,
                if contained {
                    "disconnected"
                } else {
                    "connected"
                },
            ),
            Emu::El(s) => s.add_endpoint(id, host, contained),
        }
    }

    /// A host whose containment was requested and is not finished.
    fn seed_pending(&self, id: &str, host: &str) {
        match &self.st {
            Emu::Cs(s) => s.add_device(id, host, "containment_pending"),
            Emu::Mde(s) => {
                s.add_machine(id, host);
                s.seed_action(id, "Isolate", "Pending");
            }
            Emu::S1(s) => s.add_agent(id, host, "disconnecting"),
            Emu::El(s) => {
                s.add_endpoint(id, host, false);
                s.seed_pending(id, "isolate");
            }
        }
    }

    fn contained(&self, id: &str) -> bool {
        match &self.st {
            Emu::Cs(s) => s.status(id).as_deref() == Some("contained"),
            Emu::Mde(s) => s.isolated(id) == Some(true),
            Emu::S1(s) => s.network_status(id).as_deref() == Some("disconnected"),
            Emu::El(s) => s.isolated(id) == Some(true),
        }
    }

    /// Contained, or containment requested and under way.
    fn contained_or_pending(&self, id: &str) -> bool {
        match &self.st {
            Emu::Cs(s) => matches!(
                s.status(id).as_deref(),
                Some("contained" | "containment_pending")
            ),
            Emu::Mde(s) => {
                s.isolated(id) == Some(true)
                    || s.actions().iter().any(|a| {
                        a["machineId"] == id && a["type"] == "Isolate" && a["status"] == "Pending"
                    })
            }
            Emu::S1(s) => matches!(
                s.network_status(id).as_deref(),
                Some("disconnected" | "disconnecting")
            ),
            Emu::El(s) => {
                s.isolated(id) == Some(true)
                    || s.actions().iter().any(|a| {
                        a["agents"][0] == id
                            && a["command"] == "isolate"
                            && a["isCompleted"] == false
                    })
            }
        }
    }

    /// Containment / release requests the emulator received.
    fn action_posts(&self) -> usize {
        let frag = match self.vendor {
            "crowdstrike" => "/devices/entities/devices-actions/v2",
            "mde" => "isolate",
            "sentinelone" => "/agents/actions/",
            _ => "/api/endpoint/action/",
        };
        self.emu.recorder.count("POST", frag)
    }

    fn token_requests(&self) -> usize {
        self.emu.recorder.count("POST", "oauth2")
    }

    /// The path of the host-name lookup (for fault injection).
    fn lookup_path(&self) -> &'static str {
        match self.vendor {
            "crowdstrike" => "/devices/queries/devices/v1",
            "mde" => "/api/machines",
            "sentinelone" => "/web/api/v2.1/agents",
            _ => "/api/endpoint/metadata",
        }
    }

    /// The vendor's 403 answer, whose message echoes the configured secret.
    fn forbidden(&self, message: &str) -> Json {
        let m = format!("{message} (caller {})", self.secret);
        match self.vendor {
            "crowdstrike" => {
                json!({"meta": {}, "resources": [], "errors": [{"code": 403, "message": m}]})
            }
            "mde" => json!({"error": {"code": "Forbidden", "message": m, "target": "t-1"}}),
            "sentinelone" => {
                json!({"errors": [{"code": 4030010, "title": "Forbidden", "detail": m}]})
            }
            _ => json!({"statusCode": 403, "error": "Forbidden", "message": m}),
        }
    }

    async fn run(&self, capability: &str, host: &str) -> Outcome {
        self.edr.call(&ctx(), &call(capability, host)).await
    }
}

// ── CrowdStrike: exact requests ─────────────────────────────────────────────────────────────

#[tokio::test]
async fn crowdstrike_isolate_sends_documented_requests_and_confirms() {
    let r = Rig::new("crowdstrike").await;
    r.seed("aid-1", "WS-01", false);
    r.seed("aid-2", "WS-02", false);
    let res = ok(r.run("edr.isolate_host", "WS-01").await);
    assert_eq!(res["device_id"], "aid-1");
    assert_eq!(res["status"], "contained");
    assert_eq!(res["confirmed"], true);
    assert!(res.get("already").is_none(), "{res}");
    assert!(r.contained("aid-1"));
    assert!(!r.contained("aid-2"), "only the named host is contained");

    let rx = r.emu.recorder.received();
    let token = rx
        .iter()
        .find(|q| q.path == "/oauth2/token")
        .expect("token request");
    assert!(
        token.body.contains("client_id=falcon-client-id"),
        "{}",
        token.body
    );
    assert!(
        token.body.contains("grant_type=client_credentials"),
        "{}",
        token.body
    );
    let q = rx
        .iter()
        .find(|q| q.path.starts_with("/devices/queries/devices/v1"))
        .expect("device query");
    assert_eq!(q.query, "filter=hostname:'WS-01'&limit=20");
    assert_eq!(q.header("authorization"), Some("Bearer falcon-token-1"));
    let post: Vec<_> = rx
        .iter()
        .filter(|q| q.method == "POST" && q.path.contains("devices-actions"))
        .collect();
    assert_eq!(post.len(), 1);
    assert_eq!(
        post[0].path,
        "/devices/entities/devices-actions/v2?action_name=contain"
    );
    assert_eq!(post[0].json(), json!({"ids": ["aid-1"]}));
    assert_eq!(
        post[0].header("authorization"),
        Some("Bearer falcon-token-1")
    );
}

#[tokio::test]
async fn crowdstrike_release_lifts_containment() {
    let r = Rig::new("crowdstrike").await;
    r.seed("aid-1", "WS-01", true);
    let res = ok(r.run("edr.release_host", "ws-01").await);
    assert_eq!(res["status"], "normal");
    assert_eq!(res["confirmed"], true);
    let Emu::Cs(s) = &r.st else { unreachable!() };
    assert_eq!(s.status("aid-1").as_deref(), Some("normal"));
    let post = r
        .emu
        .recorder
        .received()
        .into_iter()
        .find(|q| q.method == "POST" && q.path.contains("devices-actions"))
        .expect("action");
    assert_eq!(
        post.path,
        "/devices/entities/devices-actions/v2?action_name=lift_containment"
    );
    assert_eq!(post.json(), json!({"ids": ["aid-1"]}));
}

// ── Defender for Endpoint: exact requests, short names ──────────────────────────────────────

#[tokio::test]
async fn mde_isolate_sends_documented_requests_and_polls_the_action() {
    let r = Rig::new("mde").await;
    r.seed("m-1", "ws-01.corp.local", false);
    let req = call_with(
        "edr.isolate_host",
        json!({"host": "WS-01.corp.local", "comment": "phishing payload"}),
    );
    let res = ok(r.edr.call(&ctx(), &req).await);
    let Emu::Mde(s) = &r.st else { unreachable!() };
    let actions = s.actions();
    assert_eq!(actions.len(), 1);
    assert_eq!(res["action_id"], actions[0]["id"]);
    assert_eq!(res["status"], "Succeeded");
    assert_eq!(res["confirmed"], true);
    assert_eq!(actions[0]["type"], "Isolate");
    assert!(r.contained("m-1"));

    let rx = r.emu.recorder.received();
    let token = rx
        .iter()
        .find(|q| q.path == "/tenant-1/oauth2/v2.0/token")
        .expect("token request");
    assert!(
        token
            .body
            .contains("scope=https%3A%2F%2Fapi.securitycenter.microsoft.com%2F.default"),
        "{}",
        token.body
    );
    let lookup = rx
        .iter()
        .find(|q| q.path.starts_with("/api/machines?"))
        .expect("lookup");
    assert_eq!(
        lookup.query,
        "$filter=computerDnsName eq 'ws-01.corp.local'"
    );
    let post = rx
        .iter()
        .find(|q| q.method == "POST" && q.path.starts_with("/api/"))
        .expect("isolate");
    assert_eq!(post.path, "/api/machines/m-1/isolate");
    assert_eq!(
        post.json(),
        json!({"Comment": "phishing payload", "IsolationType": "Full"})
    );
    assert_eq!(post.header("authorization"), Some("Bearer mde-token-1"));
    let poll = format!("/api/machineactions/{}", actions[0]["id"].as_str().unwrap());
    assert_eq!(r.emu.recorder.count("GET", &poll), 1);
}

#[tokio::test]
async fn mde_release_posts_unisolate_with_comment_only() {
    let r = Rig::new("mde").await;
    r.seed("m-1", "ws-01.corp.local", true);
    let res = ok(r.run("edr.release_host", "ws-01.corp.local").await);
    assert_eq!(res["status"], "Succeeded");
    assert!(!r.contained("m-1"));
    let post = r
        .emu
        .recorder
        .received()
        .into_iter()
        .find(|q| q.method == "POST" && q.path.starts_with("/api/"))
        .expect("unisolate");
    assert_eq!(post.path, "/api/machines/m-1/unisolate");
    assert_eq!(
        post.json(),
        json!({"Comment": "Riposte playbook step contain"})
    );
}

#[tokio::test]
async fn mde_matches_short_names_and_fqdns_but_never_guesses() {
    let r = Rig::new("mde").await;
    r.seed("m-7", "ws-07.corp.local", false);
    r.seed("m-8a", "ws-08.a.local", false);
    r.seed("m-8b", "ws-08.b.local", false);
    r.seed("m-9", "ws-09", false);
    // A short name finds the one FQDN it starts.
    assert_eq!(
        ok(r.run("edr.host_info", "WS-07").await)["device_id"],
        "m-7"
    );
    // An FQDN finds a machine registered under its short name.
    assert_eq!(
        ok(r.run("edr.host_info", "ws-09.corp.local").await)["device_id"],
        "m-9"
    );
    // A short name shared by two domains is ambiguous.
    let (class, msg) = failed(r.run("edr.isolate_host", "ws-08").await);
    assert_eq!(class, ErrorClass::NeedsHuman);
    assert!(msg.contains("m-8a") && msg.contains("m-8b"), "{msg}");
    // A prefix that is not a whole label matches nothing.
    let (class, _) = failed(r.run("edr.isolate_host", "ws-0").await);
    assert_eq!(class, ErrorClass::NeedsHuman);
    assert_eq!(r.action_posts(), 0);
}

// ── SentinelOne: exact requests ─────────────────────────────────────────────────────────────

#[tokio::test]
async fn sentinelone_disconnect_sends_documented_requests() {
    let r = Rig::new("sentinelone").await;
    r.seed("s1-1", "WS-01", false);
    r.seed("s1-2", "WS-010", false);
    let res = ok(r.run("edr.isolate_host", "WS-01").await);
    assert_eq!(res["device_id"], "s1-1");
    assert_eq!(res["status"], "disconnected");
    assert!(r.contained("s1-1"));
    assert!(!r.contained("s1-2"));
    let rx = r.emu.recorder.received();
    let lookup = rx.iter().find(|q| q.method == "GET").expect("lookup");
    assert_eq!(
        lookup.path,
        "/web/api/v2.1/agents?computerName=WS-01&limit=20"
    );
    assert_eq!(
        lookup.header("authorization"),
        Some("ApiToken s1-token-5e6f7a8b")
    );
    let post = rx.iter().find(|q| q.method == "POST").expect("disconnect");
    assert_eq!(post.path, "/web/api/v2.1/agents/actions/disconnect");
    assert_eq!(post.json(), json!({"filter": {"ids": ["s1-1"]}}));
    assert_eq!(
        post.header("authorization"),
        Some("ApiToken s1-token-5e6f7a8b")
    );
    assert_eq!(
        r.emu.recorder.count("GET", "/web/api/v2.1/agents?ids=s1-1"),
        1
    );
}

#[tokio::test]
async fn sentinelone_release_reconnects() {
    let r = Rig::new("sentinelone").await;
    r.seed("s1-1", "WS-01", true);
    let res = ok(r.run("edr.release_host", "WS-01").await);
    assert_eq!(res["status"], "connected");
    let Emu::S1(s) = &r.st else { unreachable!() };
    assert_eq!(s.network_status("s1-1").as_deref(), Some("connected"));
    assert_eq!(
        r.emu
            .recorder
            .count("POST", "/web/api/v2.1/agents/actions/connect"),
        1
    );
}

// ── Elastic Defend: exact requests, space ───────────────────────────────────────────────────

#[tokio::test]
async fn elastic_isolate_sends_documented_requests_with_xsrf() {
    let r = Rig::new("elastic_defend").await;
    r.seed("agent-1", "ws-01", false);
    let req = call_with(
        "edr.isolate_host",
        json!({"host": "ws-01", "comment": "ransomware"}),
    );
    let res = ok(r.edr.call(&ctx(), &req).await);
    let Emu::El(s) = &r.st else { unreachable!() };
    let actions = s.actions();
    assert_eq!(actions.len(), 1);
    assert_eq!(res["action_id"], actions[0]["id"]);
    assert_eq!(res["status"], "successful");
    assert!(r.contained("agent-1"));
    let rx = r.emu.recorder.received();
    let lookup = rx
        .iter()
        .find(|q| q.path.starts_with("/api/endpoint/metadata"))
        .expect("lookup");
    assert_eq!(
        lookup.query,
        "kuery=united.endpoint.host.hostname:\"ws-01\"&page=0&pageSize=20"
    );
    let post = rx.iter().find(|q| q.method == "POST").expect("isolate");
    assert_eq!(post.path, "/api/endpoint/action/isolate");
    assert_eq!(
        post.json(),
        json!({"endpoint_ids": ["agent-1"], "comment": "ransomware"})
    );
    assert!(post.header("kbn-xsrf").is_some());
    assert_eq!(
        post.header("authorization"),
        Some(format!("ApiKey {EL_KEY}").as_str())
    );
}

#[tokio::test]
async fn elastic_release_in_a_space() {
    let r = Rig::with("elastic_defend", true, json!({"space": "soc"})).await;
    r.seed("agent-1", "ws-01", true);
    let res = ok(r.run("edr.release_host", "ws-01").await);
    assert_eq!(res["confirmed"], true);
    assert!(!r.contained("agent-1"));
    assert_eq!(
        r.emu
            .recorder
            .count("POST", "/s/soc/api/endpoint/action/unisolate"),
        1
    );
    assert_eq!(
        r.emu.recorder.count("GET", "/s/soc/api/endpoint/metadata"),
        1
    );
    assert_eq!(
        r.emu.recorder.count("GET", "/api/endpoint/metadata"),
        1,
        "no request outside the space"
    );
}

// ── Every vendor: the same stories ──────────────────────────────────────────────────────────

#[tokio::test]
async fn already_contained_or_pending_hosts_are_skipped() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", true);
        r.seed_pending("d-2", "ws-02");
        for (host, id) in [("ws-01", "d-1"), ("ws-02", "d-2")] {
            let res = ok(r.run("edr.isolate_host", host).await);
            assert_eq!(res["already"], true, "{v} {host}: {res}");
            assert_eq!(res["device_id"], id, "{v}");
        }
        assert_eq!(r.action_posts(), 0, "{v}: nothing posted");
    }
}

#[tokio::test]
async fn release_skips_hosts_not_contained() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", false);
        let res = ok(r.run("edr.release_host", "ws-01").await);
        assert_eq!(res["already"], true, "{v}: {res}");
        assert_eq!(r.action_posts(), 0, "{v}");
        assert!(!r.contained("d-1"), "{v}");
    }
}

#[tokio::test]
async fn unknown_or_ambiguous_host_needs_a_human() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", false);
        r.seed("d-2", "dup", false);
        r.seed("d-3", "DUP", false);
        for cap in ["edr.isolate_host", "edr.release_host", "edr.host_info"] {
            let (class, msg) = failed(r.run(cap, "ws-99").await);
            assert_eq!(class, ErrorClass::NeedsHuman, "{v} {cap}");
            assert!(msg.contains("host `ws-99` not found in"), "{v}: {msg}");
        }
        let (class, msg) = failed(r.run("edr.isolate_host", "dup").await);
        assert_eq!(class, ErrorClass::NeedsHuman, "{v}");
        assert!(
            msg.contains("matches 2 devices") && msg.contains("d-2") && msg.contains("d-3"),
            "{v}: {msg}"
        );
        assert_eq!(r.action_posts(), 0, "{v}");
        assert!(!r.contained("d-1") && !r.contained("d-2"), "{v}");
    }
}

#[tokio::test]
async fn hostile_host_names_stay_inside_the_filter() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        let odd = r#"q'uo"te\host"#;
        r.seed("d-odd", odd, false);
        r.seed("d-1", "ws-01", false);
        // Found exactly, through each query language's quoting.
        let res = ok(r.run("edr.host_info", odd).await);
        assert_eq!(res["device_id"], "d-odd", "{v}");
        assert_eq!(res["contained"], false, "{v}");
        // Attempts to end the literal and widen the filter find nothing (and are not a 400).
        for evil in [
            "x' or hostname:'ws-01",
            "x' or computerDnsName eq 'ws-01",
            r#"x" or united.endpoint.host.hostname:"ws-01"#,
            "ws-01&computerName=ws-01",
            r"ws-01\",
        ] {
            let (class, msg) = failed(r.run("edr.isolate_host", evil).await);
            assert_eq!(class, ErrorClass::NeedsHuman, "{v} {evil}: {msg}");
        }
        assert_eq!(r.action_posts(), 0, "{v}");
    }
}

#[tokio::test]
async fn rate_limited_lookup_is_retried_after_retry_after() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", false);
        r.emu.recorder.fail_next(
            Some(r.lookup_path()),
            Fault::Status {
                status: 429,
                retry_after: Some(1),
                body: json!({"errors": [{"code": 429, "message": "API rate limit exceeded."}]}),
            },
        );
        let res = ok(r.run("edr.isolate_host", "ws-01").await);
        assert_eq!(res["confirmed"], true, "{v}: {res}");
        assert!(r.contained("d-1"), "{v}");
        let lookups = r
            .emu
            .recorder
            .received()
            .iter()
            .filter(|q| {
                q.method == "GET" && q.path.starts_with(r.lookup_path()) && !q.path.contains("ids=")
            })
            .count();
        assert_eq!(lookups, 2, "{v}: the 429 and the retry");
        assert_eq!(r.action_posts(), 1, "{v}");
    }
}

#[tokio::test]
async fn bad_credentials_fail_permanently_with_the_vendor_message() {
    for v in VENDORS {
        let r = Rig::with(v, false, json!({})).await;
        r.seed("d-1", "ws-01", false);
        let (class, msg) = failed(r.run("edr.isolate_host", "ws-01").await);
        assert_eq!(class, ErrorClass::Permanent, "{v}: {msg}");
        let vendor_says = match v {
            "crowdstrike" => "access denied, invalid client credentials",
            "mde" => "invalid_client",
            "sentinelone" => "Authentication failed: invalid or expired API token",
            _ => "unable to authenticate with provided credentials",
        };
        assert!(msg.contains(vendor_says), "{v}: {msg}");
        assert!(msg.contains("401"), "{v}: {msg}");
        assert!(!msg.contains("wrong-secret-0000"), "{v}: {msg}");
        assert_eq!(r.action_posts(), 0, "{v}");
    }
}

#[tokio::test]
async fn forbidden_is_permanent_and_secrets_are_scrubbed() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", false);
        r.emu.recorder.fail_next(
            Some(r.lookup_path()),
            Fault::Status {
                status: 403,
                retry_after: None,
                body: r.forbidden("missing permission Hosts:write"),
            },
        );
        let (class, msg) = failed(r.run("edr.isolate_host", "ws-01").await);
        assert_eq!(class, ErrorClass::Permanent, "{v}: {msg}");
        assert!(msg.contains("403"), "{v}: {msg}");
        assert!(msg.contains("missing permission Hosts:write"), "{v}: {msg}");
        assert!(!msg.contains(r.secret), "{v}: secret leaked: {msg}");
        assert_eq!(r.action_posts(), 0, "{v}");
        assert!(!r.contained("d-1"), "{v}");
    }
}

#[tokio::test]
async fn reconcile_reads_containment_from_the_edr() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-in", "ws-in", true);
        r.seed("d-out", "ws-out", false);
        r.seed_pending("d-pend", "ws-pend");
        let c = ctx();
        match r
            .edr
            .reconcile(&c, &call("edr.isolate_host", "ws-in"))
            .await
        {
            Reconciled::Done(res) => assert_eq!(res["device_id"], "d-in", "{v}"),
            other => panic!("{v}: {other:?}"),
        }
        assert!(
            matches!(
                r.edr
                    .reconcile(&c, &call("edr.isolate_host", "ws-pend"))
                    .await,
                Reconciled::Done(_)
            ),
            "{v}: a pending containment was sent"
        );
        assert_eq!(
            r.edr
                .reconcile(&c, &call("edr.isolate_host", "ws-out"))
                .await,
            Reconciled::NotDone,
            "{v}"
        );
        assert!(
            matches!(
                r.edr
                    .reconcile(&c, &call("edr.release_host", "ws-out"))
                    .await,
                Reconciled::Done(_)
            ),
            "{v}"
        );
        assert_eq!(
            r.edr
                .reconcile(&c, &call("edr.release_host", "ws-in"))
                .await,
            Reconciled::NotDone,
            "{v}"
        );
        match r
            .edr
            .reconcile(&c, &call("edr.isolate_host", "ws-gone"))
            .await
        {
            Reconciled::Unknown(why) => assert!(why.contains("not found"), "{v}: {why}"),
            other => panic!("{v}: {other:?}"),
        }
        r.emu.recorder.fail_next(
            Some(r.lookup_path()),
            Fault::Status {
                status: 403,
                retry_after: None,
                body: r.forbidden("no read permission"),
            },
        );
        match r
            .edr
            .reconcile(&c, &call("edr.isolate_host", "ws-in"))
            .await
        {
            Reconciled::Unknown(why) => {
                assert!(why.contains("no read permission"), "{v}: {why}");
                assert!(!why.contains(r.secret), "{v}: {why}");
            }
            other => panic!("{v}: {other:?}"),
        }
        assert_eq!(r.action_posts(), 0, "{v}: reconcile never acts");
    }
}

#[tokio::test]
async fn oauth2_token_is_fetched_once_for_several_calls() {
    for v in ["crowdstrike", "mde"] {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", false);
        ok(r.run("edr.host_info", "ws-01").await);
        ok(r.run("edr.isolate_host", "ws-01").await);
        assert!(r.contained("d-1"), "{v}");
        assert_eq!(r.token_requests(), 1, "{v}");
        let issued = match &r.st {
            Emu::Cs(s) => s.tokens_issued(),
            Emu::Mde(s) => s.tokens_issued(),
            _ => unreachable!(),
        };
        assert_eq!(issued, 1, "{v}");
    }
}

#[tokio::test]
async fn lost_answer_to_the_action_is_checked_before_failing() {
    // The vendor acts, the answer is lost (502): the shared client does not repeat the POST;
    // the EDR client looks the host up and ends with the host contained, saying so.
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", false);
        let action_path = match v {
            "crowdstrike" => "/devices/entities/devices-actions/v2",
            "mde" => "/api/machines/d-1/isolate",
            "sentinelone" => "/web/api/v2.1/agents/actions/disconnect",
            _ => "/api/endpoint/action/isolate",
        };
        r.emu
            .recorder
            .fail_next(Some(action_path), Fault::AfterEffect { status: 502 });
        let res = ok(r.run("edr.isolate_host", "ws-01").await);
        assert_eq!(res["contained"], true, "{v}: {res}");
        assert!(r.contained_or_pending("d-1"), "{v}");
        assert_eq!(
            r.action_posts(),
            1,
            "{v}: a POST whose answer was lost is never blindly repeated"
        );
        // The client looked and found the effect in place.
        assert!(
            res["recovered_from"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}: {res}"
        );
    }
}

#[tokio::test]
async fn host_info_reports_device_facts() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        r.seed("d-1", "ws-01", true);
        let res = ok(r.run("edr.host_info", "WS-01").await);
        assert_eq!(res["device_id"], "d-1", "{v}");
        assert_eq!(res["contained"], true, "{v}");
        assert_eq!(res["vendor"], v);
        assert!(
            res["facts"].as_object().is_some_and(|f| !f.is_empty()),
            "{v}: {res}"
        );
        assert_eq!(r.action_posts(), 0, "{v}");
    }
}

#[tokio::test]
async fn polling_is_bounded_and_unconfirmed_results_say_so() {
    for v in VENDORS {
        let r = Rig::with(v, true, json!({"poll_attempts": 0})).await;
        r.seed("d-1", "ws-01", false);
        let res = ok(r.run("edr.isolate_host", "ws-01").await);
        assert_eq!(res["confirmed"], false, "{v}: {res}");
        assert_eq!(res["contained"], true, "{v}");
        assert_eq!(r.action_posts(), 1, "{v}");
    }
}

#[tokio::test]
async fn render_lists_the_requests_with_placeholders_and_no_secrets() {
    for v in VENDORS {
        let r = Rig::new(v).await;
        let iso = r.edr.render(&call_with(
            "edr.isolate_host",
            json!({"host": "ws-01", "comment": "why"}),
        ));
        let text = serde_json::to_string(&iso).unwrap();
        assert!(!text.contains(r.secret), "{v}: {text}");
        let posts: Vec<&Json> = iso.iter().filter(|x| x["method"] == "POST").collect();
        assert_eq!(posts.len(), 1, "{v}: {text}");
        assert!(posts[0].to_string().contains("<device id>"), "{v}: {text}");
        assert!(
            iso[0]["url"].as_str().unwrap().starts_with(&r.emu.url),
            "{v}: {text}"
        );
        assert!(
            iso[0]["url"].as_str().unwrap().contains("ws-01"),
            "{v}: {text}"
        );
        let info = r.edr.render(&call("edr.host_info", "ws-01"));
        assert!(info.iter().all(|x| x["method"] == "GET"), "{v}");
        assert!(info.len() < iso.len(), "{v}");
        assert!(
            r.emu.recorder.received().is_empty(),
            "{v}: render sends nothing"
        );
    }
    let r = Rig::new("crowdstrike").await;
    let iso = r.edr.render(&call("edr.isolate_host", "ws-01"));
    let urls: Vec<String> = iso
        .iter()
        .map(|x| x["url"].as_str().unwrap().replacen(&r.emu.url, "", 1))
        .collect();
    assert_eq!(
        urls,
        [
            "/devices/queries/devices/v1?filter=hostname%3A%27ws-01%27&limit=20",
            "/devices/entities/devices/v2?ids=<device id>",
            "/devices/entities/devices-actions/v2?action_name=contain",
            "/devices/entities/devices/v2?ids=<device id>",
        ]
    );
    assert_eq!(iso[2]["body"], json!({"ids": ["<device id>"]}));
}

#[test]
fn configuration_errors_name_what_is_missing() {
    let cfg = instance(
        "mde",
        "https://api.securitycenter.microsoft.com",
        json!({}),
        json!({}),
    );
    let e = build("defender", &cfg, &BuildEnv::default())
        .err()
        .expect("no tenant")
        .to_string();
    assert!(e.contains("options.tenant"), "{e}");
    let cfg = instance(
        "crowdstrike",
        "https://api.crowdstrike.com",
        json!({"client_id": secret_file("x")}),
        json!({}),
    );
    let e = build("falcon", &cfg, &BuildEnv::default())
        .err()
        .expect("no secret")
        .to_string();
    assert!(e.contains("credentials.client_secret"), "{e}");
    let cfg = instance(
        "sentinelone",
        "https://x.sentinelone.net",
        json!({"api_token": secret_file("t0ken-value")}),
        json!({"poll_interval": "soon"}),
    );
    let e = build("s1", &cfg, &BuildEnv::default())
        .err()
        .expect("bad interval")
        .to_string();
    assert!(e.contains("options.poll_interval"), "{e}");
}
