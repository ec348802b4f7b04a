//! Predictive local echo: on a slow link, typed characters, backspace and
//! left/right show at once, underlined, as an overlay on the session's screen
//! until the session's own output confirms (or contradicts) them.
//!
//! The model (the view's emulator) is never touched: the overlay is drawn on
//! top, so once the echo arrives the view is exactly the session's screen.
//! Guesses come in epochs: an epoch's guesses stay hidden until one of them
//! is confirmed, and anything unpredictable (Enter, a control key, a paste, a
//! mismatch, a guess left unconfirmed past its deadline) starts a new epoch.
//! A password prompt never confirms, so what is typed there never shows.

mod overlay;
mod rtt;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use overlay::{Overlay, draw, paint};
pub use rtt::Rtt;

use crate::config::PredictMode;

/// What prediction does, from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub mode: PredictMode,
    /// `adaptive` predicts when the smoothed round trip is above this.
    pub threshold: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: PredictMode::Adaptive,
            threshold: Duration::from_millis(30),
        }
    }
}

/// In the alternate screen (editors, pagers) a keystroke is a command as
/// often as text: guesses show only after this many confirmed in a row.
const ALT_STREAK: u32 = 3;

/// Beyond the round trip, how long an echo may take (the program's own
/// time, a busy link's jitter) before its guess counts as unconfirmed.
const MARGIN: Duration = Duration::from_millis(100);

/// What a key does, as far as prediction can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Backspace,
    Left,
    Right,
    /// Anything whose effect cannot be foreseen.
    Other,
}

impl Key {
    pub fn of(key: &KeyEvent) -> Key {
        let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
        match key.code {
            // Only single-width characters: a wide one may wrap or be
            // drawn in ways a guess would get wrong.
            KeyCode::Char(c) if plain && !c.is_control() && unicode_width(c) == 1 => Key::Char(c),
            KeyCode::Backspace if key.modifiers.is_empty() => Key::Backspace,
            KeyCode::Left if key.modifiers.is_empty() => Key::Left,
            KeyCode::Right if key.modifiers.is_empty() => Key::Right,
            _ => Key::Other,
        }
    }
}

fn unicode_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// What prediction reads of the session's screen (the view's model).
pub trait ScreenRead {
    /// Columns and rows.
    fn size(&self) -> (u16, u16);
    /// A cell's text; empty for a blank.
    fn text(&self, row: u16, col: u16) -> String;
    /// Cursor row and column.
    fn cursor(&self) -> (u16, u16);
    fn alternate(&self) -> bool;
}

impl ScreenRead for crate::term::Emulator {
    fn size(&self) -> (u16, u16) {
        crate::term::Emulator::size(self)
    }
    fn text(&self, row: u16, col: u16) -> String {
        self.cell_view(row, col)
            .map(|c| c.text.into_owned())
            .unwrap_or_default()
    }
    fn cursor(&self) -> (u16, u16) {
        self.cursor_position()
    }
    fn alternate(&self) -> bool {
        self.alternate_screen()
    }
}

/// A blank written as a space and a never-written cell look the same.
fn norm(text: String) -> String {
    if text == " " { String::new() } else { text }
}

/// One cell as guessed.
#[derive(Debug, Clone)]
struct Guess {
    row: u16,
    col: u16,
    text: String,
    /// What the cell may still show before the echo: what it held, and
    /// earlier guesses for it not yet echoed.
    was: Vec<String>,
    epoch: u64,
    at: Instant,
}

#[derive(Debug, Clone, Copy)]
struct CursorGuess {
    row: u16,
    col: u16,
    epoch: u64,
    at: Instant,
}

/// The attached view's predictions.
#[derive(Debug)]
pub struct Predictor {
    settings: Settings,
    pub rtt: Rtt,
    /// Predicting at all (the round trip is above the threshold, with some
    /// hysteresis so a link near it does not flicker).
    active: bool,
    guesses: Vec<Guess>,
    cursor: Option<CursorGuess>,
    epoch: u64,
    /// The newest epoch one of whose guesses was confirmed.
    confirmed: u64,
    /// Confirmations since the last failure.
    streak: u32,
    alt: bool,
    /// What is shown changed since the last `take_changed`.
    changed: bool,
}

