//! Merging the results of a sharded run (`--shard 1/4` … `4/4`) into one run.
use super::error::ReportError;
use crate::contract::{Coverage, Sla};
use crate::results::EMBEDDED_SANDBOX_NOTE;
use crate::results::{
    EnvironmentInfo, Outcome, RunResult, RunVerdict, ScenarioResult, Summary, VerdictKind,
};
use crate::run::verdicts::{
    add_coverage_verdict, add_latency_verdict, add_rate_limit_summary, CoverageGate,
};
use std::collections::HashMap;
use std::time::Duration;

/// Merges sharded runs into one.
///
/// - scenarios are concatenated in part order; a scenario id seen twice keeps its first
///   position and the later result, unless the later one is `not_run` and the earlier is not
///   (a shard that never got to a scenario does not hide one that ran it);
/// - the summary is recomputed; `duration_ms` is the longest part's (shards run side by side),
///   `started_at` the earliest; auth statistics are summed per key; `interrupted` if any part was;
/// - every part must have run against the same environment (name, base URL, production flag;
///   the base URL of an embedded sandbox is a port of the moment and may differ), else the
///   error names both;
/// - the run-wide sections and verdicts are computed again over the merged run: `coverage`
///   from the parts' coverages (counts added per item), `latency` and the SLA verdict from
///   every response of every part, the `--min-coverage` verdict from the merged coverage — a
///   shard covers only part of the contract, and the SLA holds or not over the whole run;
///   `rate_limits` from every step; `contract` and `webhook_receiver` are the first part's;
/// - `extensions` keep, for each key, the value of the first part that has it.
pub fn merge_results(parts: Vec<RunResult>) -> Result<RunResult, ReportError> {
    let run_wide = RunWide::of(&parts)?;
    let mut parts = parts.into_iter();
    let mut merged = parts.next().ok_or(ReportError::NothingToMerge)?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut scenarios: Vec<ScenarioResult> = Vec::with_capacity(merged.scenarios.len());
    add_scenarios(
        &mut scenarios,
        &mut index,
        std::mem::take(&mut merged.scenarios),
    );

    for (i, part) in parts.enumerate() {
        if !same_environment(&merged.environment, &part.environment) {
            return Err(ReportError::EnvironmentMismatch {
                index: i + 2,
                expected: describe(&merged.environment),
                found: describe(&part.environment),
            });
        }
        add_scenarios(&mut scenarios, &mut index, part.scenarios);
        if part.duration_ms > merged.duration_ms || !merged.duration_ms.is_finite() {
            merged.duration_ms = part.duration_ms;
        }
        if earlier(&part.started_at, &merged.started_at) {
            merged.started_at = part.started_at;
        }
        for (key, stats) in part.auth {
            let into = merged.auth.entry(key).or_default();
            into.token_requests += stats.token_requests;
            into.refreshes += stats.refreshes;
            into.retries_after_401 += stats.retries_after_401;
            into.token_failures += stats.token_failures;
        }
        merged.interrupted |= part.interrupted;
        if merged.contract.is_none() {
            merged.contract = part.contract;
        }
        if merged.webhook_receiver.is_none() {
            merged.webhook_receiver = part.webhook_receiver;
        }
        for (key, value) in part.extensions {
            merged.extensions.entry(key).or_insert(value);
        }
        for cap in part.environment.capabilities {
            if !merged.environment.capabilities.contains(&cap) {
                merged.environment.capabilities.push(cap);
            }
        }
    }
    merged.scenarios = scenarios;
    run_wide.apply(&mut merged);
    merged.summary = Summary::of(&merged.scenarios);
    Ok(merged)
}

/// What the run-wide verdicts of the parts were computed from, to compute them again.
struct RunWide {
    /// The SLA objectives to judge the merged run against (none set: no SLA verdict). `None`
    /// when a part has an SLA verdict but its objectives cannot be read back (results edited):
    /// the worst of the parts' SLA verdicts then stands for the merged run.
    sla: Option<Sla>,
    /// With `sla` unknown: the parts' SLA verdict with the worst outcome (a failure in one
    /// shard is not hidden by a pass in another), and the first latency section.
    worst_sla: Option<RunVerdict>,
    latency: Option<crate::results::LatencyReport>,
    coverage: Option<Coverage>,
    min_coverage: Option<f64>,
}

