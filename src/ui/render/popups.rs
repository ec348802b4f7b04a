//! Popups: create prompt, rename, delete confirmation, help, switcher, host questions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{SPINNER, bold, centered, dim, hints, state_text, status_style};
use crate::duration::format_age;
use crate::ui::keymap::{ListAction, PrefixAction, ScrollAction};
use crate::ui::state::{
    CreatePrompt, Field, Popup, Question, QuestionKind, RenamePrompt, Target, Ui,
};
use crate::ui::strings;

pub fn render(ui: &Ui, popup: &Popup, f: &mut Frame, area: Rect) {
    match popup {
        Popup::Create(p) => create(ui, p, f, area),
        Popup::Rename(p) if !p.inline => rename(p, f, area),
        Popup::Rename(_) => {}
        Popup::ConfirmDelete { targets } => confirm(targets, f, area),
        Popup::ConfirmForce { targets, why } => confirm_force(targets, why, f, area),
        Popup::Help { scroll } => help(ui, *scroll, f, area),
        Popup::Switcher => switcher(ui, f, area),
        Popup::Question(q) => question(q, f, area),
    }
}

fn frame_box(title: &str, f: &mut Frame, area: Rect, w: u16, h: u16) -> Rect {
    let b = centered(area, w, h);
    f.render_widget(Clear, b);
    let block = Block::bordered()
        .title(Span::styled(format!(" {title} "), bold()))
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(b);
    f.render_widget(block, b);
    inner
}

fn input_row(
    f: &mut Frame,
    inner: Rect,
    y: u16,
    label: &str,
    input: &ratatui_textarea::TextArea<'_>,
    focused: bool,
) {
    let label_w = 7;
    f.render_widget(
        Paragraph::new(Span::styled(
            format!("{label:<6}"),
            if focused { bold() } else { dim() },
        )),
        Rect::new(inner.x, y, label_w, 1),
    );
    let field = Rect::new(inner.x + label_w, y, inner.width.saturating_sub(label_w), 1);
    let mut shown = input.clone();
    let style = if focused {
        Style::new().add_modifier(Modifier::UNDERLINED)
    } else {
        dim()
    };
    shown.set_style(style);
    if !focused {
        shown.set_cursor_style(style);
    }
    f.render_widget(&shown, field);
}

fn create(ui: &Ui, p: &CreatePrompt, f: &mut Frame, area: Rect) {
    // An error (a path to fix, a command to run) is shown whole: the box
    // grows to hold it.
    let error_rows = p
        .error
        .as_deref()
        .map(|e| wrapped_rows(e, 62))
        .unwrap_or(0)
        .max(2);
    let inner = frame_box(
        "New session",
        f,
        area,
        64,
        (6 + error_rows).min(area.height),
    );
    input_row(f, inner, inner.y, "Name", &p.name, p.focus == Field::Name);
    input_row(
        f,
        inner,
        inner.y + 1,
        "Host",
        &p.host,
        p.focus == Field::Host,
    );
    let status = if p.busy {
        Line::styled(
            format!(
                "{} {}",
                SPINNER[ui.spinner % SPINNER.len()],
                strings::CREATING
            ),
            Style::new().fg(Color::Cyan),
        )
    } else if let Some(e) = &p.error {
        Line::styled(e.clone(), Style::new().fg(Color::Red))
    } else {
        Line::raw("")
    };
    f.render_widget(
        Paragraph::new(status).wrap(Wrap { trim: true }),
        Rect::new(
            inner.x,
            inner.y + 3,
            inner.width,
            inner.height.saturating_sub(4).max(1),
        ),
    );
    f.render_widget(
        Paragraph::new(hints(&[
            ("Enter".into(), "create and attach"),
            ("Tab".into(), "name/host"),
            ("Esc".into(), "cancel"),
        ])),
        Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(1),
            inner.width,
            1,
        ),
    );
}

fn rename(p: &RenamePrompt, f: &mut Frame, area: Rect) {
    let inner = frame_box("Rename session", f, area, 56, 6);
    input_row(f, inner, inner.y, "Name", &p.input, true);
    if let Some(e) = &p.error {
        f.render_widget(
            Paragraph::new(Line::styled(e.clone(), Style::new().fg(Color::Red))),
            Rect::new(inner.x, inner.y + 2, inner.width, 1),
        );
    }
    f.render_widget(
        Paragraph::new(hints(&[
            ("Enter".into(), "save"),
            ("Esc".into(), "cancel"),
            ("empty".into(), "anonymous"),
        ])),
        Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(1),
            inner.width,
            1,
        ),
    );
}

