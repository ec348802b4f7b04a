//! The terminal path: program output and PTY resizes into the job's model
//! (its mirror), the job's snapshot into a view's model, output the view
//! missed while it lagged, and the view drawn and painted onto a terminal.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Input;
use crate::term::{Emulator, MAX_COLS, MAX_ROWS};
use crate::ui::render::{Painted, draw_session};

/// One thing that happens to a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// The shell wrote these bytes: the job's model takes them, and the
    /// view's too unless it lags.
    Output(Vec<u8>),
    /// The PTY took a new size (the view follows unless it lags).
    Resize { cols: u16, rows: u16 },
    /// A view attaches afresh from the job's snapshot with up to `history` lines.
    Attach { history: u16 },
    /// The view falls behind: output and resizes skip it until `Resync`.
    Lag,
    /// The lagging view gets the history it missed (up to `history` lines)
    /// and a fresh screen, as protocol 2 resyncs it.
    Resync { history: u16 },
    /// The view is drawn into a ratatui buffer, `scroll` rows back in history.
    Draw { cols: u16, rows: u16, scroll: u16 },
    /// The view is painted straight onto a terminal `rows` tall, below a
    /// status line on top or above one at the bottom.
    Paint { rows: u16, top: bool },
    /// `sessui capture` of the job, with up to `history` lines.
    Capture { history: u16, ansi: bool },
}

/// Decodes any bytes as operations.
pub fn ops_from_bytes(data: &[u8]) -> Vec<Op> {
    let mut input = Input::new(data);
    let mut ops = Vec::new();
    while !input.is_empty() {
        let op = match input.byte() % 16 {
            0..=6 => {
                let len = usize::from(input.byte()) + 1;
                Op::Output(input.bytes(len).to_vec())
            }
            7 => {
                let len = usize::from(input.u16()) + 1;
                Op::Output(input.bytes(len).to_vec())
            }
            8 | 9 => Op::Resize {
                cols: size(input.byte()),
                rows: size(input.byte() / 2),
            },
            10 => Op::Attach {
                history: u16::from(input.byte()),
            },
            11 => Op::Lag,
            12 => Op::Resync {
                history: u16::from(input.byte()),
            },
            13 => Op::Draw {
                cols: size(input.byte()),
                rows: size(input.byte() / 2),
                scroll: u16::from(input.byte()),
            },
            14 => Op::Paint {
                rows: u16::from(input.byte() % 128),
                top: input.flag(),
            },
            _ => Op::Capture {
                history: u16::from(input.byte()),
                ansi: input.flag(),
            },
        };
        ops.push(op);
    }
    ops
}

/// A size from one byte: small mostly, and now and then far too big.
fn size(b: u8) -> u16 {
    match b {
        0x7f | 0xff => u16::MAX,
        b => u16::from(b),
    }
}

/// Runs `data`'s operations on a new 80x24 session.
pub fn terminal(data: &[u8]) {
    let mut session = Session::new(80, 24, 64, Follow::AtSnapshots);
    for op in ops_from_bytes(data) {
        session.apply(&op);
    }
}

/// When the view must show exactly what the job shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Right after it loads a snapshot (attach, resync).
    AtSnapshots,
    /// Also after every later output and resize. Holds only for output a
    /// snapshot carries whole: not REP (`CSI b`) right after a snapshot,
    /// origin mode, or the alternate screen kept behind `CSI ? 47`.
    Always,
}

/// A job's model and one view's, kept as sessui keeps them.
pub struct Session {
    job: Emulator,
    view: Emulator,
    /// The job's output again, each read cut in two.
    cut: Emulator,
    follow: Follow,
    history_lines: usize,
    /// The job's history count when the view fell behind.
    lag_mark: Option<u64>,
    outer: Option<Outer>,
}

/// The terminal the view is painted onto.
struct Outer {
    painted: Painted,
    /// The terminal: a model that reads every attribute xterm reads
    /// (underline styles and colour, strikethrough, links), so what the
    /// painter writes for them is checked too.
    screen: Emulator,
}

