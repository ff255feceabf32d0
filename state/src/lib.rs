//! Durable state: runs, their journals and the audit chain, in sled. The only crate that touches
//! the database. Persisted records are versioned types of their own (`v: 1`), separate from the
//! engine's types, so the engine can change without breaking stored data.

pub mod approvals;
pub mod audit;
pub mod edl;
mod failpoint;
pub mod records;
pub mod scratch;

use records::{JournalEntry, RunRecord};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "cannot open the data directory {path}: {source}. Check that the path exists, is writable by this user, and that no other riposte process holds it"
    )]
    Open { path: PathBuf, source: sled::Error },
    #[error("data directory {path} is not usable: {why}")]
    Unusable { path: PathBuf, why: String },
    #[error("storage error: {0}")]
    Db(#[from] sled::Error),
    #[error(
        "stored record {key} cannot be decoded ({why}); the data directory may be from a newer Riposte or damaged"
    )]
    Decode { key: String, why: String },
    #[error("run {0} not found")]
    NoSuchRun(String),
    #[error(
        "writing the data directory to disk failed: {0}. Check free space and the disk's health; nothing after the last successful flush is assumed durable"
    )]
    Flush(String),
}

pub type Result<T> = std::result::Result<T, StateError>;

/// The store: one sled database under the data directory.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    runs: sled::Tree,
    journal: sled::Tree,
    /// The hash-chained audit log and its writer ([`audit`]).
    pub(crate) audit: std::sync::Arc<audit::AuditLog>,
    cursors: sled::Tree,
    quarantine: sled::Tree,
    unmatched: sled::Tree,
    /// Built-in block lists ([`edl`]).
    pub(crate) edl: sled::Tree,
    /// Blocks added per integration instance, for the hourly cap ([`edl`]).
    pub(crate) block_rate: sled::Tree,
    /// Pending and decided approvals ([`approvals`]).
    pub(crate) approvals: sled::Tree,
    path: PathBuf,
    commit: std::sync::Arc<GroupCommit>,
    /// Next journal sequence per run, once known (saves a tree scan per append).
    journal_seq: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u32>>>,
}

/// sled's page cache.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// How long a flush waits for concurrent committers to join it (only when there are some).
const COMMIT_DELAY_US: u64 = 500;

#[derive(Default)]
struct GroupCommit {
    requested: std::sync::atomic::AtomicU64,
    done: std::sync::Mutex<u64>,
    flushes: std::sync::atomic::AtomicU64,
    /// The committer thread of [`Store::commit`], started on first use.
    committer: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<CommitRequest>>>,
}

/// One caller waiting for its records to be durable: the database to flush (the committer
/// holds no handle of its own, so dropping every `Store` closes the database) and where to
/// answer.
struct CommitRequest {
    store: Store,
    done: tokio::sync::oneshot::Sender<std::result::Result<(), String>>,
}

