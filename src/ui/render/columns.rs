//! The session list's columns and how they share the width: each column is
//! as wide as its widest cell, and when the screen is narrow the least
//! useful give way first (JOB, ID, MEM, CPU, then VIEWS), so state and
//! times are never cut while an id is shown.

use ratatui::style::{Color, Modifier, Style};

use super::{state_text, status_style};
use crate::clock::Millis;
use crate::duration::{format_age, format_bytes, format_countdown, format_cpu};
use crate::store::SessionRow;
use crate::ui::state::Ui;

/// The space between two columns.
pub const GAP: u16 = 2;
/// The selection mark before the first column.
pub const MARK: u16 = 1;
/// A name is never squeezed below this while a column can still give way.
const NAME_MIN: u16 = 8;
/// Nor grows past this: a long name is cut rather than pushing the state
/// and times off the screen.
const NAME_MAX: u16 = 32;
/// A title is cut at this (programs put whole paths in them)...
const TITLE_MAX: u16 = 24;
/// ...and at this when the screen is narrow, before it goes altogether.
const TITLE_MIN: u16 = 10;

/// What a column is, for choosing which gives way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Number,
    Name,
    Program,
    Title,
    Host,
    State,
    Views,
    Active,
    Reaped,
    Cpu,
    Mem,
    Id,
    Job,
}

/// A list column: its title (and a shorter one for narrow screens), the
/// widest it may be, and what it shows of a session.
pub struct Column {
    pub kind: Kind,
    pub title: &'static str,
    pub short: &'static str,
    max: u16,
    pub cell: fn(&Ui, &SessionRow, Style) -> (String, Style),
}

/// The columns, left to right: the same order as `sessui ls`.
pub const COLUMNS: &[Column] = &[
    Column {
        kind: Kind::Number,
        title: "#",
        short: "#",
        max: 5,
        cell: |_, s, base| (number(s), base.add_modifier(Modifier::DIM)),
    },
    Column {
        kind: Kind::Name,
        title: "NAME",
        short: "NAME",
        max: NAME_MAX,
        cell: |_, s, base| match &s.name {
            Some(n) => (n.clone(), base),
            None => ("-".into(), base.add_modifier(Modifier::DIM)),
        },
    },
    Column {
        kind: Kind::Program,
        title: "PROGRAM",
        short: "PROG",
        max: 15,
        cell: |_, s, base| {
            let program = s.live_activity().and_then(|a| a.program.clone());
            (program.unwrap_or_default(), base.fg(Color::Cyan))
        },
    },
    Column {
        kind: Kind::Title,
        title: "TITLE",
        short: "TITLE",
        max: TITLE_MAX,
        cell: |_, s, base| {
            let title = s.live_activity().map(|a| a.title.clone());
            (
                title.unwrap_or_default(),
                base.add_modifier(Modifier::ITALIC),
            )
        },
    },
    Column {
        kind: Kind::Host,
        title: "HOST",
        short: "HOST",
        max: 24,
        cell: |_, s, base| (s.host.clone(), base),
    },
    Column {
        kind: Kind::State,
        title: "STATE",
        short: "STATE",
        max: 30,
        cell: |_, s, base| {
            let style = base.patch(status_style(s.status));
            if s.rang() {
                (s.flagged_state_text(), style.add_modifier(Modifier::BOLD))
            } else {
                (state_text(s), style)
            }
        },
    },
    Column {
        kind: Kind::Views,
        title: "VIEWS",
        short: "VW",
        max: 5,
        cell: |_, s, base| {
            let views = if s.views > 0 {
                s.views.to_string()
            } else {
                String::new()
            };
            (views, base)
        },
    },
    Column {
        kind: Kind::Active,
        title: "LAST ACTIVE",
        short: "ACTIVE",
        max: 16,
        cell: |ui, s, base| (format_age(age(ui, s.last_active_at)), base),
    },
    Column {
        kind: Kind::Reaped,
        title: "REAPED IN",
        short: "REAP",
        max: 12,
        cell: |ui, s, base| (reap_in(ui, s).unwrap_or_default(), base.fg(Color::Yellow)),
    },
    Column {
        kind: Kind::Cpu,
        title: "CPU",
        short: "CPU",
        max: 7,
        cell: |_, s, base| {
            // Measured once memory is: a live process always has some.
            let cpu = s
                .live_activity()
                .filter(|a| a.rss_bytes > 0)
                .map(|a| format_cpu(a.cpu_ms));
            (cpu.unwrap_or_default(), base.add_modifier(Modifier::DIM))
        },
    },
    Column {
        kind: Kind::Mem,
        title: "MEM",
        short: "MEM",
        max: 6,
        cell: |_, s, base| {
            let mem = s
                .live_activity()
                .filter(|a| a.rss_bytes > 0)
                .map(|a| format_bytes(a.rss_bytes));
            (mem.unwrap_or_default(), base.add_modifier(Modifier::DIM))
        },
    },
    Column {
        kind: Kind::Id,
        title: "ID",
        short: "ID",
        max: 8,
        cell: |_, s, base| (s.id.short().to_string(), base.add_modifier(Modifier::DIM)),
    },
    Column {
        kind: Kind::Job,
        title: "JOB",
        short: "JOB",
        max: 8,
        cell: |_, s, base| {
            let job = s.job.as_ref().map(|j| j.id.short()).unwrap_or("-");
            (job.to_string(), base.add_modifier(Modifier::DIM))
        },
    },
];

