//! The HTML certification report: one self-contained file (CSS, JS and SVG inline, no
//! network) rendered with minijinja under HTML auto-escaping, so every string that comes
//! from the run (names, URLs, headers, bodies) is escaped by the template engine.
//!
//! The page works with JavaScript off: scenarios are `<details>` elements (failures open,
//! passes closed); the script only adds filtering, search and expand/collapse-all. A
//! Content-Security-Policy forbids every network fetch and allows only the page's own script
//! (by hash), so a body that slipped through escaping still could not run.
//!
//! Built in three parts: the view model (`page`, `run_wide`, `scenario`, `generic`: everything
//! the templates show, already formatted), the sequence-diagram layout (`diagram`), and the
//! rendering here (minijinja templates in `templates/`).
mod diagram;
mod generic;
mod page;
mod run_wide;
mod scenario;

use super::escape::xml_safe;
use crate::results::{Outcome, RunResult, ScenarioResult};
use base64::Engine as _;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use sha2::Digest as _;
use std::io::{self, Write};

const TEMPLATE: &str = include_str!("../templates/report.html");
const TEMPLATE_SCENARIO: &str = include_str!("../templates/report-scenario.html");
const TEMPLATE_END: &str = include_str!("../templates/report-end.html");
const STYLE: &str = include_str!("../templates/report.css");
const SCRIPT: &str = include_str!("../templates/report.js");

/// Failed/errored scenarios shown open; later ones start closed to keep big runs light.
const OPEN_FAILURES: usize = 50;

/// Writes the HTML certification report for `result`.
///
/// The page is written in pieces: the head (verdict, summaries, failure list), then each
/// scenario in report order, built, rendered and dropped before the next one, then the end.
/// Memory for the report stays that of one scenario however long the run was.
pub fn write_html(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(io::Error::other)?,
    );
    for (name, source) in [
        ("report.html", TEMPLATE),
        ("report-scenario.html", TEMPLATE_SCENARIO),
        ("report-end.html", TEMPLATE_END),
    ] {
        env.add_template(name, source).map_err(io::Error::other)?;
    }
    let template = |name| env.get_template(name).map_err(io::Error::other);
    let (head, one, end) = (
        template("report.html")?,
        template("report-scenario.html")?,
        template("report-end.html")?,
    );
    let view = page::build(result);
    let ctx = minijinja::context! {
        r => Value::from(minijinja::value::Serde(&view)),
        style => Value::from_safe_string(STYLE.to_string()),
        script => Value::from_safe_string(SCRIPT.to_string()),
        script_hash => script_hash(),
    };
    let mut w = io::BufWriter::with_capacity(256 * 1024, out);
    head.render_captured_to(ctx.clone(), &mut w)
        .map_err(io::Error::other)?;
    for (sc, number, open) in report_order(result) {
        let s = Value::from(minijinja::value::Serde(scenario::scenario_view(
            result, sc, number, open,
        )));
        one.render_captured_to(minijinja::context! { s }, &mut w)
            .map_err(io::Error::other)?;
    }
    end.render_captured_to(ctx, &mut w)
        .map_err(io::Error::other)?;
    w.flush()
}

/// The scenarios in report order (failures first, then as run), each with its number in the
/// run and whether it starts open.
fn report_order(result: &RunResult) -> impl Iterator<Item = (&ScenarioResult, usize, bool)> {
    let mut order: Vec<(usize, &ScenarioResult)> = result.scenarios.iter().enumerate().collect();
    order.sort_by_key(|(_, sc)| severity(sc.outcome));
    let mut open_left = OPEN_FAILURES;
    order.into_iter().map(move |(i, sc)| {
        let open = matches!(sc.outcome, Outcome::Failed | Outcome::Errored) && open_left > 0;
        if open {
            open_left -= 1;
        }
        (sc, i + 1, open)
    })
}

fn script_hash() -> String {
    let digest = sha2::Sha256::digest(SCRIPT.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

// ---------------------------------------------------------------------------------------

/// Text from the run made representable in HTML: characters HTML cannot carry (NUL, other
/// C0 controls, U+FFFE/U+FFFF) become `\u{..}`, as in the other reports.
fn txt(s: &str) -> String {
    xml_safe(s)
}

fn outcome_key(o: Outcome) -> &'static str {
    o.as_str()
}

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "PASS",
        Outcome::Failed => "FAIL",
        Outcome::Errored => "ERROR",
        Outcome::Skipped => "SKIP",
        Outcome::NotRun => "NOT RUN",
    }
}

/// Failures first: failed, errored, not run, skipped, passed.
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Failed => 0,
        Outcome::Errored => 1,
        Outcome::NotRun => 2,
        Outcome::Skipped => 3,
        Outcome::Passed => 4,
    }
}

fn anchor(number: usize) -> String {
    format!("sc-{number}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample;

    fn html(r: &RunResult) -> String {
        let mut buf = Vec::new();
        write_html(r, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn renders_the_sample_with_failures_first() {
        let out = html(&sample());
        assert!(out.starts_with("<!DOCTYPE html>"), "{}", &out[..100]);
        let fail = out.find("id=\"sc-2\"").unwrap();
        let pass = out.find("id=\"sc-1\"").unwrap();
        assert!(fail < pass);
        assert!(!out.contains("<script>alert"));
        assert_eq!(out.matches("<svg class=\"seq\"").count(), 6);
    }

    #[test]
    fn run_wide_verdicts_are_not_scenarios() {
        let mut r = sample();
        r.scenarios.retain(|s| s.outcome == Outcome::Passed);
        r.interrupted = false;
        r.summary = crate::results::Summary::of(&r.scenarios);
        // The sample's one passed scenario, counted as one: no "all 1 scenarios", and the
        // run-wide verdicts below add nothing to the count.
        assert_eq!(r.summary.total, 1);
        let met = "the one scenario met the contract";
        let out = html(&r);
        let note = &out[out.find("class=\"verdict-note").unwrap()..][..200];
        assert!(out.contains(met), "{note}");
        assert!(out.contains(">PASSED<"));
        let gate =
            crate::report::testdata::missed_coverage_gate("49.5 %", &["response getOrder 404"]);
        r.verdicts.push(gate);
        let out = html(&r);
        // The scenario count is the same; the missed gate fails the run on its own line.
        assert!(out.contains(met), "still one scenario");
        assert!(out.contains(">FAILED<"), "a missed gate fails the run");
        assert!(
            out.contains("contract coverage missed"),
            "the verdict is named"
        );
        assert!(
            out.contains("response getOrder 404"),
            "what was not covered is shown"
        );
        assert!(!out.contains("<td>run</td>"), "no `run` row by area");
    }
}
