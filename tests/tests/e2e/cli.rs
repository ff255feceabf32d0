//! The CLI end to end: validation messages, playbook tests, dry-run reports, dedup, audit chain.

use tests::{T1059, riposte, root, tempdir};

fn run(args: &[&str]) -> std::process::Output {
    riposte!(args)
}

/// `riposte run` of the T1059 playbook on an alert file, in dry-run, with its own data directory.
fn dry_run_t1059(alert: &std::path::Path, data: &std::path::Path) -> std::process::Output {
    run(&[
        "run",
        "--playbook",
        T1059,
        "--alert",
        alert.to_str().unwrap(),
        "--dry-run",
        "--data-dir",
        data.to_str().unwrap(),
    ])
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn shipped_playbook_validates_and_its_tests_pass() {
    let o = run(&["playbook", "validate", "playbooks/library"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("ok — t1059-command-and-scripting-interpreter"));
    let o = run(&["playbook", "test", "playbooks/library"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    let last = out.lines().last().unwrap_or_default();
    let passed: usize = last.split_whitespace().next().unwrap().parse().unwrap();
    assert!(passed >= 100, "{last}");
    assert!(last.ends_with("0 failed"), "{last}");
}

/// Expressions run natively (playbooks::native) where they can; on every shipped case each
/// native evaluation is repeated by `cel`'s interpreter and the two must agree.
#[test]
fn native_evaluation_agrees_with_cel_on_every_shipped_case() {
    let o = riposte!()
        .env("RIPOSTE_EXPR_CROSSCHECK", "1")
        .args(["playbook", "test", "playbooks/library"])
        .output()
        .expect("the riposte binary runs");
    let out = stdout(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.lines()
            .last()
            .unwrap_or_default()
            .ends_with(" 0 failed"),
        "{out}"
    );
    let differs: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("differs from cel"))
        .collect();
    assert!(differs.is_empty(), "{}", differs.join("\n"));
}

#[test]
fn a_playbook_test_fails_when_an_expression_cannot_be_evaluated() {
    // `!facts.kind` on a string is a type error the validator cannot see: the case's verdict
    // matches, but the test must still fail and say which check broke.
    let dir = tempdir("evalerr");
    std::fs::write(
        dir.join("p.yaml"),
        r#"id: eval-error
title: Eval error
version: 1
techniques: [T1059]
match: {technique: T1059}
analysis:
  - check: kind
    explain: a string
    value: "'shell'"
  - check: broken
    explain: negates a string
    value: "!facts.kind"
escalation:
  rules:
    - when: facts.broken
      tier: 2
      severity: high
      reason: x
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("p.tests.yaml"),
        r#"playbook: p.yaml
cases:
  - name: verdict right, expression broken
    alert: {process: {name: sh, command_line: "sh -c id"}, threat: {technique: {id: [T1059]}}}
    expect: {escalation: {escalate: false}}
"#,
    )
    .unwrap();
    let o = run(&["playbook", "test", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("check `broken`"), "{out}");
    assert!(out.contains("could not be evaluated"), "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");
    // A suite split into parts (`p.tests.PART.yaml`): every part runs, with the playbook named
    // or guessed from the part's name, and the parts are not taken for playbooks.
    std::fs::write(
        dir.join("p.tests.more.yaml"),
        r#"cases:
  - name: a second part's case
    alert: {process: {name: sh, command_line: "sh -c id"}, threat: {technique: {id: [T1059]}}}
    expect: {matched: true}
"#,
    )
    .unwrap();
    // (The broken check fails this case too: that it is run and reported is what counts.)
    for target in [dir.to_path_buf(), dir.join("p.yaml")] {
        let out = stdout(&run(&["playbook", "test", target.to_str().unwrap()]));
        assert!(out.contains("0 passed, 2 failed"), "{out}");
        assert!(
            out.contains("p.tests.more.yaml:2: a second part's case"),
            "{out}"
        );
    }
    let o = run(&[
        "playbook",
        "test",
        dir.join("p.tests.more.yaml").to_str().unwrap(),
    ]);
    assert!(stdout(&o).contains("0 passed, 1 failed"), "{}", stdout(&o));
    let o = run(&["playbook", "validate", dir.to_str().unwrap()]);
    assert!(!stdout(&o).contains("p.tests"), "{}", stdout(&o));
}

#[test]
fn validation_reports_every_problem_with_positions_and_fixes() {
    let dir = tempdir("validate");
    let pb = dir.join("bad.yaml");
    std::fs::write(
        &pb,
        r#"id: bad-playbook
title: Bad
version: 1
techniques: [T1059]
match: {technique: T1059}
analysis:
  - check: first
    explain: uses a later fact
    value: facts.second == true
  - check: second
    explain: ok
    value: alert.x ==
  - lookup: ask
    action: siem.serch
escalaton: {}
escalation:
  rules:
    - when: facts.nope
      tier: 5
      severity: urgent
      reason: x
actions:
  - id: isolate
    action: edr.isolate_host
    with: {hots: "{{alert.host.name}}"}
    approval: {approvers: [a], timeout: 30}
drill: {schedule: "not a cron"}
"#,
    )
    .unwrap();
    let o = run(&["playbook", "validate", pb.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let file = pb.display().to_string();
    for (line_col, needle) in [
        ("9:18", "`facts.second` is defined later"),
        ("12:", "expression does not parse"),
        ("14:13", "unknown capability `siem.serch`"),
        ("15:1", "unknown key `escalaton`"),
        ("18:19", "no check named `nope`"),
        ("19:13", "`tier` must be 1, 2 or 3"),
        ("20:17", "is not a severity"),
        ("25:12", "takes no parameter `hots`"),
        ("26:41", "invalid duration"),
        ("27:19", "invalid cron"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{file}:{line_col}")) && l.contains(needle)),
            "missing {line_col} {needle} in:\n{out}"
        );
    }
    assert!(out.contains("help: did you mean `siem.search`?"), "{out}");
    assert!(out.contains("help: did you mean `escalation`?"), "{out}");
    assert!(out.contains("help: did you mean `host`?"), "{out}");
    assert!(out.contains("needs the parameter `host`"), "{out}");
}

#[test]
fn yaml_syntax_error_names_line_and_column() {
    let dir = tempdir("syntax");
    let pb = dir.join("broken.yaml");
    std::fs::write(&pb, "id: x\ntitle: [unclosed\nversion: 1\n").unwrap();
    let o = run(&["playbook", "validate", pb.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("YAML syntax"), "{out}");
    assert!(
        out.contains(&format!("{}:", pb.display()))
            && out
                .lines()
                .next()
                .unwrap()
                .split(':')
                .nth(1)
                .unwrap()
                .parse::<u32>()
                .is_ok(),
        "{out}"
    );
}

#[test]
fn dry_run_json_report_has_the_contract_fields_and_sends_nothing() {
    let data = tempdir("dryrun");
    let o = run(&[
        "run",
        "--playbook",
        T1059,
        "--alert",
        "examples/alerts/linux-macos.jsonl",
        "--dry-run",
        "--format",
        "json",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reports: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 4);
    let web = reports.iter().find(|r| r["alert_id"] == "lx-0001").unwrap();
    for k in [
        "run_id",
        "playbook",
        "alert_id",
        "dry_run",
        "status",
        "escalation",
        "actions",
    ] {
        assert!(web.get(k).is_some(), "missing {k}");
    }
    assert_eq!(web["dry_run"], true);
    // A web server piping a download into a shell: high confidence, critical, isolation
    // proposed; not "immediate" (no lateral movement, privileged use or credential theft).
    assert_eq!(web["escalation"]["severity"], "critical");
    assert_eq!(web["escalation"]["immediate"], false);
    assert_eq!(web["escalation"]["tier"], 2);
    let actions = web["actions"].as_array().unwrap();
    let isolate = actions
        .iter()
        .find(|a| a["step"] == "isolate_host")
        .unwrap();
    assert_eq!(isolate["action"], "edr.isolate_host");
    assert_eq!(isolate["mutates"], true);
    assert_eq!(isolate["status"], "awaiting_approval");
    assert_eq!(isolate["params"]["host"], "web-03");
    let ticket = actions.iter().find(|a| a["step"] == "open_ticket").unwrap();
    assert_eq!(ticket["status"], "dry_run");
    // Nothing mutating completed.
    assert!(actions.iter().all(|a| a["status"] != "completed"));
    let benign = reports.iter().find(|r| r["alert_id"] == "lx-0002").unwrap();
    assert_eq!(benign["escalation"]["escalate"], false);
}

#[test]
fn runs_are_deduplicated_and_the_audit_chain_verifies_and_detects_tampering() {
    let data = tempdir("dedup");
    let d = data.to_str().unwrap();
    let args = [
        "run",
        "--playbook",
        T1059,
        "--alert",
        "examples/alerts/linux-macos.jsonl",
        "--dry-run",
        "--format",
        "json",
        "--data-dir",
        d,
    ];
    let a = stdout(&run(&args));
    let b = stdout(&run(&args));
    assert_eq!(a, b, "the same alert re-run returns the recorded runs");
    let list = stdout(&run(&["runs", "list", "--data-dir", d]));
    assert_eq!(list.lines().count(), 4, "{list}");
    let ok = run(&["audit", "verify", "--data-dir", d]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    let export = data.join("audit.jsonl");
    assert!(
        run(&[
            "audit",
            "export",
            "--out",
            export.to_str().unwrap(),
            "--data-dir",
            d
        ])
        .status
        .success()
    );
    let lines: Vec<String> = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(lines.len() > 8);
    assert!(
        run(&["audit", "verify", "--file", export.to_str().unwrap()])
            .status
            .success()
    );
    // a slice of the chain: refused as a whole chain (its beginning is missing), verified with
    // --partial and anchored to the entry before it
    let f = data.join("slice.jsonl");
    std::fs::write(&f, lines[4..].join("\n")).unwrap();
    let o = run(&["audit", "verify", "--file", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("--partial"), "{}", stdout(&o));
    let o = run(&[
        "audit",
        "verify",
        "--file",
        f.to_str().unwrap(),
        "--partial",
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    let anchor: serde_json::Value = serde_json::from_str(&lines[3]).unwrap();
    assert!(
        stdout(&o).contains(anchor["hash"].as_str().unwrap()),
        "{}",
        stdout(&o)
    );
    let mut cut = lines[4..].to_vec();
    cut.remove(2);
    std::fs::write(&f, cut.join("\n")).unwrap();
    let o = run(&[
        "audit",
        "verify",
        "--file",
        f.to_str().unwrap(),
        "--partial",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // --since: everything from a time on; from the future, nothing
    let since = |t: &str| {
        stdout(&run(&["audit", "export", "--since", t, "--data-dir", d]))
            .lines()
            .count()
    };
    assert_eq!(since("2000-01-01T00:00:00Z"), lines.len());
    assert_eq!(since("2999-01-01T00:00:00Z"), 0);
    assert_eq!(since("1h"), lines.len(), "all written in the last hour");
    assert!(
        !run(&["audit", "export", "--since", "yesterday", "--data-dir", d])
            .status
            .success()
    );
    // alter one line
    let mut altered = lines.clone();
    altered[3] = altered[3].replace("\"kind\":\"", "\"kind\":\"x");
    let f = data.join("altered.jsonl");
    std::fs::write(&f, altered.join("\n")).unwrap();
    let o = run(&["audit", "verify", "--file", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("entry 4"), "{}", stdout(&o));
    // delete one line
    let mut removed = lines.clone();
    removed.remove(2);
    std::fs::write(&f, removed.join("\n")).unwrap();
    let o = run(&["audit", "verify", "--file", f.to_str().unwrap()]);
    assert!(stdout(&o).contains("entry 3"), "{}", stdout(&o));
    // swap two lines
    let mut swapped = lines.clone();
    swapped.swap(5, 6);
    std::fs::write(&f, swapped.join("\n")).unwrap();
    let o = run(&["audit", "verify", "--file", f.to_str().unwrap()]);
    assert!(stdout(&o).contains("entry 6"), "{}", stdout(&o));
}

#[test]
fn malformed_alerts_are_reported_and_the_rest_still_run() {
    let data = tempdir("malformed");
    let f = data.join("mixed.jsonl");
    let good = std::fs::read_to_string(root().join("examples/alerts/linux-macos.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    std::fs::write(&f, format!("{first}\n{{not json\n[1,2]\n")).unwrap();
    let o = dry_run_t1059(&f, &data.join("d"));
    assert_eq!(
        o.status.code(),
        Some(1),
        "exit 1 tells a script that some input was unreadable"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2, column"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(stdout(&o).contains("1 run(s)"), "{}", stdout(&o));
}

#[test]
fn text_report_names_the_process_without_an_unknown_parent() {
    let data = tempdir("noparent");
    let f = data.join("a.json");
    std::fs::write(
        &f,
        r#"{"@timestamp": "2026-11-30T10:00:00Z", "host": {"name": "web-1", "os": {"type": "linux"}}, "user": {"name": "svc"},
            "process": {"executable": "/usr/bin/bash", "name": "bash", "command_line": "bash -c 'history -c; id'"},
            "threat": {"technique": {"id": ["T1059.004"]}}}"#,
    )
    .unwrap();
    let o = dry_run_t1059(&f, &data.join("d"));
    let out = stdout(&o);
    assert!(out.contains("\n  process /usr/bin/bash\n"), "{out}");
    assert!(!out.contains("null"), "{out}");
}

#[test]
fn alerts_show_prints_the_ecs_document_each_alert_becomes() {
    let data = tempdir("show");
    let f = data.join("mixed.jsonl");
    // A flat Sysmon event as NXLog ships it, then a line that is not JSON.
    std::fs::write(
        &f,
        concat!(
            r#"{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": "WS-1", "#,
            r#""Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c whoami", "#,
            r#""ParentImage": "C:\\Windows\\explorer.exe", "User": "CORP\\ann"}"#,
            "\n{not json\n"
        ),
    )
    .unwrap();
    let o = run(&["alerts", "show", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "an unreadable line is exit 1");
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&o));
    assert_eq!(lines[0]["position"], "line 1");
    let ecs = &lines[0]["ecs"];
    assert_eq!(ecs["process"]["name"], "cmd.exe");
    assert_eq!(ecs["process"]["command_line"], "cmd /c whoami");
    assert_eq!(ecs["process"]["parent"]["name"], "explorer.exe");
    assert_eq!(ecs["user"]["name"], "ann");
    assert_eq!(ecs["host"]["os"]["type"], "windows");
    assert!(lines[0]["alert_id"].as_str().is_some_and(|i| !i.is_empty()));
    assert!(lines[1]["position"].as_str().unwrap().starts_with("line 2"));
    assert!(
        lines[1]["unreadable"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
}

#[test]
fn unusable_data_directory_is_a_clear_error() {
    let dir = tempdir("baddata");
    let file = dir.join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let o = run(&["runs", "list", "--data-dir", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(file.to_str().unwrap()) && err.contains("not a directory"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bench_by_step_names_the_costliest_checks() {
    let o = run(&["bench", "--runs", "40", "--by-step"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("alerts/s"), "{out}");
    let steps: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("by step (40 timed runs)"))
        .skip(1)
        .collect();
    assert!(!steps.is_empty(), "no step listing: {out}");
    // Rows are `µs  share%  step id`, costliest first, naming the playbook's own checks.
    let costs: Vec<f64> = steps
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(costs.windows(2).all(|w| w[0] >= w[1]), "{out}");
    assert!(steps.len() >= 10 && steps.len() <= 20, "{out}");
    // Each row names one of the playbook's checks.
    let pb = std::fs::read_to_string(root().join(T1059)).unwrap();
    for l in &steps {
        let id = l.split_whitespace().last().unwrap();
        assert!(
            pb.contains(&format!("- check: {id}\n")),
            "{id} is not a check: {out}"
        );
    }
    let o = run(&["bench", "--runs", "0"]);
    assert!(!o.status.success(), "zero runs is refused, not a panic");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--runs must be at least 1"));
}
