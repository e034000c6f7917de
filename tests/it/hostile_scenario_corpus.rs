//! Data-driven: every `tests/corpus/<case>/scenario.yaml` is a broken scenario file, and
//! `tests/corpus/<case>/expected.txt` is the exact stderr of `conform validate` for it (exit
//! code 2, the temporary project folder written as `$PROJECT`). A case may bring
//! `fixtures/` of its own.
//!
//! `UPDATE_EXPECT=1 cargo test --test it hostile_scenario_corpus` rewrites the expected files;
//! review the diff before committing it.
use crate::common::Project;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Runs `conform validate` on one case; returns its normalised stderr.
fn validate(case: &Path) -> String {
    let p = Project::new("http://127.0.0.1:9");
    let source = std::fs::read_to_string(case.join("scenario.yaml")).expect("scenario.yaml");
    p.file("scenarios/scenario.yaml", &source);
    if case.join("fixtures").is_dir() {
        copy_dir(&case.join("fixtures"), &p.dir.path().join("fixtures"));
    }
    let started = std::time::Instant::now();
    let out = p.run(&["validate"]);
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(5),
        "{}: validate took {took:?}",
        case.display()
    );
    assert_eq!(
        out.code,
        2,
        "{}: exit code\nstdout: {}\nstderr: {}",
        case.display(),
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}: {}", case.display(), out.stdout);
    let root = p.dir.path().to_string_lossy().into_owned();
    let canonical = std::fs::canonicalize(p.dir.path())
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_else(|_| root.clone());
    out.stderr
        .replace(&canonical, "$PROJECT")
        .replace(&root, "$PROJECT")
}

#[test]
fn every_broken_file_gets_its_exact_diagnostics() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("scenario.yaml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 12, "the corpus has {} cases", cases.len());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut mismatches = Vec::new();
    for case in &cases {
        let got = validate(case);
        let expected_path = case.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &got).expect("write expected.txt");
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing (UPDATE_EXPECT=1 writes it)",
                expected_path.display()
            )
        });
        if got != want {
            mismatches.push(format!(
                "--- {}\n--- expected:\n{want}\n--- got:\n{got}",
                case.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}
