//! The session list: one row per session, newest activity first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::columns::{Column, GAP, Kind, MARK, fit, layout};
use super::{SPINNER, bold, dim, hints};
use crate::host::HostState;
use crate::store::SessionRow;
use crate::ui::keymap::ListAction;
use crate::ui::state::{Popup, Ui};
use crate::ui::strings;

pub fn render(ui: &Ui, f: &mut Frame, area: Rect) {
    let (area, preview) = super::preview::split(ui, area);
    if let Some(p) = preview {
        super::preview::render(ui, f, p);
    }
    f.render_widget(Paragraph::new(title_line(ui)), Rect { height: 1, ..area });
    // A long notice wraps onto more rows (up to a third of the list) rather
    // than being cut.
    let info_rows = notice_rows(ui, area.width).min((area.height.saturating_sub(3) / 3).max(1));
    let table = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2 + info_rows),
        ..area
    };
    let info = Rect {
        y: area.y + area.height - 1 - info_rows,
        height: info_rows,
        ..area
    };
    let footer = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    // A database that cannot be read: the rows shown (if any) are what was
    // read before, under a warning that says why, wrapped whole.
    let table = match &ui.db_error {
        Some(why) => {
            let text = strings::db_unreadable(why);
            let rows = (text.chars().count() as u16)
                .div_ceil(table.width.saturating_sub(2).max(1))
                .min(table.height.saturating_sub(2));
            let warning = Rect {
                y: table.y + table.height - rows,
                height: rows,
                ..table
            };
            f.render_widget(
                Paragraph::new(Span::styled(
                    format!(" {text}"),
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                ))
                .wrap(ratatui::widgets::Wrap { trim: false }),
                warning,
            );
            Rect {
                height: table.height - rows,
                ..table
            }
        }
        None => table,
    };
    draw_table(ui, f, table);
    draw_info_line(ui, f, info);
    f.render_widget(Paragraph::new(footer_line(ui)), footer);
}

/// The keys of the mode the list is in: renaming and filtering have their own.
fn footer_line(ui: &Ui) -> Line<'static> {
    if matches!(&ui.popup, Some(Popup::Rename(p)) if p.inline) {
        return hints(&[
            ("Enter".into(), "save"),
            ("Esc".into(), "cancel"),
            ("C-u".into(), "clear"),
            ("←/→".into(), "move"),
        ]);
    }
    if ui.filter.is_some() {
        return hints(&[
            ("↑/↓".into(), "move"),
            ("Enter".into(), "attach"),
            ("Esc".into(), "clear filter"),
            ("C-u".into(), "clear text"),
        ]);
    }
    let k = &ui.keymap;
    let mut keys = vec![
        (
            k.list_keys(ListAction::Up) + "/" + &k.list_keys(ListAction::Down),
            "move",
        ),
        (k.list_key(ListAction::Attach), "attach"),
        (k.list_key(ListAction::New), "new"),
        (k.list_key(ListAction::Rename), "rename"),
        (k.list_key(ListAction::Delete), "delete"),
        (k.list_key(ListAction::Filter), "filter"),
        (k.list_key(ListAction::Help), "help"),
        (k.list_key(ListAction::Quit), "quit"),
        // Last, so a narrow footer cuts these and never the way to help.
        (k.list_key(ListAction::Search), "search"),
    ];
    if super::preview_room(ui).is_some() {
        keys.push((k.list_key(ListAction::Preview), "preview"));
    }
    hints(&keys)
}

/// Rows the notice needs at this width (1 when there is none).
fn notice_rows(ui: &Ui, width: u16) -> u16 {
    match &ui.notice {
        Some(n)
            if ui.filter.is_none() && !matches!(&ui.popup, Some(Popup::Rename(p)) if p.inline) =>
        {
            super::popups::wrapped_rows(&format!(" {}", n.text), width)
        }
        _ => 1,
    }
}

