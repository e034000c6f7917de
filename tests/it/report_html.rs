//! The HTML certification report, checked from outside: self-contained, escaped, failures
//! first, one sequence diagram per scenario, light at 1,000+ scenarios; and, when Chromium is
//! installed, rendered in a real browser without console errors (scripts/screenshot-report.sh).
use base64::Engine as _;
use conform::report::{write_html, write_reports, ReportOptions, ReporterKind};
use conform::results::*;
use conform::source::SourceLocation;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTILE: &str = "<script>alert('x')</script> </pre></details><img src=x onerror=alert(1)> \
     & \"quoted\" 'single' {{ not_a_template }} {% raw %} \u{0}nul \u{1b}[31mansi 😀 \u{FFFF}";

fn loc(file: &str, line: u64) -> SourceLocation {
    SourceLocation {
        file: file.into(),
        line,
        column: 7,
    }
}

fn at(ms: u64) -> String {
    format!("2025-03-01T10:00:{:02}.{:03}Z", ms / 1000, ms % 1000)
}

fn exchange(method: &str, path: &str, status: Option<u16>, body: &str, sent_ms: u64) -> Exchange {
    Exchange {
        request: RecordedRequest {
            method: method.into(),
            url: format!("http://127.0.0.1:4010{path}"),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("authorization".into(), "***".into()),
                ("idempotency-key".into(), "3f1c2a".into()),
            ],
            body: (method != "GET").then(|| r#"{"sku":"SKU-1","qty":2,"customer":"c_42"}"#.into()),
            sent_at: at(sent_ms),
        },
        response: status.map(|status| RecordedResponse {
            status,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-request-id".into(), format!("req_{sent_ms}")),
            ],
            body: Some(body.into()),
            truncated: false,
            latency_ms: 8.0 + (sent_ms % 97) as f64,
        }),
        error: status.is_none().then(|| body.to_string()),
        operation: Some(
            match method {
                "POST" => "createOrder",
                _ => "getOrder",
            }
            .into(),
        ),
    }
}

fn check(passed: bool, what: &str, expected: &str, actual: &str, line: u64) -> CheckOutcome {
    CheckOutcome {
        status: conform::results::CheckStatus::judged(passed),
        check: what.into(),
        expected: expected.into(),
        actual: actual.into(),
        location: Some(loc("scenarios/orders.yaml", line)),
        detail: (!passed && what == "contract")
            .then(|| "createOrder response 201: /properties/total".into()),
    }
}

fn step(name: &str, line: u64, outcome: Outcome) -> StepResult {
    StepResult {
        name: name.into(),
        phase: Phase::Steps,
        location: loc("scenarios/orders.yaml", line),
        outcome,
        duration_ms: 42.0,
        error: None,
        checks: vec![],
        exchanges: vec![],
        attempts: 1,
        waited_ms: 0.0,
        log: vec![],
        rate_limit: Default::default(),
        warnings: Vec::new(),
    }
}

fn scenario(name: &str, tags: &[&str], covers: &[&str], outcome: Outcome) -> ScenarioResult {
    let file = "scenarios/orders.yaml";
    ScenarioResult {
        id: format!("{file}::{name}"),
        name: name.into(),
        file: file.into(),
        suite: "orders".into(),
        description: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        requires: vec![],
        covers: covers.iter().map(|t| t.to_string()).collect(),
        location: loc(file, 3),
        outcome,
        reason: None,
        started_at: Some(at(0)),
        duration_ms: 180.0,
        steps: vec![],
        webhooks: vec![],
    }
}

fn webhook(event: &str, verdict: &str, body: &str, received_ms: u64) -> WebhookRecord {
    WebhookRecord {
        received_at: at(received_ms),
        event_id: Some("evt_01HV".into()),
        event_type: Some(event.into()),
        attempt: 1,
        headers: vec![
            ("webhook-id".into(), "evt_01HV".into()),
            ("webhook-signature".into(), "***".into()),
        ],
        body: body.into(),
        verdict: verdict.into(),
        answered: if verdict == "valid" { 204 } else { 400 },
    }
}

