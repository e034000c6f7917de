//! After the scenarios: run-wide verdicts that are test cases of their own — the SLA over
//! every latency of the run, and the minimum contract coverage — plus the coverage and
//! latency sections of the results.
use crate::contract::{latency_report, Contract, Coverage, Sla};
use crate::results::*;
use crate::source::SourceLocation;

/// Suite name of the run-wide test cases.
pub const RUN_SUITE: &str = "run";

pub(crate) fn synthetic(
    id: &str,
    name: &str,
    description: &str,
    checks: Vec<CheckOutcome>,
) -> ScenarioResult {
    let passed = checks.iter().all(|c| c.passed);
    let reason = checks
        .iter()
        .find(|c| !c.passed)
        .map(|c| format!("{}: expected {}, got {}", c.check, c.expected, c.actual));
    let location = SourceLocation {
        file: "conform.yaml".into(),
        line: 0,
        column: 0,
    };
    ScenarioResult {
        id: format!("{RUN_SUITE}::{id}"),
        name: name.into(),
        file: "conform.yaml".into(),
        suite: RUN_SUITE.into(),
        description: Some(description.into()),
        tags: vec![RUN_SUITE.into()],
        requires: Vec::new(),
        covers: Vec::new(),
        location: location.clone(),
        outcome: if passed {
            Outcome::Passed
        } else {
            Outcome::Failed
        },
        reason,
        started_at: None,
        duration_ms: 0.0,
        steps: vec![StepResult {
            name: name.into(),
            phase: Phase::Steps,
            location,
            outcome: if passed {
                Outcome::Passed
            } else {
                Outcome::Failed
            },
            duration_ms: 0.0,
            error: None,
            checks,
            exchanges: Vec::new(),
            attempts: 0,
            waited_ms: 0.0,
            log: Vec::new(),
            rate_limit: Default::default(),
            warnings: Vec::new(),
        }],
        webhooks: Vec::new(),
    }
}

/// Id of the run-wide SLA case.
pub const SLA_CASE: &str = "run::sla";
/// Id of the run-wide `--min-coverage` case.
pub const COVERAGE_CASE: &str = "run::coverage";

/// What `--min-coverage P` does to a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CoverageGate {
    /// No threshold: coverage is reported, not judged.
    Off,
    /// The run's coverage is judged against P percent: the `run::coverage` case.
    Judge(f64),
    /// P percent is recorded (`extensions.coverage.min_percent`) but not judged: a shard
    /// (`--shard K/N`, N > 1) exercises only part of the contract, so `conform report merge`
    /// judges the merged coverage against it.
    Deferred(f64),
}

impl CoverageGate {
    /// The gate of a run with `--min-coverage` (`min`) and `--shard` (`shard`).
    pub fn for_run(min: Option<f64>, shard: Option<(u32, u32)>) -> Self {
        match (min, shard) {
            (None, _) => CoverageGate::Off,
            (Some(p), Some((_, n))) if n > 1 => CoverageGate::Deferred(p),
            (Some(p), _) => CoverageGate::Judge(p),
        }
    }

    /// The threshold, judged or not.
    pub fn threshold(self) -> Option<f64> {
        match self {
            CoverageGate::Off => None,
            CoverageGate::Judge(p) | CoverageGate::Deferred(p) => Some(p),
        }
    }
}

/// Adds `extensions.contract`, `extensions.coverage`, `extensions.latency`, and the SLA and
/// coverage test cases; recomputes the summary.
pub fn finish(result: &mut RunResult, contract: Option<&Contract>, sla: &Sla, gate: CoverageGate) {
    let coverage = contract.map(|contract| {
        result.extensions.insert(
            "contract".into(),
            serde_json::json!({
                "title": contract.title(),
                "version": contract.version(),
                "sha256": contract.sha256(),
                "path": contract.path().display().to_string(),
            }),
        );
        contract.coverage(result)
    });
    add_verdicts(result, sla, coverage, gate);
}

/// The run-wide sections and cases from what the run saw: `extensions.latency` and the SLA
/// case from every response of `result`, `extensions.coverage` (with `min_percent`) and the
/// `--min-coverage` case from `coverage`. Also used after merging shards, where both are
/// computed again over the whole run. Recomputes the summary.
pub fn add_verdicts(
    result: &mut RunResult,
    sla: &Sla,
    coverage: Option<Coverage>,
    gate: CoverageGate,
) {
    add_latency_verdict(result, sla);
    add_rate_limit_summary(result);
    if let Some(coverage) = coverage {
        add_coverage_verdict(result, coverage, gate);
    }
    result.summary = Summary::of(&result.scenarios);
}

