//! The text copy mode works on: a view's history and screen as one run of
//! numbered lines of cells, and the text a selection of them copies.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::term::Emulator;

/// A place in the text: an absolute line number and a column.
///
/// Lines are numbered from the first row that ever left the screen, so a
/// line keeps its number as output pushes it from the screen into history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u64,
    pub col: u16,
}

impl Pos {
    pub const fn new(line: u64, col: u16) -> Pos {
        Pos { line, col }
    }
}

/// One cell as copy mode sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// The character with any combining marks; empty for a blank cell.
    pub text: Box<str>,
    /// The first half of a double-width character.
    pub wide: bool,
    /// The second half of a double-width character (its text is the first's).
    pub tail: bool,
}

/// One row of cells, and whether it runs on into the next row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub cells: Vec<Cell>,
    pub wrapped: bool,
}

impl Line {
    /// A line of plain text, one cell per column (wide characters take two).
    #[cfg(test)]
    pub fn plain(text: &str, wrapped: bool) -> Line {
        let mut cells = Vec::new();
        for c in text.chars() {
            let width = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if width == 0 {
                if let Some(last) = cells.iter_mut().rev().find(|c: &&mut Cell| !c.tail) {
                    let mut s = last.text.to_string();
                    s.push(c);
                    last.text = s.into();
                }
                continue;
            }
            cells.push(Cell {
                text: c.to_string().into(),
                wide: width == 2,
                tail: false,
            });
            if width == 2 {
                cells.push(Cell {
                    tail: true,
                    ..Cell::default()
                });
            }
        }
        Line { cells, wrapped }
    }

    /// Columns in the line.
    pub fn width(&self) -> u16 {
        u16::try_from(self.cells.len()).unwrap_or(u16::MAX)
    }

    /// The column of the character that covers `col` (a wide character's
    /// second half belongs to its first).
    pub fn head(&self, col: u16) -> u16 {
        let c = usize::from(col);
        if c > 0 && self.cells.get(c).is_some_and(|cell| cell.tail) {
            col - 1
        } else {
            col
        }
    }

    /// Columns `from..=to` as text: blanks as spaces, wide characters once.
    pub fn text(&self, from: u16, to: u16) -> String {
        let mut out = String::new();
        let from = usize::from(self.head(from));
        for cell in self.cells.iter().take(usize::from(to) + 1).skip(from) {
            if cell.tail {
                continue;
            }
            if cell.text.is_empty() {
                out.push(' ');
            } else {
                out.push_str(&cell.text);
            }
        }
        out
    }

    /// The whole line as text, and the column each byte of it starts in.
    pub fn text_with_columns(&self) -> (String, Vec<u16>) {
        let mut text = String::new();
        let mut cols = Vec::new();
        for (i, cell) in self.cells.iter().enumerate() {
            if cell.tail {
                continue;
            }
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            let s = if cell.text.is_empty() {
                " "
            } else {
                &cell.text
            };
            text.push_str(s);
            cols.extend(std::iter::repeat_n(col, s.len()));
        }
        (text, cols)
    }

    /// The last column holding something other than a blank, if any.
    pub fn last_used(&self) -> Option<u16> {
        self.cells
            .iter()
            .rposition(|c| !c.text.trim().is_empty())
            .map(|i| u16::try_from(i).unwrap_or(u16::MAX))
            .map(|c| {
                if self.cells[usize::from(c)].wide {
                    c + 1
                } else {
                    c
                }
            })
    }
}

/// Where copy mode reads lines from.
pub trait Lines {
    /// The number of the oldest line kept.
    fn first(&self) -> u64;
    /// One past the newest line (the screen's last row).
    fn end(&self) -> u64;
    /// Rows on the screen: the last `rows` lines are the live screen.
    fn rows(&self) -> u16;
    /// Line `n` (blank if it is not kept).
    fn line(&self, n: u64) -> Line;
    /// Whether line `n` may hold `needle`: a quick look that lets a search
    /// skip reading most lines into cells. Never wrong when it says no.
    fn may_contain(&self, _n: u64, _needle: &str) -> bool {
        true
    }

    /// The number of the screen's first row: the bottom a view can scroll to.
    fn live_top(&self) -> u64 {
        self.end()
            .saturating_sub(u64::from(self.rows()))
            .max(self.first())
    }
    /// The newest line.
    fn last(&self) -> u64 {
        self.end().saturating_sub(1).max(self.first())
    }
}

/// A view's history and screen as copy mode reads them. History rows are
/// kept as formatted text: each is read into cells when first asked for.
pub struct EmuLines<'a> {
    emu: &'a Emulator,
    cache: RefCell<HashMap<u64, Line>>,
}

