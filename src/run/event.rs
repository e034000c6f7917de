//! The runner emits events; reporters consume them (console, progress, warnings on stderr).
//! File reporters are built from the final [`RunResult`](crate::results::RunResult).
//!
//! Events borrow what they describe: the executor owns every result and lends it to the sink
//! for the duration of one call, so following a run costs no copies of its results.
//!
//! A new reporter is a new [`EventSink`]: combine several with [`FanOut`]; the runner does not
//! change.
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
    /// Something a person watching the run should know that is not a scenario result: the
    /// webhook subscription failed, the run waits for the target's rate limits, the receiver
    /// rejected deliveries. May come at any point, before `RunStarted` and after `RunFinished`
    /// included. The text is already redacted and fit for one terminal line.
    Notice {
        level: NoticeLevel,
        message: &'a str,
    },
}

/// How much a [`RunEvent::Notice`] matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    /// Worth knowing; nothing is wrong (a wait for a rate limit).
    Info,
    /// Something went wrong beside the scenarios (results may be affected).
    Warning,
}

/// Something that consumes run events. Implementations write to an injected writer.
pub trait EventSink: Send {
    fn on_event(&mut self, event: &RunEvent<'_>);
}

impl<S: EventSink + ?Sized> EventSink for &mut S {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        (**self).on_event(event);
    }
}

impl<S: EventSink + ?Sized> EventSink for Box<S> {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        (**self).on_event(event);
    }
}

/// A sink that ignores every event (a run whose caller only wants the [`RunResult`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    fn on_event(&mut self, _event: &RunEvent<'_>) {}
}

/// Several sinks as one: each event goes to every sink, in the order they were added (put a
/// progress bar before the console, so the bar exists before the first line and is cleared
/// before the summary).
#[derive(Default)]
pub struct FanOut<'a> {
    sinks: Vec<Box<dyn EventSink + 'a>>,
}

impl<'a> FanOut<'a> {
    pub fn new() -> Self {
        FanOut { sinks: Vec::new() }
    }

    /// Adds a sink (owned, or `&mut sink` to keep it for reading afterwards).
    pub fn with(mut self, sink: impl EventSink + 'a) -> Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Adds a sink in place.
    pub fn push(&mut self, sink: impl EventSink + 'a) {
        self.sinks.push(Box::new(sink));
    }

    pub fn len(&self) -> usize {
        self.sinks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }
}

impl EventSink for FanOut<'_> {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        for s in &mut self.sinks {
            s.on_event(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records `name:kind` for each event it sees, into a log shared with other recorders.
    struct Recorder<'l> {
        name: &'static str,
        log: &'l std::sync::Mutex<Vec<String>>,
    }

    impl EventSink for Recorder<'_> {
        fn on_event(&mut self, event: &RunEvent<'_>) {
            let kind = match event {
                RunEvent::RunStarted { total, .. } => format!("started({total})"),
                RunEvent::ScenarioStarted { id, .. } => format!("start({id})"),
                RunEvent::ScenarioFinished { result } => format!("finish({})", result.id),
                RunEvent::RunFinished { .. } => "finished".to_string(),
                RunEvent::Notice { message, .. } => format!("notice({message})"),
            };
            if let Ok(mut log) = self.log.lock() {
                log.push(format!("{}:{kind}", self.name));
            }
        }
    }

    #[test]
    fn fan_out_gives_every_event_to_every_sink_in_order() {
        let log = std::sync::Mutex::new(Vec::new());
        let mut kept = Recorder {
            name: "b",
            log: &log,
        };
        let mut fan = FanOut::new()
            .with(Recorder {
                name: "a",
                log: &log,
            })
            .with(&mut kept);
        fan.push(NullSink);
        assert_eq!(fan.len(), 3);
        let env = EnvironmentInfo {
            name: "test".into(),
            base_url: "http://127.0.0.1:1".into(),
            production: false,
            capabilities: Vec::new(),
            note: None,
        };
        fan.on_event(&RunEvent::RunStarted {
            environment: &env,
            total: 2,
        });
        fan.on_event(&RunEvent::ScenarioStarted { id: "x", name: "x" });
        fan.on_event(&RunEvent::Notice {
            level: NoticeLevel::Warning,
            message: "careful",
        });
        drop(fan);
        // The borrowed sink is still ours after the fan-out is gone.
        kept.on_event(&RunEvent::ScenarioStarted { id: "y", name: "y" });
        let log = log.into_inner().unwrap_or_default();
        assert_eq!(
            log,
            [
                "a:started(2)",
                "b:started(2)",
                "a:start(x)",
                "b:start(x)",
                "a:notice(careful)",
                "b:notice(careful)",
                "b:start(y)",
            ]
        );
    }

    #[test]
    fn an_empty_fan_out_accepts_events() {
        let mut fan = FanOut::new();
        assert!(fan.is_empty());
        fan.on_event(&RunEvent::ScenarioStarted { id: "x", name: "x" });
    }
}
