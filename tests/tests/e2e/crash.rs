//! Crash proof: the real `riposte` process is stopped at a journal write and killed with SIGKILL,
//! then started again. The playbook has three mutate actions — isolate the host (CrowdStrike
//! Falcon emulator), block the C2 address (OPNsense alias emulator), open a ticket (TheHive
//! emulator), all on 127.0.0.1:0. Whatever the write, every side effect reaches its emulator
//! exactly once, every run finishes, and the audit chain verifies.
//!
//! `RIPOSTE_FAILPOINT_JOURNAL=N` makes the process announce and wait before its N-th journal
//! write (see `state/src/failpoint.rs`); the test then sends SIGKILL (`Child::kill`).

use emulators::crowdstrike::State;
use emulators::opnsense::OpnSense;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tests::{riposte, tempdir};

const PLAYBOOK: &str = r#"id: crash-test
title: Contain the host and its peer
version: 1
techniques: [T1059]
match: {technique: T1059}
vars:
  peers: [PEER-1]
analysis:
  - lookup: device
    question: Does the EDR know the host?
    action: edr.host_info
    with: {host: "{{alert.host.name}}"}
  - check: known
    explain: the EDR knows the host
    value: lookups.device.device_id != ''
escalation:
  rules:
    - when: facts.known
      tier: 2
      severity: high
      reason: test containment
actions:
  - id: contain
    action: edr.isolate_host
    with: {host: "{{alert.host.name}}", comment: "Riposte {{run.id}}"}
    retry: {attempts: 3, backoff: 1ms}
  - id: contain_peers
    action: edr.isolate_host
    for_each: vars.peers
    with: {host: "{{item}}", comment: "Riposte {{run.id}} peer of {{alert.host.name}}"}
    retry: {attempts: 3, backoff: 1ms}
  - id: block
    action: blocklist.add
    with: {type: ip, value: "{{alert.destination.ip}}", reason: "Riposte {{run.id}}"}
    retry: {attempts: 3, backoff: 1ms}
  - id: ticket
    action: ticket.create
    with: {title: "Contained {{alert.host.name}}", severity: high}
    retry: {attempts: 3, backoff: 1ms}
"#;

const ACTIONS: &str = "/devices/entities/devices-actions/v2";
const FAST: &str = "limits: {backoff: 1ms, max_backoff: 2ms, per_second: 100000, concurrency: 16}";

/// One crash scenario's vendors.
struct Env {
    emu: emulators::Emulator,
    st: std::sync::Arc<State>,
    fw_emu: emulators::Emulator,
    fw: std::sync::Arc<OpnSense>,
    hive_emu: emulators::Emulator,
    hive: emulators::thehive::Shared,
    cfg: PathBuf,
}

struct Rig {
    dir: state::scratch::TempDir,
    alerts: PathBuf,
    hosts: Vec<String>,
}

fn rig(name: &str, alerts: usize) -> Rig {
    let dir = tempdir(name);
    std::fs::write(dir.join("pb.yaml"), PLAYBOOK).unwrap();
    std::fs::write(dir.join("client_id"), "falcon-client").unwrap();
    std::fs::write(dir.join("client_secret"), "falcon-secret-value").unwrap();
    std::fs::write(dir.join("opn_key"), "opn-key").unwrap();
    std::fs::write(dir.join("opn_secret"), "opn-secret").unwrap();
    std::fs::write(dir.join("hive_key"), emulators::thehive::API_KEY).unwrap();
    let mut lines = String::new();
    let mut hosts = vec!["PEER-1".to_owned()];
    for i in 0..alerts {
        let h = format!("WS-{i:02}");
        lines.push_str(&format!(
            "{{\"event\":{{\"id\":\"alert-{i}\"}},\"host\":{{\"name\":\"{h}\"}},\"destination\":{{\"ip\":\"185.220.101.{}\"}},\"process\":{{\"name\":\"powershell.exe\"}},\"threat\":{{\"technique\":{{\"id\":[\"T1059\"]}}}}}}\n",
            10 + i
        ));
        hosts.push(h);
    }
    let alerts = dir.join("alerts.jsonl");
    std::fs::write(&alerts, lines).unwrap();
    Rig { dir, alerts, hosts }
}

