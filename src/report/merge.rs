//! Merging the results of a sharded run (`--shard 1/4` … `4/4`) into one run.
use super::error::ReportError;
use crate::run::{EnvironmentInfo, Outcome, RunResult, ScenarioResult, Summary};
use std::collections::HashMap;

/// Merges sharded runs into one.
///
/// - scenarios are concatenated in part order; a scenario id seen twice keeps its first
///   position and the later result, unless the later one is `not_run` and the earlier is not
///   (a shard that never got to a scenario does not hide one that ran it);
/// - the summary is recomputed; `duration_ms` is the longest part's (shards run side by side),
///   `started_at` the earliest; auth statistics are summed per key; `interrupted` if any part was;
/// - every part must have run against the same environment (name, base URL, production flag),
///   else the error names both;
/// - `extensions` keep, for each key, the value of the first part that has it.
pub fn merge_results(parts: Vec<RunResult>) -> Result<RunResult, ReportError> {
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
        for (key, value) in part.extensions {
            merged.extensions.entry(key).or_insert(value);
        }
        for cap in part.environment.capabilities {
            if !merged.environment.capabilities.contains(&cap) {
                merged.environment.capabilities.push(cap);
            }
        }
    }
    merged.summary = Summary::of(&scenarios);
    merged.scenarios = scenarios;
    Ok(merged)
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

fn same_environment(a: &EnvironmentInfo, b: &EnvironmentInfo) -> bool {
    a.name == b.name && a.base_url == b.base_url && a.production == b.production
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
    use crate::run::{AuthStats, SourceLocation, RESULTS_SCHEMA_VERSION};
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
}
