//! The runner's durable driver and approvals, in one test binary.

mod approvals;
mod durable;
