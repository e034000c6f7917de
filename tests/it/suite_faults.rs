//! Every rule bites: for every deliberate contract violation the reference sandbox can switch
//! on (`conform sandbox --fault list`: fault, rule id, what it does), the suite run against the
//! embedded sandbox with that fault fails (exit 1), and among the failed scenarios is one that
//! `covers` the fault's rule id — a fault caught only by accident elsewhere does not count.
//! The control run first: the whole suite with no fault passes (exit 0; a scenario that
//! fails is run once more alone, since a loaded machine can make a timing window miss); its
//! `results.json` also says which files hold the scenarios covering each rule. Each fault then
//! runs, from those files, the scenarios that cover its rule (`conform run --covers RULE`;
//! `SUITE_FAULTS_WHOLE=1`: the whole suite, which also counts the other scenarios a fault
//! fails; it takes several times longer).
//!
//! Each run gets a temporary copy of `conform.yaml` whose `local` environment has
//! `embedded_sandbox.faults: [NAME]` (paths made absolute) and its own report folder; the
//! failed scenarios and their `covers` are read from `results.json`. Runs are mostly waiting
//! (tokens, webhook windows, the latency fault), so a few of them share the cores at once.
//!
//! `cargo test --test it suite_faults -- --nocapture` prints the table (fault, rule id, caught,
//! catching scenarios). `SUITE_FAULTS=name,name` runs only those faults (and the control run);
//! `SUITE_FAULTS_TABLE=PATH` also writes the table as JSON (for `docs/contract-rules.md`);
//! `SUITE_FAULTS_WORKERS=N` runs N at once; `SUITE_SCENARIOS=DIR` runs another copy of the
//! suite (e.g. an older one, to count the faults it missed).

use crate::suite_support::*;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Runs at once (`SUITE_FAULTS_WORKERS` overrides).
const WORKERS: usize = 4;
/// Scenarios at once inside one run (they mostly wait on the network).
const JOBS: &str = "8";

/// One row of the fault table.
struct Row {
    fault: String,
    rule: String,
    /// `None`: no scenario covers the rule, so nothing ran.
    run: Option<SuiteRun>,
}

impl Row {
    /// Failed scenarios that cover the fault's rule.
    fn catching(&self) -> Vec<&str> {
        self.run
            .iter()
            .flat_map(|run| run.failed_covers.iter())
            .filter(|(_, covers)| covers.contains(&self.rule))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    fn failed(&self) -> Vec<&str> {
        self.run
            .iter()
            .flat_map(|run| run.failed.iter().map(String::as_str))
            .collect()
    }

    /// Failed scenarios that do not cover the fault's rule: what else the fault broke.
    fn collateral(&self) -> Vec<&str> {
        let catching = self.catching();
        self.failed()
            .into_iter()
            .filter(|id| !catching.contains(id))
            .collect()
    }

    fn caught(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.code == Some(1)) && !self.catching().is_empty()
    }
}

