//! The one type that owns terminal emulation: `Emulator` wraps `vt100::Parser`
//! and does processing, resizing, snapshots, capture and history. It is a
//! model: it says what each cell holds and which rows changed; drawing it is
//! the renderer's business (`ui::render`), which keeps its own caches.
//!
//! Both the job (its mirror) and each view use it, so a snapshot made by one
//! and loaded by the other reproduces the screen exactly.

mod answer;
mod filter;
mod flood;
mod history;
mod marks;
mod query;
pub mod search;
mod style;

use std::borrow::Cow;
use std::cell::Cell;
use std::num::NonZeroU16;
use std::panic::{AssertUnwindSafe, catch_unwind};

pub use history::{History, HistoryLine};
pub use query::parse_color;
pub use style::{CellView, Color, Dirty, Pen, attr};

use crate::protocol::TerminalFacts;
use filter::{Event, Filter};
use query::Answers;

/// Widest and tallest screen accepted: vt100 allocates rows eagerly, so a
/// hostile or mistaken resize must not allocate gigabytes.
pub const MAX_COLS: u16 = 1000;
pub const MAX_ROWS: u16 = 500;

thread_local! {
    /// True while vt100 runs on this thread; a panic hook checks it so a
    /// caught emulator panic does not tear down the UI's terminal.
    static IN_EMULATOR: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is inside vt100 (for panic hooks).
pub fn in_emulator() -> bool {
    IN_EMULATOR.with(Cell::get)
}

/// Everything a fresh emulator needs to show what another one shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub history: Vec<HistoryLine>,
    pub cols: u16,
    pub rows: u16,
    /// Bytes to feed an emulator of `cols` x `rows` after loading `history`.
    pub state: Vec<u8>,
    pub title: String,
}

/// Receives what vt100 reports besides the screen.
#[derive(Default)]
struct Recorder {
    history: History,
    title: String,
    bell: bool,
    /// Clipboard copies (`OSC 52`): selection and base64 text, both checked
    /// by vt100 to hold only their own alphabets.
    clipboard: Vec<(Vec<u8>, Vec<u8>)>,
    /// The session's last copy (base64), what a clipboard query gets back
    /// where the user allowed queries.
    last_copy: Vec<u8>,
    /// Clipboard queries (`OSC 52 ; c ; ?`) not yet answered: their selections.
    clipboard_asks: Vec<Vec<u8>>,
    /// Where a leaving row is formatted; reused, so a flood of rows does not
    /// grow a new string (several reallocations) per row.
    scratch: String,
    /// Rows vt100 formatted for history, to show what a shortcut saved.
    #[cfg(test)]
    formatted: usize,
}

impl vt100::Callbacks for Recorder {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bell = true;
    }

    fn visual_bell(&mut self, _: &mut vt100::Screen) {
        self.bell = true;
    }

    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8], data: &[u8]) {
        // One pending copy is enough: a later one replaces it anyway.
        self.clipboard.clear();
        self.clipboard.push((ty.to_vec(), data.to_vec()));
        self.last_copy.clear();
        self.last_copy.extend_from_slice(data);
    }

    fn paste_from_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8]) {
        // A few pending are plenty: nobody drains them in the job.
        if self.clipboard_asks.len() < MAX_CLIPBOARD_ASKS {
            self.clipboard_asks.push(ty.to_vec());
        }
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.title = String::from_utf8_lossy(title).chars().take(256).collect();
    }

    fn on_scroll(&mut self, row: vt100::capture::RowContents<'_>, alternate: bool) {
        if alternate || self.history.capacity() == 0 {
            return;
        }
        #[cfg(test)]
        {
            self.formatted += 1;
        }
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let mut state = vt100::capture::BasicFormattedCaptureState::new();
        // Writing to a String cannot fail.
        let _ = row.write_formatted_basic(&mut text, &mut state);
        // The state now knows whether the row wrapped: formatting the row once
        // more writes a newline first exactly when it did not.
        let mut probe = FirstChar(None);
        let _ = row.write_formatted_basic(&mut probe, &mut state);
        let wrapped = probe.0.is_some_and(|c| c != '\n');
        self.history.push(&text, wrapped);
        self.scratch = text;
    }
}

