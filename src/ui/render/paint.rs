//! Painting a session's screen straight onto the terminal: only the rows that
//! differ from what the terminal shows are written, as escape codes, with no
//! cell-by-cell buffer in between. The attached view paints this way while
//! nothing covers the session, which is where a keystroke's echo is drawn: a
//! ratatui frame of a full screen (reset, fill, compare every cell) costs
//! several times the echo's whole trip.

use std::fmt::Write as _;
use std::io::Write as _;

use ratatui::layout::Rect;

use crate::term::{Color, Dirty, Emulator, Pen, attr};

/// What the terminal shows in the session's area: each row's formatted text
/// as last written there, `None` where it is not known. The renderer's one
/// cache: the model only says which rows changed.
pub struct Painted {
    area: Rect,
    rows: Vec<Option<String>>,
    /// The cursor as the last paint left it (the bytes that placed or hid
    /// it); `None` once something else may have moved it.
    cursor: Option<Vec<u8>>,
}

impl Painted {
    /// An area whose contents are not known: the first paint writes every row.
    pub fn new(area: Rect) -> Painted {
        Painted {
            area,
            rows: vec![None; usize::from(area.height)],
            cursor: None,
        }
    }

    pub fn area(&self) -> Rect {
        self.area
    }

    /// Something else was written to the terminal and may have moved its
    /// cursor: the next paint places it again.
    pub fn forget_cursor(&mut self) {
        self.cursor = None;
    }

    /// Something else was drawn over row `row`: the next paint writes it again.
    pub fn forget(&mut self, row: u16) {
        if let Some(r) = self.rows.get_mut(usize::from(row)) {
            *r = None;
        }
    }

    /// Appends to `out` what turns the terminal's area into `emu`'s live
    /// screen, then places (or hides) the cursor; appends nothing when the
    /// terminal already shows all of it. `dirty` is what the model
    /// says changed since the last paint (`Emulator::take_dirty`); rows not
    /// in it are not looked at (a keystroke's echo: one). The area must be
    /// as wide as the screen and reach the terminal's right edge: a row is
    /// cleared to the end of the line before it is written.
    pub fn paint(&mut self, emu: &Emulator, dirty: Dirty, out: &mut Vec<u8>) {
        let area = self.area;
        let (cols, rows) = emu.size();
        let width = cols.min(area.width);
        let shown = rows.min(area.height);
        let mut text = String::new();
        let mut wrote = false;
        for r in 0..shown {
            let known = &mut self.rows[usize::from(r)];
            if known.is_some() && !dirty.contains(r) {
                continue;
            }
            text.clear();
            format_row(emu, r, width, &mut text);
            if known.as_deref() == Some(text.as_str()) {
                continue;
            }
            // Each row starts at its first column with no attributes.
            let _ = write!(out, "\x1b[{};{}H\x1b[m\x1b[K", area.y + r + 1, area.x + 1);
            out.extend_from_slice(text.as_bytes());
            // The row's old text becomes the buffer for the next row.
            text = known.replace(std::mem::take(&mut text)).unwrap_or_default();
            wrote = true;
        }
        if wrote {
            out.extend_from_slice(b"\x1b[m");
        }
        // Below a shorter session the area is blank.
        for (r, known) in self.rows.iter_mut().enumerate().skip(shown.into()) {
            if known.as_deref() != Some("") {
                let _ = write!(out, "\x1b[{};{}H\x1b[K", area.y + r as u16 + 1, area.x + 1);
                *known = Some(String::new());
                wrote = true;
            }
        }
        let mut cursor = Vec::new();
        let (row, col) = emu.cursor_position();
        if emu.hide_cursor() || row >= area.height || col >= area.width {
            cursor.extend_from_slice(b"\x1b[?25l");
        } else {
            let _ = write!(
                cursor,
                "\x1b[{};{}H\x1b[?25h",
                area.y + row + 1,
                area.x + col + 1
            );
        }
        // An idle session's frame (a tick, a status line that did not
        // change) writes nothing: a terminal left open all day hears nothing.
        if wrote || self.cursor.as_ref() != Some(&cursor) {
            out.extend_from_slice(&cursor);
            self.cursor = Some(cursor);
        }
    }
}

