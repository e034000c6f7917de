//! Stage 7: the library's entry point. A [`Session`] is one run against one environment:
//! [`Session::prepare`] loads the config and scenarios, resolves the environment and starts
//! what the run needs (HTTP client, auth, webhook receiver, the embedded sandbox through an
//! injected [`EmbeddedProvider`]); [`Session::run`] runs the plan and sends every
//! [`RunEvent`](crate::run::RunEvent) to the caller's sink; [`FinishedRun::write_reports`]
//! writes the report files. The command line (`src/cli/`) is one caller; it knows nothing the
//! library does not expose.
//!
//! The guide below is `docs/library.md`; its examples are compiled as doctests.
#![doc = include_str!("../../docs/library.md")]

mod embedded;
mod error;
mod load;
mod options;
mod prepared;
mod receiver;

pub use embedded::{
    EmbeddedCredentials, EmbeddedError, EmbeddedProvider, EmbeddedServer, EMBEDDED_CLIENT_ID,
    EMBEDDED_CLIENT_SECRET, EMBEDDED_OTHER_ID, EMBEDDED_OTHER_SECRET, EMBEDDED_READONLY_ID,
    EMBEDDED_READONLY_SECRET,
};
pub use error::{Diagnostics, SetupError};
pub use load::{load, load_config, Loaded};
pub use options::{ConfigSource, SessionOptions};
pub use prepared::{FinishedRun, Session};
