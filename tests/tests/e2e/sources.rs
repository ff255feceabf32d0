//! SIEM sources end to end: the real binary polls Kibana's detection-alerts API and an
//! Elasticsearch index (emulated on 127.0.0.1:0), takes each alert exactly once across polls —
//! also alerts sharing a timestamp across a batch boundary — acknowledges in Kibana, and
//! survives an outage without moving its cursor.

use emulators::alerts_index::AlertsIndex;
use serde_json::json;
use tests::{riposte, root, tempdir};

fn alert(id: &str, ts: &str, host: &str) -> serde_json::Value {
    json!({
        "@timestamp": ts,
        "kibana.alert.workflow_status": "open",
        "kibana.alert.uuid": id,
        "kibana.alert.rule.name": "Suspicious PowerShell",
        "kibana.alert.rule.threat": [{"framework": "MITRE ATT&CK", "technique": [{"id": "T1059", "name": "Command and Scripting Interpreter", "subtechnique": [{"id": "T1059.001"}]}]}],
        "host": {"name": host, "os": {"family": "windows"}},
        "user": {"name": "bob"},
        "process": {"name": "powershell.exe", "executable": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                    "command_line": "powershell.exe -nop -enc SQBFAFgA", "parent": {"name": "winword.exe"}}
    })
}

async fn once(cfg: std::path::PathBuf) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        riposte!([
            "serve",
            "--once",
            "--dry-run",
            "--config",
            cfg.to_str().unwrap()
        ])
    })
    .await
    .unwrap()
}

