//! Verdicts: of a scenario or step ([`Outcome`]) and of one expectation ([`CheckOutcome`]).
use crate::source::SourceLocation;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// The target broke the contract: an expectation did not hold.
    Failed,
    /// The run could not check: connection refused, timeout, bad template, ...
    Errored,
    /// Not run on purpose (unmet `requires`, refused on production), with a reason.
    Skipped,
    /// Not run because the run was interrupted or stopped by `--fail-fast`.
    NotRun,
}

impl Outcome {
    /// Combines step outcomes into a scenario outcome: an error outweighs a failure.
    pub fn worst(self, other: Outcome) -> Outcome {
        fn rank(o: Outcome) -> u8 {
            match o {
                Outcome::Passed => 0,
                Outcome::Skipped => 1,
                Outcome::NotRun => 2,
                Outcome::Failed => 3,
                Outcome::Errored => 4,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Errored => "errored",
            Outcome::Skipped => "skipped",
            Outcome::NotRun => "not_run",
        }
    }
}

/// The verdict of one expectation, with the evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckOutcome {
    pub passed: bool,
    /// What was checked: `status`, `header X-API-Version`, `body $.status equals`, `contract`...
    pub check: String,
    pub expected: String,
    pub actual: String,
    #[serde(default)]
    pub location: Option<SourceLocation>,
    /// Extra detail (e.g. the contract operation and JSON pointer).
    #[serde(default)]
    pub detail: Option<String>,
}
