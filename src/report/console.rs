//! The console reporter: follows the event stream, one line per finished scenario (above the
//! progress bar, when one is drawn: [`ConsoleReporter::with_progress`]), then every failure in
//! detail and a summary.
use super::escape::{fmt_ms, terminal_safe};
use super::evidence::{error_message, failure_message, phase_name, render_problem, skip_reason};
use super::paint::Painter;
use super::progress::ProgressHandle;
use super::run_wide::run_wide_line;
use super::term::TermContext;
use crate::results::{Outcome, RateLimitCounts, RunResult, ScenarioResult, VerdictKind};
use crate::run::{EventSink, RunEvent};
use colored::Color;
use indexmap::IndexMap;
use std::fmt::Write as _;
use std::io::{self, Write};

pub struct ConsoleReporter<W: Write + Send> {
    out: W,
    ctx: TermContext,
    verbose: bool,
    paint: Painter,
    progress: Option<ProgressHandle>,
    error: Option<io::Error>,
}

impl<W: Write + Send> ConsoleReporter<W> {
    /// `out` receives the scenario lines, the failure details and the summary.
    pub fn new(out: W, ctx: TermContext, verbose: bool) -> Self {
        ConsoleReporter {
            out,
            ctx,
            verbose,
            paint: Painter::new(ctx.color),
            progress: None,
            error: None,
        }
    }

    /// Writes each line with `progress`'s bar cleared, so lines appear above it (the
    /// [`ProgressReporter`](super::ProgressReporter) is a sink of its own, before this one).
    pub fn with_progress(mut self, progress: ProgressHandle) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The terminal context this reporter was built with.
    pub fn term(&self) -> TermContext {
        self.ctx
    }

