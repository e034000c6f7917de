//! The terminal is decided once, here, and passed down as a [`TermContext`].
use std::io::IsTerminal;

/// The `--color` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// What the terminal can do, read once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermContext {
    /// Emit ANSI colour codes on the console output.
    pub color: bool,
    /// stderr is a TTY and this is not CI: draw a progress bar there.
    pub interactive: bool,
    /// A `CI` environment variable is set (and not `false`/`0`).
    pub ci: bool,
}

impl TermContext {
    /// Reads `NO_COLOR`, `CLICOLOR_FORCE`, `TERM`, `CI` and whether stdout/stderr are terminals.
    pub fn detect(choice: ColorChoice) -> TermContext {
        TermContext::from_parts(
            choice,
            |name| std::env::var(name).ok(),
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        )
    }

    /// The decision itself, without touching the process: `env` looks a variable up.
    ///
    /// Precedence for colour: `--color always|never`, then `NO_COLOR` (any non-empty value)
    /// turns colour off, then `CLICOLOR_FORCE` (non-empty, not `0`) turns it on, then
    /// colour only when stdout is a terminal and `TERM` is not `dumb`.
    pub fn from_parts(
        choice: ColorChoice,
        env: impl Fn(&str) -> Option<String>,
        stdout_tty: bool,
        stderr_tty: bool,
    ) -> TermContext {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        let truthy = |name: &str| {
            env(name).is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
        };
        let ci = truthy("CI");
        let dumb = env("TERM").is_some_and(|t| t == "dumb");
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if set("NO_COLOR") {
                    false
                } else if truthy("CLICOLOR_FORCE") {
                    true
                } else {
                    stdout_tty && !dumb
                }
            }
        };
        TermContext {
            color,
            interactive: stderr_tty && !ci && !dumb,
            ci,
        }
    }

    /// Plain output: no colour, no progress bar (tests, files, pipes).
    pub fn plain() -> TermContext {
        TermContext {
            color: false,
            interactive: false,
            ci: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(choice: ColorChoice, vars: &[(&str, &str)], out: bool, err: bool) -> TermContext {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TermContext::from_parts(
            choice,
            |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            out,
            err,
        )
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert!(ctx(ColorChoice::Auto, &[], true, true).color);
        assert!(!ctx(ColorChoice::Auto, &[], false, true).color);
        assert!(ctx(ColorChoice::Auto, &[], true, true).interactive);
    }

    #[test]
    fn no_color_beats_force_but_not_always() {
        let both = [("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")];
        assert!(!ctx(ColorChoice::Auto, &both, true, true).color);
        assert!(ctx(ColorChoice::Always, &both, false, false).color);
        assert!(!ctx(ColorChoice::Never, &[("CLICOLOR_FORCE", "1")], true, true).color);
        // An empty NO_COLOR does not count (no-color.org).
        assert!(ctx(ColorChoice::Auto, &[("NO_COLOR", "")], true, true).color);
    }

    #[test]
    fn clicolor_force_colours_a_pipe() {
        assert!(ctx(ColorChoice::Auto, &[("CLICOLOR_FORCE", "1")], false, false).color);
        assert!(!ctx(ColorChoice::Auto, &[("CLICOLOR_FORCE", "0")], false, false).color);
    }

    #[test]
    fn ci_is_never_interactive() {
        let c = ctx(ColorChoice::Auto, &[("CI", "true")], true, true);
        assert!(c.ci && !c.interactive);
        let c = ctx(ColorChoice::Auto, &[("CI", "false")], true, true);
        assert!(!c.ci && c.interactive);
        assert!(!ctx(ColorChoice::Auto, &[("TERM", "dumb")], true, true).interactive);
    }
}