impl Rig {
    /// A fresh EDR and data directory for one crash scenario.
    async fn fresh(&self, tag: &str) -> Env {
        let st = State::new("falcon-client", "falcon-secret-value");
        for (i, h) in self.hosts.iter().enumerate() {
            st.add_device(&format!("aid-{i}"), h, "normal");
        }
        let emu = emulators::serve(emulators::crowdstrike::router(st.clone())).await;
        let fw = OpnSense::new("opn-key", "opn-secret", &["riposte_block"]);
        let fw_emu = emulators::serve(emulators::opnsense::router(fw.clone())).await;
        let hive: emulators::thehive::Shared = Default::default();
        let hive_emu = emulators::serve(emulators::thehive::router(hive.clone())).await;
        let cfg = self.dir.join(format!("riposte-{tag}.yaml"));
        std::fs::write(
            &cfg,
            format!(
                "data_dir: data-{tag}\nplaybooks: [pb.yaml]\nintegrations:\n  falcon:\n    vendor: crowdstrike\n    url: {}\n    credentials:\n      client_id: {{file: client_id}}\n      client_secret: {{file: client_secret}}\n    {FAST}\n    options: {{poll_attempts: 3, poll_interval: 1ms}}\n  fw:\n    vendor: opnsense\n    url: {}\n    credentials: {{key: {{file: opn_key}}, secret: {{file: opn_secret}}}}\n    options: {{alias: riposte_block}}\n    {FAST}\n  hive:\n    vendor: thehive\n    url: {}\n    credentials: {{api_key: {{file: hive_key}}}}\n    {FAST}\ncapabilities:\n  edr.isolate_host: falcon\n  edr.host_info: falcon\n  blocklist.add: fw\n  ticket.create: hive\n",
                emu.url, fw_emu.url, hive_emu.url
            ),
        )
        .unwrap();
        Env {
            emu,
            st,
            fw_emu,
            fw,
            hive_emu,
            hive,
            cfg,
        }
    }

    fn args(&self, cfg: &Path) -> Vec<String> {
        let data = self.dir.join(format!(
            "data-{}",
            cfg.file_stem()
                .unwrap()
                .to_str()
                .unwrap()
                .trim_start_matches("riposte-")
        ));
        vec![
            "run".into(),
            "--playbook".into(),
            self.dir.join("pb.yaml").display().to_string(),
            "--alert".into(),
            self.alerts.display().to_string(),
            "--config".into(),
            cfg.display().to_string(),
            "--data-dir".into(),
            data.display().to_string(),
            "--format".into(),
            "json".into(),
        ]
    }
}

/// Runs riposte until it reaches journal write `n`, then SIGKILLs it. Returns false when the
/// run finished before reaching write `n`.
async fn kill_at(args: Vec<String>, n: usize) -> bool {
    tokio::task::spawn_blocking(move || {
        let mut child = riposte!()
            .args(&args)
            .env("RIPOSTE_FAILPOINT_JOURNAL", n.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let mut reached = false;
        while err.read_line(&mut line).unwrap() > 0 {
            if line.contains("failpoint journal write") {
                reached = true;
                break;
            }
            line.clear();
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reached
    })
    .await
    .unwrap()
}

async fn run_to_end(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || riposte!(&args))
        .await
        .unwrap()
}

fn check_outcome(o: &std::process::Output, env: &Env, hosts: &[String], alerts: usize, ctx: &str) {
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{ctx}: {out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let reports: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), alerts, "{ctx}");
    for r in &reports {
        assert_eq!(r["status"], "completed", "{ctx}: {r}");
    }
    for (i, _) in hosts.iter().enumerate() {
        let s = env.st.status(&format!("aid-{i}")).unwrap();
        assert!(
            s == "contained" || s == "containment_pending",
            "{ctx}: aid-{i} is {s}"
        );
    }
    // One containment request per distinct host, never two (PEER-1 is shared by every run:
    // the later runs find it contained and skip it).
    assert_eq!(
        env.emu.recorder.count("POST", ACTIONS),
        hosts.len(),
        "{ctx}: containment requests sent"
    );
    // One block per alert's C2 address, one ticket per run: each reached its vendor once.
    assert_eq!(
        env.fw.table("riposte_block").len(),
        alerts,
        "{ctx}: blocked addresses"
    );
    assert_eq!(
        env.fw_emu
            .recorder
            .count("POST", "/api/firewall/alias_util/add/"),
        alerts,
        "{ctx}: block requests sent"
    );
    assert_eq!(
        env.hive.lock().unwrap().alerts().len(),
        alerts,
        "{ctx}: tickets"
    );
    assert_eq!(
        env.hive_emu.recorder.count("POST", "/api/v1/alert"),
        alerts,
        "{ctx}: ticket creations sent"
    );
}

