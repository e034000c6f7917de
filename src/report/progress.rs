//! The progress bar on an interactive stderr: done/total, failures so far, ETA.
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

pub(crate) struct Progress {
    bar: ProgressBar,
    failed: usize,
    color: bool,
}

impl Progress {
    pub(crate) fn new(total: usize, target: ProgressDrawTarget, color: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), target);
        let template = if color {
            "{spinner:.cyan} [{bar:30.cyan/blue}] {pos}/{len} scenarios {msg}  ETA {eta}"
        } else {
            "{spinner} [{bar:30}] {pos}/{len} scenarios {msg}  ETA {eta}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress {
            bar,
            failed: 0,
            color,
        }
    }

    /// Counts one finished scenario; `bad` when it failed or errored.
    pub(crate) fn finished(&mut self, bad: bool) {
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

    /// Runs `f` with the bar cleared, then redraws it: lines written by `f` appear above it.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub(crate) fn clear(&self) {
        self.bar.finish_and_clear();
    }
}
