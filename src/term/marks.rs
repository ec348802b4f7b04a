//! What vt100's cells cannot hold: strikethrough, blink, hidden, underline
//! styles and colour, and hyperlinks. A cell that has any carries a *mark*:
//! one zero-width character appended to its text, which vt100 moves with the
//! cell through every scroll, insert, delete, resize and snapshot, and which
//! names an entry of this table.
//!
//! Marks are unassigned, default-ignorable code points (U+E0201..U+E0FFF):
//! zero width to every Unicode width table, never printed by a program for
//! what they mean (they mean nothing), and invisible to a terminal that sees
//! one (an older sessui showing a newer job's snapshot).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use unicode_width::UnicodeWidthChar as _;

use super::style::{Color, attr};

/// The code point of mark 0 (no mark, never written).
const MARK_BASE: u32 = 0xE0200;
/// Marks up to U+E0FFF: the last default-ignorable code point of the block.
/// This many different looks can be on screen and in history at once; marks
/// no cell names any more are reused (see `Marks::recycle`).
pub const MAX_MARKS: usize = 0xDFF;
/// Longest hyperlink kept: links are short; a longer one is shown as text
/// without its link rather than grow every snapshot.
const MAX_LINK: usize = 2048;
/// The private OSC a snapshot defines marks with; read only while loading one.
const DEFINE: &[u8] = b"sessui-mark;";

/// What a mark stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Mark {
    /// `attr::STRIKE`, `HIDDEN`, `BLINK`, `RAPID_BLINK`.
    pub flags: u16,
    /// Underline style while vt100 says underlined: 0 or 1 single, 2
    /// double, 3 curly, 4 dotted, 5 dashed.
    pub underline: u8,
    pub underline_color: Color,
    pub link: Option<Arc<str>>,
}

/// The table of marks, the pen's own extras, and a character being read.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    table: Vec<Mark>,
    ids: HashMap<Mark, u16>,
    pen: Mark,
    /// The pen's mark, 0 for none: what follows each printed character.
    id: u16,
    /// A UTF-8 character being read, split across chunks perhaps.
    utf8: Vec<u8>,
    /// Set while a snapshot loads: only then are definitions read.
    pub loading: bool,
    /// The pen's extras saved with the cursor (DECSC, `CSI ? 1049 h`).
    saved: Mark,
    /// Marks that no cell names any more, free to stand for a new look.
    free: Vec<u16>,
    /// The table was full when the pen needed a new mark: the owner should
    /// find which marks are still in use and `recycle` the rest.
    pub full: bool,
}

impl Marks {
    /// Whether printed characters get a mark (the pen has an extra).
    pub fn active(&self) -> bool {
        self.id != 0
    }

    /// The mark `id` stands for.
    pub fn get(&self, id: u16) -> Option<&Mark> {
        usize::from(id)
            .checked_sub(1)
            .and_then(|i| self.table.get(i))
    }

    /// Forgets the pen's extras (`ESC c`); a hyperlink too.
    pub fn reset(&mut self) {
        self.pen = Mark::default();
        self.saved = Mark::default();
        self.id = 0;
    }

    /// The cursor was saved: its pen's extras with it.
    pub fn save(&mut self) {
        self.saved = self.pen.clone();
    }

    /// The cursor was restored: the pen's extras saved with it come back
    /// (none if nothing was saved, as vt100 restores a default pen).
    pub fn restore(&mut self) {
        self.pen = self.saved.clone();
        self.intern();
    }

