//! The run as a whole: scenarios, steps, summary, auth statistics.
use super::{
    CheckOutcome, ContractInfo, Coverage, Exchange, LatencyReport, Outcome, ReceiverStats,
    RunVerdict, Warning, WebhookRecord,
};
use crate::source::SourceLocation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version 2: the run-wide sections are typed fields (`contract`, `coverage`, `latency`,
/// `rate_limits`, `webhook_receiver`) and the SLA / `--min-coverage` judgements are
/// `verdicts`, no longer scenarios (`docs/results-schema.md`). Version 1 files are read and
/// converted ([`super::upgrade`]).
pub const RESULTS_SCHEMA_VERSION: &str = "2";
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub schema_version: String,
    pub conform_version: String,
    pub environment: EnvironmentInfo,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: f64,
    pub scenarios: Vec<ScenarioResult>,
    /// Counts of `scenarios` (run-wide verdicts are not counted here).
    pub summary: Summary,
    /// Run-wide judgements: the SLA, the `--min-coverage` gate. A failed one fails the run.
    #[serde(default)]
    pub verdicts: Vec<RunVerdict>,
    /// Token requests, refreshes and 401-retries per environment/client.
    #[serde(default)]
    pub auth: BTreeMap<String, AuthStats>,
    /// Set when the run was interrupted (Ctrl-C / SIGTERM).
    #[serde(default)]
    pub interrupted: bool,
    /// The contract the run was checked against, when the configuration names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<ContractInfo>,
    /// What the run exercised of the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// Percentiles and histogram over every response, with the SLA objectives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyReport>,
    /// The holds and 429s of every step, when there were any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<RateLimitCounts>,
    /// What the embedded webhook receiver saw, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_receiver: Option<ReceiverStats>,
    /// Sections added by other tools or later commands (`parity`), kept as they are.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, serde_json::Value>,
}

impl RunResult {
    /// Whether the run met the contract: every scenario passed or was skipped, and every
    /// run-wide verdict (SLA, coverage gate) was met. The exit code follows this.
    pub fn success(&self) -> bool {
        self.summary.success() && self.verdicts.iter().all(RunVerdict::passed)
    }

    /// The run-wide verdicts that were missed.
    pub fn failed_verdicts(&self) -> impl Iterator<Item = &RunVerdict> {
        self.verdicts.iter().filter(|v| !v.passed())
    }
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
    /// Warnings in all scenarios (undocumented properties); they do not fail the run.
    #[serde(default)]
    pub warnings: usize,
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
            s.warnings += r.warnings();
        }
        s
    }
    /// The scenarios alone: see [`RunResult::success`] for the run.
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

impl ScenarioResult {
    /// Warnings of all its steps.
    pub fn warnings(&self) -> usize {
        self.steps.iter().map(|s| s.warnings.len()).sum()
    }
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
    /// How the target's rate limits touched this step (holds, 429s).
    #[serde(default, skip_serializing_if = "RateLimitCounts::is_zero")]
    pub rate_limit: RateLimitCounts,
    /// Allowed but noteworthy findings (undocumented properties); they do not fail the step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// How a step, a scenario or a run met the target's rate limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RateLimitCounts {
    /// Requests held back before sending because the bucket they draw from was (estimated)
    /// empty per the `X-RateLimit-*` headers of earlier responses.
    #[serde(default)]
    pub holds: u32,
    /// Time those holds took.
    #[serde(default)]
    pub held_ms: f64,
    /// 429s the step did not ask for (each waited out by `Retry-After` while time was left).
    #[serde(default)]
    pub unexpected_429: u32,
    /// Time spent waiting out those 429s.
    #[serde(default)]
    pub retry_after_ms: f64,
    /// 429s the step asked for (it meant to trip the limiter).
    #[serde(default)]
    pub expected_429: u32,
}

impl RateLimitCounts {
    pub fn is_zero(&self) -> bool {
        *self == RateLimitCounts::default()
    }

    pub fn add(&mut self, o: &RateLimitCounts) {
        self.holds += o.holds;
        self.held_ms += o.held_ms;
        self.unexpected_429 += o.unexpected_429;
        self.retry_after_ms += o.retry_after_ms;
        self.expected_429 += o.expected_429;
    }

    /// The sum over steps.
    pub fn of_steps<'a>(steps: impl IntoIterator<Item = &'a StepResult>) -> RateLimitCounts {
        let mut c = RateLimitCounts::default();
        for s in steps {
            c.add(&s.rate_limit);
        }
        c
    }

    /// One line for people, e.g. `3 request(s) held 4.2 s for the target's rate limits,
    /// 1 unexpected 429 waited out 2.0 s`; `None` when nothing happened.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.holds > 0 {
            parts.push(format!(
                "{} request(s) held {:.1} s for the target's rate limits",
                self.holds,
                self.held_ms / 1000.0
            ));
        }
        if self.unexpected_429 > 0 {
            parts.push(format!(
                "{} unexpected 429(s) waited out {:.1} s",
                self.unexpected_429,
                self.retry_after_ms / 1000.0
            ));
        }
        if self.expected_429 > 0 {
            parts.push(format!("{} 429(s) asked for", self.expected_429));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}
