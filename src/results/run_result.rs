//! The run as a whole: scenarios, steps, summary, auth statistics.
use super::{CheckOutcome, Exchange, Outcome, WebhookRecord};
use crate::source::SourceLocation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const RESULTS_SCHEMA_VERSION: &str = "1";
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub schema_version: String,
    pub conform_version: String,
    pub environment: EnvironmentInfo,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: f64,
    pub scenarios: Vec<ScenarioResult>,
    pub summary: Summary,
    /// Token requests, refreshes and 401-retries per environment/client.
    #[serde(default)]
    pub auth: BTreeMap<String, AuthStats>,
    /// Set when the run was interrupted (Ctrl-C / SIGTERM).
    #[serde(default)]
    pub interrupted: bool,
    /// Extra sections added by later stages (contract coverage, SLA, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnvironmentInfo {
    pub name: String,
    pub base_url: String,
    pub production: bool,
    pub capabilities: Vec<String>,
    /// e.g. [`EMBEDDED_SANDBOX_NOTE`]
    #[serde(default)]
    pub note: Option<String>,
}

/// `EnvironmentInfo::note` of a run against the embedded sandbox (each run starts its own, on
/// a port of its own).
pub const EMBEDDED_SANDBOX_NOTE: &str = "embedded reference sandbox";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    pub not_run: usize,
}

impl Summary {
    pub fn of(scenarios: &[ScenarioResult]) -> Summary {
        let mut s = Summary {
            total: scenarios.len(),
            ..Summary::default()
        };
        for r in scenarios {
            match r.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::Errored => s.errored += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::NotRun => s.not_run += 1,
            }
        }
        s
    }
    pub fn success(&self) -> bool {
        self.failed == 0 && self.errored == 0 && self.not_run == 0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthStats {
    pub token_requests: u64,
    pub refreshes: u64,
    pub retries_after_401: u64,
    pub token_failures: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Stable id: `<file relative path>::<scenario name>`.
    pub id: String,
    pub name: String,
    /// Scenario file, relative to the working directory.
    pub file: String,
    /// Suite name (file-level `suite:` or the file stem).
    pub suite: String,
    #[serde(default)]
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub requires: Vec<String>,
    pub covers: Vec<String>,
    pub location: SourceLocation,
    pub outcome: Outcome,
    /// Why it was skipped / not run, or the first failure in one line.
    #[serde(default)]
    pub reason: Option<String>,
    pub started_at: Option<String>,
    pub duration_ms: f64,
    pub steps: Vec<StepResult>,
    /// Webhook deliveries this scenario saw (redacted).
    #[serde(default)]
    pub webhooks: Vec<WebhookRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Setup,
    Steps,
    Teardown,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    pub name: String,
    pub phase: Phase,
    pub location: SourceLocation,
    pub outcome: Outcome,
    pub duration_ms: f64,
    /// What made the step an error (it could not be checked), with its cause.
    #[serde(default)]
    pub error: Option<String>,
    pub checks: Vec<CheckOutcome>,
    /// Requests and responses, already redacted. Repeats keep the first and last few.
    pub exchanges: Vec<Exchange>,
    /// Number of HTTP attempts the step made (repeat/poll/retries).
    #[serde(default)]
    pub attempts: u32,
    /// Time spent waiting (Retry-After, `wait`, polling intervals).
    #[serde(default)]
    pub waited_ms: f64,
    /// Free-form lines for the step log (captures, waits, token refreshes).
    #[serde(default)]
    pub log: Vec<String>,
}
