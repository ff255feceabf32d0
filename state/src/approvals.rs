//! Pending approvals: one record per (run, step) in the `approvals` tree.
//!
//! A parked run holds nothing in memory: its approval record (the request, who may approve, the
//! quorum, the wall-clock deadline, the votes so far, the chat messages posted, the single-use
//! tokens consumed and, once made, the decision) lives here. Every change is a read-modify-
//! compare-and-swap ([`Store::approval_update`]), so concurrent clicks serialise and a decision is
//! recorded exactly once.

use crate::{Result, Store, decode};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One vote (approve or deny) by an identity (`slack:U123`, `mattermost:abc`, `email:x@y`,
/// `local:alice`, `api`), through a channel (`slack`, `mattermost`, `teams`, `cli`, `api`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vote {
    pub who: String,
    pub via: String,
    pub at: String,
    pub approve: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The decision, recorded once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decided {
    /// The engine's `Decision` as JSON.
    pub decision: Json,
    /// `approved`, `denied` or `timed_out`.
    pub outcome: String,
    /// Who decided (the approvers for `approved`; `timer` for a timeout).
    pub by: Vec<String>,
    pub via: String,
    pub at: String,
}

/// A chat message posted for the approval, to update once it is decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageRef {
    /// `slack`, `mattermost`, `teams`.
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Slack `ts`, Mattermost post id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub v: u32,
    pub run_id: String,
    pub step: String,
    /// The engine's `ApprovalRequest` as JSON (capability, description, rendered calls, approval).
    pub request: Json,
    /// Approvers as the playbook names them (ids, `slack:ID`, `email:ADDR`, `group:NAME`).
    pub approvers: Vec<String>,
    /// The approvers resolved against the configured groups when the request was posted.
    #[serde(default)]
    pub allowed: Vec<String>,
    pub quorum: u32,
    pub created_at: String,
    /// Wall-clock deadline, Unix milliseconds: correct across restarts.
    pub deadline_ms: i64,
    /// `on_timeout: {escalate: CHANNEL}`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate_to: Option<String>,
    pub dry_run: bool,
    #[serde(default)]
    pub votes: Vec<Vote>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided: Option<Decided>,
    /// Whether the request was posted to chat (once; a restart does not post again).
    #[serde(default)]
    pub notified: bool,
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    /// Single-use token uses consumed: `NONCE` or `NONCE/IDENTITY`.
    #[serde(default)]
    pub used_tokens: Vec<String>,
}

impl ApprovalRecord {
    pub fn is_pending(&self) -> bool {
        self.decided.is_none()
    }
    /// Distinct identities that approved.
    pub fn approvals(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for x in self.votes.iter().filter(|x| x.approve) {
            if !v.contains(&x.who) {
                v.push(x.who.clone());
            }
        }
        v
    }
}

fn key(run: &str, step: &str) -> Vec<u8> {
    let mut k = run.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(step.as_bytes());
    k
}

impl Store {
    /// Creates the record unless one exists for (run, step); true when created.
    pub fn approval_create(&self, r: &ApprovalRecord) -> Result<bool> {
        let v = serde_json::to_vec(r).expect("records serialise");
        let res = self.approvals.compare_and_swap(
            key(&r.run_id, &r.step),
            None as Option<&[u8]>,
            Some(v),
        )?;
        Ok(res.is_ok())
    }

    pub fn approval_get(&self, run: &str, step: &str) -> Result<Option<ApprovalRecord>> {
        match self.approvals.get(key(run, step))? {
            Some(b) => Ok(Some(decode(&format!("approval {run}/{step}"), &b)?)),
            None => Ok(None),
        }
    }

