//! Control characters made visible: a cell may hold an ESC, a bell or a right-to-left override,
//! and every report (the command line, the upload preview) must show it as text instead of
//! letting it act on the terminal or the page.

use std::borrow::Cow;

/// Whether `c` must not reach a report raw: C0 and C1 controls, DEL, and the invisible
/// formatting characters that reorder or hide text (bidirectional overrides and isolates, the
/// line and paragraph separators, zero-width characters and the byte-order mark).
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// `s` with every control character written out: `\n`, `\r`, `\t`, `\x1b` (below U+0100) or
/// `\u{202e}`. Borrowed when there is none (the usual case). Escaping escaped text changes
/// nothing, since the escapes are plain ASCII.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `s` holds a control character other than tab, line feed and carriage return (which
/// a spreadsheet cell may legitimately wrap with).
pub(crate) fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| is_hidden(c) && !matches!(c, '\n' | '\r' | '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_written_out_and_plain_text_is_borrowed() {
        assert!(matches!(escape_control("渝中区"), Cow::Borrowed(_)));
        assert_eq!(escape_control("a\u{1b}[2Jb"), r"a\x1b[2Jb");
        assert_eq!(escape_control("x\ny\u{7f}"), r"x\ny\x7f");
        assert_eq!(escape_control("\u{202e}cod.exe"), r"\u{202e}cod.exe");
        assert_eq!(escape_control("\u{9b}"), r"\x9b");
        let once = escape_control("\u{0}\u{1b}").into_owned();
        assert_eq!(escape_control(&once), once);
        assert!(has_control("a\u{0}"));
        assert!(!has_control("地区\n生产总值\t"));
    }
}
