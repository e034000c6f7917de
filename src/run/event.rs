//! The runner emits events; reporters consume them (console, progress). File reporters are
//! built from the final [`RunResult`](super::result::RunResult).
use super::result::{EnvironmentInfo, RunResult, ScenarioResult, StepResult};

#[derive(Debug, Clone)]
pub enum RunEvent {
    RunStarted {
        environment: EnvironmentInfo,
        total: usize,
    },
    ScenarioStarted {
        id: String,
        name: String,
    },
    StepFinished {
        scenario_id: String,
        step: Box<StepResult>,
    },
    ScenarioFinished {
        result: Box<ScenarioResult>,
    },
    RunFinished {
        result: Box<RunResult>,
    },
}

/// Something that consumes run events. Implementations write to an injected writer.
pub trait EventSink: Send {
    fn on_event(&mut self, event: &RunEvent);
}
