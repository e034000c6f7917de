//! After the scenarios: the run-wide sections of the results (contract, coverage, latency,
//! rate limits) and the run-wide verdicts — the SLA over every latency of the run and the
//! minimum contract coverage. Verdicts are not scenarios: they have their own list.
use crate::contract::{latency_report, Contract, Coverage, Sla};
use crate::results::*;
use crate::source::SourceLocation;

/// Suite name of [`synthetic`] cases.
pub const RUN_SUITE: &str = "run";

/// A case that stands for something the run itself broke (a scenario task lost): counted
/// as a scenario so that the run cannot pass with one missing.
pub(crate) fn synthetic(
    id: &str,
    name: &str,
    description: &str,
    checks: Vec<CheckOutcome>,
) -> ScenarioResult {
    let passed = checks.iter().all(|c| c.passed());
    let reason = checks
        .iter()
        .find(|c| !c.passed())
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

/// What `--min-coverage P` does to a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CoverageGate {
    /// No threshold: coverage is reported, not judged.
    Off,
    /// The run's coverage is judged against P percent: the coverage verdict.
    Judge(f64),
    /// P percent is recorded (`coverage.min_percent`) but not judged: a shard
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

/// The run-wide sections of `result` once its scenarios are done: `contract`, `coverage`,
/// `latency`, `rate_limits`, and the SLA and `--min-coverage` verdicts. Scenario counts are
/// left alone: verdicts are not scenarios.
pub fn finish(result: &mut RunResult, contract: Option<&Contract>, sla: &Sla, gate: CoverageGate) {
    let coverage = contract.map(|contract| {
        result.contract = Some(ContractInfo {
            title: contract.title().to_string(),
            version: contract.version().to_string(),
            sha256: contract.sha256().to_string(),
            path: contract.path().display().to_string(),
        });
        contract.coverage(result)
    });
    add_verdicts(result, sla, coverage, gate);
}

/// The run-wide sections and verdicts from what the run saw: `latency` and the SLA verdict
/// from every response of `result`, `coverage` (with `min_percent`) and the `--min-coverage`
/// verdict from `coverage`. Also used after merging shards, where both are computed again
/// over the whole run.
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
}

/// `rate_limits`: the holds and 429s of every step, when there were any.
pub fn add_rate_limit_summary(result: &mut RunResult) {
    let total = RateLimitCounts::of_steps(result.scenarios.iter().flat_map(|s| &s.steps));
    result.rate_limits = (!total.is_zero()).then_some(total);
}

/// Replaces the verdict of `kind` (if any) by `verdict`, keeping SLA before coverage.
fn set_verdict(result: &mut RunResult, kind: VerdictKind, verdict: Option<RunVerdict>) {
    result.verdicts.retain(|v| v.kind != kind);
    result.verdicts.extend(verdict);
    result.verdicts.sort_by_key(|v| v.kind != VerdictKind::Sla);
}

/// `latency` over every response of `result`, and the SLA verdict when `sla` sets an
/// objective and some scenario ran.
pub fn add_latency_verdict(result: &mut RunResult, sla: &Sla) {
    let latency = latency_report(result, sla);
    let s = Summary::of(&result.scenarios);
    let ran = s.total > s.skipped + s.not_run;
    let verdict = (latency.sla.is_some() && ran).then(|| {
        let mut checks = Vec::new();
        let o = &latency.overall;
        for (label, limit, got) in [("p95", sla.p95, o.p95_ms), ("p99", sla.p99, o.p99_ms)] {
            let Some(limit) = limit else { continue };
            let limit_ms = limit.as_secs_f64() * 1000.0;
            checks.push(VerdictCheck {
                outcome: VerdictOutcome::of(got.is_some_and(|g| g <= limit_ms)),
                check: label.to_string(),
                expected: format!("≤ {} ms", fmt_ms(limit_ms)),
                actual: got.map_or_else(|| "no responses".into(), |g| format!("{g:.1} ms")),
            });
        }
        RunVerdict::new(
            VerdictKind::Sla,
            "SLA",
            format!(
                "sla: of environment {} (nearest-rank percentiles over every response)",
                result.environment.name
            ),
            checks,
        )
    });
    result.latency = Some(latency);
    set_verdict(result, VerdictKind::Sla, verdict);
}

