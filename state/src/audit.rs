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

/// The hash of an entry: SHA-256 over its canonical JSON without the `hash` field (these fields,
/// in this order, `run_id` as `null` when absent).
pub fn entry_hash(e: &AuditEntry) -> String {
    #[derive(Serialize)]
    struct Body<'a> {
        v: u32,
        seq: u64,
        at: &'a str,
        kind: &'a str,
        run_id: &'a Option<String>,
        detail: &'a Json,
        prev: &'a str,
    }
    let body = Body {
        v: e.v,
        seq: e.seq,
        at: &e.at,
        kind: &e.kind,
        run_id: &e.run_id,
        detail: &e.detail,
        prev: &e.prev,
    };
    let mut h = Sha256::new();
    serde_json::to_writer(HashWriter(&mut h), &body).expect("json");
    hex::encode(h.finalize())
}

/// Feeds serialised JSON straight into the hash (no intermediate buffer).
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.update(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Marks a stored value holding several consecutive entries (a JSON array), written with one
/// insert at a flush. A value without it is one entry (as every entry was stored before blocks).
const BLOCK: &[u8] = b"\0blk";

/// The chain's writer: its head, and the entries appended since the last flush.
///
/// Entries are chained and hashed when they are appended (under this lock, so the chain has
/// one order), and written to the `audit` tree as one block per flush, just before the fsync:
/// one sled insert for every entry of a flush instead of one each (an insert costs 8–13 µs of
/// CPU whatever its size; measured in README.md § Benchmarks). Durability is unchanged: an entry
/// is durable with the flush that follows it, as any record is. Readers in this process write
/// the pending block first, so they see every entry.
pub(crate) struct AuditLog {
    tree: sled::Tree,
    state: std::sync::Mutex<AuditState>,
}

#[derive(Default)]
struct AuditState {
    /// (next sequence, hash of the last entry), once read.
    head: Option<(u64, String)>,
    /// Sequence of the first pending entry, and the pending entries as JSON.
    first: u64,
    pending: Vec<Vec<u8>>,
}

impl AuditLog {
    pub(crate) fn new(tree: sled::Tree) -> AuditLog {
        AuditLog {
            tree,
            state: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AuditState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the pending entries to the tree as one value (called before every flush).
    pub(crate) fn write_pending(&self) -> Result<()> {
        let mut st = self.lock();
        Self::write_locked(&self.tree, &mut st)
    }

    fn write_locked(tree: &sled::Tree, st: &mut AuditState) -> Result<()> {
        if st.pending.is_empty() {
            return Ok(());
        }
        let value = if st.pending.len() == 1 {
            std::mem::take(&mut st.pending[0])
        } else {
            let size: usize = st.pending.iter().map(|e| e.len() + 1).sum();
            let mut v = Vec::with_capacity(BLOCK.len() + size + 1);
            v.extend_from_slice(BLOCK);
            v.push(b'[');
            for (i, e) in st.pending.iter().enumerate() {
                if i > 0 {
                    v.push(b',');
                }
                v.extend_from_slice(e);
            }
            v.push(b']');
            v
        };
        // sled holds the directory locked, so this process is the chain's only writer.
        tree.insert(st.first.to_be_bytes(), value)?;
        st.pending.clear();
        Ok(())
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        // The last handle is going: what was appended reaches the tree (and sled writes the
        // tree out as it closes), as it did when every entry was inserted at once.
        let st = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = Self::write_locked(&self.tree, st) {
            tracing::error!(error = %e, "audit entries could not be written as the store closed");
        }
    }
}

/// The entries one stored value holds (one entry, or a block of them).
fn decode_value(k: &[u8], v: &[u8]) -> Result<Vec<AuditEntry>> {
    let err = |e: serde_json::Error| StateError::Decode {
        key: format!("audit {}", hex::encode(k)),
        why: e.to_string(),
    };
    match v.strip_prefix(BLOCK) {
        Some(block) => serde_json::from_slice(block).map_err(err),
        None => Ok(vec![serde_json::from_slice(v).map_err(err)?]),
    }
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
    /// Appends an audit entry, chained to the last one: sequence and hash of the last entry are
    /// kept in memory under the writer's lock (read from the tree once), so appenders are
    /// serialised and the chain has one order. The entry is written to the tree with the next
    /// flush ([`AuditLog`]).
    pub fn audit(&self, kind: &str, run_id: Option<&str>, detail: Json) -> Result<AuditEntry> {
        let log = &self.audit;
        let mut st = log.lock();
        let (seq, prev) = match st.head.take() {
            Some(h) => h,
            None => match log.tree.last()? {
                Some((k, v)) => {
                    let last = decode_value(&k, &v)?
                        .pop()
                        .ok_or_else(|| StateError::Decode {
                            key: format!("audit {}", hex::encode(&k)),
                            why: "an empty block".into(),
                        })?;
                    (last.seq + 1, last.hash)
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
            detail,
            prev,
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        if st.pending.is_empty() {
            st.first = seq;
        }
        st.pending
            .push(serde_json::to_vec(&e).expect("audit entries serialise"));
        st.head = Some((seq + 1, e.hash.clone()));
        Ok(e)
    }

    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        self.audit.write_pending()?;
        let mut out = Vec::new();
        for kv in self.audit.tree.iter() {
            let (k, v) = kv?;
            out.extend(decode_value(&k, &v)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let dir = crate::scratch::TempDir::new("riposte-audit");
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
    fn entries_written_in_blocks_read_back_in_order_and_continue_after_reopening() {
        let dir = crate::scratch::TempDir::new("riposte-audit-blocks");
        let s = Store::open(&dir).unwrap();
        for i in 0..3 {
            s.audit("a", None, serde_json::json!({"i": i})).unwrap();
        }
        s.flush().unwrap();
        s.audit("b", Some("run-1"), serde_json::json!({"i": 3}))
            .unwrap();
        s.flush().unwrap();
        for i in 4..6 {
            s.audit("c", None, serde_json::json!({"i": i})).unwrap();
        }
        // Not flushed yet: still read, and written as the store closes.
        assert_eq!(s.audit_entries().unwrap().len(), 6);
        s.audit("d", None, serde_json::json!({"i": 6})).unwrap();
        let stored: Vec<bool> = s
            .audit
            .tree
            .iter()
            .map(|kv| kv.unwrap().1.starts_with(BLOCK))
            .collect();
        assert_eq!(stored, [true, false, true], "blocks of 3, 1 and 2 entries");
        drop(s);
        let s = Store::open(&dir).unwrap();
        s.audit("e", None, serde_json::json!({"i": 7})).unwrap();
        let v = s.audit_entries().unwrap();
        let seqs: Vec<u64> = v.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..8).collect::<Vec<_>>());
        assert_eq!(v[7].detail["i"], 7);
        assert_eq!(verify_chain(&v), None);
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_hash_is_over_the_canonical_body() {
        let e = AuditEntry {
            v: 1,
            seq: 4,
            at: "2026-11-28T21:00:00.000Z".into(),
            kind: "step.started".into(),
            run_id: None,
            detail: serde_json::json!({"step": "contain", "n": 1}),
            prev: GENESIS.into(),
            hash: String::new(),
        };
        let body = serde_json::json!({
            "v": 1, "seq": 4, "at": "2026-11-28T21:00:00.000Z", "kind": "step.started",
            "run_id": null, "detail": {"step": "contain", "n": 1}, "prev": GENESIS,
        });
        let expect = hex::encode(Sha256::digest(serde_json::to_vec(&body).unwrap()));
        assert_eq!(entry_hash(&e), expect);
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
