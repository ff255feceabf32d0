//! The engine under mangled input and with step timing, in one test binary.

mod fuzz;
mod step_times;
mod unevaluated;