/// The committer: takes every request queued, flushes once, answers them all. Requests that
/// arrive while it flushes form the next batch, so the more runs commit at once, the more
/// records each fsync covers — without a thread (or a blocking-pool task) per waiting run.
fn committer(rx: std::sync::mpsc::Receiver<CommitRequest>, gc: std::sync::Weak<GroupCommit>) {
    while let Ok(CommitRequest { store, done }) = rx.recv() {
        // No commit delay: requests queue while an fsync runs, so batches grow with the load
        // and with the disk's latency by themselves (measured: a delay only cost throughput).
        let mut batch = vec![done];
        batch.extend(rx.try_iter().map(|r| r.done));
        let res = store.sync().map_err(|e| e.to_string());
        if let Some(gc) = gc.upgrade() {
            gc.flushes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        // Released before anyone is answered: a caller that drops its last `Store` and opens
        // the directory again must not find it still held here.
        drop(store);
        for w in batch {
            let _ = w.send(res.clone());
        }
    }
}

/// One alert of a polled batch, as intake records it.
pub enum Intake<'a> {
    /// Start this run (skipped when a run with its id exists: the same alert never starts the
    /// same playbook twice).
    Run(&'a RunRecord),
    /// An alert no playbook takes (kept, listed by `riposte alerts unmatched`).
    Unmatched {
        id: String,
        record: serde_json::Value,
    },
    /// A document that could not be read (kept, listed by `riposte alerts quarantine`).
    Quarantined {
        id: String,
        record: serde_json::Value,
    },
}

/// Marks a value stored compressed: JSON never starts with a NUL byte, so records written
/// before compression (plain JSON) still decode as they are.
const PACKED: &[u8] = b"\0lz4";

/// Large records (runs with their alert and report, held alerts) are stored as LZ4-compressed
/// JSON. A T1059 report repeats the command content in several facts and is 10–45 KB of JSON;
/// compressed it is a few KB. That matters beyond disk space: sled 0.34 keeps up to 16 items
/// per leaf node and rewrites whole nodes as it consolidates them, so large values mean large
/// rewrites and node pages over its 128 KiB blob threshold (one file per write). Measured in
/// README.md § Benchmarks.
pub(crate) fn encode_packed<T: serde::Serialize>(v: &T) -> Vec<u8> {
    let json = serde_json::to_vec(v).expect("records serialise");
    let mut out = Vec::with_capacity(PACKED.len() + 4 + json.len() / 3);
    out.extend_from_slice(PACKED);
    out.extend_from_slice(&lz4_flex::block::compress_prepend_size(&json));
    out
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T> {
    let err = |why: String| StateError::Decode {
        key: key.to_owned(),
        why,
    };
    match bytes.strip_prefix(PACKED) {
        Some(packed) => {
            // The stored size is checked before anything is allocated: LZ4 expands at most
            // 255-fold, so a larger claim means the record is damaged.
            let (size, body) = match packed.split_first_chunk::<4>() {
                Some((n, body)) => (u32::from_le_bytes(*n) as usize, body),
                None => return Err(err("compressed record is damaged: too short".into())),
            };
            if size > body.len().saturating_mul(255) {
                return Err(err(format!(
                    "compressed record is damaged: claims {size} bytes from {}",
                    body.len()
                )));
            }
            let json = lz4_flex::block::decompress(body, size)
                .map_err(|e| err(format!("compressed record is damaged: {e}")))?;
            serde_json::from_slice(&json).map_err(|e| err(e.to_string()))
        }
        None => serde_json::from_slice(bytes).map_err(|e| err(e.to_string())),
    }
}

impl Store {
    /// Opens (creating if needed) the store in `dir`. Errors name the path and what to do.
    pub fn open(dir: &Path) -> Result<Store> {
        if dir.exists() && !dir.is_dir() {
            return Err(StateError::Unusable {
                path: dir.to_owned(),
                why: "it is a file, not a directory".into(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|e| StateError::Unusable {
            path: dir.to_owned(),
            why: e.to_string(),
        })?;
        let db_path = dir.join("db");
        // sled panics on some corrupt files; contain that and report the path instead.
        let open_once = || {
            std::panic::catch_unwind(|| {
                sled::Config::new()
                    .path(&db_path)
                    // sled caches up to 1 GiB by default; runs are read rarely once written.
                    .cache_capacity(CACHE_BYTES)
                    .open()
            })
        };
        // A store closed an instant ago (a restart, a command run right after the daemon
        // stopped) may not have released its file lock yet: sled's background flusher lets go
        // of it just after the last handle drops. Wait up to a second for it; a lock another
        // process keeps is then reported.
        let mut opened = open_once();
        for _ in 0..20 {
            let busy = matches!(&opened, Ok(Err(sled::Error::Io(e)))
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.to_string().contains("could not acquire lock"));
            if !busy {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            opened = open_once();
        }
        let db = match opened {
            Ok(Ok(db)) => db,
            Ok(Err(e)) => return Err(StateError::Open { path: db_path, source: e }),
            Err(_) => {
                return Err(StateError::Unusable {
                    path: db_path,
                    why: "the database files are corrupt (sled could not read them). Move the directory aside and restore it from backup; the audit export, if you keep one, can be verified with `riposte audit verify --file`".into(),
                })
            }
        };
        let t = |name: &str| {
            db.open_tree(name).map_err(|e| StateError::Open {
                path: db_path.clone(),
                source: e,
            })
        };
        Ok(Store {
            runs: t("runs")?,
            journal: t("journal")?,
            audit: std::sync::Arc::new(audit::AuditLog::new(t("audit")?)),
            cursors: t("cursors")?,
            quarantine: t("quarantine")?,
            unmatched: t("unmatched")?,
            edl: t("edl")?,
            block_rate: t("block_rate")?,
            approvals: t("approvals")?,
            db: db.clone(),
            path: dir.to_owned(),
            commit: Default::default(),
            journal_seq: Default::default(),
        })
    }

    /// A throw-away store in memory (configuration checks build integrations that need one,
    /// without touching — or locking — the real data directory).
    pub fn temporary() -> Result<Store> {
        let db = sled::Config::new().temporary(true).open()?;
        let t = |name: &str| db.open_tree(name);
        Ok(Store {
            runs: t("runs")?,
            journal: t("journal")?,
            audit: std::sync::Arc::new(audit::AuditLog::new(t("audit")?)),
            cursors: t("cursors")?,
            quarantine: t("quarantine")?,
            unmatched: t("unmatched")?,
            edl: t("edl")?,
            block_rate: t("block_rate")?,
            approvals: t("approvals")?,
            db: db.clone(),
            path: PathBuf::from("<temporary>"),
            commit: Default::default(),
            journal_seq: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes everything written so far durable (one fsync for many records).
    ///
    /// Group commit: concurrent callers share fsyncs. Each caller takes a ticket after its
    /// writes; one caller at a time flushes, covering every ticket issued before it started, so
    /// a caller whose ticket was covered while it waited returns without flushing again.
    pub fn flush(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        let ticket = self.commit.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut done = self.commit.done.lock().unwrap_or_else(|p| p.into_inner());
        if *done >= ticket {
            return Ok(());
        }
        // Commit delay (as PostgreSQL's `commit_delay`): when other runs are committing too, wait
        // a moment so that their records join this fsync instead of queueing for the next one.
        // A lone writer never waits.
        if self.commit.requested.load(Ordering::SeqCst) > ticket {
            std::thread::sleep(std::time::Duration::from_micros(COMMIT_DELAY_US));
        }
        let upto = self.commit.requested.load(Ordering::SeqCst);
        self.sync()?;
        *done = upto;
        self.commit.flushes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Makes everything written so far durable, for async callers: the wait is a future, not a
    /// blocked thread. A dedicated committer thread flushes once for every request queued
    /// while the previous fsync ran (group commit); records written before this call are in
    /// the flush that answers it.
    pub async fn commit(&self) -> Result<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let req = CommitRequest {
            store: self.clone(),
            done: tx,
        };
        let sender = self.commit.committer.get_or_init(|| {
            let (stx, srx) = std::sync::mpsc::channel();
            let gc = std::sync::Arc::downgrade(&self.commit);
            std::thread::Builder::new()
                .name("riposte-commit".into())
                .spawn(move || committer(srx, gc))
                .expect("spawn the committer thread");
            std::sync::Mutex::new(stx)
        });
        let sent = sender.lock().unwrap_or_else(|p| p.into_inner()).send(req);
        if sent.is_err() {
            // The committer is gone (it only exits with its Store, or if sled panicked in it):
            // flush off the async workers instead.
            return self.flush_blocking().await;
        }
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(StateError::Flush(why)),
            Err(_) => self.flush_blocking().await,
        }
    }

    /// [`Store::flush`] on the blocking pool (the committer's fallback).
    async fn flush_blocking(&self) -> Result<()> {
        tracing::warn!("the commit thread is gone; flushing on the blocking pool");
        let s = self.clone();
        tokio::task::spawn_blocking(move || s.flush())
            .await
            .map_err(|e| StateError::Flush(e.to_string()))?
    }

    /// Writes what is held back for the flush (the audit block), then flushes: one fsync.
    fn sync(&self) -> Result<()> {
        self.audit.write_pending()?;
        self.db.flush()?;
        Ok(())
    }

    /// fsyncs performed so far (for benchmarks: requests ÷ flushes = records per fsync).
    pub fn flushes(&self) -> u64 {
        self.commit
            .flushes
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Creates the run unless it exists. Returns false when it already existed (dedup).
    pub fn create_run(&self, r: &RunRecord) -> Result<bool> {
        let v = encode_packed(r);
        let res =
            self.runs
                .compare_and_swap(r.run_id.as_bytes(), None as Option<&[u8]>, Some(v))?;
        Ok(res.is_ok())
    }

    /// A source's durable cursor.
    pub fn cursor(&self, source: &str) -> Result<Option<serde_json::Value>> {
        match self.cursors.get(source.as_bytes())? {
            Some(b) => Ok(Some(decode(source, &b)?)),
            None => Ok(None),
        }
    }

    /// Exactly-once intake: creates the batch's runs (those not existing yet), records its
    /// unmatched and quarantined alerts, and advances the source's cursor — in one transaction,
    /// flushed before returning. A crash before the commit leaves nothing (the batch is polled
    /// again from the old cursor); after it, everything. Returns the ids of the runs created.
    pub fn intake(
        &self,
        source: &str,
        cursor: &serde_json::Value,
        items: &[Intake<'_>],
    ) -> Result<Vec<String>> {
        use sled::Transactional;
        let cur = serde_json::to_vec(cursor).expect("json");
        let created = (&self.runs, &self.cursors, &self.unmatched, &self.quarantine)
            .transaction(|(runs, cursors, unmatched, quarantine)| {
                let mut created = Vec::new();
                for it in items {
                    match it {
                        Intake::Run(r) => {
                            if runs.get(r.run_id.as_bytes())?.is_none() {
                                runs.insert(r.run_id.as_bytes(), encode_packed(r))?;
                                created.push(r.run_id.clone());
                            }
                        }
                        Intake::Unmatched { id, record } => {
                            let k = format!("{source}\0{id}");
                            unmatched.insert(k.as_bytes(), encode_packed(record))?;
                        }
                        Intake::Quarantined { id, record } => {
                            let k = format!("{source}\0{id}");
                            quarantine.insert(k.as_bytes(), encode_packed(record))?;
                        }
                    }
                }
                cursors.insert(source.as_bytes(), cur.clone())?;
                Ok(created)
            })
            .map_err(|e: sled::transaction::TransactionError<()>| match e {
                sled::transaction::TransactionError::Storage(e) => StateError::Db(e),
                sled::transaction::TransactionError::Abort(()) => {
                    StateError::Db(sled::Error::Unsupported("intake aborted".into()))
                }
            })?;
        self.sync()?;
        Ok(created)
    }

    /// Quarantined alerts (`unmatched = false`) or unmatched ones, as (source, record).
    pub fn held_alerts(&self, unmatched: bool) -> Result<Vec<(String, serde_json::Value)>> {
        let t = if unmatched {
            &self.unmatched
        } else {
            &self.quarantine
        };
        let mut out = Vec::new();
        for kv in t.iter() {
            let (k, v) = kv?;
            let ks = String::from_utf8_lossy(&k).into_owned();
            let source = ks.split('\0').next().unwrap_or("").to_owned();
            out.push((source, decode(&ks, &v)?));
        }
        Ok(out)
    }

    pub fn put_run(&self, r: &RunRecord) -> Result<()> {
        self.runs.insert(r.run_id.as_bytes(), encode_packed(r))?;
        Ok(())
    }

    pub fn get_run(&self, id: &str) -> Result<Option<RunRecord>> {
        match self.runs.get(id.as_bytes())? {
            Some(b) => Ok(Some(decode(id, &b)?)),
            None => Ok(None),
        }
    }

    pub fn runs(&self) -> Result<Vec<RunRecord>> {
        let mut out = Vec::new();
        for kv in self.runs.iter() {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    fn jkey(run: &str, seq: u32) -> Vec<u8> {
        let mut k = Vec::with_capacity(run.len() + 5);
        k.extend_from_slice(run.as_bytes());
        k.push(0);
        k.extend_from_slice(&seq.to_be_bytes());
        k
    }

    /// Appends a journal entry for a run; returns its sequence number.
    pub fn append(&self, run: &str, e: &JournalEntry) -> Result<u32> {
        failpoint::journal_write();
        let mut seqs = self.journal_seq.lock().unwrap_or_else(|p| p.into_inner());
        let seq = match seqs.get(run) {
            Some(n) => *n,
            None => {
                let mut prefix = run.as_bytes().to_vec();
                prefix.push(0);
                match self.journal.scan_prefix(&prefix).next_back() {
                    Some(kv) => {
                        let (k, _) = kv?;
                        let n = &k[k.len() - 4..];
                        u32::from_be_bytes([n[0], n[1], n[2], n[3]]) + 1
                    }
                    None => 0,
                }
            }
        };
        // Bounded: forget the counters of many runs at once (they are re-read on demand).
        if seqs.len() > 100_000 {
            seqs.clear();
        }
        seqs.insert(run.to_owned(), seq + 1);
        // The sequence number is reserved: the insert runs outside the lock, so runs on other
        // threads append at the same time. One run has one writer (its driver, or a decision
        // recorded while it is parked), so its own appends never overlap. A failed insert
        // leaves a gap in the numbers, which readers do not mind (they scan by prefix, in key
        // order); handing the number out again could overwrite a record still being written.
        drop(seqs);
        self.journal.insert(
            Self::jkey(run, seq),
            serde_json::to_vec(e).expect("records serialise"),
        )?;
        Ok(seq)
    }

    /// Removes a run and its journal (retention). The audit log keeps its entries.
    pub fn remove_run(&self, run: &str) -> Result<usize> {
        self.journal_seq
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(run);
        let mut prefix = run.as_bytes().to_vec();
        prefix.push(0);
        let mut n = 0;
        let keys: Vec<sled::IVec> = self
            .journal
            .scan_prefix(&prefix)
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        for k in keys {
            self.journal.remove(k)?;
            n += 1;
        }
        self.runs.remove(run.as_bytes())?;
        n += self.approvals_remove_run(run)?;
        Ok(n)
    }

    pub fn journal(&self, run: &str) -> Result<Vec<JournalEntry>> {
        let mut prefix = run.as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        for kv in self.journal.scan_prefix(&prefix) {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_records_round_trip_and_plain_json_still_decodes() {
        let v = serde_json::json!({"report": "x".repeat(20_000), "n": 1});
        let packed = encode_packed(&v);
        assert!(packed.starts_with(PACKED));
        assert!(
            packed.len() < 1_000,
            "repetitive JSON compresses: {}",
            packed.len()
        );
        let back: serde_json::Value = decode("k", &packed).unwrap();
        assert_eq!(back, v);
        // Records written before compression are plain JSON.
        let plain: serde_json::Value = decode("k", &serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(plain, v);
    }

    #[test]
    fn a_damaged_packed_record_is_a_decode_error_naming_the_key() {
        let mut packed = encode_packed(&serde_json::json!({"a": "b".repeat(100)}));
        packed.truncate(packed.len() - 3);
        let e = decode::<serde_json::Value>("run-1", &packed).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("run-1") && msg.contains("damaged"), "{msg}");
        // A damaged size header is refused before anything is allocated for it.
        let mut huge = PACKED.to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend_from_slice(b"\x10x");
        let msg = decode::<serde_json::Value>("run-2", &huge)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("claims 4294967295 bytes"), "{msg}");
    }

    #[test]
    fn runs_are_stored_compressed() {
        let s = Store::temporary().unwrap();
        let r: RunRecord = serde_json::from_value(serde_json::json!({
            "v": 1, "run_id": "run-x", "source": "s", "alert_id": "a",
            "alert": {"cmd": "powershell ".repeat(1000)},
            "playbook_id": "p", "playbook_version": "1", "playbook_hash": "h",
            "dry_run": true, "status": "running", "created_at": "t", "updated_at": "t"
        }))
        .unwrap();
        assert!(s.create_run(&r).unwrap());
        let raw = s.runs.get("run-x").unwrap().unwrap();
        assert!(
            raw.starts_with(PACKED) && raw.len() < 2_000,
            "{}",
            raw.len()
        );
        assert_eq!(s.get_run("run-x").unwrap().unwrap(), r);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commits_cover_what_was_written_and_release_the_database() {
        let dir = crate::scratch::TempDir::new("riposte-commit");
        let store = Store::open(&dir).unwrap();
        let mut set = tokio::task::JoinSet::new();
        for r in 0..40 {
            let s = store.clone();
            set.spawn(async move {
                for i in 0..5 {
                    let e = JournalEntry::Cancelled {
                        v: 1,
                        at: format!("t{i}"),
                        by: "test".into(),
                        reason: format!("step {i}"),
                    };
                    s.append(&format!("run-{r}"), &e).unwrap();
                    s.commit().await.unwrap();
                }
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        let flushes = store.flushes();
        assert!(
            (1..=200).contains(&flushes),
            "{flushes} flushes for 200 commits"
        );
        drop(store);
        // The committer holds no handle between batches: the database can be opened again, and
        // every committed entry is there.
        let again = Store::open(&dir).unwrap();
        for r in 0..40 {
            assert_eq!(again.journal(&format!("run-{r}")).unwrap().len(), 5);
        }
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