/// Passed (with a webhook), failed with checks, errored, skipped, not run, and one full of
/// hostile text; plus contract, coverage, latency and an unknown extension.
fn sample() -> RunResult {
    let passed = {
        let mut s = scenario(
            "create an order and receive order.created",
            &["orders", "webhooks"],
            &["createOrder", "getOrder"],
            Outcome::Passed,
        );
        let mut a = step("create", 8, Outcome::Passed);
        a.exchanges.push(exchange(
            "POST",
            "/api/v1/orders",
            Some(201),
            r#"{"id":"ord_1","status":"pending","total":{"amount":2000,"currency":"EUR"}}"#,
            100,
        ));
        a.checks.push(check(true, "status", "201", "201", 10));
        a.checks
            .push(check(true, "contract", "createOrder 201", "valid", 11));
        a.log.push("captured order_id = ord_1".into());
        let mut b = step("read it back", 14, Outcome::Passed);
        b.exchanges.push(exchange(
            "GET",
            "/api/v1/orders/ord_1",
            Some(200),
            r#"{"id":"ord_1","status":"pending"}"#,
            400,
        ));
        b.checks.push(check(
            true,
            "body $.id equals",
            "\"ord_1\"",
            "\"ord_1\"",
            16,
        ));
        s.steps = vec![a, b];
        s.webhooks.push(webhook(
            "order.created",
            "valid",
            r#"{"type":"order.created"}"#,
            300,
        ));
        s
    };
    let failed = {
        let mut s = scenario(
            "reject an unknown sku",
            &["orders", "validation"],
            &["createOrder"],
            Outcome::Failed,
        );
        s.reason = Some("status: expected 422, actual 500".into());
        s.description = Some("An unknown SKU is a 422 with error code invalid_sku.".into());
        let mut a = step("post unknown sku", 20, Outcome::Failed);
        a.exchanges.push(exchange(
            "POST",
            "/api/v1/orders",
            Some(500),
            r#"{"error":{"code":"internal","message":"boom"}}"#,
            1200,
        ));
        a.checks.push(check(false, "status", "422", "500", 22));
        a.checks.push(check(
            false,
            "body $.error.code equals",
            "\"invalid_sku\"",
            "\"internal\"",
            23,
        ));
        a.checks.push(check(
            false,
            "contract",
            "a response documented for createOrder",
            "500 is not documented",
            24,
        ));
        s.steps.push(a);
        s
    };
    let errored = {
        let mut s = scenario(
            "fetch an order",
            &["orders"],
            &["getOrder"],
            Outcome::Errored,
        );
        let mut a = step("get", 30, Outcome::Errored);
        a.error =
            Some("failed to send request\ncaused by: connection refused (os error 111)".into());
        a.exchanges.push(exchange(
            "GET",
            "/api/v1/orders/ord_9",
            None,
            "connection refused (os error 111)",
            2000,
        ));
        s.steps.push(a);
        s
    };
    let hostile = {
        let mut s = scenario(HOSTILE, &[HOSTILE], &[HOSTILE], Outcome::Failed);
        s.description = Some(HOSTILE.into());
        let mut a = step(HOSTILE, 40, Outcome::Failed);
        let mut ex = exchange("POST", "/x?q=<b>&r=\"1\"", Some(200), HOSTILE, 2500);
        ex.request
            .headers
            .push(("x-hostile".into(), HOSTILE.into()));
        ex.request.body = Some(HOSTILE.into());
        a.exchanges.push(ex);
        a.checks.push(check(false, HOSTILE, HOSTILE, HOSTILE, 41));
        a.log.push(HOSTILE.into());
        s.steps.push(a);
        s.webhooks
            .push(webhook(HOSTILE, "bad signature", HOSTILE, 2600));
        s
    };
    let skipped = {
        let mut s = scenario("order paid webhook", &["webhooks"], &[], Outcome::Skipped);
        s.reason = Some("requires capability `payments`".into());
        s.started_at = None;
        s.duration_ms = 0.0;
        s
    };
    let not_run = {
        let mut s = scenario(
            "refund an order",
            &["refunds"],
            &["refundOrder"],
            Outcome::NotRun,
        );
        s.reason = Some("not run: the run stopped early (--fail-fast)".into());
        s.started_at = None;
        s.duration_ms = 0.0;
        s
    };
    // Plan order puts the pass first: the report must still show failures first.
    let scenarios = vec![passed, skipped, failed, not_run, errored, hostile];
    let mut extensions = BTreeMap::new();
    extensions.insert("x-custom".to_string(), serde_json::json!({"note": HOSTILE}));
    let item = |id: &str, count: u64| CoverageItem {
        id: id.into(),
        count,
    };
    let responses = CoverageSection {
        total: 5,
        covered: 3,
        percent: 60.0,
        items: vec![
            item("createOrder 201", 2),
            item("createOrder 422", 1),
            item("getOrder 200", 4),
            item("refundOrder 201", 0),
            item(&format!("{HOSTILE} 200"), 0),
        ],
        not_covered: vec!["refundOrder 201".into(), format!("{HOSTILE} 200")],
    };
    let op =
        |id: &str, method: &str, template: &str, covered: usize, total: usize| OperationCoverage {
            id: id.into(),
            method: method.into(),
            template: template.into(),
            exchanges: covered as u64,
            total,
            covered,
            percent: 0.0,
            not_covered: vec![],
        };
    let coverage = Coverage {
        contract: "Orders API 1.4.0".into(),
        operations: vec![
            op("createOrder", "POST", "/api/v1/orders", 2, 2),
            op("getOrder", "GET", "/api/v1/orders/{id}", 1, 1),
            op("refundOrder", "POST", "/api/v1/orders/{id}/refunds", 0, 1),
            op(HOSTILE, "GET", HOSTILE, 0, 1),
        ],
        responses,
        error_codes: CoverageSection::default(),
        webhook_events: CoverageSection::default(),
        undocumented: vec![],
        total: 5,
        covered: 3,
        min_percent: None,
    };
    let sla = RunVerdict::new(
        VerdictKind::Sla,
        "SLA",
        "sla: of environment staging".into(),
        vec![VerdictCheck {
            check: "p95".into(),
            expected: "≤ 300 ms".into(),
            actual: "97.0 ms".into(),
            outcome: VerdictOutcome::Passed,
        }],
    );
    let mut auth = BTreeMap::new();
    auth.insert(
        "staging/default".to_string(),
        AuthStats {
            token_requests: 2,
            refreshes: 1,
            retries_after_401: 0,
            token_failures: 0,
        },
    );
    RunResult {
        schema_version: RESULTS_SCHEMA_VERSION.into(),
        conform_version: "0.1.0".into(),
        environment: EnvironmentInfo {
            name: "staging".into(),
            base_url: "http://127.0.0.1:4010".into(),
            production: false,
            capabilities: vec!["orders".into(), "webhooks".into()],
            note: Some("embedded sandbox".into()),
        },
        started_at: at(0),
        duration_ms: 3_456.0,
        summary: Summary::of(&scenarios),
        scenarios,
        auth,
        interrupted: false,
        verdicts: vec![sla],
        contract: Some(ContractInfo {
            title: "Orders API".into(),
            version: "1.4.0".into(),
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            path: "fixtures/contract/orders.yaml".into(),
        }),
        coverage: Some(coverage),
        latency: None,
        rate_limits: None,
        webhook_receiver: None,
        extensions,
    }
    .with_latency(&Sla {
        p95: Some(std::time::Duration::from_millis(300)),
        p99: Some(std::time::Duration::from_millis(800)),
    })
}

