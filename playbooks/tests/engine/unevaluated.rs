//! A check whose expression cannot be evaluated reads as "not found" (the empty value of the kind
//! its expression gives, or its `default:`), is listed in `run.unevaluated`, and an escalation
//! rule can send the run to a human for that. Before, it was recorded as null, and a fact tested
//! as `facts.x != ''` then held: an error looked like a finding.

use playbooks::engine::{self, Outcome};
use serde_json::{Value as Json, json};

const PLAYBOOK: &str = r#"id: unevaluated-test
title: Unevaluated checks
version: 1
techniques: [T1059]
match: {technique: T1059}
analysis:
  - check: flag
    explain: a boolean check that errors on this alert
    value: int(alert.process.pid) > 100
  - check: signs
    explain: a string check that errors on this alert
    value: "alert.process.title + ' ran'"
  - check: urls_seen
    explain: a list check that errors on this alert
    value: urls(alert.process.title)
  - check: chosen
    explain: a check with its own default
    value: alert.process.title + alert.process.name
    default: unknown
  - check: guarded
    explain: a check whose guard errors on this alert
    when: alert.process.title.startsWith('x')
    value: "'guarded'"
  - check: fine
    explain: a check that evaluates
    value: alert.process.name == 'bash'
escalation:
  rules:
    - name: incomplete
      when: size(run.unevaluated) > 0
      tier: 2
      severity: medium
      reason: "Analysis incomplete: {{#each run.unevaluated}}{{this}} {{/each}}could not be evaluated."
    - name: found
      when: facts.flag || facts.signs == 'evil ran' || size(facts.urls_seen) > 0
      tier: 2
      severity: critical
      immediate: true
      reason: a finding
  otherwise: {tier: 1, severity: info, reason: nothing found}
actions: []
"#;

fn fact<'a>(r: &'a engine::Report, id: &str) -> &'a engine::FactReport {
    r.facts.iter().find(|f| f.id == id).expect(id)
}

#[test]
fn an_unevaluated_check_reads_as_not_found_and_sends_the_run_to_a_human() {
    let pb = playbooks::load_str("unevaluated.yaml", PLAYBOOK).expect("loads");
    // `pid` is a word and `title` a number: int() and `+` both fail.
    let doc = json!({"process": {"name": "bash", "pid": "abc", "title": 7}});
    let answer = |_: &engine::CallRequest| Outcome::Ok { result: Json::Null };
    let r = engine::run_offline(&pb, "a1", &doc, true, answer, |_| None);

    assert_eq!(fact(&r, "flag").value, json!(false));
    assert_eq!(fact(&r, "signs").value, json!(""));
    assert_eq!(fact(&r, "urls_seen").value, json!([]));
    assert_eq!(fact(&r, "chosen").value, json!("unknown"));
    assert_eq!(fact(&r, "fine").value, json!(true));
    assert_eq!(fact(&r, "guarded").value, json!(""));
    assert_eq!(
        r.unevaluated,
        ["flag", "signs", "urls_seen", "chosen", "guarded"]
    );
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["unevaluated"].as_array().map(Vec::len), Some(5));
    for id in ["flag", "signs", "urls_seen", "chosen", "guarded"] {
        assert!(!fact(&r, id).holds || id == "chosen", "{id} holds");
        assert!(
            r.notes
                .iter()
                .any(|n| n.starts_with(&format!("check `{id}`"))
                    && n.contains("could not be evaluated")),
            "no note for {id}: {:?}",
            r.notes
        );
    }

    let esc = r.escalation.expect("escalation decided");
    assert_eq!(esc.rules, vec!["incomplete".to_string()]);
    assert_eq!(esc.tier, 2);
    assert!(!esc.immediate, "an error is not a finding");
    assert_eq!(
        esc.reasons,
        vec![
            "Analysis incomplete: flag signs urls_seen chosen guarded could not be evaluated."
                .to_string()
        ]
    );
}

#[test]
fn a_complete_analysis_lists_nothing_unevaluated() {
    let pb = playbooks::load_str("unevaluated.yaml", PLAYBOOK).expect("loads");
    let doc = json!({"process": {"name": "sh", "pid": "42", "title": "job"}});
    let answer = |_: &engine::CallRequest| Outcome::Ok { result: Json::Null };
    let r = engine::run_offline(&pb, "a1", &doc, true, answer, |_| None);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert!(r.unevaluated.is_empty());
    // A complete run's report says nothing of it (older stored reports read the same).
    assert!(
        serde_json::to_value(&r)
            .unwrap()
            .get("unevaluated")
            .is_none()
    );
    assert_eq!(fact(&r, "signs").value, json!("job ran"));
    let esc = r.escalation.expect("escalation decided");
    assert_eq!(esc.tier, 1);
    assert_eq!(esc.reasons, vec!["nothing found".to_string()]);
}

#[test]
fn the_shipped_playbook_sends_an_alert_it_cannot_read_to_tier_2_not_to_containment() {
    let pb = crate::t1059();
    // A command line that is an object: no reader can make a string of it.
    let doc = json!({"host": {"name": "WS-9", "os": {"type": "windows"}}, "user": {"name": "kim"},
        "process": {"name": "powershell.exe", "command_line": {"text": "powershell -enc AAAA"},
            "parent": {"name": "explorer.exe"}}});
    let answer = |_: &engine::CallRequest| Outcome::Ok { result: Json::Null };
    let r = engine::run_offline(&pb, "a1", &doc, true, answer, |_| None);
    let esc = r.escalation.expect("escalation decided");
    assert_eq!(
        esc.rules.first().map(String::as_str),
        Some("analysis_incomplete"),
        "{esc:?}"
    );
    assert!(esc.tier >= 2 && !esc.immediate, "{esc:?}");
    assert!(
        esc.reasons[0].starts_with("The analysis is incomplete: `"),
        "{:?}",
        esc.reasons
    );
    assert!(
        r.actions
            .iter()
            .filter(|a| a.action == "edr.isolate_host")
            .all(|a| a.status == "skipped"),
        "no containment on an unreadable alert: {:?}",
        r.actions
    );
}

#[test]
fn a_default_of_another_kind_than_the_value_is_rejected_with_its_position() {
    let text = PLAYBOOK.replace(
        "    value: int(alert.process.pid) > 100\n",
        "    value: int(alert.process.pid) > 100\n    default: ''\n",
    );
    let err = playbooks::load_str("unevaluated.yaml", &text)
        .expect_err("rejected")
        .to_string();
    assert!(err.contains("unevaluated.yaml:10:14"), "{err}");
    assert!(
        err.contains("`default` is a string, but `value` always gives a boolean"),
        "{err}"
    );
}

#[test]
fn every_check_of_the_shipped_playbook_reads_as_not_found_when_unevaluated() {
    let pb = crate::t1059();
    let unknown: Vec<&str> = pb
        .analysis
        .iter()
        .filter_map(|s| match s {
            playbooks::model::Step::Check(c) if c.default.is_none() && c.value.kind().is_none() => {
                Some(c.id.as_str())
            }
            _ => None,
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "checks whose kind the expression does not tell and that have no `default:` \
         (an error would record null): {unknown:?}"
    );
}
