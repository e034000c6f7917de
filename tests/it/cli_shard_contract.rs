//! Sharded runs against the real contract: the merged report judges contract coverage and
//! `--min-coverage` over the whole run, not over whichever shard came first (a shard records
//! the bar without judging its own partial coverage).

use crate::suite_support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const FILES: [&str; 2] = ["scenarios/orders.yaml", "scenarios/errors-headers.yaml"];

/// Runs `FILES` against the embedded sandbox; returns the exit code and results.json.
fn run(config: &Path, reports: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let out = conform()
        .args(["--color", "never", "--config"])
        .arg(config)
        .arg("run")
        .arg("--report-dir")
        .arg(reports)
        .args(extra)
        .args(FILES)
        .output()
        .expect("run conform");
    let text = std::fs::read_to_string(reports.join("results.json")).unwrap_or_else(|e| {
        panic!(
            "no results.json ({e})\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code(),
        serde_json::from_str(&text).expect("results.json is JSON"),
    )
}

fn covered_ids(results: &Value) -> BTreeSet<String> {
    ["responses", "error_codes", "webhook_events"]
        .iter()
        .flat_map(|s| {
            results["coverage"][*s]["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|i| i["count"].as_u64().unwrap_or(0) > 0)
        .map(|i| i["id"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The run-wide verdicts of `kind` (`sla`, `coverage`).
fn verdict<'a>(results: &'a Value, kind: &str) -> Vec<&'a Value> {
    results["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["kind"] == kind)
        .collect()
}

#[test]
fn merged_shards_judge_coverage_over_the_whole_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let config = tmp.path().join("conform.yaml");
    std::fs::write(&config, config_with_faults(&[])).expect("write config");

    // The whole run sets the bar: its own coverage, to one decimal, minus a little.
    let (code, whole) = run(&config, &tmp.path().join("whole"), &[]);
    assert_eq!(code, Some(0), "the clean run passes");
    let cov = &whole["coverage"];
    let percent =
        cov["covered"].as_f64().expect("covered") * 100.0 / cov["total"].as_f64().expect("total");
    let min = format!("{:.1}", percent - 0.1);

    let mut args = vec!["report".to_string(), "merge".to_string()];
    for k in 1..=4 {
        let dir = tmp.path().join(format!("shard{k}"));
        let (code, part) = run(
            &config,
            &dir,
            &["--shard", &format!("{k}/4"), "--min-coverage", &min],
        );
        // A shard covers only part of the contract: it records the bar and leaves the
        // judgement to the merge, so a clean shard passes.
        assert!(
            verdict(&part, "coverage").is_empty(),
            "shard {k} judged its own partial coverage"
        );
        assert_eq!(code, Some(0), "shard {k}: a clean shard passes");
        assert_eq!(
            part["coverage"]["min_percent"].as_f64(),
            min.parse::<f64>().ok(),
            "shard {k} records the bar for the merge"
        );
        args.push(dir.join("results.json").display().to_string());
    }

    let out_dir = tmp.path().join("merged");
    args.extend(["--out".to_string(), out_dir.display().to_string()]);
    let merge = conform()
        .args(&args)
        .output()
        .expect("run conform report merge");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&merge.stdout),
        String::from_utf8_lossy(&merge.stderr)
    );
    assert!(
        out_dir.join("results.json").exists(),
        "merge wrote nothing:\n{said}"
    );
    let merged: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("results.json")).expect("merged results.json"),
    )
    .expect("JSON");

    // Coverage of the merged run is the coverage of the whole run.
    assert_eq!(covered_ids(&merged), covered_ids(&whole));
    for k in ["covered", "total"] {
        assert_eq!(merged["coverage"][k], whole["coverage"][k], "coverage.{k}");
    }
    // One coverage verdict, judged on the merged coverage: it passes, so does the merge.
    let gate = verdict(&merged, "coverage");
    assert_eq!(gate.len(), 1, "one coverage verdict after the merge");
    assert_eq!(gate[0]["outcome"], "passed", "{:#}", gate[0]);
    assert_eq!(
        merged["summary"]["total"].as_u64(),
        whole["summary"]["total"].as_u64(),
        "every scenario once; the verdict is not a scenario"
    );
    assert_eq!(merge.status.code(), Some(0), "{said}");
}
