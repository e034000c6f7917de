//! The run's context: everything a run needs about its target (environment, HTTP client,
//! auth, receiver, templates, contract, pacing), shared by all concurrent scenarios.
use crate::auth::{AuthManager, Redactor};
use crate::config::Environment;
use crate::contract::Contract;
use crate::template::TemplateEngine;
use crate::webhook::Receiver;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

/// A path that gives no valid URL (below the base URL, or as an absolute URL).
#[derive(Debug, thiserror::Error)]
#[error("invalid URL for path `{path}`")]
pub struct UrlError {
    pub path: String,
    #[source]
    pub source: url::ParseError,
}

pub struct RunContext {
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
    /// Client-side pacing shared by every concurrent scenario.
    pub pacer: Option<Pacer>,
    /// The OpenAPI contract every exchange is checked against, when the config names one.
    pub contract: Option<Arc<Contract>>,
    /// What the target's `X-RateLimit-*` headers said, per client and rule: requests are held
    /// before a bucket runs empty.
    pub rate_limits: super::ratelimit::RateLimits,
}

/// A token bucket over all requests of the run (governor's GCRA).
pub struct Pacer(governor::DefaultDirectRateLimiter);

impl Pacer {
    pub fn new(rps: u32, burst: u32) -> Option<Pacer> {
        let rate = std::num::NonZeroU32::new(rps)?;
        let burst = std::num::NonZeroU32::new(burst.max(1))?;
        Some(Pacer(governor::RateLimiter::direct(
            governor::Quota::per_second(rate).allow_burst(burst),
        )))
    }

    /// Waits for a slot; returns how long it waited.
    pub async fn ready(&self) -> std::time::Duration {
        let t0 = std::time::Instant::now();
        self.0.until_ready().await;
        t0.elapsed()
    }
}

/// conform's default `Accept`: JSON, and the JSON error format of RFC 9457 (problem details),
/// so a server that could answer XML or HTML answers JSON, and its errors stay acceptable.
pub const DEFAULT_ACCEPT: &str = "application/json, application/problem+json";

impl RunContext {
    /// The URL for a scenario path: absolute URLs as written, others below the base URL.
    pub fn url_for(&self, path: &str) -> Result<Url, UrlError> {
        let invalid = |source| UrlError {
            path: path.to_string(),
            source,
        };
        if path.starts_with("http://") || path.starts_with("https://") {
            return Url::parse(path).map_err(invalid);
        }
        let base = self.base_url.as_str().trim_end_matches('/');
        let sep = if path.starts_with('/') { "" } else { "/" };
        Url::parse(&format!("{base}{sep}{path}")).map_err(invalid)
    }

    /// The headers every request starts from: conform's defaults (`Accept: application/json,
    /// application/problem+json`,
    /// a fresh `X-Request-ID`) less those the environment removes or replaces, then the
    /// environment's own. A step may replace or remove any of them again.
    pub fn default_headers(&self) -> Vec<(String, String)> {
        let env = &self.env;
        let overridden = |name: &str| {
            env.removed_headers
                .iter()
                .chain(env.headers.iter().map(|(k, _)| k))
                .any(|k| k.eq_ignore_ascii_case(name))
        };
        let mut headers = Vec::with_capacity(env.headers.len() + 2);
        if !overridden("Accept") {
            headers.push(("Accept".into(), DEFAULT_ACCEPT.into()));
        }
        if !overridden("X-Request-ID") {
            headers.push(("X-Request-ID".into(), uuid::Uuid::new_v4().to_string()));
        }
        headers.extend(
            env.headers
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_string())),
        );
        headers
    }

    /// A request of conform's own (subscriptions, clean-up), without auth headers: the
    /// environment's default headers, a fresh `X-Request-ID`, an optional JSON body.
    pub fn housekeeping_request(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<&serde_json::Value>,
    ) -> Result<super::http::PreparedRequest, UrlError> {
        let mut headers = self.default_headers();
        if json.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        Ok(super::http::PreparedRequest {
            method,
            url: self.url_for(path)?,
            headers,
            body: json.map(|j| bytes::Bytes::from(j.to_string())),
            timeout: self.env.timeouts.request,
        })
    }

    /// The path of `url` below the base URL's path (what contract templates describe).
    pub fn api_path<'u>(&self, url: &'u Url) -> &'u str {
        let base = self.base_url.path().trim_end_matches('/');
        let p = url.path();
        match p.strip_prefix(base) {
            Some(rest) if rest.starts_with('/') => rest,
            _ => p,
        }
    }

    pub fn redact_headers(&self, h: &[(String, String)]) -> Vec<(String, String)> {
        self.redactor.headers(h)
    }

    pub fn redact_text(&self, s: &str) -> String {
        self.redactor.text(s)
    }
}
