//! A session's screen drawn into a ratatui buffer, cell by cell: the path for
//! frames where something covers the session (a popup, scrollback, the
//! ended notice). When nothing does, `paint` writes the rows straight to the
//! terminal instead; both take each cell's look from `term::Pen`.

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use crate::term::{self, Emulator, Pen, attr};

/// A model colour as ratatui's; `Default` lets the outer terminal choose.
pub fn color_of(c: term::Color) -> Color {
    match c {
        term::Color::Default => Color::Reset,
        term::Color::Idx(i) => Color::Indexed(i),
        term::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

fn style_of(pen: Pen) -> Style {
    let mut m = Modifier::empty();
    for (flag, modifier) in [
        (attr::BOLD, Modifier::BOLD),
        (attr::DIM, Modifier::DIM),
        (attr::ITALIC, Modifier::ITALIC),
        (attr::UNDERLINE, Modifier::UNDERLINED),
        (attr::INVERSE, Modifier::REVERSED),
        (attr::STRIKE, Modifier::CROSSED_OUT),
        (attr::HIDDEN, Modifier::HIDDEN),
        (attr::BLINK, Modifier::SLOW_BLINK),
        (attr::RAPID_BLINK, Modifier::RAPID_BLINK),
    ] {
        if pen.has(flag) {
            m |= modifier;
        }
    }
    // ratatui draws one underline style (a plain one) and no hyperlinks:
    // this path only runs while something covers the session.
    let style = Style::new()
        .fg(color_of(pen.fg))
        .bg(color_of(pen.bg))
        .add_modifier(m);
    match pen.underline_color {
        term::Color::Default => style,
        c => style.underline_color(color_of(c)),
    }
}

/// Draws screen row `row` of `emu` into `buf` at (`x0`, `y`), `width` cells at most.
pub(super) fn draw_row(emu: &Emulator, row: u16, buf: &mut Buffer, x0: u16, y: u16, width: u16) {
    let n = width.min(emu.size().0);
    let mut col = 0;
    while col < n {
        let Some(cell) = emu.cell_view(row, col) else {
            break;
        };
        let target = &mut buf[(x0 + col, y)];
        if cell.is_blank() {
            // Most of a screen is blank: the cell is as a new frame starts.
            if *target != Cell::EMPTY {
                target.reset();
            }
            col += 1;
            continue;
        }
        if cell.wide && col + 1 >= n {
            // Half a wide character does not fit: show a blank, as tmux does.
            target.reset();
            target.set_style(style_of(cell.pen));
            col += 1;
            continue;
        }
        target.set_symbol(if cell.text.is_empty() {
            " "
        } else {
            &cell.text
        });
        target.set_style(style_of(cell.pen));
        col += 1;
        if cell.wide {
            buf[(x0 + col, y)].reset();
            col += 1;
        }
    }
}

/// Draws the screen into `area`, `scroll` rows back into history (0 = live).
/// Returns where the cursor should be shown, if anywhere.
pub fn draw(emu: &Emulator, buf: &mut Buffer, area: Rect, scroll: usize) -> Option<(u16, u16)> {
    let area = area.intersection(buf.area);
    let height = area.height.min(emu.size().1);
    let past = emu.history_screen(scroll);
    let from_history = past.as_ref().map_or(0, |p| p.size().1);
    if let Some(past) = &past {
        for r in 0..from_history.min(height) {
            draw_row(past, r, buf, area.x, area.y + r, area.width);
        }
    }
    for r in from_history..height {
        draw_row(emu, r - from_history, buf, area.x, area.y + r, area.width);
    }
    if emu.hide_cursor() {
        return None;
    }
    let (crow, ccol) = emu.cursor_position();
    let row = crow + from_history;
    (row < height && ccol < area.width).then_some((area.x + ccol, area.y + row))
}

/// The edge marks of a cut session: a dotted column like tmux's fill.
const CUT_COLUMN: &str = "┊";
const CUT_ROW: &str = "┄";

/// The session's size when it is larger than `area` in either direction
/// (another, more recently active view set it): what this view cannot show.
pub fn cropped(emu: &Emulator, area: Rect) -> Option<(u16, u16)> {
    let (cols, rows) = emu.size();
    (cols > area.width || rows > area.height).then_some((cols, rows))
}

/// Marks the edges where a larger session is cut off: the last column (and
/// the last row) of `area` show a dotted line instead of a part of the
/// session that would read as if it were all there is.
pub fn mark_cut(emu: &Emulator, buf: &mut Buffer, area: Rect) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let (cols, rows) = emu.size();
    let style = Style::new().fg(Color::Yellow).add_modifier(Modifier::DIM);
    if cols > area.width {
        let x = area.right() - 1;
        for y in area.top()..area.bottom() {
            buf[(x, y)].reset();
            buf[(x, y)].set_symbol(CUT_COLUMN).set_style(style);
        }
    }
    if rows > area.height {
        let y = area.bottom() - 1;
        let end = if cols > area.width {
            area.right() - 1
        } else {
            area.right()
        };
        for x in area.left()..end {
            buf[(x, y)].reset();
            buf[(x, y)].set_symbol(CUT_ROW).set_style(style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_paints_cells_and_cursor() {
        let mut e = Emulator::new(10, 3, 100);
        e.process("\x1b[31mab\x1b[m世".as_bytes());
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 3));
        let cursor = draw(&e, &mut buf, Rect::new(0, 0, 10, 3), 0);
        assert_eq!(cursor, Some((4, 0)));
        assert_eq!(buf[(0, 0)].symbol(), "a");
        assert_eq!(buf[(0, 0)].fg, Color::Indexed(1));
        assert_eq!(buf[(2, 0)].symbol(), "世");
        // scrolled back one row: history on top, the screen shifted down
        e.process(b"\r\nx\r\ny\r\nz");
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 3));
        draw(&e, &mut buf, Rect::new(0, 0, 10, 3), 1);
        assert_eq!(buf[(0, 0)].symbol(), "a");
        assert_eq!(buf[(0, 1)].symbol(), "x");
    }

    #[test]
    fn a_larger_session_is_marked_where_it_is_cut() {
        let mut e = Emulator::new(12, 4, 0);
        e.process(b"0123456789AB");
        let area = Rect::new(0, 0, 10, 3);
        assert_eq!(cropped(&e, area), Some((12, 4)));
        assert_eq!(cropped(&e, Rect::new(0, 0, 12, 4)), None);
        let mut buf = Buffer::empty(area);
        draw(&e, &mut buf, area, 0);
        mark_cut(&e, &mut buf, area);
        assert_eq!(buf[(8, 0)].symbol(), "8");
        for y in 0..3 {
            assert_eq!(buf[(9, y)].symbol(), CUT_COLUMN);
        }
        assert_eq!(buf[(0, 2)].symbol(), CUT_ROW);
        assert_eq!(buf[(8, 2)].symbol(), CUT_ROW);
    }
}
