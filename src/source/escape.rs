//! Text a target or a webhook sender controls, made safe for one line of a terminal or log.
use std::fmt::Write as _;

/// Longest text from a target printed in a warning.
pub const MAX_WARNING_CHARS: usize = 300;

/// Characters that would move the cursor, start an escape sequence, end the line or reorder
/// what follows: C0/C1 controls (newline, CR and ESC included), the Unicode line and paragraph
/// separators, and the bidirectional overrides.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// `s` on one line: every unsafe character written as `\n`, `\r`, `\t` or `\u{..}`, and at
/// most `max` characters of the original kept (the cut says how long the text was).
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)) + 16);
    for (n, c) in s.chars().enumerate() {
        if n == max {
            let _ = write!(out, "… ({} bytes in all)", s.len());
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_line_breaks_and_escape_codes_and_bounds_the_length() {
        let forged =
            "order.created\n2026-01-01T00:00:00.000Z evt_FAKE attempt 1 valid -> 200\x1b[2K\r";
        let line = one_line(forged, 1000);
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\x1b'));
        assert_eq!(
            line,
            "order.created\\n2026-01-01T00:00:00.000Z evt_FAKE attempt 1 valid -> 200\\u{1b}[2K\\r"
        );
        assert_eq!(one_line("a\u{202E}b", 10), "a\\u{202e}b");
        let long = "x".repeat(600_000);
        let cut = one_line(&long, 300);
        assert!(cut.len() < 340, "{}", cut.len());
        assert!(cut.ends_with("… (600000 bytes in all)"));
    }
}
