//! Stage: the embedded webhook receiver, the signature schemes, and the [`Inbox`] that steps
//! wait on. See `docs/webhooks.md`.
//!
//! The receiver records every POST (any path) with its arrival time, headers and raw body
//! (within the inbox's limits: rejected deliveries are counted and only sampled), judges it ([`Verdict`]) and answers as a contract-abiding receiver would: 2xx when valid,
//! 401 for a missing/bad signature or a stale timestamp, 400 for a body that is not JSON or
//! whose event id disagrees with its header, 413 over the size limit. Retries of an event are
//! recorded too, numbered by [`Delivery::attempt`].
pub mod delivery;
pub mod error;
pub mod inbox;
pub mod listen;
pub mod receiver;
pub mod scheme;
mod tls;

pub use delivery::{to_record, Delivery, Verdict};
pub use error::WebhookError;
pub use inbox::{Arrival, Inbox, InboxLimits, InboxStats, Matcher};
pub use listen::{listen, ListenOptions};
pub use receiver::{Receiver, ReceiverConfig, SecretPending, SECRET_WAIT};
pub use scheme::{sign_seed, sign_standard, verify_seed, verify_standard, Scheme};