/// Sets exactly `pen`'s attributes, from any.
fn write_pen(pen: Pen, out: &mut String) {
    out.push_str("\x1b[0");
    for (flag, code) in [
        (attr::BOLD, "1"),
        (attr::DIM, "2"),
        (attr::ITALIC, "3"),
        (attr::INVERSE, "7"),
        (attr::BLINK, "5"),
        (attr::RAPID_BLINK, "6"),
        (attr::HIDDEN, "8"),
        (attr::STRIKE, "9"),
    ] {
        if pen.has(flag) {
            out.push(';');
            out.push_str(code);
        }
    }
    if pen.has(attr::UNDERLINE) {
        // Terminals that know no underline styles read `4:3` as an underline.
        match pen.underline {
            0 | 1 => out.push_str(";4"),
            n => {
                let _ = write!(out, ";4:{n}");
            }
        }
    }
    let _ = match pen.underline_color {
        Color::Default => Ok(()),
        Color::Idx(i) => write!(out, ";58:5:{i}"),
        Color::Rgb(r, g, b) => write!(out, ";58:2::{r}:{g}:{b}"),
    };
    for (color, base) in [(pen.fg, 30u8), (pen.bg, 40u8)] {
        let _ = match color {
            Color::Default => Ok(()),
            Color::Idx(i) if i < 8 => write!(out, ";{}", base + i),
            Color::Idx(i) if i < 16 => write!(out, ";{}", base + 60 + i - 8),
            Color::Idx(i) => write!(out, ";{};5;{i}", base + 8),
            Color::Rgb(r, g, b) => write!(out, ";{};2;{r};{g};{b}", base + 8),
        };
    }
    out.push('m');
}

