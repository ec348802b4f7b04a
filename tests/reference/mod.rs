//! A reference terminal for the conformance tests: the test kit's real PTY
//! read by `alacritty_terminal` (the emulator of Alacritty and Zed), which
//! answers the program's queries as that terminal does. Independent of vt100, so what it
//! shows is a fair judge of what sessui shows.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alacritty_terminal::event::{Event, EventListener, WindowSize};
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line, Point};
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term, TermMode};
use alacritty_terminal::vte::ansi::{self, CursorShape, NamedColor, Processor, Rgb};
use portable_pty::CommandBuilder;
use sessui_testkit::pty::{Model, OnDrop, Options, Terminal};

/// The colours this terminal reports for OSC 4/10/11/12 queries, as a light
/// theme would: distinct from every default, so a reply that did not come
/// from the outer terminal shows.
pub const FOREGROUND: (u8, u8, u8) = (0x10, 0x20, 0x30);
pub const BACKGROUND: (u8, u8, u8) = (0xf0, 0xe8, 0xd0);
pub const CURSOR: (u8, u8, u8) = (0x80, 0x40, 0x20);
/// Palette entry `i` (0..16) as this terminal reports it.
pub fn palette(i: u8) -> (u8, u8, u8) {
    (i * 15, 255 - i * 15, 0x11 * (i % 16))
}
/// Pixels per cell reported for `CSI 14 t`.
pub const CELL_PIXELS: (u16, u16) = (9, 18);

/// What the program made the terminal do besides drawing.
#[derive(Default, Debug, Clone)]
pub struct Happenings {
    pub titles: Vec<String>,
    pub bells: usize,
    pub clipboard: Vec<String>,
    /// Every reply sent to the program, in order.
    pub replies: Vec<String>,
}

struct Listener {
    events: Arc<Mutex<Vec<Event>>>,
}

impl EventListener for Listener {
    fn send_event(&self, event: Event) {
        self.events.lock().unwrap().push(event);
    }
}

/// Alacritty's model as the kit's terminal reads through: it answers the
/// program's questions itself, and notes what else the program made it do.
pub struct Reference {
    term: Term<Listener>,
    parser: Processor,
    events: Arc<Mutex<Vec<Event>>>,
    happened: Happenings,
    cols: u16,
    rows: u16,
}

impl Reference {
    fn new(cols: u16, rows: u16) -> Reference {
        let events = Arc::new(Mutex::new(Vec::new()));
        let term = Term::new(
            Config::default(),
            &TermSize::new(usize::from(cols), usize::from(rows)),
            Listener {
                events: events.clone(),
            },
        );
        Reference {
            term,
            parser: Processor::new(),
            events,
            happened: Happenings::default(),
            cols,
            rows,
        }
    }

    fn answer(&mut self, event: Event) -> Option<String> {
        match event {
            Event::PtyWrite(text) => Some(text),
            Event::ColorRequest(index, format) => Some(format(match index {
                i if i < 16 => rgb(palette(i as u8)),
                256 => rgb(FOREGROUND),
                257 => rgb(BACKGROUND),
                258 => rgb(CURSOR),
                // The 6x6x6 cube and the greys, as xterm has them.
                i => rgb(sessui_free_xterm_color(i as u8)),
            })),
            Event::TextAreaSizeRequest(format) => Some(format(WindowSize {
                num_lines: self.rows,
                num_cols: self.cols,
                cell_width: CELL_PIXELS.0,
                cell_height: CELL_PIXELS.1,
            })),
            Event::Title(t) => {
                self.happened.titles.push(t);
                None
            }
            Event::Bell => {
                self.happened.bells += 1;
                None
            }
            Event::ClipboardStore(_, text) => {
                self.happened.clipboard.push(text);
                None
            }
            _ => None,
        }
    }
}

impl Model for Reference {
    fn feed(&mut self, bytes: &[u8], reply: &mut dyn FnMut(&[u8])) {
        self.parser.advance(&mut self.term, bytes);
        let taken = std::mem::take(&mut *self.events.lock().unwrap());
        for event in taken {
            if let Some(answer) = self.answer(event) {
                reply(answer.as_bytes());
                self.happened.replies.push(answer);
            }
        }
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.term
            .resize(TermSize::new(usize::from(cols), usize::from(rows)));
    }

