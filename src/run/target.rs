//! Everything a run needs about its target, shared by all concurrent scenarios.
use crate::auth::{AuthManager, Redactor};
use crate::config::Environment;
use crate::template::TemplateEngine;
use crate::webhook::Receiver;
use serde_json::{Map, Value};
use std::path::PathBuf;
use url::Url;

pub struct Target {
    pub env: Environment,
    pub base_url: Url,
    /// One pooled client per environment.
    pub http: reqwest::Client,
    pub auth: Option<AuthManager>,
    pub receiver: Option<Receiver>,
    pub redactor: Redactor,
    pub templates: TemplateEngine,
    pub fixtures_dir: PathBuf,
    /// `--var KEY=VALUE`: override every other variable of the same name.
    pub cli_vars: Map<String, Value>,
}

impl Target {
    /// The URL for a scenario path: absolute URLs as written, others below the base URL.
    pub fn url_for(&self, path: &str) -> Result<Url, String> {
        if path.starts_with("http://") || path.starts_with("https://") {
            return Url::parse(path).map_err(|e| format!("invalid URL `{path}`: {e}"));
        }
        let base = self.base_url.as_str().trim_end_matches('/');
        let sep = if path.starts_with('/') { "" } else { "/" };
        Url::parse(&format!("{base}{sep}{path}"))
            .map_err(|e| format!("invalid URL for path `{path}`: {e}"))
    }

    pub fn redact_headers(&self, h: &[(String, String)]) -> Vec<(String, String)> {
        self.redactor.headers(h)
    }

    pub fn redact_text(&self, s: &str) -> String {
        self.redactor.text(s)
    }
}
