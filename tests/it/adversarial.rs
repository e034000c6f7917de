//! The adversarial test set, command-line part (docs/robustness.md, "Attacks"): the real
//! binary against a hostile target on 127.0.0.1. Each test is one attack from the review and
//! fails without its fix.
use crate::adversarial_support::{start, Subscribe, HANDED_OUT};
use crate::common::Project;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const CLIENT_SECRET: &str = "cs-Adv3rsarialClientSecret-0001";
const PARTNER_KEY: &str = "pk-Adv3rsarialPartnerKey-0002";
const BEARER: &str = "tok-Adv3rsarialBearerToken-0003";

fn conform(p: &Project, args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_conform"));
    c.args(args)
        .current_dir(p.dir.path())
        .env("NO_COLOR", "1")
        .env_remove("CONFORM_CONFIG")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in envs {
        c.env(k, v);
    }
    c
}

fn run(p: &Project, args: &[&str], envs: &[(&str, &str)]) -> Output {
    conform(p, args, envs).output().expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p.display().to_string(), b));
        }
    }
    out
}

/// A failing suite that touches every output path with secrets in it: a secret in a query
/// string, in a header, in an expectation (`{{ client_secret }}`), a secret the target hands
/// out and a check prints, a bearer token the target echoes into the subscription warning. No
/// byte of any secret may appear in stdout, stderr or any report; literal header values are
/// not secrets and stay readable.
#[test]
fn no_secret_reaches_any_output_and_literals_stay_readable() {
    let target = start(Subscribe::Hostile);
    let p = Project::new(&target.url());
    p.file(
        "conform.yaml",
        &format!(
            "default_env: adv\nenvironments:\n  adv:\n    base_url: \"{}\"\n    timeouts: {{request: 3s, connect: 1s, scenario: 20s}}\n    capabilities: [webhooks]\n    headers:\n      Accept: application/json\n      X-Client: conform-qa\n      X-Partner: {{env: ADV_PARTNER_KEY, secret: true}}\n    vars:\n      client_secret: {{env: ADV_CLIENT_SECRET}}\n    auth:\n      bearer: {{token: {{env: ADV_BEARER}}}}\n",
            target.url()
        ),
    );
    p.file(
        "scenarios/leak.yaml",
        "scenarios:\n  - name: leaks everywhere\n    steps:\n      - request: {method: GET, path: \"/echo?token={{ client_secret }}\"}\n        expect:\n          status: 201\n          body:\n            - {path: $.query, equals: \"x {{ client_secret }}\"}\n            - {path: \"$.headers['x-partner']\", equals: other}\n            - {path: \"$.headers.authorization\", equals: other}\n      - request: {method: POST, path: /hand-out, json: {}}\n        expect:\n          body:\n            - {path: $.secret, matches: '^zzz'}\n",
    );
    let summary = p.dir.path().join("step-summary.md");
    let summary_str = summary.display().to_string();
    let out = conform(
        &p,
        &[
            "run",
            "--reporter",
            "console,junit,json,html,tap,github",
            "-v",
        ],
        &[
            ("ADV_CLIENT_SECRET", CLIENT_SECRET),
            ("ADV_PARTNER_KEY", PARTNER_KEY),
            ("ADV_BEARER", BEARER),
        ],
    )
    .env("GITHUB_STEP_SUMMARY", &summary_str)
    .output()
    .expect("runs");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let mut outputs = vec![
        ("stdout".to_string(), out.stdout.clone()),
        ("stderr".to_string(), out.stderr.clone()),
    ];
    outputs.extend(files_under(&p.dir.path().join("reports")));
    outputs.push((
        summary_str.clone(),
        std::fs::read(&summary).unwrap_or_default(),
    ));
    assert!(outputs.len() >= 7, "every reporter wrote: {outputs:?}");
    for secret in [CLIENT_SECRET, PARTNER_KEY, BEARER, HANDED_OUT] {
        for (name, bytes) in &outputs {
            assert!(!text(bytes).contains(secret), "{secret} leaked into {name}");
        }
    }
    // The subscription warning: redacted, one escaped line, bounded.
    let warning = stderr
        .lines()
        .find(|l| l.contains("failed to subscribe the webhook receiver"))
        .expect("the subscription warning");
    assert!(warning.contains("denied for Bearer ***"), "{warning}");
    assert!(warning.contains("\\u{1b}[31m\\r"), "{warning}");
    assert!(warning.len() < 2_000, "{} bytes", warning.len());
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\r'));
    // Literals are not secrets: they read as written.
    let results = p.read("reports/results.json");
    assert!(results.contains("conform-qa"), "X-Client was blanked out");
    assert!(
        results.contains("\"application/json\""),
        "Accept was blanked out"
    );
}