    fn text(&self) -> String {
        Screen::of(&self.term).text()
    }

    fn cursor(&self) -> (u16, u16) {
        let p = self.term.grid().cursor.point;
        (p.line.0.max(0) as u16, p.column.0 as u16)
    }
}

/// A program in a PTY, shown by the reference emulator.
pub struct RefTerm {
    t: Terminal<Reference>,
    pub cols: u16,
    pub rows: u16,
}

fn rgb((r, g, b): (u8, u8, u8)) -> Rgb {
    Rgb { r, g, b }
}

impl RefTerm {
    pub fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> RefTerm {
        let options = Options {
            cell_pixels: CELL_PIXELS,
            // The model answers by itself, as Alacritty.
            answer_queries: false,
            keep_raw: true,
            on_drop: OnDrop::Kill,
            ..Options::new(cols, rows)
        };
        let t = Terminal::start("reference", cmd, Reference::new(cols, rows), options).unwrap();
        RefTerm { t, cols, rows }
    }

    pub fn keys(&self, bytes: &[u8]) {
        self.t.send(bytes).unwrap();
    }

    pub fn screen(&self) -> Screen {
        self.t.with_screen(|m| Screen::of(&m.term))
    }

    pub fn happenings(&self) -> Happenings {
        self.t.with_screen(|m| m.happened.clone())
    }

    pub fn raw(&self) -> Vec<u8> {
        self.t.raw()
    }

    /// Waits until `f` holds for the screen; the screen if it did.
    pub fn wait(&self, limit: Duration, f: impl Fn(&Screen) -> bool) -> Result<Screen, Screen> {
        let mut last = None;
        let held = self.t.until(limit, |m| {
            let screen = Screen::of(&m.term);
            let ok = f(&screen);
            last = Some(screen);
            ok
        });
        let screen = last.unwrap_or_else(|| self.screen());
        if held.is_ok() {
            Ok(screen)
        } else {
            Err(screen)
        }
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.t.resize(cols, rows).unwrap();
    }

    pub fn running(&mut self) -> bool {
        self.t.running()
    }
}

/// Entries 16..=255 of xterm's palette.
pub fn sessui_free_xterm_color(i: u8) -> (u8, u8, u8) {
    if i >= 232 {
        let v = 8 + (i - 232) * 10;
        return (v, v, v);
    }
    let i = i.saturating_sub(16);
    let level = |n: u8| if n == 0 { 0 } else { 55 + n * 40 };
    (level(i / 36), level((i / 6) % 6), level(i % 6))
}

/// A colour as the program set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Default,
    Idx(u8),
    Rgb(u8, u8, u8),
}

fn colour(c: ansi::Color) -> Colour {
    match c {
        ansi::Color::Named(n) => match n as usize {
            i @ 0..16 => Colour::Idx(i as u8),
            _ if n == NamedColor::Foreground || n == NamedColor::Background => Colour::Default,
            // Dim colours are how alacritty stores dim text's colour.
            i => Colour::Idx((i - NamedColor::DimBlack as usize) as u8),
        },
        ansi::Color::Indexed(i) => Colour::Idx(i),
        ansi::Color::Spec(Rgb { r, g, b }) => Colour::Rgb(r, g, b),
    }
}

/// One cell as a person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub fg: Colour,
    pub bg: Colour,
    /// Attribute flags that show (wrap and spacer flags left out).
    pub flags: Flags,
    pub underline_color: Option<Colour>,
    pub link: Option<String>,
    pub wide: bool,
}

impl Cell {
    /// A space with no attribute that shows on a space.
    fn is_blank(&self) -> bool {
        self.text == " "
            && !self
                .flags
                .intersects(Flags::INVERSE | Flags::ALL_UNDERLINES | Flags::STRIKEOUT)
            && self.link.is_none()
    }

