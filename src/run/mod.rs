//! Stage 3: plan (select, filter) → execute (scheduler, steps, HTTP) → [`RunEvent`] stream and
//! a [`RunResult`].
pub mod context;
pub mod error;
pub mod event;
pub mod executor;
pub mod http;
pub mod needs;
pub mod plan;
pub mod ratelimit;
pub mod steps;
pub mod verdicts;
pub mod webhooks;
pub use context::RunContext;
pub use error::RunError;
pub use event::{EventSink, FanOut, NoticeLevel, NullSink, RunEvent};
pub use executor::{execute, NoticeReceiver, PostRun, RunOptions, DEFAULT_JOBS};
pub use plan::{plan, PlannedScenario, Selection, TargetTraits};
