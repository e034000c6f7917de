#![forbid(unsafe_code)]
//! conform: prove, repeatably, whether a live HTTP API honours its contract.
pub mod auth;
pub mod check;
pub mod cli;
pub mod config;
pub mod contract;
pub mod init;
pub mod parity;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod session;
pub mod source;
pub mod template;
pub mod webhook;

/// The commit this binary was built from: a short hash, `-dirty` when the tracked sources
/// differed from it, `unknown` outside a git checkout, or `CONFORM_BUILD_COMMIT` when set at
/// build time (see `build.rs`).
pub const BUILD_COMMIT: &str = env!("CONFORM_BUILD_COMMIT");

/// What `conform --version` prints after the name: the package version and the commit.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CONFORM_BUILD_COMMIT"),
    ")"
);