fn confirm(targets: &[Target], f: &mut Frame, area: Rect) {
    let text = match targets {
        [one] => strings::delete_question(&one.label),
        many => {
            let labels: Vec<String> = many.iter().map(|t| t.label.clone()).collect();
            strings::delete_many_question(&labels)
        }
    };
    let w = 56.min(area.width);
    let h = (wrapped_rows(&text, w.saturating_sub(2)) + 4).min(area.height);
    let inner = frame_box("Delete", f, area, w, h);
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(text),
            Line::raw(""),
            hints(&[("y".into(), "delete"), ("any other key".into(), "keep it")]),
        ])
        .wrap(Wrap { trim: true }),
        inner,
    );
}

/// Rows `text` takes wrapped at `width` (a word never splits a row early
/// by more than its own length, so this is at most one row short per line).
pub(super) fn wrapped_rows(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    text.lines()
        .map(|l| l.chars().count().div_ceil(width).max(1) + usize::from(l.len() > width))
        .sum::<usize>()
        .min(usize::from(u16::MAX)) as u16
}

fn confirm_force(targets: &[Target], why: &str, f: &mut Frame, area: Rect) {
    let text = match targets {
        [one] => strings::force_question(&one.label, why),
        many => strings::force_many_question(many.len(), why),
    };
    let w = 72.min(area.width);
    let h = (wrapped_rows(&text, w.saturating_sub(2)) + 4).min(area.height);
    let inner = frame_box("Delete by force?", f, area, w, h);
    let mut lines: Vec<Line> = text.lines().map(|l| Line::raw(l.to_string())).collect();
    lines.push(Line::raw(""));
    lines.push(hints(&[
        ("y".into(), "force it"),
        ("any other key".into(), "keep it"),
    ]));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

pub fn busy(ui: &Ui, text: &str, f: &mut Frame, area: Rect) {
    let w = (text.chars().count() as u16 + 6).min(area.width);
    let b = centered(area, w, 3);
    f.render_widget(Clear, b);
    f.render_widget(
        Paragraph::new(format!("{} {text}", SPINNER[ui.spinner % SPINNER.len()]))
            .block(Block::bordered().border_style(Style::new().fg(Color::Cyan))),
        b,
    );
}

/// The help's lines, top to bottom.
fn help_lines(ui: &Ui) -> Vec<Line<'static>> {
    let k = &ui.keymap;
    let p = k.prefix.label();
    let row = |keys: String, what: &str| -> Line<'static> {
        Line::from(vec![
            Span::styled(format!("  {keys:<20} "), bold()),
            Span::raw(what.to_string()),
        ])
    };
    let mut lines = vec![Line::styled("Session list", bold().fg(Color::Cyan))];
    for (a, what) in [
        (ListAction::Up, "move up"),
        (ListAction::Down, "move down"),
        (ListAction::Attach, "attach to the session"),
        (ListAction::New, "create a session and attach"),
        (ListAction::Rename, "rename in place"),
        (ListAction::Delete, "delete (asks first; every marked one)"),
        (ListAction::Mark, "mark or unmark, to delete several"),
        (ListAction::Unmark, "clear the marks"),
        (ListAction::Sort, "sort: activity, name, created, number"),
        (ListAction::Group, "group by host on/off"),
        (ListAction::Filter, "filter by name, host, id (Esc clears)"),
        (
            ListAction::Search,
            "search every session's screen and history",
        ),
        (ListAction::Retry, "reconnect to unreachable hosts now"),
        (
            ListAction::Preview,
            "live preview of the selected session on/off",
        ),
        (ListAction::Quit, "quit (sessions keep running)"),
    ] {
        lines.push(row(k.list_keys(a), what));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("In a session, after {p}"),
        bold().fg(Color::Cyan),
    ));
    for (a, what) in [
        (
            PrefixAction::Detach,
            "detach: back to the list or the shell",
        ),
        (PrefixAction::Switch, "switch session (list overlay)"),
        (PrefixAction::Next, "next session on this host"),
        (PrefixAction::Prev, "previous session on this host"),
        (PrefixAction::New, "create a session and attach"),
        (PrefixAction::Rename, "rename this session"),
        (
            PrefixAction::Scroll,
            "copy mode: scroll, search, select, copy",
        ),
        (PrefixAction::Paste, "paste the last copy"),
        (PrefixAction::Retry, "reconnect now"),
        (PrefixAction::Fit, "resize the session to this view"),
    ] {
        lines.push(row(k.prefix_keys(a), what));
    }
    lines.push(row(format!("{p} {p}"), "send the prefix key itself"));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Copy mode (vi keys; emacs with ui.mode_keys)",
        bold().fg(Color::Cyan),
    ));
    for (a, what) in [
        (ScrollAction::Up, "line up"),
        (ScrollAction::PageUp, "page up"),
        (ScrollAction::PageDown, "page down"),
        (ScrollAction::Exit, "back to live"),
        (ScrollAction::NextMatch, "next match (after a search)"),
        (ScrollAction::PrevMatch, "previous match"),
    ] {
        lines.push(row(k.scroll_keys(a), what));
    }
    lines.push(row(
        "v V C-v / ? n y".into(),
        "select, by line, block; search; copy",
    ));
    lines.push(row(
        "wheel".into(),
        "scroll; drag to copy (if the program allows)",
    ));
    lines
}

