//! Process-wide metrics in the Prometheus text exposition format (`GET /metrics`): counters,
//! gauges and latency histograms, each keyed by name and label set. One registry per process;
//! the daemon serves it, the driver feeds step latencies and integration errors into it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

/// Latency buckets in seconds (upper bounds).
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    /// (name, labels) → value
    pub(crate) counters: Mutex<BTreeMap<(String, String), u64>>,
    gauges: Mutex<BTreeMap<(String, String), f64>>,
    histograms: Mutex<BTreeMap<(String, String), Histogram>>,
    pub queued: AtomicU64,
}

static GLOBAL: LazyLock<Metrics> = LazyLock::new(Metrics::default);

pub fn global() -> &'static Metrics {
    &GLOBAL
}

/// A `/proc/self/status` figure in KiB (`VmRSS`, `VmHWM`), where /proc exists.
pub fn proc_status_kib(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// `{key="value"}` with the value escaped for the exposition format.
pub fn label(k: &str, v: &str) -> String {
    labels(&[(k, v)])
}

/// `{k1="v1",k2="v2"}` with the values escaped for the exposition format.
pub fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl Metrics {
    pub fn inc(&self, name: &str, labels: &str, by: u64) {
        *self
            .counters
            .lock()
            .expect("metrics")
            .entry((name.to_owned(), labels.to_owned()))
            .or_default() += by;
    }

    pub fn set(&self, name: &str, labels: &str, v: f64) {
        self.gauges
            .lock()
            .expect("metrics")
            .insert((name.to_owned(), labels.to_owned()), v);
    }

    pub fn observe(&self, name: &str, labels: &str, seconds: f64) {
        let mut h = self.histograms.lock().expect("metrics");
        let e = h.entry((name.to_owned(), labels.to_owned())).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                e.counts[i] += 1;
            }
        }
        e.sum += seconds;
        e.count += 1;
    }

    pub fn counter_sum(&self, name: &str) -> u64 {
        self.counters
            .lock()
            .expect("metrics")
            .iter()
            .filter(|((n, _), _)| n == name)
            .map(|(_, v)| *v)
            .sum()
    }

    pub fn render(&self) -> String {
        let mut o = String::new();
        let mut last = String::new();
        for ((n, l), v) in self.counters.lock().expect("metrics").iter() {
            if *n != last {
                o.push_str(&format!("# TYPE {n} counter\n"));
                last = n.clone();
            }
            o.push_str(&format!("{n}{l} {v}\n"));
        }
        for ((n, l), v) in self.gauges.lock().expect("metrics").iter() {
            if *n != last {
                o.push_str(&format!("# TYPE {n} gauge\n"));
                last = n.clone();
            }
            o.push_str(&format!("{n}{l} {v}\n"));
        }
        for ((n, l), h) in self.histograms.lock().expect("metrics").iter() {
            if *n != last {
                o.push_str(&format!("# TYPE {n} histogram\n"));
                last = n.clone();
            }
            // `{a="b"}` → `a="b",` to prepend to `le`.
            let inner = l.trim_start_matches('{').trim_end_matches('}');
            let sep = if inner.is_empty() { "" } else { "," };
            for (i, b) in BUCKETS.iter().enumerate() {
                o.push_str(&format!(
                    "{n}_bucket{{{inner}{sep}le=\"{b}\"}} {}\n",
                    h.counts[i]
                ));
            }
            o.push_str(&format!(
                "{n}_bucket{{{inner}{sep}le=\"+Inf\"}} {}\n",
                h.count
            ));
            o.push_str(&format!("{n}_sum{l} {}\n{n}_count{l} {}\n", h.sum, h.count));
        }
        o.push_str(&format!(
            "# TYPE riposte_runs_queued gauge\nriposte_runs_queued {}\n",
            self.queued.load(Ordering::Relaxed)
        ));
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_labelled() {
        let m = Metrics::default();
        m.observe(
            "riposte_step_seconds",
            &label("capability", "edr.isolate_host"),
            0.02,
        );
        m.observe(
            "riposte_step_seconds",
            &label("capability", "edr.isolate_host"),
            3.0,
        );
        let t = m.render();
        assert!(
            t.contains(
                "riposte_step_seconds_bucket{capability=\"edr.isolate_host\",le=\"0.025\"} 1"
            ),
            "{t}"
        );
        assert!(
            t.contains("riposte_step_seconds_bucket{capability=\"edr.isolate_host\",le=\"5\"} 2"),
            "{t}"
        );
        assert!(
            t.contains("riposte_step_seconds_count{capability=\"edr.isolate_host\"} 2"),
            "{t}"
        );
        assert_eq!(label("x", "a\"b"), "{x=\"a\\\"b\"}");
    }
}
