//! The observed sequence of one scenario (steps, requests, answers, webhooks) as lines, kept in
//! the parity report so a differing scenario's two sides can be drawn next to each other.
use super::report::{SequenceItem, SequenceKind};
use crate::results::ScenarioResult;

/// Lines kept per side; the rest is summarised in one line.
pub const MAX_SEQUENCE: usize = 80;

pub fn sequence(sc: &ScenarioResult) -> Vec<SequenceItem> {
    let mut out = Vec::new();
    let item = |kind, text: String| SequenceItem { kind, text };
    for st in &sc.steps {
        out.push(item(SequenceKind::Step, st.name.clone()));
        for x in &st.exchanges {
            let path = url::Url::parse(&x.request.url)
                .map(|u| u.path().to_string())
                .unwrap_or_else(|_| x.request.url.clone());
            out.push(item(
                SequenceKind::Request,
                format!("{} {path}", x.request.method),
            ));
            match &x.response {
                Some(r) => out.push(item(
                    SequenceKind::Response,
                    format!(
                        "{} ({} ms)",
                        r.status,
                        crate::contract::fmt_ms(r.latency_ms)
                    ),
                )),
                None => out.push(item(
                    SequenceKind::Failure,
                    x.error.clone().unwrap_or_else(|| "no response".into()),
                )),
            }
        }
    }
    for w in &sc.webhooks {
        out.push(item(
            SequenceKind::Webhook,
            format!(
                "{} attempt {} ({})",
                w.event_type.as_deref().unwrap_or("webhook"),
                w.attempt,
                w.verdict
            ),
        ));
    }
    if out.len() > MAX_SEQUENCE {
        let more = out.len() - MAX_SEQUENCE;
        out.truncate(MAX_SEQUENCE);
        out.push(item(SequenceKind::Step, format!("… {more} more")));
    }
    out
}