impl Column {
    /// Shown only when some row has something in it.
    fn optional(&self) -> bool {
        matches!(
            self.kind,
            Kind::Program | Kind::Title | Kind::Cpu | Kind::Mem
        )
    }
}

/// A session's number as lists show it (`-` before the store gave one).
pub fn number(s: &SessionRow) -> String {
    s.number
        .map(|n| n.to_string())
        .unwrap_or_else(|| "-".into())
}

/// Age against the state's clock, so a frame depends on state alone.
pub fn age(ui: &Ui, then: Millis) -> std::time::Duration {
    std::time::Duration::from_millis((ui.now - then).max(0) as u64)
}

/// How long an unattached session has before the reaper stops it, so
/// nobody loses a shell by surprise.
fn reap_in(ui: &Ui, s: &SessionRow) -> Option<String> {
    let at = ui.reap_deadline(&s.id)?;
    let left = std::time::Duration::from_millis((at - ui.now).max(0) as u64);
    Some(format_countdown(left))
}

/// The columns shown at one width, each with its width and title.
pub struct Layout {
    pub shown: Vec<(&'static Column, u16, &'static str)>,
}

/// Lays the columns out in `width` cells: every column as wide as its
/// content; if that does not fit, JOB, ID, MEM and CPU give way, then
/// titles shorten, then VIEWS goes, then the title and the name shrink,
/// then TITLE, PROGRAM and REAPED IN go; only then are cells cut (the last
/// column at the screen's edge).
/// `name_min` keeps the name at least that wide (a name being typed in
/// place, and the cursor after it).
pub fn layout(ui: &Ui, rows: &[usize], width: u16, name_min: u16) -> Layout {
    let content = |col: &Column| -> u16 {
        rows.iter()
            .map(|&i| {
                (col.cell)(ui, &ui.sessions[i], Style::new())
                    .0
                    .chars()
                    .count() as u16
            })
            .max()
            .unwrap_or(0)
    };
    let cells: Vec<u16> = COLUMNS.iter().map(content).collect();
    let mut short = false;
    // What runs in sessions is shown when some session reports it: a list
    // of finished sessions keeps its room for the rest.
    let mut dropped: Vec<Kind> = COLUMNS
        .iter()
        .zip(&cells)
        .filter(|(c, w)| **w == 0 && c.optional())
        .map(|(c, _)| c.kind)
        .collect();
    let mut name_cap = NAME_MAX;
    let mut title_cap = TITLE_MAX;
    let widths =
        |short: bool, dropped: &[Kind], name_cap: u16, title_cap: u16| -> Vec<(usize, u16)> {
            COLUMNS
                .iter()
                .enumerate()
                .filter(|(_, c)| !dropped.contains(&c.kind))
                .map(|(i, c)| {
                    let title = if short { c.short } else { c.title };
                    let mut w = cells[i].max(title.chars().count() as u16).min(c.max);
                    if c.kind == Kind::Name {
                        w = w.max(name_min).min(name_cap.max(name_min));
                    }
                    if c.kind == Kind::Title {
                        w = w.min(title_cap);
                    }
                    (i, w)
                })
                .collect()
        };
    let total = |w: &[(usize, u16)]| -> u16 {
        MARK + w.iter().map(|(_, w)| w).sum::<u16>() + GAP * (w.len() as u16).saturating_sub(1)
    };
    // Each step frees room; they run in order until the columns fit.
    for step in 0..11 {
        if total(&widths(short, &dropped, name_cap, title_cap)) <= width {
            break;
        }
        match step {
            0 => dropped.push(Kind::Job),
            1 => dropped.push(Kind::Id),
            2 => dropped.push(Kind::Mem),
            3 => dropped.push(Kind::Cpu),
            4 => short = true,
            5 => dropped.push(Kind::Views),
            6 => title_cap = TITLE_MIN,
            7 => name_cap = NAME_MIN,
            8 => dropped.push(Kind::Title),
            9 => dropped.push(Kind::Program),
            _ => dropped.push(Kind::Reaped),
        }
    }
    let mut w = widths(short, &dropped, name_cap, title_cap);
    // A title cut to its narrow width takes back what room is left.
    let spare = width.saturating_sub(total(&w));
    if spare > 0
        && let Some((i, tw)) = w.iter_mut().find(|(i, _)| COLUMNS[*i].kind == Kind::Title)
    {
        *tw = (*tw + spare).min(cells[*i].min(TITLE_MAX));
    }
    // Still too wide: the name gives what it still has beyond 4 cells.
    let over = total(&w).saturating_sub(width);
    if over > 0
        && let Some((_, nw)) = w.iter_mut().find(|(i, _)| COLUMNS[*i].kind == Kind::Name)
    {
        *nw = nw.saturating_sub(over).max(4);
    }
    Layout {
        shown: w
            .into_iter()
            .map(|(i, width)| {
                let c = &COLUMNS[i];
                (c, width, if short { c.short } else { c.title })
            })
            .collect(),
    }
}

/// `text` padded or cut (with `…`) to `width` cells.
pub fn fit(text: &str, width: u16) -> String {
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
