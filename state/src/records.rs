//! Persisted records, version 1. These are the on-disk contract: change them only by adding a
//! new version and keeping the old one decodable (fixtures under `tests/fixtures/`).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub v: u32,
    pub run_id: String,
    pub source: String,
    pub alert_id: String,
    pub alert: Json,
    pub playbook_id: String,
    pub playbook_version: String,
    pub playbook_hash: String,
    pub dry_run: bool,
    /// running | awaiting_approval | completed | failed | needs_attention | cancelled
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    /// The latest report (facts, escalation, actions) as JSON.
    #[serde(default)]
    pub report: Json,
}

/// One journal event of a run. `key` is the step key (`step` or `step[item]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JournalEntry {
    /// A call is about to be made; for mutate calls this is flushed before the request leaves.
    Started {
        v: u32,
        at: String,
        key: String,
        attempt: u32,
        idempotency_key: String,
        capability: String,
        mutates: bool,
        params_digest: String,
    },
    /// The call's answer (engine `Outcome` as JSON); on resume it is replayed, never re-run.
    Completed {
        v: u32,
        at: String,
        key: String,
        outcome: Json,
    },
    /// An approval was requested.
    ApprovalRequested {
        v: u32,
        at: String,
        key: String,
        request: Json,
    },
    /// The approval decision (engine `Decision` as JSON).
    ApprovalDecided {
        v: u32,
        at: String,
        key: String,
        decision: Json,
    },
    /// A try of a call failed with a retryable error and will be tried again; for a mutate the
    /// next try first reconciles (did the failed try take effect?).
    AttemptFailed {
        v: u32,
        at: String,
        key: String,
        attempt: u32,
        class: String,
        message: String,
    },
    /// An in-doubt mutate (started, no outcome) was reconciled with the target:
    /// `done` (recorded as its outcome), `not_done`/`idempotent` (sent again), or decided by an
    /// operator (`assumed_sent` / `assumed_not_sent`, with `by`).
    Reconciled {
        v: u32,
        at: String,
        key: String,
        resolution: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<Json>,
    },
    /// The run cannot go on without a human; `reason` says what to check.
    NeedsAttention {
        v: u32,
        at: String,
        key: String,
        reason: String,
    },
    /// An operator resumed the run.
    Resumed {
        v: u32,
        at: String,
        by: String,
    },
    /// An operator cancelled the run.
    Cancelled {
        v: u32,
        at: String,
        by: String,
        reason: String,
    },
    Escalated {
        v: u32,
        at: String,
        escalation: Json,
    },
    Finished {
        v: u32,
        at: String,
        status: String,
    },
}

/// The operator's name for audit records: `$SUDO_USER`, `$USER` or `$LOGNAME`.
pub fn local_user() -> String {
    for v in ["SUDO_USER", "USER", "LOGNAME"] {
        if let Ok(u) = std::env::var(v)
            && !u.is_empty()
        {
            return format!("local:{u}");
        }
    }
    "local:unknown".into()
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
