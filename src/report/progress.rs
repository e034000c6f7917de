//! The progress bar on an interactive stderr (done/total, failures so far, ETA): a reporter of
//! its own that follows the event stream. The console reporter holds a [`ProgressHandle`] to
//! write its lines above the bar.
use crate::results::Outcome;
use crate::run::{EventSink, RunEvent};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

pub struct ProgressReporter {
    bar: ProgressBar,
    failed: usize,
    color: bool,
}

/// Lets another reporter write while the bar is cleared (lines appear above it).
#[derive(Clone)]
pub struct ProgressHandle(ProgressBar);

impl ProgressHandle {
    /// Runs `f` with the bar cleared, then redraws it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.0.suspend(f)
    }
}

impl ProgressReporter {
    /// A bar on stderr. Add it only when stderr is interactive (`TermContext::interactive`).
    pub fn stderr(color: bool) -> ProgressReporter {
        ProgressReporter::new(ProgressDrawTarget::stderr(), color)
    }

    /// A bar drawn on `target` (tests use a hidden one).
    pub fn new(target: ProgressDrawTarget, color: bool) -> ProgressReporter {
        ProgressReporter {
            bar: ProgressBar::with_draw_target(None, target),
            failed: 0,
            color,
        }
    }

    pub fn handle(&self) -> ProgressHandle {
        ProgressHandle(self.bar.clone())
    }

    /// Finished scenarios so far, and how many of them failed or errored.
    pub fn counts(&self) -> (u64, usize) {
        (self.bar.position(), self.failed)
    }

    fn start(&mut self, total: usize) {
        self.bar.set_length(total as u64);
        let template = if self.color {
            "{spinner:.cyan} [{bar:30.cyan/blue}] {pos}/{len} scenarios {msg}  ETA {eta}"
        } else {
            "{spinner} [{bar:30}] {pos}/{len} scenarios {msg}  ETA {eta}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.enable_steady_tick(Duration::from_millis(120));
    }

    /// Counts one finished scenario; `bad` when it failed or errored.
    fn finished(&mut self, bad: bool) {
        if bad {
            self.failed += 1;
            let msg = format!("{} failed", self.failed);
            self.bar.set_message(if self.color {
                format!("\x1b[31m{msg}\x1b[0m")
            } else {
                msg
            });
        }
        self.bar.inc(1);
    }
}

impl EventSink for ProgressReporter {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        match event {
            RunEvent::RunStarted { total, .. } => self.start(*total),
            RunEvent::ScenarioFinished { result } => {
                self.finished(matches!(result.outcome, Outcome::Failed | Outcome::Errored));
            }
            RunEvent::RunFinished { .. } => self.bar.finish_and_clear(),
            RunEvent::ScenarioStarted { .. } | RunEvent::Notice { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample;

    #[test]
    fn the_bar_counts_finished_scenarios_and_failures() {
        let r = sample();
        let mut p = ProgressReporter::new(ProgressDrawTarget::hidden(), false);
        p.on_event(&RunEvent::RunStarted {
            environment: &r.environment,
            total: r.scenarios.len(),
        });
        for sc in &r.scenarios {
            p.on_event(&RunEvent::ScenarioFinished { result: sc });
        }
        let bad = r
            .scenarios
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Failed | Outcome::Errored))
            .count();
        assert!(bad > 0, "the sample has failures");
        assert_eq!(p.counts(), (r.scenarios.len() as u64, bad));
        assert_eq!(p.bar.length(), Some(r.scenarios.len() as u64));
        p.on_event(&RunEvent::RunFinished { result: &r });
        assert!(p.bar.is_finished());
    }
}