/// A writer that remembers the first character and then stops the formatter.
struct FirstChar(Option<char>);

impl std::fmt::Write for FirstChar {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 = s.chars().next();
        Err(std::fmt::Error)
    }
}

pub struct Emulator {
    parser: vt100::Parser<Recorder>,
    filter: Filter,
    scratch: Vec<u8>,
    /// The start of a character the last output ended in, for the next.
    held: Vec<u8>,
    events: Vec<(usize, Event)>,
    /// The main screen as it was when the alternate screen came up, so a
    /// snapshot can restore both (vt100 hides the main grid meanwhile).
    saved_main: Option<vt100::Parser>,
    /// Scroll regions set by programs, [main, alternate]; vt100 does not expose them.
    regions: [Option<(u16, u16)>; 2],
    /// Rows that may have changed since the renderer last took them.
    dirty: Dirty,
    /// Modes vt100 does not keep: what the program asked for.
    modes: ExtraModes,
    /// The working directory the shell last reported (OSC 7).
    cwd: Option<String>,
    /// Set in the job only: answers to the program's questions, to be
    /// written to its PTY. Views see the same questions and never answer.
    answers: Option<Answers>,
    /// Where a flood's lines are found (`flood`); reused between reads.
    line_ends: Vec<usize>,
}

/// Modes vt100 ignores, kept here for the program's questions and for the view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtraModes {
    /// DECOM `CSI ? 6 h`: addressing relative to the scroll region.
    pub origin: bool,
    /// `CSI ? 7 l` turned wrapping off (vt100 wraps regardless).
    pub no_autowrap: bool,
    /// `CSI ? 1004 h`: focus in and out are reported.
    pub focus_events: bool,
    /// `CSI ? 2026 h`: the program is drawing a frame to show at once.
    pub synchronized: bool,
    /// `CSI ? 1016 h`: mouse positions in pixels.
    pub sgr_pixels: bool,
}

fn dim(n: u16, max: u16) -> NonZeroU16 {
    NonZeroU16::new(n.clamp(1, max)).unwrap_or(NonZeroU16::MIN)
}

impl Emulator {
    pub fn new(cols: u16, rows: u16, history_lines: usize) -> Emulator {
        Emulator {
            parser: new_parser(cols, rows, history_lines),
            filter: Filter::default(),
            scratch: Vec::new(),
            held: Vec::new(),
            events: Vec::new(),
            saved_main: None,
            regions: [None, None],
            dirty: Dirty::All,
            modes: ExtraModes::default(),
            cwd: None,
            answers: None,
            line_ends: Vec::new(),
        }
    }

    /// Makes this emulator answer the program's questions (the job's does;
    /// replies wait in `take_replies`).
    pub fn answering(mut self) -> Emulator {
        self.answers = Some(Answers::default());
        self
    }

    /// What the view's terminal is like: questions about colours and sizes
    /// are answered from this from now on.
    pub fn set_terminal_facts(&mut self, facts: TerminalFacts) {
        if let Some(a) = &mut self.answers {
            a.facts = facts;
        }
    }

    /// Replies to the program's questions since the last call, for its PTY.
    pub fn take_replies(&mut self) -> Vec<u8> {
        self.answers
            .as_mut()
            .map(|a| std::mem::take(&mut a.replies))
            .unwrap_or_default()
    }

    /// Builds an emulator showing what `snap` shows.
    pub fn from_snapshot(snap: Snapshot, history_lines: usize) -> Emulator {
        let mut emu = Emulator::new(snap.cols, snap.rows, history_lines);
        emu.load_snapshot(snap);
        emu
    }

    /// Takes the snapshot's screen, and adds its history to the history
    /// already here: a resync after output was skipped, whose history is
    /// the rows that left the screen meanwhile.
    pub fn load_snapshot_after(&mut self, snap: Snapshot) {
        // What is left behind keeps the capacity, which the new parser takes.
        let cap = self.parser.callbacks().history.capacity();
        let mut kept =
            std::mem::replace(&mut self.parser.callbacks_mut().history, History::new(cap));
        kept.extend(snap.history);
        self.load_snapshot(Snapshot {
            history: Vec::new(),
            ..snap
        });
        self.parser.callbacks_mut().history = kept;
    }

