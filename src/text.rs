//! Text that did not come from the user (program output, remote hosts, SSH
//! servers) made safe to print on a terminal, and capped before it is stored.
//!
//! A terminal acts on control characters: an escape sequence in a remote
//! exit record, a window title or a server's prompt could move the cursor,
//! retitle the window, rewrite what is on screen or pose as sessui's own
//! text. Bidi overrides and zero-width characters reorder or hide what the
//! eye reads. Every such character is shown as a visible escape instead
//! (`\x1b`, `\u{202e}`), so the text stays readable and nothing acts on it.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

/// Unicode format characters (general category Cf, Unicode 15.1), plus the
/// line and paragraph separators and the invisible Hangul fillers: none of
/// them shows as a glyph, and the bidi ones reorder the text around them.
const INVISIBLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0x3164, 0x3164),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// A format or otherwise invisible character (bidi controls, zero-width
/// spaces and joiners, tags): allowed nowhere a person must read exactly.
pub fn is_invisible(c: char) -> bool {
    let c = u32::from(c);
    INVISIBLE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// A character a terminal would act on or hide: C0 controls, DEL, C1
/// controls, and the invisible ones above.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

fn escape_into(out: &mut String, c: char) {
    let n = u32::from(c);
    if n < 0x80 {
        let _ = write!(out, "\\x{n:02x}");
    } else {
        let _ = write!(out, "\\u{{{n:x}}}");
    }
}

fn escape_where(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = s.char_indices().find(|(_, c)| is_unsafe(*c) && !keep(*c)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first.0]);
    for c in s[first.0..].chars() {
        if is_unsafe(c) && !keep(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of text, safe to print: every unsafe character (newlines and
/// tabs included) shown as an escape.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    escape_where(s, |_| false)
}

/// As `terminal_safe`, keeping newlines (and tabs): for messages and
/// screens that are meant to span lines.
pub fn terminal_safe_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c == '\n' || c == '\t')
}

/// As `terminal_safe_lines`, keeping colour and attribute sequences (SGR,
/// `ESC [ ... m`) whole: what `capture --ansi` promises. Every other escape
/// sequence is shown as text.
pub fn terminal_safe_sgr(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b'
            && let Some(len) = sgr_len(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if is_unsafe(c) && c != '\n' && c != '\t' {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The length of an SGR sequence at the start of `s`, if one is there.
fn sgr_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\x1b[")?;
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';' || *b == b':')
        .count();
    // Far longer than any real SGR: not one we pass on.
    if params > 128 {
        return None;
    }
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

/// At most `max` characters; longer text ends in `…`.
pub fn cap(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((end, _)) => {
            let keep = s[..end]
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(end, |(i, _)| i);
            Cow::Owned(format!("{}…", &s[..keep]))
        }
    }
}

/// Text from a remote host or a program, as it is stored and shown later:
/// capped at `max` characters, then made safe (an escape is never cut).
pub fn ingest(s: &str, max: usize) -> String {
    terminal_safe(&cap(s, max)).into_owned()
}

/// JSON for a terminal: the same values as `serde_json::to_string_pretty`,
/// with every unsafe character written as a `\uXXXX` escape, so a script
/// reading it gets the exact text and a person reading it sees no control.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        SafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser)?;
    // Valid UTF-8: serde_json writes only what it was given and ASCII escapes.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// As `json_pretty`, on one line: for output with one object per line.
pub fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        SafeJson(serde_json::ser::CompactFormatter),
    );
    value.serialize(&mut ser)?;
    // Valid UTF-8: serde_json writes only what it was given and ASCII escapes.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A serde_json formatter that escapes unsafe characters in strings and
/// leaves layout to the formatter it wraps.
struct SafeJson<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeJson<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Quotes for a POSIX shell: the text arrives as one word, whatever it holds.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_untouched() {
        for s in ["build", "日本語 ok", "user@db1:2222", "é\u{301}", ""] {
            assert!(matches!(terminal_safe(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn controls_bidi_and_zero_width_are_escaped_visibly() {
        assert_eq!(terminal_safe("a\x1b]0;x\x07b\x7f"), "a\\x1b]0;x\\x07b\\x7f");
        assert_eq!(terminal_safe("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(terminal_safe("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(terminal_safe("a\u{200b}b\u{feff}"), "a\\u{200b}b\\u{feff}");
        assert_eq!(terminal_safe("two\nlines\t"), "two\\x0alines\\x09");
        assert_eq!(terminal_safe_lines("two\nlines\t\r"), "two\nlines\t\\x0d");
        assert_eq!(terminal_safe("tag\u{e0041}"), "tag\\u{e0041}");
    }

    #[test]
    fn the_format_table_is_sorted_and_disjoint() {
        for w in INVISIBLE.windows(2) {
            assert!(w[0].1 < w[1].0, "{w:x?}");
        }
        assert!(INVISIBLE.iter().all(|(lo, hi)| lo <= hi));
        assert!(!is_invisible('a') && !is_invisible('\u{301}') && !is_invisible('名'));
    }

    #[test]
    fn sgr_survives_and_other_sequences_do_not() {
        let s = "\x1b[1;31mred\x1b[0m \x1b]0;title\x07 \x1b[2J\n";
        assert_eq!(
            terminal_safe_sgr(s),
            "\x1b[1;31mred\x1b[0m \\x1b]0;title\\x07 \\x1b[2J\n"
        );
        assert_eq!(terminal_safe_sgr("\x1b[38:2::1:2:3m"), "\x1b[38:2::1:2:3m");
        assert_eq!(terminal_safe_sgr("\x1b["), "\\x1b[");
    }

    #[test]
    fn caps_count_characters_and_mark_the_cut() {
        assert_eq!(cap("abc", 3), "abc");
        assert_eq!(cap("abcd", 3), "ab…");
        assert_eq!(cap("日本語です", 4), "日本語…");
        assert_eq!(ingest(&"\x1b".repeat(10), 3), "\\x1b\\x1b…");
    }

    #[test]
    fn json_keeps_the_value_and_escapes_what_a_terminal_would_act_on() {
        let v = serde_json::json!({"title": "a\u{9b}b\u{202e}c\u{e0041}", "ok": "日本"});
        let text = json_pretty(&v).unwrap();
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        assert!(text.contains("a\\u009bb\\u202ec\\udb40\\udc41"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            text,
            serde_json::to_string_pretty(&v).unwrap().replace(
                "a\u{9b}b\u{202e}c\u{e0041}",
                "a\\u009bb\\u202ec\\udb40\\udc41"
            )
        );
    }
}