    /// Every approval record (pending and decided), ordered by run then step.
    pub fn approvals(&self) -> Result<Vec<ApprovalRecord>> {
        let mut out = Vec::new();
        for kv in self.approvals.iter() {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// The approval records of one run.
    pub fn approvals_of(&self, run: &str) -> Result<Vec<ApprovalRecord>> {
        let mut prefix = run.as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        for kv in self.approvals.scan_prefix(&prefix) {
            let (k, v) = kv?;
            out.push(decode(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(out)
    }

    /// Atomically changes a record: `f` sees the current record and either changes it (returns
    /// `Ok`) or refuses (`Err`, nothing written). On a concurrent change `f` runs again on the
    /// newer record, so whatever `f` checks (not decided yet, not voted yet) holds when written.
    /// `None` when there is no such record.
    pub fn approval_update<T, E>(
        &self,
        run: &str,
        step: &str,
        mut f: impl FnMut(&mut ApprovalRecord) -> std::result::Result<T, E>,
    ) -> Result<Option<std::result::Result<(T, ApprovalRecord), E>>> {
        let k = key(run, step);
        loop {
            let Some(old) = self.approvals.get(&k)? else {
                return Ok(None);
            };
            let mut rec: ApprovalRecord = decode(&format!("approval {run}/{step}"), &old)?;
            let out = match f(&mut rec) {
                Ok(t) => t,
                Err(e) => return Ok(Some(Err(e))),
            };
            let new = serde_json::to_vec(&rec).expect("records serialise");
            if self
                .approvals
                .compare_and_swap(&k, Some(&old), Some(new))?
                .is_ok()
            {
                return Ok(Some(Ok((out, rec))));
            }
        }
    }

    /// Removes a run's approval records (retention).
    pub fn approvals_remove_run(&self, run: &str) -> Result<usize> {
        let mut prefix = run.as_bytes().to_vec();
        prefix.push(0);
        let keys: Vec<sled::IVec> = self
            .approvals
            .scan_prefix(&prefix)
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        for k in &keys {
            self.approvals.remove(k)?;
        }
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(run: &str) -> ApprovalRecord {
        ApprovalRecord {
            v: 1,
            run_id: run.into(),
            step: "contain".into(),
            request: Json::Null,
            approvers: vec!["U1".into()],
            allowed: vec![],
            quorum: 1,
            created_at: crate::records::now(),
            deadline_ms: 0,
            escalate_to: None,
            dry_run: false,
            votes: vec![],
            decided: None,
            notified: false,
            messages: vec![],
            used_tokens: vec![],
        }
    }

    #[test]
    fn concurrent_updates_serialise_and_refusals_write_nothing() {
        let dir = crate::scratch::TempDir::new("riposte-appr-state");
        let s = Store::open(&dir).unwrap();
        assert!(s.approval_create(&rec("r1")).unwrap());
        assert!(!s.approval_create(&rec("r1")).unwrap(), "created twice");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let s = s.clone();
                std::thread::spawn(move || {
                    s.approval_update("r1", "contain", |r| {
                        if r.decided.is_some() {
                            return Err("decided");
                        }
                        r.votes.push(Vote {
                            who: format!("u{i}"),
                            via: "t".into(),
                            at: String::new(),
                            approve: true,
                            reason: None,
                        });
                        if r.votes.len() == 3 {
                            r.decided = Some(Decided {
                                decision: Json::Null,
                                outcome: "approved".into(),
                                by: vec![],
                                via: "t".into(),
                                at: String::new(),
                            });
                        }
                        Ok(())
                    })
                    .unwrap()
                    .unwrap()
                    .is_ok()
                })
            })
            .collect();
        let ok = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|x| *x)
            .count();
        assert_eq!(ok, 3, "exactly three votes land before the decision");
        let r = s.approval_get("r1", "contain").unwrap().unwrap();
        assert_eq!(r.votes.len(), 3);
        assert!(
            s.approval_update("nope", "x", |_| Ok::<_, ()>(()))
                .unwrap()
                .is_none()
        );
        assert_eq!(s.approvals_remove_run("r1").unwrap(), 1);
        assert!(s.approvals().unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