    /// Applies an SGR's parameters to the pen's extras. Colours' arguments
    /// are skipped, so `38;5;9` is not read as strikethrough.
    pub fn sgr(&mut self, params: &[u8]) {
        // Every SGR passes here: no allocation.
        let mut groups = params.split(|&c| c == b';');
        let pen = &mut self.pen;
        while let Some(g) = groups.next() {
            let mut sub = g.split(|&c| c == b':').map(num);
            let code = sub.next().unwrap_or(0);
            match code {
                0 => {
                    pen.flags = 0;
                    pen.underline = 0;
                    pen.underline_color = Color::Default;
                }
                // A single underline is vt100's own (`4`, which a snapshot's
                // text repeats): no extra, or loading one would mark anew
                // every underlined cell.
                4 => pen.underline = sub.next().filter(|&n| n > 1).map_or(0, |n| n.min(5) as u8),
                21 => pen.underline = 2,
                24 => pen.underline = 0,
                5 => pen.flags = pen.flags & !attr::RAPID_BLINK | attr::BLINK,
                6 => pen.flags = pen.flags & !attr::BLINK | attr::RAPID_BLINK,
                25 => pen.flags &= !(attr::BLINK | attr::RAPID_BLINK),
                8 => pen.flags |= attr::HIDDEN,
                28 => pen.flags &= !attr::HIDDEN,
                9 => pen.flags |= attr::STRIKE,
                29 => pen.flags &= !attr::STRIKE,
                59 => pen.underline_color = Color::Default,
                38 | 48 | 58 => {
                    let mut args = [0u16; 5];
                    let mut n = 0;
                    for v in sub {
                        if n < args.len() {
                            args[n] = v;
                            n += 1;
                        }
                    }
                    let color = if n > 0 {
                        color_sub(&args[..n])
                    } else {
                        // The `;` form: the arguments are the next groups.
                        match groups.next().map(num) {
                            Some(5) => Color::Idx(byte(groups.next().map_or(0, num))),
                            Some(2) => {
                                let mut c = [0u8; 3];
                                for v in &mut c {
                                    *v = byte(groups.next().map_or(0, num));
                                }
                                Color::Rgb(c[0], c[1], c[2])
                            }
                            _ => Color::Default,
                        }
                    };
                    if code == 58 {
                        pen.underline_color = color;
                    }
                }
                _ => {}
            }
        }
        self.intern();
    }

    /// `OSC 8 ; params ; uri`: the link of what is printed next (none when
    /// `uri` is empty). Only printable ASCII is kept: a link is drawn back
    /// inside an escape sequence.
    pub fn link(&mut self, osc: &[u8]) {
        let mut parts = osc.splitn(3, |&b| b == b';');
        let uri = parts.nth(2).unwrap_or_default();
        let safe = uri.len() <= MAX_LINK && uri.iter().all(|b| (0x21..0x7f).contains(b));
        self.pen.link =
            (safe && !uri.is_empty()).then(|| Arc::from(String::from_utf8_lossy(uri).as_ref()));
        self.intern();
    }

    fn intern(&mut self) {
        if self.pen == Mark::default() {
            self.id = 0;
            return;
        }
        if let Some(&id) = self.ids.get(&self.pen) {
            self.id = id;
            return;
        }
        let id = if let Some(id) = self.free.pop() {
            self.table[usize::from(id) - 1] = self.pen.clone();
            id
        } else if self.table.len() < MAX_MARKS {
            self.table.push(self.pen.clone());
            self.table.len() as u16
        } else {
            // Thousands of different looks at once: until the owner frees
            // marks, text shows without its extras rather than grow the
            // table without bound.
            self.full = true;
            self.id = 0;
            return;
        };
        self.ids.insert(self.pen.clone(), id);
        self.id = id;
    }

    /// Frees every mark for which `in_use` is false (indexed by mark id),
    /// then gives the pen a mark again if it has extras.
    pub fn recycle(&mut self, in_use: &[bool]) {
        self.full = false;
        self.free.clear();
        for (i, mark) in self.table.iter_mut().enumerate() {
            let id = i + 1;
            if !in_use.get(id).copied().unwrap_or(false) {
                if self.ids.get(mark) == Some(&(id as u16)) {
                    self.ids.remove(mark);
                }
                *mark = Mark::default();
                self.free.push(id as u16);
            }
        }
        // Lowest ids first, so two emulators fed the same bytes agree.
        self.free.reverse();
        self.intern();
    }

    fn push_mark(&self, out: &mut Vec<u8>) {
        push_char(out, MARK_BASE + u32::from(self.id));
    }

    /// A character was just written to `out` in full (line drawing).
    pub fn after_char(&self, out: &mut Vec<u8>) {
        if self.active() {
            self.push_mark(out);
        }
    }

    /// A byte of text, written with a mark after each whole character that
    /// takes room on the screen.
    pub fn text_byte(&mut self, b: u8, out: &mut Vec<u8>) {
        match b {
            0x80..=0xbf if !self.utf8.is_empty() => {
                self.utf8.push(b);
                let want = match self.utf8[0] {
                    0xf0.. => 4,
                    0xe0.. => 3,
                    _ => 2,
                };
                if self.utf8.len() < want {
                    return;
                }
                out.extend_from_slice(&self.utf8);
                let wide = std::str::from_utf8(&self.utf8)
                    .ok()
                    .and_then(|s| s.chars().next())
                    .and_then(|c| c.width())
                    .is_some_and(|w| w > 0);
                self.utf8.clear();
                if wide {
                    self.push_mark(out);
                }
            }
            0xc2..=0xf4 => {
                self.flush(out);
                self.utf8.push(b);
            }
            _ => {
                self.flush(out);
                out.push(b);
                if (0x20..0x7f).contains(&b) {
                    self.push_mark(out);
                }
            }
        }
    }

