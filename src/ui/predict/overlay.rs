//! Drawing predictions over the session's screen: as escape codes after the
//! direct painter's rows, or into a ratatui buffer when ratatui draws.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

/// Predicted cells (row, column, text; empty text: a blank) and cursor, in
/// the session's coordinates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlay {
    pub cells: Vec<(u16, u16, String)>,
    pub cursor: Option<(u16, u16)>,
}

impl Overlay {
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty() && self.cursor.is_none()
    }

    /// The rows it draws on, each once.
    pub fn rows(&self) -> Vec<u16> {
        let mut rows: Vec<u16> = self.cells.iter().map(|c| c.0).collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// Appends to `out` the escape codes that draw `o` inside `area` and leave
/// the terminal's cursor where the prediction puts it. Cells outside the
/// area are left out.
pub fn paint(o: &Overlay, area: Rect, out: &mut Vec<u8>) {
    let mut s = String::new();
    for (row, col, text) in &o.cells {
        if *row >= area.height || *col >= area.width {
            continue;
        }
        let _ = write!(s, "\x1b[{};{}H", area.y + row + 1, area.x + col + 1);
        if text.is_empty() {
            s.push_str("\x1b[0m ");
        } else {
            // Underlined: not yet confirmed by the session.
            let _ = write!(s, "\x1b[0;4m{text}");
        }
    }
    if !o.cells.is_empty() {
        s.push_str("\x1b[0m");
    }
    if let Some((row, col)) = o.cursor
        && row < area.height
        && col < area.width
    {
        let _ = write!(
            s,
            "\x1b[{};{}H\x1b[?25h",
            area.y + row + 1,
            area.x + col + 1
        );
    }
    out.extend_from_slice(s.as_bytes());
}

/// Draws `o` into a ratatui buffer over the session drawn in `area`; returns
/// where the cursor goes, if the prediction moved it.
pub fn draw(o: &Overlay, buf: &mut Buffer, area: Rect) -> Option<(u16, u16)> {
    for (row, col, text) in &o.cells {
        if *row >= area.height || *col >= area.width {
            continue;
        }
        if let Some(cell) = buf.cell_mut((area.x + col, area.y + row)) {
            if text.is_empty() {
                cell.set_symbol(" ");
            } else {
                cell.set_symbol(text);
                cell.modifier.insert(Modifier::UNDERLINED);
            }
        }
    }
    o.cursor
        .filter(|(r, c)| *r < area.height && *c < area.width)
        .map(|(r, c)| (area.x + c, area.y + r))
}
