//! Drawing an emulator's screen into a ratatui buffer, cell by cell, with
//! colours, attributes, wide characters and the cursor as the program left them.

use std::sync::Mutex;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::{Emulator, MAX_COLS, dim};

/// A vt100 colour as ratatui's; `Default` lets the outer terminal choose.
pub fn color_of(c: vt100::Color) -> Color {
    match c {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(i) => Color::Indexed(i),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

fn style_of(cell: &vt100::Cell) -> Style {
    let mut m = Modifier::empty();
    if cell.bold() {
        m |= Modifier::BOLD;
    }
    if cell.dim() {
        m |= Modifier::DIM;
    }
    if cell.italic() {
        m |= Modifier::ITALIC;
    }
    if cell.underline() {
        m |= Modifier::UNDERLINED;
    }
    if cell.inverse() {
        m |= Modifier::REVERSED;
    }
    Style::new()
        .fg(color_of(cell.fgcolor()))
        .bg(color_of(cell.bgcolor()))
        .add_modifier(m)
}

/// An empty cell with no colour or attribute, the commonest kind.
fn is_blank(cell: &vt100::Cell) -> bool {
    !cell.has_contents()
        && cell.fgcolor() == vt100::Color::Default
        && cell.bgcolor() == vt100::Color::Default
        && !(cell.bold() || cell.dim() || cell.italic() || cell.underline() || cell.inverse())
}

fn draw_row(screen: &vt100::Screen, row: u16, buf: &mut Buffer, x0: u16, y: u16, width: u16) {
    let (_, cols) = screen.size();
    let n = width.min(cols.get());
    let mut col = 0;
    while col < n {
        let Some(cell) = screen.cell(row, col) else {
            break;
        };
        let target = &mut buf[(x0 + col, y)];
        if is_blank(cell) {
            // Most of a screen is blank: the cell is as a new frame starts.
            if *target != Cell::EMPTY {
                target.reset();
            }
            col += 1;
            continue;
        }
        let wide = cell.is_wide();
        if wide && col + 1 >= n {
            // Half a wide character does not fit: show a blank, as tmux does.
            target.reset();
            target.set_style(style_of(cell));
            col += 1;
            continue;
        }
        let text = cell.contents();
        target.set_symbol(if text.is_empty() { " " } else { text });
        target.set_style(style_of(cell));
        col += 1;
        if wide {
            buf[(x0 + col, y)].reset();
            col += 1;
        }
    }
}

/// Each screen row's cells as last drawn, keyed by the row's formatted
/// contents (text, colours, attributes). Looking a cell up in vt100 costs
/// more than copying it, and a frame usually changes a row or two (an echo,
/// a prompt): unchanged rows are copied from here.
#[derive(Default)]
pub(super) struct DrawCache(Mutex<Vec<(String, Vec<Cell>)>>);

impl DrawCache {
    /// Draws the live screen's first `height` rows into `area`.
    fn draw(&self, screen: &vt100::Screen, buf: &mut Buffer, area: Rect, height: u16) {
        let mut rows = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (_, cols) = screen.size();
        let width = area.width.min(cols.get());
        rows.resize_with(usize::from(height), Default::default);
        for (r, text) in screen.rows_formatted(0, cols.get()).enumerate() {
            let Some((drawn, cells)) = rows.get_mut(r) else {
                break;
            };
            let y = area.y + r as u16;
            let start = buf.index_of(area.x, y);
            let line = start..start + usize::from(width);
            if *drawn == text && cells.len() == line.len() {
                buf.content[line].clone_from_slice(cells);
                continue;
            }
            draw_row(screen, r as u16, buf, area.x, y, width);
            *drawn = text;
            cells.clear();
            cells.extend_from_slice(&buf.content[line]);
        }
    }
}

impl Emulator {
    /// Draws the screen into `area`, `scroll` rows back into history (0 = live).
    /// Returns where the cursor should be shown, if anywhere.
    pub fn draw(&self, buf: &mut Buffer, area: Rect, scroll: usize) -> Option<(u16, u16)> {
        let area = area.intersection(buf.area);
        let screen = self.parser.screen();
        let (rows, _) = screen.size();
        let (cols, rows) = (self.size().0, rows.get());
        let history = &self.parser.callbacks().history;
        let scroll = scroll.min(history.len());
        let from_history = scroll.min(usize::from(rows)) as u16;
        let height = area.height.min(rows);

        if from_history > 0 {
            let mut bytes = String::new();
            for i in 0..from_history {
                let line = history
                    .from_newest(scroll - 1 - usize::from(i))
                    .unwrap_or("");
                bytes.push_str("\x1b[m");
                bytes.push_str(line);
                if i + 1 < from_history {
                    bytes.push_str("\r\n");
                }
            }
            let mut past = vt100::Parser::new(dim(from_history, rows), dim(cols, MAX_COLS), 0);
            if super::guarded(|| past.process(bytes.as_bytes())).is_some() {
                for r in 0..from_history.min(height) {
                    draw_row(past.screen(), r, buf, area.x, area.y + r, area.width);
                }
            }
        }
        if from_history == 0 {
            self.drawn.draw(screen, buf, area, height);
        } else {
            for r in from_history..height {
                draw_row(
                    screen,
                    r - from_history,
                    buf,
                    area.x,
                    area.y + r,
                    area.width,
                );
            }
        }

        if screen.hide_cursor() {
            return None;
        }
        let (crow, ccol) = super::shown_cursor(screen);
        let row = crow + from_history;
        (row < height && ccol < area.width).then_some((area.x + ccol, area.y + row))
    }
}
