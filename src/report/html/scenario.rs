//! The view model of one scenario: steps, checks, exchanges, webhooks.
use super::diagram::{diagram, Diagram};
use super::{anchor, outcome_key, outcome_label, txt};
use crate::report::escape::{cut, fmt_ms, one_line};
use crate::report::evidence::{
    error_cause, error_message, failure_message, phase_name, skip_reason,
};
use crate::results::{Exchange, Outcome, RunResult, ScenarioResult, StepResult};
use serde::Serialize;

/// Longest body shown, in chars.
const BODY_CHARS: usize = 64 * 1024;

#[derive(Serialize)]
pub(super) struct ScView {
    anchor: String,
    number: usize,
    id: String,
    name: String,
    at: String,
    outcome: &'static str,
    label: &'static str,
    open: bool,
    duration: String,
    reason: Option<String>,
    description: Option<String>,
    tags: Vec<String>,
    covers: Vec<String>,
    requires: Vec<String>,
    started_at: Option<String>,
    failures: Vec<CheckView>,
    error: Option<String>,
    diagram: Diagram,
    steps: Vec<StepView>,
    webhooks: Vec<WebhookView>,
    search: String,
}

#[derive(Serialize)]
struct StepView {
    name: String,
    phase: &'static str,
    outcome: &'static str,
    duration: String,
    at: String,
    attempts: u32,
    waited: Option<String>,
    error: Option<String>,
    checks: Vec<CheckView>,
    /// Allowed but noteworthy (undocumented properties): shown, never a failure.
    warnings: Vec<String>,
    exchanges: Vec<ExchangeView>,
    log: Vec<String>,
}

#[derive(Serialize)]
struct CheckView {
    passed: bool,
    step: String,
    check: String,
    expected: String,
    actual: String,
    at: String,
    detail: Option<String>,
}

#[derive(Serialize)]
struct ExchangeView {
    method: String,
    url: String,
    operation: Option<String>,
    sent_at: String,
    status: Option<u16>,
    status_class: &'static str,
    latency: Option<String>,
    error: Option<String>,
    request_headers: Vec<(String, String)>,
    request_body: Option<String>,
    response_headers: Vec<(String, String)>,
    response_body: Option<String>,
    truncated: bool,
}

#[derive(Serialize)]
struct WebhookView {
    received_at: String,
    event_id: Option<String>,
    event_type: Option<String>,
    attempt: u32,
    verdict: String,
    valid: bool,
    answered: u16,
    headers: Vec<(String, String)>,
    body: String,
}
pub(super) fn scenario_view(
    result: &RunResult,
    sc: &ScenarioResult,
    number: usize,
    open: bool,
) -> ScView {
    let failures: Vec<CheckView> = sc
        .steps
        .iter()
        .flat_map(|st| {
            st.checks
                .iter()
                .filter(|c| !c.passed())
                .map(move |c| check_view(st, c))
        })
        .collect();
    let error = (sc.outcome == Outcome::Errored || sc.steps.iter().any(|s| s.error.is_some()))
        .then(|| txt(&error_cause(sc)));
    let reason = reason(result, sc);
    let search = format!(
        "{} {} {} {}",
        sc.id,
        sc.tags.join(" "),
        sc.covers.join(" "),
        reason.as_deref().unwrap_or("")
    )
    .to_lowercase();
    ScView {
        anchor: anchor(number),
        number,
        id: txt(&sc.id),
        name: txt(&sc.name),
        at: txt(&sc.location.to_string()),
        outcome: outcome_key(sc.outcome),
        label: outcome_label(sc.outcome),
        open,
        duration: fmt_ms(sc.duration_ms),
        reason,
        description: sc.description.as_deref().map(txt),
        tags: sc.tags.iter().map(|t| txt(t)).collect(),
        covers: sc.covers.iter().map(|t| txt(t)).collect(),
        requires: sc.requires.iter().map(|t| txt(t)).collect(),
        started_at: sc.started_at.as_deref().map(display_time),
        failures,
        error,
        diagram: diagram(sc),
        steps: sc.steps.iter().map(step_view).collect(),
        webhooks: sc
            .webhooks
            .iter()
            .map(|w| WebhookView {
                received_at: display_time(&w.received_at),
                event_id: w.event_id.as_deref().map(txt),
                event_type: w.event_type.as_deref().map(txt),
                attempt: w.attempt,
                verdict: txt(&w.verdict),
                valid: w.verdict == "valid",
                answered: w.answered,
                headers: headers(&w.headers),
                body: body(&w.body, false),
            })
            .collect(),
        search: txt(&one_line(&search, 2000)),
    }
}

/// Why a scenario did not pass, in one line (`None` when it passed).
pub(super) fn reason(result: &RunResult, sc: &ScenarioResult) -> Option<String> {
    match sc.outcome {
        Outcome::Skipped | Outcome::NotRun => Some(skip_reason(sc, result.interrupted)),
        Outcome::Failed => Some(failure_message(sc)),
        Outcome::Errored => Some(error_message(sc)),
        Outcome::Passed => None,
    }
    .map(|r| txt(&r))
}

fn check_view(st: &StepResult, c: &crate::results::CheckOutcome) -> CheckView {
    CheckView {
        passed: c.passed(),
        step: txt(&st.name),
        check: txt(&c.check),
        expected: txt(&c.expected),
        actual: txt(&c.actual),
        at: txt(&c.location.as_ref().unwrap_or(&st.location).to_string()),
        detail: c.detail.as_deref().map(txt),
    }
}

