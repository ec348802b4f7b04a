//! The list's live preview: the selected session's screen in a frame beside
//! the list (wide terminals) or below it (tall ones, or when the list leaves
//! room), off when neither fits.

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
/// Below the list from this height: the list keeps half.
const BELOW_ROWS: u16 = 40;
/// Rows a preview below the list has at least, its frame included: a
/// shorter terminal shows one below when the list leaves this many free.
const MIN_BELOW_ROWS: u16 = 10;
/// Rows the list takes besides its sessions: title, header, notice, footer.
const LIST_CHROME_ROWS: u16 = 4;

/// Where the preview goes in a terminal of `size`, if it fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    Beside,
    Below,
}

/// Where a preview of the list fits now, if anywhere.
pub fn room(ui: &Ui) -> Option<Room> {
    room_in(ui.size, list_rows(ui))
}

/// Where a preview fits in a terminal of `size` (cols, rows) whose list
/// needs `list_rows` rows, if anywhere.
fn room_in(size: (u16, u16), list_rows: u16) -> Option<Room> {
    let (cols, rows) = size;
    if cols >= BESIDE_COLS && rows >= super::MIN_ROWS * 2 {
        Some(Room::Beside)
    } else if cols >= super::MIN_COLS * 2
        && (rows >= BELOW_ROWS || rows >= list_rows.saturating_add(MIN_BELOW_ROWS))
    {
        Some(Room::Below)
    } else {
        None
    }
}

/// Rows the list needs to show every session (and the hosts' headers when
/// grouped). Every session, not only those a filter lets through, so that
/// typing a filter does not move the preview in and out.
fn list_rows(ui: &Ui) -> u16 {
    let headers = if ui.order.by_host {
        let mut hosts: Vec<&str> = ui.sessions.iter().map(|s| s.host.as_str()).collect();
        hosts.sort_unstable();
        hosts.dedup();
        hosts.len()
    } else {
        0
    };
    u16::try_from(ui.sessions.len() + headers)
        .unwrap_or(u16::MAX)
        .saturating_add(LIST_CHROME_ROWS)
}

/// The list's area and the preview's, when a preview is shown.
pub fn split(ui: &Ui, area: Rect) -> (Rect, Option<Rect>) {
    if ui.preview.current.is_none() {
        return (area, None);
    }
    let needed = list_rows(ui);
    let (direction, list) = match room_in((area.width, area.height), needed) {
        // The list keeps the width its columns need at 80; the preview
        // shows the left part of a wider session.
        Some(Room::Beside) => (
            Direction::Horizontal,
            (area.width / 2)
                .max(LIST_COLS)
                .min(area.width - MIN_PREVIEW_COLS),
        ),
        // A tall terminal splits in half; a shorter one gives the preview
        // what the list leaves free.
        Some(Room::Below) if area.height >= BELOW_ROWS => (Direction::Vertical, area.height / 2),
        Some(Room::Below) => (Direction::Vertical, (area.height / 2).max(needed)),
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