/// `extensions.rate_limits`: the holds and 429s of every step, when there were any.
pub fn add_rate_limit_summary(result: &mut RunResult) {
    let total = RateLimitCounts::of_steps(result.scenarios.iter().flat_map(|s| &s.steps));
    if total.is_zero() {
        result.extensions.remove(RATE_LIMITS_KEY);
    } else if let Ok(v) = serde_json::to_value(total) {
        result.extensions.insert(RATE_LIMITS_KEY.into(), v);
    }
}

/// `extensions.latency` over every response of `result`, and the SLA case when `sla` sets an
/// objective and something ran.
pub fn add_latency_verdict(result: &mut RunResult, sla: &Sla) {
    let latency = latency_report(result, sla);
    if let Ok(v) = serde_json::to_value(&latency) {
        result.extensions.insert("latency".into(), v);
    }
    let ran = result.summary.total > result.summary.skipped + result.summary.not_run;
    if let (Some(_), true) = (&latency.sla, ran) {
        let mut checks = Vec::new();
        let o = &latency.overall;
        for (label, limit, got) in [("p95", sla.p95, o.p95_ms), ("p99", sla.p99, o.p99_ms)] {
            let Some(limit) = limit else { continue };
            let limit_ms = limit.as_secs_f64() * 1000.0;
            checks.push(CheckOutcome {
                passed: got.is_none_or(|g| g <= limit_ms),
                check: format!("latency {label}"),
                expected: format!("< {} ms", limit_ms),
                actual: got.map_or_else(|| "no responses".into(), |g| format!("{g:.1} ms")),
                location: None,
                detail: Some("over every response of the run (nearest rank)".into()),
            });
        }
        result.scenarios.push(synthetic(
            "sla",
            "SLA",
            "latency percentiles over the run against the environment's SLA",
            checks,
        ));
    }
}

/// `extensions.coverage` (with `min_percent`) and, when the gate judges, the `--min-coverage`
/// case.
pub fn add_coverage_verdict(result: &mut RunResult, coverage: Coverage, gate: CoverageGate) {
    let percent = coverage.percent();
    if let Ok(mut v) = serde_json::to_value(&coverage) {
        if let (Some(min), Some(obj)) = (gate.threshold(), v.as_object_mut()) {
            obj.insert("min_percent".into(), serde_json::json!(min));
        }
        result.extensions.insert("coverage".into(), v);
    }
    if let CoverageGate::Judge(min) = gate {
        let check = CheckOutcome {
            passed: percent >= min,
            check: "contract coverage".into(),
            expected: format!(">= {min:.1} %"),
            actual: format!(
                "{percent:.1} % ({} of {} items)",
                coverage.covered, coverage.total
            ),
            location: None,
            detail: Some(not_covered_detail(&coverage)),
        };
        result.scenarios.push(synthetic(
            "coverage",
            "contract coverage",
            "--min-coverage",
            vec![check],
        ));
    }
}

/// What the coverage gate missed, by section: `not covered: responses getOrder 404, …`.
fn not_covered_detail(c: &Coverage) -> String {
    const SHOWN: usize = 20;
    let mut parts = Vec::new();
    for (label, section) in [
        ("responses", &c.responses),
        ("error codes", &c.error_codes),
        ("webhook events", &c.webhook_events),
    ] {
        if section.not_covered.is_empty() {
            continue;
        }
        let mut items: Vec<&str> = section
            .not_covered
            .iter()
            .map(String::as_str)
            .take(SHOWN)
            .collect();
        let more = section.not_covered.len().saturating_sub(SHOWN);
        let extra = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        items.sort_unstable();
        parts.push(format!("{label} {}{extra}", items.join(", ")));
    }
    if parts.is_empty() {
        "everything the contract documents was exercised".into()
    } else {
        format!("not covered: {}", parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::CoverageGate;

    #[test]
    fn a_shard_defers_the_coverage_gate_to_the_merge() {
        assert_eq!(CoverageGate::for_run(None, Some((1, 4))), CoverageGate::Off);
        assert_eq!(
            CoverageGate::for_run(Some(80.0), None),
            CoverageGate::Judge(80.0)
        );
        assert_eq!(
            CoverageGate::for_run(Some(80.0), Some((1, 1))),
            CoverageGate::Judge(80.0),
            "one shard of one is the whole run"
        );
        assert_eq!(
            CoverageGate::for_run(Some(80.0), Some((2, 4))),
            CoverageGate::Deferred(80.0)
        );
        assert_eq!(CoverageGate::Deferred(80.0).threshold(), Some(80.0));
        assert_eq!(CoverageGate::Off.threshold(), None);
    }
}
