//! The parity console summary: scenarios that pass on one side only first, then every other
//! difference with both values and where the step is written, the latency table and a count.
use super::report::{Difference, ParityReport, ParityVerdict};
use crate::contract::fmt_ms;
use std::io::{self, Write};

/// Text from a target, safe on a terminal: control characters are shown escaped.
fn safe(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

struct Paint(bool);

impl Paint {
    fn code(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn red(&self, s: &str) -> String {
        self.code("1;31", s)
    }
    fn green(&self, s: &str) -> String {
        self.code("32", s)
    }
    fn dim(&self, s: &str) -> String {
        self.code("2", s)
    }
    fn bold(&self, s: &str) -> String {
        self.code("1", s)
    }
}

fn write_difference(
    out: &mut dyn Write,
    d: &Difference,
    left: &str,
    right: &str,
    p: &Paint,
) -> io::Result<()> {
    writeln!(
        out,
        "    {}: {} {} · {} {}",
        safe(&d.to_string()),
        p.bold(left),
        safe(&d.left),
        p.bold(right),
        safe(&d.right)
    )?;
    if let Some(l) = &d.location {
        writeln!(out, "      {}", p.dim(&format!("--> {l}")))?;
    }
    Ok(())
}

/// Writes the summary of `report`; `verbose` also lists the scenarios that are the same.
pub fn write_console(
    report: &ParityReport,
    out: &mut dyn Write,
    color: bool,
    verbose: bool,
) -> io::Result<()> {
    let p = Paint(color);
    let (l, r) = (&report.left.environment, &report.right.environment);
    writeln!(
        out,
        "parity: {} ({}) vs {} ({})",
        p.bold(l),
        safe(&report.left.base_url),
        p.bold(r),
        safe(&report.right.base_url)
    )?;
    for s in &report.scenarios {
        match s.verdict {
            ParityVerdict::Different => {
                writeln!(out, "{} {}", p.red("✗"), safe(&s.id))?;
                for d in &s.differences {
                    write_difference(out, d, l, r, &p)?;
                }
            }
            ParityVerdict::Same if verbose => {
                writeln!(out, "{} {}", p.green("✓"), safe(&s.id))?;
            }
            ParityVerdict::NotCompared if verbose => {
                writeln!(
                    out,
                    "{} {}  {}",
                    p.dim("-"),
                    safe(&s.id),
                    p.dim(&format!(
                        "(not compared: {})",
                        safe(s.reason.as_deref().unwrap_or(""))
                    ))
                )?;
            }
            _ => {}
        }
    }
    if !report.latency.is_empty() {
        writeln!(out, "latency per operation, p50 / p95 ms ({l} · {r}):")?;
        let width = report
            .latency
            .iter()
            .map(|o| o.operation.chars().count())
            .max()
            .unwrap_or(0);
        let v = |x: Option<f64>| x.map(fmt_ms).unwrap_or_else(|| "-".into());
        for o in &report.latency {
            let mark = if o.different {
                p.red(" ✗")
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {:width$}  {} / {} · {} / {}{mark}",
                safe(&o.operation),
                v(o.left_p50_ms),
                v(o.left_p95_ms),
                v(o.right_p50_ms),
                v(o.right_p95_ms),
            )?;
        }
    }
    let sla = |s: Option<bool>| match s {
        Some(true) => "met",
        Some(false) => "missed",
        None => "none",
    };
    writeln!(
        out,
        "SLA: {l} {} · {r} {}",
        sla(report.left.sla_passed),
        sla(report.right.sla_passed)
    )?;
    if !report.run_differences.is_empty() {
        writeln!(out, "{} the run", p.red("✗"))?;
        for d in &report.run_differences {
            write_difference(out, d, l, r, &p)?;
        }
    }
    let s = &report.summary;
    let line = format!(
        "parity: {} scenario(s): {} same, {} different ({} pass in one environment only), {} not compared; {} difference(s)",
        s.total, s.same, s.different, s.outcome_differs, s.not_compared, s.differences
    );
    if report.clean() {
        writeln!(out, "{}", p.green(&line))?;
    } else {
        writeln!(out, "{}", p.red(&line))?;
    }
    out.flush()
}
