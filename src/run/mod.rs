//! Stage 3: plan (select, filter) → execute (scheduler, steps, HTTP) → [`RunEvent`] stream and
//! a [`RunResult`].
pub mod event;
pub mod result;
pub use event::{EventSink, RunEvent};
pub use result::*;
