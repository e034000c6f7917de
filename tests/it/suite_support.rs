//! Shared by the suite tests (`suite_faults`, `suite_clean`): run the shipped suite with
//! the real binary against the embedded sandbox, optionally with sandbox faults switched on.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub fn conform() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_conform"));
    c.current_dir(ROOT).env_remove("CONFORM_CONFIG");
    c
}

/// The fault names `conform sandbox --fault list` prints (first column).
pub fn fault_names() -> Vec<String> {
    listed("--fault")
}

/// The allowed variant names `conform sandbox --variant list` prints (first column).
pub fn variant_names() -> Vec<String> {
    listed("--variant")
}

fn listed(flag: &str) -> Vec<String> {
    let out = conform()
        .args(["sandbox", flag, "list"])
        .output()
        .expect("run conform sandbox --fault/--variant list");
    assert!(out.status.success(), "conform sandbox {flag} list: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The faults `conform sandbox --fault list` prints: (name, rule id) from its first two columns.
pub fn fault_list() -> Vec<(String, String)> {
    let out = conform()
        .args(["sandbox", "--fault", "list"])
        .output()
        .expect("run conform sandbox --fault list");
    assert!(
        out.status.success(),
        "conform sandbox --fault list: {out:?}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            Some((cols.next()?.to_string(), cols.next()?.to_string()))
        })
        .collect()
}

/// `conform.yaml` with its top-level paths made absolute and, in the `local` environment's
/// `embedded_sandbox`, `faults: [..]` (and without the environment's run-wide `sla`).
pub fn config_with_faults(faults: &[&str]) -> String {
    config_with(faults, &[])
}

/// [`config_with_faults`], plus `variants: [..]` (allowed variants) when any are given.
pub fn config_with(faults: &[&str], variants: &[&str]) -> String {
    let text = std::fs::read_to_string(Path::new(ROOT).join("conform.yaml")).expect("conform.yaml");
    let mut out = Vec::new();
    let mut in_local = false;
    let mut inserted = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let absolute = (indent == 0)
            .then(|| {
                ["contract: ", "fixtures: "].iter().find_map(|key| {
                    let rel = line.strip_prefix(key)?.trim();
                    (!rel.starts_with('/')).then(|| format!("{key}{ROOT}/{rel}"))
                })
            })
            .flatten();
        if indent == 2 && trimmed.ends_with(':') {
            in_local = trimmed == "local:";
        }
        // The run-wide SLA measures this machine as much as the target: these tests run
        // several suites at once on 2 cores, so they leave it out (tests/cli_contract.rs
        // checks the SLA case against the latency fault).
        if in_local && indent == 4 && trimmed.starts_with("sla:") {
            continue;
        }
        out.push(absolute.unwrap_or_else(|| line.to_string()));
        if in_local && !inserted && trimmed == "embedded_sandbox:" {
            let child = lines
                .get(i + 1)
                .map(|l| l.len() - l.trim_start().len())
                .filter(|n| *n > indent)
                .unwrap_or(indent + 2);
            out.push(format!(
                "{}faults: [{}]",
                " ".repeat(child),
                faults.join(", ")
            ));
            if !variants.is_empty() {
                out.push(format!(
                    "{}variants: [{}]",
                    " ".repeat(child),
                    variants.join(", ")
                ));
            }
            inserted = true;
        }
    }
    assert!(
        inserted,
        "conform.yaml: no `embedded_sandbox:` in environment `local` to switch faults on"
    );
    out.join("\n") + "\n"
}

pub struct SuiteRun {
    pub code: Option<i32>,
    /// Ids of scenarios that failed or errored.
    pub failed: Vec<String>,
    /// The rule ids (`covers`) of each failed or errored scenario, by id.
    pub failed_covers: Vec<(String, Vec<String>)>,
    /// Every scenario's file and `covers`.
    pub covers: Vec<(String, Vec<String>)>,
    pub passed: usize,
    pub total: usize,
    pub secs: f64,
    pub stdout: String,
    pub stderr: String,
    /// `summary.warnings` of results.json.
    pub warnings: usize,
    /// Every step warning's `pointer`, as `pointer @ context`.
    pub warned: Vec<String>,
    /// Every failed check's `actual`, with its check name (`check: actual`).
    pub failed_checks: Vec<String>,
}

