//! Run-wide verdicts: judgements over the whole run (the latency SLA, the `--min-coverage`
//! gate). They are not scenarios — `Summary` counts scenarios only — but a failed one fails
//! the run like a failed scenario ([`super::RunResult::success`]).
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which run-wide judgement a verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// The environment's `sla:` (p95/p99) over every response of the run.
    Sla,
    /// `--min-coverage`: the contract coverage of the run.
    Coverage,
}

impl VerdictKind {
    /// The stable id (`sla`, `coverage`): JUnit test case names, `results.json`.
    pub fn id(self) -> &'static str {
        match self {
            VerdictKind::Sla => "sla",
            VerdictKind::Coverage => "coverage",
        }
    }
}

/// Met or not. A verdict has no "errored": when there is nothing to judge (no responses for
/// an SLA), it fails and says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictOutcome {
    Passed,
    Failed,
}

impl VerdictOutcome {
    pub fn of(passed: bool) -> VerdictOutcome {
        if passed {
            VerdictOutcome::Passed
        } else {
            VerdictOutcome::Failed
        }
    }

    pub fn passed(self) -> bool {
        self == VerdictOutcome::Passed
    }
}

/// One objective of a verdict: `latency p95`, expected `≤ 200 ms`, actual `23.1 ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictCheck {
    pub check: String,
    pub expected: String,
    pub actual: String,
    pub outcome: VerdictOutcome,
}

/// A run-wide verdict (`results.json` `verdicts[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunVerdict {
    pub kind: VerdictKind,
    /// For people: `SLA`, `contract coverage`.
    pub name: String,
    /// Where the objective was set: `sla: of environment local (configuration)`,
    /// `--min-coverage 80`.
    pub source: String,
    pub outcome: VerdictOutcome,
    pub checks: Vec<VerdictCheck>,
    /// Coverage: every item the run did not exercise (`response getOrder 404`, `error code
    /// INTERNAL_ERROR`, `webhook event order.cancelled`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_covered: Vec<String>,
}

/// Items of `not_covered` named in one line; the rest are counted.
const SHOWN: usize = 12;

impl RunVerdict {
    /// A verdict of `checks`: passed when all of them passed.
    pub fn new(
        kind: VerdictKind,
        name: &str,
        source: String,
        checks: Vec<VerdictCheck>,
    ) -> RunVerdict {
        RunVerdict {
            kind,
            name: name.to_string(),
            source,
            outcome: VerdictOutcome::of(checks.iter().all(|c| c.outcome.passed())),
            checks,
            not_covered: Vec::new(),
        }
    }

    /// The stable id: `run::sla`, `run::coverage` (as JUnit names the test case).
    pub fn id(&self) -> String {
        format!("run::{}", self.kind.id())
    }

    pub fn passed(&self) -> bool {
        self.outcome.passed()
    }

    /// The checks in one line: `p95 23.1 ms (objective ≤ 200 ms), p99 33.1 ms (objective
    /// ≤ 500 ms)`; a check named as its verdict is not named again.
    pub fn measured(&self) -> String {
        self.checks
            .iter()
            .map(|c| {
                let label = if c.check == self.name {
                    String::new()
                } else {
                    format!("{} ", c.check)
                };
                format!("{label}{} (objective {})", c.actual, c.expected)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What was not covered, in one line with the first few named: `not covered: response
    /// getOrder 404, error code INTERNAL_ERROR and 12 more`; `None` when nothing is missing.
    pub fn not_covered_line(&self) -> Option<String> {
        if self.not_covered.is_empty() {
            return None;
        }
        let shown: Vec<&str> = self
            .not_covered
            .iter()
            .take(SHOWN)
            .map(String::as_str)
            .collect();
        let more = self.not_covered.len().saturating_sub(SHOWN);
        Some(if more > 0 {
            format!("not covered: {} and {more} more", shown.join(", "))
        } else {
            format!("not covered: {}", shown.join(", "))
        })
    }
}

/// `SLA met: p95 23.1 ms (objective ≤ 200 ms)`.
impl fmt::Display for RunVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "met" } else { "missed" };
        write!(f, "{} {verdict}: {}", self.name, self.measured())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(passed: bool) -> VerdictCheck {
        VerdictCheck {
            check: "contract coverage".into(),
            expected: "≥ 90.0 %".into(),
            actual: "49.5 %".into(),
            outcome: VerdictOutcome::of(passed),
        }
    }

    #[test]
    fn a_verdict_passes_when_every_check_does() {
        let v = RunVerdict::new(VerdictKind::Sla, "SLA", "x".into(), vec![check(true)]);
        assert!(v.passed());
        let v = RunVerdict::new(
            VerdictKind::Sla,
            "SLA",
            "x".into(),
            vec![check(true), check(false)],
        );
        assert!(!v.passed());
        assert_eq!(v.id(), "run::sla");
    }

    #[test]
    fn a_missed_gate_says_what_was_not_covered() {
        let mut v = RunVerdict::new(
            VerdictKind::Coverage,
            "contract coverage",
            "--min-coverage 90".into(),
            vec![check(false)],
        );
        v.not_covered = (0..15).map(|i| format!("response op{i} 404")).collect();
        assert_eq!(
            v.to_string(),
            "contract coverage missed: 49.5 % (objective ≥ 90.0 %)"
        );
        let line = v.not_covered_line().unwrap();
        assert!(
            line.starts_with("not covered: response op0 404, "),
            "{line}"
        );
        assert!(line.ends_with(", response op11 404 and 3 more"), "{line}");
    }
}
