//! conform for an API that is not the Orders API: a third-party server installed from a
//! registry by this test — Prism (`@stoplight/prism-cli` from npm) mocking the Books API of
//! `tests/anyapi/openapi.yaml` — with the contract, config and scenarios kept in
//! `tests/anyapi/`. Covers `conform init` end to end and the defects of issue 18 that only
//! show against a real, foreign server (XML by default, problem+json error codes, paths
//! resolved from the config's folder, passed contract checks, rendered step names).
//!
//! Prism comes from `$VALIDATORS_NODE/node_modules` when `scripts/install-validators.sh`
//! put it there (default `/tmp/vnode`), else it is installed with npm under the target
//! folder. Without `node`/`npm` the test fails in CI (`CI` set) and is skipped elsewhere.
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

const PRISM_VERSION: &str = "5.14.2";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn anyapi() -> PathBuf {
    repo().join("tests/anyapi")
}

/// The `prism` executable, installing it once when it is missing; `Err` says why it cannot be.
fn prism() -> Result<PathBuf, String> {
    static PRISM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PRISM.get_or_init(install_prism).clone()
}

fn install_prism() -> Result<PathBuf, String> {
    let shared =
        PathBuf::from(std::env::var("VALIDATORS_NODE").unwrap_or_else(|_| "/tmp/vnode".into()))
            .join("node_modules/.bin/prism");
    if shared.exists() {
        return Ok(shared);
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prism");
    let bin = dir.join("node_modules/.bin/prism");
    if bin.exists() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let out = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&dir)
        .arg(format!("@stoplight/prism-cli@{PRISM_VERSION}"))
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !out.status.success() || !bin.exists() {
        return Err(format!(
            "npm install @stoplight/prism-cli@{PRISM_VERSION} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

/// Prism mocking `contract`, on 127.0.0.1 and a free port; stopped on drop.
struct Prism {
    child: Child,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Prism cannot be told to take any free port and say which: a port is picked and handed
/// over, and a race with another process is retried.
fn start_prism(contract: &Path) -> Option<Prism> {
    // A few Prism processes at once are enough on a small machine.
    static STARTING: Mutex<()> = Mutex::new(());
    let bin = match prism() {
        Ok(b) => b,
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "Prism is needed in CI: {why}"
            );
            eprintln!("skipped: {why}");
            return None;
        }
    };
    let _guard = STARTING.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut child = Command::new(&bin)
            .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
            .arg(contract)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("prism starts");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Prism is listening") {
                    let _ = tx.send(true);
                }
            }
            let _ = tx.send(false);
        });
        match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(true) => {
                return Some(Prism {
                    child,
                    url: format!("http://127.0.0.1:{port}"),
                })
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
    panic!("Prism did not start on a free port in 3 tries");
}