fn started(o: &std::process::Output) -> usize {
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().last().unwrap_or_default();
    line.split(" run(s) started")
        .next()
        .and_then(|x| x.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no summary in {out}\n{}",
                String::from_utf8_lossy(&o.stderr)
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kibana_and_index_sources_take_each_alert_once_and_survive_an_outage() {
    let ix = AlertsIndex::new("aWQ6a2V5");
    ix.add("a1", alert("a1", "2026-11-28T08:00:00.000Z", "WS-1"));
    ix.add("a2", alert("a2", "2026-11-28T08:00:01.000Z", "WS-2"));
    ix.add("a3", alert("a3", "2026-11-28T08:00:01.000Z", "WS-3"));
    let emu = emulators::serve(emulators::alerts_index::router(ix.clone())).await;
    let dir = tempdir("sources");
    std::fs::write(dir.join("es.key"), "aWQ6a2V5").unwrap();
    let cfg = dir.join("riposte.yaml");
    let write = |kind: &str| {
        let src = if kind == "kibana" {
            format!(
                "  - name: elastic\n    type: kibana\n    url: {}\n    batch: 2\n    credentials: {{api_key: {{file: es.key}}}}\n",
                emu.url
            )
        } else {
            format!(
                "  - name: index\n    type: elasticsearch\n    url: {}\n    index: \".alerts-security.alerts-*\"\n    batch: 2\n    credentials: {{api_key: {{file: es.key}}}}\n",
                emu.url
            )
        };
        std::fs::write(
            &cfg,
            format!(
                "data_dir: data-{kind}\nplaybooks: [{}]\nsources:\n{src}",
                root().join("playbooks/library").display()
            ),
        )
        .unwrap();
    };

    // Kibana: batch of 2, then the rest; acknowledged once their runs exist.
    write("kibana");
    assert_eq!(started(&once(cfg.clone()).await), 2);
    assert_eq!(ix.status_of("a1").as_deref(), Some("acknowledged"));
    assert_eq!(ix.status_of("a3").as_deref(), Some("open"));
    assert_eq!(started(&once(cfg.clone()).await), 1);
    assert_eq!(started(&once(cfg.clone()).await), 0);
    let searches = emu
        .recorder
        .received()
        .iter()
        .filter(|r| r.path.ends_with("/signals/search"))
        .count();
    assert_eq!(searches, 3);
    let r = &emu.recorder.received()[0];
    assert_eq!(r.header("kbn-xsrf"), Some("riposte"));
    assert_eq!(r.header("authorization"), Some("ApiKey aWQ6a2V5"));

    // The index source sees all documents whatever their status: the cursor alone must keep
    // a2/a3 (same timestamp, split across batches) from being taken twice.
    write("index");
    assert_eq!(started(&once(cfg.clone()).await), 2);
    *ix.outage.lock().unwrap() = 503;
    let o = once(cfg.clone()).await;
    assert_eq!(
        o.status.code(),
        Some(1),
        "an unreachable source is an error exit in --once"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("HTTP 503") && !err.contains("aWQ6a2V5"),
        "{err}"
    );
    *ix.outage.lock().unwrap() = 0;
    assert_eq!(
        started(&once(cfg.clone()).await),
        1,
        "the outage did not move the cursor"
    );
    ix.add("a4", alert("a4", "2026-11-28T08:00:02.000Z", "WS-4"));
    assert_eq!(started(&once(cfg.clone()).await), 1);
    assert_eq!(started(&once(cfg.clone()).await), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn splunk_notables_are_taken_once_from_their_checkpoint() {
    let sp = emulators::splunk::Splunk::new("splunk-token-1");
    let notable = |id: &str, t: &str, host: &str| json!({"_time": t, "index": "notable", "event_id": id, "rule_name": "Encoded PowerShell", "urgency": "high", "dest": host, "user": "bob", "annotations.mitre_attack": ["T1059.001"]});
    sp.add(notable("n1", "2026-11-28T08:00:00Z", "WS-1"));
    sp.add(notable("n2", "2026-11-28T08:00:05Z", "WS-2"));
    sp.add(notable("n3", "2026-11-28T08:00:05Z", "WS-3"));
    let emu = emulators::serve(emulators::splunk::router(sp.clone())).await;
    let dir = tempdir("splunk-source");
    std::fs::write(dir.join("token"), "splunk-token-1").unwrap();
    let cfg = dir.join("riposte.yaml");
    std::fs::write(&cfg, format!("data_dir: data\nplaybooks: [{}]\nsources:\n  - name: es-notables\n    type: splunk\n    url: {}\n    query: \"search index=notable\"\n    batch: 2\n    credentials: {{token: {{file: token}}}}\n", root().join("playbooks/library").display(), emu.url)).unwrap();
    assert_eq!(started(&once(cfg.clone()).await), 2);
    assert_eq!(
        started(&once(cfg.clone()).await),
        1,
        "n3 shares n2's second: taken, not lost"
    );
    assert_eq!(started(&once(cfg.clone()).await), 0);
    sp.add(notable("n4", "2026-11-28T08:01:00Z", "WS-4"));
    assert_eq!(started(&once(cfg.clone()).await), 1);
    let jobs = emu.recorder.received();
    let last = jobs.last().unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer splunk-token-1"));
    assert!(
        last.body.contains("exec_mode=oneshot") && last.body.contains("earliest_time="),
        "{}",
        last.body
    );
    let runs = riposte!([
        "runs",
        "list",
        "--data-dir",
        dir.join("data").to_str().unwrap()
    ]);
    let runs = String::from_utf8_lossy(&runs.stdout);
    assert!(
        runs.contains("alert n1") && runs.contains("alert n4"),
        "{runs}"
    );
}

/// Starts `riposte serve` and returns it with its HTTP address; stderr keeps being drained.
fn start_daemon(cfg: &std::path::Path) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = riposte!()
        .args(["serve", "--dry-run", "--config", cfg.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut addr = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        if let Some(a) = line.trim().strip_prefix("riposte: listening on http://") {
            addr = a.to_owned();
            break;
        }
        line.clear();
    }
    assert!(!addr.is_empty(), "the daemon did not start");
    std::thread::spawn(move || {
        let mut sink = String::new();
        while err.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    (child, addr)
}

fn finished_runs(addr: &str) -> u64 {
    let (_, m) = tests::http(addr, "GET", "/metrics", &[], "");
    m.lines()
        .filter(|l| l.starts_with("riposte_runs_finished_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Waits (by asking the daemon, not by sleeping) until it has finished `n` runs.
fn wait_finished(addr: &str, n: u64) {
    for _ in 0..2_000_000 {
        if finished_runs(addr) >= n {
            return;
        }
        std::thread::yield_now();
    }
    panic!("the daemon did not finish {n} runs");
}

fn stop(mut child: std::process::Child) {
    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_takes_alerts_as_they_arrive_and_across_a_restart_exactly_once() {
    let ix = AlertsIndex::new("aWQ6a2V5");
    ix.add("k1", alert("k1", "2026-11-28T09:00:00.000Z", "WS-1"));
    ix.add("k2", alert("k2", "2026-11-28T09:00:01.000Z", "WS-2"));
    let emu = emulators::serve(emulators::alerts_index::router(ix.clone())).await;
    let dir = tempdir("daemon-live");
    std::fs::write(dir.join("es.key"), "aWQ6a2V5").unwrap();
    let cfg = dir.join("riposte.yaml");
    std::fs::write(&cfg, format!("data_dir: data\nplaybooks: [{}]\nserver: {{listen: \"127.0.0.1:0\"}}\nlimits: {{shutdown_grace: 10s}}\nsources:\n  - name: elastic\n    type: kibana\n    url: {}\n    schedule: \"* * * * * *\"\n    credentials: {{api_key: {{file: es.key}}}}\n", root().join("playbooks/library").display(), emu.url)).unwrap();

    let cfg2 = cfg.clone();
    let ix2 = ix.clone();
    tokio::task::spawn_blocking(move || {
        let (d, addr) = start_daemon(&cfg2);
        wait_finished(&addr, 2);
        // Alerts arriving while the daemon runs.
        ix2.add("k3", alert("k3", "2026-11-28T09:00:02.000Z", "WS-3"));
        ix2.add("k4", alert("k4", "2026-11-28T09:00:02.000Z", "WS-4"));
        wait_finished(&addr, 4);
        stop(d);
        // Alerts arriving while it is stopped are taken at the next start, the old ones not again.
        ix2.add("k5", alert("k5", "2026-11-28T09:00:03.000Z", "WS-5"));
        let (d, addr) = start_daemon(&cfg2);
        wait_finished(&addr, 1);
        stop(d);
    })
    .await
    .unwrap();

    let runs = riposte!([
        "runs",
        "list",
        "--data-dir",
        dir.join("data").to_str().unwrap()
    ]);
    let runs = String::from_utf8_lossy(&runs.stdout).into_owned();
    assert_eq!(runs.lines().count(), 5, "{runs}");
    for k in ["k1", "k2", "k3", "k4", "k5"] {
        assert_eq!(
            runs.matches(&format!("alert {k} ")).count(),
            1,
            "{k} exactly once: {runs}"
        );
        assert_eq!(ix.status_of(k).as_deref(), Some("acknowledged"));
    }
}
