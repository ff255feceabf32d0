//! The audit log: append-only and hash-chained across runs. Each entry holds the SHA-256 of the
//! previous entry, so altering, removing or reordering any entry breaks the chain at that point.

use crate::{Result, StateError, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub v: u32,
    pub seq: u64,
    pub at: String,
    /// run.created, step.started, step.completed, request.sent, approval.*, escalation, operator.*
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    pub detail: Json,
    pub prev: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over its canonical JSON without the `hash` field.
pub fn entry_hash(e: &AuditEntry) -> String {
    let body = serde_json::json!({
        "v": e.v, "seq": e.seq, "at": e.at, "kind": e.kind, "run_id": e.run_id, "detail": e.detail, "prev": e.prev,
    });
    hex::encode(Sha256::digest(serde_json::to_vec(&body).expect("json")))
}

/// Where a chain breaks.
#[derive(Debug, PartialEq)]
pub struct Break {
    /// 1-based position in the walked sequence.
    pub position: u64,
    pub seq: u64,
    pub why: String,
}

/// Walks entries in order from the genesis entry; `None` when the chain is intact.
pub fn verify_chain<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Option<Break> {
    verify_from(entries, 0, GENESIS)
}

/// Walks a slice of the chain that starts at entry `first_seq`, whose `prev` must be `anchor`
/// (the hash of the entry before it, as an earlier export or the database shows it). An export
/// made with `--since` is such a slice: it verifies on its own from its first entry, and the
/// anchor ties it to what came before.
pub fn verify_from<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    first_seq: u64,
    anchor: &str,
) -> Option<Break> {
    let mut prev = anchor.to_owned();
    for (i, e) in entries.into_iter().enumerate() {
        let pos = i as u64 + 1;
        let expect_seq = first_seq + i as u64;
        if e.seq != expect_seq {
            return Some(Break {
                position: pos,
                seq: e.seq,
                why: format!(
                    "expected entry #{expect_seq} here, found #{} (an entry was removed or reordered)",
                    e.seq
                ),
            });
        }
        if e.prev != prev {
            return Some(Break { position: pos, seq: e.seq, why: "its `prev` does not match the previous entry's hash (an entry before it was altered, removed or reordered)".into() });
        }
        let h = entry_hash(e);
        if h != e.hash {
            return Some(Break {
                position: pos,
                seq: e.seq,
                why: "its content does not match its hash (the entry was altered)".into(),
            });
        }
        prev = h;
    }
    None
}

impl Store {
    /// Appends an audit entry, chained to the last one. The head (sequence and hash of the last
    /// entry) is kept in memory under a lock, read from the tree once; appenders are serialised
    /// by that lock, and the insert is still a compare-and-swap on the new key so that a second
    /// process on the same tree could never fork the chain silently.
    pub fn audit(&self, kind: &str, run_id: Option<&str>, detail: Json) -> Result<AuditEntry> {
        let mut head = self.audit_head.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let (seq, prev) = match head.as_ref() {
                Some(h) => h.clone(),
                None => match self.audit.last()? {
                    Some((_, v)) => {
                        let e: AuditEntry =
                            serde_json::from_slice(&v).map_err(|e| StateError::Decode {
                                key: "audit head".into(),
                                why: e.to_string(),
                            })?;
                        (e.seq + 1, e.hash)
                    }
                    None => (0, GENESIS.to_owned()),
                },
            };
            let mut e = AuditEntry {
                v: 1,
                seq,
                at: crate::records::now(),
                kind: kind.to_owned(),
                run_id: run_id.map(str::to_owned),
                detail: detail.clone(),
                prev,
                hash: String::new(),
            };
            e.hash = entry_hash(&e);
            let k = seq.to_be_bytes();
            if self
                .audit
                .compare_and_swap(
                    k,
                    None as Option<&[u8]>,
                    Some(serde_json::to_vec(&e).expect("json")),
                )?
                .is_ok()
            {
                *head = Some((seq + 1, e.hash.clone()));
                return Ok(e);
            }
            // Someone else wrote that sequence number: re-read the head from the tree.
            *head = None;
        }
    }

    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        let mut out = Vec::new();
        for kv in self.audit.iter() {
            let (k, v) = kv?;
            out.push(serde_json::from_slice(&v).map_err(|e| StateError::Decode {
                key: format!("audit {}", hex::encode(&k)),
                why: e.to_string(),
            })?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let dir = std::env::temp_dir().join(format!("riposte-audit-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = Store::open(&dir).unwrap();
        for i in 0..n {
            s.audit("test", Some("run-x"), serde_json::json!({"i": i}))
                .unwrap();
        }
        let v = s.audit_entries().unwrap();
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
        v
    }

    #[test]
    fn intact_chain_verifies_and_tampering_is_named() {
        let c = chain(5);
        assert_eq!(verify_chain(&c), None);
        let mut altered = c.clone();
        altered[2].detail = serde_json::json!({"i": 99});
        assert_eq!(verify_chain(&altered).unwrap().seq, 2);
        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify_chain(&removed).unwrap().position, 2);
        let mut swapped = c.clone();
        swapped.swap(3, 4);
        assert_eq!(verify_chain(&swapped).unwrap().position, 4);
    }
}
