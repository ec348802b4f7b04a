//! The session list: one row per session, newest activity first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{SPINNER, bold, dim, hints, state_text, status_style};
use crate::clock::Millis;
use crate::duration::{format_age, format_countdown};
use crate::host::HostState;
use crate::store::SessionRow;
use crate::ui::keymap::ListAction;
use crate::ui::state::{Popup, Ui};
use crate::ui::strings;

/// The space between two columns.
const GAP: u16 = 2;

/// How wide a column is.
enum Width {
    /// Always this wide (ids are shown by their short form).
    Fixed(u16),
    /// As wide as its widest cell, within these bounds.
    Content { min: u16, max: u16 },
    /// What the other columns leave, but never less than `min`.
    Rest { min: u16 },
    /// The last column: drawn as wide as it is; the others leave it this much.
    Last { room: u16 },
}

/// One cell: its text (fitted to the column), its style, and what may
/// follow it unfitted in the last column.
struct Cell {
    text: String,
    style: Style,
    after: Option<Span<'static>>,
}

impl Cell {
    fn new(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
            after: None,
        }
    }
}

/// A list column: its title, how wide it is, and what it shows of a
/// session (given the row's base style). A new column is one more entry.
struct Column {
    title: &'static str,
    width: Width,
    cell: fn(&Ui, &SessionRow, Style) -> Cell,
}

/// The list's columns, left to right.
const COLUMNS: &[Column] = &[
    Column {
        title: "NAME",
        width: Width::Rest { min: 12 },
        cell: |_, s, base| match &s.name {
            Some(n) => Cell::new(n.clone(), base),
            None => Cell::new(strings::ANONYMOUS, base.add_modifier(Modifier::DIM)),
        },
    },
    Column {
        title: "HOST",
        width: Width::Content { min: 5, max: 24 },
        cell: |_, s, base| Cell::new(s.host.clone(), base),
    },
    Column {
        title: "STATE",
        width: Width::Content { min: 7, max: 30 },
        cell: |_, s, base| Cell::new(state_text(s), base.patch(status_style(s.status))),
    },
    Column {
        title: "ID",
        width: Width::Fixed(8),
        cell: |_, s, base| Cell::new(s.id.short(), base.add_modifier(Modifier::DIM)),
    },
    Column {
        title: "JOB",
        width: Width::Fixed(8),
        cell: |_, s, base| {
            let job = s.job.as_ref().map(|j| j.id.short()).unwrap_or("-");
            Cell::new(job, base.add_modifier(Modifier::DIM))
        },
    },
    Column {
        title: "VIEWS",
        width: Width::Fixed(5),
        cell: |_, s, base| {
            let views = if s.views > 0 {
                s.views.to_string()
            } else {
                String::new()
            };
            Cell::new(views, base)
        },
    },
    Column {
        title: "LAST ACTIVE",
        width: Width::Last { room: 30 },
        cell: |ui, s, base| Cell {
            text: format_age(age(ui, s.last_active_at)),
            style: base,
            after: reap_note(ui, s).map(|t| Span::styled(t, base.fg(Color::Yellow))),
        },
    },
];

/// An unattached session the reaper will stop says when, so nobody loses
/// a shell by surprise.
fn reap_note(ui: &Ui, s: &SessionRow) -> Option<String> {
    let at = ui.reap_deadline(&s.id)?;
    let left = std::time::Duration::from_millis((at - ui.now).max(0) as u64);
    Some(format!(" · reaped in {}", format_countdown(left)))
}

/// Each column's width for `width` cells of screen (the last column's is
/// the room it is left).
fn layout(ui: &Ui, width: u16) -> Vec<u16> {
    let content = |col: &Column, min: u16, max: u16| {
        let base = Style::new();
        ui.sessions
            .iter()
            .map(|s| (col.cell)(ui, s, base).text.chars().count() as u16)
            .max()
            .unwrap_or(min)
            .clamp(min, max)
    };
    let mut widths: Vec<u16> = COLUMNS
        .iter()
        .map(|col| match col.width {
            Width::Fixed(w) => w,
            Width::Content { min, max } => content(col, min, max),
            Width::Last { room } => room,
            Width::Rest { .. } => 0,
        })
        .collect();
    let gaps = GAP * (COLUMNS.len() as u16 - 1);
    let taken: u16 = widths.iter().sum::<u16>() + gaps;
    for (w, col) in widths.iter_mut().zip(COLUMNS) {
        if let Width::Rest { min } = col.width {
            *w = width.saturating_sub(taken).max(min);
        }
    }
    widths
}

