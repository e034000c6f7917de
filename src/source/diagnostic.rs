//! Problems found in scenario files, and their compiler-style rendering.

use crate::source::SourceLocation;
use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem at one place. `line`/`column` are 1-based; `0` means the whole file (e.g. it
/// could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: SourceLocation,
    pub message: String,
    pub severity: Severity,
}

impl Diagnostic {
    pub fn error(location: SourceLocation, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            message: message.into(),
            severity: Severity::Error,
        }
    }

    pub fn warning(location: SourceLocation, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            message: message.into(),
            severity: Severity::Warning,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `path:line:column: error: message` (or `path: error: message` without a position).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.location;
        if l.line == 0 {
            write!(
                f,
                "{}: {}: {}",
                l.file,
                self.severity.as_str(),
                self.message
            )
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                l.file,
                l.line,
                l.column,
                self.severity.as_str(),
                self.message
            )
        }
    }
}

/// Whether any diagnostic is an error (warnings do not stop a run).
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";

/// Renders diagnostics like a compiler: the `path:line:column: error: message` line, then the
/// offending source line with a line-number gutter and a caret under the column.
///
/// ```text
/// scenarios/orders.yaml:5:9: error: unknown field `expcet`, did you mean `expect`?
///   |
/// 5 |       - expcet:
///   |         ^
/// ```
/// `sources` maps a diagnostic's file to its text; without it only the first line is printed.
pub fn render_diagnostics(
    diags: &[Diagnostic],
    sources: &dyn Fn(&str) -> Option<Arc<str>>,
    color: bool,
) -> String {
    let paint = |code: &'static str, text: &str| -> String {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for d in diags {
        let l = &d.location;
        let sev_color = match d.severity {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
        };
        let head = if l.line == 0 {
            format!("{}:", l.file)
        } else {
            format!("{}:{}:{}:", l.file, l.line, l.column)
        };
        out.push_str(&paint(BOLD, &head));
        out.push(' ');
        out.push_str(&paint(sev_color, &format!("{}:", d.severity.as_str())));
        out.push(' ');
        out.push_str(&paint(BOLD, &d.message));
        out.push('\n');
        let line_text = (l.line > 0)
            .then(|| sources(&l.file))
            .flatten()
            .and_then(|src| {
                src.lines()
                    .nth(usize::try_from(l.line - 1).ok()?)
                    .map(str::to_string)
            });
        if let Some(text) = line_text {
            let text = text.trim_end_matches('\r');
            let num = l.line.to_string();
            let pad = " ".repeat(num.len());
            // Tabs stay tabs so the caret lines up however the terminal expands them.
            let col = usize::try_from(l.column.max(1) - 1).unwrap_or(0);
            let indent: String = text
                .chars()
                .take(col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("{pad} {}\n", paint(BLUE, "|")));
            out.push_str(&format!("{} {}\n", paint(BLUE, &format!("{num} |")), text));
            out.push_str(&format!(
                "{pad} {} {indent}{}\n",
                paint(BLUE, "|"),
                paint(sev_color, "^")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(line: u64, column: u64) -> SourceLocation {
        SourceLocation {
            file: "s/orders.yaml".into(),
            line,
            column,
        }
    }

    const SRC: &str = "scenarios:\n  - name: x\n    steps:\n      - expcet: 1\n";

    #[test]
    fn renders_line_gutter_and_caret() {
        let d = vec![
            Diagnostic::error(loc(4, 9), "unknown field `expcet`, did you mean `expect`?"),
            Diagnostic::warning(loc(2, 11), "something odd"),
        ];
        let src: Arc<str> = Arc::from(SRC);
        let out = render_diagnostics(&d, &|f| (f == "s/orders.yaml").then(|| src.clone()), false);
        assert_eq!(
            out,
            "s/orders.yaml:4:9: error: unknown field `expcet`, did you mean `expect`?\n\
             \x20 |\n\
             4 |       - expcet: 1\n\
             \x20 |         ^\n\
             s/orders.yaml:2:11: warning: something odd\n\
             \x20 |\n\
             2 |   - name: x\n\
             \x20 |           ^\n"
        );
    }

    #[test]
    fn renders_without_source_or_position() {
        let d = vec![
            Diagnostic::error(loc(0, 0), "failed to read file: not found"),
            Diagnostic::error(loc(3, 1), "no source"),
        ];
        let out = render_diagnostics(&d, &|_| None, false);
        assert_eq!(out, "s/orders.yaml: error: failed to read file: not found\ns/orders.yaml:3:1: error: no source\n");
        assert_eq!(d[1].to_string(), "s/orders.yaml:3:1: error: no source");
    }

    #[test]
    fn color_wraps_parts_in_ansi_codes() {
        let d = vec![Diagnostic::error(loc(1, 1), "bad")];
        let src: Arc<str> = Arc::from(SRC);
        let out = render_diagnostics(&d, &|_| Some(src.clone()), true);
        assert!(out.contains("\x1b[1;31merror:\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[1;31m^\x1b[0m"), "{out:?}");
    }

    #[test]
    fn wide_line_numbers_align_the_gutter() {
        let src: Arc<str> = Arc::from(format!("{}bad: 1\n", "a: 1\n".repeat(11)));
        let d = vec![Diagnostic::error(loc(12, 1), "x")];
        let out = render_diagnostics(&d, &|_| Some(src.clone()), false);
        assert_eq!(
            out,
            "s/orders.yaml:12:1: error: x\n   |\n12 | bad: 1\n   | ^\n"
        );
    }
}
