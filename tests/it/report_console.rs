//! The console reporter, checked from outside: a failing run explained, colour following
//! the terminal, lines kept above an interactive progress bar.
use crate::report_sample::sample;
use conform::report::{ColorChoice, ConsoleReporter, TermContext};
use conform::results::*;
use conform::run::{EventSink, RunEvent};

pub(crate) fn console(r: &RunResult, ctx: TermContext) -> String {
    let mut rep = ConsoleReporter::new(Vec::new(), ctx, false);
    rep.on_event(&RunEvent::RunStarted {
        environment: &r.environment,
        total: r.scenarios.len(),
    });
    for sc in &r.scenarios {
        rep.on_event(&RunEvent::ScenarioStarted {
            id: &sc.id,
            name: &sc.name,
        });
        rep.on_event(&RunEvent::ScenarioFinished { result: sc });
    }
    rep.on_event(&RunEvent::RunFinished { result: r });
    assert!(rep.take_error().is_none());
    String::from_utf8(rep.into_inner()).unwrap()
}

pub(crate) fn no_color() -> TermContext {
    TermContext {
        color: false,
        interactive: false,
        ci: true,
    }
}

#[test]
fn console_explains_a_failing_run() {
    let out = console(&sample(), no_color());
    for want in [
        "PASS  orders/create.yaml::create an order  (123 ms)",
        "FAIL  orders/create.yaml::reject a bad sku  (123 ms)  status: expected 422, actual 500",
        "ERROR orders/get.yaml::fetch an order  (123 ms)  failed to send request",
        "SKIP  webhooks/paid.yaml::order paid webhook  (0 ms)  requires capability `webhooks`",
        "NORUN webhooks/paid.yaml::refund webhook  (0 ms)  not run",
        // Details: scenario, its location, the step and its location, each failed check.
        "FAIL orders/create.yaml::reject a bad sku",
        "--> orders/create.yaml:3:3",
        "step \"post bad sku\" [steps] failed  at orders/create.yaml:12:7",
        "x status  at orders/create.yaml:15:11",
        "expected: 422",
        "actual:   500",
        "x body $.error.code equals  at orders/create.yaml:17:11",
        // The request/response excerpt.
        "request:  POST http://127.0.0.1:4010/api/v1/orders",
        "content-type: application/json",
        "authorization: ***",
        "response: 500  (12 ms)",
        "| line 20 of the body",
        "… 10 more lines",
        "… 2 more headers",
        // The error cause with its chain.
        "error: failed to send request",
        "caused by: connection refused (os error 111)",
        "response: none: connection refused",
        // Summary and auth.
        "INTERRUPTED 6 scenarios: 1 passed, 2 failed, 1 errored, 1 skipped, 1 not run in 1.23 s",
        "auth staging/default: 2 token requests, 1 refreshes, 1 retries after 401",
    ] {
        assert!(out.contains(want), "console output lacks {want:?}:\n{out}");
    }
    assert!(
        !out.contains("| line 21 of the body"),
        "body excerpt stops at 20 lines"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no ANSI codes without colour (the target's ESC is escaped too)"
    );
    assert!(
        out.contains("esc\\u{1b}[31mred"),
        "the target's escape codes are shown, not run"
    );
    assert!(out.contains("step \"nul\\u{0} bell\\u{7}"), "{out}");
    assert!(out.contains("😀 \\u{ffff} end") && !out.contains('\u{FFFF}'));
}

#[test]
fn console_colour_follows_the_context() {
    let coloured = console(
        &sample(),
        TermContext::from_parts(ColorChoice::Always, |_| None, false, false),
    );
    assert!(coloured.contains("\u{1b}[1;32mPASS\u{1b}[0m"), "{coloured}");
    assert!(coloured.contains("\u{1b}[1;31mFAIL\u{1b}[0m"));
    let forced = TermContext::from_parts(
        ColorChoice::Auto,
        |k| (k == "CLICOLOR_FORCE").then(|| "1".into()),
        false,
        false,
    );
    assert!(console(&sample(), forced).contains('\u{1b}'));
    let never = TermContext::from_parts(ColorChoice::Never, |_| Some("1".into()), true, true);
    assert!(!never.color);
    assert!(!console(&sample(), never).contains('\u{1b}'));
}

#[test]
fn console_interactive_keeps_lines_above_the_bar() {
    let r = sample();
    let ctx = TermContext {
        color: false,
        interactive: true,
        ci: false,
    };
    // The bar is a reporter of its own; the console writes its lines with the bar cleared.
    let progress =
        conform::report::ProgressReporter::new(indicatif::ProgressDrawTarget::hidden(), false);
    let mut rep = ConsoleReporter::new(Vec::new(), ctx, true).with_progress(progress.handle());
    {
        let mut sinks = conform::run::FanOut::new().with(progress).with(&mut rep);
        sinks.on_event(&RunEvent::RunStarted {
            environment: &r.environment,
            total: r.scenarios.len(),
        });
        for sc in &r.scenarios {
            sinks.on_event(&RunEvent::ScenarioFinished { result: sc });
        }
        sinks.on_event(&RunEvent::RunFinished { result: &r });
    }
    let out = String::from_utf8(rep.into_inner()).unwrap();
    assert!(out.contains("conform: 6 scenarios against staging (http://127.0.0.1:4010)"));
    assert!(out.contains("PASS  orders/create.yaml::create an order"));
    // verbose: the steps and exchanges under each scenario.
    assert!(out.contains("[steps] create passed"), "{out}");
    assert!(
        out.contains("POST http://127.0.0.1:4010/api/v1/orders -> 201 (12 ms)"),
        "{out}"
    );
    assert!(out.contains("INTERRUPTED 6 scenarios"));
}