/// `coverage` (with `min_percent`) and, when the gate judges, the `--min-coverage` verdict.
pub fn add_coverage_verdict(result: &mut RunResult, mut coverage: Coverage, gate: CoverageGate) {
    coverage.min_percent = gate.threshold();
    let verdict = match gate {
        CoverageGate::Judge(min) => {
            let percent = coverage.percent();
            let check = VerdictCheck {
                outcome: VerdictOutcome::of(percent >= min),
                check: "contract coverage".into(),
                expected: format!("≥ {min:.1} %"),
                actual: format!(
                    "{percent:.1} % ({} of {} {})",
                    coverage.covered,
                    coverage.total,
                    coverage.what()
                ),
            };
            let mut v = RunVerdict::new(
                VerdictKind::Coverage,
                "contract coverage",
                format!("--min-coverage {min}"),
                vec![check],
            );
            v.not_covered = coverage.not_covered();
            Some(v)
        }
        CoverageGate::Off | CoverageGate::Deferred(_) => None,
    };
    result.coverage = Some(coverage);
    set_verdict(result, VerdictKind::Coverage, verdict);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::fixture::{exchange, run, scenario};
    use std::time::Duration;

    /// One passing scenario whose one response took 300 ms.
    fn slow_run() -> RunResult {
        let mut r = run(vec![scenario(
            vec![exchange("GET", "/x", Some("getX"), 200, "{}", 300.0)],
            vec![],
        )]);
        r.summary = Summary::of(&r.scenarios);
        r
    }

    fn coverage(covered: u64) -> Coverage {
        let responses = CoverageSection::new(vec![
            CoverageItem {
                id: "getX 200".into(),
                count: covered,
            },
            CoverageItem {
                id: "getX 404".into(),
                count: 0,
            },
        ]);
        Coverage {
            contract: "X 1".into(),
            operations: vec![],
            error_codes: CoverageSection::default(),
            webhook_events: CoverageSection::default(),
            undocumented: vec![],
            total: responses.total,
            covered: responses.covered,
            responses,
            min_percent: None,
        }
    }

    #[test]
    fn verdicts_are_not_counted_as_scenarios_but_fail_the_run() {
        let mut r = slow_run();
        assert!(r.success());
        let before = r.summary.clone();
        let sla = Sla {
            p95: Some(Duration::from_millis(200)),
            p99: None,
        };
        add_verdicts(&mut r, &sla, Some(coverage(1)), CoverageGate::Judge(80.0));
        assert_eq!(r.summary, before, "the summary counts scenarios only");
        assert_eq!(r.scenarios.len(), 1);
        let got: Vec<(VerdictKind, bool)> =
            r.verdicts.iter().map(|v| (v.kind, v.passed())).collect();
        assert_eq!(
            got,
            [(VerdictKind::Sla, false), (VerdictKind::Coverage, false)]
        );
        assert!(
            r.summary.success() && !r.success(),
            "missed verdicts fail the run"
        );
        let sla = &r.verdicts[0];
        assert_eq!(sla.checks[0].expected, "≤ 200 ms");
        assert_eq!(sla.checks[0].actual, "300.0 ms");
        let gate = &r.verdicts[1];
        assert_eq!(gate.not_covered, ["response getX 404"]);
        assert_eq!(gate.source, "--min-coverage 80");
        assert_eq!(r.coverage.as_ref().unwrap().min_percent, Some(80.0));

        // Judged again (as after a merge): one verdict of each kind, now met.
        let lenient = Sla {
            p95: Some(Duration::from_millis(500)),
            p99: None,
        };
        add_verdicts(
            &mut r,
            &lenient,
            Some(coverage(1)),
            CoverageGate::Judge(50.0),
        );
        assert_eq!(r.verdicts.len(), 2);
        assert!(r.success());
    }

    #[test]
    fn a_deferred_gate_records_the_threshold_without_a_verdict() {
        let mut r = slow_run();
        add_verdicts(
            &mut r,
            &Sla::default(),
            Some(coverage(0)),
            CoverageGate::Deferred(80.0),
        );
        assert!(r.verdicts.is_empty(), "no SLA set, gate deferred");
        assert_eq!(r.coverage.as_ref().unwrap().min_percent, Some(80.0));
        assert!(r.success());
    }

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
