//! `cargo bench -p tests --bench e2e`: Riposte end to end, as the daemon issue measures it.
//!
//! Every capability of the shipped T1059 playbook is bound to a vendor emulated on 127.0.0.1
//! (Elasticsearch for the SIEM questions, CrowdStrike for the host and its isolation, VirusTotal,
//! TheHive for tickets, Slack for notices, OPNsense for blocks). The approval gates are taken out
//! of a copy of the playbook ("auto-approved for the benchmark"); nothing else changes. The
//! daemon is the real binary, a separate process, durable (sled) as in production.
//!
//! 1. **Backlog**: `E2E_ALERTS` alerts (default 10,000; the bundled samples, each on its own
//!    host) in a JSON-lines file source, `riposte serve --once`: alerts/s end to end, peak RSS,
//!    and what reached each vendor — once against the emulators, once with `--dry-run`.
//! 2. **Latency**: alerts pushed one by one to `POST /alerts` at `E2E_RATE` per second (default
//!    200) for `E2E_SECONDS` (default 5): p50/p99 from sending an alert to its first action
//!    reaching a vendor (the ticket). A polled source adds up to one poll interval to this.
//!
//! Figures are printed, not asserted (benchmarks are not tests); README.md § Benchmarks keeps them.

use emulators::{crowdstrike, elasticsearch, opnsense, slack, thehive, virustotal};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tests::{T1059, root, tempdir};

const EXE: &str = env!("CARGO_BIN_EXE_riposte-e2e");

/// The daemon runs as the shipped systemd unit runs it (`MIMALLOC_PURGE_DELAY=0`: freed memory
/// goes back to the system at once); set the variable to measure another setting.
fn purge_delay() -> String {
    std::env::var("MIMALLOC_PURGE_DELAY").unwrap_or_else(|_| "0".into())
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bundled sample alerts, `n` of them, each on its own host `bench-NNNNN`.
fn alerts(n: usize) -> Vec<(String, String)> {
    let mut docs: Vec<Value> = Vec::new();
    for f in ["linux-macos", "windows-benign", "windows-empire-chain"] {
        let text = std::fs::read_to_string(root().join(format!("examples/alerts/{f}.jsonl")))
            .expect("bundled alerts");
        docs.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str::<Value>(l).expect("bundled alert is JSON")),
        );
    }
    (0..n)
        .map(|i| {
            let mut d = docs[i % docs.len()].clone();
            let host = format!("bench-{i:05}");
            let os = d["host"]["os"].clone();
            let o = d.as_object_mut().expect("alert object");
            if o.contains_key("EventID") {
                // A flat Windows event: NXLog's host field, and a record number of its own.
                o.insert("Hostname".into(), json!(host));
                o.insert("RecordNumber".into(), json!(1_000_000 + i));
            } else {
                o.insert("host".into(), json!({"name": host, "os": os}));
                if let Some(e) = o.get_mut("event").and_then(Value::as_object_mut) {
                    e.insert("id".into(), json!(format!("bench-{i}")));
                }
            }
            (host, d.to_string())
        })
        .collect()
}

