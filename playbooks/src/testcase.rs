//! Playbook tests: alerts with canned lookup results and the facts, escalation and actions the
//! playbook must decide. `riposte playbook test` runs them offline, like unit tests.
//!
//! A test file sits next to its playbook as `NAME.tests.yaml` (a large suite may add parts,
//! `NAME.tests.PART.yaml`, each a test file of the same form):
//!
//! ```yaml
//! playbook: NAME.yaml
//! defaults:
//!   lookups: { related_alerts: { total: 0, alerts: [] } }
//! cases:
//!   - name: encoded PowerShell from Word
//!     alert: { process: { … } }                # inline, or:
//!     # alert_file: testdata/x.jsonl
//!     # record: 3                              # 1-based line / array element (a Sigma
//!     #                                          engine rule report: its first event)
//!     # part: 2                                # a record that holds several alerts (an
//!     #                                          osquery batch, a search response): the
//!     #                                          1-based alert judged, the first by default
//!     lookups: { related_alerts: { total: 2 } } # canned answers, by lookup name
//!     expect:
//!       # unreadable: true                     # the alert must be reported unreadable (alone)
//!       matched: true
//!       facts: { obfuscated: true }            # only the facts named are compared
//!       escalation: { escalate: true, tier: 2, immediate: true, severity: critical }
//!       reasons_include: [ "lateral movement" ]
//!       actions: [ open_ticket, isolate_host ]  # exactly the actions proposed (not skipped)
//!       params: { block_domains: { value: evil.example } }
//! ```

use crate::alert;
use crate::diag::{Diagnostics, Pos};
use crate::engine::{self, ErrorClass, Outcome, Report};
use crate::model::Playbook;
use crate::yaml::{self, Kind, Node};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The alert is expected to be reported as unreadable (a shape no reader knows).
    #[serde(default)]
    pub unreadable: Option<bool>,
    #[serde(default)]
    pub matched: Option<bool>,
    #[serde(default)]
    pub facts: Map<String, Json>,
    #[serde(default)]
    pub escalation: Map<String, Json>,
    #[serde(default)]
    pub reasons_include: Vec<String>,
    #[serde(default)]
    pub actions: Option<Vec<String>>,
    #[serde(default)]
    pub params: Map<String, Json>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    #[serde(default)]
    alert: Option<Json>,
    #[serde(default)]
    alert_file: Option<String>,
    #[serde(default)]
    record: Option<usize>,
    #[serde(default)]
    part: Option<usize>,
    #[serde(default)]
    lookups: Map<String, Json>,
    #[serde(default)]
    failing_lookups: Vec<String>,
    expect: Expect,
}

#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub pos: Pos,
    pub alert: Json,
    pub alert_label: String,
    /// Which alert (1-based) of a record that holds several is judged.
    pub part: usize,
    pub lookups: Map<String, Json>,
    pub failing_lookups: Vec<String>,
    pub expect: Expect,
}

#[derive(Debug)]
pub struct Suite {
    pub file: PathBuf,
    pub playbook: PathBuf,
    pub cases: Vec<Case>,
}

/// Whether a file name is a playbook's test file: `x.tests.yaml`, or one part of its cases kept
/// in a file of its own, `x.tests.PART.yaml`.
pub fn is_test_file(name: &str) -> bool {
    name.ends_with(".yaml") && (name.ends_with(".tests.yaml") || name.contains(".tests."))
}

