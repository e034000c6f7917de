//! Renders one scenario's evidence as text: failed checks, error causes, exchange excerpts and
//! the step log. The console and the JUnit writer share these so both say the same thing.
use super::escape::{cut, fmt_ms, one_line, terminal_safe};
use super::paint::Painter;
use crate::results::{
    CheckOutcome, Exchange, Outcome, Phase, RateLimitCounts, ScenarioResult, StepResult,
};
use colored::Color;
use std::fmt::Write as _;

/// Lines of a body shown in an excerpt.
pub(crate) const BODY_LINES: usize = 20;
/// Headers shown per request/response in an excerpt.
pub(crate) const MAX_HEADERS: usize = 6;
/// Longest line of a body shown in an excerpt, in chars.
pub(crate) const LINE_CHARS: usize = 200;
/// Longest one-line message (JUnit `message`, console reason).
pub(crate) const MESSAGE_CHARS: usize = 300;

pub(crate) fn failed_checks(
    sc: &ScenarioResult,
) -> impl Iterator<Item = (&StepResult, &CheckOutcome)> {
    sc.steps
        .iter()
        .flat_map(|s| s.checks.iter().filter(|c| !c.passed()).map(move |c| (s, c)))
}

/// `status: expected 201, actual 500` for the first failed check; else the reason.
pub(crate) fn failure_message(sc: &ScenarioResult) -> String {
    match failed_checks(sc).next() {
        Some((_, c)) => one_line(
            &terminal_safe(&format!(
                "{}: expected {}, actual {}",
                c.check, c.expected, c.actual
            )),
            MESSAGE_CHARS,
        ),
        None => one_line(
            &terminal_safe(sc.reason.as_deref().unwrap_or("failed")),
            MESSAGE_CHARS,
        ),
    }
}

/// Why a step could not be checked: its error, else the error of its last exchange.
pub(crate) fn step_cause(step: &StepResult) -> Option<&str> {
    step.error
        .as_deref()
        .or_else(|| step.exchanges.iter().rev().find_map(|e| e.error.as_deref()))
}

/// Why the scenario errored, in full (may span lines).
pub(crate) fn error_cause(sc: &ScenarioResult) -> String {
    sc.steps
        .iter()
        .filter(|s| s.outcome == Outcome::Errored)
        .find_map(step_cause)
        .or_else(|| sc.steps.iter().find_map(step_cause))
        .or(sc.reason.as_deref())
        .unwrap_or("error")
        .to_string()
}

/// The first line of [`error_cause`], for one-line messages.
pub(crate) fn error_message(sc: &ScenarioResult) -> String {
    let cause = terminal_safe(&error_cause(sc));
    one_line(
        cause
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("error"),
        MESSAGE_CHARS,
    )
}

/// The reason shown for a skipped or not-run scenario.
pub(crate) fn skip_reason(sc: &ScenarioResult, interrupted: bool) -> String {
    let reason = sc
        .reason
        .as_deref()
        .map(|r| one_line(&terminal_safe(r), MESSAGE_CHARS));
    match (sc.outcome, reason) {
        (Outcome::NotRun, Some(r)) if r.starts_with("not run") => r,
        (Outcome::NotRun, Some(r)) => format!("not run: {r}"),
        (Outcome::NotRun, None) if interrupted => "not run: interrupted".to_string(),
        (Outcome::NotRun, None) => "not run: the run stopped early (--fail-fast)".to_string(),
        (_, Some(r)) => r,
        (_, None) => "skipped".to_string(),
    }
}

pub(crate) fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Setup => "setup",
        Phase::Steps => "steps",
        Phase::Teardown => "teardown",
    }
}

fn outcome_color(o: Outcome) -> Color {
    match o {
        Outcome::Passed => Color::Green,
        Outcome::Failed | Outcome::Errored => Color::Red,
        Outcome::Skipped | Outcome::NotRun => Color::Yellow,
    }
}

/// Writes `label value`, continuing a multi-line value under the first line.
fn labelled(out: &mut String, indent: usize, label: &str, value: &str) {
    let value = terminal_safe(value);
    let mut lines = value.lines();
    let _ = writeln!(out, "{:indent$}{label}{}", "", lines.next().unwrap_or(""));
    let pad = indent + label.chars().count();
    for l in lines {
        let _ = writeln!(out, "{:pad$}{l}", "");
    }
}

