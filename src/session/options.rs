//! What a session is asked to do: plain data, filled by the command line or by any caller.
use crate::config::Config;
use crate::report::ReportOptions;
use crate::run::Selection;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Where the configuration comes from.
#[derive(Debug, Clone, Default)]
pub enum ConfigSource {
    /// `conform.yaml` in the working directory.
    #[default]
    Default,
    /// This file; paths in it resolve from its folder.
    Path(PathBuf),
    /// A configuration already loaded (two sessions from one file: `conform parity`).
    Loaded(Box<Config>),
}

/// Options of one run (`conform run`'s flags, without the command line).
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    pub config: ConfigSource,
    /// The environment to run against; `None` = the config's `default_env`.
    pub env: Option<String>,
    /// Scenario files or folders; empty = the config folder's `scenarios/`. Relative paths
    /// are the caller's own, from the working directory.
    pub paths: Vec<PathBuf>,
    /// Tags, filter, shard, destructive scenarios.
    pub selection: Selection,
    /// Variables that override every other of the same name (`--var KEY=VALUE`).
    pub vars: Map<String, Value>,
    /// Scenarios at once; `None` = [`crate::run::DEFAULT_JOBS`].
    pub jobs: Option<usize>,
    /// Stop starting scenarios after the first failure or error.
    pub fail_fast: bool,
    /// Undocumented properties fail instead of warn.
    pub strict: bool,
    /// Replaces the environment's base URL (and its embedded sandbox).
    pub base_url: Option<String>,
    /// `--min-coverage`: the contract coverage the run must reach (judged over the merge in a
    /// shard of several).
    pub min_coverage: Option<f64>,
    /// The report files to write after the run (`None`: none). Their folder is claimed when
    /// the session is prepared, so a second run on it is refused before anything runs.
    pub reports: Option<ReportOptions>,
}
