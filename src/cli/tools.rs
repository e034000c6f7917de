//! `conform schema`, `conform completions`, `conform man`: text for editors, shells and `man`.
use super::args::{Cli, SchemaKind};
use super::exit;
use clap::CommandFactory;
use std::io::Write;

/// Writes `bytes` to stdout; a closed stdout (`| head -1`) is a quiet success.
fn emit(bytes: &[u8]) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => exit::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::SUCCESS,
        Err(e) => {
            eprintln!("error: failed to write to stdout: {e}");
            exit::FAILURES
        }
    }
}

pub fn schema(kind: SchemaKind) -> i32 {
    let value = match kind {
        SchemaKind::Config => crate::config::config_schema(),
        SchemaKind::Scenario => crate::scenario::scenario_schema(),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    emit(text.as_bytes())
}

pub fn completions(shell: clap_complete::Shell) -> i32 {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "conform", &mut buf);
    emit(&buf)
}

pub fn man() -> i32 {
    let mut buf = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut buf) {
        eprintln!("error: failed to render the man page: {e}");
        return exit::FAILURES;
    }
    emit(&buf)
}
