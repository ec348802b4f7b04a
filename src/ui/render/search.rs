//! Drawing search: the list's search mode (query, matches grouped by
//! session) and the highlight of the current match in an attached view.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{SPINNER, bold, dim, hints, row_style};
use crate::manager::Outcome;
use crate::ui::state::{Ui, View};
use crate::ui::strings;
use crate::ui::update::search::SearchMode;

/// How a match stands out, in the list and in the view.
fn match_style() -> Style {
    Style::new()
        .bg(Color::Yellow)
        .fg(Color::Black)
        .add_modifier(Modifier::BOLD)
}

/// The whole list area in search mode.
pub fn render(ui: &Ui, mode: &SearchMode, f: &mut Frame, area: Rect) {
    if area.height < 4 {
        return;
    }
    let row = |y: u16| Rect::new(area.x, area.y + y, area.width, 1);
    f.render_widget(
        Paragraph::new(Span::styled(
            format!(" {} ", strings::SEARCH_TITLE),
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )),
        row(0),
    );
    let input_row = row(1);
    f.render_widget(
        Paragraph::new(Span::styled(" S ", bold())),
        Rect {
            width: 3,
            ..input_row
        },
    );
    f.render_widget(
        &mode.input,
        Rect {
            x: input_row.x + 3,
            width: input_row.width.saturating_sub(3),
            ..input_row
        },
    );
    f.render_widget(Paragraph::new(summary(ui, mode)), row(2));
    let body = Rect::new(area.x, area.y + 3, area.width, area.height - 4);
    let (lines, selected_at) = body_lines(mode);
    let height = usize::from(body.height);
    let offset = (selected_at + 2).saturating_sub(height);
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(height).collect();
    f.render_widget(Paragraph::new(shown), body);
    f.render_widget(
        Paragraph::new(hints(&[
            ("↑/↓".to_string(), "move"),
            ("Enter".to_string(), "open at the match"),
            ("Esc".to_string(), "back to the list"),
        ])),
        row(area.height - 1),
    );
}

fn summary(ui: &Ui, mode: &SearchMode) -> Line<'static> {
    if let Some(e) = &mode.error {
        return Line::from(Span::styled(format!(" {e}"), Style::new().fg(Color::Red)));
    }
    let matches = mode.hits().len();
    let sessions = mode
        .results
        .iter()
        .filter(|s| matches!(&s.outcome, Outcome::Found(h) if !h.lines.is_empty()))
        .count();
    let mut text = if mode.input.lines().join("").is_empty() {
        strings::SEARCH_HINT.to_string()
    } else {
        format!(" {matches} matching lines in {sessions} sessions")
    };
    if mode.searching {
        text.push_str(&format!(
            "  {} searching",
            SPINNER[ui.spinner % SPINNER.len()]
        ));
    }
    Line::from(Span::styled(text, dim()))
}

/// The grouped matches, and the index of the highlighted line among them.
fn body_lines(mode: &SearchMode) -> (Vec<Line<'static>>, usize) {
    let safe = |t: &str| crate::text::terminal_safe(t).into_owned();
    let mut lines = Vec::new();
    let mut selected_at = 0;
    let mut n = 0;
    for s in &mode.results {
        let head = format!(" {} ", safe(&s.session.label()));
        let host = format!("{} ", safe(&s.session.host));
        match &s.outcome {
            Outcome::Found(h) if h.lines.is_empty() => continue,
            Outcome::Found(h) => {
                lines.push(Line::from(vec![
                    Span::styled(head, bold().fg(Color::Magenta)),
                    Span::styled(host, dim()),
                ]));
                for hit in &h.lines {
                    let selected = n == mode.selected;
                    if selected {
                        selected_at = lines.len();
                    }
                    let base = row_style(selected);
                    let mut spans = vec![Span::styled(
                        format!("{} {:>6}: ", if selected { "▶" } else { " " }, hit.line + 1),
                        base.fg(Color::Green),
                    )];
                    for (piece, matched) in hit.pieces() {
                        let style = if matched { match_style() } else { base };
                        spans.push(Span::styled(safe(piece), style));
                    }
                    lines.push(Line::from(spans));
                    n += 1;
                }
                if h.more > 0 {
                    lines.push(Line::from(Span::styled(
                        format!("   … {} more lines", h.more),
                        dim(),
                    )));
                }
            }
            Outcome::HostUnreachable(_) => lines.push(Line::from(vec![
                Span::styled(head, bold()),
                Span::styled(host, dim()),
                Span::styled(
                    strings::NOT_SEARCHED_UNREACHABLE,
                    Style::new().fg(Color::Yellow),
                ),
            ])),
            Outcome::Failed(why) => lines.push(Line::from(vec![
                Span::styled(head, bold()),
                Span::styled(host, dim()),
                Span::styled(
                    format!("not searched: {}", safe(why)),
                    Style::new().fg(Color::Yellow),
                ),
            ])),
        }
    }
    (lines, selected_at)
}

/// Marks the view's current match, where it shows on the screen drawn into
/// `area` (scrolled `v.scroll` rows back).
pub fn paint_found(v: &View, buf: &mut Buffer, area: Rect) {
    let Some(found) = &v.found else {
        return;
    };
    let (cols, _) = v.emu.size();
    let history = v.emu.history_len() as i64;
    let scroll = v.scroll().unwrap_or(0) as i64;
    for (row, from, to) in found.spans(cols) {
        let y = i64::from(row) + scroll - history;
        if y < 0 || y >= i64::from(area.height) {
            continue;
        }
        for x in from..to.min(area.width) {
            if let Some(cell) = buf.cell_mut((area.x + x, area.y + y as u16)) {
                cell.set_style(match_style());
            }
        }
    }
}
