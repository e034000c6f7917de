//! Everything that can go wrong while authenticating. Messages never contain a secret: token
//! endpoint bodies are scrubbed of the client secret before they are quoted.
use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// A key of the `auth:` section is wrong or its value cannot be read.
    #[error("invalid auth config at `{key}`{at}: {message}")]
    Config {
        key: String,
        at: String,
        message: String,
    },

    /// A step's `auth:` value cannot be parsed.
    #[error("invalid `auth:` value `{0}`: expected `none`, `invalid`, `expired` or a client name")]
    Selector(String),

    /// A step names an OAuth2 client the environment does not configure.
    #[error("failed to find OAuth2 client `{name}` in environment `{env}` (configured: {known})")]
    UnknownClient {
        env: String,
        name: String,
        known: String,
    },

    /// The selector needs a credential kind the environment does not have.
    #[error("failed to authenticate with `{selector}` in environment `{env}`: {reason}")]
    Unsupported {
        env: String,
        selector: String,
        reason: String,
    },

    /// The token endpoint answered with a non-retryable error (RFC 6749 §5.2).
    #[error("failed to get a token from {url}: HTTP {status}{oauth}")]
    TokenRejected {
        url: String,
        status: u16,
        oauth: String,
    },

    /// The token endpoint kept failing (connect error, timeout, 5xx, 429) through every retry.
    #[error("failed to get a token from {url} after {attempts} attempt(s): {last}")]
    TokenUnavailable {
        url: String,
        attempts: u32,
        last: String,
    },

    /// The token endpoint did not answer (timeouts, refused connections) through the attempts
    /// allowed; every later token request of the run fails at once with this.
    #[error("token endpoint {url} {cause} ({attempts} attempt(s); not asked again in this run)")]
    TokenEndpointDown {
        url: String,
        cause: String,
        attempts: u32,
    },

    /// The token endpoint answered 2xx with a body that is not a usable token response.
    #[error("failed to read the token response of {url}: {reason}")]
    TokenResponse { url: String, reason: String },

    /// `auth: expired` would have to wait longer than conform is willing to.
    #[error(
        "failed to produce an expired token for client `{client}`: its lifetime is {}s, so it \
         expires only after {}s but conform waits at most {}s; use a target with short-lived \
         tokens (e.g. the embedded sandbox with a small `token_ttl`)",
        lifetime.as_secs(), wait.as_secs(), max_wait.as_secs()
    )]
    ExpiredTooLong {
        client: String,
        lifetime: Duration,
        wait: Duration,
        max_wait: Duration,
    },

    /// The mTLS identity or CA bundle cannot be loaded.
    #[error("failed to load {what} from {origin}: {reason}")]
    Tls {
        what: &'static str,
        origin: String,
        reason: String,
    },
}
