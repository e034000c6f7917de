//! Writing the report files: the directory is created, each file is written to a temporary
//! sibling and renamed into place, so a reader never sees half a report.
use super::error::ReportError;
use super::json::write_json;
use super::junit::write_junit;
use crate::run::RunResult;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub const DEFAULT_REPORT_DIR: &str = "reports";
pub const DEFAULT_JUNIT_NAME: &str = "junit.xml";
pub const DEFAULT_JSON_NAME: &str = "results.json";

/// Where the report files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// Directory for the files without an explicit path (default `reports`).
    pub dir: PathBuf,
    /// JUnit XML path; `None` = `<dir>/junit.xml`.
    pub junit: Option<PathBuf>,
    /// results.json path; `None` = `<dir>/results.json`.
    pub json: Option<PathBuf>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            dir: PathBuf::from(DEFAULT_REPORT_DIR),
            junit: None,
            json: None,
        }
    }
}

impl ReportOptions {
    pub fn junit_path(&self) -> PathBuf {
        self.junit
            .clone()
            .unwrap_or_else(|| self.dir.join(DEFAULT_JUNIT_NAME))
    }
    pub fn json_path(&self) -> PathBuf {
        self.json
            .clone()
            .unwrap_or_else(|| self.dir.join(DEFAULT_JSON_NAME))
    }
}

/// Writes the JUnit XML and results.json reports; returns the paths written, JUnit first.
pub fn write_reports(
    result: &RunResult,
    opts: &ReportOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Write { path, source }
    };
    fs::create_dir_all(&opts.dir).map_err(write_err(&opts.dir))?;
    let junit = opts.junit_path();
    write_atomic(&junit, |w| write_junit(result, w)).map_err(write_err(&junit))?;
    let json = opts.json_path();
    write_atomic(&json, |w| write_json(result, w)).map_err(write_err(&json))?;
    Ok(vec![junit, json])
}

fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("report path has no file name"))?;
    let tmp = parent.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let file = fs::File::create(&tmp)?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
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
    }
}
