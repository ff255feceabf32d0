//! `riposte bench`: the T1059 playbook in dry-run on one core, pure engine (no storage) and
//! through the durable driver (sled journal), with alerts/s and per-alert latency.

use anyhow::Result;
use playbooks::engine::{self, Outcome};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

fn pct(v: &mut [u128], p: f64) -> u128 {
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

pub fn run(playbook: &Path, alerts: &Path, runs: usize) -> Result<ExitCode> {
    let pb = crate::driver::load_playbook(playbook)?;
    let alerts: Vec<_> = crate::driver::read_alerts(alerts)?
        .into_iter()
        .filter_map(|(_, a)| a.ok())
        .filter(|a| engine::matches(&pb, &a.doc))
        .collect();
    anyhow::ensure!(
        !alerts.is_empty(),
        "no alerts that the playbook takes in the bench input"
    );
    // Warm up (thread-local regex caches, allocator).
    for a in &alerts {
        let _ = engine::run_offline(
            &pb,
            &a.id,
            &a.doc,
            true,
            |_| Outcome::Ok {
                result: serde_json::Value::Null,
            },
            |_| None,
        );
    }
    let mut lat = Vec::with_capacity(runs);
    let t0 = Instant::now();
    for i in 0..runs {
        let a = &alerts[i % alerts.len()];
        let s = Instant::now();
        let r = engine::run_offline(
            &pb,
            &a.id,
            &a.doc,
            true,
            |_| Outcome::Ok {
                result: serde_json::Value::Null,
            },
            |_| None,
        );
        std::hint::black_box(r);
        lat.push(s.elapsed().as_nanos());
    }
    let el = t0.elapsed();
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
    Ok(ExitCode::SUCCESS)
}