/// Row `r`'s first `width` cells as text and SGR sequences, for a terminal
/// whose cursor is at the row's start with no attributes and the row
/// cleared: blanks at the end are left out, other blanks are spaces.
fn format_row(emu: &Emulator, r: u16, width: u16, out: &mut String) {
    let mut pen = Pen::PLAIN;
    let mut link: Option<&str> = None;
    let mut blanks = 0;
    let mut col = 0;
    while col < width {
        let Some(cell) = emu.cell_view(r, col) else {
            break;
        };
        let next = cell.pen;
        if cell.is_blank() {
            blanks += 1;
            col += 1;
            continue;
        }
        if blanks > 0 {
            if link.is_some() {
                out.push_str("\x1b]8;;\x1b\\");
                link = None;
            }
            if pen != Pen::PLAIN {
                write_pen(Pen::PLAIN, out);
                pen = Pen::PLAIN;
            }
            out.extend(std::iter::repeat_n(' ', blanks));
            blanks = 0;
        }
        if next != pen {
            write_pen(next, out);
            pen = next;
        }
        if cell.link != link {
            // Links hold only printable ASCII (the model keeps no other).
            let _ = write!(out, "\x1b]8;;{}\x1b\\", cell.link.unwrap_or_default());
            link = cell.link;
        }
        let wide = cell.wide;
        if wide && col + 1 >= width {
            // Half a wide character does not fit: a blank, as tmux shows.
            out.push(' ');
            break;
        }
        match &*cell.text {
            "" => out.push(' '),
            text => out.push_str(text),
        }
        col += if wide { 2 } else { 1 };
    }
    if link.is_some() {
        out.push_str("\x1b]8;;\x1b\\");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outer terminal: an emulator too, so every attribute it shows can be read back.
    fn outer_terminal(rows: u16, cols: u16) -> Emulator {
        Emulator::new(cols, rows, 0)
    }

    /// The outer terminal after `emu` is painted onto it at `area`, from
    /// whatever `outer` showed before.
    fn paint_onto(emu: &mut Emulator, painted: &mut Painted, outer: &mut Emulator) -> usize {
        let mut out = Vec::new();
        let dirty = emu.take_dirty();
        painted.paint(emu, dirty, &mut out);
        outer.process(&out);
        out.len()
    }

    /// What a cell shows: a space and nothing look the same.
    fn shown(text: &str) -> &str {
        if text.is_empty() { " " } else { text }
    }

    /// Every cell of the session shows at its place in the outer terminal,
    /// with the same text and attributes; and the cursor is where it is, if shown.
    fn assert_shows(emu: &Emulator, outer: &Emulator, area: Rect) {
        let (cols, rows) = emu.size();
        for r in 0..rows.min(area.height) {
            for c in 0..cols {
                let a = emu.cell_view(r, c).expect("inner cell");
                let b = outer.cell_view(area.y + r, area.x + c).expect("outer cell");
                assert_eq!(
                    (shown(&a.text), a.pen, a.wide, a.link),
                    (shown(&b.text), b.pen, b.wide, b.link),
                    "cell {r},{c}"
                );
            }
        }
        assert_eq!(outer.hide_cursor(), emu.hide_cursor());
        if !emu.hide_cursor() {
            let (cr, cc) = emu.cursor_position();
            assert_eq!(outer.cursor_position(), (area.y + cr, area.x + cc));
        }
    }

    #[test]
    fn a_painted_screen_matches_the_session_cell_for_cell() {
        for top in [0, 1] {
            let area = Rect::new(0, top, 30, 8);
            let mut emu = Emulator::new(30, 8, 100);
            // Colours, attributes, wide characters, a wrapped line, a
            // coloured blank run, a gap of blanks.
            emu.process(
                b"\x1b[1;31mred\x1b[m plain \x1b[38;5;200m256\x1b[38;2;1;2;3mrgb\x1b[m\r\n",
            );
            emu.process("日本語 😀 end\r\n".as_bytes());
            emu.process(b"0123456789012345678901234567890123456789wrapped\r\n");
            emu.process(b"\x1b[44m      \x1b[m after blue\r\n");
            emu.process(b"a          b\x1b[7m inverse \x1b[m\r\n");
            emu.process(b"\x1b[3;5H");
            let mut outer = outer_terminal(9, 30);
            // The outer screen starts with rubbish where the session goes.
            outer.process(b"\x1b[2J");
            for r in 0..9 {
                outer.process(format!("\x1b[{};1H#############################", r + 1).as_bytes());
            }
            let mut painted = Painted::new(area);
            paint_onto(&mut emu, &mut painted, &mut outer);
            assert_shows(&emu, &outer, area);

            // Only what changes is written again.
            let mut out = Vec::new();
            let dirty = emu.take_dirty();
            painted.paint(&emu, dirty, &mut out);
            assert!(out.is_empty(), "an unchanged screen wrote {out:?}");
            emu.process(b"x");
            let n = paint_onto(&mut emu, &mut painted, &mut outer);
            assert!(n < 80, "one changed row wrote {n} bytes");
            assert_shows(&emu, &outer, area);

            // Scrolling changes every row; clearing and hiding the cursor too.
            emu.process(b"\x1b[8;1H\r\nscrolled \xe4\xb8\xad\r\n\r\n");
            paint_onto(&mut emu, &mut painted, &mut outer);
            assert_shows(&emu, &outer, area);
            emu.process(b"\x1b[2J\x1b[H\x1b[?25lcleared");
            paint_onto(&mut emu, &mut painted, &mut outer);
            assert_shows(&emu, &outer, area);
        }
    }

    #[test]
    fn an_idle_screen_writes_nothing_and_a_moved_cursor_only_itself() {
        let area = Rect::new(0, 1, 20, 5);
        let mut emu = Emulator::new(20, 5, 0);
        let mut outer = outer_terminal(6, 20);
        emu.process(b"$ ");
        let mut painted = Painted::new(area);
        paint_onto(&mut emu, &mut painted, &mut outer);
        assert_eq!(paint_onto(&mut emu, &mut painted, &mut outer), 0);

        // The program moves the cursor and writes nothing.
        emu.process(b"\x1b[3;4H");
        let mut out = Vec::new();
        let dirty = emu.take_dirty();
        painted.paint(&emu, dirty, &mut out);
        assert_eq!(out, b"\x1b[4;4H\x1b[?25h");
        outer.process(&out);
        assert_shows(&emu, &outer, area);
        emu.process(b"\x1b[?25l");
        let mut out = Vec::new();
        let dirty = emu.take_dirty();
        painted.paint(&emu, dirty, &mut out);
        assert_eq!(out, b"\x1b[?25l");

        // Something else wrote to the terminal: the cursor is placed again.
        painted.forget_cursor();
        let mut out = Vec::new();
        let dirty = emu.take_dirty();
        painted.paint(&emu, dirty, &mut out);
        assert_eq!(out, b"\x1b[?25l");
        assert_eq!(paint_onto(&mut emu, &mut painted, &mut outer), 0);
    }

    /// Output cut anywhere (inside escape sequences and characters too),
    /// painted after every bite: the terminal always shows the session.
    #[test]
    fn painting_after_every_bite_of_output_never_misses_a_change() {
        let corpus = [
            "$ ls\r\n\x1b[1;34mdir\x1b[0m  \x1b[32mexe\x1b[m  plain\r\n",
            "typed",
            "\x08\x1b[K",
            "日本\x1b[2;4H\x1b[2mdim\x1b[3mital\x1b[4mund\x1b[m",
            "\x1b[?25l\x1b[5;1Hhidden\x1b[?25h",
            "\x1b[2J\x1b[Hcleared",
            "line\r\nline\r\nline\r\nline\r\nline\r\nline\r\nline\r\nscrolled",
            "\x1b[?1049h\x1b[Halt screen\x1b[3;3H\x1b[41m  \x1b[m",
            "\x1b[?1049lback",
            "\x1b[2;5r\x1b[5;1H\n\nregion\x1b[r",
            "\x1b[1L\x1b[2P\x1b[3@inserted\r",
            "\x1b[9;5;4:3;58:5:1mextras\x1b]8;;http://x/y\x1b\\link\x1b]8;;\x1b\\\x1b[8mhid\x1b[m",
            "\x1b[2;1H\x1b[2@\x1b[21;6;58:2::1:2:3m\u{65e5}e\u{301}\x1b[m\r\n",
        ]
        .concat();
        let bytes = corpus.as_bytes();
        for top in [0, 1] {
            let area = Rect::new(0, top, 24, 7);
            let mut emu = Emulator::new(24, 7, 50);
            let mut outer = outer_terminal(8, 24);
            let mut painted = Painted::new(area);
            let mut at = 0;
            for size in [1, 2, 3, 5, 7].iter().cycle() {
                if at >= bytes.len() {
                    break;
                }
                let end = (at + size).min(bytes.len());
                emu.process(&bytes[at..end]);
                at = end;
                paint_onto(&mut emu, &mut painted, &mut outer);
                assert_shows(&emu, &outer, area);
            }
        }
    }

    /// A sequence's last bytes look like plain text: they still change
    /// what the whole sequence changes.
    #[test]
    fn the_end_of_a_split_escape_sequence_is_not_plain_text() {
        let area = Rect::new(0, 0, 20, 4);
        let mut emu = Emulator::new(20, 4, 0);
        let mut outer = outer_terminal(4, 20);
        let mut painted = Painted::new(area);
        for bite in [
            "one\r\ntwo\r\nthree",
            "\x1b[",
            "2J",
            "\x1b[1;1Habc\x1b[2;1Hdef\x1b",
            "[1",
            "J",
        ] {
            emu.process(bite.as_bytes());
            paint_onto(&mut emu, &mut painted, &mut outer);
            assert_shows(&emu, &outer, area);
        }
    }

    #[test]
    fn rows_below_a_shorter_session_are_cleared() {
        let area = Rect::new(0, 0, 20, 6);
        let mut emu = Emulator::new(20, 6, 0);
        emu.process(b"1\r\n2\r\n3\r\n4\r\n5\r\n6");
        let mut outer = outer_terminal(7, 20);
        let mut painted = Painted::new(area);
        paint_onto(&mut emu, &mut painted, &mut outer);
        assert_eq!(outer.row_text(5), "6");
        emu.resize(20, 3);
        paint_onto(&mut emu, &mut painted, &mut outer);
        assert_shows(&emu, &outer, area);
        for r in 3..6 {
            assert_eq!(outer.row_text(r), "", "row {r}");
        }
    }

    #[test]
    fn a_taller_session_paints_only_the_rows_that_fit() {
        let mut emu = Emulator::new(20, 10, 0);
        for i in 0..10 {
            emu.process(format!("line {i}\r\n").as_bytes());
        }
        let area = Rect::new(0, 0, 20, 4);
        let mut outer = outer_terminal(5, 20);
        let mut painted = Painted::new(area);
        paint_onto(&mut emu, &mut painted, &mut outer);
        for r in 0..4 {
            assert_eq!(outer.row_text(r), emu.row_text(r));
        }
        assert_eq!(outer.row_text(4), "");
        // The cursor is below the area: hidden, not drawn over the status line.
        assert!(outer.hide_cursor());
    }
}
