//! Why a session could not be prepared: nothing ran (exit code 2 on the command line).
use crate::config::ConfigError;
use crate::contract::ContractError;
use crate::report::SetError;
use crate::scenario::Diagnostic;
use crate::source::SourceLocation;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("no conform.yaml in {}", dir.display())]
    NoConfig { dir: PathBuf },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{errors} problem(s) in scenario files; nothing ran")]
    Scenarios {
        errors: usize,
        diagnostics: Diagnostics,
    },
    #[error("{location}: environments.{env}.embedded_sandbox: {message}")]
    EmbeddedSettings {
        location: SourceLocation,
        env: String,
        message: String,
    },
    #[error("failed to start the embedded sandbox: {0}")]
    EmbeddedStart(String),
    #[error("environment `{env}` runs the embedded sandbox, which this caller does not provide: give it a base URL")]
    NoEmbeddedSandbox { env: String },
    #[error("the embedded sandbox reported an invalid URL `{url}`: {source}")]
    EmbeddedUrl {
        url: String,
        #[source]
        source: url::ParseError,
    },
    #[error("environment `{env}` has no base URL")]
    NoBaseUrl { env: String },
    #[error("{config}: environments.{env}.auth: {message}")]
    Auth {
        config: String,
        env: String,
        message: String,
    },
    #[error("failed to build the HTTP client")]
    HttpClient(#[source] reqwest::Error),
    #[error("{config}: environments.{env}.webhooks: {message}")]
    Receiver {
        config: String,
        env: String,
        message: String,
    },
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    ReportDir(#[from] SetError),
}

/// Problems found in scenario files (errors and warnings), with the text of each file they
/// point into, to be rendered like a compiler's.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub list: Vec<Diagnostic>,
    sources: HashMap<String, Arc<str>>,
}

impl Diagnostics {
    pub(crate) fn new(list: Vec<Diagnostic>, sources: HashMap<String, Arc<str>>) -> Self {
        Diagnostics { list, sources }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every problem as `--> file:line:col`, the line and a caret.
    pub fn render(&self, color: bool) -> String {
        crate::scenario::render_diagnostics(
            &self.list,
            &|f: &str| self.sources.get(f).cloned(),
            color,
        )
    }
}