    /// The first write error, if any: `on_event` cannot return one.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn emit(&mut self, text: &str) {
        if self.error.is_some() || text.is_empty() {
            return;
        }
        let out = &mut self.out;
        let mut write = || out.write_all(text.as_bytes()).and_then(|_| out.flush());
        let res = match &self.progress {
            Some(p) => p.suspend(write),
            None => write(),
        };
        if let Err(e) = res {
            self.error = Some(e);
        }
    }

    fn scenario_line(&self, sc: &ScenarioResult) -> String {
        let p = &self.paint;
        let (label, color) = match sc.outcome {
            Outcome::Passed => ("PASS", Color::Green),
            Outcome::Failed => ("FAIL", Color::Red),
            Outcome::Errored => ("ERROR", Color::Red),
            Outcome::Skipped => ("SKIP", Color::Yellow),
            Outcome::NotRun => ("NORUN", Color::Yellow),
        };
        let reason = match sc.outcome {
            Outcome::Passed => String::new(),
            Outcome::Failed => failure_message(sc),
            Outcome::Errored => error_message(sc),
            Outcome::Skipped => skip_reason(sc, false),
            // The run may still be going: whether it was interrupted is known at the end.
            Outcome::NotRun => match &sc.reason {
                Some(_) => skip_reason(sc, false),
                None => "not run".to_string(),
            },
        };
        let mut line = format!(
            "{}{:pad$} {}  {}",
            p.bold_fg(color, label),
            "",
            terminal_safe(&sc.id),
            p.dim(&format!("({})", fmt_ms(sc.duration_ms))),
            pad = 5 - label.len()
        );
        if !reason.is_empty() {
            let _ = write!(line, "  {}", p.fg(color, &reason));
        }
        if let Some(rl) = RateLimitCounts::of_steps(&sc.steps).describe() {
            let _ = write!(line, "  {}", p.dim(&format!("[{rl}]")));
        }
        let warnings = sc.warnings();
        if warnings > 0 {
            let text = format!("{warnings} warning{}", if warnings == 1 { "" } else { "s" });
            let _ = write!(line, "  {}", p.fg(Color::Yellow, &text));
        }
        line.push('\n');
        if self.verbose {
            for step in &sc.steps {
                let _ = writeln!(
                    line,
                    "      [{}] {} {}  {}",
                    phase_name(step.phase),
                    terminal_safe(&step.name),
                    step.outcome.as_str(),
                    p.dim(&format!("({})", fmt_ms(step.duration_ms)))
                );
                for ex in &step.exchanges {
                    let status = match (&ex.response, &ex.error) {
                        (Some(r), _) => format!("{} ({})", r.status, fmt_ms(r.latency_ms)),
                        (None, Some(_)) => "no response".to_string(),
                        (None, None) => "-".to_string(),
                    };
                    let _ = writeln!(
                        line,
                        "        {} {} -> {}",
                        terminal_safe(&ex.request.method),
                        terminal_safe(&ex.request.url),
                        status
                    );
                }
                // What was checked, passed checks included (the contract's among them).
                for c in &step.checks {
                    let _ = writeln!(
                        line,
                        "          {} {}  {}",
                        if c.passed() { "ok" } else { "x " },
                        terminal_safe(&c.check),
                        p.dim(&terminal_safe(&c.expected))
                    );
                }
            }
        }
        line
    }

    fn finish(&mut self, result: &RunResult) {
        let p = self.paint;
        let mut text = String::new();
        let problems: Vec<&ScenarioResult> = result
            .scenarios
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Failed | Outcome::Errored))
            .collect();
        if !problems.is_empty() {
            let _ = writeln!(
                text,
                "\n{}\n",
                p.bold(&format!("failures and errors ({}):", problems.len()))
            );
            for sc in problems {
                render_problem(&mut text, sc, &p, true);
                text.push('\n');
            }
        }
        let missed: Vec<_> = result.failed_verdicts().collect();
        if !missed.is_empty() {
            let _ = writeln!(
                text,
                "\n{}\n",
                p.bold(&format!("run-wide verdicts missed ({}):", missed.len()))
            );
            for v in missed {
                let _ = writeln!(
                    text,
                    "{} {}  {}",
                    p.bold_fg(Color::Red, "MISSED"),
                    v.id(),
                    p.dim(&format!("(set by {})", v.source))
                );
                for c in v.checks.iter().filter(|c| !c.outcome.passed()) {
                    let _ = writeln!(text, "    x {}", c.check);
                    let _ = writeln!(text, "        expected: {}", c.expected);
                    let _ = writeln!(text, "        actual:   {}", c.actual);
                }
                if !v.not_covered.is_empty() {
                    let _ = writeln!(text, "    not covered ({}):", v.not_covered.len());
                    for (label, items) in by_section(&v.not_covered) {
                        let _ = writeln!(text, "      {label}: {}", items.join(", "));
                    }
                }
                text.push('\n');
            }
        }
        warnings_section(&mut text, result, &p);
        text.push_str(&summary_line(result, &p));
        text.push('\n');
        for (name, a) in &result.auth {
            if a.token_requests + a.refreshes + a.retries_after_401 + a.token_failures == 0 {
                continue;
            }
            let _ = write!(
                text,
                "auth {}: {} token requests, {} refreshes, {} retries after 401",
                terminal_safe(name),
                a.token_requests,
                a.refreshes,
                a.retries_after_401
            );
            if a.token_failures > 0 {
                let _ = write!(
                    text,
                    ", {}",
                    p.fg(Color::Red, &format!("{} token failures", a.token_failures))
                );
            }
            text.push('\n');
        }
        // The run-wide verdicts, then the sections added after the scenarios: one line each.
        if let Some(line) = run_wide_line(result) {
            let _ = writeln!(text, "{line}");
        }
        if let Some(c) = result.coverage.as_ref().filter(|c| c.total > 0) {
            let _ = writeln!(
                text,
                "contract coverage: {:.1}% ({} of {} {})",
                c.percent(),
                c.covered,
                c.total,
                c.what()
            );
            // A shard records `--min-coverage` without judging it (it covers only part).
            let judged = result
                .verdicts
                .iter()
                .any(|v| v.kind == VerdictKind::Coverage);
            if let (Some(min), false) = (c.min_percent, judged) {
                let _ = writeln!(
                    text,
                    "coverage gate: {min:.1}% is judged over the merged shards (`conform report merge`), not per shard"
                );
            }
        }
        if let Some(rl) = result.rate_limits.and_then(|c| c.describe()) {
            let _ = writeln!(text, "rate limits: {rl}");
        }
        if let Some(o) = result.latency.as_ref().map(|l| &l.overall) {
            if let (Some(p95), Some(p99)) = (o.p95_ms, o.p99_ms) {
                let _ = writeln!(
                    text,
                    "latency: p95 {p95:.1} ms, p99 {p99:.1} ms over {} responses",
                    o.count
                );
            }
        }
        self.emit(&text);
    }
}

/// Not-covered items by section, in order: `("responses", ["getOrder 404", …])`.
fn by_section(items: &[String]) -> Vec<(&'static str, Vec<&str>)> {
    let mut out: Vec<(&'static str, Vec<&str>)> = Vec::new();
    for item in items {
        let (label, id) = [
            ("response ", "responses"),
            ("error code ", "error codes"),
            ("webhook event ", "webhook events"),
        ]
        .iter()
        .find_map(|(prefix, label)| item.strip_prefix(prefix).map(|id| (*label, id)))
        .unwrap_or(("other", item.as_str()));
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, ids)) => ids.push(id),
            None => out.push((label, vec![id])),
        }
    }
    out
}

