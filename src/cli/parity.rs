//! `conform parity` (two environments, run at once, compared) and `conform report parity`
//! (two saved runs, compared): both end in [`crate::parity::compare_runs`].
use super::args::{ParityArgs, RunArgs, SelectArgs};
use super::exit::{self, Ending};
use super::run::{config_source, interrupt_on_signal, session_options, setup_failed};
use crate::config::Config;
use crate::parity::{self, ParityReport, ParityRules};
use crate::report::{NoticeReporter, ReportOptions, ReporterKind, TermContext};
use crate::results::RunResult;
use crate::session::{load_config, ConfigSource, Session, SessionOptions};
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
    let cfg = match load_config(&config_source(config)) {
        Ok(c) => c,
        Err(e) => return setup_failed(&e, &term),
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
        select: SelectArgs {
            paths: a.paths.clone(),
            tags: a.tags.clone(),
            exclude_tags: a.exclude_tags.clone(),
            filter: a.filter.clone(),
            covers: a.covers.clone(),
            env: Some(env.to_string()),
            allow_destructive: a.allow_destructive,
            shard: None,
        },
        jobs: a.jobs,
        fail_fast: false,
        // Both sides are judged the same way; undocumented properties stay warnings.
        strict: false,
        report_dir: dir,
        vars: a.vars.clone(),
        base_url: None,
        verbose: false,
        min_coverage: None,
        reporters: Vec::new(),
    };
    // One configuration, read once, for both sessions; each side writes its own reports.
    let options = |env: &str, dir: PathBuf| -> Result<SessionOptions, String> {
        let mut o = session_options(
            ConfigSource::Loaded(Box::new(cfg.clone())),
            &run_args(env, dir.clone()),
        )?;
        o.reports = Some(ReportOptions {
            dir,
            kinds: vec![ReporterKind::Junit, ReporterKind::Json, ReporterKind::Html],
            ..ReportOptions::default()
        });
        Ok(o)
    };
    let (lo, ro) = match (options(left, left_dir), options(right, right_dir)) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return exit::code(Ending::Setup);
        }
    };

    let (cancel, signal) = interrupt_on_signal();
    let provider = super::embedded::SandboxProvider;
    let (ls, rs) = tokio::join!(
        Session::prepare(lo, Some(&provider)),
        Session::prepare(ro, Some(&provider)),
    );
    let (ls, rs) = match (ls, rs) {
        (Ok(l), Ok(r)) => (l.with_cancel(cancel.clone()), r.with_cancel(cancel)),
        (Err(e), _) | (_, Err(e)) => {
            signal.abort();
            return setup_failed(&e, &term);
        }
    };
    say!("parity: running the selected scenarios against `{left}` and `{right}` at once");
    // Both runs' notices on stderr, each saying which environment it is from.
    let (mut ln, mut rn) = (
        NoticeReporter::new(std::io::stderr()).with_prefix(format!("`{left}`: ")),
        NoticeReporter::new(std::io::stderr()).with_prefix(format!("`{right}`: ")),
    );
    let (mut lf, mut rf) = tokio::join!(ls.run(&mut ln), rs.run(&mut rn));
    signal.abort();
    let report = parity::compare_runs(&lf.result, &rf.result, &rules);
    parity::attach(&mut lf.result, &report);
    parity::attach(&mut rf.result, &report);
    for finished in [&mut lf, &mut rf] {
        if let Err(code) = super::run::write_reports(finished) {
            return code;
        }
    }
    let written = finish(&report, &a.report_dir, a.verbose, &term);
    let interrupted = lf.result.interrupted || rf.result.interrupted;
    match written {
        Ok(()) => exit::code(Ending::Parity {
            differ: !report.clean(),
            interrupted,
        }),
        Err(code) => code,
    }
}
/// Writes the parity reports and the console summary; the exit code when the reports could
/// not be written.
fn finish(report: &ParityReport, dir: &Path, verbose: bool, term: &TermContext) -> Result<(), i32> {
    match parity::write_parity_reports(report, dir) {
        Ok(files) => {
            for p in files.paths {
                say!("report: {}", p.display());
            }
        }
        Err(e) => {
            eprintln!("error: {}", super::error_chain(&e));
            return Err(exit::code(Ending::ReportsFailed));
        }
    }
    let mut out = std::io::stdout();
    // A closed stdout must not change the verdict.
    let _ = parity::write_console(report, &mut out, term.color, verbose);
    Ok(())
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
        load_config(&config_source(config))
            .map_err(|e| match e {
                crate::session::SetupError::NoConfig { .. } => {
                    format!("{e} (pass --config FILE or set CONFORM_CONFIG)")
                }
                _ => super::error_chain(&e),
            })
            .and_then(|c| rules_of(&c, &l.environment.name, &r.environment.name))
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
    match finish(&report, out, verbose, &term) {
        Ok(()) => exit::code(Ending::Parity {
            differ: !report.clean(),
            interrupted: false,
        }),
        Err(code) => code,
    }
}
