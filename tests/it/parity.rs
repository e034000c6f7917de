//! `conform parity` end to end: the real binary runs the shipped scenarios against two
//! embedded sandboxes (each on its own ephemeral port), one of them with a fault switched on,
//! and the parity report must name the scenario, the step, the field and both values.
//! `conform report parity` over the two saved runs must say the same.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn conform() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_conform"));
    c.current_dir(ROOT).env_remove("CONFORM_CONFIG");
    c
}

/// `conform.yaml` with absolute paths and two copies of its `local` environment, `a` and `b`
/// (without the run-wide SLA, which would measure this busy machine): `b_extra` lines go into
/// b's `embedded_sandbox`; `tail` replaces the shipped `parity:` section.
fn config(b_extra: &[&str], tail: &str) -> String {
    let text = std::fs::read_to_string(Path::new(ROOT).join("conform.yaml")).expect("conform.yaml");
    let mut head = Vec::new();
    let mut local = Vec::new();
    let mut in_local = false;
    let mut in_parity = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent == 2 && trimmed.ends_with(':') {
            in_local = trimmed == "local:";
        }
        if indent == 0 && !trimmed.is_empty() && !trimmed.starts_with('#') {
            in_local = false;
            // The shipped `parity:` section is replaced by the test's own.
            in_parity = trimmed.starts_with("parity:");
        }
        if in_parity {
            continue;
        }
        if in_local {
            if !trimmed.starts_with("sla:") {
                local.push(line.to_string());
            }
            continue;
        }
        let line = ["contract: ", "fixtures: "]
            .iter()
            .find_map(|k| {
                line.strip_prefix(k)
                    .map(|rel| format!("{k}{ROOT}/{}", rel.trim()))
            })
            .unwrap_or_else(|| line.to_string());
        head.push(line);
    }
    assert!(!local.is_empty(), "conform.yaml has no `local` environment");
    let env = |name: &str, extra: &[&str]| {
        let mut out = Vec::new();
        let key = |l: &str| l.trim().split(':').next().unwrap_or("").to_string();
        for l in &local {
            if l.trim() == "local:" {
                out.push(format!("  {name}:"));
                continue;
            }
            // An extra setting replaces the shipped one.
            if l.starts_with("      ")
                && !l.starts_with("       ")
                && extra.iter().any(|e| key(e) == key(l))
            {
                continue;
            }
            out.push(l.clone());
            if l.trim() == "embedded_sandbox:" {
                out.extend(extra.iter().map(|e| format!("      {e}")));
            }
        }
        out.join("\n")
    };
    let envs = head
        .iter()
        .position(|l| l.trim_end() == "environments:")
        .expect("environments:");
    let mut out = head[..=envs].to_vec();
    out.push(env("a", &[]));
    out.push(env("b", b_extra));
    out.extend(head[envs + 1..].iter().cloned());
    out.join("\n") + "\n" + tail
}

struct Parity {
    dir: tempfile::TempDir,
    out: Output,
    report: Value,
}