impl Default for Predictor {
    fn default() -> Self {
        Predictor::new(Settings::default())
    }
}

impl Predictor {
    pub fn new(settings: Settings) -> Predictor {
        Predictor {
            settings,
            rtt: Rtt::default(),
            active: false,
            guesses: Vec::new(),
            cursor: None,
            // The first epoch waits for a confirmation like any other.
            epoch: 1,
            confirmed: 0,
            streak: 0,
            alt: false,
            changed: false,
        }
    }

    /// Whether the view should ping its job: the round trip decides when
    /// to predict and how long an echo may take.
    pub fn wants_rtt(&self) -> bool {
        self.settings.mode != PredictMode::Never
    }

    /// Whether what is shown changed since last asked.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Whether guesses are being made and shown.
    pub fn active(&self) -> bool {
        self.active
    }

    /// How long an echo may take before its guess is given up.
    fn deadline(&self) -> Duration {
        let rtt = self.rtt.smoothed().unwrap_or_default();
        rtt + rtt / 2 + MARGIN
    }

    /// Follows the round trip: turns prediction on above the threshold and
    /// off below two thirds of it.
    fn follow_rtt(&mut self) {
        let on = match self.settings.mode {
            PredictMode::Never => false,
            PredictMode::Always => true,
            PredictMode::Adaptive => match self.rtt.smoothed() {
                None => false,
                Some(r) if r > self.settings.threshold => true,
                Some(r) if r < self.settings.threshold * 2 / 3 => false,
                Some(_) => self.active,
            },
        };
        if self.active && !on {
            self.fail();
        }
        self.active = on;
    }

    /// A ping's answer came.
    pub fn pong(&mut self, id: u64, now: Instant) {
        self.rtt.answered(id, now);
        self.follow_rtt();
    }

    /// Drops every guess: the session's screen is the truth from here, and
    /// what is typed next waits for a confirmation before it shows.
    pub fn fail(&mut self) {
        if self.shows_any() {
            self.changed = true;
        }
        self.guesses.clear();
        self.cursor = None;
        self.streak = 0;
        self.tentative();
    }

    /// What comes next cannot be foreseen from what went before.
    fn tentative(&mut self) {
        self.epoch += 1;
    }

    /// Input that is not a typed key (a paste, a mouse report): nothing it
    /// does can be foreseen.
    pub fn unforeseen(&mut self) {
        self.tentative();
    }

    /// What the session's screen will show at a cell, by the guesses made.
    fn predicted(&self, s: &impl ScreenRead, row: u16, col: u16) -> String {
        match self.guesses.iter().find(|g| g.row == row && g.col == col) {
            Some(g) => g.text.clone(),
            None => norm(s.text(row, col)),
        }
    }

    fn guess(&mut self, s: &impl ScreenRead, row: u16, col: u16, text: String, now: Instant) {
        let epoch = self.epoch;
        match self
            .guesses
            .iter_mut()
            .find(|g| g.row == row && g.col == col)
        {
            Some(g) => {
                let old = std::mem::replace(&mut g.text, text);
                if !g.was.contains(&old) {
                    g.was.push(old);
                }
                g.epoch = epoch;
                g.at = now;
            }
            None => self.guesses.push(Guess {
                row,
                col,
                text,
                was: vec![norm(s.text(row, col))],
                epoch,
                at: now,
            }),
        }
    }

    /// A key went to the session: guesses what it will show.
    pub fn key(&mut self, key: Key, s: &impl ScreenRead, now: Instant) {
        if !self.active {
            return;
        }
        let before = self.overlay();
        self.guess_key(key, s, now);
        // Only what is shown counts: a key whose guess stays hidden is
        // drawn with its echo, as without prediction.
        self.changed |= self.overlay() != before;
    }

