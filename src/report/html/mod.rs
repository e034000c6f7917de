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
    let order: Vec<(&ScenarioResult, usize, bool)> = report_order(result).collect();
    let render_chunk = |chunk: &[(&ScenarioResult, usize, bool)]| -> io::Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(chunk.len() * 16 * 1024);
        for &(sc, number, open) in chunk {
            let s = Value::from(minijinja::value::Serde(scenario::scenario_view(
                result, sc, number, open,
            )));
            one.render_captured_to(minijinja::context! { s }, &mut buf)
                .map_err(io::Error::other)?;
        }
        Ok(buf)
    };
    let chunks: Vec<&[(&ScenarioResult, usize, bool)]> = order.chunks(CHUNK).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_WORKERS)
        .min(chunks.len());
    if workers <= 1 {
        for chunk in chunks {
            w.write_all(&render_chunk(chunk)?)?;
        }
    } else {
        write_in_order(&chunks, workers, &render_chunk, &mut w)?;
    }
    end.render_captured_to(ctx, &mut w)
        .map_err(io::Error::other)?;
    w.flush()
}

/// Scenarios rendered per piece of work.
const CHUNK: usize = 8;
/// At most this many threads render scenarios (besides the one writing).
const MAX_WORKERS: usize = 4;

/// Renders `chunks` on `workers` threads (worker k takes chunks k, k + workers, ...) and
/// writes them to `w` in order. Each worker hands over one finished chunk at a time and
/// renders at most one more meanwhile, so memory stays a few chunks whatever the run's size.
/// The first error ends the writing; workers stop when the writer stops taking their chunks.
fn write_in_order<T: Sync>(
    chunks: &[&[T]],
    workers: usize,
    render: &(dyn Fn(&[T]) -> io::Result<Vec<u8>> + Sync),
    w: &mut dyn Write,
) -> io::Result<()> {
    std::thread::scope(|scope| {
        let receivers: Vec<_> = (0..workers)
            .map(|k| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
                scope.spawn(move || {
                    for chunk in chunks.iter().skip(k).step_by(workers) {
                        let rendered = render(chunk);
                        let failed = rendered.is_err();
                        if tx.send(rendered).is_err() || failed {
                            return;
                        }
                    }
                });
                rx
            })
            .collect();
        for i in 0..chunks.len() {
            let piece = receivers[i % workers].recv().map_err(|_| {
                io::Error::other("internal error: an HTML report worker stopped early")
            })??;
            w.write_all(&piece)?;
        }
        Ok(())
    })
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
    fn chunks_rendered_on_several_threads_are_written_in_order() {
        let items: Vec<usize> = (0..1000).collect();
        let chunks: Vec<&[usize]> = items.chunks(7).collect();
        let render = |c: &[usize]| -> io::Result<Vec<u8>> {
            Ok(c.iter()
                .map(|i| format!("{i},"))
                .collect::<String>()
                .into_bytes())
        };
        let want: String = items.iter().map(|i| format!("{i},")).collect();
        for workers in [2, 3, 4] {
            let mut out = Vec::new();
            write_in_order(&chunks, workers, &render, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want, "{workers} workers");
        }
        // A failing chunk ends the writing with its error; nothing after it is written.
        let failing = |c: &[usize]| -> io::Result<Vec<u8>> {
            if c.contains(&500) {
                Err(io::Error::other("boom"))
            } else {
                render(c)
            }
        };
        let mut out = Vec::new();
        let e = write_in_order(&chunks, 2, &failing, &mut out).unwrap_err();
        assert_eq!(e.to_string(), "boom");
        assert!(String::from_utf8(out).unwrap().ends_with("495,496,"));
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
