//! `conform parity` (two environments, run at once, compared) and `conform report parity`
//! (two saved runs, compared): both end in [`crate::parity::compare_runs`].
use super::args::{ParityArgs, RunArgs, SelectArgs};
use super::exit;
use super::run::{execute_run, load_config, QuietSink};
use crate::config::Config;
use crate::parity::{self, ParityReport, ParityRules};
use crate::report::{ReportOptions, ReporterKind, TermContext};
use crate::results::RunResult;
use std::path::{Path, PathBuf};

/// The rules for `left` vs `right` from the config's `parity:` section (defaults without one).
fn rules_of(config: &Config, left: &str, right: &str) -> Result<ParityRules, String> {
    match &config.doc.parity {
        None => Ok(ParityRules::default()),
        Some(doc) => ParityRules::from_doc(&doc.value, left, right).map_err(|e| {
            format!(
                "{}:{}:{}: parity.{e}",
                config.path.display(),
                doc.referenced.line(),
                doc.referenced.column()
            )
        }),
    }
}

/// The folder of each side's own reports; the same environment twice gets `NAME` and `NAME-2`.
fn side_dirs(dir: &Path, left: &str, right: &str) -> (PathBuf, PathBuf) {
    let r = if left == right {
        format!("{right}-2")
    } else {
        right.to_string()
    };
    (dir.join(left), dir.join(r))
}

pub async fn parity(config: Option<&Path>, a: ParityArgs, term: TermContext) -> i32 {
    let [left, right] = a.envs.as_slice() else {
        eprintln!(
            "error: conform parity compares two environments: give --env twice (got {})",
            a.envs.len()
        );
        return exit::USAGE;
    };
    let cfg = match load_config(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let rules = match rules_of(&cfg, left, right) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let (left_dir, right_dir) = side_dirs(&a.report_dir, left, right);
    let run_args = |env: &str, dir: PathBuf| RunArgs {
        strict: false,
        select: SelectArgs {
            paths: a.paths.clone(),
            tags: a.tags.clone(),
            exclude_tags: a.exclude_tags.clone(),
            filter: a.filter.clone(),
            env: Some(env.to_string()),
            allow_destructive: a.allow_destructive,
            shard: None,
        },
        jobs: a.jobs,
        fail_fast: false,
        report_dir: dir,
        vars: a.vars.clone(),
        base_url: None,
        verbose: false,
        min_coverage: None,
        reporters: Vec::new(),
    };
    let (la, ra) = (
        run_args(left, left_dir.clone()),
        run_args(right, right_dir.clone()),
    );

    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let signal = tokio::spawn(async move {
        super::shutdown_signal().await;
        let _ = cancel_tx.send(true);
        eprintln!("interrupted: no new scenarios start; press Ctrl-C again to exit at once");
        super::shutdown_signal().await;
        std::process::exit(exit::INTERRUPTED);
    });
    say!("parity: running the selected scenarios against `{left}` and `{right}` at once");
    let (mut ql, mut qr) = (QuietSink, QuietSink);
    let (lr, rr) = tokio::join!(
        execute_run(config, &la, &term, &mut ql, cancel_rx.clone()),
        execute_run(config, &ra, &term, &mut qr, cancel_rx),
    );
    signal.abort();
    let (mut lr, mut rr) = match (lr, rr) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let report = parity::compare_runs(&lr, &rr, &rules);
    parity::attach(&mut lr, &report);
    parity::attach(&mut rr, &report);
    for (result, dir) in [(&lr, left_dir), (&rr, right_dir)] {
        let opts = ReportOptions {
            dir,
            kinds: vec![ReporterKind::Junit, ReporterKind::Json, ReporterKind::Html],
            ..ReportOptions::default()
        };
        match crate::report::write_reports(result, &opts) {
            Ok(paths) => {
                for p in paths {
                    say!("report: {}", p.display());
                }
            }
            Err(e) => {
                eprintln!("error: {}", super::error_chain(&e));
                return exit::FAILURES;
            }
        }
    }
    let code = finish(&report, &a.report_dir, a.verbose, &term);
    if lr.interrupted || rr.interrupted {
        exit::INTERRUPTED
    } else {
        code
    }
}

/// Writes the parity reports and the console summary; the exit code says whether they differ.
fn finish(report: &ParityReport, dir: &Path, verbose: bool, term: &TermContext) -> i32 {
    match parity::write_parity_reports(report, dir) {
        Ok(files) => {
            for p in files.paths {
                say!("report: {}", p.display());
            }
        }
        Err(e) => {
            eprintln!("error: {}", super::error_chain(&e));
            return exit::FAILURES;
        }
    }
    let mut out = std::io::stdout();
    // A closed stdout must not change the verdict.
    let _ = parity::write_console(report, &mut out, term.color, verbose);
    if report.clean() {
        exit::SUCCESS
    } else {
        exit::FAILURES
    }
}

fn read_run(path: &Path) -> Result<RunResult, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    crate::report::read_json(&text)
        .map_err(|e| format!("{}: {}", path.display(), super::error_chain(&e)))
}

/// `conform report parity A B`: the same comparison over two saved runs.
pub fn report_parity(
    config: Option<&Path>,
    left: &Path,
    right: &Path,
    out: &Path,
    verbose: bool,
    term: TermContext,
) -> i32 {
    let runs = read_run(left).and_then(|l| Ok((l, read_run(right)?)));
    let (l, r) = match runs {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    // The config is optional here: saved runs can be compared anywhere.
    let wanted = config.is_some() || Path::new("conform.yaml").exists();
    let rules = if wanted {
        load_config(config).and_then(|c| rules_of(&c, &l.environment.name, &r.environment.name))
    } else {
        Ok(ParityRules::default())
    };
    let rules = match rules {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let report = parity::compare_runs(&l, &r, &rules);
    finish(&report, out, verbose, &term)
}
