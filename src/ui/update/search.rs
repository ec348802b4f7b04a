//! The list's search mode: a query typed at the top, the matching lines of
//! every session (searched where each lives, in the background) grouped by
//! session below; Enter opens that session scrolled to the match, where
//! `n`/`N` step through the matches.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::Effect;
use super::lifecycle::start_attach;
use crate::ids::SessionId;
use crate::manager::{Outcome, SessionSearch};
use crate::protocol::QuerySpec;
use crate::term::search::{Hits, LineHit, Query};
use crate::ui::copy::{CopyMode, EmuLines, Lines, ModeKeys, Pos};
use crate::ui::state::{Ui, View, edit, text_input};
use crate::ui::strings;

/// Typing pauses this long before a search goes out: fast typing sends one
/// search, not one per key.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// The search being typed and what it found so far.
pub struct SearchMode {
    pub input: TextArea<'static>,
    /// Bumped for each query sent; answers to older queries are dropped.
    pub seq: u64,
    /// Hosts are still answering.
    pub searching: bool,
    /// Sessions in the order their hosts answered.
    pub results: Vec<SessionSearch>,
    /// Which of `hits()` is highlighted.
    pub selected: usize,
    /// The pattern does not compile.
    pub error: Option<String>,
}

impl SearchMode {
    pub fn new() -> SearchMode {
        SearchMode {
            input: text_input(strings::SEARCH_PLACEHOLDER, "", false),
            seq: 0,
            searching: false,
            results: Vec::new(),
            selected: 0,
            error: None,
        }
    }

    /// What is typed, as a query. Case is ignored unless the pattern has a
    /// capital letter ("smart case", as in ripgrep and vim).
    pub fn spec(&self) -> QuerySpec {
        let pattern = self.input.lines().join("");
        QuerySpec {
            ignore_case: !pattern.chars().any(char::is_uppercase),
            pattern,
            regex: false,
        }
    }

    /// Every match in the order shown: (result, line) indices.
    pub fn hits(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (r, s) in self.results.iter().enumerate() {
            if let Outcome::Found(h) = &s.outcome {
                out.extend((0..h.lines.len()).map(|l| (r, l)));
            }
        }
        out
    }

    /// The highlighted match: its session and line.
    pub fn current(&self) -> Option<(&SessionSearch, &LineHit, u32)> {
        let (r, l) = *self.hits().get(self.selected)?;
        let s = &self.results[r];
        match &s.outcome {
            Outcome::Found(h) => Some((s, &h.lines[l], h.total_rows)),
            _ => None,
        }
    }
}

impl Default for SearchMode {
    fn default() -> Self {
        SearchMode::new()
    }
}

/// Where a view about to open should land: the match chosen in the list.
#[derive(Debug, Clone)]
pub struct Landing {
    pub session: SessionId,
    pub query: Query,
    /// The match's row counted from the newest row, which output arriving
    /// between the search and the attach does not move.
    pub from_end: u32,
}

/// The view's side of a search: the matches in the view's own history and
/// screen, and the one shown highlighted. The painter reads it.
#[derive(Debug, Clone)]
pub struct Found {
    pub query: Query,
    pub hits: Hits,
    pub current: usize,
}

impl Found {
    /// The highlighted match's absolute row and cell columns: (row, from
    /// col, to col), one per screen row it covers, for a screen `cols` wide.
    pub fn spans(&self, cols: u16) -> Vec<(u32, u16, u16)> {
        let Some(hit) = self.hits.lines.get(self.current) else {
            return Vec::new();
        };
        let cols = u32::from(cols.max(1));
        let width = |b: u32| {
            hit.text
                .get(..b as usize)
                .map(|s| unicode_width::UnicodeWidthStr::width(s) as u32)
                .unwrap_or(0)
        };
        let mut out = Vec::new();
        for &(s, e) in &hit.ranges {
            let (from, to) = (width(s), width(e));
            let mut at = from;
            while at < to {
                let row = at / cols;
                let end = to.min((row + 1) * cols);
                out.push((
                    hit.line + row,
                    (at % cols) as u16,
                    (end - row * cols) as u16,
                ));
                at = end;
            }
        }
        out
    }
}

/// `S` on the list: search mode opens, empty.
pub fn open(ui: &mut Ui) {
    ui.search = Some(SearchMode::new());
    // A landing whose attach failed earlier must not catch a later attach.
    ui.landing = None;
}

/// A key in search mode.
pub fn key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(mode) = &mut ui.search else {
        return;
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => ui.search = None,
        KeyCode::Up => mode.selected = mode.selected.saturating_sub(1),
        KeyCode::Char('p') if ctrl => mode.selected = mode.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Tab => step_selection(mode),
        KeyCode::Char('n') if ctrl => step_selection(mode),
        KeyCode::Enter => open_match(ui, fx),
        _ => {
            let before = mode.spec();
            edit(&mut mode.input, key);
            let spec = mode.spec();
            if spec != before {
                typed(mode, spec, fx);
            }
        }
    }
}

fn step_selection(mode: &mut SearchMode) {
    let n = mode.hits().len();
    mode.selected = (mode.selected + 1).min(n.saturating_sub(1));
}