/// One failed check with expected vs actual and where it was written.
pub(crate) fn render_failed_check(
    out: &mut String,
    step: &StepResult,
    check: &CheckOutcome,
    indent: usize,
    p: &Painter,
) {
    let at = check.location.as_ref().unwrap_or(&step.location);
    let _ = writeln!(
        out,
        "{:indent$}{} {}  {}",
        "",
        p.bold_fg(Color::Red, "x"),
        p.bold(&terminal_safe(&check.check)),
        p.dim(&format!("at {at}"))
    );
    labelled(out, indent + 4, "expected: ", &check.expected);
    labelled(out, indent + 4, "actual:   ", &check.actual);
    if let Some(d) = &check.detail {
        labelled(out, indent + 4, "detail:   ", d);
    }
}

fn headers(out: &mut String, indent: usize, hs: &[(String, String)], p: &Painter) {
    for (k, v) in hs.iter().take(MAX_HEADERS) {
        let _ = writeln!(
            out,
            "{:indent$}{}: {}",
            "",
            p.dim(&terminal_safe(k)),
            cut(&terminal_safe(v), LINE_CHARS)
        );
    }
    if hs.len() > MAX_HEADERS {
        let _ = writeln!(
            out,
            "{:indent$}{}",
            "",
            p.dim(&format!("… {} more headers", hs.len() - MAX_HEADERS))
        );
    }
}

fn body(out: &mut String, indent: usize, body: Option<&str>, truncated: bool, p: &Painter) {
    let Some(body) = body.filter(|b| !b.is_empty()) else {
        return;
    };
    let safe = terminal_safe(body);
    let total = safe.lines().count();
    for l in safe.lines().take(BODY_LINES) {
        let _ = writeln!(out, "{:indent$}{} {}", "", p.dim("|"), cut(l, LINE_CHARS));
    }
    if total > BODY_LINES {
        let _ = writeln!(
            out,
            "{:indent$}{}",
            "",
            p.dim(&format!("… {} more lines", total - BODY_LINES))
        );
    }
    if truncated {
        let _ = writeln!(
            out,
            "{:indent$}{}",
            "",
            p.dim("… (body truncated at the report cap)")
        );
    }
}

/// The request and response of one exchange: method, URL, status, a few headers, the body's
/// first lines.
pub(crate) fn render_exchange(out: &mut String, ex: &Exchange, indent: usize, p: &Painter) {
    let req = &ex.request;
    let op = ex
        .operation
        .as_deref()
        .map(|o| format!("  [{}]", terminal_safe(o)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{:indent$}{} {} {}{}",
        "",
        p.bold("request: "),
        terminal_safe(&req.method),
        terminal_safe(&req.url),
        p.dim(&op)
    );
    headers(out, indent + 2, &req.headers, p);
    body(out, indent + 2, req.body.as_deref(), false, p);
    match (&ex.response, &ex.error) {
        (Some(res), _) => {
            let color = if res.status >= 400 {
                Color::Red
            } else {
                Color::Green
            };
            let _ = writeln!(
                out,
                "{:indent$}{} {}  {}",
                "",
                p.bold("response:"),
                p.fg(color, &res.status.to_string()),
                p.dim(&format!("({})", fmt_ms(res.latency_ms)))
            );
            headers(out, indent + 2, &res.headers, p);
            body(out, indent + 2, res.body.as_deref(), res.truncated, p);
        }
        (None, Some(e)) => labelled(out, indent, "response: none: ", e),
        (None, None) => {
            let _ = writeln!(out, "{:indent$}response: none", "");
        }
    }
}

/// Every failure and error of one scenario, in detail (the console's end-of-run section and
/// the text of the JUnit `<failure>`/`<error>` element).
pub(crate) fn render_problem(out: &mut String, sc: &ScenarioResult, p: &Painter, heading: bool) {
    if heading {
        let label = match sc.outcome {
            Outcome::Errored => "ERROR",
            _ => "FAIL",
        };
        let _ = writeln!(
            out,
            "{} {}  {}",
            p.bold_fg(outcome_color(sc.outcome), label),
            p.bold(&terminal_safe(&sc.id)),
            p.dim(&format!("({})", fmt_ms(sc.duration_ms)))
        );
        let _ = writeln!(out, "  {} {}", p.fg(Color::Blue, "-->"), sc.location);
    }
    let bad: Vec<&StepResult> = sc
        .steps
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Failed | Outcome::Errored))
        .collect();
    // A failed check on a step that did not itself fail still counts as evidence.
    let bad: Vec<&StepResult> = if bad.is_empty() {
        sc.steps
            .iter()
            .filter(|s| s.checks.iter().any(|c| !c.passed()) || s.error.is_some())
            .collect()
    } else {
        bad
    };
    if bad.is_empty() {
        let cause = match sc.outcome {
            Outcome::Errored => error_cause(sc),
            _ => sc.reason.clone().unwrap_or_else(|| "failed".to_string()),
        };
        labelled(
            out,
            2,
            if sc.outcome == Outcome::Errored {
                "error: "
            } else {
                "reason: "
            },
            &cause,
        );
    }
    for step in bad {
        let _ = writeln!(
            out,
            "  {} {} [{}] {}  {}",
            p.bold("step"),
            p.bold(&format!("\"{}\"", terminal_safe(&step.name))),
            phase_name(step.phase),
            p.fg(outcome_color(step.outcome), step.outcome.as_str()),
            p.dim(&format!("at {}", step.location))
        );
        for c in step.checks.iter().filter(|c| !c.passed()) {
            render_failed_check(out, step, c, 4, p);
        }
        // How long the step kept trying is part of why it failed (JUnit has the whole log).
        for l in step.log.iter().filter(|l| l.starts_with("polling gave up")) {
            labelled(out, 4, "note: ", l);
        }
        if let Some(cause) = step_cause(step) {
            let label = format!("{} ", p.bold_fg(Color::Red, "error:"));
            labelled(out, 4, &label, cause);
        }
        if let Some(ex) = step.exchanges.last() {
            render_exchange(out, ex, 4, p);
        }
    }
}

