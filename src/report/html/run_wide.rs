//! The view model of the run-wide sections: the verdicts (SLA, coverage gate), the coverage
//! grid and the latency panel, read from the typed fields of the results.
use super::txt;
use crate::results::{fmt_ms, latency_report, Coverage, LatencyReport, RunResult, RunVerdict, Sla};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize)]
pub(super) struct VerdictView {
    name: String,
    met: bool,
    measured: String,
    source: String,
    not_covered: Vec<String>,
}

pub(super) fn verdict_views(result: &RunResult) -> Vec<VerdictView> {
    result
        .verdicts
        .iter()
        .map(|v: &RunVerdict| VerdictView {
            name: txt(&v.name),
            met: v.passed(),
            measured: txt(&v.measured()),
            source: txt(&v.source),
            not_covered: v.not_covered.iter().map(|i| txt(i)).collect(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Coverage: a grid of operations × documented statuses, and tables of error codes and
// webhook events. Every cell carries a mark as well as a colour, so it reads without colour.

/// One cell of the grid or one row of the code/event tables.
#[derive(Serialize, Debug, PartialEq)]
pub(super) struct Cell {
    /// `covered`, `missing` (documented, not exercised), `undocumented` (seen, not in the
    /// contract), `none` (not documented for this operation).
    pub state: &'static str,
    /// `✓`, `✗`, `!`, `·`
    pub mark: &'static str,
    pub count: u64,
    /// The tooltip: what the cell says in words.
    pub title: String,
}

#[derive(Serialize)]
pub(super) struct OpRow {
    method: String,
    template: String,
    id: String,
    covered: usize,
    total: usize,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
pub(super) struct Item {
    name: String,
    cell: Cell,
}

#[derive(Serialize)]
pub(super) struct CoverageView {
    /// `47 of 95 (49.5 %)` and the width of the meter.
    text: String,
    pct: String,
    min_percent: Option<String>,
    /// The response-status columns of the grid, in order.
    columns: Vec<String>,
    operations: Vec<OpRow>,
    error_codes: Vec<Item>,
    webhook_events: Vec<Item>,
    /// Seen in the run but in no documented operation (`operation GET /x`).
    other_undocumented: Vec<String>,
    sections: Vec<(String, String)>,
}

fn cell(state: &'static str, count: u64, title: String) -> Cell {
    let mark = match state {
        "covered" => "✓",
        "missing" => "✗",
        "undocumented" => "!",
        _ => "·",
    };
    Cell {
        state,
        mark,
        count,
        title: txt(&title),
    }
}

/// Status keys in reading order: `200`, `201`, `2XX`, `400`, …, `default` last.
fn column_order(key: &str) -> (u8, String) {
    let first = key.chars().next().and_then(|c| c.to_digit(10));
    match first {
        Some(d) => (d as u8, key.to_string()),
        None => (10, key.to_string()),
    }
}

pub(super) fn coverage_view(c: &Coverage) -> CoverageView {
    // Statuses seen for an operation but not documented for it: `status 418 of getOrder`.
    let mut seen_undocumented: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut codes_undocumented = Vec::new();
    let mut events_undocumented = Vec::new();
    let mut other_undocumented = Vec::new();
    for u in &c.undocumented {
        if let Some((status, op)) =
            u.id.strip_prefix("status ")
                .and_then(|r| r.split_once(" of "))
        {
            seen_undocumented.insert((op, status), u.count);
        } else if let Some(code) = u.id.strip_prefix("error_code ") {
            codes_undocumented.push((code, u.count));
        } else if let Some(event) = u.id.strip_prefix("webhook event ") {
            events_undocumented.push((event, u.count));
        } else {
            other_undocumented.push(txt(&format!("{} ({}×)", u.id, u.count)));
        }
    }
    let mut columns: BTreeSet<(u8, String)> = BTreeSet::new();
    for op in &c.operations {
        for (key, _) in c.responses_of(&op.id) {
            columns.insert(column_order(key));
        }
    }
    for (_, status) in seen_undocumented.keys() {
        columns.insert(column_order(status));
    }
    let columns: Vec<String> = columns.into_iter().map(|(_, k)| k).collect();
    let operations = c
        .operations
        .iter()
        .map(|op| {
            let documented: BTreeMap<&str, u64> = c.responses_of(&op.id).into_iter().collect();
            let cells = columns
                .iter()
                .map(|col| {
                    let name = format!("{} {col}", op.id);
                    match (
                        documented.get(col.as_str()),
                        seen_undocumented.get(&(op.id.as_str(), col.as_str())),
                    ) {
                        (Some(&n), _) if n > 0 => {
                            cell("covered", n, format!("{name}: covered, {n}×"))
                        }
                        (Some(_), _) => {
                            cell("missing", 0, format!("{name}: documented, not covered"))
                        }
                        (None, Some(&n)) => cell(
                            "undocumented",
                            n,
                            format!("{name}: seen {n}× but not documented"),
                        ),
                        (None, None) => cell("none", 0, format!("{name}: not documented")),
                    }
                })
                .collect();
            OpRow {
                method: txt(&op.method),
                template: txt(&op.template),
                id: txt(&op.id),
                covered: op.covered,
                total: op.total,
                cells,
            }
        })
        .collect();
    let items = |section: &crate::results::CoverageSection, extra: &[(&str, u64)], what: &str| {
        let mut out: Vec<Item> = section
            .items
            .iter()
            .map(|i| Item {
                name: txt(&i.id),
                cell: if i.count > 0 {
                    cell(
                        "covered",
                        i.count,
                        format!("{what} {}: covered, {}×", i.id, i.count),
                    )
                } else {
                    cell(
                        "missing",
                        0,
                        format!("{what} {}: documented, not covered", i.id),
                    )
                },
            })
            .collect();
        out.extend(extra.iter().map(|(id, n)| Item {
            name: txt(id),
            cell: cell(
                "undocumented",
                *n,
                format!("{what} {id}: seen {n}× but not documented"),
            ),
        }));
        out
    };
    let pct = c.percent().clamp(0.0, 100.0);
    let section = |label: &str, s: &crate::results::CoverageSection| {
        (
            label.to_string(),
            format!("{} of {} ({:.1} %)", s.covered, s.total, s.percent),
        )
    };
    let mut sections = vec![section("documented responses", &c.responses)];
    if !c.error_codes.is_empty() {
        sections.push(section("error codes", &c.error_codes));
    }
    if !c.webhook_events.is_empty() {
        sections.push(section("webhook events", &c.webhook_events));
    }
    CoverageView {
        text: format!("{} of {} ({pct:.1} %)", c.covered, c.total),
        pct: format!("{pct:.2}"),
        min_percent: c.min_percent.map(|m| format!("{m:.1} %")),
        columns: columns.iter().map(|c| txt(c)).collect(),
        operations,
        error_codes: items(&c.error_codes, &codes_undocumented, "error code"),
        webhook_events: items(&c.webhook_events, &events_undocumented, "webhook event"),
        other_undocumented,
        sections,
    }
}

// ---------------------------------------------------------------------------------------
// Latency: the results' own section (one implementation, `results::latency`).

#[derive(Serialize)]
pub(super) struct LatencyView {
    stats: Vec<(String, String)>,
    bars: Vec<HistBar>,
    chart_height: u32,
    per_operation: Vec<OpLatency>,
    /// The objectives, when the environment sets an SLA: `p95 ≤ 200 ms`.
    objectives: Vec<String>,
    sla_met: Option<bool>,
}

#[derive(Serialize)]
struct HistBar {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    /// For the tooltip: `≤100 ms`.
    label: String,
    /// Under the bar, where space is short: `≤100ms`.
    axis: String,
    count: usize,
    label_x: u32,
}

#[derive(Serialize)]
struct OpLatency {
    operation: String,
    count: usize,
    p50: String,
    p95: String,
    p99: String,
    max: String,
}

/// `result.latency`; results without it (edited, or of another tool) have it computed from
/// their exchanges the same way.
pub(super) fn latency_view(result: &RunResult) -> LatencyView {
    let computed;
    let latency: &LatencyReport = match &result.latency {
        Some(l) => l,
        None => {
            computed = latency_report(result, &Sla::default());
            &computed
        }
    };
    let o = &latency.overall;
    let stats = if o.count == 0 {
        Vec::new()
    } else {
        [
            ("min", o.min_ms),
            ("mean", o.mean_ms),
            ("p50", o.p50_ms),
            ("p90", o.p90_ms),
            ("p95", o.p95_ms),
            ("p99", o.p99_ms),
            ("max", o.max_ms),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(ms).unwrap_or_default()))
        .fold(
            vec![("responses".to_string(), o.count.to_string())],
            |mut acc, kv| {
                acc.push(kv);
                acc
            },
        )
    };
    let peak = latency
        .histogram
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let (bw, gap, left) = (42, 7, 6);
    let bars = if o.count == 0 {
        Vec::new()
    } else {
        latency
            .histogram
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let h = if b.count == 0 {
                    0
                } else {
                    ((b.count as f64 / peak as f64) * 100.0).round().max(2.0) as u32
                };
                let x = left + i as u32 * (bw + gap);
                HistBar {
                    x,
                    y: 120 - h,
                    w: bw,
                    h,
                    label: b.label(),
                    axis: b.label().replace(' ', ""),
                    count: b.count,
                    label_x: x + bw / 2,
                }
            })
            .collect()
    };
    let per_operation = latency
        .operations
        .iter()
        .filter(|op| op.stats.count > 0)
        .map(|op| {
            let s = &op.stats;
            let f = |v: Option<f64>| v.map(ms).unwrap_or_default();
            OpLatency {
                operation: txt(&op.operation),
                count: s.count,
                p50: f(s.p50_ms),
                p95: f(s.p95_ms),
                p99: f(s.p99_ms),
                max: f(s.max_ms),
            }
        })
        .collect();
    let objectives = latency
        .sla
        .as_ref()
        .map(|s| {
            [("p95", s.p95_ms), ("p99", s.p99_ms)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k} ≤ {} ms", fmt_ms(v))))
                .collect()
        })
        .unwrap_or_default();
    let sla_met = result
        .verdicts
        .iter()
        .find(|v| v.kind == crate::results::VerdictKind::Sla)
        .map(RunVerdict::passed)
        .or_else(|| latency.sla_passed());
    LatencyView {
        stats,
        bars,
        chart_height: 140,
        per_operation,
        objectives,
        sla_met,
    }
}

/// Milliseconds with the unit: `4.2 ms`, `312 ms`.
fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{} ms", fmt_ms(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{CoverageItem, CoverageSection, OperationCoverage};

    fn item(id: &str, count: u64) -> CoverageItem {
        CoverageItem {
            id: id.into(),
            count,
        }
    }

    /// Two operations: getOrder documents 200 and 404 (200 seen), createOrder documents 201
    /// (seen) and 422 (not); createOrder also answered an undocumented 418.
    fn small() -> Coverage {
        let responses = CoverageSection::new(vec![
            item("getOrder 200", 3),
            item("getOrder 404", 0),
            item("createOrder 201", 2),
            item("createOrder 422", 0),
        ]);
        let op = |id: &str, method: &str, covered, total| OperationCoverage {
            id: id.into(),
            method: method.into(),
            template: "/orders".into(),
            exchanges: 3,
            total,
            covered,
            percent: 50.0,
            not_covered: vec![],
        };
        Coverage {
            contract: "Orders 1".into(),
            operations: vec![op("getOrder", "GET", 1, 2), op("createOrder", "POST", 1, 2)],
            error_codes: CoverageSection::new(vec![item("NOT_FOUND", 0), item("CONFLICT", 1)]),
            webhook_events: CoverageSection::default(),
            undocumented: vec![
                item("status 418 of createOrder", 1),
                item("error_code TEAPOT", 1),
                item("operation GET /x", 2),
            ],
            total: 6,
            covered: 3,
            min_percent: Some(80.0),
            responses,
        }
    }

    fn marks(row: &OpRow) -> Vec<&str> {
        row.cells.iter().map(|c| c.mark).collect()
    }

    #[test]
    fn the_grid_is_operations_by_documented_statuses() {
        let v = coverage_view(&small());
        assert_eq!(v.columns, ["200", "201", "404", "418", "422"]);
        let get = &v.operations[0];
        assert_eq!(get.id, "getOrder");
        // 200 covered, 201 not its status, 404 documented and missed, 418/422 not its own.
        assert_eq!(marks(get), ["✓", "·", "✗", "·", "·"]);
        assert_eq!(get.cells[0].count, 3);
        assert_eq!(get.cells[2].title, "getOrder 404: documented, not covered");
        let create = &v.operations[1];
        assert_eq!(marks(create), ["·", "✓", "·", "!", "✗"]);
        assert_eq!(create.cells[3].state, "undocumented");
        assert_eq!(
            create.cells[3].title,
            "createOrder 418: seen 1× but not documented"
        );
        let codes: Vec<(&str, &str)> = v
            .error_codes
            .iter()
            .map(|i| (i.name.as_str(), i.cell.state))
            .collect();
        assert_eq!(
            codes,
            [
                ("NOT_FOUND", "missing"),
                ("CONFLICT", "covered"),
                ("TEAPOT", "undocumented")
            ]
        );
        assert!(v.webhook_events.is_empty());
        assert_eq!(v.other_undocumented, ["operation GET /x (2×)"]);
        assert_eq!(v.text, "3 of 6 (50.0 %)");
        assert_eq!(v.min_percent.as_deref(), Some("80.0 %"));
        assert_eq!(v.sections.len(), 2, "no webhook events in this contract");
    }
}