/// Rows of help there are.
pub fn help_len(ui: &Ui) -> u16 {
    help_lines(ui).len() as u16
}

/// Rows of help one screen shows: all but the box's borders and a margin.
pub fn help_page(size: (u16, u16)) -> u16 {
    size.1.saturating_sub(2 + 2).max(1)
}

/// The help in a box as tall as the screen allows, scrolled to `scroll`;
/// its bottom edge says how to scroll and where the view is.
fn help(ui: &Ui, scroll: u16, f: &mut Frame, area: Rect) {
    let lines = help_lines(ui);
    let total = lines.len() as u16;
    let page = help_page((area.width, area.height)).min(total);
    let scroll = scroll.min(total - page);
    let b = centered(area, 70, page + 2);
    f.render_widget(Clear, b);
    let mut block = Block::bordered()
        .title(Span::styled(" Keys ", bold()))
        .border_style(Style::new().fg(Color::Cyan));
    let end = scroll + page;
    block = block.title_bottom(Span::styled(
        if page < total {
            format!(
                " ↑↓ PgUp PgDn scroll · other keys close · {}-{end} of {total} ",
                scroll + 1
            )
        } else {
            " any key closes this help ".to_string()
        },
        dim(),
    ));
    let inner = block.inner(b);
    f.render_widget(block, b);
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

fn switcher(ui: &Ui, f: &mut Frame, area: Rect) {
    let rows = ui.visible();
    let h = (rows.len() as u16 + 3).clamp(5, area.height.saturating_sub(2));
    let inner = frame_box("Switch session", f, area, 72, h);
    let height = usize::from(inner.height.saturating_sub(1));
    let sel = ui.selected_index(&rows).unwrap_or(0);
    let offset = (sel + 1).saturating_sub(height);
    let current = ui.view.as_ref().map(|v| v.session.id.clone());
    for (n, &i) in rows.iter().enumerate().skip(offset).take(height) {
        let s = &ui.sessions[i];
        let selected = n == sel;
        let base = super::row_style(selected);
        let mark = if Some(&s.id) == current.as_ref() {
            "*"
        } else {
            " "
        };
        let line = Line::from(vec![
            Span::styled(format!("{mark}{:<24}", s.label()), base),
            Span::styled(format!(" {:<16}", s.host), base),
            Span::styled(
                format!(" {:<14}", state_text(s)),
                base.patch(status_style(s.status)),
            ),
            Span::styled(
                format!(" {}", format_age(super::columns::age(ui, s.last_active_at))),
                base,
            ),
        ]);
        f.render_widget(
            Paragraph::new(line),
            Rect::new(inner.x, inner.y + (n - offset) as u16, inner.width, 1),
        );
    }
    f.render_widget(
        Paragraph::new(hints(&[
            ("↑↓".into(), "move"),
            ("Enter".into(), "switch"),
            ("Esc".into(), "close"),
        ])),
        Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(1),
            inner.width,
            1,
        ),
    );
}

fn question(q: &Question, f: &mut Frame, area: Rect) {
    let title = format!("{} asks", q.host);
    let inner = frame_box(&title, f, area, 72, 9);
    f.render_widget(
        Paragraph::new(q.text.clone()).wrap(Wrap { trim: false }),
        Rect::new(
            inner.x,
            inner.y,
            inner.width,
            inner.height.saturating_sub(3),
        ),
    );
    let bottom = inner.y + inner.height.saturating_sub(1);
    match q.kind {
        QuestionKind::YesNo => {
            input_row(f, inner, bottom.saturating_sub(1), "", &q.input, true);
            f.render_widget(
                Paragraph::new(hints(&[
                    ("yes Enter".into(), "trust"),
                    ("no Enter/Esc".into(), "refuse"),
                ])),
                Rect::new(inner.x, bottom, inner.width, 1),
            );
        }
        QuestionKind::Secret | QuestionKind::Text => {
            input_row(f, inner, bottom.saturating_sub(1), "", &q.input, true);
            f.render_widget(
                Paragraph::new(hints(&[
                    ("Enter".into(), "answer"),
                    ("Esc".into(), "cancel"),
                ])),
                Rect::new(inner.x, bottom, inner.width, 1),
            );
        }
    }
}