trait WithLatency {
    fn with_latency(self, sla: &Sla) -> Self;
}

impl WithLatency for RunResult {
    /// The latency section `conform run` adds, from the exchanges.
    fn with_latency(mut self, sla: &Sla) -> Self {
        self.latency = Some(latency_report(&self, sla));
        self
    }
}

fn html(r: &RunResult) -> String {
    let mut buf = Vec::new();
    write_html(r, &mut buf).unwrap();
    String::from_utf8(buf).expect("the report is UTF-8")
}

/// Every `name="value"` attribute value in the document.
fn attr_values<'a>(doc: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    doc.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &doc[i + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn self_contained() {
    let doc = html(&sample());
    assert!(
        attr_values(&doc, "src").is_empty(),
        "nothing is loaded by src="
    );
    for href in attr_values(&doc, "href") {
        assert!(href.starts_with('#'), "only in-page links: {href}");
    }
    let lower = doc.to_lowercase();
    for banned in [
        "<link",
        "@import",
        "@font-face",
        "url(",
        "<iframe",
        "<object",
        "<embed",
    ] {
        assert!(!lower.contains(banned), "found {banned}");
    }
    // The CSP forbids any fetch and allows exactly the page's own script, by hash.
    let csp = attr_values(&doc, "content")
        .into_iter()
        .find(|c| c.starts_with("default-src 'none'"))
        .expect("a Content-Security-Policy");
    let script_start = doc.find("<script>").unwrap() + "<script>".len();
    let script = &doc[script_start..script_start + doc[script_start..].find("</script>").unwrap()];
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
}

