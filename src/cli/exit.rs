//! Exit codes, in one place (documented in the README and `--help`): every command ends in
//! [`code`].
use crate::results::RunResult;

pub const SUCCESS: i32 = 0;
/// A scenario failed (the target broke the contract) or errored (it could not be checked).
pub const FAILURES: i32 = 1;
/// Usage, configuration or scenario-file errors: nothing ran.
pub const USAGE: i32 = 2;
/// Interrupted by Ctrl-C or SIGTERM (reports of the partial run are written).
pub const INTERRUPTED: i32 = 130;

/// How a command ended.
#[derive(Debug, Clone, Copy)]
pub enum Ending<'a> {
    /// Nothing ran: bad usage, configuration, scenario files, or a setup failure.
    Setup,
    /// A run (or a merged or re-rendered one) with its reports written.
    Ran(&'a RunResult),
    /// A saved run merged or rendered again (`conform report merge|render`): its verdict. That
    /// it was interrupted was the original process's exit code, not this one's.
    Saved(&'a RunResult),
    /// The run ended but its reports could not be written.
    ReportsFailed,
    /// `conform parity` / `conform report parity`: whether the two sides differ, and whether
    /// either run was interrupted.
    Parity { differ: bool, interrupted: bool },
}

/// The process exit code of `ending`.
pub fn code(ending: Ending<'_>) -> i32 {
    match ending {
        Ending::Setup => USAGE,
        Ending::Ran(r) if r.interrupted => INTERRUPTED,
        Ending::Ran(r) if r.success() => SUCCESS,
        Ending::Ran(_) | Ending::ReportsFailed => FAILURES,
        Ending::Saved(r) if r.success() => SUCCESS,
        Ending::Saved(_) => FAILURES,
        Ending::Parity {
            interrupted: true, ..
        } => INTERRUPTED,
        Ending::Parity { differ: true, .. } => FAILURES,
        Ending::Parity { differ: false, .. } => SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Outcome, Summary};

    fn run(outcomes: &[Outcome], interrupted: bool) -> RunResult {
        let mut r: RunResult = serde_json::from_value(serde_json::json!({
            "schema_version": "1",
            "conform_version": "0",
            "environment": {"name": "t", "base_url": "http://127.0.0.1:1", "production": false, "capabilities": []},
            "started_at": "2026-01-01T00:00:00Z",
            "duration_ms": 1.0,
            "scenarios": [],
            "summary": {"total": 0, "passed": 0, "failed": 0, "errored": 0, "skipped": 0, "not_run": 0},
            "interrupted": interrupted
        }))
        .unwrap_or_else(|e| panic!("a minimal result: {e}"));
        let mut s = Summary::of(&[]);
        for o in outcomes {
            s.total += 1;
            match o {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::Errored => s.errored += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::NotRun => s.not_run += 1,
            }
        }
        r.summary = s;
        r
    }

    #[test]
    fn every_ending_has_its_documented_code() {
        assert_eq!(code(Ending::Setup), 2);
        assert_eq!(code(Ending::ReportsFailed), 1);
        let passed = run(&[Outcome::Passed, Outcome::Skipped], false);
        assert_eq!(code(Ending::Ran(&passed)), 0, "skipped ones are allowed");
        assert_eq!(code(Ending::Ran(&run(&[Outcome::Failed], false))), 1);
        assert_eq!(code(Ending::Ran(&run(&[Outcome::Errored], false))), 1);
        assert_eq!(
            code(Ending::Ran(&run(&[Outcome::Failed], true))),
            130,
            "an interrupted run is 130 whatever its results"
        );
        assert_eq!(code(Ending::Ran(&run(&[Outcome::Passed], true))), 130);
        assert_eq!(
            code(Ending::Ran(&run(&[Outcome::NotRun], false))),
            1,
            "a scenario not run is not a pass"
        );
        assert_eq!(code(Ending::Saved(&run(&[Outcome::NotRun], true))), 1);
        assert_eq!(code(Ending::Saved(&passed)), 0);
        assert_eq!(
            code(Ending::Parity {
                differ: false,
                interrupted: false
            }),
            0
        );
        assert_eq!(
            code(Ending::Parity {
                differ: true,
                interrupted: false
            }),
            1
        );
        assert_eq!(
            code(Ending::Parity {
                differ: false,
                interrupted: true
            }),
            130
        );
    }
}