    /// Writes a broken character's bytes as they came.
    pub fn flush(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.utf8);
    }

    /// A snapshot's definition of a mark, read while it loads.
    pub fn define(&mut self, osc: &[u8]) {
        if !self.loading {
            return;
        }
        let Some(body) = osc.strip_prefix(DEFINE) else {
            return;
        };
        let f: Vec<&[u8]> = body.splitn(5, |&b| b == b';').collect();
        let [id, flags, underline, color, link] = f[..] else {
            return;
        };
        let id = usize::from(num(id));
        if id > MAX_MARKS {
            return;
        }
        let link = hex_decode(link).filter(|l| !l.is_empty());
        let mark = Mark {
            flags: num(flags),
            underline: num(underline).min(5) as u8,
            underline_color: color_text(color),
            link: link.map(|l| Arc::from(l.as_str())),
        };
        if id == 0 {
            self.saved = mark;
            return;
        }
        if self.table.len() < id {
            self.table.resize(id, Mark::default());
        }
        self.free.retain(|&f| usize::from(f) != id);
        self.ids.insert(mark.clone(), id as u16);
        self.table[id - 1] = mark;
    }

    /// What makes a fresh emulator know every mark (first in a snapshot)
    /// and, `pen`, have this pen's extras (last).
    pub fn state_bytes(&self, pen: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if pen {
            let mut sgr = String::new();
            write_sgr(&self.pen, true, &mut sgr);
            if !sgr.is_empty() {
                out.extend_from_slice(format!("\x1b[{}m", &sgr[1..]).as_bytes());
            }
            if let Some(link) = &self.pen.link {
                out.extend_from_slice(format!("\x1b]8;;{link}\x1b\\").as_bytes());
            }
            // What the cursor saved, after the snapshot's own cursor save:
            // as a definition of mark 0, which no cell names.
            if self.saved != Mark::default() {
                define_bytes(0, &self.saved, &mut out);
            }
            return out;
        }
        // Free entries (default) need no definition.
        for (i, m) in self.table.iter().enumerate() {
            if *m != Mark::default() {
                define_bytes(i + 1, m, &mut out);
            }
        }
        out
    }
}

/// The private OSC that defines mark `id` (0: the pen saved with the cursor).
fn define_bytes(id: usize, m: &Mark, out: &mut Vec<u8>) {
    let color = match m.underline_color {
        Color::Default => String::new(),
        Color::Idx(n) => format!("i{n}"),
        Color::Rgb(r, g, b) => format!("r{r}/{g}/{b}"),
    };
    let link: String = m.link.as_deref().map(hex_encode).unwrap_or_default();
    out.extend_from_slice(b"\x1b]");
    out.extend_from_slice(DEFINE);
    let fields = format!("{id};{};{};{color};{link}\x1b\\", m.flags, m.underline);
    out.extend_from_slice(fields.as_bytes());
}

/// Appends `;`-led SGR parameters for `mark`'s extras (underline style only
/// when `underlined`): `;9;4:3;58:5:1`.
pub fn write_sgr(mark: &Mark, underlined: bool, out: &mut String) {
    use std::fmt::Write as _;
    for (flag, code) in [
        (attr::BLINK, ";5"),
        (attr::RAPID_BLINK, ";6"),
        (attr::HIDDEN, ";8"),
        (attr::STRIKE, ";9"),
    ] {
        if mark.flags & flag != 0 {
            out.push_str(code);
        }
    }
    if underlined && mark.underline >= 2 {
        let _ = write!(out, ";4:{}", mark.underline);
    }
    let _ = match mark.underline_color {
        Color::Default => Ok(()),
        Color::Idx(i) => write!(out, ";58:5:{i}"),
        Color::Rgb(r, g, b) => write!(out, ";58:2::{r}:{g}:{b}"),
    };
}

/// The cell's text without marks, and the last mark in it (0 for none).
pub fn split(text: &str) -> (Cow<'_, str>, u16) {
    let is_mark = |c: char| (MARK_BASE + 1..=MARK_BASE + MAX_MARKS as u32).contains(&u32::from(c));
    let mut id = 0;
    let mut marks = 0;
    for c in text.chars().filter(|&c| is_mark(c)) {
        id = (u32::from(c) - MARK_BASE) as u16;
        marks += 1;
    }
    if marks == 0 {
        return (Cow::Borrowed(text), 0);
    }
    if let Some(rest) = text.strip_suffix(is_mark)
        && marks == 1
    {
        return (Cow::Borrowed(rest), id);
    }
    (
        Cow::Owned(text.chars().filter(|&c| !is_mark(c)).collect()),
        id,
    )
}

