//! Sequence diagram of what a scenario exchanged, in time order: conform, the API and the
//! webhook receiver as lifelines, one row per message.
use super::scenario::url_path;
use super::txt;
use crate::report::escape::{fmt_ms, one_line};
use crate::report::evidence::phase_name;
use crate::results::{Exchange, Outcome, ScenarioResult};
use serde::Serialize;

/// Rows in a sequence diagram before it is cut.
const DIAGRAM_ROWS: usize = 80;
#[derive(Serialize)]
pub(super) struct Diagram {
    width: u32,
    height: u32,
    lifelines: Vec<Lifeline>,
    rows: Vec<Row>,
    empty: bool,
}

#[derive(Serialize)]
struct Lifeline {
    x: u32,
    box_x: u32,
    label: &'static str,
}

/// One arrow or note of a sequence diagram.
#[derive(Serialize)]
struct Row {
    /// `req`, `resp`, `fail`, `hook`, `hookbad`, `note`, `more`
    kind: &'static str,
    y: u32,
    x1: u32,
    x2: u32,
    /// Arrowhead polygon points at `x2`.
    head: String,
    label: String,
    title: String,
    label_x: u32,
    dashed: bool,
}
// Sequence diagram of what was exchanged, in time order.

const LANE_CONFORM: u32 = 120;
const LANE_API: u32 = 460;
const LANE_HOOKS: u32 = 800;
const DIAGRAM_WIDTH: u32 = 920;
const ROW: u32 = 30;
const TOP: u32 = 78;
const LABEL_CHARS: usize = 52;

enum Event<'a> {
    Request(usize, &'a Exchange),
    Response(&'a Exchange, bool),
    Webhook(&'a crate::results::WebhookRecord),
}

fn micros(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_micros())
}

pub(super) fn diagram(sc: &ScenarioResult) -> Diagram {
    // (time, sequence, event); unparsable times take the previous event's time so the
    // recorded order holds.
    let mut events: Vec<(i64, usize, Event)> = Vec::new();
    let mut last = i64::MIN;
    for (si, st) in sc.steps.iter().enumerate() {
        let failed_step = matches!(st.outcome, Outcome::Failed | Outcome::Errored);
        for (ei, ex) in st.exchanges.iter().enumerate() {
            let t = micros(&ex.request.sent_at).unwrap_or(last);
            last = t;
            let seq = events.len();
            events.push((t, seq, Event::Request(si, ex)));
            let lat = ex
                .response
                .as_ref()
                .map(|r| r.latency_ms)
                .filter(|l| l.is_finite() && *l >= 0.0)
                .unwrap_or(0.0);
            let blame = failed_step && ei + 1 == st.exchanges.len();
            events.push((
                t.saturating_add((lat * 1000.0) as i64),
                seq + 1,
                Event::Response(ex, blame),
            ));
        }
    }
    for w in &sc.webhooks {
        let seq = events.len();
        events.push((
            micros(&w.received_at).unwrap_or(i64::MAX),
            seq,
            Event::Webhook(w),
        ));
    }
    events.sort_by_key(|(t, seq, _)| (*t, *seq));

    let mut rows = Vec::new();
    let mut y = TOP;
    let mut current_step = None;
    let total = events.len();
    for (shown, (_, _, ev)) in events.into_iter().enumerate() {
        if rows.len() >= DIAGRAM_ROWS {
            rows.push(note(
                "more",
                y,
                format!("… {} more messages, see the steps below", total - shown),
            ));
            y += ROW;
            break;
        }
        match ev {
            Event::Request(si, ex) => {
                if current_step != Some(si) {
                    current_step = Some(si);
                    let st = &sc.steps[si];
                    rows.push(note(
                        "note",
                        y,
                        format!("{} · {}", phase_name(st.phase), st.name),
                    ));
                    y += ROW;
                }
                let label = format!("{} {}", ex.request.method, url_path(&ex.request.url));
                let title = match &ex.operation {
                    Some(op) => format!("{} {}  [{op}]", ex.request.method, ex.request.url),
                    None => format!("{} {}", ex.request.method, ex.request.url),
                };
                rows.push(arrow("req", y, LANE_CONFORM, LANE_API, label, title, false));
            }
            Event::Response(ex, blame) => {
                let (kind, label) = match &ex.response {
                    Some(r) => (
                        if blame { "fail" } else { "resp" },
                        format!("{} ({})", r.status, fmt_ms(r.latency_ms)),
                    ),
                    None => (
                        "fail",
                        format!(
                            "✗ {}",
                            one_line(ex.error.as_deref().unwrap_or("no response"), 80)
                        ),
                    ),
                };
                let title = label.clone();
                rows.push(arrow(kind, y, LANE_API, LANE_CONFORM, label, title, true));
            }
            Event::Webhook(w) => {
                let event = w.event_type.as_deref().unwrap_or("webhook");
                let label = format!("{event} ({})", w.verdict);
                let title = format!(
                    "{event} {} attempt {} → answered {}, {}",
                    w.event_id.as_deref().unwrap_or(""),
                    w.attempt,
                    w.answered,
                    w.verdict
                );
                let kind = if w.verdict == "valid" {
                    "hook"
                } else {
                    "hookbad"
                };
                rows.push(arrow(kind, y, LANE_API, LANE_HOOKS, label, title, true));
            }
        }
        y += ROW;
    }
    let empty = rows.is_empty();
    if empty {
        rows.push(note("more", y, "no messages exchanged".to_string()));
        y += ROW;
    }
    Diagram {
        width: DIAGRAM_WIDTH,
        height: y + 44,
        lifelines: [
            (LANE_CONFORM, "conform"),
            (LANE_API, "API"),
            (LANE_HOOKS, "webhook receiver"),
        ]
        .into_iter()
        .map(|(x, label)| Lifeline {
            x,
            box_x: x - 70,
            label,
        })
        .collect(),
        rows,
        empty,
    }
}

fn arrow(
    kind: &'static str,
    y: u32,
    from: u32,
    to: u32,
    label: String,
    title: String,
    dashed: bool,
) -> Row {
    let head = if to > from {
        format!("{},{} {},{} {},{}", to, y, to - 9, y - 4, to - 9, y + 4)
    } else {
        format!("{},{} {},{} {},{}", to, y, to + 9, y - 4, to + 9, y + 4)
    };
    Row {
        kind,
        y,
        x1: from,
        x2: to,
        head,
        label: txt(&one_line(&label, LABEL_CHARS)),
        title: txt(&one_line(&title, 2000)),
        label_x: (from + to) / 2,
        dashed,
    }
}

fn note(kind: &'static str, y: u32, text: String) -> Row {
    Row {
        kind,
        y,
        x1: LANE_CONFORM - 60,
        x2: LANE_API + 60,
        head: String::new(),
        label: txt(&one_line(&text, 70)),
        title: txt(&one_line(&text, 2000)),
        label_x: (LANE_CONFORM + LANE_API) / 2,
        dashed: false,
    }
}