fn conform(cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conform"));
    cmd.current_dir(cwd)
        .args(args)
        .env_remove("CONFORM_CONFIG")
        .env("NO_COLOR", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("conform runs")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn results(dir: &Path) -> Value {
    let raw = std::fs::read_to_string(dir.join("results.json")).expect("results.json written");
    serde_json::from_str(&raw).expect("results.json is JSON")
}

fn all_checks(r: &Value) -> Vec<&Value> {
    r["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["steps"].as_array().into_iter().flatten())
        .flat_map(|st| st["checks"].as_array().into_iter().flatten())
        .collect()
}

#[test]
fn conform_init_writes_a_suite_that_validates_and_passes_against_prism() {
    let Some(prism) = start_prism(&anyapi().join("openapi.yaml")) else {
        return;
    };
    let project = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let contract = project.path().join("openapi.yaml");
    std::fs::copy(anyapi().join("openapi.yaml"), &contract).expect("copy");
    let dir = project.path().to_str().expect("utf-8 path");

    let out = conform(
        project.path(),
        &[
            "init",
            "--contract",
            "openapi.yaml",
            "--base-url",
            &prism.url,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for f in [
        "conform.yaml",
        "scenarios/books.yaml",
        "scenarios/authors.yaml",
    ] {
        assert!(
            project.path().join(f).is_file(),
            "{f} not written\n{}",
            text(&out)
        );
    }
    let books = std::fs::read_to_string(project.path().join("scenarios/books.yaml")).expect("read");
    assert!(books.contains("covers: [\"getBook-200\"]"), "{books}");
    assert!(books.contains("path: \"/books/1\""), "{books}");

    // Run from another folder: everything the config names resolves from the config's folder.
    let config = format!("{dir}/conform.yaml");
    let out = conform(elsewhere.path(), &["validate", "--config", &config], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 file(s), 5 scenario(s): no problems"),
        "{}",
        text(&out)
    );
    let reports = elsewhere.path().join("reports");
    let out = conform(
        elsewhere.path(),
        &[
            "run",
            "--config",
            &config,
            "--report-dir",
            reports.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let console = String::from_utf8_lossy(&out.stdout);
    // A contract without webhooks or an error-code enum has no such coverage to report.
    assert!(
        console.contains("documented responses)") && !console.contains("webhook events"),
        "{console}"
    );
    let r = results(&reports);
    assert_eq!(r["summary"]["passed"], 5, "{}", text(&out));
    let coverage = &r["coverage"];
    assert!(coverage.get("webhook_events").is_none(), "{coverage:#}");
    assert!(coverage.get("error_codes").is_none(), "{coverage:#}");
    let ids: Vec<&str> = r["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"scenarios/books.yaml::getBook answers 200"),
        "ids stay relative to the config's folder: {ids:?}"
    );

    // Never over an existing file.
    let before = std::fs::read_to_string(project.path().join("conform.yaml")).expect("read");
    let out = conform(project.path(), &["init", "--contract", "openapi.yaml"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"),
        "{}",
        text(&out)
    );
    let after = std::fs::read_to_string(project.path().join("conform.yaml")).expect("read");
    assert_eq!(before, after);
}

#[test]
fn the_shipped_books_suite_passes_against_prism_from_any_folder() {
    let Some(prism) = start_prism(&anyapi().join("openapi.yaml")) else {
        return;
    };
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let config = anyapi().join("conform.yaml");
    let config = config.to_str().expect("utf-8");
    let reports = elsewhere.path().join("out");
    let out = conform(
        elsewhere.path(),
        &[
            "run",
            "--config",
            config,
            "--report-dir",
            reports.to_str().expect("utf-8"),
        ],
        &[("BOOKS_BASE_URL", &prism.url)],
    );
    // Before `Accept: application/json` was a default, Prism answered GET /books/1 in XML.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = results(&reports);
    assert_eq!(r["summary"]["passed"], 7, "{}", text(&out));

    // Problem bodies: the error code is the `type` member (contract_options.error_code).
    let codes = &r["coverage"]["error_codes"];
    assert_eq!(
        (codes["total"].as_u64(), codes["covered"].as_u64()),
        (Some(2), Some(2)),
        "{codes:#}"
    );

    // Passed contract checks are kept: which operation, status and schema were checked.
    let checks = all_checks(&r);
    let passed: Vec<&str> = checks
        .iter()
        .filter(|c| c["passed"] == true)
        .filter_map(|c| c["check"].as_str())
        .collect();
    for want in [
        "contract operation: GET /books/1",
        "contract status: GET /books/1",
        "contract body: GET /books/1",
    ] {
        assert!(passed.contains(&want), "no passed `{want}` in {passed:?}");
    }
    assert!(
        !passed.iter().any(|c| c.contains("contract contract")),
        "{passed:?}"
    );

    // An unnamed teardown step is named by the request it sent, not by its template.
    let steps: Vec<&str> = r["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .flat_map(|s| s["steps"].as_array().into_iter().flatten())
        .filter_map(|st| st["name"].as_str())
        .collect();
    assert!(steps.contains(&"DELETE /books/2"), "{steps:?}");
    assert!(!steps.iter().any(|s| s.contains("{{")), "{steps:?}");

    // Paths from the config's folder: listing works from anywhere, ids stay relative.
    let out = conform(elsewhere.path(), &["list", "--config", config], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("scenarios/books.yaml::a book is JSON by default"),
        "{listed}"
    );
}

#[test]
fn without_the_json_default_prism_answers_xml() {
    // The same suite with the default removed at environment level: the JSON expectation
    // fails, which shows the default is what makes it pass (and that `null` removes it).
    let Some(prism) = start_prism(&anyapi().join("openapi.yaml")) else {
        return;
    };
    let project = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        anyapi().join("openapi.yaml"),
        project.path().join("openapi.yaml"),
    )
    .expect("copy");
    std::fs::create_dir_all(project.path().join("scenarios")).expect("mkdir");
    std::fs::copy(
        anyapi().join("scenarios/books.yaml"),
        project.path().join("scenarios/books.yaml"),
    )
    .expect("copy");
    std::fs::write(
        project.path().join("conform.yaml"),
        format!(
            "contract: openapi.yaml\ndefault_env: mock\nenvironments:\n  mock:\n    base_url: {}\n    headers: {{Accept: null, X-Request-ID: null}}\n",
            prism.url
        ),
    )
    .expect("write");
    let out = conform(
        project.path(),
        &["run", "--filter", "JSON by default", "--report-dir", "r"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = results(&project.path().join("r"));
    let sent: Vec<String> = r["scenarios"][0]["steps"][0]["exchanges"][0]["request"]["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h[0].as_str().map(str::to_ascii_lowercase))
        .collect();
    assert!(
        !sent.contains(&"accept".to_string()) && !sent.contains(&"x-request-id".to_string()),
        "{sent:?}"
    );
}

/// The README's "Use conform for your own API" block, run by bash exactly as written, in a
/// folder that holds only the contract, with `conform` on PATH and `API_URL` set to Prism.
#[test]
fn the_readme_quick_start_for_your_own_api_runs_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let marker = "<!-- quickstart-own-api";
    let after = &readme[readme.find(marker).expect("the quick start marker")..];
    let start = after.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let block = &after[start..];
    let block = &block[..block.find("```").expect("the block ends")];
    assert!(block.contains("conform init"), "{block}");

    let Some(prism) = start_prism(&anyapi().join("openapi.yaml")) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        anyapi().join("openapi.yaml"),
        dir.path().join("openapi.yaml"),
    )
    .expect("copy");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_conform"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", block])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("API_URL", &prism.url)
        .env_remove("CONFORM_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(dir.path().join("reports/results.json").is_file());
}

/// `conform … | head -1`: a closed stdout is a quiet exit, whatever the command prints.
#[test]
fn a_closed_stdout_is_a_quiet_exit() {
    for args in [
        &["--help"][..],
        &["validate", "--help"],
        &["completions", "bash"],
        &["schema", "scenario"],
        &["man"],
        &["validate"],
        &["list"],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_conform"))
            .current_dir(repo())
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("conform runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
