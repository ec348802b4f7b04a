//! Drawing: `render(&ui, frame)` paints the whole screen from state and does no I/O.

mod columns;
mod copy;
mod list;
mod paint;
mod popups;
mod preview;
mod search;
mod session;
mod view;

pub use paint::Painted;
pub(crate) use popups::{help_len, help_page};
pub use preview::room as preview_room;
/// The attached view's screen drawn into a buffer (the fuzz targets draw it too).
pub(crate) use session::draw as draw_session;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::state::{Pending, Ui};
use super::strings;
use crate::store::{SessionRow, Status};

/// Below this the layout cannot show anything useful.
pub const MIN_COLS: u16 = 30;
pub const MIN_ROWS: u16 = 5;

pub const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Where the cursor goes after drawing: the session's cursor, a text input's, or hidden.
pub fn render(ui: &Ui, f: &mut Frame) {
    draw(ui, f, false);
}

/// Draws everything but the attached session's screen, which the caller
/// paints itself: only when `direct` says nothing covers it.
pub fn render_around_session(ui: &Ui, f: &mut Frame) {
    draw(ui, f, true);
}

/// Where the attached session shows when nothing covers it (no popup, no
/// scrollback, not ended, as wide as the terminal), with the status line
/// drawn beside it: the session's rows can then be painted straight onto
/// the terminal, and the rest redrawn only when the status line changes.
pub fn direct(ui: &Ui) -> Option<(Rect, Line<'static>)> {
    let v = ui.view.as_ref()?;
    let (cols, rows) = ui.size;
    let area = Rect::new(0, 0, cols, rows);
    let fits =
        cols >= MIN_COLS && rows >= MIN_ROWS && v.emu.size().0 == cols && v.emu.size().1 < rows;
    let covered = ui.popup.is_some()
        || v.copy.is_some()
        || v.ended.is_some()
        || error_box(ui, area).is_some();
    (fits && !covered).then(|| (view::split(ui, area).1, view::status_line(ui, v)))
}

fn draw(ui: &Ui, f: &mut Frame, direct: bool) {
    let area = f.area();
    if area.width < MIN_COLS || area.height < MIN_ROWS {
        let lines = vec![
            Line::raw(strings::TOO_SMALL),
            Line::raw(format!(
                "{}x{} < {MIN_COLS}x{MIN_ROWS}",
                area.width, area.height
            )),
        ];
        let y = area.y + area.height.saturating_sub(2) / 2;
        f.render_widget(
            Paragraph::new(lines)
                .alignment(Alignment::Center)
                .style(dim()),
            Rect::new(area.x, y, area.width, 2.min(area.height)),
        );
        return;
    }
    match &ui.view {
        Some(v) => view::render(ui, v, f, area, direct),
        None => match &ui.search {
            Some(mode) => search::render(ui, mode, f, area),
            None => list::render(ui, f, area),
        },
    }
    if let Some((b, text)) = error_box(ui, area) {
        f.render_widget(Clear, b);
        f.render_widget(
            Paragraph::new(text)
                .style(Style::new().fg(Color::Red))
                .wrap(Wrap { trim: true })
                .block(Block::bordered().border_style(Style::new().fg(Color::Red))),
            b,
        );
    }
    if let Some(popup) = &ui.popup {
        popups::render(ui, popup, f, area);
    } else if ui.view.is_none()
        && let Some(p) = &ui.pending
    {
        let text = match p {
            Pending::Creating => strings::CREATING.to_string(),
            Pending::Attaching { label } => format!("{} {label}", strings::ATTACHING),
        };
        popups::busy(ui, &text, f, area);
    }
}

pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// A list row: the highlighted one stands out.
pub fn row_style(selected: bool) -> Style {
    if selected {
        Style::new()
            .bg(Color::DarkGray)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    }
}

pub fn status_style(status: Status) -> Style {
    match status {
        Status::Running => Style::new().fg(Color::Green),
        Status::Disconnected => Style::new().fg(Color::Yellow),
        Status::Done => Style::new().fg(Color::Red),
        Status::Init => Style::new().fg(Color::Cyan),
    }
}

/// `running`, `done (exit 3)`, ...
pub fn state_text(s: &SessionRow) -> String {
    s.state_text()
}

/// An error too long for the attached view's status line (why a switch
/// failed, what to run) is shown whole, in a box over the session's last
/// rows, for as long as the notice lasts.
fn error_box(ui: &Ui, area: Rect) -> Option<(Rect, String)> {
    ui.view.as_ref()?;
    let n = ui.notice.as_ref().filter(|n| n.error)?;
    let width = area.width.saturating_sub(2).max(1);
    // The status line keeps about half the row for the label and state.
    if (n.text.chars().count() as u16) < area.width / 2 {
        return None;
    }
    let rows = (n.text.chars().count() as u16).div_ceil(width) + 1;
    let h = (rows + 2).min(area.height.saturating_sub(1));
    let y = if ui.status_on_top {
        area.y + area.height - h
    } else {
        (area.y + area.height).saturating_sub(h + 1)
    };
    Some((Rect::new(area.x, y, area.width, h), n.text.clone()))
}

/// A centred box of the given size, clamped to `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// `key label` pairs for a hint line.
pub fn hints(pairs: &[(String, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, label)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("  ", dim()));
        }
        spans.push(Span::styled(key.clone(), bold()));
        spans.push(Span::styled(format!(" {label}"), dim()));
    }
    Line::from(spans)
}

/// The list's column titles, left to right (`sessui ls` prints the same).
#[cfg(test)]
pub(crate) fn list_titles() -> Vec<&'static str> {
    columns::COLUMNS.iter().map(|c| c.title).collect()
}