impl Session {
    /// A session of `cols` x `rows` whose models keep `history_lines` rows.
    pub fn new(cols: u16, rows: u16, history_lines: usize, follow: Follow) -> Session {
        let job = Emulator::new(cols, rows, history_lines);
        let view = Emulator::from_snapshot(job.snapshot(history_lines), history_lines);
        Session {
            job,
            view,
            cut: Emulator::new(cols, rows, history_lines),
            follow,
            history_lines,
            lag_mark: None,
            outer: None,
        }
    }

    /// Applies one operation and checks what must hold after it.
    pub fn apply(&mut self, op: &Op) {
        match op {
            Op::Output(bytes) => {
                self.job.process(bytes);
                if self.lag_mark.is_none() {
                    self.view.process(bytes);
                }
                let (first, second) = bytes.split_at(bytes.len() / 2);
                self.cut.process(first);
                self.cut.process(second);
                assert_same(&self.job, &self.cut, "output cut in two");
                assert_eq!(
                    self.job.history().tail(usize::MAX),
                    self.cut.history().tail(usize::MAX),
                    "output cut in two: history"
                );
            }
            Op::Resize { cols, rows } => {
                self.job.resize(*cols, *rows);
                self.cut.resize(*cols, *rows);
                if self.lag_mark.is_none() {
                    let (cols, rows) = self.job.size();
                    self.view.resize(cols, rows);
                }
            }
            Op::Attach { history } => {
                self.lag_mark = None;
                let snap = self.job.snapshot(usize::from(*history));
                self.view = Emulator::from_snapshot(snap, self.history_lines);
                assert_same(&self.job, &self.view, "after attaching");
                self.outer = None;
            }
            Op::Lag => {
                self.lag_mark.get_or_insert(self.job.history().pushed());
            }
            Op::Resync { history } => {
                if let Some(mark) = self.lag_mark.take() {
                    let missed = self.job.history().pushed().saturating_sub(mark);
                    let wanted = usize::from(*history).min(missed as usize);
                    self.view.load_snapshot_after(self.job.snapshot(wanted));
                    assert_same(&self.job, &self.view, "after a resync");
                }
            }
            Op::Draw { cols, rows, scroll } => self.draw(*cols, *rows, *scroll),
            Op::Paint { rows, top } => self.paint(*rows, *top),
            Op::Capture { history, ansi } => {
                let text = self.job.capture(usize::from(*history), *ansi);
                assert!(text.ends_with('\n'));
                if !ansi {
                    assert!(
                        !text.contains('\x1b'),
                        "a plain capture holds an escape: {text:?}"
                    );
                }
            }
        }
        if self.follow == Follow::Always && self.lag_mark.is_none() {
            assert_same(&self.job, &self.view, "the view following the job");
        }
        in_bounds(&self.job, "the job's model", op);
        in_bounds(&self.view, "the view's model", op);
    }

    fn draw(&mut self, cols: u16, rows: u16, scroll: u16) {
        let area = Rect::new(0, 0, cols.clamp(1, 400), rows.clamp(1, 200));
        let mut buf = Buffer::empty(area);
        let cursor = draw_session(&self.view, &mut buf, area, usize::from(scroll));
        if let Some((x, y)) = cursor {
            assert!(
                x < area.width && y < area.height,
                "cursor drawn at {x},{y} outside {area:?}"
            );
        }
        if scroll > 0 {
            return;
        }
        let (vcols, vrows) = self.view.size();
        for r in 0..vrows.min(area.height) {
            for c in 0..vcols.min(area.width) {
                let Some(cell) = self.view.cell(r, c) else {
                    continue;
                };
                let wide_cut = cell.is_wide() && c + 1 >= vcols.min(area.width);
                if cell.is_wide_continuation() || wide_cut {
                    continue;
                }
                let shown = buf[(c, r)].symbol();
                // Without the marks that carry the cell's extras.
                let text = self
                    .view
                    .cell_view(r, c)
                    .map(|v| v.text.into_owned())
                    .unwrap_or_default();
                let want = if text.is_empty() { " " } else { text.as_str() };
                assert_eq!(shown, want, "drawn cell {r},{c}");
            }
        }
    }

