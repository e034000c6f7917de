//! Latency side by side: per contract operation, p50/p95 of both runs, and the SLA verdict
//! each run recorded.
use super::report::{DiffKind, Difference, OperationLatencyPair};
use super::rules::ParityRules;
use crate::contract::{fmt_ms, LatencyStats, NO_OPERATION};
use crate::results::{RunResult, VerdictKind};
use std::collections::BTreeMap;

fn per_operation(r: &RunResult) -> BTreeMap<String, Vec<f64>> {
    let mut m: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for x in r
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.exchanges)
    {
        let Some(resp) = &x.response else { continue };
        if !resp.latency_ms.is_finite() {
            continue;
        }
        let op = x
            .operation
            .clone()
            .unwrap_or_else(|| NO_OPERATION.to_string());
        m.entry(op).or_default().push(resp.latency_ms);
    }
    m
}

/// The per-operation table, and a [`DiffKind::Latency`] difference for every operation whose
/// medians (p50) are further apart than the rules allow (both the ratio and the absolute
/// gap). The median, not the p95: a p95 of a few samples is one slow answer, noise.
pub fn latency_pairs(
    left: &RunResult,
    right: &RunResult,
    rules: &ParityRules,
) -> (Vec<OperationLatencyPair>, Vec<Difference>) {
    let (l, r) = (per_operation(left), per_operation(right));
    let mut ops: Vec<&String> = l.keys().chain(r.keys()).collect();
    ops.sort();
    ops.dedup();
    let mut rows = Vec::new();
    let mut diffs = Vec::new();
    for op in ops {
        let ls = LatencyStats::of(l.get(op).map(Vec::as_slice).unwrap_or_default());
        let rs = LatencyStats::of(r.get(op).map(Vec::as_slice).unwrap_or_default());
        let different = match (ls.p50_ms, rs.p50_ms) {
            (Some(a), Some(b)) => {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                hi - lo > rules.latency_min_difference_ms
                    && hi > lo.max(0.001) * rules.latency_max_ratio
            }
            _ => false,
        };
        if different {
            let show = |s: &LatencyStats| {
                format!(
                    "p50 {} ms, p95 {} ms",
                    s.p50_ms.map(fmt_ms).unwrap_or_default(),
                    s.p95_ms.map(fmt_ms).unwrap_or_default()
                )
            };
            diffs.push(Difference {
                kind: DiffKind::Latency,
                step: None,
                phase: None,
                exchange: None,
                request: Some(op.clone()),
                field: format!(
                    "latency p50 (more than {}x and {} ms apart)",
                    rules.latency_max_ratio,
                    fmt_ms(rules.latency_min_difference_ms)
                ),
                left: show(&ls),
                right: show(&rs),
                location: None,
            });
        }
        rows.push(OperationLatencyPair {
            operation: op.clone(),
            left_count: ls.count,
            right_count: rs.count,
            left_p50_ms: ls.p50_ms,
            left_p95_ms: ls.p95_ms,
            right_p50_ms: rs.p50_ms,
            right_p95_ms: rs.p95_ms,
            different,
        });
    }
    (rows, diffs)
}

/// The SLA verdict the run recorded (`verdicts`, else `latency.sla.passed`), if it had an SLA.
pub fn sla_passed(r: &RunResult) -> Option<bool> {
    r.verdicts
        .iter()
        .find(|v| v.kind == VerdictKind::Sla)
        .map(|v| v.passed())
        .or_else(|| Some(r.latency.as_ref()?.sla.as_ref()?.passed))
}