impl RunWide {
    fn of(parts: &[RunResult]) -> Result<RunWide, ReportError> {
        let sla_verdicts = || {
            parts
                .iter()
                .flat_map(|p| &p.verdicts)
                .filter(|v| v.kind == VerdictKind::Sla)
        };
        let ms = |v: Option<f64>| {
            v.filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| Duration::from_secs_f64(v / 1000.0))
        };
        let objectives = parts
            .iter()
            .find_map(|p| p.latency.as_ref()?.sla.as_ref())
            .map(|s| Sla {
                p95: ms(s.p95_ms),
                p99: ms(s.p99_ms),
            });
        let sla = match objectives {
            Some(s) if s.p95.is_some() || s.p99.is_some() => Some(s),
            _ if sla_verdicts().next().is_some() => None,
            _ => Some(Sla::default()),
        };
        let coverage = Coverage::merge(parts.iter().filter_map(|p| p.coverage.clone()).collect())
            .map_err(ReportError::ContractMismatch)?;
        let min_coverage = parts.iter().find_map(|p| p.coverage.as_ref()?.min_percent);
        let worst_sla = sla_verdicts()
            .fold(None::<&RunVerdict>, |worst, v| match worst {
                Some(w) if !w.passed() || v.passed() => Some(w),
                _ => Some(v),
            })
            .cloned();
        Ok(RunWide {
            sla,
            worst_sla,
            latency: parts.iter().find_map(|p| p.latency.clone()),
            coverage,
            min_coverage,
        })
    }

    fn apply(self, merged: &mut RunResult) {
        merged.verdicts.clear();
        match &self.sla {
            Some(sla) => add_latency_verdict(merged, sla),
            None => {
                merged.latency = self.latency;
                merged.verdicts.extend(self.worst_sla);
            }
        }
        add_rate_limit_summary(merged);
        match self.coverage {
            Some(coverage) => add_coverage_verdict(
                merged,
                coverage,
                self.min_coverage
                    .map_or(CoverageGate::Off, CoverageGate::Judge),
            ),
            None => merged.coverage = None,
        }
    }
}

fn add_scenarios(
    into: &mut Vec<ScenarioResult>,
    index: &mut HashMap<String, usize>,
    scenarios: Vec<ScenarioResult>,
) {
    for sc in scenarios {
        match index.get(&sc.id) {
            Some(&at) => {
                if sc.outcome != Outcome::NotRun || into[at].outcome == Outcome::NotRun {
                    into[at] = sc;
                }
            }
            None => {
                index.insert(sc.id.clone(), into.len());
                into.push(sc);
            }
        }
    }
}

/// Same name, base URL and production flag; shards against the embedded sandbox each had a
/// sandbox of their own on its own port, so for them the base URL may differ.
fn same_environment(a: &EnvironmentInfo, b: &EnvironmentInfo) -> bool {
    let embedded = |e: &EnvironmentInfo| e.note.as_deref() == Some(EMBEDDED_SANDBOX_NOTE);
    a.name == b.name
        && a.production == b.production
        && (a.base_url == b.base_url || (embedded(a) && embedded(b)))
}

fn describe(e: &EnvironmentInfo) -> String {
    format!(
        "{} ({}{})",
        e.name,
        e.base_url,
        if e.production { ", production" } else { "" }
    )
}