impl<'a> EmuLines<'a> {
    pub fn new(emu: &'a Emulator) -> EmuLines<'a> {
        EmuLines {
            emu,
            cache: RefCell::new(HashMap::new()),
        }
    }

    fn pushed(&self) -> u64 {
        self.emu.history().pushed()
    }

    fn read(&self, n: u64) -> Line {
        let (cols, _) = self.emu.size();
        let history = self.emu.history();
        let pushed = self.pushed();
        if n < pushed {
            let back = usize::try_from(pushed - 1 - n).unwrap_or(usize::MAX);
            let Some((text, wrapped)) = history.line_from_newest(back) else {
                return Line::default();
            };
            // One row of a screen as wide as the view's: the row's cells,
            // wide characters and blanks as the screen had them.
            let mut row = Emulator::new(cols, 1, 0);
            row.process(b"\x1b[m");
            row.process(text.as_bytes());
            let mut line = cells_of(&row, 0);
            line.wrapped = wrapped;
            return line;
        }
        let row = u16::try_from(n - pushed).unwrap_or(u16::MAX);
        let mut line = cells_of(self.emu, row);
        line.wrapped = self.emu.row_wrapped(row);
        line
    }
}

/// Row `row` of `emu` as cells, without trailing never-written cells.
fn cells_of(emu: &Emulator, row: u16) -> Line {
    let (cols, _) = emu.size();
    let mut cells = Vec::with_capacity(usize::from(cols));
    for col in 0..cols {
        let Some(view) = emu.cell_view(row, col) else {
            break;
        };
        cells.push(Cell {
            text: view.text.as_ref().into(),
            wide: view.wide,
            tail: view.wide_tail,
        });
    }
    Line {
        cells,
        wrapped: false,
    }
}

impl Lines for EmuLines<'_> {
    fn first(&self) -> u64 {
        self.pushed().saturating_sub(self.emu.history_len() as u64)
    }

    fn end(&self) -> u64 {
        self.pushed() + u64::from(self.emu.size().1)
    }

    fn rows(&self) -> u16 {
        self.emu.size().1
    }

    fn may_contain(&self, n: u64, needle: &str) -> bool {
        let pushed = self.pushed();
        if n >= pushed {
            return true;
        }
        let back = usize::try_from(pushed - 1 - n).unwrap_or(usize::MAX);
        let Some((text, _)) = self.emu.history().line_from_newest(back) else {
            return false;
        };
        // The formatted text without its colours and without the marks
        // (zero-width characters naming extra attributes) cells carry.
        let plain: String = crate::term::strip_sgr(text)
            .chars()
            .filter(|c| !('\u{E0200}'..='\u{E0FFF}').contains(c))
            .collect();
        !super::search::find_in_line(&plain, needle).is_empty()
    }

    fn line(&self, n: u64) -> Line {
        if let Some(l) = self.cache.borrow().get(&n) {
            return l.clone();
        }
        let line = self.read(n);
        self.cache.borrow_mut().insert(n, line.clone());
        line
    }
}

/// What a selection covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// From one character to another, running over line ends.
    Char,
    /// Whole lines.
    Line,
    /// The same columns on every line.
    Rect,
}

/// The text between `a` and `b` (either order, both included) as `shape`
/// selects it. Trailing blanks are left out; a soft-wrapped line joins the
/// next with no line break, as the program wrote it.
pub fn extract(lines: &dyn Lines, a: Pos, b: Pos, shape: Shape) -> String {
    let (start, end) = if a <= b { (a, b) } else { (b, a) };
    let mut out = String::new();
    let (left, right) = (a.col.min(b.col), a.col.max(b.col));
    for n in start.line..=end.line {
        let line = lines.line(n);
        let (from, to, whole_end) = match shape {
            Shape::Char => {
                let from = if n == start.line { start.col } else { 0 };
                let to = if n == end.line { end.col } else { u16::MAX };
                (from, to, n != end.line)
            }
            Shape::Line => (0, u16::MAX, n != end.line),
            Shape::Rect => {
                // A wide character cut by the right edge counts whole.
                let right = if line.cells.get(usize::from(right)).is_some_and(|c| c.wide) {
                    right + 1
                } else {
                    right
                };
                (left, right, false)
            }
        };
        let to = to.min(line.width().saturating_sub(1));
        let mut piece = if line.cells.is_empty() || from > to {
            String::new()
        } else {
            line.text(from, to)
        };
        let joined = whole_end && line.wrapped && shape != Shape::Rect;
        if !joined {
            piece.truncate(piece.trim_end().len());
        }
        out.push_str(&piece);
        if n != end.line && !joined {
            out.push('\n');
        }
    }
    out
}

/// Whether `p` is inside the selection from `a` to `b` (either order).
pub fn selected(a: Pos, b: Pos, shape: Shape, p: Pos) -> bool {
    let (start, end) = if a <= b { (a, b) } else { (b, a) };
    if p.line < start.line || p.line > end.line {
        return false;
    }
    match shape {
        Shape::Line => true,
        Shape::Rect => (a.col.min(b.col)..=a.col.max(b.col)).contains(&p.col),
        Shape::Char => p >= start && p <= end,
    }
}