impl Parity {
    fn text(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.out.status.code(),
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }
    fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }
    /// Every difference of the scenarios whose id contains `scenario`.
    fn differences(&self, scenario: &str) -> Vec<Value> {
        self.report["scenarios"]
            .as_array()
            .expect("scenarios")
            .iter()
            .filter(|s| s["id"].as_str().unwrap_or("").contains(scenario))
            .flat_map(|s| s["differences"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

fn parity(b_extra: &[&str], tail: &str, args: &[&str]) -> Parity {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("conform.yaml");
    std::fs::write(&cfg, config(b_extra, tail)).expect("write config");
    // The config's folder is where its default `scenarios/` is found: the shipped suite.
    std::os::unix::fs::symlink(
        Path::new(ROOT).join("scenarios"),
        dir.path().join("scenarios"),
    )
    .expect("link the shipped scenarios");
    let out = conform()
        .args(["--color", "never", "--config"])
        .arg(&cfg)
        .args(["parity", "--env", "a", "--env", "b", "--report-dir"])
        .arg(dir.path().join("reports"))
        .args(args)
        .output()
        .expect("run conform parity");
    let text =
        std::fs::read_to_string(dir.path().join("reports/parity.json")).unwrap_or_else(|e| {
            panic!(
                "no parity.json ({e}): exit {:?}\n{}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let report = serde_json::from_str(&text).expect("parity.json is JSON");
    Parity { dir, out, report }
}

/// The difference of `kind` in the scenarios matching `scenario`, with both values.
fn find<'a>(diffs: &'a [Value], kind: &str) -> &'a Value {
    diffs
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no `{kind}` difference in {diffs:#?}"))
}

const MINIMAL: &str = "orders.yaml::minimal order";

#[test]
fn identical_settings_report_no_difference() {
    let p = parity(
        &[],
        "",
        &["scenarios/orders.yaml", "scenarios/webhooks.yaml"],
    );
    assert_eq!(p.out.status.code(), Some(0), "{}", p.text());
    let s = &p.report["summary"];
    assert_eq!(s["different"], 0, "{}", p.text());
    assert_eq!(s["differences"], 0, "{}", p.text());
    assert!(s["same"].as_u64().unwrap_or(0) >= 10, "{s}");
    let stdout = String::from_utf8_lossy(&p.out.stdout);
    assert!(stdout.contains("0 different"), "{stdout}");
    // Each side's own reports carry the parity section.
    let a: Value = serde_json::from_str(
        &std::fs::read_to_string(p.reports().join("a/results.json")).expect("a/results.json"),
    )
    .expect("JSON");
    assert_eq!(a["environment"]["name"], "a");
    assert_eq!(a["extensions"]["parity"]["summary"], p.report["summary"]);
    let junit = std::fs::read_to_string(p.reports().join("parity-junit.xml")).expect("junit");
    assert!(
        junit.contains("name=\"parity::scenarios/orders.yaml::minimal order"),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");
}

#[test]
fn a_status_is_reported_and_the_saved_runs_say_the_same() {
    let p = parity(
        &["faults: [create-returns-200]"],
        "",
        &["--filter", MINIMAL],
    );
    assert_eq!(p.out.status.code(), Some(1), "{}", p.text());
    let d = p.differences(MINIMAL);
    assert_eq!(d[0]["kind"], "outcome", "the outcome comes first: {d:#?}");
    assert_eq!(d[0]["left"], "passed");
    let st = find(&d, "status");
    assert_eq!(
        (st["left"].as_str(), st["right"].as_str()),
        (Some("201"), Some("200"))
    );
    assert_eq!(st["request"], "POST /api/v1/orders");
    // The config sits in a temporary folder, so the place is written from there.
    let file = st["location"]["file"].as_str().unwrap_or_default();
    assert!(file.ends_with("scenarios/orders.yaml"), "{st}");
    assert!(st["step"].is_string(), "{st}");
    let stdout = String::from_utf8_lossy(&p.out.stdout);
    assert!(stdout.contains("status: a 201 · b 200"), "{stdout}");
    let junit = std::fs::read_to_string(p.reports().join("parity-junit.xml")).expect("junit");
    assert!(junit.contains("<failure"), "{junit}");
    let html = std::fs::read_to_string(p.reports().join("parity.html")).expect("html");
    assert!(html.contains("class=\"sides\""), "{html}");

    // The same two runs, compared again from their saved results.
    let again = p.dir.path().join("again");
    let out = conform()
        .args(["--color", "never", "report", "parity"])
        .arg(p.reports().join("a/results.json"))
        .arg(p.reports().join("b/results.json"))
        .arg("--out")
        .arg(&again)
        .output()
        .expect("run conform report parity");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(again.join("parity.json")).expect("parity.json"),
    )
    .expect("JSON");
    for key in ["scenarios", "run_differences", "summary", "latency"] {
        assert_eq!(
            saved[key], p.report[key],
            "`{key}` differs between live and saved"
        );
    }
}

#[test]
fn an_error_code_is_reported() {
    let f = "GET of an unknown order";
    let p = parity(&["faults: [not-found-as-empty]"], "", &["--filter", f]);
    assert_eq!(p.out.status.code(), Some(1), "{}", p.text());
    let d = p.differences(f);
    let code = find(&d, "error_code");
    assert_eq!(code["left"], "NOT_FOUND");
    assert_eq!(code["right"], "(none)");
    assert_eq!(code["field"], "error code /error_code");
    assert_eq!(code["request"], "GET /api/v1/orders/ORD-00000000");
}

#[test]
fn a_missing_header_is_reported() {
    let p = parity(
        &["faults: [api-version-missing]"],
        "",
        &["--filter", MINIMAL],
    );
    assert_eq!(p.out.status.code(), Some(1), "{}", p.text());
    let d = p.differences(MINIMAL);
    let h = find(&d, "header");
    assert_eq!(h["field"], "header X-API-Version");
    assert_eq!(h["left"], "present: 1");
    assert_eq!(h["right"], "absent");
}

#[test]
fn a_renamed_property_is_reported() {
    let p = parity(&["faults: [property-renamed]"], "", &["--filter", MINIMAL]);
    assert_eq!(p.out.status.code(), Some(1), "{}", p.text());
    let d = p.differences(MINIMAL);
    let fields: Vec<&str> = d
        .iter()
        .filter(|d| d["kind"] == "property")
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert!(fields.contains(&"body /estimated_delivery"), "{d:#?}");
    assert!(fields.contains(&"body /estimated_delivery_date"), "{d:#?}");
    let gone = d
        .iter()
        .find(|d| d["field"] == "body /estimated_delivery")
        .expect("estimated_delivery");
    assert!(
        gone["left"]
            .as_str()
            .unwrap_or("")
            .starts_with("present: string (date-time)"),
        "{gone}"
    );
    assert_eq!(gone["right"], "absent");
}

#[test]
fn a_webhook_not_sent_is_reported() {
    let f = "webhooks.yaml::order.created is delivered";
    let p = parity(&["faults: [webhook-missing]"], "", &["--filter", f]);
    assert_eq!(p.out.status.code(), Some(1), "{}", p.text());
    let d = p.differences(f);
    let w = find(&d, "webhook_events");
    assert_eq!(w["left"], "order.created");
    assert_eq!(w["right"], "(none)");
}

#[test]
fn slower_answers_are_reported_unless_declared() {
    let slow = ["faults: [latency]", "latency: 700ms"];
    let p = parity(&slow, "", &["--filter", MINIMAL]);
    assert_eq!(p.out.status.code(), Some(1), "{}", p.text());
    let run = p.report["run_differences"]
        .as_array()
        .expect("run_differences");
    let lat = run
        .iter()
        .find(|d| d["kind"] == "latency" && d["request"] == "createOrder")
        .unwrap_or_else(|| panic!("no createOrder latency difference: {run:#?}"));
    assert!(lat["right"].as_str().unwrap_or("").contains("p50"), "{lat}");
    assert_eq!(p.report["summary"]["different"], 0, "{}", p.text());

    let declared = "parity:\n  latency: {min_difference: 5s}\n";
    let p = parity(&slow, declared, &["--filter", MINIMAL]);
    assert_eq!(p.out.status.code(), Some(0), "{}", p.text());
    assert_eq!(p.report["summary"]["differences"], 0, "{}", p.text());
}

#[test]
fn rate_limits_compare_as_ratios_and_a_declared_scale_is_expected() {
    // `a` keeps the shipped 10x limits; `b` gets production limits.
    let b = ["rate_scale: 1"];
    let p = parity(&b, "", &["--filter", MINIMAL]);
    assert_eq!(p.out.status.code(), Some(1), "{}", p.text());
    let d = p.differences(MINIMAL);
    let rl = find(&d, "rate_limit");
    assert_eq!(rl["left"], "1000");
    assert_eq!(rl["right"], "100");

    let declared = "parity:\n  rate_limit_scale: {a: 10, b: 1}\n";
    let p = parity(&b, declared, &["--filter", MINIMAL]);
    assert_eq!(p.out.status.code(), Some(0), "{}", p.text());
    assert_eq!(p.report["summary"]["differences"], 0, "{}", p.text());
}
