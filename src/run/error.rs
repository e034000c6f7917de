//! Why a step could not be run or judged: a [`RunError`], typed by what failed and carrying
//! the place in the scenario it failed at. A run error is not a failure (the target did not
//! break the contract: conform could not check); it errors the step and its scenario.
//!
//! It is shown like the loader's diagnostics, the cause chain on the first line (which
//! one-line views — the console's summary, JUnit's `message`, annotations — show alone):
//!
//! ```text
//! scenarios/orders.yaml:12:15: error: failed to render the request path: undefined variable `ordr_id`
//!    |
//! 12 |         path: "/orders/{{ ordr_id }}"
//!    |               ^
//! ```
use crate::source::{render_diagnostics, Diagnostic, SourceLocation};
use crate::template::TemplateError;
use std::error::Error as StdError;
use std::sync::Arc;

/// A lower layer's error, kept as the cause (its own chain included).
pub type Cause = Box<dyn StdError + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A template (path, header, body, variable, operand) did not render.
    #[error("failed to render {what}")]
    Template {
        what: String,
        at: SourceLocation,
        #[source]
        source: TemplateError,
    },
    /// A fixture file could not be read or is not JSON.
    #[error("failed to read fixture `{name}`")]
    Fixture {
        name: String,
        at: SourceLocation,
        #[source]
        source: Cause,
    },
    /// The exchange failed: connect, timeout, TLS, reading the body, an invalid URL.
    #[error("failed to {what}")]
    Http {
        what: String,
        at: SourceLocation,
        #[source]
        source: Cause,
    },
    /// No credentials could be had for the request.
    #[error("failed to authenticate the request")]
    Auth {
        at: SourceLocation,
        #[source]
        source: Cause,
    },
    /// The webhook receiver or a subscription was not there or did not work.
    #[error("failed to {what}")]
    Webhook {
        what: String,
        at: SourceLocation,
        #[source]
        source: Cause,
    },
    /// The step cannot run as written (what validation lets through only when it is
    /// bypassed, or what only shows once rendered: `repeat.times` that is not a number).
    #[error("{message}")]
    Invalid { message: String, at: SourceLocation },
    /// Several members of a `group` failed.
    #[error("{} group members could not be run", .0.len())]
    Group(Vec<RunError>),
}

impl RunError {
    pub fn template(what: impl Into<String>, at: SourceLocation, source: TemplateError) -> Self {
        RunError::Template {
            what: what.into(),
            at,
            source,
        }
    }

    pub fn http(what: impl Into<String>, at: SourceLocation, cause: impl Into<Cause>) -> Self {
        RunError::Http {
            what: what.into(),
            at,
            source: cause.into(),
        }
    }

    pub fn webhook(what: impl Into<String>, at: SourceLocation, cause: impl Into<Cause>) -> Self {
        RunError::Webhook {
            what: what.into(),
            at,
            source: cause.into(),
        }
    }

    pub fn invalid(message: impl Into<String>, at: SourceLocation) -> Self {
        RunError::Invalid {
            message: message.into(),
            at,
        }
    }

    /// Where in the scenario it happened.
    pub fn at(&self) -> &SourceLocation {
        match self {
            RunError::Template { at, .. }
            | RunError::Fixture { at, .. }
            | RunError::Http { at, .. }
            | RunError::Auth { at, .. }
            | RunError::Webhook { at, .. }
            | RunError::Invalid { at, .. } => at,
            RunError::Group(errors) => errors.first().map_or(&UNKNOWN, RunError::at),
        }
    }

    /// The causes under the message, outermost first.
    pub fn causes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut next = self.source();
        while let Some(e) = next {
            out.push(e.to_string());
            next = e.source();
        }
        out
    }

    /// The message and its causes: `failed to X: cause: cause`. A template error repeats
    /// its template, which the place already shows: only its cause is kept.
    pub fn chain(&self) -> String {
        let mut parts = vec![self.to_string()];
        match self {
            RunError::Template { source, .. } => parts.push(source.cause()),
            _ => parts.extend(self.causes()),
        }
        parts.join(": ")
    }

    /// One line: `file:line:column: message: cause: cause`.
    pub fn one_line(&self) -> String {
        if let RunError::Group(errors) = self {
            let each: Vec<String> = errors.iter().map(RunError::one_line).collect();
            return each.join("; ");
        }
        format!("{}: {}", self.at(), self.chain())
    }

    /// Like a diagnostic of the loader: the place, the message and its causes, then the
    /// source line with a caret under the column (when `source` has it). No colour: the
    /// text goes into results and reports as well.
    pub fn render(&self, source: Option<&Arc<str>>) -> String {
        if let RunError::Group(errors) = self {
            return errors.iter().map(|e| e.render(source)).collect();
        }
        let at = self.at();
        let d = Diagnostic::error(at.clone(), self.chain());
        let lookup = |f: &str| source.filter(|_| f == at.file).cloned();
        render_diagnostics(std::slice::from_ref(&d), &lookup, false)
    }
}

static UNKNOWN: SourceLocation = SourceLocation {
    file: String::new(),
    line: 0,
    column: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64, column: u64) -> SourceLocation {
        SourceLocation {
            file: "scenarios/orders.yaml".into(),
            line,
            column,
        }
    }

    const SRC: &str = "scenarios:\n  - name: x\n    steps:\n      - request:\n          method: GET\n          path: \"/orders/{{ ordr_id }}\"\n";

    #[test]
    fn renders_with_a_caret_and_the_cause_chain() {
        let e = RunError::template(
            "the request path",
            at(6, 17),
            TemplateError::Undefined {
                template: "/orders/{{ ordr_id }}".into(),
                name: "ordr_id".into(),
            },
        );
        let src: Arc<str> = Arc::from(SRC);
        assert_eq!(
            e.render(Some(&src)),
            "scenarios/orders.yaml:6:17: error: failed to render the request path: undefined variable `ordr_id`\n\
             \x20 |\n\
             6 |           path: \"/orders/{{ ordr_id }}\"\n\
             \x20 |                 ^\n"
        );
        assert_eq!(
            e.one_line(),
            "scenarios/orders.yaml:6:17: failed to render the request path: undefined variable `ordr_id`"
        );
        // Without the source: the place, the message and the causes still.
        assert_eq!(
            e.render(None),
            "scenarios/orders.yaml:6:17: error: failed to render the request path: undefined variable `ordr_id`\n"
        );
        // The cause keeps its own chain.
        let io = std::io::Error::other(TemplateError::Render {
            template: "t".into(),
            cause: "deep".into(),
        });
        let e = RunError::Fixture {
            name: "a.json".into(),
            at: at(4, 9),
            source: io.into(),
        };
        assert_eq!(
            e.one_line(),
            "scenarios/orders.yaml:4:9: failed to read fixture `a.json`: failed to render template `t`: deep"
        );
    }

    #[test]
    fn causes_follow_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = RunError::http("send POST /orders", at(4, 9), io);
        assert_eq!(e.to_string(), "failed to send POST /orders");
        assert_eq!(e.causes(), ["refused"]);
        let g = RunError::Group(vec![e, RunError::invalid("bad", at(5, 1))]);
        assert_eq!(g.at(), &at(4, 9));
        assert_eq!(
            g.one_line(),
            "scenarios/orders.yaml:4:9: failed to send POST /orders: refused; scenarios/orders.yaml:5:1: bad"
        );
    }
}
