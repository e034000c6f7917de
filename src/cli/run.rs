//! `conform run`, `conform list`, `conform validate`: flags → [`SessionOptions`] → the library's
//! session (load → prepare → run → reports) → an exit code.
use super::args::{ListArgs, RunArgs, SelectArgs, ValidateArgs};
use super::exit::{self, Ending};
use crate::report::{
    ConsoleReporter, NoticeReporter, ProgressReporter, ReportOptions, ReporterKind, TermContext,
};
use crate::run::{FanOut, Selection};
use crate::session::{ConfigSource, Session, SessionOptions, SetupError};
use serde_json::{Map, Value};
use std::path::Path;

pub(crate) fn config_source(path: Option<&Path>) -> ConfigSource {
    path.map_or(ConfigSource::Default, |p| {
        ConfigSource::Path(p.to_path_buf())
    })
}

/// Prints why nothing ran (scenario-file problems in full, like a compiler); the exit code.
pub(crate) fn setup_failed(e: &SetupError, term: &TermContext) -> i32 {
    match e {
        SetupError::Scenarios { diagnostics, .. } => {
            eprint!("{}", diagnostics.render(term.color));
            eprintln!("error: {e}");
        }
        SetupError::NoConfig { .. } => {
            eprintln!("error: {e} (pass --config FILE or set CONFORM_CONFIG)");
        }
        _ => eprintln!("error: {}", super::error_chain(e)),
    }
    exit::code(Ending::Setup)
}

/// Notes and scenario-file warnings from loading, on stderr.
fn print_loading(notes: &[String], diagnostics: &crate::session::Diagnostics, term: &TermContext) {
    for n in notes {
        eprintln!("note: {n}");
    }
    if !diagnostics.is_empty() {
        eprint!("{}", diagnostics.render(term.color));
    }
}

fn selection(select: &SelectArgs) -> Selection {
    Selection {
        tags: select.tags.clone(),
        exclude_tags: select.exclude_tags.clone(),
        filter: select.filter.clone(),
        covers: select.covers.clone(),
        shard: select.shard,
        allow_destructive: select.allow_destructive,
    }
}

fn parse_vars(vars: &[String]) -> Result<Map<String, Value>, String> {
    let mut m = Map::new();
    for v in vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| format!("--var `{v}` is not KEY=VALUE"))?;
        let val = serde_json::from_str(val).unwrap_or_else(|_| Value::String(val.to_string()));
        m.insert(k.trim().to_string(), val);
    }
    Ok(m)
}

/// The session options of `conform run`'s flags.
pub(crate) fn session_options(config: ConfigSource, a: &RunArgs) -> Result<SessionOptions, String> {
    Ok(SessionOptions {
        config,
        env: a.select.env.clone(),
        paths: a.select.paths.clone(),
        selection: selection(&a.select),
        vars: parse_vars(&a.vars)?,
        jobs: a.jobs,
        fail_fast: a.fail_fast,
        strict: a.strict,
        base_url: a.base_url.clone(),
        min_coverage: a.min_coverage,
        reports: Some(ReportOptions {
            dir: a.report_dir.clone(),
            kinds: a.reporters.clone(),
            ..ReportOptions::default()
        }),
    })
}

fn load_options(config: Option<&Path>, select: &SelectArgs) -> SessionOptions {
    SessionOptions {
        config: config_source(config),
        env: select.env.clone(),
        paths: select.paths.clone(),
        selection: selection(select),
        ..SessionOptions::default()
    }
}

pub async fn validate(config: Option<&Path>, a: ValidateArgs, term: TermContext) -> i32 {
    let select = SelectArgs {
        paths: a.paths,
        ..SelectArgs::default()
    };
    match crate::session::load(&load_options(config, &select)) {
        Ok(l) => {
            print_loading(&l.notes, &l.diagnostics, &term);
            say!(
                "{} file(s), {} scenario(s): no problems",
                l.files.len(),
                l.scenario_count()
            );
            exit::SUCCESS
        }
        Err(e) => setup_failed(&e, &term),
    }
}

