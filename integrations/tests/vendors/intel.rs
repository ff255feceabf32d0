//! Threat-intel clients (VirusTotal v3, MISP) against their emulators.

use emulators::{Fault, misp as emisp, virustotal as evt};
use integrations::config::InstanceConfig;
use integrations::vendors::virustotal::base64url;
use integrations::vendors::{BuildEnv, build};
use integrations::{Ctx, Integration, MemLog, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome, StepKey};
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static N: AtomicU32 = AtomicU32::new(0);

fn secret_file(value: &str) -> String {
    let p = crate::secret_path(&format!("intel-{}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&p, value).unwrap();
    p.to_string_lossy().into_owned()
}

fn integration(vendor: &str, url: &str, key: &str, options: Json) -> Arc<dyn Integration> {
    let cfg: InstanceConfig = serde_json::from_value(json!({
        "vendor": vendor,
        "url": url,
        "credentials": {"api_key": {"file": secret_file(key)}},
        "limits": {"attempts": 3, "backoff": "1ms", "max_backoff": "2ms", "per_second": 1000.0},
        "options": options,
    }))
    .unwrap();
    build("intel", &cfg, &BuildEnv::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn ctx() -> Ctx {
    Ctx::detached(Arc::new(MemLog::default()))
}

fn lookup(kind: &str, value: &str) -> CallRequest {
    CallRequest {
        key: StepKey {
            step: "rep".into(),
            item: None,
        },
        capability: "intel.lookup".into(),
        mutates: false,
        params: json!({"type": kind, "value": value}),
        idempotency_key: "riposte-idem-rep".into(),
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

const SHA256: &str = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

#[test]
fn url_ids_are_unpadded_base64url() {
    assert_eq!(
        base64url(b"http://example.com/"),
        "aHR0cDovL2V4YW1wbGUuY29tLw"
    );
    // Characters that differ between base64 and base64url.
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    assert_eq!(base64url(b""), "");
}

#[tokio::test]
async fn virustotal_verdicts_for_each_indicator_kind() {
    let (emu, state) = evt::start().await;
    let url = "http://evil.example/dl?x=1&y=<2>";
    {
        let mut s = state.lock().unwrap();
        s.add_file(SHA256, 52, 0, 0, 20);
        s.add_ip("203.0.113.7", 0, 2, 60, 10);
        s.add_domain("example.org", 0, 0, 70, 5);
        s.add_url(url, "vt-url-sha256-id", 1, 0, 80, 0);
        s.add_domain("quiet.example", 0, 0, 0, 0);
    }
    let vt = integration("virustotal", &emu.url, evt::API_KEY, json!({}));
    let c = ctx();

    let f = ok(vt.call(&c, &lookup("hash", &SHA256.to_uppercase())).await);
    assert_eq!(f["verdict"], "malicious");
    assert_eq!(
        (
            f["malicious"].as_u64(),
            f["suspicious"].as_u64(),
            f["harmless"].as_u64()
        ),
        (Some(52), Some(0), Some(0))
    );
    assert_eq!(
        f["link"],
        format!("https://www.virustotal.com/gui/file/{SHA256}")
    );
    let first = &emu.recorder.received()[0];
    assert_eq!(first.path, format!("/api/v3/files/{SHA256}"));
    assert_eq!(first.header("x-apikey"), Some(evt::API_KEY));

    let ip = ok(vt.call(&c, &lookup("ip", "203.0.113.7")).await);
    assert_eq!(ip["verdict"], "suspicious");
    assert_eq!(ip["suspicious"], 2);
    assert_eq!(ip["harmless"], 60);

    let d = ok(vt.call(&c, &lookup("domain", "Example.org.")).await);
    assert_eq!(d["verdict"], "harmless");
    assert_eq!(
        d["link"],
        "https://www.virustotal.com/gui/domain/example.org"
    );

    let u = ok(vt.call(&c, &lookup("url", url)).await);
    assert_eq!(u["verdict"], "malicious");
    assert_eq!(
        u["link"],
        "https://www.virustotal.com/gui/url/vt-url-sha256-id"
    );
    assert_eq!(
        emu.recorder.count(
            "GET",
            &format!("/api/v3/urls/{}", base64url(url.as_bytes()))
        ),
        1
    );

    let q = ok(vt.call(&c, &lookup("domain", "quiet.example")).await);
    assert_eq!(q["verdict"], "unknown", "no engine has an opinion");
    assert_eq!(q["found"], true);
}

#[tokio::test]
async fn virustotal_threshold_option() {
    let (emu, state) = evt::start().await;
    state.lock().unwrap().add_file(SHA256, 2, 0, 50, 10);
    let strict = integration(
        "virustotal",
        &emu.url,
        evt::API_KEY,
        json!({"malicious_threshold": 3}),
    );
    let r = ok(strict.call(&ctx(), &lookup("hash", SHA256)).await);
    assert_eq!(r["verdict"], "suspicious");
    assert_eq!(r["malicious"], 2);
}

#[tokio::test]
async fn virustotal_404_is_unknown_not_an_error() {
    let (emu, _state) = evt::start().await;
    let vt = integration("virustotal", &emu.url, evt::API_KEY, json!({}));
    let r = ok(vt.call(&ctx(), &lookup("hash", SHA256)).await);
    assert_eq!(r["verdict"], "unknown");
    assert_eq!(r["found"], false);
    assert_eq!(r["malicious"], 0);
    assert_eq!(
        r["link"],
        format!("https://www.virustotal.com/gui/search/{SHA256}")
    );
    assert_eq!(
        emu.recorder.received().len(),
        1,
        "a 404 is an answer: not retried"
    );
}

#[tokio::test]
async fn virustotal_quota_429_is_retried_then_retryable() {
    let (emu, state) = evt::start().await;
    state.lock().unwrap().add_ip("198.51.100.1", 0, 0, 10, 0);
    let vt = integration("virustotal", &emu.url, evt::API_KEY, json!({}));
    let quota = || Fault::Status {
        status: 429,
        retry_after: None,
        body: json!({"error": {"code": "QuotaExceededError", "message": "Quota exceeded"}}),
    };
    // One 429 then success.
    emu.recorder.fail_next(None, quota());
    assert_eq!(
        ok(vt.call(&ctx(), &lookup("ip", "198.51.100.1")).await)["verdict"],
        "harmless"
    );
    assert_eq!(emu.recorder.received().len(), 2);
    // Every attempt refused: a retryable failure with VirusTotal's message.
    for _ in 0..3 {
        emu.recorder.fail_next(None, quota());
    }
    let (class, msg) = failed(vt.call(&ctx(), &lookup("ip", "198.51.100.1")).await);
    assert_eq!(class, ErrorClass::Retryable);
    assert!(
        msg.contains("Quota exceeded") && msg.contains("HTTP 429"),
        "{msg}"
    );
    assert_eq!(emu.recorder.received().len(), 5);
}

#[tokio::test]
async fn virustotal_401_is_permanent_without_the_key() {
    let (emu, _state) = evt::start().await;
    let wrong = "vt-wrong-key-SECRET-999";
    let vt = integration("virustotal", &emu.url, wrong, json!({}));
    let (class, msg) = failed(vt.call(&ctx(), &lookup("domain", "example.org")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("Wrong API key"), "{msg}");
    assert!(!msg.contains(wrong), "{msg}");
}

#[tokio::test]
async fn virustotal_rejects_malformed_indicators_without_calling() {
    let (emu, _state) = evt::start().await;
    let vt = integration("virustotal", &emu.url, evt::API_KEY, json!({}));
    let (class, msg) = failed(vt.call(&ctx(), &lookup("hash", "../../etc/passwd")).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("not an MD5"), "{msg}");
    assert!(
        failed(vt.call(&ctx(), &lookup("ip", "999.1.1.1")).await)
            .1
            .contains("not an IP")
    );
    assert!(emu.recorder.received().is_empty());
    assert!(
        vt.check_params("intel.lookup", &json!({"type": "domain", "value": "a b"}))
            .is_err()
    );
    assert!(
        vt.check_params("intel.lookup", &json!({"type": "hash", "value": SHA256}))
            .is_ok()
    );
    assert!(
        vt.check_params(
            "intel.lookup",
            &json!({"type": "hash", "value": "{{ alert.hash }}"})
        )
        .is_ok()
    );
    // Reads are idempotent: reconcile never blocks a resume.
    assert_eq!(
        vt.reconcile(&ctx(), &lookup("hash", SHA256)).await,
        Reconciled::Idempotent
    );
    let r = vt.render(&lookup("url", "http://example.com/"));
    assert_eq!(
        r[0]["url"],
        format!("{}/api/v3/urls/aHR0cDovL2V4YW1wbGUuY29tLw", emu.url)
    );
    assert!(!serde_json::to_string(&r).unwrap().contains(evt::API_KEY));
}

// ── MISP ────────────────────────────────────────────────────────────────────────────────────

#[tokio::test]
async fn misp_hits_tags_and_verdicts() {
    let (emu, state) = emisp::start().await;
    {
        let mut s = state.lock().unwrap();
        s.add(
            12,
            "Emotet C2 wave",
            "ip-dst",
            "203.0.113.7",
            true,
            &["tlp:amber", "malware:emotet"],
        );
        s.add(
            13,
            "Scanner list",
            "ip-src",
            "203.0.113.7",
            false,
            &["tlp:white"],
        );
        s.add(
            14,
            "Phishing kit",
            "domain",
            "login-example.test",
            false,
            &["phishing"],
        );
        s.add(15, "Other", "domain", "203.0.113.7", true, &[]);
    }
    let m = integration("misp", &emu.url, emisp::API_KEY, json!({}));
    let c = ctx();
    let r = ok(m.call(&c, &lookup("ip", "203.0.113.7")).await);
    assert_eq!(r["verdict"], "malicious");
    let hits = r["hits"].as_array().unwrap();
    assert_eq!(
        hits.len(),
        2,
        "the domain attribute with the same value is not an IP hit: {hits:?}"
    );
    assert_eq!(hits[0]["event_id"], "12");
    assert_eq!(hits[0]["event_info"], "Emotet C2 wave");
    assert_eq!(hits[0]["tags"], json!(["tlp:amber", "malware:emotet"]));
    assert_eq!(hits[1]["event_id"], "13");
    assert_eq!(hits[1]["to_ids"], false);

    let sent = &emu.recorder.received()[0];
    assert_eq!(sent.header("authorization"), Some(emisp::API_KEY));
    assert_eq!(sent.header("accept"), Some("application/json"));
    let b = sent.json();
    assert_eq!(b["returnFormat"], "json");
    assert_eq!(b["value"], "203.0.113.7");
    assert_eq!(b["type"], json!(["ip-src", "ip-dst"]));

    let d = ok(m.call(&c, &lookup("domain", "login-example.test")).await);
    assert_eq!(d["verdict"], "suspicious");
    let none = ok(m.call(&c, &lookup("domain", "clean.example")).await);
    assert_eq!(none["verdict"], "unknown");
    assert_eq!(none["hits"], json!([]));
    assert_eq!(
        m.reconcile(&c, &lookup("domain", "clean.example")).await,
        Reconciled::Idempotent
    );
}

#[tokio::test]
async fn misp_auth_failure_is_permanent_and_5xx_is_retried() {
    let (emu, state) = emisp::start().await;
    state
        .lock()
        .unwrap()
        .add(1, "x", "sha256", SHA256, true, &[]);
    let wrong = "misp-wrong-key-SECRET-0000000000000000000";
    let bad = integration("misp", &emu.url, wrong, json!({}));
    let (class, msg) = failed(bad.call(&ctx(), &lookup("hash", SHA256)).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("HTTP 403") && msg.contains("Authentication failed"),
        "{msg}"
    );
    assert!(!msg.contains(wrong), "{msg}");

    let m = integration("misp", &emu.url, emisp::API_KEY, json!({}));
    emu.recorder.fail_next(
        None,
        Fault::Status {
            status: 503,
            retry_after: None,
            body: json!({"message": "busy"}),
        },
    );
    let r = ok(m.call(&ctx(), &lookup("hash", SHA256)).await);
    assert_eq!(r["verdict"], "malicious");
    assert_eq!(
        emu.recorder.received().len(),
        3,
        "one refused, one failed, one answered"
    );
}