/// Compares RFC 3339 timestamps as instants; unparsable ones lose to parsable ones.
fn earlier(a: &str, b: &str) -> bool {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => a < b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{AuthStats, RESULTS_SCHEMA_VERSION};
    use crate::source::SourceLocation;
    use std::collections::BTreeMap;

    fn scenario(i: usize, outcome: Outcome) -> ScenarioResult {
        let file = format!("s/{}.yaml", i % 3);
        ScenarioResult {
            id: format!("{file}::sc{i}"),
            name: format!("sc{i}"),
            file: file.clone(),
            suite: format!("{}", i % 3),
            description: None,
            tags: vec![],
            requires: vec![],
            covers: vec![],
            location: SourceLocation {
                file,
                line: 1,
                column: 1,
            },
            outcome,
            reason: None,
            started_at: None,
            duration_ms: 1.0,
            steps: vec![],
            webhooks: vec![],
        }
    }

    fn outcome_of(i: usize) -> Outcome {
        match i % 7 {
            0..=2 => Outcome::Passed,
            3 => Outcome::Failed,
            4 => Outcome::Errored,
            5 => Outcome::Skipped,
            _ => Outcome::NotRun,
        }
    }

    fn run(scenarios: Vec<ScenarioResult>, started: &str, ms: f64) -> RunResult {
        let mut auth = BTreeMap::new();
        auth.insert(
            "staging/default".to_string(),
            AuthStats {
                token_requests: 1,
                refreshes: 2,
                retries_after_401: 0,
                token_failures: 1,
            },
        );
        RunResult {
            schema_version: RESULTS_SCHEMA_VERSION.into(),
            conform_version: "0.1.0".into(),
            environment: EnvironmentInfo {
                name: "staging".into(),
                base_url: "http://127.0.0.1:4010".into(),
                production: false,
                capabilities: vec!["orders".into()],
                note: None,
            },
            started_at: started.into(),
            duration_ms: ms,
            summary: Summary::of(&scenarios),
            scenarios,
            auth,
            interrupted: false,
            verdicts: Vec::new(),
            contract: None,
            coverage: None,
            latency: None,
            rate_limits: None,
            webhook_receiver: None,
            extensions: BTreeMap::new(),
        }
    }

    #[test]
    fn four_shards_merge_to_the_single_run() {
        let all: Vec<_> = (0..40).map(|i| scenario(i, outcome_of(i))).collect();
        let whole = run(all.clone(), "2025-03-01T10:00:00Z", 900.0);
        let shards: Vec<_> = (0..4)
            .map(|k| {
                let mine: Vec<_> = all
                    .iter()
                    .cloned()
                    .enumerate()
                    .filter(|(i, _)| i % 4 == k)
                    .map(|(_, s)| s)
                    .collect();
                run(
                    mine,
                    &format!("2025-03-01T10:00:0{}Z", 3 - k),
                    100.0 * (k as f64 + 1.0),
                )
            })
            .collect();
        let merged = merge_results(shards).unwrap();
        assert_eq!(merged.summary, whole.summary);
        assert_eq!(merged.summary.total, 40);
        let verdicts = |r: &RunResult| {
            let mut v: Vec<_> = r
                .scenarios
                .iter()
                .map(|s| (s.id.clone(), s.outcome))
                .collect();
            v.sort();
            v
        };
        assert_eq!(verdicts(&merged), verdicts(&whole));
        assert_eq!(merged.duration_ms, 400.0);
        assert_eq!(merged.started_at, "2025-03-01T10:00:00Z");
        let a = &merged.auth["staging/default"];
        assert_eq!((a.token_requests, a.refreshes, a.token_failures), (4, 8, 4));
    }

    #[test]
    fn a_duplicate_keeps_the_later_result_that_ran() {
        let first = run(
            vec![scenario(0, Outcome::Failed), scenario(1, Outcome::Passed)],
            "2025-03-01T10:00:00Z",
            1.0,
        );
        let second = run(
            vec![scenario(0, Outcome::Passed), scenario(1, Outcome::NotRun)],
            "2025-03-01T10:00:00Z",
            1.0,
        );
        let merged = merge_results(vec![first, second]).unwrap();
        let got: Vec<_> = merged.scenarios.iter().map(|s| s.outcome).collect();
        assert_eq!(got, [Outcome::Passed, Outcome::Passed]);
        assert_eq!(merged.summary.total, 2);
        assert_eq!(merged.summary.passed, 2);
    }

    #[test]
    fn environments_must_agree() {
        let a = run(vec![], "2025-03-01T10:00:00Z", 1.0);
        let mut b = a.clone();
        b.environment.name = "prod".into();
        b.environment.base_url = "https://api.example.com".into();
        let err = merge_results(vec![a, b]).unwrap_err().to_string();
        assert!(err.contains("staging (http://127.0.0.1:4010)"), "{err}");
        assert!(err.contains("prod (https://api.example.com)"), "{err}");
        assert!(matches!(
            merge_results(vec![]),
            Err(ReportError::NothingToMerge)
        ));
    }

    /// A part that ran `latencies` (ms) and judged them against p95 ≤ 100 ms, as `conform run`
    /// does.
    fn timed_part(first: usize, latencies: &[f64]) -> RunResult {
        use crate::results::{Exchange, Phase, RecordedRequest, RecordedResponse, StepResult};
        let scenarios = latencies
            .iter()
            .enumerate()
            .map(|(n, ms)| {
                let mut sc = scenario(first + n, Outcome::Passed);
                sc.steps.push(StepResult {
                    name: "GET /x".into(),
                    phase: Phase::Steps,
                    location: sc.location.clone(),
                    outcome: Outcome::Passed,
                    duration_ms: *ms,
                    error: None,
                    checks: vec![],
                    exchanges: vec![Exchange {
                        request: RecordedRequest {
                            method: "GET".into(),
                            url: "http://127.0.0.1:4010/x".into(),
                            headers: vec![],
                            body: None,
                            sent_at: "2025-03-01T10:00:00Z".into(),
                        },
                        response: Some(RecordedResponse {
                            status: 200,
                            headers: vec![],
                            body: None,
                            truncated: false,
                            latency_ms: *ms,
                        }),
                        error: None,
                        operation: Some("getX".into()),
                    }],
                    attempts: 1,
                    waited_ms: 0.0,
                    log: vec![],
                    rate_limit: Default::default(),
                    warnings: Vec::new(),
                });
                sc
            })
            .collect();
        let mut r = run(scenarios, "2025-03-01T10:00:00Z", 1.0);
        let sla = Sla {
            p95: Some(Duration::from_millis(100)),
            p99: None,
        };
        crate::run::verdicts::add_verdicts(&mut r, &sla, None, CoverageGate::Off);
        r
    }

    fn sla_outcome(r: &RunResult) -> Vec<crate::results::VerdictOutcome> {
        r.verdicts
            .iter()
            .filter(|v| v.kind == VerdictKind::Sla)
            .map(|v| v.outcome)
            .collect()
    }

    #[test]
    fn the_sla_is_judged_again_over_every_response_of_the_merged_run() {
        // Part 1 alone misses p95 ≤ 100 ms (its p95 is 150 ms); with the 38 fast responses of
        // part 2 the run's p95 is 10 ms: the merged run meets the SLA, with one SLA case.
        use crate::results::VerdictOutcome::{Failed, Passed};
        let slow = timed_part(0, &[150.0, 150.0]);
        let fast = timed_part(100, &[10.0; 38]);
        assert_eq!(sla_outcome(&slow), [Failed]);
        assert_eq!(sla_outcome(&fast), [Passed]);
        let merged = merge_results(vec![slow.clone(), fast.clone()]).unwrap();
        assert_eq!(sla_outcome(&merged), [Passed]);
        assert_eq!(
            merged.summary.total, 40,
            "the SLA verdict is not a scenario"
        );
        assert_eq!(merged.latency.as_ref().unwrap().overall.count, 40);
        assert!(merged.success());

        // And the other way round: fast shards do not hide a run that misses the SLA.
        let merged = merge_results(vec![fast, timed_part(200, &[150.0; 10])]).unwrap();
        assert_eq!(sla_outcome(&merged), [Failed]);
        assert_eq!(merged.summary.failed, 0, "scenarios all passed");
        assert!(!merged.success(), "the missed SLA fails the merged run");
    }

    #[test]
    fn sla_cases_whose_objectives_cannot_be_read_back_are_kept() {
        let mut slow = timed_part(0, &[150.0, 150.0]);
        slow.latency = None;
        let fast = {
            let mut r = timed_part(100, &[10.0; 38]);
            r.latency = None;
            r
        };
        let merged = merge_results(vec![slow, fast]).unwrap();
        // Not judged again: the worst of the parts' verdicts stands.
        assert_eq!(
            sla_outcome(&merged),
            [crate::results::VerdictOutcome::Failed]
        );
        assert!(merged.latency.is_none());
    }

    #[test]
    fn results_without_run_wide_sections_merge_as_before() {
        let merged = merge_results(vec![
            run(
                vec![scenario(0, Outcome::Passed)],
                "2025-03-01T10:00:00Z",
                1.0,
            ),
            run(
                vec![scenario(1, Outcome::Passed)],
                "2025-03-01T10:00:00Z",
                1.0,
            ),
        ])
        .unwrap();
        assert_eq!(merged.summary.total, 2);
        assert!(merged.verdicts.is_empty(), "no run-wide verdict appears");
        assert!(merged.coverage.is_none());
        assert_eq!(merged.latency.as_ref().unwrap().overall.count, 0);
    }

    #[test]
    fn embedded_sandboxes_on_different_ports_are_one_environment() {
        let part = |port: u16, note: Option<&str>| {
            let mut r = run(
                vec![scenario(port as usize, Outcome::Passed)],
                "2025-03-01T10:00:00Z",
                1.0,
            );
            r.environment.base_url = format!("http://127.0.0.1:{port}/");
            r.environment.note = note.map(str::to_string);
            r
        };
        let sb = Some(EMBEDDED_SANDBOX_NOTE);
        assert!(merge_results(vec![part(4001, sb), part(4002, sb)]).is_ok());
        assert!(matches!(
            merge_results(vec![part(4001, None), part(4002, None)]),
            Err(ReportError::EnvironmentMismatch { .. })
        ));
    }
}
