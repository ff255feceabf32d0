//! The built-in external dynamic lists (EDL): typed block lists kept in the store and served as
//! plain text for firewalls to pull (PAN-OS EDL, FortiGate external resource, OPNsense/pfSense
//! URL-table alias). Each list is a set keyed by value; an entry may expire, and expired
//! entries are neither served nor kept (they are pruned whenever a list is read).
//!
//! The same module keeps the per-instance record of blocks added, which the blocking guards
//! count to enforce an hourly cap durably (a restart does not reset the count).

use crate::{Result, StateError, Store};
use serde::{Deserialize, Serialize};

/// The lists: `ip` (addresses and CIDRs), `domain`, `url`.
pub const LISTS: &[&str] = &["ip", "domain", "url"];

/// One entry of a list, as stored (`v: 1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdlEntry {
    pub v: u32,
    pub list: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The run that added (or last refreshed) the entry.
    pub run_id: String,
    /// Unix seconds.
    pub added_at: i64,
    /// Unix seconds; `None` lives until removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl EdlEntry {
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

fn key(list: &str, value: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(list.len() + value.len() + 1);
    k.extend_from_slice(list.as_bytes());
    k.push(0);
    k.extend_from_slice(value.as_bytes());
    k
}

fn check_list(list: &str) -> Result<()> {
    if LISTS.contains(&list) {
        Ok(())
    } else {
        Err(StateError::Decode {
            key: list.to_owned(),
            why: format!(
                "unknown block list `{list}`; lists are {}",
                LISTS.join(", ")
            ),
        })
    }
}

impl Store {
    /// Adds or refreshes an entry (a set insert: adding a value twice keeps one entry, with the
    /// later reason, run and expiry). Returns true when the value was not listed (or had expired).
    pub fn edl_add(&self, e: &EdlEntry) -> Result<bool> {
        check_list(&e.list)?;
        let k = key(&e.list, &e.value);
        let prev = self
            .edl
            .insert(k.clone(), serde_json::to_vec(e).expect("records serialise"))?;
        let fresh = match prev {
            None => true,
            Some(b) => {
                let old: EdlEntry = crate::decode(&String::from_utf8_lossy(&k), &b)?;
                old.expired(e.added_at)
            }
        };
        Ok(fresh)
    }

    /// Removes a value. Returns true when it was listed (and not expired).
    pub fn edl_remove(&self, list: &str, value: &str, now: i64) -> Result<bool> {
        check_list(list)?;
        let k = key(list, value);
        match self.edl.remove(k.clone())? {
            None => Ok(false),
            Some(b) => {
                let old: EdlEntry = crate::decode(&String::from_utf8_lossy(&k), &b)?;
                Ok(!old.expired(now))
            }
        }
    }

    /// The live entry for a value, if listed and not expired.
    pub fn edl_get(&self, list: &str, value: &str, now: i64) -> Result<Option<EdlEntry>> {
        check_list(list)?;
        let k = key(list, value);
        match self.edl.get(&k)? {
            None => Ok(None),
            Some(b) => {
                let e: EdlEntry = crate::decode(&String::from_utf8_lossy(&k), &b)?;
                Ok((!e.expired(now)).then_some(e))
            }
        }
    }