    /// Whether two cells look the same: on a blank, only what shows on a blank counts.
    pub fn looks_like(&self, other: &Cell) -> bool {
        if self.is_blank() && other.is_blank() {
            return self.bg == other.bg;
        }
        self == other
    }
}

/// The visible screen and cursor.
#[derive(Debug, Clone)]
pub struct Screen {
    pub cells: Vec<Vec<Cell>>,
    pub cursor: (usize, usize),
    pub cursor_visible: bool,
    pub cursor_shape: (CursorShape, bool),
    pub alt_screen: bool,
}

impl Screen {
    fn of(term: &Term<Listener>) -> Screen {
        let grid = term.grid();
        let shown = Flags::BOLD
            | Flags::DIM
            | Flags::ITALIC
            | Flags::ALL_UNDERLINES
            | Flags::INVERSE
            | Flags::HIDDEN
            | Flags::STRIKEOUT;
        let mut cells = Vec::new();
        for line in 0..grid.screen_lines() {
            let mut row = Vec::new();
            for col in 0..grid.columns() {
                let c = &grid[Point::new(Line(line as i32), Column(col))];
                let mut text = String::new();
                if !c.flags.contains(Flags::WIDE_CHAR_SPACER) {
                    // Alacritty keeps a tab in the cell it skipped (for copying): a blank.
                    text.push(if c.c == '\t' { ' ' } else { c.c });
                    for z in c.zerowidth().unwrap_or(&[]) {
                        text.push(*z);
                    }
                }
                row.push(Cell {
                    text,
                    fg: colour(c.fg),
                    bg: colour(c.bg),
                    flags: c.flags & shown,
                    underline_color: c.underline_color().map(colour),
                    link: c.hyperlink().map(|h| h.uri().to_string()),
                    wide: c.flags.contains(Flags::WIDE_CHAR),
                });
            }
            cells.push(row);
        }
        let point = grid.cursor.point;
        let style = term.cursor_style();
        Screen {
            cells,
            cursor: (point.line.0 as usize, point.column.0),
            cursor_visible: term.mode().contains(TermMode::SHOW_CURSOR),
            cursor_shape: (style.shape, style.blinking),
            alt_screen: term.mode().contains(TermMode::ALT_SCREEN),
        }
    }

    pub fn row_text(&self, row: usize) -> String {
        let text: String = self.cells[row].iter().map(|c| c.text.as_str()).collect();
        text.trim_end().to_string()
    }

    pub fn text(&self) -> String {
        (0..self.cells.len())
            .map(|r| self.row_text(r))
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.text().contains(needle)
    }

    /// Where `other`'s first `rows` rows look different from this screen's,
    /// described for a person; `None` when every cell and the cursor agree.
    pub fn differences(&self, other: &Screen, rows: usize, cursor: bool) -> Option<String> {
        let mut out = Vec::new();
        for r in 0..rows {
            for c in 0..self.cells[r].len() {
                let (a, b) = (&self.cells[r][c], &other.cells[r][c]);
                if !a.looks_like(b) {
                    out.push(format!("row {r} col {c}: expected {a:?}, got {b:?}"));
                }
            }
        }
        if cursor {
            if self.cursor_visible != other.cursor_visible {
                out.push(format!(
                    "cursor visible: expected {}, got {}",
                    self.cursor_visible, other.cursor_visible
                ));
            }
            if self.cursor_visible && self.cursor != other.cursor {
                out.push(format!(
                    "cursor at: expected {:?}, got {:?}",
                    self.cursor, other.cursor
                ));
            }
            if self.cursor_shape != other.cursor_shape {
                out.push(format!(
                    "cursor shape: expected {:?}, got {:?}",
                    self.cursor_shape, other.cursor_shape
                ));
            }
        }
        if out.is_empty() {
            return None;
        }
        let total = out.len();
        out.truncate(12);
        Some(format!(
            "{total} differences; first ones:\n{}\nexpected screen:\n{}\ngot:\n{}",
            out.join("\n"),
            self.text(),
            other.text()
        ))
    }
}
