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

struct Columns {
    name: u16,
    host: u16,
    state: u16,
    id: u16,
    job: u16,
    views: u16,
}

fn columns(ui: &Ui, width: u16) -> Columns {
    let host = ui
        .sessions
        .iter()
        .map(|s| s.host.chars().count() as u16)
        .max()
        .unwrap_or(5)
        .clamp(5, 24);
    let state = ui
        .sessions
        .iter()
        .map(|s| state_text(s).chars().count() as u16)
        .max()
        .unwrap_or(7)
        .clamp(7, 30);
    let fixed = host + state + 8 + 8 + 5 + 6 * 2 + 30;
    Columns {
        name: width.saturating_sub(fixed).max(12),
        host,
        state,
        id: 8,
        job: 8,
        views: 5,
    }
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
    f.render_widget(
        Paragraph::new(hints(&[
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
        ])),
        footer,
    );
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
    let cols = columns(ui, area.width);
    let header = format!(
        " {}  {}  {}  {}  {}  {}  {}",
        fit("NAME", cols.name),
        fit("HOST", cols.host),
        fit("STATE", cols.state),
        fit("ID", cols.id),
        fit("JOB", cols.job),
        fit("VIEWS", cols.views),
        "LAST ACTIVE"
    );
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
        let line = session_line(ui, s, &cols, selected);
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
            let cell = Rect::new(rows_area.x + 1, y, cols.name, 1);
            let mut input = p.input.clone();
            input.set_style(Style::new().add_modifier(Modifier::UNDERLINED));
            f.render_widget(&input, cell);
        }
    }
}

fn session_line(ui: &Ui, s: &SessionRow, cols: &Columns, selected: bool) -> Line<'static> {
    let base = super::row_style(selected);
    let name = match &s.name {
        Some(n) => Span::styled(fit(n, cols.name), base),
        None => Span::styled(
            fit(strings::ANONYMOUS, cols.name),
            base.add_modifier(Modifier::DIM),
        ),
    };
    let views = if s.views > 0 {
        s.views.to_string()
    } else {
        String::new()
    };
    let active = format_age(age(ui, s.last_active_at));
    // An unattached session the reaper will stop says when, so nobody
    // loses a shell by surprise.
    let reap = match ui.reap_deadline(&s.id) {
        Some(at) => {
            let left = std::time::Duration::from_millis((at - ui.now).max(0) as u64);
            format!(" · reaped in {}", format_countdown(left))
        }
        None => String::new(),
    };
    Line::from(vec![
        Span::styled(if selected { "▶" } else { " " }, base),
        name,
        Span::styled("  ", base),
        Span::styled(fit(&s.host, cols.host), base),
        Span::styled("  ", base),
        Span::styled(
            fit(&state_text(s), cols.state),
            base.patch(status_style(s.status)),
        ),
        Span::styled("  ", base),
        Span::styled(fit(s.id.short(), cols.id), base.add_modifier(Modifier::DIM)),
        Span::styled("  ", base),
        Span::styled(
            fit(
                s.job.as_ref().map(|j| j.id.short()).unwrap_or("-"),
                cols.job,
            ),
            base.add_modifier(Modifier::DIM),
        ),
        Span::styled("  ", base),
        Span::styled(fit(&views, cols.views), base),
        Span::styled("  ", base),
        Span::styled(active, base),
        Span::styled(reap, base.fg(Color::Yellow)),
    ])
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
