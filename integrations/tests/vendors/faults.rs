//! The shared client and the in-doubt path under network faults injected by the emulators:
//! latency beyond the timeout, connections that hang up mid-answer (before or after the vendor
//! acted), bodies that stall, and 5xx bursts — on a CrowdStrike Falcon emulator.

use emulators::{Emulator, Fault, crowdstrike as cs};
use integrations::config::InstanceConfig;
use integrations::vendors::{BuildEnv, build};
use integrations::{Ctx, Integration, MemLog};
use playbooks::engine::{CallRequest, ErrorClass, Outcome, StepKey};
use playbooks::model::Retry;
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

const ACTIONS: &str = "/devices/entities/devices-actions/v2";
const QUERY: &str = "/devices/queries/devices/v1";

struct Rig {
    emu: Emulator,
    st: Arc<cs::State>,
    falcon: Arc<dyn Integration>,
    log: Arc<MemLog>,
}

async fn rig(timeout_ms: u64, attempts: u32) -> Rig {
    let st = cs::State::new("fid", "fsecret");
    st.add_device("aid-1", "WS-01", "normal");
    let emu = emulators::serve(cs::router(st.clone())).await;
    // One directory per rig: tests run in parallel, and two rigs with the same settings sharing
    // one would read each other's half-written secret files.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = crate::secret_path(&format!("faults-{timeout_ms}-{attempts}-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("id"), "fid").unwrap();
    std::fs::write(dir.join("secret"), "fsecret").unwrap();
    let cfg: InstanceConfig = serde_json::from_value(json!({
        "vendor": "crowdstrike",
        "url": emu.url,
        "credentials": {"client_id": {"file": dir.join("id")}, "client_secret": {"file": dir.join("secret")}},
        "limits": {"attempts": attempts, "backoff": "1ms", "max_backoff": "2ms", "per_second": 100000.0, "timeout": format!("{timeout_ms}ms")},
        "options": {"poll_attempts": 2, "poll_interval": "1ms"},
    }))
    .unwrap();
    let falcon = build("falcon", &cfg, &BuildEnv::default()).unwrap();
    Rig {
        emu,
        st,
        falcon,
        log: Arc::new(MemLog::default()),
    }
}

impl Rig {
    async fn call(&self, capability: &str) -> Outcome {
        let req = CallRequest {
            key: StepKey {
                step: "s".into(),
                item: None,
            },
            capability: capability.into(),
            mutates: capability != "edr.host_info",
            params: json!({"host": "WS-01"}),
            idempotency_key: "run/s".into(),
            timeout: Duration::from_secs(30),
            retry: Retry::default(),
        };
        let mut ctx = Ctx::detached(self.log.clone());
        ctx.run_id = "run".into();
        self.falcon.call(&ctx, &req).await
    }
}

fn ok(o: Outcome) -> Json {
    match o {
        Outcome::Ok { result } => result,
        other => panic!("expected Ok, got {other:?}"),
    }
}

#[tokio::test]
async fn latency_beyond_the_timeout_is_retried_on_reads() {
    let r = rig(300, 3).await;
    r.emu
        .recorder
        .fail_next(Some(QUERY), Fault::Delay { ms: 3000 });
    let info = ok(r.call("edr.host_info").await);
    assert_eq!(info["device_id"], "aid-1");
    assert_eq!(
        r.emu.recorder.count("GET", QUERY),
        2,
        "the slow lookup was asked again"
    );
    let timeouts = r
        .log
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.error.as_deref() == Some("timeout"))
        .count();
    assert_eq!(timeouts, 1, "the timeout is in the request log");
}

#[tokio::test]
async fn a_hang_up_on_a_read_is_retried() {
    let r = rig(5000, 3).await;
    r.emu.recorder.fail_next(
        Some(QUERY),
        Fault::Drop {
            after_effect: false,
        },
    );
    ok(r.call("edr.host_info").await);
    assert_eq!(r.emu.recorder.count("GET", QUERY), 2);
}

#[tokio::test]
async fn a_hang_up_after_the_vendor_acted_is_checked_never_resent() {
    let r = rig(5000, 3).await;
    r.emu
        .recorder
        .fail_next(Some(ACTIONS), Fault::Drop { after_effect: true });
    let res = ok(r.call("edr.isolate_host").await);
    assert_eq!(
        r.emu.recorder.count("POST", ACTIONS),
        1,
        "a POST whose answer was lost is not repeated"
    );
    assert!(
        res["recovered_from"]
            .as_str()
            .is_some_and(|m| m.contains("broke")),
        "{res}"
    );
    assert!(matches!(
        r.st.status("aid-1").as_deref(),
        Some("contained" | "containment_pending")
    ));
}

#[tokio::test]
async fn a_hang_up_before_the_vendor_acted_fails_in_doubt_for_the_driver() {
    let r = rig(5000, 3).await;
    r.emu.recorder.fail_next(
        Some(ACTIONS),
        Fault::Drop {
            after_effect: false,
        },
    );
    match r.call("edr.isolate_host").await {
        Outcome::Failed { class, message } => {
            assert_eq!(class, ErrorClass::Retryable, "{message}");
            assert!(message.contains("broke"), "{message}");
        }
        other => panic!("expected a failure the driver reconciles, got {other:?}"),
    }
    assert_eq!(r.emu.recorder.count("POST", ACTIONS), 1);
    // The driver's reconcile then finds the host not contained: safe to send again.
    let ctx = Ctx::detached(r.log.clone());
    let req = CallRequest {
        key: StepKey {
            step: "s".into(),
            item: None,
        },
        capability: "edr.isolate_host".into(),
        mutates: true,
        params: json!({"host": "WS-01"}),
        idempotency_key: "run/s".into(),
        timeout: Duration::from_secs(30),
        retry: Retry::default(),
    };
    assert_eq!(
        r.falcon.reconcile(&ctx, &req).await,
        integrations::Reconciled::NotDone
    );
}

#[tokio::test]
async fn a_stalled_body_times_out_as_retryable() {
    let r = rig(300, 1).await;
    r.emu
        .recorder
        .fail_next(Some(QUERY), Fault::SlowBody { ms: 200 });
    match r.call("edr.host_info").await {
        Outcome::Failed { class, message } => {
            assert_eq!(class, ErrorClass::Retryable, "{message}");
            assert!(
                message.contains("did not arrive")
                    || message.contains("broke")
                    || message.contains("no answer"),
                "{message}"
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_5xx_burst_on_reads_is_ridden_out() {
    let r = rig(5000, 4).await;
    for _ in 0..3 {
        r.emu.recorder.fail_next(
            Some(QUERY),
            Fault::Status {
                status: 503,
                retry_after: None,
                body: json!({"errors": [{"code": 503, "message": "busy"}]}),
            },
        );
    }
    ok(r.call("edr.host_info").await);
    assert_eq!(r.emu.recorder.count("GET", QUERY), 4);
}