fn fit(text: &str, width: u16) -> String {
    let width = usize::from(width);
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else if width > 0 {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    } else {
        String::new()
    }
}

pub fn render(ui: &Ui, f: &mut Frame, area: Rect) {
    let (area, preview) = super::preview::split(ui, area);
    if let Some(p) = preview {
        super::preview::render(ui, f, p);
    }
    f.render_widget(Paragraph::new(title_line(ui)), Rect { height: 1, ..area });
    let table = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(3),
        ..area
    };
    let info = Rect {
        y: area.y + area.height - 2,
        height: 1,
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
        (k.list_key(ListAction::Search), "search"),
        (k.list_key(ListAction::Help), "help"),
        (k.list_key(ListAction::Quit), "quit"),
    ];
    if super::preview_room(ui.size).is_some() {
        keys.insert(7, (k.list_key(ListAction::Preview), "preview"));
    }
    f.render_widget(Paragraph::new(hints(&keys)), footer);
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
                (1, None) => "1 session".to_string(),
                (n, None) => format!("{n} sessions"),
            },
            if ui.db_error.is_some() {
                Style::new().fg(Color::Red)
            } else {
                dim()
            },
        ),
    ];
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

fn draw_table(ui: &Ui, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let widths = layout(ui, area.width);
    let gap = " ".repeat(usize::from(GAP));
    let titles: Vec<String> = COLUMNS
        .iter()
        .zip(&widths)
        .map(|(col, &w)| match col.width {
            Width::Last { .. } => col.title.to_string(),
            _ => fit(col.title, w),
        })
        .collect();
    let header = format!(" {}", titles.join(&gap));
    f.render_widget(
        Paragraph::new(Line::styled(header, dim().add_modifier(Modifier::BOLD))),
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
    let sel = ui.selected_index(&visible).unwrap_or(0);
    let offset = (sel + 1).saturating_sub(height);
    for (row, &i) in visible.iter().enumerate().skip(offset).take(height) {
        let s = &ui.sessions[i];
        let y = rows_area.y + (row - offset) as u16;
        let selected = row == sel;
        let line = session_line(ui, s, &widths, selected);
        f.render_widget(
            Paragraph::new(line),
            Rect {
                y,
                height: 1,
                ..rows_area
            },
        );
        if selected
            && let Some(Popup::Rename(p)) = &ui.popup
            && p.inline
        {
            // The name is the first column, after the selection mark.
            let cell = Rect::new(rows_area.x + 1, y, widths[0], 1);
            let mut input = p.input.clone();
            input.set_style(Style::new().add_modifier(Modifier::UNDERLINED));
            f.render_widget(&input, cell);
        }
    }
}

fn session_line(ui: &Ui, s: &SessionRow, widths: &[u16], selected: bool) -> Line<'static> {
    let base = super::row_style(selected);
    let mut spans = vec![Span::styled(if selected { "▶" } else { " " }, base)];
    for (i, (col, &w)) in COLUMNS.iter().zip(widths).enumerate() {
        if i > 0 {
            spans.push(Span::styled(" ".repeat(usize::from(GAP)), base));
        }
        let cell = (col.cell)(ui, s, base);
        let text = match col.width {
            Width::Last { .. } => cell.text,
            _ => fit(&cell.text, w),
        };
        spans.push(Span::styled(text, cell.style));
        spans.extend(cell.after);
    }
    Line::from(spans)
}

/// Age against the state's clock, so a frame depends on state alone.
pub fn age(ui: &Ui, then: Millis) -> std::time::Duration {
    std::time::Duration::from_millis((ui.now - then).max(0) as u64)
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
            Paragraph::new(Span::styled(format!(" {}", n.text), style)),
            area,
        );
    }
}
