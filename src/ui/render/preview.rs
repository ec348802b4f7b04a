//! The list's live preview: the selected session's screen in a frame beside
//! the list (wide terminals) or below it (tall ones), off when neither fits.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{bold, dim};
use crate::ui::state::Ui;

/// Beside the list from this width: the list keeps 80 columns, the
/// preview at least 60.
const BESIDE_COLS: u16 = 140;
/// Columns the list keeps beside a preview.
const LIST_COLS: u16 = 80;
/// Columns a preview beside the list has at least.
const MIN_PREVIEW_COLS: u16 = BESIDE_COLS - LIST_COLS;
/// Below the list from this height: the list keeps 20 rows.
const BELOW_ROWS: u16 = 40;

/// Where the preview goes in a terminal of `size`, if it fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    Beside,
    Below,
}

/// Where a preview fits in a terminal of `size` (cols, rows), if anywhere.
pub fn room(size: (u16, u16)) -> Option<Room> {
    if size.0 >= BESIDE_COLS && size.1 >= super::MIN_ROWS * 2 {
        Some(Room::Beside)
    } else if size.1 >= BELOW_ROWS && size.0 >= super::MIN_COLS * 2 {
        Some(Room::Below)
    } else {
        None
    }
}

/// The list's area and the preview's, when a preview is shown.
pub fn split(ui: &Ui, area: Rect) -> (Rect, Option<Rect>) {
    if ui.preview.current.is_none() {
        return (area, None);
    }
    let (direction, list) = match room((area.width, area.height)) {
        // The list keeps the width its columns need at 80; the preview
        // shows the left part of a wider session.
        Some(Room::Beside) => (
            Direction::Horizontal,
            (area.width / 2)
                .max(LIST_COLS)
                .min(area.width - MIN_PREVIEW_COLS),
        ),
        Some(Room::Below) => (Direction::Vertical, area.height / 2),
        None => return (area, None),
    };
    let [list, preview] =
        Layout::new(direction, [Constraint::Length(list), Constraint::Fill(1)]).areas(area);
    (list, Some(preview))
}

/// Draws the preview of the selected session into `area`: its screen (the
/// rows around the cursor when the pane is shorter), framed and titled,
/// marked when what shows is not live.
pub fn render(ui: &Ui, f: &mut Frame, area: Rect) {
    let Some(p) = &ui.preview.current else {
        return;
    };
    let label = ui
        .session(&p.session)
        .map(|s| s.label())
        .unwrap_or_default();
    let mut block = Block::bordered()
        .border_style(dim())
        .title(Line::from(vec![Span::styled(format!(" {label} "), bold())]));
    if let Some(why) = &p.stale {
        block = block.title_bottom(Line::from(Span::styled(
            format!(" stale: {why} "),
            Style::new().fg(Color::Yellow),
        )));
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(emu) = &p.emu else {
        let text = match &p.stale {
            Some(_) => "no screen known",
            None => "loading…",
        };
        f.render_widget(
            Paragraph::new(text).style(dim()).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let (_, rows) = emu.size();
    // A shorter pane shows the rows down to the cursor: where the prompt
    // and the newest output are.
    let (crow, _) = emu.cursor_position();
    let first = (crow + 1).saturating_sub(inner.height);
    let buf = f.buffer_mut();
    for r in 0..inner.height.min(rows.saturating_sub(first)) {
        super::session::draw_row(emu, first + r, buf, inner.x, inner.y + r, inner.width);
    }
    if p.stale.is_some() {
        // Dimmed: what shows is how the screen was, not how it is.
        buf.set_style(inner, dim());
    }
}
