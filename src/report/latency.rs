//! Latency as observed in the exchanges of a run: percentiles and a histogram, for the HTML
//! report when the contract stage has not added its own `latency` section (and beside it
//! when it has).
use crate::results::RunResult;
use std::collections::BTreeMap;

/// Upper bounds of the histogram buckets, in ms; the last bucket is open.
const EDGES: [f64; 11] = [
    5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stats {
    pub count: usize,
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Stats {
    /// `None` for no values. Non-finite and negative values are ignored.
    pub fn of(values: &[f64]) -> Option<Stats> {
        let mut v: Vec<f64> = values
            .iter()
            .copied()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some(Stats {
            count: v.len(),
            min: v[0],
            mean: v.iter().sum::<f64>() / v.len() as f64,
            p50: percentile(&v, 50.0),
            p90: percentile(&v, 90.0),
            p95: percentile(&v, 95.0),
            p99: percentile(&v, 99.0),
            max: v[v.len() - 1],
        })
    }
}

/// Nearest-rank percentile of sorted, non-empty `v`.
pub(crate) fn percentile(v: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bucket {
    pub label: String,
    pub count: usize,
}

/// Counts per bucket: `≤5ms`, `≤10ms`, … `≤10s`, `>10s`. Empty buckets are kept so bars
/// line up from run to run.
pub(crate) fn histogram(values: &[f64]) -> Vec<Bucket> {
    let mut counts = [0usize; EDGES.len() + 1];
    for &x in values.iter().filter(|x| x.is_finite() && **x >= 0.0) {
        let i = EDGES.iter().position(|e| x <= *e).unwrap_or(EDGES.len());
        counts[i] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &count)| Bucket {
            label: match EDGES.get(i) {
                Some(e) => format!("≤{}", short(*e)),
                None => format!(">{}", short(EDGES[EDGES.len() - 1])),
            },
            count,
        })
        .collect()
}

/// A bucket edge with its unit, so a label reads alone (`≤250ms`, `≤1s`).
fn short(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{}s", ms / 1000.0)
    } else {
        format!("{ms}ms")
    }
}

/// Every response latency in the run, and per operation (the matched contract operation,
/// else `METHOD path`).
pub(crate) fn observed(result: &RunResult) -> (Vec<f64>, BTreeMap<String, Vec<f64>>) {
    let mut all = Vec::new();
    let mut per_op: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for sc in &result.scenarios {
        for st in &sc.steps {
            for ex in &st.exchanges {
                let Some(resp) = &ex.response else { continue };
                all.push(resp.latency_ms);
                let key = ex.operation.clone().unwrap_or_else(|| {
                    format!(
                        "{} {}",
                        ex.request.method,
                        super::html::url_path(&ex.request.url)
                    )
                });
                per_op.entry(key).or_default().push(resp.latency_ms);
            }
        }
    }
    (all, per_op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Stats::of(&v).unwrap();
        assert_eq!((s.p50, s.p90, s.p95, s.p99), (50.0, 90.0, 95.0, 99.0));
        assert_eq!((s.min, s.max, s.count), (1.0, 100.0, 100));
        assert_eq!(Stats::of(&[7.0]).unwrap().p99, 7.0);
        assert!(Stats::of(&[f64::NAN, -1.0]).is_none());
    }

    #[test]
    fn buckets() {
        let h = histogram(&[1.0, 5.0, 5.1, 99.0, 20_000.0]);
        assert_eq!(h.len(), 12);
        assert_eq!((h[0].label.as_str(), h[0].count), ("≤5ms", 2));
        assert_eq!(h[1].count, 1);
        assert_eq!(h[4].count, 1);
        assert_eq!((h[11].label.as_str(), h[11].count), (">10s", 1));
    }
}
