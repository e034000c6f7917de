//! Deliberate contract violations, one per fault.

use std::fmt;
use std::str::FromStr;

/// One deliberate violation of the contract; everything else stays correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    RatelimitHeadersMissing,
    Ratelimit429Body,
    IdempotencyIgnored,
    IdempotencyConflictIgnored,
    ValidationFieldPaths,
    ErrorMissingRequestId,
    InventoryNotReleased,
    CreateReturns200,
    TokenExpiryIgnored,
    ScopesNotEnforced,
    CrossClientRead,
    WebhookBadSignature,
    WebhookStaleTimestamp,
    WebhookMissing,
    WebhookNoRetry,
    SchemaOrderId,
    SchemaCreatedAt,
    Latency,
    RequestIdNotEchoed,
    ApiVersionMissing,
    CancelAnyStatus,
    LocationMissing,
    NotFoundAsEmpty,
    PropertyRenamed,
}

/// Returned by `Fault::from_str` for a name that is not a fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{0}` (known: {known})", known = Fault::names().join(", "))]
pub struct UnknownFault(pub String);

impl Fault {
    pub const ALL: &'static [Fault] = &[
        Fault::RatelimitHeadersMissing,
        Fault::Ratelimit429Body,
        Fault::IdempotencyIgnored,
        Fault::IdempotencyConflictIgnored,
        Fault::ValidationFieldPaths,
        Fault::ErrorMissingRequestId,
        Fault::InventoryNotReleased,
        Fault::CreateReturns200,
        Fault::TokenExpiryIgnored,
        Fault::ScopesNotEnforced,
        Fault::CrossClientRead,
        Fault::WebhookBadSignature,
        Fault::WebhookStaleTimestamp,
        Fault::WebhookMissing,
        Fault::WebhookNoRetry,
        Fault::SchemaOrderId,
        Fault::SchemaCreatedAt,
        Fault::Latency,
        Fault::RequestIdNotEchoed,
        Fault::ApiVersionMissing,
        Fault::CancelAnyStatus,
        Fault::LocationMissing,
        Fault::NotFoundAsEmpty,
        Fault::PropertyRenamed,
    ];

    /// The kebab-case name used on the command line (`--fault NAME`).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::RatelimitHeadersMissing => "ratelimit-headers-missing",
            Fault::Ratelimit429Body => "ratelimit-429-body",
            Fault::IdempotencyIgnored => "idempotency-ignored",
            Fault::IdempotencyConflictIgnored => "idempotency-conflict-ignored",
            Fault::ValidationFieldPaths => "validation-field-paths",
            Fault::ErrorMissingRequestId => "error-missing-request-id",
            Fault::InventoryNotReleased => "inventory-not-released",
            Fault::CreateReturns200 => "create-returns-200",
            Fault::TokenExpiryIgnored => "token-expiry-ignored",
            Fault::ScopesNotEnforced => "scopes-not-enforced",
            Fault::CrossClientRead => "cross-client-read",
            Fault::WebhookBadSignature => "webhook-bad-signature",
            Fault::WebhookStaleTimestamp => "webhook-stale-timestamp",
            Fault::WebhookMissing => "webhook-missing",
            Fault::WebhookNoRetry => "webhook-no-retry",
            Fault::SchemaOrderId => "schema-order-id",
            Fault::SchemaCreatedAt => "schema-created-at",
            Fault::Latency => "latency",
            Fault::RequestIdNotEchoed => "request-id-not-echoed",
            Fault::ApiVersionMissing => "api-version-missing",
            Fault::CancelAnyStatus => "cancel-any-status",
            Fault::LocationMissing => "location-missing",
            Fault::NotFoundAsEmpty => "not-found-as-empty",
            Fault::PropertyRenamed => "property-renamed",
        }
    }

    /// One line saying which rule of the contract this fault breaks.
    pub fn description(&self) -> &'static str {
        match self {
            Fault::RatelimitHeadersMissing => {
                "no X-RateLimit-Limit/Remaining/Reset headers on /api/v1 responses"
            }
            Fault::Ratelimit429Body => {
                "429 answers carry no Retry-After header and no `retry_after` in the body"
            }
            Fault::IdempotencyIgnored => {
                "a replay with the same X-Idempotency-Key and body creates a second order (201)"
            }
            Fault::IdempotencyConflictIgnored => {
                "same X-Idempotency-Key with a different body answers 200 with the original order instead of 409 DUPLICATE_ORDER"
            }
            Fault::ValidationFieldPaths => {
                "error details use bare field names (`quantity`) instead of paths (`items[0].quantity`)"
            }
            Fault::ErrorMissingRequestId => "error bodies lack `request_id`",
            Fault::InventoryNotReleased => {
                "a declined payment (402) leaves the inventory reservation held"
            }
            Fault::CreateReturns200 => "a newly created order answers 200 instead of 201",
            Fault::TokenExpiryIgnored => "expired bearer tokens are still accepted",
            Fault::ScopesNotEnforced => "scopes are not checked: a read-only token can write",
            Fault::CrossClientRead => "GET of another client's order answers 200 instead of 404",
            Fault::WebhookBadSignature => "webhook signatures are computed with a wrong key",
            Fault::WebhookStaleTimestamp => "X-Webhook-Timestamp is one hour in the past",
            Fault::WebhookMissing => "no order.created webhook is sent",
            Fault::WebhookNoRetry => "failed webhook deliveries are not retried",
            Fault::SchemaOrderId => "order_id does not match ORD-<8 digits> (e.g. ORD-123)",
            Fault::SchemaCreatedAt => {
                "created_at is not RFC 3339 (e.g. `2024/01/15 10:30`)"
            }
            Fault::Latency => "every /api/v1 response is delayed by the configured latency",
            Fault::RequestIdNotEchoed => "X-Request-ID is not echoed on /api/v1 responses",
            Fault::ApiVersionMissing => "X-API-Version is missing on /api/v1 responses",
            Fault::CancelAnyStatus => {
                "cancel of a non-pending order answers 200 instead of 409 CONFLICT"
            }
            Fault::LocationMissing => "201 from POST /api/v1/orders has no Location header",
            Fault::NotFoundAsEmpty => {
                "GET of an unknown order answers 200 with an empty object instead of 404"
            }
            Fault::PropertyRenamed => {
                "the order object carries `estimated_delivery_date` instead of `estimated_delivery`"
            }
        }
    }

    /// All fault names, in `Fault::ALL` order.
    pub fn names() -> Vec<&'static str> {
        Fault::ALL.iter().map(Fault::name).collect()
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
            assert_eq!(f.to_string(), f.name());
            assert!(seen.insert(f.name()));
            assert!(!f.description().is_empty());
        }
        assert!(Fault::ALL.len() >= 18);
        assert!("no-such-fault".parse::<Fault>().is_err());
    }
}
