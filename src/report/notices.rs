//! The notice reporter: [`RunEvent::Notice`]s, one line each (`warning: ...` for warnings), on
//! their own writer — stderr for the command line, apart from the results on stdout.
use super::progress::ProgressHandle;
use crate::run::{EventSink, NoticeLevel, RunEvent};
use std::io::Write;

pub struct NoticeReporter<W: Write + Send> {
    out: W,
    progress: Option<ProgressHandle>,
    prefix: String,
}

impl<W: Write + Send> NoticeReporter<W> {
    pub fn new(out: W) -> Self {
        NoticeReporter {
            out,
            progress: None,
            prefix: String::new(),
        }
    }

    /// Starts each message with `prefix` (which run it is from, when several run at once).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Writes each line with the progress bar cleared.
    pub fn with_progress(mut self, progress: ProgressHandle) -> Self {
        self.progress = Some(progress);
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> EventSink for NoticeReporter<W> {
    fn on_event(&mut self, event: &RunEvent<'_>) {
        let RunEvent::Notice { level, message } = event else {
            return;
        };
        let prefix = &self.prefix;
        let line = match level {
            NoticeLevel::Warning => format!("warning: {prefix}{message}\n"),
            NoticeLevel::Info => format!("{prefix}{message}\n"),
        };
        let out = &mut self.out;
        // A closed stderr must not stop the run: the notice is lost, nothing else.
        let mut write = || out.write_all(line.as_bytes()).and_then(|()| out.flush());
        let _ = match &self.progress {
            Some(p) => p.suspend(write),
            None => write(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_prefixed_and_other_events_ignored() {
        let mut n = NoticeReporter::new(Vec::new());
        n.on_event(&RunEvent::Notice {
            level: NoticeLevel::Warning,
            message: "failed to subscribe",
        });
        n.on_event(&RunEvent::ScenarioStarted { id: "a", name: "a" });
        n.on_event(&RunEvent::Notice {
            level: NoticeLevel::Info,
            message: "waiting for the target's rate limit",
        });
        let text = String::from_utf8(n.into_inner()).unwrap_or_default();
        assert_eq!(
            text,
            "warning: failed to subscribe\nwaiting for the target's rate limit\n"
        );
        let mut n = NoticeReporter::new(Vec::new()).with_prefix("`staging`: ");
        n.on_event(&RunEvent::Notice {
            level: NoticeLevel::Warning,
            message: "failed to subscribe",
        });
        let text = String::from_utf8(n.into_inner()).unwrap_or_default();
        assert_eq!(text, "warning: `staging`: failed to subscribe\n");
    }
}
