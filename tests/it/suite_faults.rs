//! The shipped suite bites: for every deliberate contract violation the reference sandbox can
//! switch on (`conform sandbox --fault list`), the whole suite run against the embedded sandbox
//! with that fault fails (exit 1) and names the scenarios that caught it; with no fault, the
//! same configuration passes (exit 0).
//!
//! Each run gets a temporary copy of `conform.yaml` whose `local` environment has
//! `embedded_sandbox.faults: [NAME]` (paths made absolute) and its own report folder; the
//! failed scenario ids are read from `results.json`. Runs are mostly waiting (tokens, webhook
//! windows, the latency fault), so a few of them share the 2 cores at once.

use crate::suite_support::*;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Whole-suite runs at once.
const WORKERS: usize = 4;
/// Scenarios at once inside one run (they mostly wait on the network).
const JOBS: &str = "8";

#[test]
fn every_sandbox_fault_is_caught_by_the_suite() {
    let faults = fault_names();
    assert!(
        faults.len() >= 18,
        "`conform sandbox --fault list` listed only {faults:?}"
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let t0 = Instant::now();

    // `None` is the control run: the same configuration path with no fault switched on.
    let mut work: VecDeque<Option<String>> = VecDeque::new();
    work.push_back(None);
    // The slow ones first, so they do not end up alone at the tail.
    let slow = [
        "latency",
        "webhook-bad-signature",
        "webhook-stale-timestamp",
        "webhook-missing",
    ];
    for f in faults.iter().filter(|f| slow.contains(&f.as_str())) {
        work.push_back(Some(f.clone()));
    }
    for f in faults.iter().filter(|f| !slow.contains(&f.as_str())) {
        work.push_back(Some(f.clone()));
    }
    let queue = Arc::new(Mutex::new(work));
    let results = Arc::new(Mutex::new(Vec::new()));
    let dir = tmp.path().to_path_buf();
    let handles: Vec<_> = (0..WORKERS)
        .map(|_| {
            let queue = queue.clone();
            let results = results.clone();
            let dir = dir.clone();
            std::thread::spawn(move || loop {
                let Some(item) = queue.lock().unwrap().pop_front() else {
                    return;
                };
                let label = item.clone().unwrap_or_else(|| "clean".into());
                let faults: Vec<&str> = item.iter().map(String::as_str).collect();
                let run = run_suite(&dir.join(&label), &faults, &["--jobs", JOBS]);
                results.lock().unwrap().push((item, run));
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let mut problems = Vec::new();
    println!(
        "fault -> scenarios that failed ({:.1} s in all)",
        t0.elapsed().as_secs_f64()
    );
    for (fault, run) in &results {
        match fault {
            None => {
                println!("  (none) -> exit {:?} in {:.1} s", run.code, run.secs);
                if run.code != Some(0) || !run.failed.is_empty() {
                    problems.push(format!(
                        "clean run: expected exit 0 and no failed scenario, got exit {:?}, failed {:?}\n{}",
                        run.code, run.failed, run.output_tail()
                    ));
                }
            }
            Some(f) => {
                println!(
                    "  {f} -> exit {:?} in {:.1} s, {} failed: {}",
                    run.code,
                    run.secs,
                    run.failed.len(),
                    run.failed.join("; ")
                );
                if run.code != Some(1) {
                    problems.push(format!(
                        "fault `{f}`: expected exit 1, got {:?}\n{}",
                        run.code,
                        run.output_tail()
                    ));
                }
                if run.failed.is_empty() {
                    problems.push(format!(
                        "fault `{f}`: no scenario failed, the suite does not catch it\n{}",
                        run.output_tail()
                    ));
                }
            }
        }
    }
    assert_eq!(results.len(), faults.len() + 1, "every run reported");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