    /// Replaces everything with the snapshot's state.
    pub fn load_snapshot(&mut self, snap: Snapshot) {
        let cap = self.parser.callbacks().history.capacity();
        let answers = self.answers.take();
        *self = Emulator::new(snap.cols, snap.rows, cap);
        self.answers = answers;
        let rec = self.parser.callbacks_mut();
        rec.history.extend(snap.history);
        rec.title = snap.title;
        // Mark definitions come first in the state; a program cannot send them.
        self.filter.marks.loading = true;
        self.process(&snap.state);
        self.filter.marks.loading = false;
    }

    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.parser.screen().size();
        (cols.get(), rows.get())
    }

    /// Feeds program output.
    pub fn process(&mut self, bytes: &[u8]) {
        let before = self.changes_one_row(bytes);
        let mut filtered = std::mem::take(&mut self.scratch);
        filtered.clear();
        filtered.append(&mut self.held);
        self.events.clear();
        self.filter.feed(bytes, &mut filtered, &mut self.events);
        // vt100 takes a character cut off by the end of a read otherwise
        // than one that arrives whole (a C1 control is printed, not
        // obeyed): it waits here for the rest.
        if self.filter.in_ground() {
            // Only after the last event: one acts at its place in the output.
            let after = self.events.last().map_or(0, |&(at, _)| at);
            let whole = filtered.len() - cut_character(&filtered[after..]);
            self.held.extend_from_slice(&filtered[whole..]);
            filtered.truncate(whole);
        }
        let mut events = std::mem::take(&mut self.events);
        let mut done = 0;
        for (at, event) in events.drain(..) {
            self.feed(&filtered[done..at]);
            done = at;
            self.handle(event);
        }
        self.feed(&filtered[done..]);
        if !self.parser.screen().alternate_screen() {
            self.saved_main = None;
            self.regions[1] = None;
        }
        self.events = events;
        let row = self.parser.screen().cursor_position().0;
        self.mark(match before {
            Some(r) if r == row => Dirty::Rows(r, r),
            _ => Dirty::All,
        });
        if filtered.capacity() > 1 << 20 {
            filtered = Vec::new();
        }
        self.scratch = filtered;
    }

    fn handle(&mut self, event: Event) {
        let alt = usize::from(self.parser.screen().alternate_screen());
        match event {
            Event::AltEnter => {
                if alt == 0 {
                    // The main screen, hidden, still grows with the window.
                    self.forget_scrolled_rows();
                    let (cols, rows) = self.size();
                    let mut main = new_plain_parser(cols, rows);
                    main.process(self.parser.screen().contents_formatted().as_bytes());
                    self.saved_main = Some(main);
                    self.regions[1] = None;
                }
            }
            Event::ScrollRegion { top, bottom } => {
                let (_, rows) = self.size();
                let full = top <= 1 && (bottom == 0 || bottom >= rows);
                self.regions[alt] = (!full).then_some((top, bottom));
            }
            Event::ClearHistory => self.parser.callbacks_mut().history.clear(),
            Event::BackTab(n) => {
                let (_, mut col) = self.parser.screen().cursor_position();
                for _ in 0..n {
                    col = col.saturating_sub(1) / 8 * 8;
                }
                self.guarded_process(format!("\x1b[{}G", col + 1).as_bytes());
            }
            Event::Reset => {
                self.regions = [None, None];
                self.modes = ExtraModes::default();
            }
            Event::Mode { mode, on } => match mode {
                6 => self.modes.origin = on,
                7 => self.modes.no_autowrap = !on,
                1004 => self.modes.focus_events = on,
                1016 => self.modes.sgr_pixels = on,
                2026 => self.modes.synchronized = on,
                _ => {}
            },
            Event::Asked(asked) => self.answer(&asked),
            Event::Osc => self.osc(),
            Event::MarksFull => self.recycle_marks(),
        }
    }

    /// Frees the marks no cell names any more (on either screen or in
    /// history), so new looks get extras again. Runs only when the table
    /// is full, which takes thousands of different looks.
    fn recycle_marks(&mut self) {
        let mut in_use = vec![false; marks::MAX_MARKS + 1];
        let screens = std::iter::once(self.parser.screen())
            .chain(self.saved_main.as_ref().map(|p| p.screen()));
        for screen in screens {
            let (rows, cols) = screen.size();
            for row in 0..rows.get() {
                for col in 0..cols.get() {
                    if let Some(cell) = screen.cell(row, col) {
                        marks::note_used(cell.contents(), &mut in_use);
                    }
                }
            }
        }
        for text in self.parser.callbacks().history.texts() {
            marks::note_used(text, &mut in_use);
        }
        self.filter.marks.recycle(&in_use);
    }

    /// Modes the program set that vt100 does not keep.
    pub fn extra_modes(&self) -> ExtraModes {
        self.modes
    }

    /// The working directory the shell reported last (OSC 7), if any.
    pub fn cwd(&self) -> Option<&str> {
        self.cwd.as_deref()
    }

    /// The cursor's row, if `bytes` can only change that row: plain text
    /// and cursor moves within the row, from outside any escape sequence,
    /// too short to wrap (a keystroke's echo, typically).
    fn changes_one_row(&self, bytes: &[u8]) -> Option<u16> {
        let screen = self.parser.screen();
        let (row, col) = screen.cursor_position();
        let room = usize::from(screen.size().1.get().saturating_sub(col));
        let plain = |b: &u8| *b >= 0x20 || matches!(*b, b'\r' | 0x08 | 0x07);
        (self.filter.in_ground()
            && bytes.len() < room
            && bytes.iter().all(plain)
            && std::str::from_utf8(bytes).is_ok())
        .then_some(row)
    }

    fn mark(&mut self, rows: Dirty) {
        self.dirty = self.dirty.with(rows);
    }

    /// The rows that may have changed since the last call: a renderer that
    /// remembers what it drew redraws only these.
    pub fn take_dirty(&mut self) -> Dirty {
        std::mem::replace(&mut self.dirty, Dirty::None)
    }

    fn guarded_process(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let parser = &mut self.parser;
        if guarded(|| parser.process(bytes)).is_none() {
            self.recover();
        }
    }

    /// vt100 panicked mid-update: rebuild it from what can still be read,
    /// or start blank, rather than take the job or the view down.
    fn recover(&mut self) {
        let (cols, rows) = self.size();
        let formatted = guarded(|| self.parser.screen().state_formatted());
        let cap = self.parser.callbacks().history.capacity();
        let recorder = std::mem::take(self.parser.callbacks_mut());
        self.parser = new_parser(cols, rows, cap);
        *self.parser.callbacks_mut() = recorder;
        if let Some(state) = formatted {
            let parser = &mut self.parser;
            if guarded(|| parser.process(state.as_bytes())).is_none() {
                self.parser = new_parser(cols, rows, cap);
            }
        }
        self.mark(Dirty::All);
        tracing::warn!("terminal emulator panicked; screen rebuilt");
    }

    /// Changes the screen size, as a terminal does when its window changes.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        if (cols, rows) == self.size() {
            return;
        }
        let (r, c) = (dim(rows, MAX_ROWS), dim(cols, MAX_COLS));
        if !self.alternate_screen() {
            self.forget_scrolled_rows();
        }
        let parser = &mut self.parser;
        if guarded(|| parser.set_size(r, c)).is_none() {
            self.recover();
        }
        if let Some(main) = &mut self.saved_main {
            let _ = guarded(|| main.set_size(r, c));
        }
        // Like xterm, a resize resets scroll regions.
        self.regions = [None, None];
        self.mark(Dirty::All);
    }

    /// vt100 counts the rows that ever scrolled off the main screen and,
    /// when the screen grows taller, pulls that many back in at the top:
    /// blank, as it keeps none (history is ours). A view loaded from a
    /// snapshot has scrolled nothing, so job and view would differ after
    /// the next taller resize. Forgetting the count before a resize (and
    /// before the alternate screen hides the main one) makes every
    /// emulator grow alike: rows are added at the bottom.
    fn forget_scrolled_rows(&mut self) {
        self.parser.screen_mut().clear_scrollback();
    }

    /// The last `n` lines of history, oldest first, as a snapshot holds them.
    pub fn history_tail(&self, n: usize) -> Vec<HistoryLine> {
        self.parser.callbacks().history.tail(n)
    }

    /// What a fresh emulator needs to show this screen, with up to `history`
    /// lines of history.
    pub fn snapshot(&self, history: usize) -> Snapshot {
        let (cols, rows) = self.size();
        let screen = self.parser.screen();
        let mut state = self.filter.marks.state_bytes(false);
        if let (true, Some(main)) = (screen.alternate_screen(), &self.saved_main) {
            state.extend_from_slice(main.screen().contents_formatted().as_bytes());
            saved_cursor(screen, b"\x1b[?47l", main.screen(), &mut state);
            // Not 1049, which would save the cursor over what was just saved.
            state.extend_from_slice(b"\x1b[?47h");
        }
        state.extend_from_slice(screen.state_formatted().as_bytes());
        saved_cursor(screen, b"", screen, &mut state);
        let alt = usize::from(screen.alternate_screen());
        if let Some((top, bottom)) = self.regions[alt] {
            // Setting a region homes the cursor: put it back.
            state.extend_from_slice(format!("\x1b[{top};{bottom}r").as_bytes());
            place_cursor(screen, &mut state);
        }
        state.extend_from_slice(&self.filter.state_bytes());
        // Output may end inside a sequence or a character: the emulator
        // that loads this carries on from the same point.
        state.extend_from_slice(self.filter.pending());
        state.extend_from_slice(&self.held);
        let rec = self.parser.callbacks();
        Snapshot {
            history: rec.history.tail(history),
            cols,
            rows,
            state,
            title: rec.title.clone(),
        }
    }

    /// The screen as text, after up to `history` lines of history; with SGR
    /// colours if `ansi`. Trailing empty rows are left out.
    pub fn capture(&self, history: usize, ansi: bool) -> String {
        let screen = self.parser.screen();
        let mut lines: Vec<String> = Vec::new();
        if !screen.alternate_screen() {
            for line in self.parser.callbacks().history.tail(history) {
                let text = marks::strip(&line.text);
                if ansi {
                    lines.push(format!("{text}\x1b[m"));
                } else {
                    lines.push(strip_sgr(&text));
                }
            }
        }
        let (_, cols) = screen.size();
        if ansi {
            let text = screen.contents_formatted_basic();
            let text = marks::strip(&text);
            lines.extend(text.split('\n').map(|l| format!("{l}\x1b[m")));
        } else {
            lines.extend(
                screen
                    .rows(0, cols.get())
                    .map(|r| marks::strip(r.trim_end()).into_owned()),
            );
        }
        while lines
            .last()
            .is_some_and(|l| l.is_empty() || (ansi && strip_sgr(l).trim().is_empty()))
        {
            lines.pop();
        }
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }

    /// Searches the history and the screen as they show, oldest row first.
    pub fn search(&self, query: &search::Query) -> search::Hits {
        let history = self
            .parser
            .callbacks()
            .history
            .rows()
            .map(|(text, wrapped)| {
                let plain = if text.contains('\x1b') {
                    Cow::Owned(strip_sgr(&marks::strip(text)))
                } else {
                    marks::strip(text)
                };
                (plain, wrapped)
            });
        let screen = self.parser.screen();
        let (_, cols) = screen.size();
        let shown = screen.rows(0, cols.get()).enumerate().map(|(i, row)| {
            let wrapped = screen.row_wrapped(i as u16);
            (Cow::Owned(marks::strip(&row).into_owned()), wrapped)
        });
        search::search(query, history.chain(shown))
    }

    pub fn history_len(&self) -> usize {
        self.parser.callbacks().history.len()
    }

    pub fn history(&self) -> &History {
        &self.parser.callbacks().history
    }

    /// History older than every row here, arriving after the screen (see
    /// `History::insert_older`).
    pub fn insert_older_history(&mut self, at: usize, lines: Vec<HistoryLine>) -> usize {
        self.parser.callbacks_mut().history.insert_older(at, lines)
    }

    pub fn title(&self) -> &str {
        &self.parser.callbacks().title
    }

    /// Whether the program rang the bell since the last call.
    pub fn take_bell(&mut self) -> bool {
        std::mem::take(&mut self.parser.callbacks_mut().bell)
    }

    /// Clipboard copies the program made since the last call, as
    /// (selection, base64 text).
    pub fn take_clipboard(&mut self) -> Vec<(Vec<u8>, Vec<u8>)> {
        std::mem::take(&mut self.parser.callbacks_mut().clipboard)
    }

    /// Answers to the clipboard queries since the last call, each with the
    /// session's own last copy (never the user's clipboard). Only a view
    /// whose user allowed clipboard reads sends them to the program.
    pub fn take_clipboard_replies(&mut self) -> Vec<u8> {
        let rec = self.parser.callbacks_mut();
        let mut out = Vec::new();
        for selection in std::mem::take(&mut rec.clipboard_asks) {
            out.extend_from_slice(b"\x1b]52;");
            out.extend_from_slice(&selection);
            out.push(b';');
            out.extend_from_slice(&rec.last_copy);
            out.extend_from_slice(b"\x1b\\");
        }
        out
    }

    /// Where the cursor shows: (row, col), always on the screen.
    pub fn cursor_position(&self) -> (u16, u16) {
        shown_cursor(self.parser.screen())
    }

    pub fn hide_cursor(&self) -> bool {
        self.parser.screen().hide_cursor()
    }

    /// The cursor shape the program asked for (DECSCUSR).
    pub fn cursor_style(&self) -> vt100::CursorStyle {
        self.parser.screen().cursor_style()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.screen().alternate_screen()
    }

    /// Input modes the program asked for, which decide how keys are encoded.
    pub fn modes(&self) -> InputModes {
        let s = self.parser.screen();
        InputModes {
            application_cursor: s.application_cursor(),
            application_keypad: s.application_keypad(),
            bracketed_paste: s.bracketed_paste(),
            mouse: s.mouse_protocol_mode(),
            mouse_encoding: s.mouse_protocol_encoding(),
        }
    }

    /// One screen row as plain text (tests and matching).
    pub fn row_text(&self, row: u16) -> String {
        let (_, cols) = self.parser.screen().size();
        let text = self
            .parser
            .screen()
            .rows(0, cols.get())
            .nth(usize::from(row))
            .unwrap_or_default();
        marks::strip(&text).into_owned()
    }

    /// The whole visible screen as plain text, rows joined by newlines.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn screen_text(&self) -> String {
        marks::strip(&self.parser.screen().contents()).into_owned()
    }

    /// Whether screen row `row` runs on into the next (it was soft-wrapped),
    /// so a copy joins them into one line.
    pub fn row_wrapped(&self, row: u16) -> bool {
        self.parser.screen().row_wrapped(row)
    }

    /// The vt100 cell at a position, for tests.
    pub fn cell(&self, row: u16, col: u16) -> Option<&vt100::Cell> {
        self.parser.screen().cell(row, col)
    }

    /// What a cell shows, for drawing.
    pub fn cell_view(&self, row: u16, col: u16) -> Option<CellView<'_>> {
        let cell = self.parser.screen().cell(row, col)?;
        let (text, id) = marks::split(cell.contents());
        let mark = self.filter.marks.get(id);
        Some(CellView {
            text,
            pen: Pen::of(cell, mark),
            link: mark.and_then(|m| m.link.as_deref()),
            wide: cell.is_wide(),
            wide_tail: cell.is_wide_continuation(),
        })
    }

    /// The `rows` history rows that show at the top of the screen when it is
    /// scrolled `scroll` rows back, as a screen of their own (`None` when
    /// none show). The rows below them are the live screen's first rows.
    pub fn history_screen(&self, scroll: usize) -> Option<Emulator> {
        let (cols, rows) = self.size();
        let history = &self.parser.callbacks().history;
        let scroll = scroll.min(history.len());
        let shown = scroll.min(usize::from(rows)) as u16;
        if shown == 0 {
            return None;
        }
        let mut past = Emulator::new(cols, shown, 0);
        // History rows name the same marks as the screen.
        past.filter.marks = self.filter.marks.clone();
        let mut bytes = String::new();
        for i in 0..shown {
            let line = history
                .nth_newest(scroll - 1 - usize::from(i))
                .unwrap_or("");
            bytes.push_str("\x1b[m");
            bytes.push_str(line);
            if i + 1 < shown {
                bytes.push_str("\r\n");
            }
        }
        past.process(bytes.as_bytes());
        Some(past)
    }
}

