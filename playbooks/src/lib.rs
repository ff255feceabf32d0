//! The playbook language: alerts in, playbooks parsed and validated, and the pure engine that
//! decides what a run does. No I/O here beyond reading a file the caller names: integrations,
//! storage and time are the runner's business, so everything in this crate is deterministic
//! and testable offline.

pub mod alert;
pub mod capabilities;
pub mod diag;
pub mod duration;
pub mod engine;
pub mod expr;
pub mod funcs;
pub mod load;
pub mod model;
mod native;
pub mod template;
pub mod testcase;
pub mod yaml;

pub use diag::{Diagnostic, Diagnostics, Pos};
pub use load::{load_file, load_str};
pub use model::Playbook;
