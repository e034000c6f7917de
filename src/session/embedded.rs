//! The embedded sandbox, as the session sees it: something the caller starts for an
//! environment with `embedded_sandbox:` settings, given the credentials the session generated,
//! and that answers on a base URL. The harness library never imports the sandbox crate; the
//! command line (`src/cli/`) provides the implementation, a test may provide its own.
use crate::config::{EmbeddedSandboxDoc, Secret};
use futures::future::BoxFuture;

/// Variables an `embedded_sandbox` environment can reference for its generated credentials.
pub const EMBEDDED_CLIENT_ID: &str = "EMBEDDED_SANDBOX_CLIENT_ID";
pub const EMBEDDED_CLIENT_SECRET: &str = "EMBEDDED_SANDBOX_CLIENT_SECRET";
pub const EMBEDDED_READONLY_ID: &str = "EMBEDDED_SANDBOX_READONLY_CLIENT_ID";
pub const EMBEDDED_READONLY_SECRET: &str = "EMBEDDED_SANDBOX_READONLY_CLIENT_SECRET";
pub const EMBEDDED_OTHER_ID: &str = "EMBEDDED_SANDBOX_OTHER_CLIENT_ID";
pub const EMBEDDED_OTHER_SECRET: &str = "EMBEDDED_SANDBOX_OTHER_CLIENT_SECRET";

/// The OAuth 2.0 clients the embedded sandbox must accept: a read-write client, a read-only
/// one and a second read-write one (`other`, for the rules about another client's orders and
/// subscriptions), with secrets generated for this run (secret by type: redacted everywhere).
#[derive(Debug, Clone)]
pub struct EmbeddedCredentials {
    pub client_id: String,
    pub client_secret: Secret,
    pub readonly_id: String,
    pub readonly_secret: Secret,
    pub other_id: String,
    pub other_secret: Secret,
}

impl EmbeddedCredentials {
    /// Fresh secrets for the seeded client names (`sandbox-client`, `sandbox-readonly`,
    /// `sandbox-other`).
    pub fn generate() -> EmbeddedCredentials {
        EmbeddedCredentials {
            client_id: "sandbox-client".into(),
            client_secret: Secret::new(random_token(24)),
            readonly_id: "sandbox-readonly".into(),
            readonly_secret: Secret::new(random_token(24)),
            other_id: "sandbox-other".into(),
            other_secret: Secret::new(random_token(24)),
        }
    }

    /// The values of the `EMBEDDED_SANDBOX_*` variables.
    pub(crate) fn variables(&self) -> [(&'static str, &str); 6] {
        [
            (EMBEDDED_CLIENT_ID, self.client_id.as_str()),
            (EMBEDDED_CLIENT_SECRET, self.client_secret.expose()),
            (EMBEDDED_READONLY_ID, self.readonly_id.as_str()),
            (EMBEDDED_READONLY_SECRET, self.readonly_secret.expose()),
            (EMBEDDED_OTHER_ID, self.other_id.as_str()),
            (EMBEDDED_OTHER_SECRET, self.other_secret.expose()),
        ]
    }

    pub(crate) fn secrets(&self) -> [Secret; 3] {
        [
            self.client_secret.clone(),
            self.readonly_secret.clone(),
            self.other_secret.clone(),
        ]
    }
}

pub(crate) fn random_token(n: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

/// Why the embedded sandbox did not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The environment's `embedded_sandbox:` settings are wrong (an unknown fault, ...).
    #[error("{0}")]
    Settings(String),
    /// It could not start (no thread, no port, ...).
    #[error("{0}")]
    Start(String),
}

/// Starts embedded sandboxes: injected into [`Session::prepare`](super::Session::prepare).
pub trait EmbeddedProvider: Send + Sync {
    fn start<'a>(
        &'a self,
        settings: &'a EmbeddedSandboxDoc,
        credentials: &'a EmbeddedCredentials,
    ) -> BoxFuture<'a, Result<Box<dyn EmbeddedServer>, EmbeddedError>>;
}

/// A started embedded sandbox: where it answers, and how to stop it after the run.
pub trait EmbeddedServer: Send {
    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    fn base_url(&self) -> String;
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}
