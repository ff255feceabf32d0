//! `riposte playbook validate|test`.

use anyhow::Result;
use playbooks::testcase;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Playbook files named directly or found in directories (`*.yaml`, not their test files).
pub fn playbook_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            v.retain(|f| is_playbook(f));
            v.sort();
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn is_playbook(f: &Path) -> bool {
    let n = f
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (n.ends_with(".yaml") || n.ends_with(".yml")) && !testcase::is_test_file(&n)
}

pub fn validate(paths: &[PathBuf]) -> Result<ExitCode> {
    let files = playbook_files(paths);
    if files.is_empty() {
        anyhow::bail!("no playbook files given (pass .yaml files or directories holding them)");
    }
    let mut problems = 0;
    for f in &files {
        match playbooks::load_file(f) {
            Ok(pb) => println!(
                "{}: ok — {} {} ({} analysis steps, {} escalation rules, {} actions)",
                f.display(),
                pb.id,
                pb.version,
                pb.analysis.len(),
                pb.escalation.rules.len(),
                pb.actions.len()
            ),
            Err(d) => {
                problems += d.len();
                println!("{d}");
            }
        }
    }
    if problems > 0 {
        println!("{problems} problem(s) in {} file(s)", files.len());
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

pub fn test(paths: &[PathBuf], verbose: bool) -> Result<ExitCode> {
    let mut suites = Vec::new();
    for p in paths {
        if p.is_dir() {
            for f in playbook_files(std::slice::from_ref(p)) {
                suites.extend(
                    testcase::tests_paths_for(&f)
                        .into_iter()
                        .filter(|t| t.exists()),
                );
            }
        } else if testcase::is_test_file(&p.to_string_lossy()) {
            suites.push(p.clone());
        } else {
            suites.extend(testcase::tests_paths_for(p));
        }
    }
    if suites.is_empty() {
        anyhow::bail!(
            "no test files found: a playbook `x.yaml` keeps its cases in `x.tests.yaml` (and parts `x.tests.PART.yaml`) beside it"
        );
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for s in suites {
        let suite = match testcase::load_suite(&s) {
            Ok(x) => x,
            Err(d) => {
                println!("{d}");
                failed += 1;
                continue;
            }
        };
        let pb = match playbooks::load_file(&suite.playbook) {
            Ok(pb) => pb,
            Err(d) => {
                println!("{d}");
                failed += 1;
                continue;
            }
        };
        for c in &suite.cases {
            let r = testcase::run_case(&pb, c);
            if r.passed() {
                passed += 1;
                if verbose {
                    let e = r.report.as_ref().and_then(|x| x.escalation.as_ref());
                    println!(
                        "ok    {} ({}) — tier {}{}",
                        r.name,
                        r.alert_label,
                        e.map(|e| e.tier).unwrap_or(0),
                        if e.is_some_and(|e| e.immediate) {
                            " immediate"
                        } else {
                            ""
                        }
                    );
                }
            } else {
                failed += 1;
                println!(
                    "FAIL  {}:{}: {} ({})",
                    suite.file.display(),
                    r.pos.line,
                    r.name,
                    r.alert_label
                );
                for m in &r.mismatches {
                    println!(
                        "      {}:\n        - expected {}\n        + got      {}",
                        m.what, m.expected, m.got
                    );
                }
                if let Some(rep) = &r.report {
                    let held: Vec<String> = rep
                        .facts
                        .iter()
                        .filter(|f| f.holds && f.card.is_some())
                        .map(|f| f.id.clone())
                        .collect();
                    println!("      facts that hold: {}", held.join(", "));
                    for n in &rep.notes {
                        println!("      note: {n}");
                    }
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