/// Modes a program sets that change what keys and mouse events it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputModes {
    pub application_cursor: bool,
    pub application_keypad: bool,
    pub bracketed_paste: bool,
    pub mouse: vt100::MouseProtocolMode,
    pub mouse_encoding: vt100::MouseProtocolEncoding,
}

impl Default for InputModes {
    fn default() -> Self {
        InputModes {
            application_cursor: false,
            application_keypad: false,
            bracketed_paste: false,
            mouse: vt100::MouseProtocolMode::None,
            mouse_encoding: vt100::MouseProtocolEncoding::Default,
        }
    }
}

fn new_parser(cols: u16, rows: u16, history_lines: usize) -> vt100::Parser<Recorder> {
    // vt100 keeps no scrollback itself (capacity 0): rows leaving the screen
    // reach `Recorder::on_scroll` and are kept as text there.
    vt100::Parser::new_with_callbacks(
        dim(rows, MAX_ROWS),
        dim(cols, MAX_COLS),
        0,
        Recorder {
            history: History::new(history_lines),
            title: String::new(),
            bell: false,
            clipboard: Vec::new(),
            last_copy: Vec::new(),
            clipboard_asks: Vec::new(),
            scratch: String::new(),
            #[cfg(test)]
            formatted: 0,
        },
    )
}