pub async fn list(config: Option<&Path>, a: ListArgs, term: TermContext) -> i32 {
    let options = load_options(config, &a.select);
    let mut l = match crate::session::load(&options) {
        Ok(l) => l,
        Err(e) => return setup_failed(&e, &term),
    };
    print_loading(&l.notes, &l.diagnostics, &term);
    let plan = l.plan(&options.selection);
    for p in &plan {
        let tags = if p.tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", p.tags.join(", "))
        };
        let req = if p.requires.is_empty() {
            String::new()
        } else {
            format!("  requires: {}", p.requires.join(", "))
        };
        let skip = p
            .skip
            .as_ref()
            .map(|s| format!("  (skipped: {s})"))
            .unwrap_or_default();
        say!("{}{tags}{req}{skip}", p.id);
    }
    let skipped = plan.iter().filter(|p| p.skip.is_some()).count();
    say!(
        "{} scenario(s) selected for environment `{}`, {skipped} would be skipped",
        plan.len(),
        l.env.name
    );
    exit::SUCCESS
}

/// Ctrl-C / SIGTERM from now on: the first sets the returned flag (no new scenario starts,
/// reports are written, exit 130), the second exits at once.
pub(crate) fn interrupt_on_signal() -> (
    tokio::sync::watch::Receiver<bool>,
    tokio::task::JoinHandle<()>,
) {
    let mut signals = super::Signals::install();
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        signals.recv().await;
        let _ = cancel_tx.send(true);
        eprintln!("interrupted: no new scenarios start; press Ctrl-C again to exit at once");
        signals.recv().await;
        std::process::exit(exit::INTERRUPTED);
    });
    (cancel_rx, task)
}

pub async fn run(config: Option<&Path>, a: RunArgs, term: TermContext) -> i32 {
    // First of all: from here on Ctrl-C or SIGTERM interrupts the run (nothing new starts,
    // reports are written, exit 130) instead of killing the process, whatever phase it is in.
    let (cancel, signal) = interrupt_on_signal();
    let options = match session_options(config_source(config), &a) {
        Ok(o) => o,
        Err(e) => {
            signal.abort();
            eprintln!("error: {e}");
            return exit::code(Ending::Setup);
        }
    };
    let session = match Session::prepare(options, Some(&super::embedded::SandboxProvider)).await {
        Ok(s) => s.with_cancel(cancel),
        Err(e) => {
            signal.abort();
            return setup_failed(&e, &term);
        }
    };
    print_loading(session.notes(), session.diagnostics(), &term);

    // The reporters that follow the run: the progress bar (interactive stderr only), the
    // console (unless other reporters were chosen), notices on stderr.
    let console_on = a.reporters.is_empty()
        || a.reporters
            .iter()
            .any(|k| matches!(k, ReporterKind::Console));
    let progress = (console_on && term.interactive).then(|| ProgressReporter::stderr(term.color));
    let mut console = ConsoleReporter::new(std::io::stdout(), term, a.verbose);
    let mut notices = NoticeReporter::new(std::io::stderr());
    if let Some(p) = &progress {
        console = console.with_progress(p.handle());
        notices = notices.with_progress(p.handle());
    }
    let mut sinks = FanOut::new();
    if let Some(p) = progress {
        sinks.push(p);
    }
    if console_on {
        sinks.push(console);
    }
    sinks.push(notices);

    let mut finished = session.run(&mut sinks).await;
    drop(sinks);
    signal.abort();
    if let Err(code) = write_reports(&mut finished) {
        return code;
    }
    let code = exit::code(Ending::Ran(&finished.result));
    // The reports are written and the report folder freed (`write_reports` took both); what
    // is left is the results, which the process's exit hands back whole. Freeing every
    // exchange and check one by one first only costs time on a big run.
    std::mem::forget(finished);
    code
}

/// Writes a finished run's report files and lists them; a failure is printed and gives the
/// exit code.
pub(super) fn write_reports(finished: &mut crate::session::FinishedRun) -> Result<(), i32> {
    match finished.write_reports() {
        Ok(paths) => {
            for p in paths {
                say!("report: {}", p.display());
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("error: {}", super::error_chain(&e));
            Err(exit::code(Ending::ReportsFailed))
        }
    }
}
