//! GitHub Actions: a Markdown job summary (appended to `$GITHUB_STEP_SUMMARY`) and
//! `::error` workflow commands that GitHub shows as annotations on the scenario files.
use super::escape::{fmt_ms, one_line, xml_safe};
use super::evidence::{error_message, failed_checks, failure_message, skip_reason};
use super::run_wide::failure_message as verdict_message;
use crate::results::{Outcome, RunResult, ScenarioResult};
use std::io::{self, Write};

/// Failed/errored scenarios listed in the summary; the rest are counted.
const MAX_LISTED: usize = 100;
/// Annotations printed; GitHub itself shows only the first few per step.
const MAX_ANNOTATIONS: usize = 50;
const CELL_CHARS: usize = 200;

/// Writes the run as GitHub-flavoured Markdown: verdict, counts, target, the failed and
/// errored scenarios with expected vs actual, then the skipped ones.
pub fn write_github_summary(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    let s = &result.summary;
    let (icon, verdict) = verdict(result);
    writeln!(out, "## {icon} conform: {verdict}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Against **{}** (`{}`){} in {}, conform {}.",
        md(&result.environment.name),
        code(&result.environment.base_url),
        if result.environment.production {
            ", production"
        } else {
            ""
        },
        fmt_ms(result.duration_ms),
        md(&result.conform_version)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| total | passed | failed | errored | skipped | not run |"
    )?;
    writeln!(out, "| ---: | ---: | ---: | ---: | ---: | ---: |")?;
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |",
        s.total, s.passed, s.failed, s.errored, s.skipped, s.not_run
    )?;
    if !result.verdicts.is_empty() {
        writeln!(out)?;
        writeln!(out, "| run-wide | verdict | measured | set by |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for v in &result.verdicts {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&v.name),
                if v.passed() { "✅ met" } else { "❌ missed" },
                md(&v.measured()),
                md(&v.source)
            )?;
        }
        for v in result.failed_verdicts() {
            if let Some(line) = v.not_covered_line() {
                writeln!(out)?;
                writeln!(out, "{}: {}", md(&v.name), md(&line))?;
            }
        }
    }

    let problems: Vec<&ScenarioResult> = result
        .scenarios
        .iter()
        .filter(|sc| matches!(sc.outcome, Outcome::Failed | Outcome::Errored))
        .collect();
    if !problems.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Failures")?;
        writeln!(out)?;
        writeln!(out, "| | scenario | at | what |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for sc in problems.iter().take(MAX_LISTED) {
            let (mark, what) = match sc.outcome {
                Outcome::Failed => ("❌ failed", failure_message(sc)),
                _ => ("💥 errored", error_message(sc)),
            };
            writeln!(
                out,
                "| {mark} | {} | `{}` | {} |",
                md(&sc.name),
                code(&sc.location.to_string()),
                md(&what)
            )?;
        }
        if problems.len() > MAX_LISTED {
            writeln!(out)?;
            writeln!(
                out,
                "…and {} more; see the HTML report.",
                problems.len() - MAX_LISTED
            )?;
        }
        let checks: Vec<_> = problems
            .iter()
            .flat_map(|sc| failed_checks(sc).map(move |(st, c)| (*sc, st, c)))
            .take(MAX_LISTED)
            .collect();
        if !checks.is_empty() {
            writeln!(out)?;
            writeln!(out, "<details><summary>Expected vs actual</summary>")?;
            writeln!(out)?;
            writeln!(out, "| scenario | check | expected | actual | at |")?;
            writeln!(out, "| --- | --- | --- | --- | --- |")?;
            for (sc, st, c) in checks {
                let at = c.location.as_ref().unwrap_or(&st.location);
                writeln!(
                    out,
                    "| {} | {} | `{}` | `{}` | `{}` |",
                    md(&sc.name),
                    md(&c.check),
                    code(&c.expected),
                    code(&c.actual),
                    code(&at.to_string())
                )?;
            }
            writeln!(out)?;
            writeln!(out, "</details>")?;
        }
    }

    let skipped: Vec<&ScenarioResult> = result
        .scenarios
        .iter()
        .filter(|sc| matches!(sc.outcome, Outcome::Skipped | Outcome::NotRun))
        .collect();
    if !skipped.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "<details><summary>Skipped and not run ({})</summary>",
            skipped.len()
        )?;
        writeln!(out)?;
        for sc in skipped.iter().take(MAX_LISTED) {
            writeln!(
                out,
                "- {} — {}",
                md(&sc.name),
                md(&skip_reason(sc, result.interrupted))
            )?;
        }
        if skipped.len() > MAX_LISTED {
            writeln!(out, "- …and {} more", skipped.len() - MAX_LISTED)?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    writeln!(out)?;
    out.flush()
}

/// Prints one `::error file=…,line=…,col=…,title=…::message` per failed check (at the
/// check, else its step) and per errored scenario (at its first errored step).
pub fn write_github_annotations(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    // A missed run-wide verdict belongs to no scenario file: an annotation without a file.
    for v in result.failed_verdicts() {
        writeln!(
            out,
            "::error title={}::{}",
            property(&format!("conform: {}", v.name)),
            data(&verdict_message(v))
        )?;
    }
    let mut n = 0;
    for sc in &result.scenarios {
        let mut lines: Vec<(String, u64, u64, String)> = Vec::new();
        match sc.outcome {
            Outcome::Failed => {
                for (st, c) in failed_checks(sc) {
                    let at = c.location.as_ref().unwrap_or(&st.location);
                    lines.push((
                        at.file.clone(),
                        at.line,
                        at.column,
                        format!("{}: expected {}, actual {}", c.check, c.expected, c.actual),
                    ));
                }
                if lines.is_empty() {
                    let at = &sc.location;
                    lines.push((at.file.clone(), at.line, at.column, failure_message(sc)));
                }
            }
            Outcome::Errored => {
                let at = sc
                    .steps
                    .iter()
                    .find(|s| s.outcome == Outcome::Errored)
                    .map(|s| &s.location)
                    .unwrap_or(&sc.location);
                lines.push((at.file.clone(), at.line, at.column, error_message(sc)));
            }
            _ => continue,
        }
        for (file, line, col, message) in lines {
            if n == MAX_ANNOTATIONS {
                return writeln!(
                    out,
                    "::warning title=conform::more failures than annotations shown; see the report"
                );
            }
            n += 1;
            writeln!(
                out,
                "::error file={},line={line},col={col},title={}::{}",
                property(&file),
                property(&format!("conform: {}", sc.name)),
                data(&message)
            )?;
        }
    }
    out.flush()
}

