//! Sections of the run as a whole beside its scenarios: the contract it was checked against
//! and what the webhook receiver saw. Coverage, latency and verdicts have files of their own.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The OpenAPI contract the run was checked against (`RunResult.contract`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInfo {
    pub title: String,
    pub version: String,
    /// Of the document's bytes, hex.
    pub sha256: String,
    /// As given in the configuration.
    pub path: String,
}

/// What the embedded webhook receiver saw and what it did not keep
/// (`RunResult.webhook_receiver`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverStats {
    /// Every POST recorded (valid or not).
    pub received: u64,
    pub valid: u64,
    /// Rejected deliveries by verdict (`bad signature`, `too large`, ...).
    #[serde(default)]
    pub rejected: BTreeMap<String, u64>,
    /// Rejected deliveries kept as samples (bodies cut).
    #[serde(default)]
    pub rejected_kept: u64,
    /// Rejected deliveries counted but not kept.
    #[serde(default)]
    pub rejected_dropped: u64,
    /// Valid deliveries dropped (oldest first) to stay within the limits.
    #[serde(default)]
    pub valid_dropped: u64,
}

impl ReceiverStats {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}