fn title_line(ui: &Ui) -> Line<'static> {
    let bar = Style::new().add_modifier(Modifier::REVERSED);
    let mut spans = vec![
        Span::styled(
            format!(" {} ", strings::APP),
            bar.add_modifier(Modifier::BOLD),
        ),
        Span::raw(" "),
        Span::styled(
            match (ui.sessions.len(), &ui.db_error) {
                (_, Some(_)) => "list not up to date".to_string(),
                (n, None) if ui.filter.is_some() => {
                    format!("{} of {n} {}", ui.visible().len(), sessions_word(n))
                }
                (n, None) => format!("{n} {}", sessions_word(n)),
            },
            if ui.db_error.is_some() {
                Style::new().fg(Color::Red)
            } else {
                dim()
            },
        ),
    ];
    if !ui.marked.is_empty() {
        spans.push(Span::styled(
            format!(" · {} marked", ui.marked.len()),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(order) = ui.order.describe() {
        spans.push(Span::styled(format!(" · {order}"), dim()));
    }
    for (host, state) in &ui.hosts {
        let (mark, style, text) = match state {
            HostState::Connected => ("●", Style::new().fg(Color::Green), String::new()),
            HostState::Connecting(step) => (
                SPINNER[ui.spinner % SPINNER.len()],
                Style::new().fg(Color::Cyan),
                format!(" {step}"),
            ),
            HostState::Reconnecting { error, retry_at } => {
                let left = (*retry_at - ui.now).max(0) as u64 / 1000;
                (
                    "◌",
                    Style::new().fg(Color::Yellow),
                    format!(" reconnecting in {left}s ({error})"),
                )
            }
            HostState::Unreachable(e) => ("✗", Style::new().fg(Color::Red), format!(" {e}")),
        };
        spans.push(Span::raw("   "));
        spans.push(Span::styled(mark.to_string(), style));
        spans.push(Span::raw(format!(" {host}")));
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

fn sessions_word(n: usize) -> &'static str {
    if n == 1 { "session" } else { "sessions" }
}

fn draw_table(ui: &Ui, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let all: Vec<usize> = (0..ui.sessions.len()).collect();
    // A name typed in place gets room for itself and the cursor, so the
    // input never scrolls what was typed out of sight.
    let name_min = match &ui.popup {
        Some(Popup::Rename(p)) if p.inline => {
            (crate::ui::state::input_text(&p.input).chars().count() as u16 + 1).max(12)
        }
        _ => 0,
    };
    let cols = layout(ui, &all, area.width, name_min);
    let gap = " ".repeat(usize::from(GAP));
    let titles: Vec<String> = cols.shown.iter().map(|&(_, w, t)| fit(t, w)).collect();
    let header = format!("{}{}", " ".repeat(usize::from(MARK)), titles.join(&gap));
    f.render_widget(
        Paragraph::new(Line::styled(
            header.trim_end().to_string(),
            dim().add_modifier(Modifier::BOLD),
        )),
        Rect { height: 1, ..area },
    );
    let rows_area = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    if ui.sessions.is_empty() && ui.db_error.is_some() {
        return;
    }
    if ui.sessions.is_empty() {
        let lines = vec![
            Line::raw(""),
            Line::styled(format!("  {}", strings::FIRST_RUN), bold()),
            Line::styled(format!("  {}", strings::FIRST_RUN_DETAIL), dim()),
        ];
        f.render_widget(Paragraph::new(lines), rows_area);
        return;
    }
    let visible = ui.visible();
    if visible.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(format!("  {}", strings::NO_MATCH), dim())),
            rows_area,
        );
        return;
    }
    let height = usize::from(rows_area.height);
    let shown = with_host_headers(ui, &visible);
    let sel = ui.selected_index(&visible).unwrap_or(0);
    let sel_at = shown
        .iter()
        .position(|r| *r == Shown::Session(visible[sel]))
        .unwrap_or(0);
    let offset = (sel_at + 1).saturating_sub(height);
    let renaming = match &ui.popup {
        Some(Popup::Rename(p)) if p.inline => Some(p),
        _ => None,
    };
    for (at, shown_row) in shown.iter().enumerate().skip(offset).take(height) {
        let y = rows_area.y + (at - offset) as u16;
        let one_row = Rect {
            y,
            height: 1,
            ..rows_area
        };
        let i = match *shown_row {
            Shown::Session(i) => i,
            Shown::Host(host, count) => {
                let text = format!(" {host} · {count} {}", sessions_word(count));
                f.render_widget(
                    Paragraph::new(Line::styled(text, bold().fg(Color::Cyan))),
                    one_row,
                );
                continue;
            }
        };
        let s = &ui.sessions[i];
        let selected = at == sel_at;
        let editing = renaming.filter(|p| selected && p.target == s.id);
        let line = session_line(ui, s, &cols.shown, selected, editing.is_some());
        f.render_widget(Paragraph::new(line), one_row);
        if let Some(p) = editing {
            // The input sits in the name's cell, which the row left blank:
            // nothing of the old name shows through what is typed.
            let mut x = rows_area.x + MARK;
            for &(col, w, _) in &cols.shown {
                if col.kind == Kind::Name {
                    let cell = Rect::new(x, y, w.min(rows_area.right().saturating_sub(x)), 1);
                    let mut input = p.input.clone();
                    input.set_style(Style::new().add_modifier(Modifier::UNDERLINED));
                    f.render_widget(&input, cell);
                }
                x = x.saturating_add(w + GAP);
            }
        }
    }
}