fn verdict(result: &RunResult) -> (&'static str, &'static str) {
    if result.interrupted {
        ("⚠️", "INTERRUPTED")
    } else if result.success() {
        ("✅", "PASSED")
    } else {
        ("❌", "FAILED")
    }
}

/// Text for a Markdown table cell: one line; HTML and Markdown syntax made literal.
fn md(s: &str) -> String {
    let s = one_line(&xml_safe(s), CELL_CHARS);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span: one line; backticks and pipes cannot be escaped there, so they
/// are replaced by look-alikes (`ˋ`, `¦`).
fn code(s: &str) -> String {
    one_line(&xml_safe(s), CELL_CHARS)
        .replace('`', "ˋ")
        .replace('|', "¦")
}

/// Workflow command data: `%`, CR and LF are percent-encoded.
fn data(s: &str) -> String {
    xml_safe(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command property values: as data, plus `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::{sample, WEIRD};

    fn render(f: fn(&RunResult, &mut dyn Write) -> io::Result<()>, r: &RunResult) -> String {
        let mut buf = Vec::new();
        f(r, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn summary_has_verdict_counts_and_failures() {
        let r = sample();
        let out = render(write_github_summary, &r);
        assert!(out.starts_with("## ⚠️ conform: INTERRUPTED\n"), "{out}");
        assert!(out.contains("| 6 | 1 | 2 | 1 | 1 | 1 |"), "{out}");
        assert!(out.contains(
            "| ❌ failed | reject a bad sku | `orders/create.yaml:3:7` | status: expected 422, actual 500 |"
        ), "{out}");
        assert!(
            out.contains(
                "| reject a bad sku | status | `422` | `500` | `orders/create.yaml:12:7` |"
            ),
            "{out}"
        );
        assert!(out.contains("💥 errored | fetch an order"));
        assert!(
            out.contains("- order paid webhook — requires capability \\`webhooks\\`"),
            "{out}"
        );
        // Every table row has the same number of cells as its header: nothing broke out.
        for line in out.lines().filter(|l| l.starts_with('|')) {
            let cells = line.matches(" | ").count();
            assert!(cells == 3 || cells == 4 || cells == 5, "{line}");
        }
        // Raw HTML from the run appears only inside code spans, where Markdown shows it as text.
        for line in out.lines().filter(|l| l.contains("script")) {
            for (i, part) in line.split('`').enumerate() {
                assert!(i % 2 == 1 || !part.contains("<script"), "{line}");
            }
        }
        assert!(out.contains("&lt;script&gt;"));
        assert!(!out.contains('\u{1b}'));

        let mut ok = sample();
        ok.interrupted = false;
        ok.scenarios.retain(|s| s.outcome == Outcome::Passed);
        ok.summary = crate::results::Summary::of(&ok.scenarios);
        let out = render(write_github_summary, &ok);
        assert!(out.starts_with("## ✅ conform: PASSED\n"), "{out}");
        assert!(!out.contains("### Failures"));
    }

    #[test]
    fn a_missed_verdict_has_a_row_and_an_annotation_and_fails_the_summary() {
        let mut r = sample();
        r.interrupted = false;
        r.scenarios.retain(|s| s.outcome == Outcome::Passed);
        r.summary = crate::results::Summary::of(&r.scenarios);
        let gate =
            crate::report::testdata::missed_coverage_gate("50.0 %", &["response getOrder 404"]);
        r.verdicts.push(gate);
        let out = render(write_github_summary, &r);
        assert!(out.starts_with("## ❌ conform: FAILED\n"), "{out}");
        assert!(
            out.contains("| 1 | 1 | 0 | 0 | 0 | 0 |"),
            "scenarios only: {out}"
        );
        assert!(
            out.contains("| contract coverage | ❌ missed | 50.0 % (objective ≥ 90.0 %) | --min-coverage 90 |"),
            "{out}"
        );
        assert!(out.contains("not covered: response getOrder 404"), "{out}");
        let notes = render(write_github_annotations, &r);
        assert_eq!(
            notes.lines().next(),
            Some("::error title=conform%3A contract coverage::contract coverage missed: 50.0 %25 (objective ≥ 90.0 %25); set by --min-coverage 90; not covered: response getOrder 404"),
            "{notes}"
        );
    }

    #[test]
    fn annotations_point_at_the_files() {
        let out = render(write_github_annotations, &sample());
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert_eq!(
            lines[0],
            "::error file=orders/create.yaml,line=12,col=7,title=conform%3A reject a bad sku::status: expected 422, actual 500"
        );
        assert_eq!(
            lines[2],
            "::error file=orders/get.yaml,line=5,col=7,title=conform%3A fetch an order::failed to send request"
        );
        assert!(lines[3].starts_with("::error file=orders/get.yaml,line=20,col=7,"));
        assert!(!out.contains('\u{1b}'));
        assert!(WEIRD.contains('\u{0}') && !out.contains('\u{0}'));
    }

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
