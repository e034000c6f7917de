//! conform-sandbox: the reference implementation of the Orders API v1 contract, with
//! switchable deliberate faults and allowed variants, for testing the conform harness (and its users' suites).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use conform_sandbox::{RunningSandbox, SandboxConfig};
//! let sb = RunningSandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("serving on {}", sb.url());
//! sb.shutdown().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod auth;
mod config;
mod controls;
mod error;
mod fault;
mod lists;
mod middleware;
mod orders;
mod ratelimit;
mod server;
mod state;
mod util;
mod validate;
mod variant;
mod webhooks;

pub use config::{ClientSpec, SandboxConfig};
pub use fault::{Fault, UnknownFault};
pub use server::{app, RunningSandbox, OPENAPI_YAML};
pub use state::SandboxState;
pub use variant::{UnknownVariant, Variant, Variants};
pub use webhooks::sign as webhook_signature;