/// The guard reads what scenarios do: a POST, an untagged DELETE, a spaced `Destructive ` tag
/// are refused on production; `--base-url` pointing another environment at the production
/// host keeps the guard on; nothing unsafe reaches the target. `list` says why.
#[test]
fn the_production_guard_refuses_whatever_can_change_the_target() {
    let target = start(Subscribe::Hostile);
    let p = Project::new(&target.url());
    p.file(
        "scenarios/mixed.yaml",
        "scenarios:\n  - name: creates\n    steps:\n      - request: {method: POST, path: /api/v1/orders, json: {}}\n  - name: untagged delete\n    steps:\n      - request: {method: GET, path: /read}\n    teardown:\n      - request: {method: DELETE, path: /api/v1/orders}\n  - name: spaced tag\n    tags: ['Destructive ']\n    steps:\n      - request: {method: GET, path: /read}\n  - name: reads\n    steps:\n      - request: {method: GET, path: /read}\n        expect: {status: 200}\n",
    );
    let listed = run(&p, &["list", "--env", "prod"], &[]);
    let listed = text(&listed.stdout);
    assert!(
        listed.contains("creates  (skipped: refused on production environment `prod`: it sends POST /api/v1/orders (scenarios/mixed.yaml:4:18); pass --allow-destructive to run it)"),
        "{listed}"
    );
    assert!(
        listed.contains("it sends DELETE /api/v1/orders"),
        "{listed}"
    );
    assert!(listed.contains("it is tagged destructive"), "{listed}");
    assert!(listed.contains("4 scenario(s) selected for environment `prod`, 3 would be skipped"));

    // `test` aimed at the production host with --base-url: still production.
    let out = run(
        &p,
        &["run", "--env", "test", "--base-url", &target.url()],
        &[],
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "is the base URL of production environment `prod`: the production guard applies"
        ),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r = p.results();
    assert_eq!(r["environment"]["production"], true);
    let outcomes: Vec<&str> = r["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["skipped", "skipped", "skipped", "passed"]);
    assert_eq!(target.unsafe_requests.load(Ordering::SeqCst), 0);

    // A scenario may call itself read-only only if it is.
    p.file(
        "scenarios/mixed.yaml",
        "scenarios:\n  - name: liar\n    tags: [read-only]\n    steps:\n      - request: {method: PATCH, path: /api/v1/orders, json: {}}\n",
    );
    let out = run(&p, &["validate"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("scenario `liar` is tagged `read-only` but sends PATCH /api/v1/orders"),
        "{}",
        text(&out.stderr)
    );
}

/// A token endpoint that never answers: the first scenarios wait out two bounded attempts,
/// then the endpoint is known dead and every other scenario errors at once with the cause.
#[test]
fn a_hung_token_endpoint_ends_the_run_in_seconds_with_its_cause() {
    let target = start(Subscribe::Hostile);
    let p = Project::new(&target.url());
    p.file(
        "conform.yaml",
        &format!(
            "default_env: adv\nenvironments:\n  adv:\n    base_url: \"{}\"\n    timeouts: {{request: 2s, connect: 1s, scenario: 60s}}\n    auth:\n      oauth2:\n        token_url: /oauth/token\n        timeout: 1s\n        retry_attempts: 3\n        retry_delay: 100ms\n        clients:\n          default: {{client_id: c, client_secret: {{env: ADV_CLIENT_SECRET}}}}\n",
            target.url()
        ),
    );
    let mut yaml = String::from("scenarios:\n");
    for i in 0..6 {
        yaml.push_str(&format!(
            "  - name: needs a token {i}\n    steps:\n      - request: {{method: GET, path: /read}}\n"
        ));
    }
    p.file("scenarios/auth.yaml", &yaml);
    let t0 = Instant::now();
    let out = run(
        &p,
        &["run", "--jobs", "2"],
        &[("ADV_CLIENT_SECRET", CLIENT_SECRET)],
    );
    let took = t0.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(took < Duration::from_secs(20), "the run took {took:?}");
    let r = p.results();
    let want = format!(
        "token endpoint {}/oauth/token did not answer within 1s",
        target.url()
    );
    for s in r["scenarios"].as_array().expect("scenarios") {
        assert_eq!(s["outcome"], "errored", "{s}");
        let error = s["steps"][0]["error"].as_str().unwrap_or_default();
        assert!(error.contains(&want), "{error}");
    }
    // Two attempts for the first scenario; none after the endpoint is known dead.
    assert_eq!(target.token_hits.load(Ordering::SeqCst), 2);
}

/// Ctrl-C while the webhook subscription hangs (before any scenario started): exit 130 and
/// every report, not a silent death.
#[cfg(unix)]
#[test]
fn a_signal_before_the_run_starts_still_gives_reports_and_130() {
    let target = start(Subscribe::Hang);
    let p = Project::new(&target.url());
    p.file(
        "conform.yaml",
        &format!(
            "default_env: adv\nenvironments:\n  adv:\n    base_url: \"{}\"\n    timeouts: {{request: 60s, connect: 1s, scenario: 60s}}\n    capabilities: [webhooks]\n",
            target.url()
        ),
    );
    p.file(
        "scenarios/s.yaml",
        "scenarios:\n  - name: one\n    steps:\n      - request: {method: GET, path: /read}\n",
    );
    let child = conform(&p, &["run"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    target.wait_for(&target.subscribe_hits, "the subscription request");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let t0 = Instant::now();
    let out = child.wait_with_output().expect("waits");
    assert!(t0.elapsed() < Duration::from_secs(15));
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let r = p.results();
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["scenarios"][0]["outcome"], "not_run");
    assert!(p.dir.path().join("reports/junit.xml").exists());
}

/// A report folder is one run's: a second run is refused while the first holds it, a killed
/// run's temporary files are removed, the set carries a manifest, and a swapped file is
/// detected by `report render`.
#[test]
fn a_report_set_is_one_unit() {
    let target = start(Subscribe::Hostile);
    let p = Project::new(&target.url());
    p.file(
        "scenarios/s.yaml",
        "scenarios:\n  - name: one\n    steps:\n      - request: {method: GET, path: /read}\n        expect: {status: 200}\n",
    );
    let reports = p.dir.path().join("reports");
    std::fs::create_dir_all(&reports).expect("mkdir");
    // Held by a live process (this test).
    std::fs::write(
        reports.join(".conform.lock"),
        std::process::id().to_string(),
    )
    .expect("lock");
    let out = run(&p, &["run"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is in use by another conform run"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(reports.join(".conform.lock")).expect("unlock");
    let stale = reports.join(".results.json.99999-0123abcd.tmp");
    std::fs::write(&stale, "x".repeat(700_000)).expect("stale temp");
    let out = run(&p, &["run"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!stale.exists(), "stale temporary file left behind");
    assert!(!reports.join(".conform.lock").exists(), "lock released");
    let manifest: serde_json::Value =
        serde_json::from_str(&p.read("reports/report-set.json")).expect("manifest");
    for f in ["junit.xml", "results.json", "report.html"] {
        assert!(manifest["files"][f].is_string(), "{manifest}");
    }
    // Another run's junit.xml dropped beside this run's results.
    std::fs::write(reports.join("junit.xml"), "<testsuites/>").expect("swap");
    let out = run(
        &p,
        &["report", "render", "reports/results.json", "--out", "again"],
        &[],
    );
    assert!(
        text(&out.stderr).contains("junit.xml is not the file run"),
        "{}",
        text(&out.stderr)
    );
}

/// Inputs that are not regular files are refused at once; a `$ref` cycle in the contract is
/// refused with its path; invalid UTF-8 is located.
#[cfg(unix)]
#[test]
fn hostile_inputs_are_refused_quickly() {
    let target = start(Subscribe::Hostile);
    let p = Project::new(&target.url());
    let dir = p.dir.path();
    let within = |args: &[&str]| {
        let mut child = conform(&p, args, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        let t0 = Instant::now();
        loop {
            if child.try_wait().expect("waits").is_some() {
                break;
            }
            if t0.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("conform {args:?} did not finish");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().expect("output");
        (out.status.code(), text(&out.stderr))
    };
    // A FIFO named like a scenario.
    let fifo = dir.join("scenarios/pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let (code, err) = within(&["validate"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("it is a FIFO (named pipe), not a regular file"),
            "{err}"
        );
        std::fs::remove_file(&fifo).expect("rm fifo");
    }
    // A scenario that is a link to /dev/zero.
    std::os::unix::fs::symlink("/dev/zero", dir.join("scenarios/zero.yaml")).expect("link");
    let (code, err) = within(&["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("it is a character device"), "{err}");
    std::fs::remove_file(dir.join("scenarios/zero.yaml")).expect("rm");
    // Invalid UTF-8: line and column of the first bad byte.
    std::fs::write(
        dir.join("scenarios/bad.yaml"),
        [b"scenarios:\n  - name: caf".as_slice(), &[0xe9, b'\n']].concat(),
    )
    .expect("write");
    let (code, err) = within(&["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad.yaml:2:14"), "{err}");
    assert!(err.contains("not valid UTF-8"), "{err}");
    std::fs::remove_file(dir.join("scenarios/bad.yaml")).expect("rm");
    // A `{file:}` secret that is a link to /dev/zero.
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero-secret")).expect("link");
    p.file(
        "conform.yaml",
        &format!(
            "default_env: adv\nenvironments:\n  adv:\n    base_url: \"{}\"\n    headers:\n      X-Key: {{file: zero-secret}}\n",
            target.url()
        ),
    );
    p.file(
        "scenarios/s.yaml",
        "scenarios:\n  - name: one\n    steps:\n      - request: {method: GET, path: /read}\n",
    );
    let (code, err) = within(&["run"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("it is a character device"), "{err}");
    // A contract with a $ref cycle.
    p.file(
        "contract.yaml",
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Order: {$ref: '#/components/schemas/Alias'}\n    Alias: {$ref: '#/components/schemas/Order'}\n",
    );
    p.file(
        "conform.yaml",
        &format!(
            "contract: contract.yaml\ndefault_env: adv\nenvironments:\n  adv:\n    base_url: \"{}\"\n",
            target.url()
        ),
    );
    let (code, err) = within(&["run"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("$ref cycle #/components/schemas/Alias -> #/components/schemas/Order -> #/components/schemas/Alias")
            || err.contains("$ref cycle #/components/schemas/Order -> #/components/schemas/Alias -> #/components/schemas/Order"),
        "{err}"
    );
    // The config itself a link to /dev/zero.
    std::fs::remove_file(dir.join("conform.yaml")).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", dir.join("conform.yaml")).expect("link");
    let (code, err) = within(&["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("it is a character device"), "{err}");
}
