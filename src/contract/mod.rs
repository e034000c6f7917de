//! Stage: the OpenAPI contract. Loads the document ([`Contract::load`]), matches exchanges to
//! operations, checks every response and webhook payload against it, and measures what a run
//! covered ([`Coverage`]) and how fast the target answered ([`latency_report`], computed in `results`).
//! `docs/contract-checks.md` describes the checks and their messages.
mod check;
mod coverage;
mod cycles;
mod document;
mod error;
mod operation;
mod pointer;
mod schema;
mod undocumented;

pub use crate::results::{Coverage, CoverageItem, CoverageSection, OperationCoverage};
pub use check::ContractVerdict;
pub use document::Contract;
pub use error::ContractError;
// Latency is computed over results alone: it lives with them (one implementation for the
// run, the reports and parity); these names stay here for the stages that know them here.
pub use crate::results::{
    fmt_ms, latency_report, nearest_rank, HistogramBucket, LatencyReport, LatencyStats,
    OperationLatency, Sla, SlaVerdict, BUCKETS_MS, NO_OPERATION,
};
pub use operation::OperationRef;
pub use undocumented::Undocumented;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
