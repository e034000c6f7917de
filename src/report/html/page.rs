//! The view model of the page head: verdict, counts, run-wide verdicts, results by area and
//! rule, failures, coverage and latency, other sections.
use super::generic::{generic, NamedGeneric};
use super::run_wide::{
    coverage_view, latency_view, verdict_views, CoverageView, LatencyView, VerdictView,
};
use super::scenario::reason;
use super::{anchor, outcome_label, report_order, severity, txt};
use crate::report::escape::fmt_ms;
use crate::report::html::scenario::display_time;
use crate::results::{Outcome, RunResult, ScenarioResult};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub(super) struct View {
    verdict: &'static str,
    verdict_class: &'static str,
    verdict_note: String,
    env: EnvView,
    conform_version: String,
    schema_version: String,
    contract: Option<ContractView>,
    started_at: String,
    duration: String,
    summary: Vec<Count>,
    total: usize,
    bar: Vec<BarPart>,
    auth: Vec<AuthRow>,
    areas: Vec<GroupRow>,
    rules: Vec<GroupRow>,
    verdicts: Vec<VerdictView>,
    coverage: Option<CoverageView>,
    latency: LatencyView,
    others: Vec<NamedGeneric>,
    failures: Vec<FailureLink>,
}

#[derive(Serialize)]
struct EnvView {
    name: String,
    base_url: String,
    production: bool,
    capabilities: String,
    note: Option<String>,
}

#[derive(Serialize)]
struct ContractView {
    title: Option<String>,
    version: Option<String>,
    sha256: Option<String>,
}

