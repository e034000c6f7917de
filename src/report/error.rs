use std::path::PathBuf;

/// Why a report could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("failed to write report {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to parse results: {0}")]
    Parse(#[source] serde_json::Error),
    #[error("failed to read results: no `schema_version` field (is this a conform results.json?)")]
    MissingSchemaVersion,
    #[error(
        "failed to read results: schema_version {found:?} is not supported \
         (this conform reads versions {supported}; use the conform that wrote the file, or a newer one)"
    )]
    UnsupportedSchemaVersion {
        found: String,
        supported: &'static str,
    },
    #[error("unknown reporter `{0}` (expected one of console, junit, json, html, github, tap)")]
    UnknownReporter(String),
    #[error("failed to merge results: no results given")]
    NothingToMerge,
    #[error(
        "failed to merge results: part {index} ran against {found} but part 1 against {expected}; \
         merge only shards of one run"
    )]
    EnvironmentMismatch {
        /// 1-based position of the part that disagrees.
        index: usize,
        /// `name (base_url)` of the first part.
        expected: String,
        /// `name (base_url)` of the disagreeing part.
        found: String,
    },
    #[error("failed to merge results: {0}; merge only shards of one run")]
    ContractMismatch(String),
}
