//! The run-wide verdicts and sections in words, shared by the console, `report render`,
//! JUnit and the GitHub summary so they all say the same thing.
use crate::results::{RunResult, RunVerdict};

/// `run-wide: SLA met: p95 23.1 ms (objective ≤ 200 ms); contract coverage missed: 49.5 %
/// (objective ≥ 90.0 %)`; `None` when the run has no verdicts.
pub fn run_wide_line(result: &RunResult) -> Option<String> {
    if result.verdicts.is_empty() {
        return None;
    }
    let parts: Vec<String> = result.verdicts.iter().map(RunVerdict::to_string).collect();
    Some(format!("run-wide: {}", parts.join("; ")))
}

/// A missed verdict for a CI message: what was measured, where the objective is set and,
/// for coverage, what was not covered.
pub(crate) fn failure_message(v: &RunVerdict) -> String {
    let mut s = format!("{v}; set by {}", v.source);
    if let Some(line) = v.not_covered_line() {
        s.push_str("; ");
        s.push_str(&line);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{VerdictCheck, VerdictKind, VerdictOutcome};

    #[test]
    fn one_line_for_every_verdict() {
        let mut r = crate::report::testdata::sample();
        assert_eq!(run_wide_line(&r), None);
        r.verdicts.push(RunVerdict::new(
            VerdictKind::Sla,
            "SLA",
            "sla: of environment local".into(),
            vec![VerdictCheck {
                check: "p95".into(),
                expected: "≤ 500 ms".into(),
                actual: "120.0 ms".into(),
                outcome: VerdictOutcome::Passed,
            }],
        ));
        let gate =
            crate::report::testdata::missed_coverage_gate("84.2 %", &["response getOrder 404"]);
        r.verdicts.push(gate);
        assert_eq!(
            run_wide_line(&r).unwrap(),
            "run-wide: SLA met: p95 120.0 ms (objective ≤ 500 ms); \
             contract coverage missed: 84.2 % (objective ≥ 90.0 %)"
        );
        assert_eq!(
            failure_message(&r.verdicts[1]),
            "contract coverage missed: 84.2 % (objective ≥ 90.0 %); set by --min-coverage 90; \
             not covered: response getOrder 404"
        );
    }
}
