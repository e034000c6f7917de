//! The parity result as plain data: the `parity` section of `results.json` and `parity.json`
//! (see `docs/parity.md`), built from two recorded runs and read by every parity reporter.
use crate::results::{Outcome, Phase, Summary};
use crate::source::SourceLocation;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the parity section's shape.
pub const PARITY_SCHEMA_VERSION: &str = "1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParityReport {
    pub schema_version: String,
    pub left: SideInfo,
    pub right: SideInfo,
    /// One entry per scenario id of either run, in the left run's order, then right-only ones.
    pub scenarios: Vec<ScenarioParity>,
    /// Per contract operation, both sides' latency percentiles.
    pub latency: Vec<OperationLatencyPair>,
    /// Differences of the whole run: latency per operation, the SLA verdict.
    pub run_differences: Vec<Difference>,
    pub summary: ParitySummary,
}

impl ParityReport {
    /// True when nothing differs (every compared scenario is the same, and the run too).
    pub fn clean(&self) -> bool {
        self.summary.different == 0 && self.run_differences.is_empty()
    }
}

/// One of the two compared runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideInfo {
    pub environment: String,
    pub base_url: String,
    pub started_at: String,
    pub summary: Summary,
    /// The run's own SLA verdict (its SLA verdict), when it had one.
    #[serde(default)]
    pub sla_passed: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParityVerdict {
    /// Both sides behaved alike.
    Same,
    /// At least one difference.
    Different,
    /// Not compared: skipped or not run on a side, or ignored by `parity.ignore_scenarios`.
    NotCompared,
}

impl ParityVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ParityVerdict::Same => "same",
            ParityVerdict::Different => "different",
            ParityVerdict::NotCompared => "not_compared",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioParity {
    pub id: String,
    pub name: String,
    pub file: String,
    #[serde(default)]
    pub location: Option<SourceLocation>,
    pub verdict: ParityVerdict,
    /// `None`: the scenario is not in that run.
    #[serde(default)]
    pub left_outcome: Option<Outcome>,
    #[serde(default)]
    pub right_outcome: Option<Outcome>,
    /// Why it was not compared.
    #[serde(default)]
    pub reason: Option<String>,
    /// In order of importance: the outcome first, then step by step.
    pub differences: Vec<Difference>,
    /// The observed sequences (requests, answers, webhooks), kept for a differing scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_sequence: Vec<SequenceItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub right_sequence: Vec<SequenceItem>,
}

/// What was compared when a difference was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// The scenario passed on one side and not on the other.
    Outcome,
    /// A scenario or a step ran on one side only.
    Missing,
    /// A response on one side, a transport error on the other.
    Transport,
    Status,
    ErrorCode,
    /// A header present on one side only.
    Header,
    /// A header whose value must match does not.
    HeaderValue,
    /// `X-RateLimit-Limit` ratio outside the declared ratio.
    RateLimit,
    /// JSON on one side, not on the other.
    BodyKind,
    /// A property present on one side only.
    Property,
    /// A JSON type differs.
    Type,
    /// A string format differs (RFC 3339 date-time, date, UUID, URI, ...).
    Format,
    /// An enumeration-like value differs.
    EnumValue,
    WebhookEvents,
    WebhookOrder,
    WebhookHeader,
    WebhookPayload,
    WebhookVerdict,
    Latency,
    Sla,
}

impl DiffKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::Outcome => "outcome",
            DiffKind::Missing => "missing",
            DiffKind::Transport => "transport",
            DiffKind::Status => "status",
            DiffKind::ErrorCode => "error_code",
            DiffKind::Header => "header",
            DiffKind::HeaderValue => "header_value",
            DiffKind::RateLimit => "rate_limit",
            DiffKind::BodyKind => "body_kind",
            DiffKind::Property => "property",
            DiffKind::Type => "type",
            DiffKind::Format => "format",
            DiffKind::EnumValue => "enum_value",
            DiffKind::WebhookEvents => "webhook_events",
            DiffKind::WebhookOrder => "webhook_order",
            DiffKind::WebhookHeader => "webhook_header",
            DiffKind::WebhookPayload => "webhook_payload",
            DiffKind::WebhookVerdict => "webhook_verdict",
            DiffKind::Latency => "latency",
            DiffKind::Sla => "sla",
        }
    }
}

/// One behavioural difference, with both sides' values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub kind: DiffKind,
    /// The step, when the difference is in one.
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default)]
    pub phase: Option<Phase>,
    /// 1-based exchange of the step, when it has several.
    #[serde(default)]
    pub exchange: Option<usize>,
    /// `POST /api/v1/orders`, or the webhook event type.
    #[serde(default)]
    pub request: Option<String>,
    /// What differs: `status`, `header X-API-Version`, `body /items/0/unit_price`, ...
    pub field: String,
    pub left: String,
    pub right: String,
    /// Where the step is written.
    #[serde(default)]
    pub location: Option<SourceLocation>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(step) = &self.step {
            write!(f, "step `{step}`")?;
            if let Some(n) = self.exchange {
                write!(f, " #{n}")?;
            }
            match &self.request {
                Some(r) if r != step => write!(f, " ({r})")?,
                _ => {}
            }
            f.write_str(": ")?;
        } else if let Some(r) = &self.request {
            write!(f, "{r}: ")?;
        }
        write!(f, "{}", self.field)
    }
}

/// One line of an observed sequence diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceItem {
    pub kind: SequenceKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceKind {
    Step,
    Request,
    Response,
    Failure,
    Webhook,
}

/// p50/p95 of one operation on both sides (ms; `None`: no response of it there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationLatencyPair {
    pub operation: String,
    pub left_count: usize,
    pub right_count: usize,
    pub left_p50_ms: Option<f64>,
    pub left_p95_ms: Option<f64>,
    pub right_p50_ms: Option<f64>,
    pub right_p95_ms: Option<f64>,
    /// The medians are further apart than `parity.latency` allows.
    pub different: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParitySummary {
    /// Scenarios in either run.
    pub total: usize,
    pub same: usize,
    pub different: usize,
    pub not_compared: usize,
    /// Scenarios whose outcome differs (passed on one side, not on the other).
    pub outcome_differs: usize,
    /// Differences found, scenarios and run together.
    pub differences: usize,
}
