//! The shipped T1059 playbook runs wholly on the native evaluator: an expression that falls back
//! to `cel`'s interpreter (a function or method outside the native subset) still works, but
//! costs the engine its speed, so the shipped playbook must not drift there unnoticed.

use playbooks::expr::Expr;
use playbooks::model::{Match, Step};

fn from_match<'a>(m: &'a Match, out: &mut Vec<&'a Expr>) {
    match m {
        Match::When(e) => out.push(e),
        Match::Any(v) | Match::All(v) => v.iter().for_each(|m| from_match(m, out)),
        Match::Not(m) => from_match(m, out),
        Match::Technique(_) => {}
    }
}

#[test]
fn every_expression_of_the_shipped_playbook_is_native() {
    let pb = crate::t1059();
    let mut all: Vec<&Expr> = Vec::new();
    from_match(&pb.matcher, &mut all);
    for step in &pb.analysis {
        match step {
            Step::Check(c) => {
                all.push(&c.value);
                all.extend(c.when.as_ref());
            }
            Step::Lookup(l) => all.extend(l.when.as_ref()),
        }
    }
    all.extend(pb.escalation.rules.iter().map(|r| &r.when));
    for a in &pb.actions {
        all.extend(a.when.as_ref());
        all.extend(a.for_each.as_ref());
    }
    assert!(
        all.len() > 150,
        "the walk found the playbook's expressions ({})",
        all.len()
    );
    let not: Vec<&str> = all
        .iter()
        .filter(|e| !e.is_native())
        .map(|e| e.src.as_str())
        .collect();
    assert!(not.is_empty(), "left to cel's interpreter: {not:#?}");
}