/// A row of the list as drawn: a session, or a host's header when grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown<'a> {
    Session(usize),
    /// The host and how many of the rows shown are on it.
    Host(&'a str, usize),
}

/// The visible sessions, each host's led by its header when grouped.
fn with_host_headers<'a>(ui: &'a Ui, visible: &[usize]) -> Vec<Shown<'a>> {
    if !ui.order.by_host {
        return visible.iter().map(|&i| Shown::Session(i)).collect();
    }
    let mut rows = Vec::with_capacity(visible.len() + 4);
    let mut last: Option<&str> = None;
    for &i in visible {
        let host = ui.sessions[i].host.as_str();
        if last != Some(host) {
            let count = visible
                .iter()
                .filter(|&&j| ui.sessions[j].host == host)
                .count();
            rows.push(Shown::Host(host, count));
            last = Some(host);
        }
        rows.push(Shown::Session(i));
    }
    rows
}

/// One session's row; the name's cell is left blank while it is edited in place.
fn session_line(
    ui: &Ui,
    s: &SessionRow,
    cols: &[(&'static Column, u16, &'static str)],
    selected: bool,
    editing: bool,
) -> Line<'static> {
    let base = super::row_style(selected);
    // A mark shows on the selected row too: the highlight says which is selected.
    let mark = if ui.marked.contains(&s.id) {
        Span::styled("✓", base.fg(Color::Yellow).add_modifier(Modifier::BOLD))
    } else {
        Span::styled(if selected { "▶" } else { " " }, base)
    };
    let mut spans = vec![mark];
    for (i, &(col, w, _)) in cols.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" ".repeat(usize::from(GAP)), base));
        }
        let (text, style) = (col.cell)(ui, s, base);
        let text = if editing && col.kind == Kind::Name {
            String::new()
        } else {
            text
        };
        spans.push(Span::styled(fit(&text, w), style));
    }
    Line::from(spans)
}

fn draw_info_line(ui: &Ui, f: &mut Frame, area: Rect) {
    if let Some(filter) = &ui.filter {
        f.render_widget(
            Paragraph::new(Span::styled(" / ", bold())),
            Rect { width: 3, ..area },
        );
        let input = Rect {
            x: area.x + 3,
            width: area.width.saturating_sub(3),
            ..area
        };
        f.render_widget(filter, input);
        return;
    }
    if let Some(Popup::Rename(p)) = &ui.popup
        && p.inline
    {
        let text = match &p.error {
            Some(e) => Span::styled(format!(" {e}"), Style::new().fg(Color::Red)),
            None => Span::styled(
                " Enter saves · Esc cancels · empty makes it anonymous",
                dim(),
            ),
        };
        f.render_widget(Paragraph::new(text), area);
        return;
    }
    if let Some(n) = &ui.notice {
        let style = if n.error {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(Color::Green)
        };
        f.render_widget(
            Paragraph::new(Span::styled(format!(" {}", n.text), style))
                .wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
    }
}
