//! The shipped suite passes every conforming implementation: run against the embedded sandbox
//! with each allowed variant switched on (`conform sandbox --variant list`), alone and all
//! together, it passes (exit 0, no failed scenario). With `additive-fields` it passes with
//! warnings that name each undocumented property; with `--strict` the same run fails, naming
//! them. (`suite_faults.rs` shows that every fault still fails it.)

use crate::suite_support::*;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Whole-suite runs at once.
const WORKERS: usize = 3;
/// Scenarios at once inside one run.
const JOBS: &str = "8";

/// One whole-suite run: a label, the variants on, and extra `conform run` flags.
struct Job {
    label: String,
    variants: Vec<String>,
    strict: bool,
}

#[test]
fn every_allowed_variant_passes_the_suite_and_additive_fields_warn() {
    let variants = variant_names();
    assert!(
        variants.len() >= 8,
        "`conform sandbox --variant list` listed only {variants:?}"
    );
    for needed in [
        "additive-fields",
        "in-flight-conflict",
        "key-order",
        "chunked",
    ] {
        assert!(variants.iter().any(|v| v == needed), "no variant {needed}");
    }
    let mut work: VecDeque<Job> = variants
        .iter()
        .map(|v| Job {
            label: v.clone(),
            variants: vec![v.clone()],
            strict: false,
        })
        .collect();
    work.push_front(Job {
        label: "all".into(),
        variants: vec!["all".into()],
        strict: false,
    });
    work.push_front(Job {
        label: "additive-fields-strict".into(),
        variants: vec!["additive-fields".into()],
        strict: true,
    });
    let total = work.len();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    let queue = Arc::new(Mutex::new(work));
    let results = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..WORKERS)
        .map(|_| {
            let queue = queue.clone();
            let results = results.clone();
            let dir = dir.clone();
            std::thread::spawn(move || loop {
                let Some(job) = queue.lock().unwrap().pop_front() else {
                    return;
                };
                let vs: Vec<&str> = job.variants.iter().map(String::as_str).collect();
                // The `sla` scenario measures this (busy) machine, which no variant changes;
                // `suite_faults.rs` and `cli_contract.rs` cover latency.
                let mut extra = vec!["--jobs", JOBS, "--exclude-tag", "sla"];
                if job.strict {
                    extra.push("--strict");
                }
                let run = run_suite_with(&dir.join(&job.label), &[], &vs, &extra);
                results.lock().unwrap().push((job, run));
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
    let results = std::mem::take(&mut *results.lock().unwrap());
    assert_eq!(results.len(), total, "every run reported");

    let mut problems = Vec::new();
    for (job, run) in &results {
        println!(
            "  {} -> exit {:?}, {}/{} passed, {} warnings in {:.1} s",
            job.label, run.code, run.passed, run.total, run.warnings, run.secs
        );
        let additive = job
            .variants
            .iter()
            .any(|v| v == "additive-fields" || v == "all");
        if job.strict {
            if run.code != Some(1) || run.failed.is_empty() {
                problems.push(format!(
                    "{}: expected the strict run to fail, got exit {:?}\n{}",
                    job.label,
                    run.code,
                    run.output_tail()
                ));
            }
            let undocumented: Vec<&String> = run
                .failed_checks
                .iter()
                .filter(|c| c.starts_with("contract undocumented properties"))
                .collect();
            // A strict failure ends its scenario, so webhook steps are not reached: the
            // properties named are those of responses (orders, errors, tokens).
            for property in ["/links", "/object", "/documentation_url", "/issued_at"] {
                if !undocumented.iter().any(|c| c.contains(property)) {
                    problems.push(format!(
                        "{}: no failed check names {property}: {undocumented:?}",
                        job.label
                    ));
                }
            }
            continue;
        }
        // Timing-bound scenarios (the webhook retry schedule) can miss their tolerance on a
        // loaded 2-core machine: a failed scenario is run once more, alone. An answer that a
        // variant makes wrong fails both times.
        let vs: Vec<&str> = job.variants.iter().map(String::as_str).collect();
        let still_failing = failing_again(
            run,
            &dir.join(format!("{}-again", job.label)),
            &vs,
            &job.label,
        );
        let run_wide_failure = run.code != Some(0) && run.failed.is_empty();
        if run.code.is_none() || run_wide_failure || !still_failing.is_empty() {
            problems.push(format!(
                "variant {}: expected exit 0 and no failed scenario, got exit {:?}, failed {:?}\n{}",
                job.label,
                run.code,
                run.failed,
                run.output_tail()
            ));
        }
        if run.total < 60 {
            problems.push(format!(
                "variant {}: only {} scenarios ran",
                job.label, run.total
            ));
        }
        if additive {
            // Orders (and those in lists), error bodies, nested objects, webhook payloads.
            for (property, context) in [
                ("/links", "#/components/schemas/Order"),
                ("/data/0/links", "listOrders"),
                ("/documentation_url", "Error"),
                ("/items/0/metadata", "#/components/schemas/Order"),
                ("/api_version", "webhook order.created"),
            ] {
                if !run
                    .warned
                    .iter()
                    .any(|w| w.starts_with(&format!("{property} @")) && w.contains(context))
                {
                    problems.push(format!(
                        "variant {}: no warning names {property} in {context}",
                        job.label
                    ));
                }
            }
            if !run.stdout.contains("warning: undocumented property /links") {
                problems.push(format!(
                    "variant {}: the console does not show the warnings\n{}",
                    job.label,
                    run.output_tail()
                ));
            }
        } else if run.warnings != 0 {
            problems.push(format!(
                "variant {}: {} warnings, none expected: {:?}",
                job.label,
                run.warnings,
                run.warned.iter().take(5).collect::<Vec<_>>()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
