//! Text for the reporters: durations in words (`123 ms`, `4.56 s`), one-line cuts, and the
//! escaping each output needs (terminal, XML/HTML).
use std::fmt::Write as _;
use std::time::Duration;

/// `123 ms`, `4.56 s`, `2m 03s`.
pub(crate) fn fmt_ms(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
    if ms < 1000.0 {
        format!("{} ms", ms.round() as u64)
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        let secs = (ms / 1000.0).round() as u64;
        format!("{}m {:02}s", secs / 60, secs % 60)
    }
}

/// Milliseconds as a [`Duration`]; negative, NaN or infinite values become zero.
pub(crate) fn duration(ms: f64) -> Duration {
    if ms.is_finite() && ms > 0.0 {
        Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
    } else {
        Duration::ZERO
    }
}

/// Collapses whitespace runs (newlines included) into one space and cuts at `max` chars.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&joined, max)
}

/// Cuts at `max` chars, marking the cut with `…`.
pub(crate) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Makes text from the target safe to print on a terminal: control characters other than
/// newline and tab (ESC in particular) and the noncharacters U+FFFE/U+FFFF are shown as
/// `\u{..}` instead of being interpreted.
pub(crate) fn terminal_safe(s: &str) -> String {
    // Most text is printable ASCII, tabs and newlines: then nothing is escaped, and bytes are
    // quicker to look at than decoded chars.
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t')
    {
        return s.to_string();
    }
    escape_where(s, |c| {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

/// Makes text valid XML 1.0 character data: characters XML cannot carry (NUL and the other
/// C0 controls except tab/LF/CR, U+FFFE, U+FFFF) are written as `\u{..}` so nothing is
/// silently lost; ESC goes the same way, so ANSI colour codes show as text.
pub(crate) fn xml_safe(s: &str) -> String {
    // The common case, looked at byte by byte: ASCII with no control character but tab, CR, LF.
    if s.bytes()
        .all(|b| (0x20..0x80).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return s.to_string();
    }
    escape_where(
        s,
        |c| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..),
    )
}

fn escape_where(s: &str, bad: impl Fn(char) -> bool) -> String {
    if !s.chars().any(&bad) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_ms(123.4), "123 ms");
        assert_eq!(fmt_ms(4560.0), "4.56 s");
        assert_eq!(fmt_ms(123_000.0), "2m 03s");
        assert_eq!(fmt_ms(f64::NAN), "0 ms");
        assert_eq!(duration(-5.0), Duration::ZERO);
        assert_eq!(duration(1500.0), Duration::from_millis(1500));
    }

    #[test]
    fn escapes_what_xml_and_terminals_cannot_take() {
        assert_eq!(
            xml_safe("a\u{0}b\u{1b}[31m\u{FFFF}"),
            "a\\u{0}b\\u{1b}[31m\\u{ffff}"
        );
        assert_eq!(xml_safe("tab\tnl\n😀 ]]> <&>"), "tab\tnl\n😀 ]]> <&>");
        assert_eq!(terminal_safe("x\u{1b}[2Jy\n"), "x\\u{1b}[2Jy\n");
        // The ASCII look and the char look agree at every ASCII byte.
        for b in 0u8..0x80 {
            let s = format!("a{}b", b as char);
            let c = b as char;
            let xml_bad = !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}');
            assert_eq!(xml_safe(&s) != s, xml_bad, "xml_safe at {b:#x}");
            let term_bad = c.is_control() && c != '\n' && c != '\t';
            assert_eq!(terminal_safe(&s) != s, term_bad, "terminal_safe at {b:#x}");
        }
    }

    #[test]
    fn one_line_cuts_on_char_boundaries() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("😀😀😀", 2), "😀😀…");
    }
}