impl SuiteRun {
    pub fn output_tail(&self) -> String {
        let tail = |s: &str| {
            let lines: Vec<&str> = s.lines().collect();
            lines[lines.len().saturating_sub(40)..].join("\n")
        };
        format!(
            "--- stdout (tail)\n{}\n--- stderr (tail)\n{}",
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

/// The scenarios `run` failed that fail again when each is run once more, alone, with the same
/// variants (no fault), its config and reports in `dir`. Timing-bound scenarios (the webhook
/// retry schedule) can miss their window on a loaded 2-core machine; a real failure fails both
/// times. `label` names the run in what is printed.
pub fn failing_again<'r>(
    run: &'r SuiteRun,
    dir: &Path,
    variants: &[&str],
    label: &str,
) -> Vec<&'r String> {
    run.failed
        .iter()
        .filter(|id| {
            let name = id.split("::").last().unwrap_or(id);
            let again = run_suite_with(dir, &[], variants, &["--filter", name]);
            println!(
                "  {label} -> {id} failed, alone again: exit {:?}",
                again.code
            );
            again.code != Some(0) || again.total == 0
        })
        .collect()
}

/// The suite's folder: `scenarios`, or `SUITE_SCENARIOS` (e.g. an older copy, to count what
/// it missed).
pub fn suite_dir() -> String {
    std::env::var("SUITE_SCENARIOS").unwrap_or_else(|_| "scenarios".into())
}

/// Runs the whole suite ([`suite_dir`]) against the embedded sandbox with `faults` on; `dir`
/// receives the config copy and the reports.
pub fn run_suite(dir: &Path, faults: &[&str], extra: &[&str]) -> SuiteRun {
    run_suite_with(dir, faults, &[], extra)
}

/// [`run_suite`] with allowed sandbox variants switched on as well.
pub fn run_suite_with(dir: &Path, faults: &[&str], variants: &[&str], extra: &[&str]) -> SuiteRun {
    run_paths_with(dir, faults, variants, extra, &[suite_dir()])
}

/// [`run_suite`] for some scenario files or folders only.
pub fn run_paths(dir: &Path, faults: &[&str], extra: &[&str], paths: &[String]) -> SuiteRun {
    run_paths_with(dir, faults, &[], extra, paths)
}

/// [`run_paths`] with allowed sandbox variants switched on as well.
pub fn run_paths_with(
    dir: &Path,
    faults: &[&str],
    variants: &[&str],
    extra: &[&str],
    paths: &[String],
) -> SuiteRun {
    std::fs::create_dir_all(dir).expect("run dir");
    let config: PathBuf = dir.join("conform.yaml");
    std::fs::write(&config, config_with(faults, variants)).expect("write config");
    let reports = dir.join("reports");
    let t0 = Instant::now();
    let out = conform()
        .arg("--color")
        .arg("never")
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg("--report-dir")
        .arg(&reports)
        .args(extra)
        .args(paths)
        .output()
        .expect("run conform");
    let secs = t0.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let results = std::fs::read_to_string(reports.join("results.json")).unwrap_or_else(|e| {
        panic!(
            "no results.json for faults {faults:?} ({e}); exit {:?}\n{stdout}\n{stderr}",
            out.status.code()
        )
    });
    let json: serde_json::Value = serde_json::from_str(&results).expect("results.json is JSON");
    let scenarios = json["scenarios"]
        .as_array()
        .expect("results.json: scenarios");
    let covers_of = |s: &serde_json::Value| -> Vec<String> {
        s["covers"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let covers = scenarios
        .iter()
        .filter_map(|s| Some((s["file"].as_str()?.to_string(), covers_of(s))))
        .collect();
    let failed_covers: Vec<(String, Vec<String>)> = scenarios
        .iter()
        .filter(|s| matches!(s["outcome"].as_str(), Some("failed" | "errored")))
        .map(|s| (s["id"].as_str().unwrap_or("?").to_string(), covers_of(s)))
        .collect();
    let failed = failed_covers.iter().map(|(id, _)| id.clone()).collect();
    let passed = scenarios
        .iter()
        .filter(|s| s["outcome"].as_str() == Some("passed"))
        .count();
    let steps = || {
        scenarios
            .iter()
            .flat_map(|s| s["steps"].as_array().into_iter().flatten())
    };
    let warned = steps()
        .flat_map(|st| st["warnings"].as_array().into_iter().flatten())
        .map(|w| {
            format!(
                "{} @ {}",
                w["pointer"].as_str().unwrap_or("?"),
                w["context"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let failed_checks = steps()
        .flat_map(|st| st["checks"].as_array().into_iter().flatten())
        .filter(|c| c["passed"] == serde_json::Value::Bool(false))
        .map(|c| {
            format!(
                "{}: {}",
                c["check"].as_str().unwrap_or("?"),
                c["actual"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let warnings = json["summary"]["warnings"].as_u64().unwrap_or(0) as usize;
    SuiteRun {
        code: out.status.code(),
        failed,
        failed_covers,
        covers,
        passed,
        total: scenarios.len(),
        secs,
        stdout,
        stderr,
        warnings,
        warned,
        failed_checks,
    }
}
