//! Settings of one sandbox instance.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::fault::Fault;
use crate::variant::{Variant, Variants};

/// One OAuth client the sandbox accepts on `POST /oauth/token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
}

impl ClientSpec {
    pub fn new(client_id: &str, client_secret: &str, scopes: &[&str]) -> Self {
        ClientSpec {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// The two clients seeded by contract §7, and `sandbox-other`: a second read-write
    /// client (beyond the contract, which allows more clients), so that the rules about
    /// another client's orders and subscriptions can be tried on a sandbox.
    pub fn seeded() -> Vec<ClientSpec> {
        vec![
            ClientSpec::new("sandbox-client", "sandbox-secret", &["read", "write"]),
            ClientSpec::new("sandbox-readonly", "sandbox-secret", &["read"]),
            ClientSpec::new("sandbox-other", "sandbox-secret", &["read", "write"]),
        ]
    }
}

/// Everything a sandbox can be told at start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Lifetime of issued bearer tokens (`expires_in`).
    pub token_ttl: Duration,
    /// Multiplies every per-minute and daily rate limit.
    pub rate_scale: f64,
    /// Per-minute limit of the `POST /api/v1/orders` rule; `None` = 100 × `rate_scale`.
    pub orders_limit: Option<u32>,
    /// Multiplies the webhook retry schedule (60, 300, 1800, 7200 s between attempts).
    pub webhook_retry_scale: f64,
    /// How long one webhook delivery attempt may take before it counts as failed.
    pub delivery_timeout: Duration,
    /// Extra delay added to every `/api/v1` response by the `latency` fault.
    pub latency: Duration,
    /// Deliberate contract violations switched on.
    pub faults: BTreeSet<Fault>,
    /// Allowed variants switched on: other answers the contract leaves free.
    pub variants: Variants,
    /// OAuth clients accepted by the token endpoint.
    pub clients: Vec<ClientSpec>,
    /// Serve the sandbox controls (`/sandbox/v1`, contract §7). Off, the sandbox looks like
    /// a staging system: those paths are 404.
    pub controls: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            token_ttl: Duration::from_secs(3600),
            rate_scale: 1.0,
            orders_limit: None,
            webhook_retry_scale: 1.0,
            delivery_timeout: Duration::from_secs(30),
            latency: Duration::from_millis(300),
            faults: BTreeSet::new(),
            variants: Variants::default(),
            clients: ClientSpec::seeded(),
            controls: true,
        }
    }
}

impl SandboxConfig {
    /// Is this fault switched on?
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Is this allowed variant switched on?
    pub fn variant(&self, variant: Variant) -> bool {
        self.variants.has(variant)
    }
}
