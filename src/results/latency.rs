//! Latency percentiles, a histogram and the SLA verdict over every response of a run
//! (`RunResult.latency`). The one implementation: the run, `report merge`, the HTML report
//! and parity all use it (nearest-rank percentiles, the buckets of [`BUCKETS_MS`]).
use super::RunResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Latency objectives: the overall p95 / p99 must not exceed these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sla {
    pub p95: Option<Duration>,
    pub p99: Option<Duration>,
}

/// Upper bounds (inclusive, ms) of the histogram buckets; a last bucket takes the rest.
pub const BUCKETS_MS: [f64; 11] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0,
];

/// Operation name for responses whose exchange has no contract operation.
pub const NO_OPERATION: &str = "(no operation)";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyReport {
    pub overall: LatencyStats,
    /// Per `Exchange.operation`, sorted by name.
    pub operations: Vec<OperationLatency>,
    /// Responses per bucket (not cumulative).
    pub histogram: Vec<HistogramBucket>,
    /// `None` when no SLA was given.
    pub sla: Option<SlaVerdict>,
}

/// Nearest-rank percentiles; all `None` when there were no responses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    pub count: usize,
    pub min_ms: Option<f64>,
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationLatency {
    pub operation: String,
    pub stats: LatencyStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramBucket {
    /// Inclusive upper bound in ms; `None` is +inf.
    pub le_ms: Option<f64>,
    pub count: usize,
}

impl HistogramBucket {
    /// A label that reads alone, unit included: `≤5 ms`, `≤1 s`, `>2 s`.
    pub fn label(&self) -> String {
        match self.le_ms {
            Some(ms) => format!("≤{}", with_unit(ms)),
            None => format!(">{}", with_unit(BUCKETS_MS[BUCKETS_MS.len() - 1])),
        }
    }
}

/// `250 ms`, `1 s`, `2.5 s`.
fn with_unit(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{} s", fmt_ms(ms / 1000.0))
    } else {
        format!("{} ms", fmt_ms(ms))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaVerdict {
    /// The objectives, in ms.
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub passed: bool,
    pub failures: Vec<String>,
}

impl LatencyReport {
    /// `None` when no SLA was given.
    pub fn sla_passed(&self) -> Option<bool> {
        self.sla.as_ref().map(|s| s.passed)
    }

    /// Why the SLA failed, e.g. `p95 312 ms exceeds 200 ms`; empty when it passed or there is none.
    pub fn sla_failures(&self) -> Vec<String> {
        self.sla
            .as_ref()
            .map(|s| s.failures.clone())
            .unwrap_or_default()
    }
}

/// The `p`-th percentile by nearest rank of sorted values: the value at rank ⌈p/100 · n⌉.
pub fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

impl LatencyStats {
    pub fn of(latencies: &[f64]) -> LatencyStats {
        let mut v: Vec<f64> = latencies
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        v.sort_by(f64::total_cmp);
        let mean = (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        LatencyStats {
            count: v.len(),
            min_ms: v.first().copied(),
            mean_ms: mean,
            p50_ms: nearest_rank(&v, 50.0),
            p90_ms: nearest_rank(&v, 90.0),
            p95_ms: nearest_rank(&v, 95.0),
            p99_ms: nearest_rank(&v, 99.0),
            max_ms: v.last().copied(),
        }
    }
}

/// A number of milliseconds for a message: `312`, `12.5`.
pub fn fmt_ms(ms: f64) -> String {
    if (ms - ms.round()).abs() < 0.05 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

/// Latency percentiles over every recorded response of the run, overall and per operation
/// (nearest rank), a histogram over [`BUCKETS_MS`], and the SLA verdict on the overall p95/p99.
/// Responses are those kept in `StepResult.exchanges` (long repeats keep a sample).
pub fn latency_report(result: &RunResult, sla: &Sla) -> LatencyReport {
    let mut all = Vec::new();
    let mut per_op: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let exchanges = result
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.exchanges);
    for x in exchanges {
        let Some(r) = &x.response else { continue };
        if !r.latency_ms.is_finite() {
            continue;
        }
        all.push(r.latency_ms);
        let op = x
            .operation
            .clone()
            .unwrap_or_else(|| NO_OPERATION.to_string());
        per_op.entry(op).or_default().push(r.latency_ms);
    }

    let mut histogram: Vec<HistogramBucket> = BUCKETS_MS
        .iter()
        .map(|b| HistogramBucket {
            le_ms: Some(*b),
            count: 0,
        })
        .chain(std::iter::once(HistogramBucket {
            le_ms: None,
            count: 0,
        }))
        .collect();
    for l in &all {
        let i = BUCKETS_MS
            .iter()
            .position(|b| l <= b)
            .unwrap_or(BUCKETS_MS.len());
        histogram[i].count += 1;
    }

    let overall = LatencyStats::of(&all);
    let sla = (sla.p95.is_some() || sla.p99.is_some()).then(|| {
        let mut failures = Vec::new();
        for (name, limit, measured) in [
            ("p95", sla.p95, overall.p95_ms),
            ("p99", sla.p99, overall.p99_ms),
        ] {
            let Some(limit) = limit else { continue };
            let limit = limit.as_secs_f64() * 1000.0;
            match measured {
                None => failures.push(format!(
                    "{name} cannot be checked: no responses were recorded"
                )),
                Some(m) if m > limit => failures.push(format!(
                    "{name} {} ms exceeds {} ms",
                    fmt_ms(m),
                    fmt_ms(limit)
                )),
                Some(_) => {}
            }
        }
        SlaVerdict {
            p95_ms: sla.p95.map(|d| d.as_secs_f64() * 1000.0),
            p99_ms: sla.p99.map(|d| d.as_secs_f64() * 1000.0),
            passed: failures.is_empty(),
            failures,
        }
    });

    LatencyReport {
        overall,
        operations: per_op
            .into_iter()
            .map(|(operation, v)| OperationLatency {
                operation,
                stats: LatencyStats::of(&v),
            })
            .collect(),
        histogram,
        sla,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::fixture::{exchange, run, scenario};

    #[test]
    fn bucket_labels_carry_their_own_unit() {
        let labels: Vec<String> = latency_report(&run(vec![]), &Sla::default())
            .histogram
            .iter()
            .map(HistogramBucket::label)
            .collect();
        assert_eq!(labels[0], "≤1 ms");
        assert_eq!(labels[8], "≤500 ms");
        assert_eq!(labels[9], "≤1 s");
        assert_eq!(labels[11], ">2 s");
        assert!(labels.iter().all(|l| !l.contains("s ms")), "{labels:?}");
    }

    fn sla(p95: Option<u64>, p99: Option<u64>) -> Sla {
        Sla {
            p95: p95.map(Duration::from_millis),
            p99: p99.map(Duration::from_millis),
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 50.0), Some(50.0));
        assert_eq!(nearest_rank(&v, 95.0), Some(95.0));
        assert_eq!(nearest_rank(&v, 99.0), Some(99.0));
        assert_eq!(nearest_rank(&v, 100.0), Some(100.0));
        assert_eq!(nearest_rank(&v, 0.0), Some(1.0));
        let v = [10.0, 20.0, 30.0, 40.0, 50.0];
        // ceil(0.95 * 5) = 5, ceil(0.5 * 5) = 3
        assert_eq!(nearest_rank(&v, 95.0), Some(50.0));
        assert_eq!(nearest_rank(&v, 50.0), Some(30.0));
        assert_eq!(nearest_rank(&v, 40.0), Some(20.0));
        assert_eq!(nearest_rank(&[], 95.0), None);
    }

    /// 20 responses: 19 of getOrder at 1..=19 ms and one createOrder at 312 ms.
    fn result() -> RunResult {
        let mut xs: Vec<_> = (1..=19)
            .map(|i| {
                exchange(
                    "GET",
                    "/api/v1/orders/ORD-1",
                    Some("getOrder"),
                    200,
                    "{}",
                    f64::from(i),
                )
            })
            .collect();
        xs.push(exchange(
            "POST",
            "/api/v1/orders",
            Some("createOrder"),
            201,
            "{}",
            312.0,
        ));
        let mut failed = exchange("GET", "/x", None, 200, "", 0.0);
        failed.response = None;
        failed.error = Some("connection refused".into());
        xs.push(failed);
        run(vec![scenario(xs, vec![])])
    }

    #[test]
    fn percentiles_overall_and_per_operation() {
        let r = latency_report(&result(), &Sla::default());
        assert_eq!(r.overall.count, 20);
        assert_eq!(r.overall.min_ms, Some(1.0));
        assert_eq!(r.overall.max_ms, Some(312.0));
        assert_eq!(r.overall.p50_ms, Some(10.0));
        assert_eq!(r.overall.p90_ms, Some(18.0));
        assert_eq!(r.overall.p95_ms, Some(19.0));
        assert_eq!(r.overall.p99_ms, Some(312.0));
        assert_eq!(r.overall.mean_ms, Some((190.0 + 312.0) / 20.0));
        let ops: Vec<(&str, usize)> = r
            .operations
            .iter()
            .map(|o| (o.operation.as_str(), o.stats.count))
            .collect();
        assert_eq!(ops, [("createOrder", 1), ("getOrder", 19)]);
        assert_eq!(r.operations[1].stats.p95_ms, Some(19.0));
        assert_eq!(r.sla_passed(), None);
        assert!(r.sla_failures().is_empty());
    }

    #[test]
    fn histogram_buckets_are_inclusive_upper_bounds() {
        let r = latency_report(&result(), &Sla::default());
        let counts: Vec<(Option<f64>, usize)> =
            r.histogram.iter().map(|b| (b.le_ms, b.count)).collect();
        assert_eq!(
            counts,
            [
                (Some(1.0), 1),
                (Some(2.0), 1),
                (Some(5.0), 3),
                (Some(10.0), 5),
                (Some(20.0), 9),
                (Some(50.0), 0),
                (Some(100.0), 0),
                (Some(200.0), 0),
                (Some(500.0), 1),
                (Some(1000.0), 0),
                (Some(2000.0), 0),
                (None, 0),
            ]
        );
        let slow = run(vec![scenario(
            vec![exchange("GET", "/", None, 200, "", 2500.0)],
            vec![],
        )]);
        let r = latency_report(&slow, &Sla::default());
        assert_eq!(r.histogram.last().unwrap().count, 1);
        assert_eq!(r.operations[0].operation, NO_OPERATION);
    }

    #[test]
    fn sla_pass_and_fail() {
        let r = latency_report(&result(), &sla(Some(200), None));
        assert_eq!(r.sla_passed(), Some(true));
        let r = latency_report(&result(), &sla(Some(19), Some(312)));
        assert_eq!(r.sla_passed(), Some(true), "equal to the objective passes");
        let r = latency_report(&result(), &sla(Some(10), Some(200)));
        assert_eq!(r.sla_passed(), Some(false));
        assert_eq!(
            r.sla_failures(),
            ["p95 19 ms exceeds 10 ms", "p99 312 ms exceeds 200 ms"]
        );
        let r = latency_report(
            &result(),
            &Sla {
                p95: Some(Duration::from_micros(18_500)),
                p99: None,
            },
        );
        assert_eq!(r.sla_failures(), ["p95 19 ms exceeds 18.5 ms"]);
        let r = latency_report(&run(vec![]), &sla(Some(200), None));
        assert_eq!(r.sla_passed(), Some(false));
        assert_eq!(
            r.sla_failures(),
            ["p95 cannot be checked: no responses were recorded"]
        );
        assert_eq!(r.overall.count, 0);
        assert_eq!(r.overall.p95_ms, None);
        // Round trip.
        let back: LatencyReport =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