fn step_view(st: &StepResult) -> StepView {
    StepView {
        name: txt(&st.name),
        phase: phase_name(st.phase),
        outcome: outcome_key(st.outcome),
        duration: fmt_ms(st.duration_ms),
        at: txt(&st.location.to_string()),
        attempts: st.attempts,
        waited: (st.waited_ms > 0.0).then(|| fmt_ms(st.waited_ms)),
        error: st.error.as_deref().map(txt),
        checks: st.checks.iter().map(|c| check_view(st, c)).collect(),
        warnings: st.warnings.iter().map(|w| txt(&w.to_string())).collect(),
        exchanges: st.exchanges.iter().map(exchange_view).collect(),
        log: st.log.iter().map(|l| txt(l)).collect(),
    }
}

fn exchange_view(ex: &Exchange) -> ExchangeView {
    let resp = ex.response.as_ref();
    ExchangeView {
        method: txt(&ex.request.method),
        url: txt(&ex.request.url),
        operation: ex.operation.as_deref().map(txt),
        sent_at: display_time(&ex.request.sent_at),
        status: resp.map(|r| r.status),
        status_class: match resp.map(|r| r.status) {
            None => "none",
            Some(200..=399) => "ok",
            Some(400..=499) => "client",
            Some(_) => "server",
        },
        latency: resp.map(|r| fmt_ms(r.latency_ms)),
        error: ex.error.as_deref().map(txt),
        request_headers: headers(&ex.request.headers),
        request_body: ex.request.body.as_deref().map(|b| body(b, false)),
        response_headers: resp.map(|r| headers(&r.headers)).unwrap_or_default(),
        response_body: resp.and_then(|r| r.body.as_deref().map(|b| body(b, r.truncated))),
        truncated: resp.is_some_and(|r| r.truncated),
    }
}

fn headers(hs: &[(String, String)]) -> Vec<(String, String)> {
    hs.iter().map(|(k, v)| (txt(k), txt(v))).collect()
}

/// A body for display: JSON pretty-printed (when it parses and was not cut), capped.
fn body(b: &str, truncated: bool) -> String {
    let pretty = if !truncated && b.len() < 256 * 1024 {
        pretty_json(b)
    } else {
        None
    };
    let text = pretty.as_deref().unwrap_or(b);
    let shown = cut(text, BODY_CHARS);
    let shown = if shown.len() < text.len() {
        format!(
            "{shown}\n… {} more characters not shown",
            text.chars().count() - BODY_CHARS
        )
    } else {
        shown
    };
    txt(&shown)
}

/// A JSON object or array pretty-printed, its members in the order they were sent; `None`
/// for anything else (a scalar, text that is not JSON, trailing characters). Read and written
/// in one pass, without building the document as a tree.
fn pretty_json(b: &str) -> Option<String> {
    let t = b.trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(t);
    let mut out = Vec::with_capacity(t.len() * 2);
    serde_transcode::transcode(&mut de, &mut serde_json::Serializer::pretty(&mut out)).ok()?;
    de.end().ok()?;
    String::from_utf8(out).ok()
}

/// `2025-03-01 10:00:00.500 UTC` from RFC 3339; anything else as given.
pub(super) fn display_time(s: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S%.3f UTC")
            .to_string(),
        Err(_) => txt(s),
    }
}

/// The path and query of a URL as it was recorded (not re-encoded), for diagram labels; the
/// base URL is in the header.
pub(crate) fn url_path(u: &str) -> String {
    match u.split_once("://") {
        Some((_, rest)) => match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('/') => rest[i..].to_string(),
            Some(i) => format!("/{}", &rest[i..]),
            None => "/".to_string(),
        },
        None => u.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{pretty_json, url_path};

    #[test]
    fn json_bodies_are_pretty_printed_as_sent() {
        let b = r#" {"z": 1, "a": [true, null, 1.5, "x\u0041\n"], "big": 18446744073709551615, "neg": -3} "#;
        assert_eq!(
            pretty_json(b).unwrap(),
            "{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null,\n    1.5,\n    \"xA\\n\"\n  ],\n  \"big\": 18446744073709551615,\n  \"neg\": -3\n}"
        );
        // The lines the tree-building pretty-printer made of the same members (which it
        // sorted), but in the order they were sent.
        let v: serde_json::Value = serde_json::from_str(b).unwrap();
        let tree = serde_json::to_string_pretty(&v).unwrap();
        let ours = pretty_json(b).unwrap();
        let mut ours: Vec<&str> = ours.lines().map(|l| l.trim_end_matches(',')).collect();
        let mut theirs: Vec<&str> = tree.lines().map(|l| l.trim_end_matches(',')).collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
        assert_eq!(pretty_json("[]").unwrap(), "[]");
        for not in [
            "",
            "42",
            "\"s\"",
            "{\"a\": 1} trailing",
            "{\"a\": ",
            "<html>",
            "[1,]",
        ] {
            assert_eq!(pretty_json(not), None, "{not:?}");
        }
    }

    #[test]
    fn url_paths() {
        assert_eq!(url_path("http://h:1/a/b?x=1"), "/a/b?x=1");
        assert_eq!(url_path("http://h:1/x?q=<b>"), "/x?q=<b>");
        assert_eq!(url_path("http://h:1?q=1"), "/?q=1");
        assert_eq!(url_path("http://h:1"), "/");
        assert_eq!(url_path("not a url"), "not a url");
    }
}
