//! Stage 7: the library's entry point. A [`Session`] is one run against one environment:
//! [`Session::prepare`] loads the config and scenarios, resolves the environment and starts
//! what the run needs (HTTP client, auth, webhook receiver, the embedded sandbox through an
//! injected [`EmbeddedProvider`]); [`Session::run`] runs the plan and sends every
//! [`RunEvent`](crate::run::RunEvent) to the caller's sink; [`FinishedRun::write_reports`]
//! writes the report files. The command line (`src/cli/`) is one caller; it knows nothing the
//! library does not expose.
//!
//! ```no_run
//! use conform::run::{EventSink, RunEvent};
//! use conform::session::{ConfigSource, Session, SessionOptions};
//!
//! /// A reporter of one's own: the ids of failed scenarios.
//! #[derive(Default)]
//! struct Failures(Vec<String>);
//!
//! impl EventSink for Failures {
//!     fn on_event(&mut self, event: &RunEvent<'_>) {
//!         if let RunEvent::ScenarioFinished { result } = event {
//!             if result.outcome == conform::results::Outcome::Failed {
//!                 self.0.push(result.id.clone());
//!             }
//!         }
//!     }
//! }
//!
//! # async fn example() -> Result<(), conform::session::SetupError> {
//! let options = SessionOptions {
//!     config: ConfigSource::Path("conform.yaml".into()),
//!     env: Some("staging".into()),
//!     ..SessionOptions::default()
//! };
//! // No embedded sandbox: `staging` has a base URL of its own.
//! let session = Session::prepare(options, None).await?;
//! let mut failures = Failures::default();
//! let finished = session.run(&mut failures).await;
//! println!("{} passed, failed: {:?}", finished.result.summary.passed, failures.0);
//! # Ok(())
//! # }
//! ```
mod embedded;
mod error;
mod load;
mod options;
mod prepared;
mod receiver;

pub use embedded::{
    EmbeddedCredentials, EmbeddedError, EmbeddedProvider, EmbeddedServer, EMBEDDED_CLIENT_ID,
    EMBEDDED_CLIENT_SECRET, EMBEDDED_READONLY_ID, EMBEDDED_READONLY_SECRET,
};
pub use error::{Diagnostics, SetupError};
pub use load::{load, load_config, Loaded};
pub use options::{ConfigSource, SessionOptions};
pub use prepared::{FinishedRun, Session};