/// Every distinct warning of the run (property and where the contract documents the body),
/// with how often it was seen and the first scenario that saw it.
fn warnings_section(text: &mut String, result: &RunResult, p: &Painter) {
    let mut seen: IndexMap<(String, String), (usize, &str)> = IndexMap::new();
    for sc in &result.scenarios {
        for w in sc.steps.iter().flat_map(|s| &s.warnings) {
            seen.entry((w.pointer.clone(), w.context.clone()))
                .or_insert((0, sc.id.as_str()))
                .0 += 1;
        }
    }
    if seen.is_empty() {
        return;
    }
    let _ = writeln!(
        text,
        "\n{}",
        p.bold(&format!(
            "warnings ({} distinct; allowed by the contract, not failures; --strict fails them):",
            seen.len()
        ))
    );
    for ((pointer, context), (n, first)) in &seen {
        let _ = writeln!(
            text,
            "  {} undocumented property {} (not in {}), {n}x, first in {}",
            p.fg(Color::Yellow, "warning:"),
            terminal_safe(pointer),
            terminal_safe(context),
            terminal_safe(first)
        );
    }
    text.push('\n');
}

/// `3 scenarios: 1 passed, 1 failed, 1 errored, 0 skipped, 0 not run in 1.23 s`.
fn summary_line(result: &RunResult, p: &Painter) -> String {
    let s = &result.summary;
    let part = |n: usize, what: &str, color: Color| {
        let text = format!("{n} {what}");
        if n > 0 {
            p.fg(color, &text)
        } else {
            text
        }
    };
    let verdict = if result.interrupted {
        p.bold_fg(Color::Yellow, "INTERRUPTED")
    } else if result.success() {
        p.bold_fg(Color::Green, "PASSED")
    } else {
        p.bold_fg(Color::Red, "FAILED")
    };
    let warnings = if s.warnings > 0 {
        format!(", {}", part(s.warnings, "warnings", Color::Yellow))
    } else {
        String::new()
    };
    format!(
        "{verdict} {} scenario{}: {}, {}, {}, {}, {}{warnings} in {}",
        s.total,
        if s.total == 1 { "" } else { "s" },
        part(s.passed, "passed", Color::Green),
        part(s.failed, "failed", Color::Red),
        part(s.errored, "errored", Color::Red),
        part(s.skipped, "skipped", Color::Yellow),
        part(s.not_run, "not run", Color::Yellow),
        fmt_ms(result.duration_ms)
    )
}

impl<W: Write + Send> EventSink for ConsoleReporter<W> {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        match event {
            RunEvent::RunStarted { environment, total } => {
                let line = format!(
                    "{} {} scenario{} against {} ({})\n",
                    self.paint.bold("conform:"),
                    total,
                    if *total == 1 { "" } else { "s" },
                    terminal_safe(&environment.name),
                    terminal_safe(&environment.base_url)
                );
                self.emit(&line);
            }
            // Notices go to the notice reporter (stderr), not between the result lines.
            RunEvent::ScenarioStarted { .. } | RunEvent::Notice { .. } => {}
            RunEvent::ScenarioFinished { result } => {
                let line = self.scenario_line(result);
                self.emit(&line);
            }
            RunEvent::RunFinished { result } => self.finish(result),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(result: &RunResult) -> String {
        let mut rep = ConsoleReporter::new(Vec::new(), TermContext::plain(), false);
        rep.on_event(&RunEvent::RunFinished { result });
        String::from_utf8(rep.into_inner()).unwrap()
    }

    #[test]
    fn a_missed_verdict_is_not_a_scenario_but_fails_the_run() {
        let mut r = crate::report::testdata::sample();
        r.scenarios.retain(|s| s.outcome == Outcome::Passed);
        r.summary = crate::results::Summary::of(&r.scenarios);
        r.interrupted = false;
        let n = r.summary.total;
        let gate = crate::report::testdata::missed_coverage_gate(
            "50.0 %",
            &[
                "response getOrder 404",
                "response getOrder 500",
                "error code CONFLICT",
            ],
        );
        r.verdicts.push(gate);
        let out = finished(&r);
        let summary = format!(
            "FAILED {n} scenario{}: {n} passed,",
            if n == 1 { "" } else { "s" }
        );
        assert!(out.contains(&summary), "{out}");
        assert!(
            out.contains("MISSED run::coverage  (set by --min-coverage 90)"),
            "{out}"
        );
        assert!(
            out.contains("      responses: getOrder 404, getOrder 500\n"),
            "{out}"
        );
        assert!(out.contains("      error codes: CONFLICT\n"), "{out}");
        assert!(
            out.contains("run-wide: contract coverage missed: 50.0 % (objective ≥ 90.0 %)"),
            "{out}"
        );
        r.verdicts.clear();
        assert!(finished(&r).contains(&format!("PASSED {n} scenario")));
    }
}
