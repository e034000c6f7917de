//! Results as plain data, built during the run. Every reporter reads these and nothing else;
//! `results.json` is their serialization (see `docs/results-schema.md`), versioned by
//! [`RESULTS_SCHEMA_VERSION`], so saved results can be rendered again without a target.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const RESULTS_SCHEMA_VERSION: &str = "1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// The target broke the contract: an expectation did not hold.
    Failed,
    /// The run could not check: connection refused, timeout, bad template, ...
    Errored,
    /// Not run on purpose (unmet `requires`, refused on production), with a reason.
    Skipped,
    /// Not run because the run was interrupted or stopped by `--fail-fast`.
    NotRun,
}

impl Outcome {
    /// Combines step outcomes into a scenario outcome: an error outweighs a failure.
    pub fn worst(self, other: Outcome) -> Outcome {
        fn rank(o: Outcome) -> u8 {
            match o {
                Outcome::Passed => 0,
                Outcome::Skipped => 1,
                Outcome::NotRun => 2,
                Outcome::Failed => 3,
                Outcome::Errored => 4,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Errored => "errored",
            Outcome::Skipped => "skipped",
            Outcome::NotRun => "not_run",
        }
    }
}

/// A place in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

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

/// The verdict of one expectation, with the evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckOutcome {
    pub passed: bool,
    /// What was checked: `status`, `header X-API-Version`, `body $.status equals`, `contract`...
    pub check: String,
    pub expected: String,
    pub actual: String,
    #[serde(default)]
    pub location: Option<SourceLocation>,
    /// Extra detail (e.g. the contract operation and JSON pointer).
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    pub request: RecordedRequest,
    #[serde(default)]
    pub response: Option<RecordedResponse>,
    /// Set when no response arrived: refused, reset, timeout, TLS...
    #[serde(default)]
    pub error: Option<String>,
    /// Matched contract operation, e.g. `createOrder` / `POST /api/v1/orders`.
    #[serde(default)]
    pub operation: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    /// Redacted: secret header values are `***`.
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
    /// RFC 3339 send time.
    pub sent_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Body as text, truncated to the report cap (see `truncated`).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub truncated: bool,
    pub latency_ms: f64,
}

/// A webhook delivery as seen by the embedded receiver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub received_at: String,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    /// Which attempt of this event id this was (1 = first).
    pub attempt: u32,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// `valid`, or why not (bad signature, stale timestamp, ...).
    pub verdict: String,
    /// Status the receiver answered.
    pub answered: u16,
}
