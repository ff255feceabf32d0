//! `cargo bench -p integrations --bench calls`: integration calls per second and latency through
//! the shared HTTP client against local emulators (loopback, so this measures Riposte's own
//! overhead: request building, auth, JSON, error handling, the request log), one call at a time
//! and 16 in flight.

use integrations::config::InstanceConfig;
use integrations::vendors::{self, BuildEnv};
use integrations::{Ctx, Integration, NoLog};
use playbooks::engine::{CallRequest, Outcome, StepKey};
use playbooks::model::Retry;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn req(capability: &str, params: serde_json::Value) -> CallRequest {
    CallRequest {
        key: StepKey {
            step: "bench".into(),
            item: None,
        },
        capability: capability.into(),
        mutates: false,
        params,
        idempotency_key: "bench".into(),
        timeout: Duration::from_secs(10),
        retry: Retry {
            attempts: 1,
            backoff: Duration::from_millis(1),
        },
    }
}

fn instance(yaml: &str) -> InstanceConfig {
    serde_saphyr::from_str(yaml).expect("instance config")
}

async fn measure(name: &str, i: Arc<dyn Integration>, r: CallRequest, n: usize, inflight: usize) {
    let ctx = Arc::new(Ctx::detached(Arc::new(NoLog)));
    // Warm up (token, connections).
    for _ in 0..20 {
        assert!(matches!(i.call(&ctx, &r).await, Outcome::Ok { .. }));
    }
    let r = Arc::new(r);
    let t = Instant::now();
    let mut handles = Vec::new();
    for w in 0..inflight {
        let (i, r, ctx) = (i.clone(), r.clone(), ctx.clone());
        let per = n / inflight + usize::from(w < n % inflight);
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for _ in 0..per {
                let s = Instant::now();
                let o = i.call(&ctx, &r).await;
                assert!(matches!(o, Outcome::Ok { .. }), "{o:?}");
                lat.push(s.elapsed().as_micros());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.await.unwrap());
    }
    let secs = t.elapsed().as_secs_f64();
    lat.sort_unstable();
    let p = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<46} in flight {inflight:>2}: {:>7.0} calls/s  p50 {:>6} µs  p99 {:>6} µs",
        n as f64 / secs,
        p(0.5),
        p(0.99)
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = state::scratch::TempDir::new("riposte-bench-calls");
        for (f, v) in [("id", "bench-id"), ("secret", "bench-secret"), ("es", "YmVuY2g6a2V5")] {
            std::fs::write(dir.join(f), v).unwrap();
        }
        let cs = emulators::crowdstrike::State::new("bench-id", "bench-secret");
        cs.add_device("aid-1", "WS-01", "normal");
        let cs_emu = emulators::serve(emulators::crowdstrike::router(cs)).await;
        let es = emulators::elasticsearch::Es::new("YmVuY2g6a2V5");
        for i in 0..50 {
            es.index(".alerts-security.alerts-default", json!({"@timestamp": format!("2026-11-28T07:{:02}:00Z", i), "host": {"name": "WS-01"}, "kibana.alert.rule.name": "r"}));
        }
        let es_emu = emulators::serve(emulators::elasticsearch::router(es)).await;
        let limits = "limits: {concurrency: 32, per_second: 1000000}";
        let env = BuildEnv::default();
        let falcon = vendors::build(
            "falcon",
            &instance(&format!(
                "vendor: crowdstrike\nurl: {}\ncredentials: {{client_id: {{file: {}}}, client_secret: {{file: {}}}}}\n{limits}\n",
                cs_emu.url,
                dir.join("id").display(),
                dir.join("secret").display()
            )),
            &env,
        )
        .unwrap();
        let siem = vendors::build(
            "siem",
            &instance(&format!("vendor: elasticsearch\nurl: {}\ncredentials: {{api_key: {{file: {}}}}}\n{limits}\n", es_emu.url, dir.join("es").display())),
            &env,
        )
        .unwrap();
        // The integration layer's own cost: the shared client vs a bare reqwest call, same request.
        {
            use integrations::http::{Auth, HttpClient, Limits, Req};
            use integrations::secret::Secret;
            let tok: serde_json::Value = reqwest::Client::new()
                .post(format!("{}/oauth2/token", cs_emu.url))
                .form(&[("client_id", "bench-id"), ("client_secret", "bench-secret")])
                .send().await.unwrap().json().await.unwrap();
            let token = tok["access_token"].as_str().unwrap().to_owned();
            let url = format!("{}/devices/queries/devices/v1?filter=hostname%3A%27WS-01%27", cs_emu.url);
            let bare = reqwest::Client::new();
            let shared = HttpClient::new("bench", &cs_emu.url, Auth::Bearer(Secret::new(token.clone())), Limits { per_second: 1e9, concurrency: 32, ..Limits::default() }, vec![]);
            let ctx = Ctx::detached(Arc::new(NoLog));
            let n = 5000;
            let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for i in 0..n * 2 {
                // Interleave, so both see the same machine state.
                let t = Instant::now();
                if i % 2 == 0 {
                    let r = bare.get(&url).bearer_auth(&token).send().await.unwrap();
                    let _: serde_json::Value = r.json().await.unwrap();
                    a.push(t.elapsed().as_micros() as i64);
                } else {
                    shared.send(&ctx, Req::get("/devices/queries/devices/v1").query("filter", "hostname:'WS-01'"), &[]).await.unwrap();
                    b.push(t.elapsed().as_micros() as i64);
                }
            }
            a.sort_unstable();
            b.sort_unstable();
            let p = |v: &Vec<i64>, q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
            println!(
                "bare reqwest GET: p50 {} µs p99 {} µs; shared client: p50 {} µs p99 {} µs → added p50 {} µs, p99 {} µs",
                p(&a, 0.5), p(&a, 0.99), p(&b, 0.5), p(&b, 0.99), p(&b, 0.5) - p(&a, 0.5), p(&b, 0.99) - p(&a, 0.99)
            );
        }
        let host_info = req("edr.host_info", json!({"host": "WS-01"}));
        let related = req("siem.related_alerts", json!({"host": "WS-01", "around": "2026-11-28T08:00:00Z", "window": "24h"}));
        for inflight in [1, 16] {
            measure("crowdstrike edr.host_info (2 requests/call)", falcon.clone(), host_info.clone(), 3000, inflight).await;
            measure("elasticsearch siem.related_alerts (50 hits)", siem.clone(), related.clone(), 3000, inflight).await;
        }
    });
}
