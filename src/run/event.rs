//! The runner emits events; reporters consume them (console, progress). File reporters are
//! built from the final [`RunResult`](crate::results::RunResult).
//!
//! Events borrow what they describe: the executor owns every result and lends it to the sink
//! for the duration of one call, so following a run costs no copies of its results.
use crate::results::{EnvironmentInfo, RunResult, ScenarioResult};

#[derive(Debug, Clone, Copy)]
pub enum RunEvent<'a> {
    RunStarted {
        environment: &'a EnvironmentInfo,
        total: usize,
    },
    /// A scenario got a job slot and starts now.
    ScenarioStarted {
        id: &'a str,
        name: &'a str,
    },
    ScenarioFinished {
        result: &'a ScenarioResult,
    },
    RunFinished {
        result: &'a RunResult,
    },
}

/// Something that consumes run events. Implementations write to an injected writer.
pub trait EventSink: Send {
    fn on_event(&mut self, event: &RunEvent<'_>);
}
