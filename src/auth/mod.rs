//! Stage "auth": token sources. OAuth2 client credentials (cached, refreshed ahead of expiry,
//! single flight), a static bearer token, an API key header, mTLS; and the [`Redactor`] that keeps
//! every one of their secrets out of reports. See `docs/auth.md`.
mod error;
mod manager;
pub mod redact;
mod selector;
mod settings;
mod strings;
mod token;

#[cfg(test)]
mod tests;

pub use error::AuthError;
pub use manager::{refresh_after, AuthManager, MAX_EXPIRED_WAIT};
pub use redact::Redactor;
pub use selector::AuthSelector;
pub use settings::{
    ApiKey, AuthSettings, ClientAuth, Mtls, OAuth2Client, OAuth2Settings,
    DEFAULT_REFRESH_THRESHOLD, DEFAULT_RETRY_ATTEMPTS, DEFAULT_RETRY_DELAY, DEFAULT_TOKEN_TIMEOUT,
};
