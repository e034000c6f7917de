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

/// What became of one expectation: it held, it did not (the target broke the contract), or
/// conform could not judge it (an unreadable schema file, a template that does not render, a
/// contract lookup that cannot be made). Never a `bool`: "could not check" is not "failed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Passed,
    Failed,
    Errored,
}

impl CheckStatus {
    /// `Passed` when `held`, else `Failed`.
    pub fn judged(held: bool) -> CheckStatus {
        if held {
            CheckStatus::Passed
        } else {
            CheckStatus::Failed
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Passed => "passed",
            CheckStatus::Failed => "failed",
            CheckStatus::Errored => "errored",
        }
    }

    /// The outcome of a step whose checks came to this (an errored check errors the step).
    pub fn outcome(self) -> Outcome {
        match self {
            CheckStatus::Passed => Outcome::Passed,
            CheckStatus::Failed => Outcome::Failed,
            CheckStatus::Errored => Outcome::Errored,
        }
    }
}

/// The verdict of one expectation, with the evidence.
///
/// In `results.json` the status is `"outcome"`, with `"passed"` (a bool) beside it for
/// readers of version 1; a file with `passed` only reads as passed or failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "CheckOutcomeWire", from = "CheckOutcomeWire")]
pub struct CheckOutcome {
    pub status: CheckStatus,
    /// What was checked: `status`, `header X-API-Version`, `body $.status equals`, `contract`...
    pub check: String,
    pub expected: String,
    pub actual: String,
    pub location: Option<SourceLocation>,
    /// Extra detail (e.g. the contract operation and JSON pointer).
    pub detail: Option<String>,
}

impl CheckOutcome {
    /// A check conform could judge: passed when `held`, else failed.
    pub fn judged(
        held: bool,
        check: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
        location: Option<SourceLocation>,
    ) -> CheckOutcome {
        CheckOutcome {
            status: CheckStatus::judged(held),
            check: check.into(),
            expected: expected.into(),
            actual: actual.into(),
            location,
            detail: None,
        }
    }

    /// A check conform could not judge; `why` says what stood in the way.
    pub fn errored(
        check: impl Into<String>,
        expected: impl Into<String>,
        why: impl Into<String>,
        location: Option<SourceLocation>,
    ) -> CheckOutcome {
        CheckOutcome {
            status: CheckStatus::Errored,
            check: check.into(),
            expected: expected.into(),
            actual: why.into(),
            location,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: Option<String>) -> CheckOutcome {
        self.detail = detail;
        self
    }

    /// The expectation held.
    pub fn passed(&self) -> bool {
        self.status == CheckStatus::Passed
    }

    /// conform could not judge the expectation.
    pub fn is_errored(&self) -> bool {
        self.status == CheckStatus::Errored
    }

    /// The worst status of `checks` (`Passed` for none): an error outweighs a failure.
    pub fn worst<'a>(checks: impl IntoIterator<Item = &'a CheckOutcome>) -> CheckStatus {
        let mut worst = CheckStatus::Passed;
        for c in checks {
            match c.status {
                CheckStatus::Errored => return CheckStatus::Errored,
                CheckStatus::Failed => worst = CheckStatus::Failed,
                CheckStatus::Passed => {}
            }
        }
        worst
    }
}

/// [`CheckOutcome`] as `results.json` writes it (version 2) and reads it (versions 1 and 2).
#[derive(Serialize, Deserialize)]
struct CheckOutcomeWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<CheckStatus>,
    passed: bool,
    check: String,
    expected: String,
    actual: String,
    #[serde(default)]
    location: Option<SourceLocation>,
    #[serde(default)]
    detail: Option<String>,
}

impl From<CheckOutcome> for CheckOutcomeWire {
    fn from(c: CheckOutcome) -> Self {
        CheckOutcomeWire {
            outcome: Some(c.status),
            passed: c.status == CheckStatus::Passed,
            check: c.check,
            expected: c.expected,
            actual: c.actual,
            location: c.location,
            detail: c.detail,
        }
    }
}

impl From<CheckOutcomeWire> for CheckOutcome {
    fn from(w: CheckOutcomeWire) -> Self {
        CheckOutcome {
            status: w.outcome.unwrap_or(CheckStatus::judged(w.passed)),
            check: w.check,
            expected: w.expected,
            actual: w.actual,
            location: w.location,
            detail: w.detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_json_carries_the_status_and_the_old_bool() {
        let c = CheckOutcome::errored("body schema x.json", "valid", "cannot read", None);
        let v = serde_json::to_value(&c).expect("serializes");
        assert_eq!(v["outcome"], "errored");
        assert_eq!(v["passed"], false);
        let back: CheckOutcome = serde_json::from_value(v).expect("reads back");
        assert_eq!(back, c);
        // A version-1 check has `passed` only.
        let old: CheckOutcome = serde_json::from_str(
            r#"{"passed": true, "check": "status", "expected": "200", "actual": "200"}"#,
        )
        .expect("reads version 1");
        assert_eq!(old.status, CheckStatus::Passed);
        let old: CheckOutcome = serde_json::from_str(
            r#"{"passed": false, "check": "status", "expected": "200", "actual": "500"}"#,
        )
        .expect("reads version 1");
        assert_eq!(old.status, CheckStatus::Failed);
    }

    #[test]
    fn an_error_outweighs_a_failure() {
        let pass = CheckOutcome::judged(true, "a", "", "", None);
        let fail = CheckOutcome::judged(false, "b", "", "", None);
        let err = CheckOutcome::errored("c", "", "", None);
        assert_eq!(CheckOutcome::worst([]), CheckStatus::Passed);
        assert_eq!(CheckOutcome::worst([&pass, &fail]), CheckStatus::Failed);
        assert_eq!(
            CheckOutcome::worst([&err, &fail, &pass]),
            CheckStatus::Errored
        );
        assert_eq!(CheckOutcome::worst([&pass]).outcome(), Outcome::Passed);
    }
}