/// The shipped T1059 playbook with its `approval:` blocks removed (and nothing else).
fn playbook_without_gates(dir: &Path) -> PathBuf {
    let src = std::fs::read_to_string(root().join(T1059)).expect("T1059 playbook");
    let mut out = String::new();
    let mut skipping = false;
    for line in src.lines() {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start() == "approval:" {
            skipping = true;
            continue;
        }
        if skipping && (line.trim().is_empty() || indent > 4) {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    assert!(!out.contains("approval:"), "every gate removed");
    let p = dir.join("t1059-no-gates.yaml");
    std::fs::write(&p, out).expect("write playbook");
    p
}

struct Vendors {
    cs: Arc<crowdstrike::State>,
    fw: Arc<opnsense::OpnSense>,
    hive: thehive::Shared,
    emus: Vec<(&'static str, emulators::Emulator)>,
    integrations: String,
}

impl Vendors {
    async fn start(dir: &Path, hosts: &[(String, String)]) -> Vendors {
        let es = elasticsearch::Es::new("ZXM6a2V5");
        es.index(
            ".alerts-security.alerts-default",
            json!({"@timestamp": "2026-11-20T07:00:00.000Z", "kibana.alert.rule.name": "warm-up", "host": {"name": "elsewhere"}}),
        );
        es.index(
            "logs-endpoint",
            json!({"@timestamp": "2026-11-20T07:00:00.000Z", "event": {"category": ["network"]}, "host": {"name": "elsewhere"}}),
        );
        let cs = crowdstrike::State::new("falcon-id", "falcon-secret");
        for (i, (h, _)) in hosts.iter().enumerate() {
            cs.add_device(&format!("aid-{i}"), h, "normal");
        }
        let vt: virustotal::Shared = Arc::new(Mutex::new(virustotal::VtState::default()));
        let hive: thehive::Shared = Arc::new(Mutex::new(thehive::HiveState::default()));
        let sl: slack::Shared = Arc::new(Mutex::new(slack::SlackState::default()));
        sl.lock().unwrap().channel("C0SOC", "soc-alerts", true);
        let fw = opnsense::OpnSense::new("opn-key", "opn-secret", &["riposte_block"]);
        let emus = vec![
            ("siem", emulators::serve(elasticsearch::router(es)).await),
            (
                "edr",
                emulators::serve(crowdstrike::router(cs.clone())).await,
            ),
            ("intel", emulators::serve(virustotal::router(vt)).await),
            (
                "tickets",
                emulators::serve(thehive::router(hive.clone())).await,
            ),
            ("chat", emulators::serve(slack::router(sl)).await),
            (
                "firewall",
                emulators::serve(opnsense::router(fw.clone())).await,
            ),
        ];
        for (f, v) in [
            ("es", "ZXM6a2V5"),
            ("cs_id", "falcon-id"),
            ("cs_secret", "falcon-secret"),
            ("vt", virustotal::API_KEY),
            ("hive", thehive::API_KEY),
            ("slack", slack::TOKEN),
            ("opn_key", "opn-key"),
            ("opn_secret", "opn-secret"),
            ("push_token", "bench-push-token-0123456789"),
        ] {
            std::fs::write(dir.join(f), v).expect("write secret");
        }
        let url = |n: &str| &emus.iter().find(|(k, _)| *k == n).expect("emulator").1.url;
        let limits =
            "limits: {concurrency: 16, per_second: 100000, backoff: 1ms, max_backoff: 2ms}";
        let integrations = tests::t1059_vendors(
            &tests::VendorUrls {
                siem: url("siem"),
                edr: url("edr"),
                intel: url("intel"),
                tickets: url("tickets"),
                chat: url("chat"),
            },
            limits,
            &format!(
                "vendor: opnsense\n    url: {}\n    credentials: {{key: {{file: opn_key}}, secret: {{file: opn_secret}}}}\n    options: {{alias: riposte_block}}\n    {limits}",
                url("firewall")
            ),
        );
        Vendors {
            cs,
            fw,
            hive,
            emus,
            integrations,
        }
    }

    fn emu(&self, n: &str) -> &emulators::Emulator {
        &self.emus.iter().find(|(k, _)| *k == n).expect("emulator").1
    }

    /// Side effects that reached the vendors, and every request they answered.
    fn effects(&self) -> String {
        let contained = self.cs.count_status("contained");
        let blocked = self.fw.table("riposte_block").len();
        let tickets = self.hive.lock().unwrap().alerts().len();
        let requests: usize = self
            .emus
            .iter()
            .map(|(_, e)| e.recorder.received().len())
            .sum();
        format!(
            "{contained} hosts isolated, {blocked} addresses on the block alias, {tickets} tickets; {requests} vendor requests in all"
        )
    }
}

fn config(dir: &Path, name: &str, v: &Vendors, pb: &Path, sources: &str) -> PathBuf {
    let p = dir.join(format!("{name}.yaml"));
    std::fs::write(
        &p,
        format!(
            "data_dir: data-{name}\nplaybooks: [{}]\n{}server:\n  listen: 127.0.0.1:0\n  token: {{file: push_token}}\nsources:\n{sources}limits:\n  concurrent_runs: 64\n  shutdown_grace: 30s\n",
            pb.display(),
            v.integrations
        ),
    )
    .expect("write config");
    p
}

/// `… 16.40 s, peak RSS 948 MiB` from the `--once` summary.
fn summary_figures(out: &str) -> (f64, String) {
    let line = out
        .lines()
        .rev()
        .find(|l| l.contains("peak RSS"))
        .unwrap_or_else(|| panic!("no summary in the daemon's output:\n{out}"));
    let secs = line
        .rsplit(';')
        .next()
        .and_then(|t| t.trim().split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN);
    let rss = line.rsplit("peak RSS ").next().unwrap_or("?").to_owned();
    (secs, rss)
}

async fn backlog(n: usize, dry_run: bool) {
    let dir = tempdir(if dry_run {
        "bench-e2e-dry"
    } else {
        "bench-e2e"
    });
    let hosts = alerts(n);
    let v = Vendors::start(&dir, &hosts).await;
    let pb = playbook_without_gates(&dir);
    let mut lines = String::new();
    for (_, a) in &hosts {
        lines.push_str(a);
        lines.push('\n');
    }
    std::fs::write(dir.join("backlog.jsonl"), lines).expect("write alerts");
    let cfg = config(
        &dir,
        "backlog",
        &v,
        &pb,
        "  - name: backlog\n    type: file\n    path: backlog.jsonl\n    schedule: \"0 0 * * * *\"\n",
    );
    let mut args = vec![
        "serve",
        "--once",
        "--config",
        cfg.to_str().expect("utf-8 path"),
    ];
    if dry_run {
        args.push("--dry-run");
    }
    let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
    let cwd = dir.to_path_buf();
    let t0 = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(EXE)
            .args(&args)
            .env("MIMALLOC_PURGE_DELAY", purge_delay())
            .current_dir(&cwd)
            .output()
            .expect("riposte runs")
    })
    .await
    .expect("join");
    let wall = t0.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "riposte failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (secs, rss) = summary_figures(&stdout);
    let done = stdout
        .lines()
        .rev()
        .find(|l| l.contains("alert(s) polled"))
        .unwrap_or("");
    println!(
        "backlog of {n} alerts, {}: {:.0} alerts/s end to end ({secs:.2} s in the daemon, {:.2} s with start and stop), peak RSS {rss}",
        if dry_run {
            "--dry-run (lookups answered, mutates withheld)"
        } else {
            "against the emulators, approvals auto-approved"
        },
        n as f64 / secs,
        wall.as_secs_f64(),
    );
    println!("  {}", done.split(';').next().unwrap_or(done));
    println!("  vendors: {}", v.effects());
    keep_or_remove(dir);
}

/// `E2E_KEEP=1` keeps the data directories for `riposte runs list --data-dir …`.
fn keep_or_remove(dir: state::scratch::TempDir) {
    if std::env::var_os("E2E_KEEP").is_some() {
        println!("  kept {}", dir.keep().display());
    }
}

async fn latency(rate: usize, seconds: usize) {
    let dir = tempdir("bench-e2e-latency");
    let n = rate * seconds;
    let hosts = alerts(n);
    let v = Vendors::start(&dir, &hosts).await;
    let pb = playbook_without_gates(&dir);
    let cfg = config(&dir, "latency", &v, &pb, "  - name: push\n    type: push\n");
    let mut child = std::process::Command::new(EXE)
        .args(["serve", "--config", cfg.to_str().expect("utf-8 path")])
        .env("MIMALLOC_PURGE_DELAY", purge_delay())
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("riposte starts");
    let mut err = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut addr = String::new();
    let mut line = String::new();
    while err.read_line(&mut line).expect("read stderr") > 0 {
        if let Some(a) = line.trim().strip_prefix("riposte: listening on http://") {
            addr = a.to_owned();
            break;
        }
        line.clear();
    }
    assert!(!addr.is_empty(), "the daemon did not start: {line}");
    std::thread::spawn(move || for _ in err.lines() {});
    // Push at a steady rate from a thread of its own; `sent[i]` is when alert i left.
    let to_send: Vec<String> = hosts.iter().map(|(_, a)| a.clone()).collect();
    let pusher = std::thread::spawn(move || {
        let t0 = Instant::now();
        let mut sent = Vec::with_capacity(to_send.len());
        for (i, a) in to_send.iter().enumerate() {
            let due = t0 + Duration::from_secs_f64(i as f64 / rate as f64);
            if let Some(d) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
            let at = Instant::now();
            let (status, body) = tests::http(
                &addr,
                "POST",
                "/alerts",
                &[
                    ("authorization", "Bearer bench-push-token-0123456789"),
                    ("content-type", "application/json"),
                ],
                a,
            );
            assert!(status / 100 == 2, "push refused: {status} {body}");
            sent.push(at);
        }
        (sent, addr)
    });
    let (sent, _addr) = tokio::task::spawn_blocking(move || pusher.join().expect("pusher"))
        .await
        .expect("join");
    // Every escalated alert opens a ticket first: wait until the tickets stop coming.
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = v.emu("tickets").recorder.received().len();
        if now == last {
            break;
        }
        last = now;
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    // First action of each alert: the earliest request naming its host at the ticket or chat
    // vendor (the first two actions of the playbook).
    let mut first: std::collections::HashMap<String, Instant> = Default::default();
    for name in ["tickets", "chat"] {
        for r in v.emu(name).recorder.received() {
            if r.method != "POST" {
                continue;
            }
            if let Some(p) = r.body.find("bench-") {
                let host = r.body[p..p + 11].to_owned();
                first
                    .entry(host)
                    .and_modify(|t| *t = (*t).min(r.at))
                    .or_insert(r.at);
            }
        }
    }
    let mut lat: Vec<f64> = hosts
        .iter()
        .zip(&sent)
        .filter_map(|((h, _), s)| {
            first
                .get(h)
                .map(|t| t.duration_since(*s).as_secs_f64() * 1000.0)
        })
        .collect();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    if lat.is_empty() {
        println!("latency: no alert reached a vendor");
    } else {
        println!(
            "push at {rate}/s for {seconds} s ({n} alerts, {} escalated): alert sent → first action at the vendor p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            lat.len(),
            pct(0.5),
            pct(0.99),
            pct(1.0)
        );
    }
    println!("  vendors: {}", v.effects());
    keep_or_remove(dir);
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks one part (backlog, dry, latency).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |p: &str| only.is_empty() || only.iter().any(|o| p.contains(o.as_str()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let n = env_num("E2E_ALERTS", 10_000);
        if want("backlog") {
            backlog(n, false).await;
        }
        if want("dry") {
            backlog(n, true).await;
        }
        if want("latency") {
            latency(env_num("E2E_RATE", 200), env_num("E2E_SECONDS", 5)).await;
        }
    });
}