    fn paint(&mut self, rows: u16, top: bool) {
        let (cols, _) = self.view.size();
        let area = Rect::new(0, u16::from(top), cols, rows.max(1));
        let outer = match &mut self.outer {
            Some(o) if o.painted.area() == area => o,
            _ => self.outer.insert(Outer::new(area)),
        };
        let mut out = Vec::new();
        let dirty = self.view.take_dirty();
        outer.painted.paint(&self.view, dirty, &mut out);
        outer.screen.process(&out);
        assert_shows(&self.view, &outer.screen, area);
    }
}

impl Outer {
    /// A terminal one status line taller than `area`, full of rubbish.
    fn new(area: Rect) -> Outer {
        let (rows, cols) = (area.height + 1, area.width);
        let mut screen = Emulator::new(cols.max(1), rows.max(1), 0);
        let junk = "#".repeat(usize::from(cols));
        for r in 0..rows {
            screen.process(format!("\x1b[{};1H{junk}", r + 1).as_bytes());
        }
        Outer {
            painted: Painted::new(area),
            screen,
        }
    }
}

fn in_bounds(emu: &Emulator, who: &str, op: &Op) {
    let (cols, rows) = emu.size();
    assert!(
        (1..=MAX_COLS).contains(&cols) && (1..=MAX_ROWS).contains(&rows),
        "{who} is {cols}x{rows} after {op:?}"
    );
    let (row, col) = emu.cursor_position();
    assert!(
        row < rows && col < cols,
        "{who}'s cursor at row {row} col {col} is off its {cols}x{rows} screen after {op:?}"
    );
}

/// Two models show the same: every cell (text and attributes), the
/// cursor, its visibility, the input modes, the screen and the title.
fn assert_same(a: &Emulator, b: &Emulator, when: &str) {
    assert_eq!(a.size(), b.size(), "{when}: size");
    let (cols, rows) = a.size();
    for r in 0..rows {
        for c in 0..cols {
            assert_eq!(a.cell(r, c), b.cell(r, c), "{when}: cell {r},{c}");
        }
    }
    assert_eq!(a.cursor_position(), b.cursor_position(), "{when}: cursor");
    assert_eq!(a.hide_cursor(), b.hide_cursor(), "{when}: cursor shown");
    assert_eq!(a.modes(), b.modes(), "{when}: input modes");
    assert_eq!(a.alternate_screen(), b.alternate_screen(), "{when}: screen");
    assert_eq!(a.title(), b.title(), "{when}: title");
}

/// Every cell of the view shows at its place on the terminal, with the
/// same text and attributes, and the cursor is where the view has it.
fn assert_shows(view: &Emulator, outer: &Emulator, area: Rect) {
    let (cols, rows) = view.size();
    for r in 0..rows.min(area.height) {
        for c in 0..cols {
            let (Some(a), Some(b)) = (view.cell_view(r, c), outer.cell_view(area.y + r, c)) else {
                panic!("no cell {r},{c}");
            };
            if a.wide && c + 1 >= cols {
                continue;
            }
            // A space and nothing look the same.
            let shown = |t: &str| if t.is_empty() { " " } else { t }.to_string();
            assert_eq!(
                (shown(&a.text), a.pen, a.link, a.wide),
                (shown(&b.text), b.pen, b.link, b.wide),
                "painted cell {r},{c}"
            );
        }
    }
    for r in rows..area.height {
        let text = outer.row_text(area.y + r);
        assert!(
            text.trim().is_empty(),
            "row {r} below the session shows {text:?}"
        );
    }
    let (row, col) = view.cursor_position();
    if view.hide_cursor() || row >= area.height || col >= area.width {
        assert!(outer.hide_cursor(), "the cursor shows");
    } else {
        assert!(!outer.hide_cursor(), "the cursor is hidden");
        assert_eq!(outer.cursor_position(), (area.y + row, area.x + col));
    }
}
