//! Ctrl-C / SIGTERM during a real run: nothing new starts, the running step is cancelled, its
//! teardown runs, every report is written with unfinished scenarios marked not run, exit 130.
#![cfg(unix)]
use crate::common::*;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn interrupt_run(signal: &str) {
    let server = start_server();
    let before = server.stall_hits.load(Ordering::SeqCst);
    let p = Project::new(&server.url());
    let mut yaml = String::from("scenarios:\n");
    for i in 0..4 {
        yaml.push_str(&format!(
            "  - name: slow {i}\n    timeout: 60s\n    steps:\n      - request: {{method: GET, path: /stall}}\n        timeout: 40s\n    teardown:\n      - name: cleanup {i}\n        request: {{method: GET, path: /order}}\n        expect: {{status: 200}}\n"
        ));
    }
    p.file("scenarios/slow.yaml", &yaml);
    let child = p.spawn(&["run", "--jobs", "1"]);
    // Wait (bounded) until the first request is in flight, then signal.
    let t0 = Instant::now();
    while server.stall_hits.load(Ordering::SeqCst) == before {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the run never reached the target"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let t1 = Instant::now();
    let out = child.wait_with_output().expect("wait");
    assert!(
        t1.elapsed() < Duration::from_secs(15),
        "the interrupted run took too long to stop"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(130),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    let r = p.results();
    assert_eq!(r["interrupted"], true);
    let scenarios = r["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 4);
    assert!(scenarios.iter().all(|s| s["outcome"] == "not_run"), "{r}");
    let first = &scenarios[0];
    let steps = first["steps"].as_array().expect("steps");
    assert!(
        steps
            .iter()
            .any(|s| s["phase"] == "teardown" && s["outcome"] == "passed"),
        "the teardown of the interrupted scenario ran: {first}"
    );
    for s in &scenarios[1..] {
        assert!(
            s["steps"].as_array().is_some_and(|a| a.is_empty()),
            "nothing new started: {s}"
        );
    }
    assert!(
        p.read("reports/junit.xml").contains("not run"),
        "junit marks them"
    );
}

#[test]
fn sigint_writes_partial_reports_and_exits_130() {
    interrupt_run("-INT");
}

#[test]
fn sigterm_likewise() {
    interrupt_run("-TERM");
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let server = start_server();
    let p = Project::new(&server.url());
    // The teardown stalls too, so only the second signal can end the run quickly.
    p.file(
        "scenarios/slow.yaml",
        "scenarios:\n  - name: stuck\n    steps:\n      - request: {method: GET, path: /stall}\n        timeout: 40s\n    teardown:\n      - request: {method: GET, path: /stall}\n        timeout: 40s\n",
    );
    let child = p.spawn(&["run"]);
    let t0 = Instant::now();
    while server.stall_hits.load(Ordering::SeqCst) < 1 {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the run never reached the target"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok);
    };
    kill("-INT");
    // The first signal cancels the step and starts the (stalling) teardown.
    while server.stall_hits.load(Ordering::SeqCst) < 2 {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the teardown never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    kill("-INT");
    let t1 = Instant::now();
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130));
    assert!(
        t1.elapsed() < Duration::from_secs(5),
        "the second Ctrl-C exits at once"
    );
}

#[test]
fn fail_fast_starts_nothing_after_a_failure() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/ff.yaml",
        "scenarios:\n  - name: fails\n    steps:\n      - request: {method: GET, path: /status/500}\n        expect: {status: 200}\n  - name: later 1\n    steps: [{request: {method: GET, path: /order}}]\n  - name: later 2\n    steps: [{request: {method: GET, path: /order}}]\n",
    );
    // Through the library: the results, and the exit code they map to.
    let (result, events) = p.session(|o| {
        o.jobs = Some(1);
        o.fail_fast = true;
    });
    let finished = events.assert_well_formed();
    assert_eq!(finished.len(), 3, "{:?}", events.0);
    assert_eq!(
        conform::cli::exit::code(conform::cli::exit::Ending::Ran(&result)),
        1
    );
    let started = events
        .0
        .iter()
        .filter(|e| matches!(e, Seen::Started(_)))
        .count();
    assert_eq!(
        started, 1,
        "nothing starts after the failure: {:?}",
        events.0
    );
    let r = serde_json::to_value(&result).expect("results as JSON");
    let outcomes: Vec<&str> = r["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["failed", "not_run", "not_run"]);
    assert!(r["scenarios"][1]["reason"]
        .as_str()
        .unwrap_or("")
        .contains("--fail-fast"));
}
