//! Writing the parity reports into a folder, and the `parity` section of each run's results.
use super::report::ParityReport;
use crate::results::RunResult;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key of the parity section in `RunResult.extensions` (`results.json`).
pub const PARITY_EXTENSION: &str = "parity";
pub const PARITY_JSON_NAME: &str = "parity.json";
pub const PARITY_JUNIT_NAME: &str = "parity-junit.xml";
pub const PARITY_HTML_NAME: &str = "parity.html";

/// Paths written by [`write_parity_reports`].
#[derive(Debug, Clone, Default)]
pub struct ParityFiles {
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
#[error("failed to write {path}")]
pub struct ParityWriteError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
}

type Writer = fn(&ParityReport, &mut dyn Write) -> std::io::Result<()>;

fn write_json(report: &ParityReport, out: &mut dyn Write) -> std::io::Result<()> {
    crate::report::write_pretty(report, out)
}

/// Writes `parity.json`, `parity-junit.xml` and `parity.html` into `dir` (created if needed).
/// Each file is written beside its place and renamed into it, so a reader never sees half.
pub fn write_parity_reports(
    report: &ParityReport,
    dir: &Path,
) -> Result<ParityFiles, ParityWriteError> {
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source| ParityWriteError { path, source }
    };
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    let writers: [(&str, Writer); 3] = [
        (PARITY_JSON_NAME, write_json),
        (PARITY_JUNIT_NAME, super::junit::write_junit),
        (PARITY_HTML_NAME, super::html::write_html),
    ];
    let mut files = ParityFiles::default();
    for (name, write) in writers {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut buf = Vec::new();
        write(report, &mut buf).map_err(err(&path))?;
        std::fs::write(&tmp, &buf).map_err(err(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(err(&path))?;
        files.paths.push(path);
    }
    Ok(files)
}

/// Adds `report` to a run's results as `extensions.parity`.
pub fn attach(result: &mut RunResult, report: &ParityReport) {
    if let Ok(v) = serde_json::to_value(report) {
        result.extensions.insert(PARITY_EXTENSION.to_string(), v);
    }
}
