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
    tokio::task::spawn_blocking(move || riposte!(["serve", "--once", "--dry-run", "--config", cfg.to_str().unwrap()]))
        .await
        .unwrap()
}

fn started(o: &std::process::Output) -> usize {
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().last().unwrap_or_default();
    line.split(" run(s) started").next().and_then(|x| x.rsplit(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no summary in {out}\n{}", String::from_utf8_lossy(&o.stderr)))
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
            format!("  - name: elastic\n    type: kibana\n    url: {}\n    batch: 2\n    credentials: {{api_key: {{file: es.key}}}}\n", emu.url)
        } else {
            format!("  - name: index\n    type: elasticsearch\n    url: {}\n    index: \".alerts-security.alerts-*\"\n    batch: 2\n    credentials: {{api_key: {{file: es.key}}}}\n", emu.url)
        };
        std::fs::write(&cfg, format!("data_dir: data-{kind}\nplaybooks: [{}]\nsources:\n{src}", root().join("playbooks/library").display())).unwrap();
    };

    // Kibana: batch of 2, then the rest; acknowledged once their runs exist.
    write("kibana");
    assert_eq!(started(&once(cfg.clone()).await), 2);
    assert_eq!(ix.status_of("a1").as_deref(), Some("acknowledged"));
    assert_eq!(ix.status_of("a3").as_deref(), Some("open"));
    assert_eq!(started(&once(cfg.clone()).await), 1);
    assert_eq!(started(&once(cfg.clone()).await), 0);
    let searches = emu.recorder.received().iter().filter(|r| r.path.ends_with("/signals/search")).count();
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
    assert_eq!(o.status.code(), Some(1), "an unreachable source is an error exit in --once");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("HTTP 503") && !err.contains("aWQ6a2V5"), "{err}");
    *ix.outage.lock().unwrap() = 0;
    assert_eq!(started(&once(cfg.clone()).await), 1, "the outage did not move the cursor");
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
    assert_eq!(started(&once(cfg.clone()).await), 1, "n3 shares n2's second: taken, not lost");
    assert_eq!(started(&once(cfg.clone()).await), 0);
    sp.add(notable("n4", "2026-11-28T08:01:00Z", "WS-4"));
    assert_eq!(started(&once(cfg.clone()).await), 1);
    let jobs = emu.recorder.received();
    let last = jobs.last().unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer splunk-token-1"));
    assert!(last.body.contains("exec_mode=oneshot") && last.body.contains("earliest_time="), "{}", last.body);
    let runs = riposte!(["runs", "list", "--data-dir", dir.join("data").to_str().unwrap()]);
    let runs = String::from_utf8_lossy(&runs.stdout);
    assert!(runs.contains("alert n1") && runs.contains("alert n4"), "{runs}");
}
