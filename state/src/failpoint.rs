//! A crash-test hook. With `RIPOSTE_FAILPOINT_JOURNAL=N` in the environment, the process stops
//! dead at the N-th journal write of its life (before that write): it flushes nothing, announces
//! `riposte: failpoint journal write N reached` on stderr and waits for the test to SIGKILL it.
//! Unset (always, in production) it costs one relaxed atomic load per journal write.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

static AT: OnceLock<u64> = OnceLock::new();
static WRITES: AtomicU64 = AtomicU64::new(0);

pub fn journal_write() {
    let at = *AT.get_or_init(|| {
        std::env::var("RIPOSTE_FAILPOINT_JOURNAL")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    });
    if at == 0 {
        return;
    }
    let n = WRITES.fetch_add(1, Ordering::Relaxed) + 1;
    if n == at {
        eprintln!("riposte: failpoint journal write {n} reached");
        loop {
            std::thread::park();
        }
    }
}
