//! [`Warning`]: the third outcome of what a check saw, beside passed and failed.
use serde::{Deserialize, Serialize};

/// Something allowed but noteworthy, reported beside the check outcomes (never hidden, never
/// a failure): a third outcome for what a check saw. `--strict` turns undocumented properties
/// into failed checks instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    /// What it is about: the exchange (`GET /api/v1/orders/ORD-1 -> 200`) or the webhook.
    pub subject: String,
    /// JSON pointer of the property in the body or payload (`/links`).
    pub pointer: String,
    /// Where the contract documents that body: operation, response, media type and schema.
    pub context: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A response body or webhook payload property the contract does not document (allowed:
    /// contract §1, additive changes).
    UndocumentedProperty,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            WarningKind::UndocumentedProperty => write!(
                f,
                "undocumented property {} in {} (not in {})",
                self.pointer, self.subject, self.context
            ),
        }
    }
}
