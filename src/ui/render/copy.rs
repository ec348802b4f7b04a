//! Copy mode drawn over the session's screen: search matches, the
//! selection and the cursor; and its part of the status line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;

use crate::ui::copy::{CopyMode, EmuLines, Lines, Pos, search, text};
use crate::ui::state::View;

fn match_style() -> Style {
    Style::new().bg(Color::Cyan).fg(Color::Black)
}

fn selection_style() -> Style {
    Style::new().bg(Color::Yellow).fg(Color::Black)
}

/// Marks matches, the selection and the cursor on the rows of `screen`;
/// returns where the terminal's cursor goes.
pub fn overlay(v: &View, c: &CopyMode, f: &mut Frame, screen: Rect) -> Option<(u16, u16)> {
    let lines = EmuLines::new(&v.emu);
    let rows = screen.height.min(lines.rows());
    let needle = c
        .prompt
        .as_ref()
        .map(|p| p.text.as_str())
        .or(c.search.as_ref().map(|s| s.0.as_str()))
        .filter(|n| !n.is_empty());
    let buf = f.buffer_mut();
    for y in 0..rows {
        let n = c.top + u64::from(y);
        let line = lines.line(n);
        let width = line.width().min(screen.width);
        let mut paint = |from: u16, to: u16, style: Style| {
            for x in from..=to.min(width.saturating_sub(1)) {
                buf[(screen.x + x, screen.y + y)].set_style(style);
            }
        };
        if let Some(needle) = needle {
            for (from, to) in search::matches(&line, needle) {
                paint(from, to, match_style());
            }
        }
        if let Some((a, shape)) = c.anchor {
            for x in 0..width {
                if text::selected(a, c.cursor, shape, Pos::new(n, x)) {
                    paint(x, x, selection_style());
                }
            }
        }
    }
    let row = c.cursor.line.checked_sub(c.top)?;
    let row = u16::try_from(row).ok().filter(|&r| r < rows)?;
    (c.cursor.col < screen.width).then(|| {
        let cell = &mut buf[(screen.x + c.cursor.col, screen.y + row)];
        cell.set_style(Style::new().add_modifier(Modifier::REVERSED));
        (screen.x + c.cursor.col, screen.y + row)
    })
}

/// Copy mode's part of the status line: the mode (or the search being
/// typed), where the view is in the history, the selection's size, a word
/// on the last key.
pub fn status(v: &View, c: &CopyMode) -> Vec<Span<'static>> {
    let lines = EmuLines::new(&v.emu);
    let mode = Style::new().bg(Color::Yellow).fg(Color::Black);
    let mut spans = Vec::new();
    match &c.prompt {
        Some(p) => spans.push(Span::styled(
            format!(
                " {}{}▏",
                if p.forward {
                    "search ↓ "
                } else {
                    "search ↑ "
                },
                p.text
            ),
            mode,
        )),
        None => spans.push(Span::styled(" COPY ", mode.add_modifier(Modifier::BOLD))),
    }
    spans.push(Span::styled(
        format!(" {}/{} ", c.scroll(&lines), v.emu.history_len()),
        mode,
    ));
    if let Some((rows, chars)) = c.size {
        spans.push(Span::styled(
            format!(
                " {rows} line{}, {chars} chars ",
                if rows == 1 { "" } else { "s" }
            ),
            selection_style(),
        ));
    }
    if let Some(m) = &c.message {
        spans.push(Span::styled(format!(" {m} "), Style::new().fg(Color::Red)));
    }
    spans
}
