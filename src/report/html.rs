//! The HTML certification report: one self-contained file (CSS, JS and SVG inline, no
//! network) rendered with minijinja under HTML auto-escaping, so every string that comes
//! from the run (names, URLs, headers, bodies) is escaped by the template engine.
//!
//! The page works with JavaScript off: scenarios are `<details>` elements (failures open,
//! passes closed); the script only adds filtering, search and expand/collapse-all. A
//! Content-Security-Policy forbids every network fetch and allows only the page's own script
//! (by hash), so a body that slipped through escaping still could not run.
use super::detail::{error_cause, phase_name, skip_reason};
use super::latency::{histogram, observed, Stats};
use super::text::{cut, fmt_ms, one_line, xml_safe};
use crate::results::{Exchange, Outcome, RunResult, ScenarioResult, StepResult};
use base64::Engine as _;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;
use serde_json::Value as Json;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::io::{self, Write};

const TEMPLATE: &str = include_str!("templates/report.html");
const TEMPLATE_SCENARIO: &str = include_str!("templates/report-scenario.html");
const TEMPLATE_END: &str = include_str!("templates/report-end.html");
const STYLE: &str = include_str!("templates/report.css");
const SCRIPT: &str = include_str!("templates/report.js");

/// Failed/errored scenarios shown open; later ones start closed to keep big runs light.
const OPEN_FAILURES: usize = 50;
/// Longest body shown, in chars.
const BODY_CHARS: usize = 64 * 1024;
/// Rows in a sequence diagram before it is cut.
const DIAGRAM_ROWS: usize = 80;
/// Rows of a generic table from an extension section.
const TABLE_ROWS: usize = 500;

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
    let view = build(result);
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
        let s = Value::from(minijinja::value::Serde(scenario_view(
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
// The view: everything the template shows, already formatted. Strings are raw text (the
// template escapes them) made safe for HTML's character set by `txt`.

#[derive(Serialize)]
struct View {
    verdict: &'static str,
    verdict_class: &'static str,
    verdict_note: String,
    env: EnvView,
    conform_version: String,
    schema_version: String,
    contract: Option<ContractView>,
    started_at: String,
    duration: String,
    summary: Vec<Count>,
    total: usize,
    bar: Vec<BarPart>,
    auth: Vec<AuthRow>,
    areas: Vec<GroupRow>,
    rules: Vec<GroupRow>,
    coverage: Option<Generic>,
    coverage_meter: Option<Meter>,
    latency: LatencyView,
    latency_ext: Option<Generic>,
    sla_met: Option<bool>,
    others: Vec<NamedGeneric>,
    failures: Vec<FailureLink>,
}

#[derive(Serialize)]
struct EnvView {
    name: String,
    base_url: String,
    production: bool,
    capabilities: String,
    note: Option<String>,
}

#[derive(Serialize)]
struct ContractView {
    title: Option<String>,
    version: Option<String>,
    sha256: Option<String>,
}

#[derive(Serialize)]
struct Count {
    key: &'static str,
    label: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct BarPart {
    key: &'static str,
    pct: String,
    title: String,
}

#[derive(Serialize)]
struct AuthRow {
    key: String,
    token_requests: u64,
    refreshes: u64,
    retries_after_401: u64,
    token_failures: u64,
}

#[derive(Serialize)]
struct GroupRow {
    name: String,
    total: usize,
    passed: usize,
    failed: usize,
    errored: usize,
    skipped: usize,
    not_run: usize,
    status: &'static str,
    bar: Vec<BarPart>,
}

#[derive(Serialize)]
struct Meter {
    text: String,
    pct: String,
}

/// An extension section of unknown shape: scalar facts by dotted path, arrays of objects as
/// tables.
#[derive(Serialize, Default)]
struct Generic {
    facts: Vec<(String, String)>,
    tables: Vec<Table>,
}

#[derive(Serialize)]
struct Table {
    title: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    more: usize,
}

#[derive(Serialize)]
struct NamedGeneric {
    name: String,
    section: Generic,
}

#[derive(Serialize)]
struct LatencyView {
    stats: Vec<(String, String)>,
    bars: Vec<HistBar>,
    chart_height: u32,
    per_operation: Vec<OpLatency>,
}

#[derive(Serialize)]
struct HistBar {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    label: String,
    count: usize,
    label_x: u32,
}

#[derive(Serialize)]
struct OpLatency {
    operation: String,
    count: usize,
    p50: String,
    p95: String,
    p99: String,
    max: String,
}

#[derive(Serialize)]
struct FailureLink {
    anchor: String,
    outcome: &'static str,
    name: String,
    what: String,
}

#[derive(Serialize)]
struct ScView {
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

#[derive(Serialize)]
struct Diagram {
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

fn build(result: &RunResult) -> View {
    let s = &result.summary;
    let (verdict, verdict_class) = if result.interrupted {
        ("INTERRUPTED", "interrupted")
    } else if s.success() {
        ("PASSED", "passed")
    } else {
        ("FAILED", "failed")
    };
    let verdict_note = if s.success() && !result.interrupted {
        format!("all {} scenarios met the contract", s.total - s.skipped)
    } else {
        let mut parts = Vec::new();
        if s.failed > 0 {
            parts.push(format!("{} failed", s.failed));
        }
        if s.errored > 0 {
            parts.push(format!("{} errored", s.errored));
        }
        if s.not_run > 0 {
            parts.push(format!("{} not run", s.not_run));
        }
        if parts.is_empty() {
            "the run was stopped before the end".to_string()
        } else {
            parts.join(", ")
        }
    };
    let verdict_note = if s.warnings > 0 {
        format!(
            "{verdict_note} · {} warning{} (undocumented properties, allowed by the contract)",
            s.warnings,
            if s.warnings == 1 { "" } else { "s" }
        )
    } else {
        verdict_note
    };
    let counts = [
        ("passed", "passed", s.passed),
        ("failed", "failed", s.failed),
        ("errored", "errored", s.errored),
        ("skipped", "skipped", s.skipped),
        ("not_run", "not run", s.not_run),
    ];

    let failures = report_order(result)
        .filter(|(sc, _, _)| matches!(sc.outcome, Outcome::Failed | Outcome::Errored))
        .take(100)
        .map(|(sc, number, _)| FailureLink {
            anchor: anchor(number),
            outcome: outcome_label(sc.outcome),
            name: txt(&sc.name),
            what: reason(result, sc).unwrap_or_default(),
        })
        .collect();

    let contract = result
        .extensions
        .get("contract")
        .and_then(Json::as_object)
        .map(|c| {
            let field = |k: &str| c.get(k).map(scalar_text).map(|s| txt(&s));
            ContractView {
                title: field("title"),
                version: field("version"),
                sha256: field("sha256"),
            }
        });
    let coverage = result.extensions.get("coverage");
    let others = result
        .extensions
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "contract" | "coverage" | "latency"))
        .map(|(k, v)| NamedGeneric {
            name: txt(k),
            section: generic(v),
        })
        .collect();

    View {
        verdict,
        verdict_class,
        verdict_note,
        env: EnvView {
            name: txt(&result.environment.name),
            base_url: txt(&result.environment.base_url),
            production: result.environment.production,
            capabilities: txt(&result.environment.capabilities.join(", ")),
            note: result.environment.note.as_deref().map(txt),
        },
        conform_version: txt(&result.conform_version),
        schema_version: txt(&result.schema_version),
        contract,
        started_at: display_time(&result.started_at),
        duration: fmt_ms(result.duration_ms),
        summary: counts
            .iter()
            .map(|&(key, label, count)| Count { key, label, count })
            .collect(),
        total: s.total,
        bar: bar(&counts.map(|(k, _, c)| (k, c)), s.total),
        auth: result
            .auth
            .iter()
            .map(|(k, a)| AuthRow {
                key: txt(k),
                token_requests: a.token_requests,
                refreshes: a.refreshes,
                retries_after_401: a.retries_after_401,
                token_failures: a.token_failures,
            })
            .collect(),
        areas: groups(result, |sc| {
            if sc.tags.is_empty() {
                vec!["(untagged)".to_string()]
            } else {
                sc.tags.clone()
            }
        }),
        rules: groups(result, |sc| sc.covers.clone()),
        coverage_meter: coverage.and_then(meter),
        coverage: coverage.map(generic),
        latency: latency_view(result),
        latency_ext: result.extensions.get("latency").map(generic),
        sla_met: result.extensions.get("latency").and_then(sla_verdict),
        others,
        failures,
    }
}

fn bar(counts: &[(&'static str, usize)], total: usize) -> Vec<BarPart> {
    counts
        .iter()
        .filter(|(_, c)| *c > 0)
        .map(|&(key, c)| BarPart {
            key,
            pct: format!("{:.3}", 100.0 * c as f64 / total.max(1) as f64),
            title: format!("{c} {}", key.replace('_', " ")),
        })
        .collect()
}

/// Results grouped by a key each scenario may have several of (tags, covered rules).
fn groups(result: &RunResult, keys: impl Fn(&ScenarioResult) -> Vec<String>) -> Vec<GroupRow> {
    let mut by: BTreeMap<String, [usize; 5]> = BTreeMap::new();
    for sc in &result.scenarios {
        for k in keys(sc) {
            let c = by.entry(k).or_default();
            c[severity(sc.outcome) as usize] += 1;
        }
    }
    let mut rows: Vec<GroupRow> = by
        .into_iter()
        .map(|(name, c)| {
            let [failed, errored, not_run, skipped, passed] = c;
            let total = c.iter().sum();
            let status = if failed + errored > 0 {
                "failed"
            } else if not_run > 0 {
                "not_run"
            } else if passed > 0 {
                "passed"
            } else {
                "skipped"
            };
            GroupRow {
                name: txt(&name),
                total,
                passed,
                failed,
                errored,
                skipped,
                not_run,
                status,
                bar: bar(
                    &[
                        ("passed", passed),
                        ("failed", failed),
                        ("errored", errored),
                        ("skipped", skipped),
                        ("not_run", not_run),
                    ],
                    total,
                ),
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.status != "failed", r.status != "not_run"));
    rows
}

fn scenario_view(result: &RunResult, sc: &ScenarioResult, number: usize, open: bool) -> ScView {
    let failures: Vec<CheckView> = sc
        .steps
        .iter()
        .flat_map(|st| {
            st.checks
                .iter()
                .filter(|c| !c.passed)
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

fn anchor(number: usize) -> String {
    format!("sc-{number}")
}

/// Why a scenario did not pass, in one line (`None` when it passed).
fn reason(result: &RunResult, sc: &ScenarioResult) -> Option<String> {
    match sc.outcome {
        Outcome::Skipped | Outcome::NotRun => Some(skip_reason(sc, result.interrupted)),
        Outcome::Failed => Some(super::detail::failure_message(sc)),
        Outcome::Errored => Some(super::detail::error_message(sc)),
        Outcome::Passed => None,
    }
    .map(|r| txt(&r))
}

fn check_view(st: &StepResult, c: &crate::results::CheckOutcome) -> CheckView {
    CheckView {
        passed: c.passed,
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
        serde_json::from_str::<Json>(b.trim())
            .ok()
            .filter(|j| j.is_object() || j.is_array())
            .and_then(|j| serde_json::to_string_pretty(&j).ok())
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

/// `2025-03-01 10:00:00.500 UTC` from RFC 3339; anything else as given.
fn display_time(s: &str) -> String {
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

// ---------------------------------------------------------------------------------------
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

fn diagram(sc: &ScenarioResult) -> Diagram {
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

// ---------------------------------------------------------------------------------------
// Latency and the extension sections.

fn latency_view(result: &RunResult) -> LatencyView {
    let (all, per_op) = observed(result);
    let stats = Stats::of(&all)
        .map(|s| {
            vec![
                ("responses".to_string(), s.count.to_string()),
                ("min".to_string(), ms(s.min)),
                ("mean".to_string(), ms(s.mean)),
                ("p50".to_string(), ms(s.p50)),
                ("p90".to_string(), ms(s.p90)),
                ("p95".to_string(), ms(s.p95)),
                ("p99".to_string(), ms(s.p99)),
                ("max".to_string(), ms(s.max)),
            ]
        })
        .unwrap_or_default();
    let buckets = if all.is_empty() {
        Vec::new()
    } else {
        histogram(&all)
    };
    let peak = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let chart_height = 140;
    let (bw, gap, left) = (42, 7, 6);
    let bars = buckets
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let h = if b.count == 0 {
                0
            } else {
                ((b.count as f64 / peak as f64) * 100.0).round().max(2.0) as u32
            };
            let x = left + i as u32 * (bw + gap);
            HistBar {
                x,
                y: 120 - h,
                w: bw,
                h,
                label: b.label,
                count: b.count,
                label_x: x + bw / 2,
            }
        })
        .collect();
    let per_operation = per_op
        .into_iter()
        .filter_map(|(op, v)| {
            Stats::of(&v).map(|s| OpLatency {
                operation: txt(&op),
                count: s.count,
                p50: ms(s.p50),
                p95: ms(s.p95),
                p99: ms(s.p99),
                max: ms(s.max),
            })
        })
        .collect();
    LatencyView {
        stats,
        bars,
        chart_height,
        per_operation,
    }
}

fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1} ms")
    } else {
        fmt_ms(v)
    }
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "—".to_string(),
        Json::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => {
                let s = format!("{f:.3}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            _ => n.to_string(),
        },
        other => cut(&other.to_string(), 300),
    }
}

/// Flattens a JSON value of unknown shape into facts and tables.
fn generic(v: &Json) -> Generic {
    let mut g = Generic::default();
    flatten(v, String::new(), &mut g);
    g
}

fn flatten(v: &Json, path: String, g: &mut Generic) {
    let name = |p: &str| {
        if p.is_empty() {
            "value".to_string()
        } else {
            p.to_string()
        }
    };
    match v {
        Json::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(child, p, g);
            }
        }
        Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_object) => {
            // Each item flattened to dotted keys, so nested objects become columns.
            let cells: Vec<Vec<(String, String)>> = items
                .iter()
                .take(TABLE_ROWS)
                .map(|item| {
                    let mut row = Vec::new();
                    cells_of(item, String::new(), &mut row);
                    row
                })
                .collect();
            let mut columns: Vec<String> = Vec::new();
            for row in &cells {
                for (k, _) in row {
                    if !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
            }
            // Identifying columns first; serde_json keeps the rest sorted.
            let first = [
                "id",
                "operation",
                "operation_id",
                "name",
                "method",
                "path",
                "template",
                "status",
            ];
            columns.sort_by_key(|c| first.iter().position(|f| f == c).unwrap_or(first.len()));
            let rows = cells
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| {
                            row.iter()
                                .find(|(k, _)| k == c)
                                .map(|(_, v)| txt(v))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect();
            g.tables.push(Table {
                title: txt(&name(&path)),
                columns: columns.iter().map(|c| txt(c)).collect(),
                rows,
                more: items.len().saturating_sub(TABLE_ROWS),
            });
        }
        Json::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let text = items.iter().map(scalar_text).collect::<Vec<_>>().join(", ");
            g.facts.push((txt(&name(&path)), txt(&cut(&text, 2000))));
        }
        other => g.facts.push((txt(&name(&path)), txt(&scalar_text(other)))),
    }
}

/// One table row: scalars by dotted key, nested objects flattened, arrays joined.
fn cells_of(v: &Json, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                cells_of(child, p, out);
            }
        }
        Json::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let text = items.iter().map(scalar_text).collect::<Vec<_>>().join(", ");
            out.push((path, cut(&text, 300)));
        }
        other => out.push((path, scalar_text(other))),
    }
}

/// Whether the latency section says its SLA was met, under a common name.
fn sla_verdict(v: &Json) -> Option<bool> {
    [
        "/sla/passed",
        "/sla/met",
        "/sla/ok",
        "/passed",
        "/met",
        "/ok",
    ]
    .iter()
    .find_map(|p| v.pointer(p).and_then(Json::as_bool))
}

/// A coverage figure when the section has one under a common name.
fn meter(v: &Json) -> Option<Meter> {
    let num = |keys: &[&str]| keys.iter().find_map(|k| v.get(*k).and_then(Json::as_f64));
    let covered = num(&["covered", "covered_operations", "operations_covered"]);
    let total = num(&["total", "total_operations", "operations_total"]);
    let pct = match (covered, total) {
        (Some(c), Some(t)) if t > 0.0 => Some(100.0 * c / t),
        _ => num(&["percent", "coverage_percent", "percentage"])
            .or_else(|| num(&["ratio"]).map(|r| r * 100.0)),
    }?;
    let pct = pct.clamp(0.0, 100.0);
    let text = match (covered, total) {
        (Some(c), Some(t)) => format!("{c} of {t} ({pct:.1}%)"),
        _ => format!("{pct:.1}%"),
    };
    Some(Meter {
        text,
        pct: format!("{pct:.2}"),
    })
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
    fn generic_sections_flatten() {
        let v = serde_json::json!({
            "covered": 3, "total": 4,
            "operations": [{"id": "createOrder", "covered": true}, {"id": "getOrder", "hits": 2}],
            "by": {"status": ["200", "404"]}
        });
        let g = generic(&v);
        assert!(g.facts.contains(&("covered".to_string(), "3".to_string())));
        assert!(g
            .facts
            .contains(&("by.status".to_string(), "200, 404".to_string())));
        assert_eq!(g.tables[0].columns, ["id", "covered", "hits"]);
        assert_eq!(g.tables[0].rows[1], ["getOrder", "", "2"]);
        let nested = serde_json::json!({"operations": [
            {"operation": "a", "stats": {"p50_ms": 1.23456, "count": 3}, "codes": ["400", "401"]}
        ], "sla": {"passed": false}});
        let g = generic(&nested);
        assert_eq!(
            g.tables[0].columns,
            ["operation", "codes", "stats.count", "stats.p50_ms"]
        );
        assert_eq!(g.tables[0].rows[0], ["a", "400, 401", "3", "1.235"]);
        assert_eq!(sla_verdict(&nested), Some(false));
        assert_eq!(meter(&v).unwrap().text, "3 of 4 (75.0%)");
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
