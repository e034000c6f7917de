//! The command line: clap types (`args`) turned into the library's options, and the embedded
//! sandbox injected into its sessions — the only place that knows both the harness and the
//! reference sandbox.
/// `println!` that never panics: a closed stdout (`conform sandbox | head -1`, a CI log
/// collector gone away) must not bring down a running sandbox or lose a run's reports.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod args;
mod embedded;
pub mod exit;
mod init;
mod parity;
mod run;
mod sandbox;
mod tools;

pub use args::Cli;
use args::{ColorArg, Command, ReportCommand, WebhooksCommand};
use clap::Parser;
pub use embedded::SandboxProvider;

/// Parses the command line, runs the command, returns the process exit code.
pub fn main_exit() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help | head -1`: clap's own printing panics on a closed stdout.
            let _ = e.print();
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
        }
    };
    // `conform sandbox` is a server: all cores. Everything else is a client whose async work
    // (sending requests, checking answers) is light per request: one thread, which measured
    // faster than a thread pool on the same cores (no cross-thread wake-ups; bench/README.md).
    // Loading scenario files and writing reports use their own threads; an embedded sandbox
    // gets its own runtime (`embedded::SandboxProvider`).
    let mut builder = match cli.command {
        Command::Sandbox(_) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return exit::USAGE;
        }
    };
    // The command runs as a task of the runtime, not as `block_on`'s own future: waking a task
    // from another task of the same thread only queues it, while waking `block_on`'s future
    // goes through the runtime's wake-up descriptor, a system call each time (twice for every
    // scenario of a run: its slot given back, its result joined).
    rt.block_on(async move {
        match tokio::spawn(dispatch(cli)).await {
            Ok(code) => code,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Cancelled: only a runtime shutting down does that, and this one is not.
            Err(e) => {
                eprintln!("error: internal: the command's task ended early: {e}");
                exit::FAILURES
            }
        }
    })
}

async fn dispatch(cli: Cli) -> i32 {
    let color = match cli.color {
        ColorArg::Auto => crate::report::ColorChoice::Auto,
        ColorArg::Always => crate::report::ColorChoice::Always,
        ColorArg::Never => crate::report::ColorChoice::Never,
    };
    let term = crate::report::TermContext::detect(color);
    match cli.command {
        Command::Run(a) => run::run(cli.config.as_deref(), a, term).await,
        Command::List(a) => run::list(cli.config.as_deref(), a, term).await,
        Command::Validate(a) => run::validate(cli.config.as_deref(), a, term).await,
        Command::Sandbox(a) => sandbox::serve(a).await,
        Command::Webhooks(WebhooksCommand::Listen(a)) => sandbox::listen(a).await,
        Command::Report(ReportCommand::Merge {
            inputs,
            out,
            reporters,
        }) => report_files(&inputs, out, reporters),
        Command::Parity(a) => parity::parity(cli.config.as_deref(), a, term).await,
        Command::Report(ReportCommand::Parity {
            left,
            right,
            out,
            verbose,
        }) => parity::report_parity(cli.config.as_deref(), &left, &right, &out, verbose, term),
        Command::Report(ReportCommand::Render {
            input,
            out,
            reporters,
        }) => report_files(std::slice::from_ref(&input), out, reporters),
        Command::Init(a) => init::init(&a),
        Command::Schema { kind } => tools::schema(kind),
        Command::Completions { shell } => tools::completions(shell),
        Command::Man => tools::man(),
    }
}

/// `report merge` / `report render`: saved results → reports; the exit code is the verdict
/// of the (merged) run, as if it had just run.
fn report_files(
    inputs: &[std::path::PathBuf],
    out: std::path::PathBuf,
    kinds: Vec<crate::report::ReporterKind>,
) -> i32 {
    let mut parts = Vec::new();
    for path in inputs {
        let text =
            match crate::source::input::read_text(path, crate::source::input::MAX_RESULTS_FILE) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::USAGE;
                }
            };
        // A results.json read from a report folder is checked against that folder's set.
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        if dir.join(crate::report::MANIFEST_NAME).exists() {
            if let Err(e) = crate::report::verify_set(dir) {
                eprintln!("warning: {}", error_chain(&e));
            }
        }
        match crate::report::read_json(&text) {
            Ok(r) => parts.push(r),
            Err(e) => {
                eprintln!("error: {}: {}", path.display(), error_chain(&e));
                return exit::USAGE;
            }
        }
    }
    let result = match crate::report::merge_results(parts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            return exit::USAGE;
        }
    };
    let kinds = kinds
        .into_iter()
        .filter(|k| !matches!(k, crate::report::ReporterKind::Console))
        .collect();
    let opts = crate::report::ReportOptions {
        dir: out,
        kinds,
        ..Default::default()
    };
    let _lock = match crate::report::ReportDirLock::acquire(&opts.dir) {
        Ok(lock) => lock,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            return exit::USAGE;
        }
    };
    match crate::report::write_reports(&result, &opts) {
        Ok(paths) => {
            for p in paths {
                say!("report: {}", p.display());
            }
        }
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            return exit::code(exit::Ending::ReportsFailed);
        }
    }
    let s = &result.summary;
    say!(
        "{} scenario(s): {} passed, {} failed, {} errored, {} skipped, {} not run",
        s.total,
        s.passed,
        s.failed,
        s.errored,
        s.skipped,
        s.not_run
    );
    if let Some(line) = crate::report::run_wide_line(&result) {
        say!("{line}");
    }
    exit::code(exit::Ending::Saved(&result))
}

/// Ctrl-C and SIGTERM, caught from the moment [`Signals::install`] returns: `conform run`
/// installs them before anything else, so a signal during loading, the token fetch or the
/// webhook subscription interrupts the run (reports, exit 130) instead of killing it.
pub(crate) struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Registers the handlers now (synchronously), replacing the default "terminate".
    pub(crate) fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next Ctrl-C or SIGTERM.
    pub(crate) async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            if self.int.is_none() && self.term.is_none() {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
            tokio::select! {
                () = next(&mut self.int) => {},
                () = next(&mut self.term) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM): the handlers are
/// registered when this is first polled.
pub(crate) async fn shutdown_signal() {
    Signals::install().recv().await;
}

/// An error with its causes: `failed to write reports/junit.xml: permission denied`.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        source = s.source();
    }
    text
}
