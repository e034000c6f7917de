//! TAP version 14 (<https://testanything.org/tap-version-14-specification.html>): one test
//! point per scenario, in plan order, then one per run-wide verdict (`run::sla`,
//! `run::coverage`).
use super::escape::{one_line, xml_safe};
use super::evidence::{error_cause, failed_checks, failure_message, skip_reason};
use super::run_wide::{failure_message as verdict_message, run_wide_line};
use crate::results::{Outcome, RunResult, ScenarioResult};
use std::io::{self, Write};

/// Writes `result` as TAP 14.
///
/// `passed` is `ok`; `failed` and `errored` are `not ok` followed by a YAML diagnostic block
/// (`message`, `severity`, `at`, the failed checks with expected/actual, the error);
/// `skipped` and `not_run` are `ok … # SKIP reason` (as in JUnit, where both are skipped).
pub fn write_tap(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "TAP version 14")?;
    writeln!(out, "1..{}", result.scenarios.len() + result.verdicts.len())?;
    for (i, sc) in result.scenarios.iter().enumerate() {
        let n = i + 1;
        let desc = description(&sc.id);
        match sc.outcome {
            Outcome::Passed => writeln!(out, "ok {n} - {desc}")?,
            Outcome::Skipped | Outcome::NotRun => writeln!(
                out,
                "ok {n} - {desc} # SKIP {}",
                directive_text(&skip_reason(sc, result.interrupted))
            )?,
            Outcome::Failed | Outcome::Errored => {
                writeln!(out, "not ok {n} - {desc}")?;
                diagnostics(sc, out)?;
            }
        }
    }
    // The run-wide verdicts follow the scenarios as test points of their own.
    for (i, v) in result.verdicts.iter().enumerate() {
        let n = result.scenarios.len() + i + 1;
        if v.passed() {
            writeln!(out, "ok {n} - {}", description(&v.id()))?;
        } else {
            writeln!(out, "not ok {n} - {}", description(&v.id()))?;
            writeln!(out, "  ---")?;
            writeln!(out, "  message: {}", yaml_str(&verdict_message(v)))?;
            writeln!(out, "  severity: fail")?;
            writeln!(out, "  set_by: {}", yaml_str(&v.source))?;
            writeln!(out, "  ...")?;
        }
    }
    if result.interrupted {
        writeln!(out, "# the run was interrupted")?;
    }
    let s = &result.summary;
    writeln!(
        out,
        "# {} scenarios: {} passed, {} failed, {} errored, {} skipped, {} not run",
        s.total, s.passed, s.failed, s.errored, s.skipped, s.not_run
    )?;
    if let Some(line) = run_wide_line(result) {
        writeln!(out, "# {}", one_line(&line, 2000))?;
    }
    out.flush()
}

/// A test point description: one line; `#` and `\` escaped as TAP 14 requires.
fn description(s: &str) -> String {
    directive_text(s).replace('#', "\\#")
}

fn directive_text(s: &str) -> String {
    one_line(&xml_safe(s), 500).replace('\\', "\\\\")
}

/// A YAML scalar: JSON strings are valid YAML double-quoted scalars.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(&xml_safe(s)).unwrap_or_else(|_| "\"\"".to_string())
}

fn diagnostics(sc: &ScenarioResult, out: &mut dyn Write) -> io::Result<()> {
    let failed = sc.outcome == Outcome::Failed;
    let message = if failed {
        failure_message(sc)
    } else {
        error_cause(sc)
    };
    writeln!(out, "  ---")?;
    writeln!(out, "  message: {}", yaml_str(&message))?;
    writeln!(out, "  severity: {}", if failed { "fail" } else { "error" })?;
    writeln!(out, "  at: {}", yaml_str(&sc.location.to_string()))?;
    writeln!(out, "  duration_ms: {:.3}", finite(sc.duration_ms))?;
    let checks: Vec<_> = failed_checks(sc).collect();
    if !checks.is_empty() {
        writeln!(out, "  checks:")?;
        for (step, c) in checks {
            let at = c.location.as_ref().unwrap_or(&step.location);
            writeln!(out, "    - step: {}", yaml_str(&step.name))?;
            writeln!(out, "      check: {}", yaml_str(&c.check))?;
            writeln!(out, "      expected: {}", yaml_str(&c.expected))?;
            writeln!(out, "      actual: {}", yaml_str(&c.actual))?;
            writeln!(out, "      at: {}", yaml_str(&at.to_string()))?;
            if let Some(d) = &c.detail {
                writeln!(out, "      detail: {}", yaml_str(d))?;
            }
        }
    }
    if !failed || sc.steps.iter().any(|s| s.error.is_some()) {
        writeln!(out, "  error: {}", yaml_str(&error_cause(sc)))?;
    }
    writeln!(out, "  ...")
}

