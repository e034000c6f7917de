//! The report formats, checked from outside: JUnit against Jenkins' schema (xmllint), JSON
//! round trips, the report files written, warnings in every format (the console reporter is
//! in `report_console.rs`, the run result they render in `report_sample.rs`).
use conform::report::{
    read_json, write_json, write_junit, write_reports, ReportError, ReportOptions, TermContext,
};
use conform::results::*;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::report_console::{console, no_color};
use crate::report_sample::*;

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/validators/junit/jenkins-xunit-junit-10.xsd"
);

fn junit_string(r: &RunResult) -> String {
    let mut buf = Vec::new();
    write_junit(r, &mut buf).unwrap();
    String::from_utf8(buf).expect("JUnit output is UTF-8")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conform-report-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs xmllint on `xml`; `None` when xmllint is not installed (outside CI).
fn xmllint(xml: &str, tag: &str) -> Option<(bool, String)> {
    let dir = temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("junit.xml");
    std::fs::write(&file, xml).unwrap();
    match Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&file)
        .output()
    {
        Ok(out) => Some((
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )),
        Err(e) if std::env::var_os("CI").is_some() => panic!("xmllint is required in CI: {e}"),
        Err(e) => {
            eprintln!("skipping schema validation: xmllint not runnable ({e}); apt-get install libxml2-utils");
            None
        }
    }
}

#[test]
fn junit_validates_against_jenkins_xunit_schema() {
    assert!(Path::new(XSD).exists(), "schema missing at {XSD}");
    for (tag, r) in [
        ("full", sample()),
        (
            "empty",
            RunResult {
                scenarios: vec![],
                ..sample()
            },
        ),
    ] {
        let xml = junit_string(&r);
        if let Some((ok, stderr)) = xmllint(&xml, tag) {
            assert!(ok, "{tag}: xmllint rejected the report:\n{stderr}\n{xml}");
        }
    }
}

/// `conform parity`'s JUnit goes through the same writer and must pass the same schema.
#[test]
fn parity_junit_validates_against_jenkins_xunit_schema() {
    let left = sample();
    let mut right = sample();
    right.environment.name = "candidate".into();
    // One scenario ends differently on the right, one is missing there: a failure and a skip.
    right.scenarios[0].outcome = match right.scenarios[0].outcome {
        Outcome::Passed => Outcome::Failed,
        _ => Outcome::Passed,
    };
    right.scenarios.pop();
    let report =
        conform::parity::compare_runs(&left, &right, &conform::parity::ParityRules::default());
    let mut buf = Vec::new();
    conform::parity::write_junit(&report, &mut buf).unwrap();
    let xml = String::from_utf8(buf).unwrap();
    assert!(
        xml.contains("<failure") && xml.contains("<skipped"),
        "{xml}"
    );
    let root = &xml[xml.find("<testsuites").unwrap()..];
    assert!(
        !root[..root.find('>').unwrap()].contains("skipped"),
        "{xml}"
    );
    if let Some((ok, stderr)) = xmllint(&xml, "parity") {
        assert!(ok, "xmllint rejected the parity report:\n{stderr}\n{xml}");
    }
}

