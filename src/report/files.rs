//! Writing the report files: the directory is created, each file is written to a temporary
//! sibling, and once all are complete they are moved into place as one set with its manifest
//! (see [`super::set`]), so a reader never sees half a report and can tell a mixed set.
use super::error::ReportError;
use super::github::{write_github_annotations, write_github_summary};
use super::html::write_html;
use super::json::write_json;
use super::junit::write_junit;
use super::kind::ReporterKind;
use super::tap::write_tap;
use crate::results::RunResult;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub const DEFAULT_REPORT_DIR: &str = "reports";
pub const DEFAULT_JUNIT_NAME: &str = "junit.xml";
pub const DEFAULT_JSON_NAME: &str = "results.json";
pub const DEFAULT_HTML_NAME: &str = "report.html";
pub const DEFAULT_TAP_NAME: &str = "results.tap";

/// Which reports to write and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// Directory for the files without an explicit path (default `reports`).
    pub dir: PathBuf,
    /// JUnit XML path; `None` = `<dir>/junit.xml`.
    pub junit: Option<PathBuf>,
    /// results.json path; `None` = `<dir>/results.json`.
    pub json: Option<PathBuf>,
    /// HTML report path; `None` = `<dir>/report.html`.
    pub html: Option<PathBuf>,
    /// TAP path; `None` = `<dir>/results.tap`.
    pub tap: Option<PathBuf>,
    /// The reports wanted; empty = console, JUnit, JSON and HTML. An explicit path above
    /// selects its format too.
    pub kinds: Vec<ReporterKind>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            dir: PathBuf::from(DEFAULT_REPORT_DIR),
            junit: None,
            json: None,
            html: None,
            tap: None,
            kinds: Vec::new(),
        }
    }
}

impl ReportOptions {
    pub fn junit_path(&self) -> PathBuf {
        self.path(&self.junit, DEFAULT_JUNIT_NAME)
    }
    pub fn json_path(&self) -> PathBuf {
        self.path(&self.json, DEFAULT_JSON_NAME)
    }
    pub fn html_path(&self) -> PathBuf {
        self.path(&self.html, DEFAULT_HTML_NAME)
    }
    pub fn tap_path(&self) -> PathBuf {
        self.path(&self.tap, DEFAULT_TAP_NAME)
    }
    fn path(&self, explicit: &Option<PathBuf>, name: &str) -> PathBuf {
        explicit.clone().unwrap_or_else(|| self.dir.join(name))
    }

    /// Whether `kind` is selected: listed in `kinds` (or part of the default set when `kinds`
    /// is empty), or given an explicit path.
    pub fn wants(&self, kind: ReporterKind) -> bool {
        let explicit = match kind {
            ReporterKind::Junit => self.junit.is_some(),
            ReporterKind::Json => self.json.is_some(),
            ReporterKind::Html => self.html.is_some(),
            ReporterKind::Tap => self.tap.is_some(),
            ReporterKind::Console | ReporterKind::Github => false,
        };
        explicit
            || if self.kinds.is_empty() {
                ReporterKind::DEFAULT.contains(&kind)
            } else {
                self.kinds.contains(&kind)
            }
    }
}

