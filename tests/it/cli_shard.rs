//! `--shard K/N` partitions the selection stably; four shards merged with `conform report
//! merge` give the same verdicts and counts as one run; `report render` redraws from a file.
use crate::common::*;
use std::collections::BTreeMap;

fn verdicts(v: &serde_json::Value) -> BTreeMap<String, String> {
    v["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or("").to_string(),
                s["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn four_shards_merged_equal_one_run() {
    let server = start_server();
    let p = Project::new(&server.url());
    let mut yaml = String::from("scenarios:\n");
    for i in 0..24 {
        let status = if i % 5 == 0 { 500 } else { 200 };
        yaml.push_str(&format!(
            "  - name: s{i}\n    steps:\n      - request: {{method: GET, path: /status/{status}}}\n        expect: {{status: 200}}\n"
        ));
    }
    yaml.push_str("  - name: skipped one\n    requires: [nothing-here]\n    steps: [{request: {method: GET, path: /order}}]\n");
    p.file("scenarios/many.yaml", &yaml);
    let whole = p.run(&["run", "--report-dir", "whole"]);
    assert_eq!(whole.code, 1);
    let whole: serde_json::Value =
        serde_json::from_str(&p.read("whole/results.json")).expect("json");
    let mut inputs = Vec::new();
    let mut seen = 0;
    for k in 1..=4 {
        let dir = format!("shard{k}");
        let out = p.run(&["run", "--shard", &format!("{k}/4"), "--report-dir", &dir]);
        assert!(
            out.code == 0 || out.code == 1,
            "{}{}",
            out.stdout,
            out.stderr
        );
        let part: serde_json::Value =
            serde_json::from_str(&p.read(&format!("{dir}/results.json"))).expect("json");
        let n = part["scenarios"].as_array().map_or(0, Vec::len);
        assert!(n > 0, "every shard gets some of 25 scenarios");
        seen += n;
        inputs.push(format!("{dir}/results.json"));
    }
    assert_eq!(seen, 25, "the shards partition the selection");
    let mut args = vec!["report", "merge"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["--out", "merged"]);
    let merged_run = p.run(&args);
    assert_eq!(
        merged_run.code, 1,
        "{}{}",
        merged_run.stdout, merged_run.stderr
    );
    let merged: serde_json::Value =
        serde_json::from_str(&p.read("merged/results.json")).expect("json");
    assert_eq!(verdicts(&merged), verdicts(&whole));
    for k in ["total", "passed", "failed", "errored", "skipped", "not_run"] {
        assert_eq!(merged["summary"][k], whole["summary"][k], "summary.{k}");
    }
    assert!(p.read("merged/junit.xml").contains("<testsuites"));

    let render = p.run(&["report", "render", "whole/results.json", "--out", "again"]);
    assert_eq!(render.code, 1);
    let again: serde_json::Value =
        serde_json::from_str(&p.read("again/results.json")).expect("json");
    assert_eq!(verdicts(&again), verdicts(&whole));
    assert!(p.dir.path().join("again/report.html").exists());

    let bad = p.run(&["run", "--shard", "5/4"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