fn finite(ms: f64) -> f64 {
    if ms.is_finite() && ms > 0.0 {
        ms
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample;

    fn tap(r: &RunResult) -> String {
        let mut buf = Vec::new();
        write_tap(r, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn one_point_per_scenario_with_skips_and_diagnostics() {
        let r = sample();
        let out = tap(&r);
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines[0], "TAP version 14");
        assert_eq!(lines[1], format!("1..{}", r.scenarios.len()));
        let points: Vec<_> = lines
            .iter()
            .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
            .collect();
        assert_eq!(points.len(), r.scenarios.len());
        for (i, p) in points.iter().enumerate() {
            let n = i + 1;
            assert!(
                p.starts_with(&format!("ok {n} - ")) || p.starts_with(&format!("not ok {n} - ")),
                "{p}"
            );
        }
        assert!(out.contains("ok 1 - orders/create.yaml::create an order\n"));
        assert!(out.contains(
            "not ok 2 - orders/create.yaml::reject a bad sku\n  ---\n  message: \"status: expected 422, actual 500\"\n  severity: fail\n"
        ), "{out}");
        assert!(out.contains("      expected: \"422\"\n      actual: \"500\"\n"));
        assert!(out.contains("  severity: error\n"));
        assert!(out.contains("caused by: connection refused"));
        assert!(
            out.contains(" # SKIP requires capability `webhooks`\n"),
            "{out}"
        );
        assert!(out.contains(" # SKIP not run: interrupted\n"), "{out}");
        // The YAML blocks are closed and every diagnostic line is indented.
        assert_eq!(
            out.matches("\n  ---\n").count(),
            out.matches("\n  ...\n").count()
        );
        // Raw control characters never reach the stream; `#` in a name is escaped.
        assert!(!out.contains('\u{1b}') && !out.contains('\u{0}'));
        assert!(out.contains("weird \\# hash"), "{out}");
    }

    #[test]
    fn verdicts_follow_the_scenarios_as_test_points() {
        use crate::results::{RunVerdict, VerdictCheck, VerdictKind, VerdictOutcome};
        let mut r = sample();
        let n = r.scenarios.len();
        let check = |passed| VerdictCheck {
            check: "p95".into(),
            expected: "≤ 200 ms".into(),
            actual: "312.0 ms".into(),
            outcome: VerdictOutcome::of(passed),
        };
        r.verdicts.push(RunVerdict::new(
            VerdictKind::Sla,
            "SLA",
            "sla: of environment staging".into(),
            vec![check(false)],
        ));
        let out = tap(&r);
        assert!(
            out.starts_with(&format!("TAP version 14\n1..{}\n", n + 1)),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "not ok {} - run::sla\n  ---\n  message: \"SLA missed: p95 312.0 ms (objective ≤ 200 ms); set by sla: of environment staging\"\n",
                n + 1
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("# {n} scenarios: ")),
            "scenarios counted alone: {out}"
        );
        assert!(
            out.ends_with("# run-wide: SLA missed: p95 312.0 ms (objective ≤ 200 ms)\n"),
            "{out}"
        );
    }

    #[test]
    fn an_empty_run_has_an_empty_plan() {
        let mut r = sample();
        r.scenarios.clear();
        r.summary = crate::results::Summary::of(&r.scenarios);
        assert!(tap(&r).starts_with("TAP version 14\n1..0\n"));
    }
}
