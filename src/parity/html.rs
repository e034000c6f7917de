//! `parity.html`: one self-contained page — the two environments, the count, the latency
//! table, and for every differing scenario its differences and the two observed sequence
//! diagrams side by side (lines that differ are marked).
use super::report::{
    Difference, ParityReport, ParityVerdict, ScenarioParity, SequenceItem, SequenceKind,
};
use crate::contract::fmt_ms;
use std::fmt::Write as _;
use std::io::{self, Write};

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232a}\
h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}\
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.bad{color:#b42318;font-weight:600}.ok{color:#1a7f37}\
.muted{color:#57606a}.sides{display:grid;grid-template-columns:1fr 1fr;gap:16px}\
.seq{font:12px/1.5 ui-monospace,monospace;border:1px solid #d0d7de;padding:8px;margin:0;list-style:none}\
.seq li{white-space:pre-wrap;padding:0 4px}.seq .step{font-weight:600;margin-top:4px}\
.seq .req::before{content:'conform → API  '}.seq .resp::before{content:'API → conform  '}\
.seq .fail::before{content:'API ✗ conform  '}.seq .hook::before{content:'API → receiver  '}\
.seq .differs{background:#fff1e5}section{border-top:1px solid #d0d7de;margin-top:20px}";

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                out.extend(c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

fn class(kind: SequenceKind) -> &'static str {
    match kind {
        SequenceKind::Step => "step",
        SequenceKind::Request => "req",
        SequenceKind::Response => "resp",
        SequenceKind::Failure => "fail",
        SequenceKind::Webhook => "hook",
    }
}

/// A response line without its latency, for comparing two lines.
fn comparable(i: &SequenceItem) -> String {
    match i.kind {
        SequenceKind::Response => i.text.split(" (").next().unwrap_or_default().to_string(),
        _ => i.text.clone(),
    }
}

fn sequence(h: &mut String, env: &str, own: &[SequenceItem], other: &[SequenceItem]) {
    let _ = write!(h, "<div><h3>{}</h3><ol class=\"seq\">", esc(env));
    for (i, item) in own.iter().enumerate() {
        let differs = other.get(i).map(comparable) != Some(comparable(item));
        let _ = write!(
            h,
            "<li class=\"{}{}\">{}</li>",
            class(item.kind),
            if differs { " differs" } else { "" },
            esc(&item.text)
        );
    }
    h.push_str("</ol></div>");
}

fn differences(h: &mut String, ds: &[Difference], l: &str, r: &str) {
    let _ = write!(
        h,
        "<table><tr><th>where</th><th>{}</th><th>{}</th><th>written at</th></tr>",
        esc(l),
        esc(r)
    );
    for d in ds {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
            esc(&d.to_string()),
            esc(&d.left),
            esc(&d.right),
            d.location
                .as_ref()
                .map(|l| esc(&l.to_string()))
                .unwrap_or_default()
        );
    }
    h.push_str("</table>");
}

fn scenario(h: &mut String, s: &ScenarioParity, l: &str, r: &str) {
    let o = |x: Option<crate::results::Outcome>| x.map_or("absent", |o| o.as_str());
    let _ = write!(
        h,
        "<section><h2 class=\"bad\">✗ {}</h2><p class=\"muted\">{}: {} · {}: {}</p>",
        esc(&s.id),
        esc(l),
        o(s.left_outcome),
        esc(r),
        o(s.right_outcome)
    );
    differences(h, &s.differences, l, r);
    h.push_str("<div class=\"sides\">");
    sequence(h, l, &s.left_sequence, &s.right_sequence);
    sequence(h, r, &s.right_sequence, &s.left_sequence);
    h.push_str("</div></section>");
}

/// Writes `report` as a self-contained HTML page.
pub fn write_html(report: &ParityReport, out: &mut dyn Write) -> io::Result<()> {
    let (l, r) = (
        report.left.environment.as_str(),
        report.right.environment.as_str(),
    );
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>conform parity: {} vs {}</title><style>{STYLE}</style></head><body>",
        esc(l),
        esc(r)
    );
    let s = &report.summary;
    let verdict = if report.clean() {
        "<span class=\"ok\">no behavioural difference</span>".to_string()
    } else {
        format!("<span class=\"bad\">{} difference(s)</span>", s.differences)
    };
    let _ = write!(
        h,
        "<h1>Environment parity: {} vs {}</h1><p>{verdict}</p><table>\
<tr><th></th><th>{}</th><th>{}</th></tr>\
<tr><td>base URL</td><td>{}</td><td>{}</td></tr>\
<tr><td>started</td><td>{}</td><td>{}</td></tr>\
<tr><td>scenarios passed / total</td><td>{} / {}</td><td>{} / {}</td></tr>\
<tr><td>SLA</td><td>{}</td><td>{}</td></tr></table>\
<p>{} scenario(s): {} same, {} different ({} pass in one environment only), {} not compared.</p>",
        esc(l),
        esc(r),
        esc(l),
        esc(r),
        esc(&report.left.base_url),
        esc(&report.right.base_url),
        esc(&report.left.started_at),
        esc(&report.right.started_at),
        report.left.summary.passed,
        report.left.summary.total,
        report.right.summary.passed,
        report.right.summary.total,
        sla(report.left.sla_passed),
        sla(report.right.sla_passed),
        s.total,
        s.same,
        s.different,
        s.outcome_differs,
        s.not_compared
    );
    if !report.run_differences.is_empty() {
        h.push_str("<h2 class=\"bad\">✗ The run</h2>");
        differences(&mut h, &report.run_differences, l, r);
    }
    if !report.latency.is_empty() {
        let _ = write!(
            h,
            "<h2>Latency per operation (ms)</h2><table><tr><th>operation</th><th>{l} p50</th><th>{l} p95</th><th>{r} p50</th><th>{r} p95</th><th></th></tr>",
            l = esc(l),
            r = esc(r)
        );
        let v = |x: Option<f64>| x.map(fmt_ms).unwrap_or_else(|| "–".into());
        for o in &report.latency {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&o.operation),
                v(o.left_p50_ms),
                v(o.left_p95_ms),
                v(o.right_p50_ms),
                v(o.right_p95_ms),
                if o.different {
                    "<span class=\"bad\">✗</span>"
                } else {
                    ""
                }
            );
        }
        h.push_str("</table>");
    }
    for sc in report
        .scenarios
        .iter()
        .filter(|s| s.verdict == ParityVerdict::Different)
    {
        scenario(&mut h, sc, l, r);
    }
    let others: Vec<&ScenarioParity> = report
        .scenarios
        .iter()
        .filter(|s| s.verdict != ParityVerdict::Different)
        .collect();
    if !others.is_empty() {
        h.push_str("<h2>Other scenarios</h2><table><tr><th>scenario</th><th>parity</th></tr>");
        for s in others {
            let what = match s.verdict {
                ParityVerdict::Same => "<span class=\"ok\">same</span>".to_string(),
                _ => format!(
                    "<span class=\"muted\">not compared: {}</span>",
                    esc(s.reason.as_deref().unwrap_or(""))
                ),
            };
            let _ = write!(h, "<tr><td>{}</td><td>{what}</td></tr>", esc(&s.id));
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>\n");
    out.write_all(h.as_bytes())?;
    out.flush()
}

fn sla(s: Option<bool>) -> &'static str {
    match s {
        Some(true) => "met",
        Some(false) => "missed",
        None => "no SLA",
    }
}
