//! Which reports a run produces.
use super::error::ReportError;
use std::fmt;
use std::str::FromStr;

/// One report format. `console` is written by the CLI while the run goes; the others are
/// built from the final [`RunResult`](crate::results::RunResult) by
/// [`write_reports`](super::write_reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReporterKind {
    Console,
    Junit,
    Json,
    Html,
    Github,
    Tap,
}

impl ReporterKind {
    pub const ALL: [ReporterKind; 6] = [
        ReporterKind::Console,
        ReporterKind::Junit,
        ReporterKind::Json,
        ReporterKind::Html,
        ReporterKind::Github,
        ReporterKind::Tap,
    ];
    /// What an empty selection means.
    pub const DEFAULT: [ReporterKind; 4] = [
        ReporterKind::Console,
        ReporterKind::Junit,
        ReporterKind::Json,
        ReporterKind::Html,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReporterKind::Console => "console",
            ReporterKind::Junit => "junit",
            ReporterKind::Json => "json",
            ReporterKind::Html => "html",
            ReporterKind::Github => "github",
            ReporterKind::Tap => "tap",
        }
    }
}

impl fmt::Display for ReporterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReporterKind {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReporterKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ReportError::UnknownReporter(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_name_and_refuses_others() {
        for k in ReporterKind::ALL {
            assert_eq!(k.as_str().parse::<ReporterKind>().unwrap(), k);
        }
        let err = "xml".parse::<ReporterKind>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown reporter `xml` (expected one of console, junit, json, html, github, tap)"
        );
    }
}
