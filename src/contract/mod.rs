//! Stage: the OpenAPI contract. Loads the document ([`Contract::load`]), matches exchanges to
//! operations, checks every response and webhook payload against it, and measures what a run
//! covered ([`Coverage`]) and how fast the target answered ([`latency_report`]).
//! `docs/contract-checks.md` describes the checks and their messages.
mod check;
mod coverage;
mod cycles;
mod document;
mod error;
mod latency;
mod operation;
mod pointer;
mod schema;
mod undocumented;

pub use check::ContractVerdict;
pub use coverage::{Coverage, CoverageItem, CoverageSection, OperationCoverage};
pub use document::Contract;
pub use error::ContractError;
pub use latency::{
    fmt_ms, latency_report, nearest_rank, HistogramBucket, LatencyReport, LatencyStats,
    OperationLatency, Sla, SlaVerdict, BUCKETS_MS, NO_OPERATION,
};
pub use operation::OperationRef;
pub use undocumented::Undocumented;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;