/// The step log: each step with its outcome, each exchange `METHOD URL -> STATUS (ms)`, each
/// check, the log lines, then the webhook deliveries with their verdicts. Plain text.
pub(crate) fn step_log(sc: &ScenarioResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{} at {}: {} ({})",
        terminal_safe(&sc.id),
        if sc.tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", terminal_safe(&sc.tags.join(", ")))
        },
        sc.location,
        sc.outcome.as_str(),
        fmt_ms(sc.duration_ms)
    );
    if let Some(r) = &sc.reason {
        labelled(&mut out, 0, "reason: ", r);
    }
    if !sc.requires.is_empty() {
        labelled(&mut out, 0, "needs: ", &sc.requires.join(", "));
    }
    if let Some(rl) = RateLimitCounts::of_steps(&sc.steps).describe() {
        labelled(&mut out, 0, "rate limits: ", &rl);
    }
    for step in &sc.steps {
        let _ = writeln!(
            out,
            "[{}] {}: {} ({}) at {}",
            phase_name(step.phase),
            terminal_safe(&step.name),
            step.outcome.as_str(),
            fmt_ms(step.duration_ms),
            step.location
        );
        for ex in &step.exchanges {
            let target = match (&ex.response, &ex.error) {
                (Some(r), _) => format!("{} ({})", r.status, fmt_ms(r.latency_ms)),
                (None, Some(e)) => format!("error: {}", one_line(e, MESSAGE_CHARS)),
                (None, None) => "no response".to_string(),
            };
            let op = ex
                .operation
                .as_deref()
                .map(|o| format!("  [{o}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {} -> {}{}",
                terminal_safe(&ex.request.method),
                terminal_safe(&ex.request.url),
                terminal_safe(&target),
                terminal_safe(&op)
            );
        }
        for c in &step.checks {
            let at = c
                .location
                .as_ref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            let line = if c.passed() {
                format!(
                    "  ok   {}: {}{at}",
                    c.check,
                    one_line(&c.actual, MESSAGE_CHARS)
                )
            } else {
                format!(
                    "  FAIL {}: expected {}, actual {}{at}",
                    c.check,
                    one_line(&c.expected, MESSAGE_CHARS),
                    one_line(&c.actual, MESSAGE_CHARS)
                )
            };
            let _ = writeln!(out, "{}", terminal_safe(&line));
        }
        for w in &step.warnings {
            labelled(&mut out, 2, "warning: ", &w.to_string());
        }
        if let Some(e) = &step.error {
            labelled(&mut out, 2, "error: ", e);
        }
        for l in &step.log {
            labelled(&mut out, 2, "log: ", l);
        }
        if step.attempts > 1 || step.waited_ms > 0.0 {
            let _ = writeln!(
                out,
                "  {} attempts, waited {}",
                step.attempts,
                fmt_ms(step.waited_ms)
            );
        }
    }
    if !sc.webhooks.is_empty() {
        let _ = writeln!(out, "webhooks:");
        for w in &sc.webhooks {
            let line = format!(
                "  {} {} attempt {} -> answered {}, {} (received {})",
                w.event_type.as_deref().unwrap_or("(no type)"),
                w.event_id.as_deref().unwrap_or("(no id)"),
                w.attempt,
                w.answered,
                w.verdict,
                w.received_at
            );
            let _ = writeln!(out, "{}", terminal_safe(&line));
        }
    }
    out
}
