//! `riposte bench --store`: what durability costs, measured on this machine's disk.
//!
//! 1. Raw sled: insert one 300-byte record and flush, N times (the floor: one fsync each).
//! 2. Riposte journal, commit-then-act: per mutate call, `Started` + audit + flush, then
//!    `Completed` + audit + flush (what the driver does around every side effect).
//! 3. Riposte journal, a read-only call: `Started` + `Completed`, no flush (reads are batched into
//!    the next flush).
//! 4. 10,000 runs parked awaiting approval: how much memory they hold (they are records in sled,
//!    not tasks), read from /proc/self/status before and after.

use anyhow::Result;
use state::Store;
use state::records::{JournalEntry, RunRecord, now};
use std::process::ExitCode;
use std::time::Instant;

fn pct(v: &mut [u128], p: f64) -> u128 {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, lat: &mut [u128]) {
    let total: u128 = lat.iter().sum();
    let n = lat.len();
    println!(
        "{name:<44} {:>9.0} ops/s   p50 {:>7.1} µs   p99 {:>7.1} µs",
        n as f64 / (total as f64 / 1e9),
        pct(lat, 0.5) as f64 / 1000.0,
        pct(lat, 0.99) as f64 / 1000.0
    );
}

pub fn run(n: usize) -> Result<ExitCode> {
    let dir = state::scratch::TempDir::new("riposte-bench-store");
    let payload = vec![b'x'; 300];

    // 1. Raw sled.
    {
        let db = sled::open(dir.join("raw"))?;
        let mut lat = Vec::with_capacity(n);
        for i in 0..n {
            let t = Instant::now();
            db.insert((i as u64).to_be_bytes(), payload.clone())?;
            db.flush()?;
            lat.push(t.elapsed().as_nanos());
        }
        report("raw sled: insert + flush", &mut lat);
    }

    let store = Store::open(&dir.join("riposte"))?;
    let started = |key: &str| JournalEntry::Started {
        v: 1,
        at: now(),
        key: key.into(),
        attempt: 1,
        idempotency_key: "bench".into(),
        capability: "edr.isolate_host".into(),
        mutates: true,
        params_digest: "0".repeat(64),
    };
    let completed = |key: &str| JournalEntry::Completed {
        v: 1,
        at: now(),
        key: key.into(),
        outcome: serde_json::json!({"outcome": "ok", "result": {"device_id": "aid-1", "status": "contained"}}),
    };
    // 2. A mutate call: commit, then act.
    {
        let mut lat = Vec::with_capacity(n);
        for i in 0..n {
            let run = format!("run-mutate-{i}");
            let t = Instant::now();
            store.append(&run, &started("contain"))?;
            store.audit(
                "step.started",
                Some(&run),
                serde_json::json!({"step": "contain"}),
            )?;
            store.flush()?;
            store.append(&run, &completed("contain"))?;
            store.audit(
                "step.completed",
                Some(&run),
                serde_json::json!({"step": "contain"}),
            )?;
            store.flush()?;
            lat.push(t.elapsed().as_nanos());
        }
        report("journaled mutate call (2 flushes)", &mut lat);
    }
    // 3. A read call: journaled, flushed with the next commit point.
    {
        let mut lat = Vec::with_capacity(n);
        for i in 0..n {
            let run = format!("run-read-{i}");
            let t = Instant::now();
            store.append(&run, &started("lookup"))?;
            store.append(&run, &completed("lookup"))?;
            lat.push(t.elapsed().as_nanos());
        }
        store.flush()?;
        report("journaled read call (no flush)", &mut lat);
    }
    // 3b. Many runs at once: 100 concurrent runs, each making journaled mutate calls (intent
    // flushed before acting, outcome flushed after); their flushes share fsyncs.
    let raw_rate;
    {
        let db = sled::open(dir.join("raw2"))?;
        let t = Instant::now();
        let k = n.min(20_000);
        for i in 0..k {
            db.insert((i as u64).to_be_bytes(), payload.clone())?;
            db.flush()?;
        }
        raw_rate = k as f64 / t.elapsed().as_secs_f64();
    }
    {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let runs = 100usize;
        let calls_per_run = (n / runs).max(10);
        let before = store.flushes();
        let t = Instant::now();
        rt.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for r in 0..runs {
                let store = store.clone();
                set.spawn(async move {
                    let run = format!("run-concurrent-{r}");
                    for c in 0..calls_per_run {
                        let key = format!("step{c}");
                        store.append(&run, &started(&key))?;
                        store.audit(
                            "step.started",
                            Some(&run),
                            serde_json::json!({"step": key}),
                        )?;
                        crate::driver::flush(&store).await?;
                        store.append(&run, &completed(&key))?;
                        store.audit(
                            "step.completed",
                            Some(&run),
                            serde_json::json!({"step": key}),
                        )?;
                        crate::driver::flush(&store).await?;
                    }
                    anyhow::Ok(())
                });
            }
            while let Some(r) = set.join_next().await {
                r??;
            }
            anyhow::Ok(())
        })?;
        let secs = t.elapsed().as_secs_f64();
        let records = (runs * calls_per_run * 2) as f64;
        let fsyncs = store.flushes() - before;
        println!(
            "100 concurrent runs, journaled mutate calls: {:.0} durable step records/s ({} records, {} fsyncs: {:.1} records per fsync); raw sled insert+flush {:.0}/s → ratio {:.1}×",
            records / secs,
            records as u64,
            fsyncs,
            records / fsyncs.max(1) as f64,
            raw_rate,
            (records / secs) / raw_rate
        );
    }

    // 4. Parked runs.
    let before = crate::metrics::proc_status_kib("VmRSS");
    let parked = 10_000;
    let alert = serde_json::json!({"host": {"name": "WS-01"}, "process": {"command_line": "powershell -enc ..."}});
    let t = Instant::now();
    for i in 0..parked {
        let id = format!("run-parked-{i:05}");
        store.create_run(&RunRecord {
            v: 1,
            run_id: id.clone(),
            source: "bench".into(),
            alert_id: format!("a{i}"),
            alert: alert.clone(),
            playbook_id: "t1059".into(),
            playbook_version: "1".into(),
            playbook_hash: "0".repeat(64),
            dry_run: false,
            status: "awaiting_approval".into(),
            created_at: now(),
            updated_at: now(),
            report: serde_json::json!({"status": "awaiting_approval"}),
        })?;
        store.append(
            &id,
            &JournalEntry::ApprovalRequested {
                v: 1,
                at: now(),
                key: "isolate_host".into(),
                request: serde_json::json!({"step": "isolate_host"}),
            },
        )?;
    }
    store.flush()?;
    let after = crate::metrics::proc_status_kib("VmRSS");
    println!(
        "10,000 runs parked awaiting approval: written in {:.2} s; process RSS {} KiB → {} KiB (+{} KiB: sled's page cache, no task or timer per run)",
        t.elapsed().as_secs_f64(),
        before.unwrap_or(0),
        after.unwrap_or(0),
        after.unwrap_or(0).saturating_sub(before.unwrap_or(0))
    );
    drop(store);
    Ok(ExitCode::SUCCESS)
}
