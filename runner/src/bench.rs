//! `riposte bench`: the T1059 playbook in dry-run on one core, pure engine (no storage) and
//! through the durable driver (sled journal), with alerts/s and per-alert latency.

use anyhow::Result;
use playbooks::engine::{self, Outcome};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// One dry run of `a`, every lookup answered empty; with `timed`, also each step's time.
fn dry_run(
    pb: &playbooks::model::Playbook,
    a: &playbooks::alert::Alert,
    timed: bool,
) -> (engine::Report, Vec<u64>) {
    let answer = |_: &engine::CallRequest| Outcome::Ok {
        result: serde_json::Value::Null,
    };
    if timed {
        engine::run_offline_timed(pb, &a.id, &a.doc, true, answer, |_| None)
    } else {
        let r = engine::run_offline(pb, &a.id, &a.doc, true, answer, |_| None);
        (r, Vec::new())
    }
}

fn pct(v: &mut [u128], p: f64) -> u128 {
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

pub fn run(playbook: &Path, alerts: &Path, runs: usize, by_step: bool) -> Result<ExitCode> {
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let pb = crate::driver::load_playbook(playbook)?;
    let (files, alerts): (Vec<String>, Vec<_>) = crate::driver::read_alerts(alerts)?
        .into_iter()
        .filter_map(|(f, a)| Some((f, a.ok()?)))
        .filter(|(_, a)| engine::matches(&pb, &a.doc))
        .unzip();
    anyhow::ensure!(
        !alerts.is_empty(),
        "no alerts that the playbook takes in the bench input"
    );
    // Warm up (thread-local regex caches, allocator).
    for a in &alerts {
        let _ = dry_run(&pb, a, false);
    }
    let mut lat = Vec::with_capacity(runs);
    let t0 = Instant::now();
    for i in 0..runs {
        let a = &alerts[i % alerts.len()];
        let s = Instant::now();
        std::hint::black_box(dry_run(&pb, a, false));
        lat.push(s.elapsed().as_nanos());
    }
    let el = t0.elapsed();
    // Mean time per distinct alert (before `pct` sorts the latencies).
    let mut per_alert = vec![(0u128, 0u32); alerts.len()];
    for (i, ns) in lat.iter().enumerate() {
        let e = &mut per_alert[i % alerts.len()];
        e.0 += ns;
        e.1 += 1;
    }
    let p50 = pct(&mut lat, 0.50);
    let p99 = pct(&mut lat, 0.99);
    println!(
        "engine (dry-run, one thread, match + analysis + escalation + action rendering + report):"
    );
    println!(
        "  {runs} runs over {} distinct alerts in {:.3}s: {:.0} alerts/s; p50 {:.1} µs, p99 {:.1} µs",
        alerts.len(),
        el.as_secs_f64(),
        runs as f64 / el.as_secs_f64(),
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0
    );
    if by_step {
        let mut order: Vec<usize> = (0..alerts.len()).collect();
        let mean = |i: usize| per_alert[i].0 as f64 / per_alert[i].1.max(1) as f64 / 1000.0;
        order.sort_by(|&a, &b| mean(b).total_cmp(&mean(a)));
        println!("costliest alerts (mean µs per run):");
        for &i in order.iter().take(3) {
            println!(
                "  {:>8.1} µs  {}, {} ({})",
                mean(i),
                files[i],
                alerts[i].position,
                alerts[i].id
            );
        }
        by_step_report(&pb, &alerts, runs);
    }
    Ok(ExitCode::SUCCESS)
}

/// A second pass with each check timed (the timing itself costs a little, so it is not part of
/// the figures above): the costliest steps, in µs per run on average.
fn by_step_report(
    pb: &playbooks::model::Playbook,
    alerts: &[playbooks::alert::Alert],
    runs: usize,
) {
    let mut total = vec![0u64; pb.analysis.len()];
    let t0 = Instant::now();
    for i in 0..runs {
        let a = &alerts[i % alerts.len()];
        let (r, times) = dry_run(pb, a, true);
        std::hint::black_box(r);
        for (t, x) in total.iter_mut().zip(times) {
            *t += x;
        }
    }
    let whole = t0.elapsed().as_nanos() as f64;
    let checks: u64 = total.iter().sum();
    let per_run = |ns: f64| ns / runs as f64 / 1000.0;
    println!(
        "by step ({runs} timed runs): {:.1} µs per run, of which the checks {:.1} µs ({:.0}%); the costliest:",
        per_run(whole),
        per_run(checks as f64),
        checks as f64 * 100.0 / whole
    );
    let mut order: Vec<usize> = (0..total.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(total[i]));
    for i in order.into_iter().take(20).filter(|&i| total[i] > 0) {
        println!(
            "  {:>8.2} µs  {:>4.1}%  {}",
            per_run(total[i] as f64),
            total[i] as f64 * 100.0 / whole,
            pb.analysis[i].id()
        );
    }
}