/// Writes the selected report files (JUnit, JSON, HTML, TAP, in that order) and returns their
/// paths. With `github` selected, appends the Markdown summary to `$GITHUB_STEP_SUMMARY` when
/// that is set and prints `::error` annotations for failures to stdout (no path returned).
/// `console` is not a file: the CLI runs the [`ConsoleReporter`](super::ConsoleReporter).
pub fn write_reports(
    result: &RunResult,
    opts: &ReportOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Write { path, source }
    };
    type Writer = fn(&RunResult, &mut dyn Write) -> io::Result<()>;
    let files: [(ReporterKind, PathBuf, Writer); 4] = [
        (ReporterKind::Junit, opts.junit_path(), write_junit),
        (ReporterKind::Json, opts.json_path(), write_json),
        (ReporterKind::Html, opts.html_path(), write_html),
        (ReporterKind::Tap, opts.tap_path(), write_tap),
    ];
    let selected: Vec<(PathBuf, Writer)> = files
        .into_iter()
        .filter(|(kind, _, _)| opts.wants(*kind))
        .map(|(_, path, write)| (path, write))
        .collect();
    if !selected.is_empty() {
        fs::create_dir_all(&opts.dir).map_err(write_err(&opts.dir))?;
    }
    // Each file on its own thread: they only read the result, and a run's reports are written
    // while the target sits idle, so the other cores are free. Every file is attempted; the
    // first error (in the order above) is returned.
    let outcomes = super::set::side_by_side(&selected, |(path, write)| {
        write_temp(path, |w| write(result, w))
    });
    // Nothing is moved into place unless every file is complete.
    let mut first_error = None;
    let mut staged = Vec::new();
    for ((path, _), outcome) in selected.into_iter().zip(outcomes) {
        match outcome {
            Ok((tmp, sha256)) => staged.push(super::set::Staged { tmp, path, sha256 }),
            Err(e) => {
                first_error.get_or_insert(ReportError::Write { path, source: e });
            }
        }
    }
    if let Some(e) = first_error {
        for f in &staged {
            let _ = fs::remove_file(&f.tmp);
        }
        return Err(e);
    }
    if !staged.is_empty() {
        let run_id = uuid::Uuid::new_v4().simple().to_string();
        if let Err((path, source)) =
            super::set::commit(&opts.dir, &staged, &run_id, &result.started_at)
        {
            for f in &staged {
                let _ = fs::remove_file(&f.tmp);
            }
            return Err(ReportError::Write { path, source });
        }
    }
    let written: Vec<PathBuf> = staged.into_iter().map(|f| f.path).collect();
    if opts.wants(ReporterKind::Github) {
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()) {
            let path = PathBuf::from(summary);
            append(&path, |w| write_github_summary(result, w)).map_err(write_err(&path))?;
        }
        write_github_annotations(result, &mut io::stdout().lock())
            .map_err(write_err(Path::new("<stdout>")))?;
    }
    Ok(written)
}

/// GitHub gives each step its own summary file; several writers append to it.
fn append(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut w = BufWriter::new(file);
    write(&mut w)?;
    w.flush()
}

/// Writes one report to a temporary sibling of `path`; returns its path and the SHA-256 of its
/// content. The file is not synced to disk: the rename makes it appear whole to every reader,
/// and a file a power loss tore afterwards no longer matches the SHA-256 that `report-set.json`
/// records for it ([`verify_set`](super::verify_set) says so). Syncing cost ~35 ms a run for
/// nothing that check does not already give.
fn write_temp(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<(PathBuf, String)> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let tmp = super::set::temp_path(path)?;
    let result = (|| {
        let file = fs::File::create(&tmp)?;
        let mut w = BufWriter::new(super::set::Hashing::new(file));
        write(&mut w)?;
        let (_file, sha256) = w.into_inner().map_err(|e| e.into_error())?.finish();
        Ok(sha256)
    })();
    match result {
        Ok(sha256) => Ok((tmp, sha256)),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_live_in_reports() {
        let o = ReportOptions::default();
        assert_eq!(o.junit_path(), Path::new("reports/junit.xml"));
        assert_eq!(o.json_path(), Path::new("reports/results.json"));
        let o = ReportOptions {
            json: Some("out/r.json".into()),
            ..o
        };
        assert_eq!(o.json_path(), Path::new("out/r.json"));
        assert_eq!(o.html_path(), Path::new("reports/report.html"));
        assert_eq!(o.tap_path(), Path::new("reports/results.tap"));
    }

    #[test]
    fn selection() {
        let o = ReportOptions::default();
        for k in ReporterKind::DEFAULT {
            assert!(o.wants(k), "{k}");
        }
        assert!(!o.wants(ReporterKind::Tap) && !o.wants(ReporterKind::Github));
        let o = ReportOptions {
            kinds: vec![ReporterKind::Tap],
            json: Some("r.json".into()),
            ..ReportOptions::default()
        };
        assert!(o.wants(ReporterKind::Tap) && o.wants(ReporterKind::Json));
        assert!(!o.wants(ReporterKind::Junit) && !o.wants(ReporterKind::Html));
    }

    #[test]
    fn writes_only_what_is_selected() {
        let dir = tempfile::tempdir().unwrap();
        let o = ReportOptions {
            dir: dir.path().join("r"),
            kinds: vec![ReporterKind::Tap, ReporterKind::Html],
            ..ReportOptions::default()
        };
        let paths = write_reports(&crate::report::testdata::sample(), &o).unwrap();
        assert_eq!(paths, [o.html_path(), o.tap_path()]);
        assert!(std::fs::read_to_string(&paths[1])
            .unwrap()
            .starts_with("TAP version 14\n"));
    }
}