#[test]
fn every_sandbox_fault_is_caught_by_a_scenario_covering_its_rule() {
    let all = fault_list();
    assert!(
        all.len() >= 100,
        "`conform sandbox --fault list` listed only {} faults",
        all.len()
    );
    let only: Option<Vec<String>> = std::env::var("SUITE_FAULTS")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split(',').map(|f| f.trim().to_string()).collect());
    let faults: Vec<(String, String)> = all
        .into_iter()
        .filter(|(f, _)| only.as_ref().is_none_or(|o| o.contains(f)))
        .collect();
    let tmp = tempfile::tempdir().expect("temp dir");
    let t0 = Instant::now();

    // The control run first, alone: the whole suite with no fault switched on. It also says
    // which files hold the scenarios that cover each rule.
    let control = run_suite(&tmp.path().join("clean"), &[], &["--jobs", JOBS]);
    println!(
        "(none: control run) -> exit {:?} in {:.1} s",
        control.code, control.secs
    );
    let mut problems = Vec::new();
    // A scenario the clean run failed may have missed a timing window on a loaded machine:
    // it counts only when it fails again, alone.
    let still_failing = failing_again(&control, &tmp.path().join("clean-again"), &[], "clean");
    let run_wide_failure = control.code != Some(0) && control.failed.is_empty();
    if control.code.is_none() || run_wide_failure || !still_failing.is_empty() {
        problems.push(format!(
            "clean run: expected exit 0 and no failed scenario, got exit {:?}, failed {:?}\n{}",
            control.code,
            control.failed,
            control.output_tail()
        ));
    }
    let whole = std::env::var("SUITE_FAULTS_WHOLE").is_ok_and(|v| v == "1");
    let files_covering = |rule: &str| -> Vec<String> {
        let mut files: Vec<String> = control
            .covers
            .iter()
            .filter(|(_, covers)| covers.iter().any(|c| c == rule))
            .map(|(file, _)| file.clone())
            .collect();
        files.sort();
        files.dedup();
        files
    };

    // Each fault runs the files that hold a scenario covering its rule (the whole suite with
    // `SUITE_FAULTS_WHOLE=1`); the slow ones first, so they do not end up alone at the tail.
    let mut work: VecDeque<(String, String, Vec<String>)> = VecDeque::new();
    let slow = |f: &str| f == "latency" || f.starts_with("webhook-") || f.starts_with("token-");
    let ordered = faults
        .iter()
        .filter(|(f, _)| slow(f))
        .chain(faults.iter().filter(|(f, _)| !slow(f)));
    for (fault, rule) in ordered {
        let paths = if whole {
            vec![suite_dir()]
        } else {
            files_covering(rule)
        };
        work.push_back((fault.clone(), rule.clone(), paths));
    }
    let queue = Arc::new(Mutex::new(work));
    let results = Arc::new(Mutex::new(Vec::new()));
    let dir = tmp.path().to_path_buf();
    let workers = std::env::var("SUITE_FAULTS_WORKERS")
        .ok()
        .and_then(|w| w.parse::<usize>().ok())
        .filter(|w| *w > 0)
        .unwrap_or(WORKERS);
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let queue = queue.clone();
            let results = results.clone();
            let dir = dir.clone();
            std::thread::spawn(move || loop {
                let Some((fault, rule, paths)) = queue.lock().unwrap().pop_front() else {
                    return;
                };
                let run = if paths.is_empty() {
                    None
                } else {
                    // Only the scenarios covering the rule: the ones that may catch it.
                    let covers: &[&str] = if whole { &[] } else { &["--covers", &rule] };
                    Some(run_paths(
                        &dir.join(&fault),
                        &[fault.as_str()],
                        &[&["--jobs", JOBS], covers].concat(),
                        &paths,
                    ))
                };
                results.lock().unwrap().push(Row { fault, rule, run });
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
    let mut rows = std::mem::take(&mut *results.lock().unwrap());
    assert_eq!(rows.len(), faults.len(), "every run reported");
    // In catalog order.
    rows.sort_by_key(|r| faults.iter().position(|(f, _)| *f == r.fault));

    println!(
        "\n{} faults, {} rules, {:.1} s in all\n",
        rows.len(),
        {
            let mut rules: Vec<&str> = rows.iter().map(|r| r.rule.as_str()).collect();
            rules.sort_unstable();
            rules.dedup();
            rules.len()
        },
        t0.elapsed().as_secs_f64()
    );
    println!(
        "| Fault | Rule | Caught | Catching scenarios | Also failed (not covering the rule) |"
    );
    println!("|---|---|---|---|---|");
    for row in &rows {
        let catching = row.catching();
        let collateral = row.collateral();
        println!(
            "| `{}` | `{}` | {} | {} | {} |",
            row.fault,
            row.rule,
            if row.caught() { "yes" } else { "**no**" },
            if catching.is_empty() {
                "none".to_string()
            } else {
                catching.join("<br>")
            },
            match collateral.len() {
                0 => "none".to_string(),
                n if n <= 3 => collateral.join("<br>"),
                n => format!("{}<br>and {} more", collateral[..3].join("<br>"), n - 3),
            },
        );
        if !row.caught() {
            problems.push(match &row.run {
                None => format!(
                    "fault `{}`: no scenario covers its rule {}",
                    row.fault, row.rule
                ),
                Some(run) => format!(
                    "fault `{}` (rule {}): exit {:?}; no failed scenario covers {} (failed: {:?})\n{}",
                    row.fault,
                    row.rule,
                    run.code,
                    row.rule,
                    run.failed,
                    run.output_tail()
                ),
            });
        }
    }
    if let Ok(path) = std::env::var("SUITE_FAULTS_TABLE") {
        let table: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "fault": r.fault,
                    "rule": r.rule,
                    "caught": r.caught(),
                    "catching": r.catching(),
                    "failed": r.failed(),
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&table).expect("table as JSON");
        std::fs::write(&path, text).expect("write SUITE_FAULTS_TABLE");
    }
    let missed = rows.iter().filter(|r| !r.caught()).count();
    println!("\ncaught {} of {} faults", rows.len() - missed, rows.len());
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
