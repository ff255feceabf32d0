//! End-to-end tests of the real binary, in one test binary (one link instead of six: the debug
//! build of the suite stays small enough for a CI disk).

mod approvals;
mod cli;
mod crash;
mod daemon;
mod sources;
mod t1059_integrations;