#[derive(Serialize)]
struct Count {
    key: &'static str,
    label: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct BarPart {
    key: &'static str,
    pct: String,
    title: String,
}

#[derive(Serialize)]
struct AuthRow {
    key: String,
    token_requests: u64,
    refreshes: u64,
    retries_after_401: u64,
    token_failures: u64,
}

#[derive(Serialize)]
struct GroupRow {
    name: String,
    total: usize,
    passed: usize,
    failed: usize,
    errored: usize,
    skipped: usize,
    not_run: usize,
    status: &'static str,
    bar: Vec<BarPart>,
}

/// An extension section of unknown shape: scalar facts by dotted path, arrays of objects as
#[derive(Serialize)]
struct FailureLink {
    anchor: String,
    outcome: &'static str,
    name: String,
    what: String,
}
pub(super) fn build(result: &RunResult) -> View {
    let s = &result.summary;
    let (verdict, verdict_class) = if result.interrupted {
        ("INTERRUPTED", "interrupted")
    } else if result.success() {
        ("PASSED", "passed")
    } else {
        ("FAILED", "failed")
    };
    let verdict_note = if s.success() && !result.interrupted {
        match s.total - s.skipped {
            1 => "the one scenario met the contract".to_string(),
            n => format!("all {n} scenarios met the contract"),
        }
    } else {
        let mut parts = Vec::new();
        if s.failed > 0 {
            parts.push(format!("{} failed", s.failed));
        }
        if s.errored > 0 {
            parts.push(format!("{} errored", s.errored));
        }
        if s.not_run > 0 {
            parts.push(format!("{} not run", s.not_run));
        }
        if parts.is_empty() {
            "the run was stopped before the end".to_string()
        } else {
            parts.join(", ")
        }
    };
    // Run-wide verdicts are not scenarios: a missed one is said beside the scenario count.
    let missed: Vec<String> = result
        .failed_verdicts()
        .map(|v| format!("{} missed", v.name))
        .collect();
    let verdict_note = if missed.is_empty() {
        verdict_note
    } else {
        format!("{verdict_note} · run-wide: {}", missed.join(", "))
    };
    let verdict_note = if s.warnings > 0 {
        format!(
            "{verdict_note} · {} warning{} (undocumented properties, allowed by the contract)",
            s.warnings,
            if s.warnings == 1 { "" } else { "s" }
        )
    } else {
        verdict_note
    };
    let counts = [
        ("passed", "passed", s.passed),
        ("failed", "failed", s.failed),
        ("errored", "errored", s.errored),
        ("skipped", "skipped", s.skipped),
        ("not_run", "not run", s.not_run),
    ];

    let failures = report_order(result)
        .filter(|(sc, _, _)| matches!(sc.outcome, Outcome::Failed | Outcome::Errored))
        .take(100)
        .map(|(sc, number, _)| FailureLink {
            anchor: anchor(number),
            outcome: outcome_label(sc.outcome),
            name: txt(&sc.name),
            what: reason(result, sc).unwrap_or_default(),
        })
        .collect();

    let contract = result.contract.as_ref().map(|c| ContractView {
        title: Some(txt(&c.title)).filter(|t| !t.is_empty()),
        version: Some(txt(&c.version)).filter(|t| !t.is_empty()),
        sha256: Some(txt(&c.sha256)).filter(|t| !t.is_empty()),
    });
    let others = result
        .extensions
        .iter()
        .map(|(k, v)| NamedGeneric {
            name: txt(k),
            section: generic(v),
        })
        .collect();

    View {
        verdict,
        verdict_class,
        verdict_note,
        env: EnvView {
            name: txt(&result.environment.name),
            base_url: txt(&result.environment.base_url),
            production: result.environment.production,
            capabilities: txt(&result.environment.capabilities.join(", ")),
            note: result.environment.note.as_deref().map(txt),
        },
        conform_version: txt(&result.conform_version),
        schema_version: txt(&result.schema_version),
        contract,
        started_at: display_time(&result.started_at),
        duration: fmt_ms(result.duration_ms),
        summary: counts
            .iter()
            .map(|&(key, label, count)| Count { key, label, count })
            .collect(),
        total: s.total,
        bar: bar(&counts.map(|(k, _, c)| (k, c)), s.total),
        auth: result
            .auth
            .iter()
            .map(|(k, a)| AuthRow {
                key: txt(k),
                token_requests: a.token_requests,
                refreshes: a.refreshes,
                retries_after_401: a.retries_after_401,
                token_failures: a.token_failures,
            })
            .collect(),
        areas: groups(result, |sc| {
            if sc.tags.is_empty() {
                vec!["(untagged)".to_string()]
            } else {
                sc.tags.clone()
            }
        }),
        rules: groups(result, |sc| sc.covers.clone()),
        verdicts: verdict_views(result),
        coverage: result.coverage.as_ref().map(coverage_view),
        latency: latency_view(result),
        others,
        failures,
    }
}

fn bar(counts: &[(&'static str, usize)], total: usize) -> Vec<BarPart> {
    counts
        .iter()
        .filter(|(_, c)| *c > 0)
        .map(|&(key, c)| BarPart {
            key,
            pct: format!("{:.3}", 100.0 * c as f64 / total.max(1) as f64),
            title: format!("{c} {}", key.replace('_', " ")),
        })
        .collect()
}

/// Results grouped by a key each scenario may have several of (tags, covered rules).
fn groups(result: &RunResult, keys: impl Fn(&ScenarioResult) -> Vec<String>) -> Vec<GroupRow> {
    let mut by: BTreeMap<String, [usize; 5]> = BTreeMap::new();
    for sc in &result.scenarios {
        for k in keys(sc) {
            let c = by.entry(k).or_default();
            c[severity(sc.outcome) as usize] += 1;
        }
    }
    let mut rows: Vec<GroupRow> = by
        .into_iter()
        .map(|(name, c)| {
            let [failed, errored, not_run, skipped, passed] = c;
            let total = c.iter().sum();
            let status = if failed + errored > 0 {
                "failed"
            } else if not_run > 0 {
                "not_run"
            } else if passed > 0 {
                "passed"
            } else {
                "skipped"
            };
            GroupRow {
                name: txt(&name),
                total,
                passed,
                failed,
                errored,
                skipped,
                not_run,
                status,
                bar: bar(
                    &[
                        ("passed", passed),
                        ("failed", failed),
                        ("errored", errored),
                        ("skipped", skipped),
                        ("not_run", not_run),
                    ],
                    total,
                ),
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.status != "failed", r.status != "not_run"));
    rows
}
