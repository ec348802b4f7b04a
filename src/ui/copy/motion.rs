//! Cursor moves along and between lines: characters, words as vi sees
//! them, line starts and ends. A soft-wrapped line runs on into the next.

use super::keys::CopyAction;
use super::text::{Line, Lines, Pos};

/// What kind of character a cell holds, for word moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Blank,
    Word,
    Punct,
}

fn class(line: &Line, col: u16) -> Class {
    let Some(cell) = line.cells.get(usize::from(col)) else {
        return Class::Blank;
    };
    match cell.text.chars().next() {
        None => Class::Blank,
        Some(c) if c.is_whitespace() => Class::Blank,
        Some(c) if c.is_alphanumeric() || c == '_' => Class::Word,
        Some(_) => Class::Punct,
    }
}

/// Reads lines one at a time as a move walks over them.
struct Walker<'a> {
    lines: &'a dyn Lines,
    n: u64,
    line: Line,
}

impl<'a> Walker<'a> {
    fn new(lines: &'a dyn Lines, n: u64) -> Walker<'a> {
        Walker {
            lines,
            n,
            line: lines.line(n),
        }
    }

    fn at(&mut self, n: u64) -> &Line {
        if n != self.n {
            self.n = n;
            self.line = self.lines.line(n);
        }
        &self.line
    }

    /// The next character's place; `None` at the end. The bool says the
    /// step crossed a line end that was not a soft wrap (a word break).
    fn next(&mut self, p: Pos) -> Option<(Pos, bool)> {
        let line = self.at(p.line);
        let mut col = usize::from(p.col) + 1;
        while line.cells.get(col).is_some_and(|c| c.tail) {
            col += 1;
        }
        if col < line.cells.len() {
            return Some((Pos::new(p.line, col as u16), false));
        }
        let wrapped = line.wrapped;
        if p.line >= self.lines.last() {
            return None;
        }
        Some((Pos::new(p.line + 1, 0), !wrapped))
    }

    /// The previous character's place; `None` at the start.
    fn prev(&mut self, p: Pos) -> Option<(Pos, bool)> {
        if p.col > 0 {
            let line = self.at(p.line);
            return Some((Pos::new(p.line, line.head(p.col - 1)), false));
        }
        if p.line <= self.lines.first() {
            return None;
        }
        let line = self.at(p.line - 1);
        let end = line.head(line.width().saturating_sub(1));
        let wrapped = line.wrapped;
        Some((Pos::new(p.line - 1, end), !wrapped))
    }

    fn class(&mut self, p: Pos) -> Class {
        class(self.at(p.line), p.col)
    }
}

/// Where `motion` takes the cursor from `p`.
pub fn apply(lines: &dyn Lines, p: Pos, motion: CopyAction) -> Pos {
    let mut w = Walker::new(lines, p.line);
    match motion {
        CopyAction::Left => {
            if p.col == 0 {
                return p;
            }
            let line = w.at(p.line);
            Pos::new(p.line, line.head(p.col - 1))
        }
        CopyAction::Right => match w.next(p) {
            Some((q, _)) if q.line == p.line => q,
            _ => p,
        },
        CopyAction::LineStart => Pos::new(p.line, 0),
        CopyAction::LineEnd => {
            let line = w.at(p.line);
            let end = line.last_used().unwrap_or(0);
            Pos::new(p.line, line.head(end))
        }
        CopyAction::FirstNonBlank => {
            let line = w.at(p.line);
            let col = (0..line.width())
                .find(|&c| class(line, c) != Class::Blank)
                .unwrap_or(0);
            Pos::new(p.line, col)
        }
        CopyAction::WordNext => word_next(&mut w, p),
        CopyAction::WordBack => word_back(&mut w, p),
        CopyAction::WordEnd => word_end(&mut w, p),
        _ => p,
    }
}

/// vi's `w`: the start of the next word.
fn word_next(w: &mut Walker<'_>, p: Pos) -> Pos {
    let start = w.class(p);
    let mut at = p;
    // Off the current word...
    if start != Class::Blank {
        loop {
            let Some((q, crossed)) = w.next(at) else {
                return at;
            };
            at = q;
            if crossed {
                break;
            }
            if w.class(at) != start {
                break;
            }
        }
    }
    // ...and over blanks and line ends to the next.
    while w.class(at) == Class::Blank {
        let Some((q, _)) = w.next(at) else {
            return at;
        };
        at = q;
    }
    at
}

/// vi's `b`: the start of this word, or of the one before.
fn word_back(w: &mut Walker<'_>, p: Pos) -> Pos {
    let mut at = p;
    // Back one, then over blanks.
    let Some((q, _)) = w.prev(at) else {
        return at;
    };
    at = q;
    while w.class(at) == Class::Blank {
        let Some((q, _)) = w.prev(at) else {
            return at;
        };
        at = q;
    }
    let c = w.class(at);
    while let Some((q, crossed)) = w.prev(at) {
        if crossed || w.class(q) != c {
            break;
        }
        at = q;
    }
    at
}

/// vi's `e`: the end of this word, or of the next.
fn word_end(w: &mut Walker<'_>, p: Pos) -> Pos {
    let Some((mut at, _)) = w.next(p) else {
        return p;
    };
    while w.class(at) == Class::Blank {
        let Some((q, _)) = w.next(at) else {
            return at;
        };
        at = q;
    }
    let c = w.class(at);
    while let Some((q, crossed)) = w.next(at) {
        if crossed || w.class(q) != c {
            break;
        }
        at = q;
    }
    at
}
