//! The attached view: the session's screen, cell for cell, and one status line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{SPINNER, bold, centered, dim, hints, status_style};
use crate::host::HostState;
use crate::ui::keymap::PrefixAction;
use crate::ui::state::{Link, Ui, View};
use crate::ui::strings;

/// The status line's row and the session's rows, in that order.
pub fn split(ui: &Ui, area: Rect) -> (Rect, Rect) {
    if ui.status_on_top {
        (
            Rect { height: 1, ..area },
            Rect {
                y: area.y + 1,
                height: area.height - 1,
                ..area
            },
        )
    } else {
        (
            Rect {
                y: area.y + area.height - 1,
                height: 1,
                ..area
            },
            Rect {
                height: area.height - 1,
                ..area
            },
        )
    }
}

/// Draws the view; `direct`: all but the session's screen, which the caller
/// paints (the area stays blank here, so ratatui never writes over it).
pub fn render(ui: &Ui, v: &View, f: &mut Frame, area: Rect, direct: bool) {
    let (status, screen) = split(ui, area);
    if direct {
        f.render_widget(Paragraph::new(status_line(ui, v)), status);
        return;
    }
    let mut cursor = super::session::draw(&v.emu, f.buffer_mut(), screen, v.scroll().unwrap_or(0));
    match &v.copy {
        Some(c) => cursor = super::copy::overlay(v, c, f, screen),
        None => {
            let predicted = crate::ui::predict::draw(&v.predict.overlay(), f.buffer_mut(), screen);
            cursor = predicted.or(cursor);
        }
    }
    super::search::paint_found(v, f.buffer_mut(), screen);
    if let Some((x, y)) = cursor
        && ui.popup.is_none()
        && v.ended.is_none()
    {
        f.set_cursor_position((x, y));
    }
    super::session::mark_cut(&v.emu, f.buffer_mut(), screen);
    // A smaller session (another, more active view set its size): mark the edge.
    let (cols, rows) = v.emu.size();
    if cols < screen.width {
        let edge = Rect {
            x: screen.x + cols,
            width: screen.width - cols,
            height: rows.min(screen.height),
            ..screen
        };
        f.render_widget(Block::new().style(dim()).borders(Borders::LEFT), edge);
    }
    f.render_widget(Paragraph::new(status_line(ui, v)), status);
    if let Some(exit) = &v.ended {
        let text = format!(
            "{}\n\nPress any key to return to the list.",
            strings::ended(&v.session.label(), exit)
        );
        let b = centered(area, 50, 6);
        f.render_widget(Clear, b);
        f.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" session ended ")),
            b,
        );
    }
}

/// Says the session is larger than this view, and how to give it this size.
fn crop_note(ui: &Ui, v: &View) -> Option<String> {
    let (_, screen) = split(ui, Rect::new(0, 0, ui.size.0, ui.size.1));
    let (cols, rows) = super::session::cropped(&v.emu, screen)?;
    Some(format!(
        " session {cols}x{rows} > view {}x{} · {} {} fits ",
        screen.width,
        screen.height,
        ui.keymap.prefix.label(),
        ui.keymap.prefix_key(PrefixAction::Fit)
    ))
}

