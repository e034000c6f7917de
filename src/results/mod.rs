//! Bottom layer: results as plain data, built during the run. Every reporter reads these and
//! nothing else; `results.json` is their serialization (see `docs/results-schema.md`),
//! versioned by [`RESULTS_SCHEMA_VERSION`], so saved results can be rendered again without a
//! target. Imports nothing of the harness but [`crate::source`].
mod coverage;
mod latency;
mod outcome;
mod record;
mod run_result;
mod run_wide;
mod upgrade;
mod verdict;
mod warning;

pub(crate) use coverage::percent;
pub use coverage::{Coverage, CoverageItem, CoverageSection, OperationCoverage};
pub use latency::{
    fmt_ms, latency_report, nearest_rank, HistogramBucket, LatencyReport, LatencyStats,
    OperationLatency, Sla, SlaVerdict, BUCKETS_MS, NO_OPERATION,
};
pub use outcome::{CheckOutcome, CheckStatus, Outcome};
pub use record::{Exchange, RecordedRequest, RecordedResponse, WebhookRecord};
pub use run_result::{
    AuthStats, EnvironmentInfo, Phase, RateLimitCounts, RunResult, ScenarioResult, StepResult,
    Summary, EMBEDDED_SANDBOX_NOTE, RESULTS_SCHEMA_VERSION,
};
pub use run_wide::{ContractInfo, ReceiverStats};
pub use upgrade::{upgrade_v1, OLDEST_READABLE};
pub use verdict::{RunVerdict, VerdictCheck, VerdictKind, VerdictOutcome};
pub use warning::{Warning, WarningKind};