/// The test files of a playbook `x.yaml`: `x.tests.yaml`, then `x.tests.PART.yaml` in name
/// order (a large suite split by theme or origin). The first is named even when it does not
/// exist, so that the caller reports it missing.
pub fn tests_paths_for(playbook: &Path) -> Vec<PathBuf> {
    let stem = playbook
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let main = playbook.with_file_name(format!("{stem}.tests.yaml"));
    let prefix = format!("{stem}.tests.");
    let dir = match playbook.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .is_some_and(|n| {
                            n.starts_with(&prefix)
                                && n.ends_with(".yaml")
                                && n != format!("{stem}.tests.yaml")
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    parts.sort();
    let mut out = Vec::with_capacity(parts.len() + 1);
    if main.exists() || parts.is_empty() {
        out.push(main);
    }
    out.extend(
        parts
            .into_iter()
            .map(|p| playbook.with_file_name(p.file_name().unwrap_or_default())),
    );
    out
}

pub fn load_suite(path: &Path) -> Result<Suite, Diagnostics> {
    let name = path.display().to_string();
    let mut d = Diagnostics::new(&name);
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            d.error(Pos::UNKNOWN, format!("cannot read the test file: {e}"));
            return Err(d);
        }
    };
    let Some(root) = yaml::parse(&text, &mut d) else {
        return Err(d);
    };
    let Kind::Map(top) = &root.kind else {
        d.error(
            root.pos,
            "a test file is a mapping with `playbook:` and `cases:`",
        );
        return Err(d);
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let get = |k: &str| {
        top.iter()
            .find(|(kk, _)| kk.as_str() == Some(k))
            .map(|(_, v)| v)
    };
    for (k, _) in top {
        if !matches!(k.as_str(), Some("playbook" | "cases" | "defaults")) {
            d.error_hint(
                k.pos,
                format!(
                    "unknown key `{}` in a test file",
                    k.scalar_text().unwrap_or_default()
                ),
                "a test file has `playbook`, `defaults` and `cases`",
            );
        }
    }
    let playbook = match get("playbook").and_then(Node::as_str) {
        Some(p) => dir.join(p),
        None => {
            // `x.tests.yaml` or `x.tests.PART.yaml` → `x.yaml`.
            let p = path.to_string_lossy();
            let stem = p.rfind(".tests.").map_or(&p[..], |i| &p[..i]);
            PathBuf::from(format!("{stem}.yaml"))
        }
    };
    let mut default_lookups = Map::new();
    if let Some(def) = get("defaults")
        && let Json::Object(o) = def.to_json()
    {
        for (k, v) in o {
            match (k.as_str(), v) {
                ("lookups", Json::Object(l)) => default_lookups = l,
                _ => d.error(
                    def.pos,
                    format!("unknown default `{k}`: defaults take `lookups`"),
                ),
            }
        }
    }
    let mut cases = Vec::new();
    match get("cases").map(|n| &n.kind) {
        Some(Kind::Seq(items)) => {
            for item in items {
                let raw: RawCase = match serde_json::from_value(item.to_json()) {
                    Ok(r) => r,
                    Err(e) => {
                        d.error_hint(item.pos, format!("test case: {e}"), "a case has `name`, `alert` or `alert_file`+`record`, optional `lookups`, and `expect`");
                        continue;
                    }
                };
                let (alert, label) = match (&raw.alert, &raw.alert_file) {
                    (Some(a), None) => (a.clone(), "inline alert".to_owned()),
                    (None, Some(f)) => {
                        let p = dir.join(f);
                        let rec = raw.record.unwrap_or(1);
                        match std::fs::read_to_string(&p) {
                            Ok(t) => match nth_document(&t, rec) {
                                Some(a) => (a, format!("{f}#{rec}")),
                                None => {
                                    d.error(
                                        item.pos,
                                        format!(
                                            "case `{}`: {} has no record {rec}",
                                            raw.name,
                                            p.display()
                                        ),
                                    );
                                    continue;
                                }
                            },
                            Err(e) => {
                                d.error(
                                    item.pos,
                                    format!(
                                        "case `{}`: cannot read {}: {e}",
                                        raw.name,
                                        p.display()
                                    ),
                                );
                                continue;
                            }
                        }
                    }
                    _ => {
                        d.error_hint(item.pos, format!("case `{}` needs exactly one of `alert` and `alert_file`", raw.name), "inline the alert, or name a JSON/JSON-lines file and a `record` number");
                        continue;
                    }
                };
                let mut lookups = default_lookups.clone();
                for (k, v) in raw.lookups {
                    lookups.insert(k, v);
                }
                cases.push(Case {
                    name: raw.name,
                    pos: item.pos,
                    alert,
                    alert_label: label,
                    part: raw.part.unwrap_or(1).max(1),
                    lookups,
                    failing_lookups: raw.failing_lookups,
                    expect: raw.expect,
                });
            }
        }
        _ => d.error(root.pos, "a test file needs `cases:`, a list of test cases"),
    }
    if d.is_empty() {
        Ok(Suite {
            file: path.to_owned(),
            playbook,
            cases,
        })
    } else {
        Err(d)
    }
}

fn nth_document(text: &str, n: usize) -> Option<Json> {
    if let Ok(Json::Array(a)) = serde_json::from_str::<Json>(text.trim()) {
        return a.into_iter().nth(n.checked_sub(1)?);
    }
    let line = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .nth(n.checked_sub(1)?)?;
    serde_json::from_str(line).ok()
}

/// One failed expectation.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub what: String,
    pub expected: Json,
    pub got: Json,
}