/// The ids of the marks in `text`, each set in `in_use` (indexed by id).
pub fn note_used(text: &str, in_use: &mut [bool]) {
    for c in text.chars() {
        let code = u32::from(c);
        if code > MARK_BASE
            && let Some(slot) = in_use.get_mut((code - MARK_BASE) as usize)
        {
            *slot = true;
        }
    }
}

/// `text` with every mark taken out (for text that leaves sessui).
pub fn strip(text: &str) -> Cow<'_, str> {
    if !text.contains(|c: char| (MARK_BASE..=MARK_BASE + MAX_MARKS as u32).contains(&u32::from(c)))
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|&c| !(MARK_BASE..=MARK_BASE + MAX_MARKS as u32).contains(&u32::from(c)))
            .collect(),
    )
}

fn push_char(out: &mut Vec<u8>, code: u32) {
    let mut tmp = [0u8; 4];
    if let Some(c) = char::from_u32(code) {
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }
}

fn num(p: &[u8]) -> u16 {
    p.iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0u16, |n, &c| {
            n.saturating_mul(10).saturating_add(u16::from(c - b'0'))
        })
}

fn byte(n: u16) -> u8 {
    n.min(255) as u8
}

/// A colour in the `:` form: `5:n`, `2:r:g:b` or `2:cs:r:g:b`.
fn color_sub(sub: &[u16]) -> Color {
    match sub {
        [5, n, ..] => Color::Idx(byte(*n)),
        [2, _, r, g, b, ..] | [2, r, g, b] => Color::Rgb(byte(*r), byte(*g), byte(*b)),
        _ => Color::Default,
    }
}

fn color_text(t: &[u8]) -> Color {
    match t.split_first() {
        Some((b'i', n)) => Color::Idx(byte(num(n))),
        Some((b'r', rgb)) => {
            let v: Vec<u16> = rgb.split(|&c| c == b'/').map(num).collect();
            match v[..] {
                [r, g, b] => Color::Rgb(byte(r), byte(g), byte(b)),
                _ => Color::Default,
            }
        }
        _ => Color::Default,
    }
}

fn hex_encode(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(h: &[u8]) -> Option<String> {
    if h.len() % 2 != 0 || h.len() > MAX_LINK * 2 {
        return None;
    }
    let bytes: Option<Vec<u8>> = h
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    let s = String::from_utf8(bytes?).ok()?;
    s.bytes().all(|b| (0x21..0x7f).contains(&b)).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_take_no_room_on_the_screen() {
        for id in [1u32, 100, MAX_MARKS as u32] {
            let c = char::from_u32(MARK_BASE + id).unwrap();
            assert_eq!(c.width(), Some(0), "U+{:X}", MARK_BASE + id);
        }
    }

    #[test]
    fn colour_arguments_are_not_attributes() {
        let mut m = Marks::default();
        m.sgr(b"38;5;9;48;2;5;8;9");
        assert!(!m.active());
        m.sgr(b"58;5;9");
        assert_eq!(m.pen.underline_color, Color::Idx(9));
        assert_eq!(m.pen.flags, 0);
        m.sgr(b"4:3;9;58:2::1:2:3");
        assert_eq!((m.pen.underline, m.pen.flags), (3, attr::STRIKE));
        assert_eq!(m.pen.underline_color, Color::Rgb(1, 2, 3));
        m.sgr(b"");
        assert!(!m.active());
    }

    #[test]
    fn a_snapshot_defines_the_same_marks() {
        let mut m = Marks::default();
        m.sgr(b"9");
        m.link(b"8;;https://example.com/x;y");
        m.sgr(b"4:3;58;5;1");
        let bytes = m.state_bytes(false);
        let mut n = Marks {
            loading: true,
            ..Marks::default()
        };
        let text = String::from_utf8(bytes).unwrap();
        for def in text.split("\x1b\\").filter(|d| !d.is_empty()) {
            n.define(def.trim_start_matches("\x1b]").as_bytes());
        }
        assert_eq!(n.table, m.table);
        // Outside a snapshot a program cannot define marks.
        let mut p = Marks::default();
        p.define(b"sessui-mark;1;4;0;;");
        assert!(p.table.is_empty());
    }

    #[test]
    fn links_are_sanitised() {
        let mut m = Marks::default();
        m.link(b"8;;https://a/\x1b[31m");
        assert!(!m.active());
        m.link(b"8;id=1;https://a/b");
        assert_eq!(m.pen.link.as_deref(), Some("https://a/b"));
    }
}