#[test]
fn everything_from_the_run_is_escaped() {
    let doc = html(&sample());
    assert_eq!(
        doc.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(!doc.contains("<img"));
    assert!(!doc.contains("alert('x')</script>"));
    assert!(doc.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt;"));
    assert!(doc.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // Characters HTML cannot carry are shown, not dropped.
    assert!(!doc.contains('\u{0}') && !doc.contains('\u{1b}') && !doc.contains('\u{FFFF}'));
    assert!(doc.contains("\\u{0}nul") && doc.contains("\\u{1b}[31mansi"));
    assert!(doc.contains("😀"));
    // Template syntax inside data is data.
    assert!(doc.contains("{{ not_a_template }} {% raw %}"));
}

#[test]
fn header_and_sections() {
    let doc = html(&sample());
    for want in [
        "<div class=\"verdict\">FAILED</div>",
        "staging",
        "http:&#x2f;&#x2f;127.0.0.1:4010",
        "Orders API",
        "v1.4.0",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "2025-03-01 10:00:00.000 UTC",
        "3.46 s",
        "Results by area",
        "Results by contract rule",
        "3 of 5 (60.0 %)",
        "refundOrder",
        "SLA met",
        "p95 ≤ 300 ms",
        "Run-wide verdicts",
        "x-custom",
        "token requests",
    ] {
        assert!(doc.contains(want), "report lacks {want:?}");
    }
    // Latency computed from the exchanges: a histogram and percentiles.
    assert!(doc.contains("<svg class=\"hist\""));
    assert!(doc.contains(">p95<"));
    // Coverage is a grid: one row per operation, one column per documented status, a mark
    // in every cell (covered ✓, not covered ✗, not this operation's ·).
    let grid = &doc[doc
        .find("<table class=\"covgrid\"")
        .expect("a coverage grid")..];
    let grid = &grid[..grid.find("</table>").unwrap()];
    assert_eq!(grid.matches("<tr><th scope=\"row\">").count(), 4, "{grid}");
    assert!(
        grid.contains("<th class=\"st\">201</th><th class=\"st\">422</th>"),
        "{grid}"
    );
    let refund = &grid[grid.find("refundOrder").unwrap()..];
    let refund = &refund[..refund.find("</tr>").unwrap()];
    assert!(
        refund.contains(
            "class=\"cov c-missing\" title=\"refundOrder 201: documented, not covered\">✗"
        ),
        "{refund}"
    );
    assert!(
        !doc.contains("error_codes.not_covered") && !doc.contains("overall.p95_ms"),
        "no flattened keys"
    );
}

#[test]
fn failures_first_with_expected_and_actual() {
    let r = sample();
    let doc = html(&r);
    let order: Vec<&str> = doc
        .match_indices("<details class=\"sc sc-")
        .map(|(i, _)| {
            let rest = &doc[i + "<details class=\"sc sc-".len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        order,
        ["failed", "failed", "errored", "not_run", "skipped", "passed"]
    );
    let failed = doc.find("reject an unknown sku").unwrap();
    let passed = doc
        .find("create an order and receive order.created")
        .unwrap();
    assert!(failed < passed);
    // Failures are open and highlighted; passes are collapsed.
    assert!(doc.contains(
        "data-outcome=\"failed\" data-search=\"scenarios&#x2f;orders.yaml::reject an unknown sku"
    ));
    let tag = |id: &str| {
        let i = doc.find(&format!("id=\"{id}\"")).unwrap();
        doc[doc[..i].rfind('<').unwrap()..i + doc[i..].find('>').unwrap()].to_string()
    };
    assert!(tag("sc-3").ends_with(" open"), "{}", tag("sc-3"));
    assert!(!tag("sc-1").contains(" open"), "{}", tag("sc-1"));
    let first_failure = doc.find("<div class=\"failbox\">").unwrap();
    assert!(first_failure < passed);
    assert!(
        doc.contains("<div class=\"exp\"><div class=\"lbl\">expected</div><pre>422</pre></div>")
    );
    assert!(doc.contains("<div class=\"act\"><div class=\"lbl\">actual</div><pre>500</pre></div>"));
    assert!(doc.contains("createOrder response 201: &#x2f;properties&#x2f;total"));
    assert!(doc.contains("caused by: connection refused (os error 111)"));
}

#[test]
fn a_sequence_diagram_per_scenario() {
    let r = sample();
    let doc = html(&r);
    let blocks: Vec<&str> = doc.split("<details class=\"sc sc-").skip(1).collect();
    assert_eq!(blocks.len(), r.scenarios.len());
    for b in &blocks {
        assert_eq!(
            b.matches("<svg class=\"seq\"").count(),
            1,
            "one diagram per scenario"
        );
        for lane in [">conform<", ">API<", ">webhook receiver<"] {
            assert!(b.contains(lane), "lifeline {lane}");
        }
    }
    let passed = blocks.iter().find(|b| b.starts_with("passed")).unwrap();
    let svg = &passed[passed.find("<svg class=\"seq\"").unwrap()..passed.find("</svg>").unwrap()];
    // Requests, responses and the webhook, in the order they happened.
    let post = svg.find(">POST &#x2f;api&#x2f;v1&#x2f;orders<").unwrap();
    let created = svg.find(">201 (").unwrap();
    let hook = svg.find(">order.created (valid)<").unwrap();
    let get = svg
        .find(">GET &#x2f;api&#x2f;v1&#x2f;orders&#x2f;ord_1<")
        .unwrap();
    assert!(post < created && created < hook && hook < get, "{svg}");
    let errored = blocks.iter().find(|b| b.starts_with("errored")).unwrap();
    assert!(errored.contains("class=\"r-fail\""));
    assert!(errored.contains("✗ connection refused (os error 111)"));
    let skipped = blocks.iter().find(|b| b.starts_with("skipped")).unwrap();
    assert!(skipped.contains("no messages exchanged"));
}

#[test]
fn stays_light_at_a_thousand_scenarios() {
    let base = sample();
    let mut scenarios = Vec::new();
    for i in 0..1200 {
        let mut s = base.scenarios[i % 3 * 2].clone();
        s.id = format!("{}#{i}", s.id);
        scenarios.push(s);
    }
    let r = RunResult {
        summary: Summary::of(&scenarios),
        scenarios,
        ..base
    };
    let started = std::time::Instant::now();
    let doc = html(&r);
    let took = started.elapsed();
    assert_eq!(doc.matches("<svg class=\"seq\"").count(), 1200);
    // Only the first 50 failures start open; passes never do.
    let open = doc
        .match_indices("<details class=\"sc ")
        .filter(|(i, _)| doc[*i..*i + doc[*i..].find('>').unwrap()].ends_with(" open"))
        .count();
    assert_eq!(open, 50);
    assert!(doc.len() < 40 * 1024 * 1024, "{} bytes", doc.len());
    assert!(took.as_secs() < 20, "took {took:?}");
    eprintln!("1200 scenarios: {} KiB in {took:?}", doc.len() / 1024);
}

#[test]
fn write_reports_writes_report_html() {
    let dir = std::env::temp_dir().join(format!("conform-report-html-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = ReportOptions {
        dir: dir.clone(),
        kinds: vec![ReporterKind::Html],
        ..ReportOptions::default()
    };
    let paths = write_reports(&sample(), &opts).unwrap();
    assert_eq!(paths, [dir.join("report.html")]);
    assert!(std::fs::read_to_string(&paths[0])
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            Command::new("sh")
                .args(["-c", &format!("command -v {b}")])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        })
}

/// Renders the sample in headless Chromium; the script fails on console errors, a missing
/// DOM or a script that did not run.
#[test]
fn renders_in_chromium_without_console_errors() {
    if chromium().is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is required in CI: apt-get install -y chromium");
        }
        eprintln!(
            "skipping the browser check: chromium is not on the PATH (apt-get install -y chromium)"
        );
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-html");
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.html");
    let png = dir.join("report.png");
    std::fs::write(&report, html(&sample())).unwrap();
    let _ = std::fs::remove_file(&png);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/screenshot-report.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(&report)
        .arg(&png)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "screenshot script failed:\n{stdout}\n{stderr}"
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 30_000,
        "suspiciously small screenshot: {} bytes",
        bytes.len()
    );
    eprintln!("{stdout}screenshot: {}", png.display());
}
