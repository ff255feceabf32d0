//! Approvals end to end with the real binary: a run parks, the daemon is stopped while it waits,
//! an operator approves at the console (`riposte approve`, audited as local:$USER), and the next
//! start of the daemon continues the run and sends the containment to the EDR — exactly once.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use tests::{http, riposte, tempdir};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const PLAYBOOK: &str = r#"id: gated-containment
title: Gated containment
version: 1
techniques: [T1059]
match: {technique: T1059}
analysis:
  - check: always
    explain: always true
    value: "true"
escalation:
  rules:
    - when: facts.always
      tier: 2
      severity: high
      reason: test
actions:
  - id: contain
    action: edr.isolate_host
    with: {host: "{{alert.host.name}}"}
    approval:
      approvers: [group:tier2]
      quorum: 1
      timeout: 2h
      on_timeout: deny
"#;

const ALERT: &str = r#"{"event":{"id":"a-1"},"host":{"name":"WS-7"},"user":{"name":"bob"},"process":{"name":"powershell.exe","command_line":"powershell -enc SQBFAFgA"},"threat":{"technique":{"id":["T1059"]}}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_run_survives_a_restart_and_is_approved_at_the_console() {
    let dir = tempdir("approvals-restart");
    let st = emulators::crowdstrike::State::new("falcon-client", "falcon-secret-value");
    st.add_device("aid-1", "WS-7", "normal");
    let emu = emulators::serve(emulators::crowdstrike::router(st.clone())).await;
    std::fs::write(dir.join("client_id"), "falcon-client").unwrap();
    std::fs::write(dir.join("client_secret"), "falcon-secret-value").unwrap();
    std::fs::write(dir.join("api.token"), "operator-token-123456").unwrap();
    std::fs::write(dir.join("pb.yaml"), PLAYBOOK).unwrap();
    let cfg = dir.join("riposte.yaml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir: data\nplaybooks: [pb.yaml]\nserver:\n  listen: 127.0.0.1:0\n  token: {{file: api.token}}\nsources:\n  - name: siem\n    type: push\nintegrations:\n  falcon:\n    vendor: crowdstrike\n    url: {}\n    credentials:\n      client_id: {{file: client_id}}\n      client_secret: {{file: client_secret}}\n    limits: {{backoff: 1ms, max_backoff: 2ms}}\n    options: {{poll_attempts: 3, poll_interval: 1ms}}\ncapabilities:\n  edr.isolate_host: falcon\napprovals:\n  groups:\n    tier2: [\"slack:U1\", \"email:ana@example.org\"]\n",
            emu.url
        ),
    )
    .unwrap();
    let c = cfg.to_str().unwrap().to_owned();
    let data = dir.join("data").to_str().unwrap().to_owned();

    let run_id = tokio::task::spawn_blocking(move || {
        let mut child = riposte!()
            .args(["serve", "--config", &c])
            .env("RIPOSTE_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
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
        assert!(!addr.is_empty());
        let (s, body) = http(
            &addr,
            "POST",
            "/alerts",
            &[("Authorization", "Bearer operator-token-123456")],
            ALERT,
        );
        assert_eq!(s, 202, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let run_id = v["runs"][0].as_str().unwrap().to_owned();
        // Wait for the park (the daemon logs it), not for a time.
        line.clear();
        while err.read_line(&mut line).unwrap() > 0 {
            if line.contains("approval requested") && line.contains(&run_id) {
                break;
            }
            line.clear();
        }
        let (s, body) = http(
            &addr,
            "GET",
            "/api/approvals",
            &[("Authorization", "Bearer operator-token-123456")],
            "",
        );
        assert_eq!(s, 200);
        assert!(body.contains(&run_id) && body.contains("WS-7"), "{body}");
        let (s, _) = http(&addr, "GET", "/api/approvals", &[], "");
        assert_eq!(s, 401);
        assert!(
            std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        assert_eq!(child.wait().unwrap().code(), Some(0));
        run_id
    })
    .await
    .unwrap();
    assert_eq!(
        st.status("aid-1").as_deref(),
        Some("normal"),
        "nothing was contained before the approval"
    );

    // The daemon is stopped; the approval is still there.
    let l = riposte!(["approvals", "list", "--data-dir", &data]);
    let out = stdout(&l);
    assert!(
        out.contains(&run_id)
            && out.contains("contain")
            && out.contains("edr.isolate_host")
            && out.contains("1 pending approval"),
        "{out}"
    );
    let o = riposte!([
        "approve",
        &run_id,
        "contain",
        "--reason",
        "confirmed malicious",
        "--data-dir",
        &data
    ]);
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).contains("approved by local:"), "{}", stdout(&o));
    // Once: a second decision changes nothing.
    let o = riposte!([
        "deny",
        &run_id,
        "contain",
        "--reason",
        "late",
        "--data-dir",
        &data
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("already decided"), "{}", stdout(&o));
    let o = riposte!([
        "approve",
        "run-nope",
        "contain",
        "--reason",
        "x",
        "--data-dir",
        &data
    ]);
    assert_eq!(o.status.code(), Some(2));

    // The next start continues the approved run.
    let c = cfg.to_str().unwrap().to_owned();
    let o = tokio::task::spawn_blocking(move || riposte!(["serve", "--once", "--config", &c]))
        .await
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        st.status("aid-1").as_deref().map(|s| s.contains("contain")),
        Some(true),
        "the host is contained after the approval"
    );
    let runs = stdout(&riposte!(["runs", "list", "--data-dir", &data]));
    assert!(runs.contains("completed"), "{runs}");
    let audit = stdout(&riposte!(["audit", "export", "--data-dir", &data]));
    assert_eq!(audit.matches("\"approval.decided\"").count(), 1, "{audit}");
    assert!(audit.contains("\"via\":\"cli\""));
    assert!(audit.contains("\"already_decided\""));
    assert!(
        riposte!(["audit", "verify", "--data-dir", &data])
            .status
            .success()
    );
    let l = stdout(&riposte!(["approvals", "list", "--data-dir", &data]));
    assert!(l.contains("0 pending"), "{l}");
}