fn new_plain_parser(cols: u16, rows: u16) -> vt100::Parser {
    vt100::Parser::new(dim(rows, MAX_ROWS), dim(cols, MAX_COLS), 0)
}

/// Appends what makes a fresh emulator's saved cursor (what `ESC 8` and
/// `CSI ? 1049 l` restore: a position per screen, one pen) the one
/// `screen` has, on the screen that `select` switches `screen` to; then
/// puts the cursor and pen back as `back` has them. vt100 does not show
/// the saved cursor, so a copy of the screen restores it to look.
fn saved_cursor(screen: &vt100::Screen, select: &[u8], back: &vt100::Screen, out: &mut Vec<u8>) {
    let (rows, cols) = screen.size();
    let mut probe = vt100::Parser::new(rows, cols, 0);
    *probe.screen_mut() = screen.clone();
    if guarded(|| probe.process(&[select, b"\x1b8"].concat())).is_none() {
        return;
    }
    place_cursor(probe.screen(), out);
    out.extend_from_slice(b"\x1b7");
    place_cursor(back, out);
}

/// Appends what puts the cursor where `screen` has it, with a pending wrap
/// if it has one (vt100 writes the last character again for that, from a
/// plain pen), and then `screen`'s pen.
fn place_cursor(screen: &vt100::Screen, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\x1b[m");
    out.extend_from_slice(screen.cursor_state_formatted().as_bytes());
    out.extend_from_slice(screen.attributes_formatted().as_bytes());
}

/// How many bytes at the end of `bytes` start a character that is not
/// complete yet (UTF-8 is at most 4 bytes long).
fn cut_character(bytes: &[u8]) -> usize {
    (1..=3.min(bytes.len()))
        .find(|&n| {
            let tail = &bytes[bytes.len() - n..];
            tail[0] >= 0xc0
                && matches!(std::str::from_utf8(tail), Err(e) if e.valid_up_to() == 0 && e.error_len().is_none())
        })
        .unwrap_or(0)
}

/// Where a screen's cursor shows. After a character in the last column
/// vt100 puts it one column past the screen (the next character wraps);
/// a terminal shows it on that last column meanwhile.
fn shown_cursor(screen: &vt100::Screen) -> (u16, u16) {
    let (row, col) = screen.cursor_position();
    (row, col.min(screen.size().1.get() - 1))
}

/// Runs `f`, catching a panic; the thread-local flag lets panic hooks stay quiet.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    IN_EMULATOR.with(|c| c.set(true));
    let result = catch_unwind(AssertUnwindSafe(f)).ok();
    IN_EMULATOR.with(|c| c.set(false));
    result
}

/// Plain text of an SGR-formatted history line.
pub fn strip_sgr(text: &str) -> String {
    vt100::capture::basic_formatted_to_plain(text).collect()
}

#[cfg(test)]
mod tests;
/// Clipboard queries kept until a view answers them: a program asks once
/// and waits; more are noise.
const MAX_CLIPBOARD_ASKS: usize = 4;