fn audit_ok(args: &[String], ctx: &str) {
    let data = &args[args.iter().position(|a| a == "--data-dir").unwrap() + 1];
    let v = riposte!(["audit", "verify", "--data-dir", data.as_str()]);
    assert!(
        v.status.success(),
        "{ctx}: {}",
        String::from_utf8_lossy(&v.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_every_journal_write_never_repeats_or_loses_a_side_effect() {
    let r = rig("crash-every", 1);
    // A clean run tells how many journal writes there are.
    let env = r.fresh("clean").await;
    let o = run_to_end(r.args(&env.cfg)).await;
    check_outcome(&o, &env, &r.hosts, 1, "clean run");
    let data = r.dir.join("data-clean");
    let list = riposte!(["runs", "list", "--data-dir", data.to_str().unwrap()]);
    let run_id = String::from_utf8_lossy(&list.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let show = riposte!([
        "runs",
        "show",
        &run_id,
        "--format",
        "json",
        "--data-dir",
        data.to_str().unwrap()
    ]);
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    let writes = v["journal"].as_array().unwrap().len();
    assert!(writes >= 8, "journal of the clean run: {writes} entries");

    for n in 1..=writes {
        let env = r.fresh(&format!("w{n}")).await;
        let args = r.args(&env.cfg);
        assert!(
            kill_at(args.clone(), n).await,
            "write {n} of {writes} was reached"
        );
        let o = run_to_end(args.clone()).await;
        check_outcome(
            &o,
            &env,
            &r.hosts,
            1,
            &format!("killed before journal write {n}"),
        );
        audit_ok(&args, &format!("write {n}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_random_sigkills_in_a_batch_never_repeat_or_lose_a_side_effect() {
    let alerts = 6;
    let r = rig("crash-random", alerts);
    let env = r.fresh("clean").await;
    let o = run_to_end(r.args(&env.cfg)).await;
    check_outcome(&o, &env, &r.hosts, alerts, "clean batch");
    // Journal writes in the whole batch: the sum over its runs.
    let data = r.dir.join("data-clean");
    let list = riposte!(["runs", "list", "--data-dir", data.to_str().unwrap()]);
    let mut writes = 0;
    for id in String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
    {
        let show = riposte!([
            "runs",
            "show",
            id,
            "--format",
            "json",
            "--data-dir",
            data.to_str().unwrap()
        ]);
        let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
        writes += v["journal"].as_array().unwrap().len();
    }
    assert!(writes > 40, "{writes}");
    // A fixed-seed generator, so a failure names a reproducible write number.
    let mut x: u64 = 0x5DEECE66D;
    for i in 0..100 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let n = 1 + (x >> 33) as usize % writes;
        let env = r.fresh(&format!("r{i}")).await;
        let args = r.args(&env.cfg);
        assert!(kill_at(args.clone(), n).await, "write {n} reached");
        // Killed twice in a row sometimes: recovery itself must survive a crash.
        if i % 4 == 0 {
            kill_at(args.clone(), 1 + n % 5).await;
        }
        let o = run_to_end(args.clone()).await;
        check_outcome(
            &o,
            &env,
            &r.hosts,
            alerts,
            &format!("random kill #{i} before write {n}"),
        );
        if i % 10 == 0 {
            audit_ok(&args, &format!("random kill #{i}"));
        }
        let _ = std::fs::remove_dir_all(r.dir.join(format!("data-r{i}")));
    }
}