#[test]
fn junit_counts_and_mapping() {
    let r = sample();
    let xml = junit_string(&r);
    let root = &xml[xml.find("<testsuites").unwrap()..];
    let root = &root[..root.find('>').unwrap()];
    assert!(
        !root.contains("skipped="),
        "no skipped on <testsuites>: {root}"
    );
    assert!(
        root.contains(r#"name="conform""#) && root.contains(r#"time="1.235""#),
        "{root}"
    );

    let report =
        quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit parses it back");
    assert_eq!(report.tests, 6);
    assert_eq!(report.failures, 2);
    assert_eq!(report.errors, 1);
    let names: Vec<_> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["create", "get", "paid"]);
    let get = &report.test_suites[1];
    assert_eq!(
        (get.tests, get.failures, get.errors, get.skipped),
        (2, 1, 1, 0)
    );
    assert_eq!(report.test_suites[2].skipped, 2);
    let props: Vec<_> = report.test_suites[0]
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert!(props.contains(&("environment", "staging")));
    assert!(props.contains(&("base_url", "http://127.0.0.1:4010")));
    assert!(props.contains(&("conform_version", "0.1.0")));
    assert!(props.contains(&("schema_version", RESULTS_SCHEMA_VERSION)));
    assert!(xml.contains(r#"file="orders/create.yaml""#));
    assert!(
        xml.contains(r#"timestamp="2025-03-01T10:00:00.500+00:00""#),
        "suite timestamp"
    );

    let failed = &report.test_suites[0].test_cases[1];
    assert_eq!(failed.name.as_str(), "reject a bad sku");
    assert_eq!(
        failed.classname.as_ref().map(|c| c.as_str()),
        Some("create")
    );
    match &failed.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(
                message.as_ref().unwrap().as_str(),
                "status: expected 422, actual 500"
            );
            let text = description.as_ref().unwrap().as_str();
            for want in [
                "orders/create.yaml:15:11",
                "expected: 422",
                "actual:   500",
                "body $.error.code equals",
                "orders/create.yaml:17:11",
                "\"invalid_sku\"",
            ] {
                assert!(text.contains(want), "failure text lacks {want:?}:\n{text}");
            }
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    let out = failed.system_out.as_ref().unwrap().as_str();
    assert!(
        out.contains("POST http://127.0.0.1:4010/api/v1/orders -> 500 (12 ms)"),
        "{out}"
    );
    assert!(
        out.contains("FAIL status: expected 422, actual 500"),
        "{out}"
    );

    let errored = &report.test_suites[1].test_cases[0];
    match &errored.status {
        quick_junit::TestCaseStatus::NonSuccess { kind, message, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Error);
            assert_eq!(message.as_ref().unwrap().as_str(), "failed to send request");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let skip_messages: Vec<_> = report.test_suites[2]
        .test_cases
        .iter()
        .map(|c| match &c.status {
            quick_junit::TestCaseStatus::Skipped { message, .. } => {
                message.as_ref().unwrap().as_str().to_string()
            }
            other => panic!("expected skipped, got {other:?}"),
        })
        .collect();
    assert_eq!(
        skip_messages,
        ["requires capability `webhooks`", "not run: interrupted"]
    );
    // Times: seconds, three decimals.
    assert!(xml.contains(r#"time="0.123""#));
}

#[test]
fn junit_carries_weird_characters_safely() {
    let xml = junit_string(&sample());
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}') && !xml.contains('\u{FFFF}'));
    assert!(xml.contains("\\u{0}"), "NUL is shown, not dropped");
    assert!(xml.contains("😀"));
    assert!(!xml.contains("]]>"), "]]> must be escaped in text");
    assert!(xml.contains("weird nul\\u{0} bell\\u{7}"));
    assert!(xml.contains("order.paid evt_1 attempt 2 -&gt; answered 400, bad signature"));
}

#[test]
fn json_round_trips_field_wise() {
    let r = sample();
    let mut buf = Vec::new();
    write_json(&r, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let back = read_json(&text).expect("reads its own output");
    // `RunResult` has no PartialEq; its derived Debug prints every field (floats exactly).
    assert_eq!(format!("{back:#?}"), format!("{r:#?}"));
    assert_eq!(back.summary, r.summary);
    assert_eq!(
        back.scenarios[3].name, r.scenarios[3].name,
        "NUL and friends survive JSON"
    );
    assert_eq!(
        back.scenarios[1].duration_ms.to_bits(),
        r.scenarios[1].duration_ms.to_bits()
    );
}

#[test]
fn json_rejects_other_schema_versions() {
    let mut v: serde_json::Value = serde_json::from_str(&{
        let mut buf = Vec::new();
        write_json(&sample(), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    })
    .unwrap();
    v["schema_version"] = "3".into();
    let err = read_json(&v.to_string()).unwrap_err();
    assert!(matches!(err, ReportError::UnsupportedSchemaVersion { ref found, .. } if found == "3"));
    let msg = err.to_string();
    assert!(msg.contains("\"3\"") && msg.contains("1 and 2"), "{msg}");

    v["schema_version"] = 2.into();
    assert!(matches!(
        read_json(&v.to_string()),
        Err(ReportError::UnsupportedSchemaVersion { .. })
    ));
    v.as_object_mut().unwrap().remove("schema_version");
    assert!(matches!(
        read_json(&v.to_string()),
        Err(ReportError::MissingSchemaVersion)
    ));
    assert!(matches!(read_json("{not json"), Err(ReportError::Parse(_))));
}

#[test]
fn write_reports_creates_the_directory_and_the_default_files() {
    let dir = temp_dir("files").join("nested/reports");
    let opts = ReportOptions {
        dir: dir.clone(),
        ..ReportOptions::default()
    };
    let paths = write_reports(&sample(), &opts).unwrap();
    assert_eq!(
        paths,
        [
            dir.join("junit.xml"),
            dir.join("results.json"),
            dir.join("report.html")
        ]
    );
    let json = std::fs::read_to_string(&paths[1]).unwrap();
    assert_eq!(read_json(&json).unwrap().summary, sample().summary);
    assert!(std::fs::read_to_string(&paths[0])
        .unwrap()
        .starts_with("<?xml"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    // Written twice: the rename replaces the old file.
    write_reports(&sample(), &opts).unwrap();

    let custom = temp_dir("custom").join("x/out.xml");
    let paths = write_reports(
        &sample(),
        &ReportOptions {
            junit: Some(custom.clone()),
            ..opts
        },
    )
    .unwrap();
    assert_eq!(paths[0], custom);
    assert!(custom.exists());
}

#[test]
fn the_schema_check_bites() {
    // Control: what quick-junit writes by default (`skipped` on the root) must be rejected,
    // or the validation test above proves nothing.
    let xml = junit_string(&sample()).replacen("<testsuites ", "<testsuites skipped=\"2\" ", 1);
    if let Some((ok, stderr)) = xmllint(&xml, "control") {
        assert!(!ok, "xmllint accepted a root `skipped`");
        assert!(stderr.contains("skipped"), "{stderr}");
    }
}

/// Writes the sample outputs to `$CONFORM_REPORT_SAMPLES` for a human to read.
#[test]
fn dump_samples_when_asked() {
    let Some(dir) = std::env::var_os("CONFORM_REPORT_SAMPLES") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("junit.xml"), junit_string(&sample())).unwrap();
    std::fs::write(dir.join("console.txt"), console(&sample(), no_color())).unwrap();
    let coloured = TermContext {
        color: true,
        interactive: false,
        ci: false,
    };
    std::fs::write(dir.join("console.ansi"), console(&sample(), coloured)).unwrap();
    let mut buf = Vec::new();
    write_json(&sample(), &mut buf).unwrap();
    std::fs::write(dir.join("results.json"), buf).unwrap();
}

#[test]
fn the_schema_doc_example_reads() {
    let doc = include_str!("../../docs/results-schema.md");
    let start = doc.find("```json\n").expect("an example") + "```json\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let r = read_json(example).expect("the documented example is a valid results.json");
    assert_eq!(r.summary, Summary::of(&r.scenarios));
    assert_eq!(
        r.schema_version, RESULTS_SCHEMA_VERSION,
        "the example is of this version"
    );
    assert!(!r.success(), "its missed coverage verdict fails it");
    let xml = junit_string(&r);
    if let Some((ok, stderr)) = xmllint(&xml, "doc") {
        assert!(ok, "{stderr}");
    }
}

/// `sample()` with two undocumented-property warnings on its passed scenario.
fn with_warnings() -> RunResult {
    let mut r = sample();
    let sc = r
        .scenarios
        .iter_mut()
        .find(|s| s.outcome == Outcome::Passed && !s.steps.is_empty())
        .expect("a passed scenario with a step");
    for pointer in ["/links", "/items/0/metadata"] {
        sc.steps[0].warnings.push(Warning {
            kind: WarningKind::UndocumentedProperty,
            subject: "POST /api/v1/orders -> 201".into(),
            pointer: pointer.into(),
            context: "operation createOrder (POST /api/v1/orders), response 201, application/json (#/components/schemas/Order)".into(),
        });
    }
    r.summary = Summary::of(&r.scenarios);
    r
}

#[test]
fn warnings_are_reported_everywhere_and_fail_nothing() {
    let r = with_warnings();
    assert_eq!(r.summary.warnings, 2);
    let before = Summary::of(&sample().scenarios);
    assert_eq!(
        (r.summary.passed, r.summary.failed, r.summary.errored),
        (before.passed, before.failed, before.errored),
        "warnings change no outcome"
    );

    let out = console(&r, no_color());
    assert!(out.contains("  2 warnings"), "{out}");
    assert!(
        out.contains("warning: undocumented property /links (not in operation createOrder"),
        "{out}"
    );
    assert!(out.contains(", 2 warnings in "), "{out}");

    let xml = junit_string(&r);
    assert!(
        xml.contains(r#"<property name="warnings" value="2"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains("warning: undocumented property /items/0/metadata in POST /api/v1/orders"),
        "{xml}"
    );
    if let Some((ok, stderr)) = xmllint(&xml, "warnings") {
        assert!(ok, "xmllint rejected the report:\n{stderr}\n{xml}");
    }

    let mut buf = Vec::new();
    write_json(&r, &mut buf).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(json["summary"]["warnings"], 2);
    let back = read_json(std::str::from_utf8(&buf).unwrap())
        .expect("results.json with warnings reads back");
    assert_eq!(back.summary.warnings, 2);
    let warned: Vec<&Warning> = back
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.warnings)
        .collect();
    assert_eq!(warned.len(), 2);
    assert_eq!(warned[0].kind, WarningKind::UndocumentedProperty);
    assert_eq!(warned[0].pointer, "/links");

    let mut html = Vec::new();
    conform::report::write_html(&r, &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("2 warnings (undocumented properties"),
        "html verdict note"
    );
    assert!(
        html.contains(r#"<ul class="warnings">"#),
        "html step warnings"
    );
}
