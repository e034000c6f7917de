//! Exit codes, in one place (documented in the README and `--help`).
pub const SUCCESS: i32 = 0;
/// A scenario failed (the target broke the contract) or errored (it could not be checked).
pub const FAILURES: i32 = 1;
/// Usage, configuration or scenario-file errors: nothing ran.
pub const USAGE: i32 = 2;
/// Interrupted by Ctrl-C or SIGTERM (reports of the partial run are written).
pub const INTERRUPTED: i32 = 130;
