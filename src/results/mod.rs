//! Bottom layer: results as plain data, built during the run. Every reporter reads these and
//! nothing else; `results.json` is their serialization (see `docs/results-schema.md`),
//! versioned by [`RESULTS_SCHEMA_VERSION`], so saved results can be rendered again without a
//! target. Imports nothing of the harness but [`crate::source`].
mod outcome;
mod record;
mod run_result;
mod warning;

pub use outcome::{CheckOutcome, Outcome};
pub use record::{Exchange, RecordedRequest, RecordedResponse, WebhookRecord};
pub use run_result::{
    AuthStats, EnvironmentInfo, Phase, RateLimitCounts, RunResult, ScenarioResult, StepResult,
    Summary, EMBEDDED_SANDBOX_NOTE, RATE_LIMITS_KEY, RESULTS_SCHEMA_VERSION,
};
pub use warning::{Warning, WarningKind};