pub fn status_line(ui: &Ui, v: &View) -> Line<'static> {
    let k = &ui.keymap;
    let bar = Style::new().bg(Color::DarkGray).fg(Color::White);
    let mut spans = vec![
        Span::styled(
            format!(" {} ", v.session.label()),
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!(" {} ", v.session.host), bar),
    ];
    let (state, style) = match (&v.link, &v.ended) {
        (_, Some(_)) => ("ended".to_string(), Style::new().fg(Color::Red)),
        (Link::Reconnecting { attempt, .. }, _) => (
            format!(
                "{} {}",
                SPINNER[ui.spinner % SPINNER.len()],
                reconnecting(ui, v, *attempt)
            ),
            Style::new().fg(Color::Yellow),
        ),
        (Link::Live, _) if !v.loaded => {
            (strings::ATTACHING.to_string(), Style::new().fg(Color::Cyan))
        }
        (Link::Live, _) => (v.session.status.to_string(), status_style(v.session.status)),
    };
    spans.push(Span::styled(format!(" {state} "), bar.patch(style)));
    if v.predict.active()
        && let Some(rtt) = v.predict.rtt.smoothed()
    {
        // Why typing shows underlined: the link is this slow.
        spans.push(Span::styled(format!(" {} ms ", rtt.as_millis()), bar));
    }
    if let Some(note) = crop_note(ui, v) {
        spans.push(Span::styled(note, Style::new().fg(Color::Yellow)));
    }
    // A notice (an error above all) is what the user needs next: it comes
    // before anything else that may not fit.
    if let Some(n) = &ui.notice {
        let style = if n.error {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Green)
        };
        spans.push(Span::styled(format!(" {} ", n.text), style));
    } else if let Link::Reconnecting { reason, .. } = &v.link {
        // The reason takes the room left beside the help hint, abbreviated
        // rather than cut off at the edge with the hint.
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let hint = k.prefix.label().chars().count() + 8;
        let room = usize::from(ui.size.0).saturating_sub(used + hint + 3);
        let reason = super::columns::fit(reason, room.min(usize::from(u16::MAX)) as u16);
        spans.push(Span::styled(format!(" {} ", reason.trim_end()), dim()));
    }
    if let Some(c) = &v.copy {
        spans.append(&mut super::copy::status(v, c));
        if c.prompt.is_none() && c.message.is_none() {
            spans.push(Span::styled(copy_hint(c.keys), bar));
        }
    }
    spans.push(Span::raw(" "));
    if v.prefix_armed {
        let mut h = hints(&[
            (k.prefix_key(PrefixAction::Detach), "detach"),
            (k.prefix_keys(PrefixAction::Switch), "list"),
            (
                format!(
                    "{}/{}",
                    k.prefix_key(PrefixAction::Next),
                    k.prefix_key(PrefixAction::Prev)
                ),
                "next/prev",
            ),
            (k.prefix_key(PrefixAction::New), "new"),
            (k.prefix_key(PrefixAction::Rename), "rename"),
            (k.prefix_key(PrefixAction::Scroll), "copy"),
            (k.prefix_key(PrefixAction::Help), "help"),
        ]);
        spans.push(Span::styled(
            format!("{} ", k.prefix.label()),
            bold().fg(Color::Yellow),
        ));
        spans.append(&mut h.spans);
    } else {
        spans.push(Span::styled(
            format!(
                "{} {} help",
                k.prefix.label(),
                k.prefix_key(PrefixAction::Help)
            ),
            dim(),
        ));
    }
    Line::from(spans)
}

/// A view waiting for its link: when the next try is, and the key that
/// tries now (`reconnecting · next try in 4 s · C-b R now`).
fn reconnecting(ui: &Ui, v: &View, attempt: u32) -> String {
    let now_key = format!(
        "{} {} now",
        ui.keymap.prefix.label(),
        ui.keymap.prefix_key(PrefixAction::Retry)
    );
    match ui.host_state(&v.session.host) {
        Some(HostState::Reconnecting { retry_at, .. }) => {
            let left = ((retry_at - ui.now).max(0) as u64).div_ceil(1000);
            format!("reconnecting \u{b7} next try in {left} s \u{b7} {now_key}")
        }
        Some(HostState::Connecting(_)) => "reconnecting \u{b7} trying now".to_string(),
        _ => format!("reconnecting (try {attempt}) \u{b7} {now_key}"),
    }
}

/// The copy-mode keys a user needs first.
fn copy_hint(keys: crate::ui::copy::ModeKeys) -> &'static str {
    match keys {
        crate::ui::copy::ModeKeys::Vi => " v select · y copy · / search · q leaves ",
        crate::ui::copy::ModeKeys::Emacs => " C-Space select · M-w copy · C-s search · q leaves ",
    }
}