    /// The live entries of a list, in value order; expired entries are pruned on the way.
    pub fn edl_list(&self, list: &str, now: i64) -> Result<Vec<EdlEntry>> {
        check_list(list)?;
        let mut prefix = list.as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        let mut expired = Vec::new();
        for kv in self.edl.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let e: EdlEntry = crate::decode(&String::from_utf8_lossy(&k), &v)?;
            if e.expired(now) {
                expired.push((k, v));
            } else {
                out.push(e);
            }
        }
        for (k, v) in expired {
            // Only prune what we read: an entry refreshed meanwhile stays.
            let _ = self
                .edl
                .compare_and_swap(k, Some(v), None as Option<&[u8]>)?;
        }
        Ok(out)
    }

    /// Every stored entry of a list, expired ones included (diagnostics and tests).
    pub fn edl_stored(&self, list: &str) -> Result<usize> {
        check_list(list)?;
        let mut prefix = list.as_bytes().to_vec();
        prefix.push(0);
        Ok(self.edl.scan_prefix(&prefix).count())
    }

    /// Records one block added by integration instance `scope` (keyed by the call's idempotency
    /// key, so a retried call counts once) at `now` (unix seconds), forgets records older than
    /// `window` seconds, and says how many blocks `scope` added within the window. When `max`
    /// blocks are already recorded the call is not recorded and the answer is `OverCap`.
    pub fn block_rate_note(
        &self,
        scope: &str,
        call_key: &str,
        now: i64,
        window: i64,
        max: u64,
    ) -> Result<RateNote> {
        let mut prefix = scope.as_bytes().to_vec();
        prefix.push(0);
        let mut live = 0u64;
        let mut seen = false;
        let mut old = Vec::new();
        for kv in self.block_rate.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let at = v.as_ref().try_into().map(i64::from_be_bytes).unwrap_or(0);
            if at <= now - window {
                old.push(k);
                continue;
            }
            if &k[prefix.len()..] == call_key.as_bytes() {
                seen = true;
            }
            live += 1;
        }
        for k in old {
            self.block_rate.remove(k)?;
        }
        if seen {
            return Ok(RateNote::Admitted { count: live });
        }
        if live >= max {
            return Ok(RateNote::OverCap { count: live });
        }
        let mut k = prefix;
        k.extend_from_slice(call_key.as_bytes());
        self.block_rate.insert(k, now.to_be_bytes().to_vec())?;
        Ok(RateNote::Admitted { count: live + 1 })
    }
}

/// The answer of [`Store::block_rate_note`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateNote {
    /// Recorded (or already recorded for this call); `count` blocks within the window.
    Admitted { count: u64 },
    /// Not recorded: `count` blocks within the window already reach the cap.
    OverCap { count: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(list: &str, value: &str, at: i64, exp: Option<i64>) -> EdlEntry {
        EdlEntry {
            v: 1,
            list: list.into(),
            value: value.into(),
            reason: None,
            run_id: "r1".into(),
            added_at: at,
            expires_at: exp,
        }
    }

    #[test]
    fn set_semantics_expiry_and_pruning() {
        let dir = crate::scratch::TempDir::new("riposte-edl-unit");
        let s = Store::open(&dir).unwrap();
        assert!(s.edl_add(&entry("ip", "8.8.8.8", 100, Some(200))).unwrap());
        assert!(!s.edl_add(&entry("ip", "8.8.8.8", 150, Some(300))).unwrap());
        assert!(s.edl_add(&entry("ip", "9.9.9.9", 100, Some(120))).unwrap());
        let live: Vec<String> = s
            .edl_list("ip", 130)
            .unwrap()
            .into_iter()
            .map(|e| e.value)
            .collect();
        assert_eq!(live, vec!["8.8.8.8"]);
        assert_eq!(s.edl_stored("ip").unwrap(), 1, "expired entry pruned");
        assert!(s.edl_remove("ip", "8.8.8.8", 130).unwrap());
        assert!(!s.edl_remove("ip", "8.8.8.8", 130).unwrap());
        assert!(s.edl_add(&entry("nope", "x", 1, None)).is_err());
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn rate_counts_each_call_once_and_forgets_old_records() {
        let dir = crate::scratch::TempDir::new("riposte-rate-unit");
        let s = Store::open(&dir).unwrap();
        assert_eq!(
            s.block_rate_note("fw", "a", 1000, 3600, 2).unwrap(),
            RateNote::Admitted { count: 1 }
        );
        assert_eq!(
            s.block_rate_note("fw", "a", 1001, 3600, 2).unwrap(),
            RateNote::Admitted { count: 1 }
        );
        assert_eq!(
            s.block_rate_note("fw", "b", 1002, 3600, 2).unwrap(),
            RateNote::Admitted { count: 2 }
        );
        assert_eq!(
            s.block_rate_note("fw", "c", 1003, 3600, 2).unwrap(),
            RateNote::OverCap { count: 2 }
        );
        assert_eq!(
            s.block_rate_note("other", "c", 1003, 3600, 2).unwrap(),
            RateNote::Admitted { count: 1 }
        );
        assert_eq!(
            s.block_rate_note("fw", "c", 1000 + 3600, 3600, 2).unwrap(),
            RateNote::Admitted { count: 2 }
        );
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