    fn guess_key(&mut self, key: Key, s: &impl ScreenRead, now: Instant) {
        let (cols, _) = s.size();
        let (row, col) = match self.cursor {
            Some(c) => (c.row, c.col),
            None => s.cursor(),
        };
        // The row's text from the cursor on, as it will be; `end`: how
        // much of it is not blank.
        let rest: Vec<String> = (col..cols).map(|c| self.predicted(s, row, c)).collect();
        let end = rest
            .iter()
            .rposition(|t| !t.is_empty())
            .map_or(0, |i| i + 1);
        let to = match key {
            // A character at the edge wraps, or pushes text off it: both
            // are the program's call.
            Key::Char(c) if usize::from(col) + end + 1 < usize::from(cols) => {
                self.guess(s, row, col, c.to_string(), now);
                for (i, t) in rest.iter().take(end).enumerate() {
                    self.guess(s, row, col + 1 + i as u16, t.clone(), now);
                }
                col + 1
            }
            Key::Backspace if col > 0 => {
                for (i, t) in rest.iter().take(end).enumerate() {
                    self.guess(s, row, col - 1 + i as u16, t.clone(), now);
                }
                self.guess(s, row, col - 1 + end as u16, String::new(), now);
                col - 1
            }
            Key::Left if col > 0 => col - 1,
            // Line editors stop at the end of the text.
            Key::Right if end > 0 => col + 1,
            _ => return self.tentative(),
        };
        self.cursor = Some(CursorGuess {
            row,
            col: to,
            epoch: self.epoch,
            at: now,
        });
    }

    /// The session's screen changed (or time passed): each guess is
    /// confirmed, still pending, or wrong, and any wrong one drops them all.
    pub fn judge(&mut self, s: &impl ScreenRead, now: Instant) {
        if self.guesses.is_empty() && self.cursor.is_none() && s.alternate() == self.alt {
            return;
        }
        let before = self.overlay();
        self.judge_guesses(s, now);
        self.changed |= self.overlay() != before;
    }

    fn judge_guesses(&mut self, s: &impl ScreenRead, now: Instant) {
        if s.alternate() != self.alt {
            self.alt = s.alternate();
            return self.fail();
        }
        let mut wrong = false;
        let mut credit = 0;
        let mut streak = 0;
        self.guesses.retain(|g| {
            let actual = norm(s.text(g.row, g.col));
            if actual == g.text {
                // A cell that was already so proves nothing.
                if !g.was.iter().all(|w| *w == actual) {
                    credit = credit.max(g.epoch);
                    streak += 1;
                }
                false
            } else {
                wrong |= !g.was.contains(&actual);
                true
            }
        });
        if wrong {
            return self.fail();
        }
        if let Some(c) = self.cursor {
            let (row, col) = s.cursor();
            if row != c.row {
                return self.fail();
            }
            if col == c.col && self.guesses.is_empty() {
                self.cursor = None;
            }
        }
        self.confirmed = self.confirmed.max(credit);
        self.streak += streak;
        self.expire(now);
    }

    /// A guess the session has not confirmed within a round trip (and a
    /// margin) never will be: the program is not echoing.
    pub fn expire(&mut self, now: Instant) {
        let limit = self.deadline();
        let late = |at: Instant| now.saturating_duration_since(at) > limit;
        if self.guesses.iter().any(|g| late(g.at)) || self.cursor.is_some_and(|c| late(c.at)) {
            self.fail();
        }
    }

    fn shows_any(&self) -> bool {
        self.guesses.iter().any(|g| self.shows(g.epoch))
            || self.cursor.is_some_and(|c| self.shows(c.epoch))
    }

    fn shows(&self, epoch: u64) -> bool {
        self.active && epoch <= self.confirmed && (!self.alt || self.streak >= ALT_STREAK)
    }

    /// What to draw over the session's screen.
    pub fn overlay(&self) -> Overlay {
        Overlay {
            cells: self
                .guesses
                .iter()
                .filter(|g| self.shows(g.epoch))
                .map(|g| (g.row, g.col, g.text.clone()))
                .collect(),
            cursor: self
                .cursor
                .filter(|c| self.shows(c.epoch))
                .map(|c| (c.row, c.col)),
        }
    }
}