/// The query changed: the old results go, a new search is asked for (the
/// effect waits `DEBOUNCE` and runs only if no newer one came meanwhile).
fn typed(mode: &mut SearchMode, spec: QuerySpec, fx: &mut Vec<Effect>) {
    mode.seq += 1;
    mode.results.clear();
    mode.selected = 0;
    mode.error = None;
    mode.searching = false;
    if spec.pattern.is_empty() {
        return;
    }
    if let Err(e) = Query::new(spec.clone()) {
        mode.error = Some(e.to_string());
        return;
    }
    mode.searching = true;
    fx.push(Effect::Search {
        seq: mode.seq,
        query: spec,
    });
}

/// A session's answer to the search `seq`.
pub fn found(ui: &mut Ui, seq: u64, result: SessionSearch) {
    if let Some(mode) = &mut ui.search
        && mode.seq == seq
    {
        mode.results.push(result);
    }
}

/// Every host has answered the search `seq`.
pub fn done(ui: &mut Ui, seq: u64) {
    if let Some(mode) = &mut ui.search
        && mode.seq == seq
    {
        mode.searching = false;
    }
}

/// Enter: attach to the highlighted match's session, to land at the match.
fn open_match(ui: &mut Ui, fx: &mut Vec<Effect>) {
    let Some(mode) = &ui.search else {
        return;
    };
    let Some((s, hit, total)) = mode.current() else {
        return;
    };
    let Ok(query) = Query::new(mode.spec()) else {
        return;
    };
    let (id, label) = (s.session.id.clone(), s.session.label());
    ui.landing = Some(Landing {
        session: id.clone(),
        query,
        from_end: total.saturating_sub(hit.line),
    });
    ui.search = None;
    start_attach(ui, id, label, false, fx);
}

/// The view's screen has come: if it was opened from a search, find the
/// match again in what the view holds and scroll to it.
pub fn land(landing: &mut Option<Landing>, v: &mut View, keys: ModeKeys) {
    let Some(l) = landing.take_if(|l| l.session == v.session.id) else {
        return;
    };
    let hits = v.emu.search(&l.query);
    let Some(current) = hits
        .lines
        .iter()
        .enumerate()
        .min_by_key(|(_, h)| hits.total_rows.saturating_sub(h.line).abs_diff(l.from_end))
        .map(|(i, _)| i)
    else {
        return;
    };
    v.found = Some(Found {
        query: l.query,
        hits,
        current,
    });
    show_current(v, keys);
}

/// `n` / `N` in the view's scroll mode: the next match up (older) or down.
pub fn step(ui: &mut Ui, older: bool) {
    let keys = ui.keymap.mode_keys;
    let Some(v) = &mut ui.view else {
        return;
    };
    let Some(found) = &mut v.found else {
        return;
    };
    // The history may have grown since: search what the view holds now.
    let shown = found.hits.lines.get(found.current).map(|h| {
        (
            found.hits.total_rows.saturating_sub(h.line),
            found.hits.lines.len(),
        )
    });
    found.hits = v.emu.search(&found.query);
    let n = found.hits.lines.len();
    if n == 0 {
        return;
    }
    let total = found.hits.total_rows;
    let here = shown
        .and_then(|(from_end, _)| {
            found
                .hits
                .lines
                .iter()
                .position(|h| total.saturating_sub(h.line) == from_end)
        })
        .unwrap_or(n - 1);
    found.current = if older {
        here.saturating_sub(1)
    } else {
        (here + 1).min(n - 1)
    };
    show_current(v, keys);
}

/// Opens copy mode at the current match, a few rows below the top, with
/// the cursor on it: the user can select and copy from there at once.
fn show_current(v: &mut View, keys: ModeKeys) {
    let Some(found) = &v.found else {
        return;
    };
    let Some(hit) = found.hits.lines.get(found.current) else {
        return;
    };
    let lines = EmuLines::new(&v.emu);
    let line = lines.first() + u64::from(hit.line);
    let col = found
        .spans(v.emu.size().0)
        .first()
        .map_or(0, |&(_, from, _)| from);
    let context = u64::from(lines.rows()) / 3;
    let mut copy = v
        .copy
        .take()
        .unwrap_or_else(|| CopyMode::enter(&lines, keys));
    copy.top = line
        .saturating_sub(context)
        .clamp(lines.first(), lines.live_top());
    copy.cursor = Pos::new(line.min(lines.last()), col);
    v.copy = Some(copy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_case_ignores_case_until_a_capital_is_typed() {
        let mut mode = SearchMode::new();
        mode.input = text_input("", "migration", false);
        assert!(mode.spec().ignore_case);
        mode.input = text_input("", "Migration", false);
        assert!(!mode.spec().ignore_case);
    }

    #[test]
    fn a_match_across_a_wrap_is_highlighted_on_both_rows() {
        let found = Found {
            query: Query::new(QuerySpec {
                pattern: "x".into(),
                ..QuerySpec::default()
            })
            .unwrap(),
            hits: Hits {
                total_rows: 10,
                lines: vec![LineHit {
                    line: 4,
                    rows: 2,
                    text: format!("{}needle", "a".repeat(7)),
                    ranges: vec![(7, 13)],
                }],
                more: 0,
            },
            current: 0,
        };
        // 10 columns: "needle" starts at column 7 of row 4 and ends on row 5
        assert_eq!(found.spans(10), vec![(4, 7, 10), (5, 0, 3)]);
    }
}