#[derive(Debug)]
pub struct CaseResult {
    pub name: String,
    pub pos: Pos,
    pub alert_label: String,
    pub mismatches: Vec<Mismatch>,
    pub report: Option<Report>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Runs one case: normalise the alert, check the match, run in dry-run with canned lookups.
pub fn run_case(pb: &Playbook, case: &Case) -> CaseResult {
    let mut mm = Vec::new();
    let mut push = |what: String, expected: Json, got: Json| {
        mm.push(Mismatch {
            what,
            expected,
            got,
        })
    };
    // A record that holds several alerts (a Sigma engine's rule report, an osquery batch) is
    // tested on the alert `part` names, its first by default.
    let done = |mm: Vec<Mismatch>| CaseResult {
        name: case.name.clone(),
        pos: case.pos,
        alert_label: case.alert_label.clone(),
        mismatches: mm,
        report: None,
    };
    let mut all = alert::from_json_expanded(case.alert.clone(), &case.alert_label);
    if case.part > all.len() && case.part > 1 {
        push(
            "part".into(),
            Json::from(case.part),
            Json::String(format!("the record holds {} alert(s)", all.len())),
        );
        return done(mm);
    }
    let first = if all.is_empty() {
        alert::from_json(case.alert.clone(), &case.alert_label)
    } else {
        all.swap_remove(case.part - 1)
    };
    let alert = match (first, case.expect.unreadable == Some(true)) {
        (Ok(a), false) => a,
        (Err(_), true) => return done(mm),
        (Ok(_), true) => {
            push(
                "alert".into(),
                Json::String("an unreadable alert".into()),
                Json::String("a readable alert".into()),
            );
            return done(mm);
        }
        (Err(e), false) => {
            push(
                "alert".into(),
                Json::String("a readable alert".into()),
                Json::String(e.to_string()),
            );
            return done(mm);
        }
    };
    let matched = engine::matches(pb, &alert.doc);
    let want_match = case.expect.matched.unwrap_or(true);
    if matched != want_match {
        push(
            "matched".into(),
            Json::Bool(want_match),
            Json::Bool(matched),
        );
    }
    if !matched {
        return done(mm);
    }
    let report = engine::run_offline(
        pb,
        &alert.id,
        &alert.doc,
        true,
        |c| {
            if case.failing_lookups.contains(&c.key.step) {
                Outcome::Failed {
                    class: ErrorClass::Retryable,
                    message: "canned failure".into(),
                }
            } else {
                Outcome::Ok {
                    result: case.lookups.get(&c.key.step).cloned().unwrap_or(Json::Null),
                }
            }
        },
        |_| None,
    );
    // An expression that fails on this alert (a type the author did not expect: a number
    // where a string was, `!` on a string) is a bug in the playbook, whatever the verdict.
    for n in report
        .notes
        .iter()
        .filter(|n| n.contains("could not be evaluated"))
    {
        push(
            "evaluation".into(),
            Json::String("every expression evaluates".into()),
            Json::String(n.clone()),
        );
    }
    for (k, want) in &case.expect.facts {
        let got = report
            .facts
            .iter()
            .find(|f| &f.id == k)
            .map(|f| f.value.clone());
        match got {
            None => push(
                format!("facts.{k}"),
                want.clone(),
                Json::String("(no such fact)".into()),
            ),
            Some(g) if !json_matches(want, &g) => push(format!("facts.{k}"), want.clone(), g),
            _ => {}
        }
    }
    let esc = report
        .escalation
        .as_ref()
        .map(|e| serde_json::to_value(e).unwrap_or(Json::Null))
        .unwrap_or(Json::Null);
    for (k, want) in &case.expect.escalation {
        let got = esc.get(k).cloned().unwrap_or(Json::Null);
        if !json_matches(want, &got) {
            push(format!("escalation.{k}"), want.clone(), got);
        }
    }
    let reasons: Vec<String> = report
        .escalation
        .as_ref()
        .map(|e| e.reasons.clone())
        .unwrap_or_default();
    for r in &case.expect.reasons_include {
        if !reasons
            .iter()
            .any(|x| x.to_lowercase().contains(&r.to_lowercase()))
        {
            push(
                "escalation.reasons".into(),
                Json::String(format!("a reason containing `{r}`")),
                Json::from(reasons.clone()),
            );
        }
    }
    let mut proposed: Vec<String> = Vec::new();
    for a in &report.actions {
        if a.status != "skipped" && !proposed.contains(&a.step) {
            proposed.push(a.step.clone());
        }
    }
    if let Some(want) = &case.expect.actions {
        let mut w = want.clone();
        let mut g = proposed.clone();
        w.sort();
        g.sort();
        if w != g {
            push(
                "actions".into(),
                Json::from(want.clone()),
                Json::from(proposed.clone()),
            );
        }
    }
    for (step, want) in &case.expect.params {
        let got: Vec<Json> = report
            .actions
            .iter()
            .filter(|a| &a.step == step && a.status != "skipped")
            .map(|a| a.params.clone())
            .collect();
        let ok = match want {
            // a list: each entry must match one proposed call of that action
            Json::Array(ws) => {
                ws.iter().all(|w| got.iter().any(|g| json_matches(w, g))) && ws.len() == got.len()
            }
            w => got.iter().any(|g| json_matches(w, g)),
        };
        if !ok {
            push(format!("params.{step}"), want.clone(), Json::from(got));
        }
    }
    CaseResult {
        name: case.name.clone(),
        pos: case.pos,
        alert_label: case.alert_label.clone(),
        mismatches: mm,
        report: Some(report),
    }
}

/// `want` matches `got` when equal; objects match as subsets (only the keys named count).
pub fn json_matches(want: &Json, got: &Json) -> bool {
    match (want, got) {
        (Json::Object(w), Json::Object(g)) => w
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| json_matches(v, gv))),
        (Json::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
        _ => want == got,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `part` picks which alert of a record holding several is judged; one past the end is a
    /// failure that says how many the record holds.
    #[test]
    fn part_selects_an_alert_of_a_batched_record() {
        let dir = std::env::temp_dir().join(format!("riposte-part-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pb = dir.join("p.yaml");
        std::fs::write(
            &pb,
            "id: p\ntitle: P\nversion: 1.0.0\ntechniques: [T1059]\ndescription: x\nmatch:\n  when: get(alert, 'process.name', '') == 'sh'\nanalysis:\n  - check: root\n    explain: root\n    value: get(alert, 'user.name', '') == 'root'\nescalation:\n  rules:\n    - name: r\n      when: facts.root\n      tier: 2\n      severity: high\n      reason: root\n",
        )
        .unwrap();
        // An Elasticsearch search response: one alert per hit.
        let batch = serde_json::json!({"hits": {"hits": [
            {"_id": "a", "_source": {"process": {"name": "sh", "command_line": "sh -c id"}, "user": {"name": "u"}}},
            {"_id": "b", "_source": {"process": {"name": "sh", "command_line": "sh -c id"}, "user": {"name": "root"}}}]}});
        std::fs::write(dir.join("b.json"), batch.to_string()).unwrap();
        let tests = dir.join("p.tests.yaml");
        std::fs::write(
            &tests,
            "playbook: p.yaml\ncases:\n  - name: first\n    alert_file: b.json\n    expect: {escalation: {escalate: false}}\n  - name: second\n    alert_file: b.json\n    part: 2\n    expect: {escalation: {escalate: true}}\n  - name: third\n    alert_file: b.json\n    part: 3\n    expect: {escalation: {escalate: true}}\n",
        )
        .unwrap();
        let suite = load_suite(&tests).unwrap_or_else(|d| panic!("{d}"));
        let pb = crate::load::load_file(&pb).unwrap_or_else(|d| panic!("{d}"));
        let results: Vec<CaseResult> = suite.cases.iter().map(|c| run_case(&pb, c)).collect();
        assert!(results[0].passed(), "{:?}", results[0].mismatches);
        assert!(results[1].passed(), "{:?}", results[1].mismatches);
        assert!(!results[2].passed());
        assert_eq!(results[2].mismatches[0].what, "part");
        std::fs::remove_dir_all(&dir).ok();
    }
}
