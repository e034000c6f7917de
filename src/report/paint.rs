//! ANSI styling decided by [`TermContext::color`](super::TermContext): no global state, so
//! two reporters with different settings can live in one process (and in parallel tests).
use colored::Color;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Painter {
    color: bool,
}

impl Painter {
    pub(crate) fn new(color: bool) -> Painter {
        Painter { color }
    }

    fn wrap(&self, codes: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{codes}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub(crate) fn fg(&self, color: Color, s: &str) -> String {
        self.wrap(&color.to_fg_str(), s)
    }

    pub(crate) fn bold_fg(&self, color: Color, s: &str) -> String {
        self.wrap(&format!("1;{}", color.to_fg_str()), s)
    }

    pub(crate) fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }

    pub(crate) fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}
