//! The outer screen the UI draws on: the real terminal (drawn by ratatui,
//! the attached session painted row by row), or a test backend.

use std::io::{self, Write};

use ratatui::Terminal;
use ratatui::backend::Backend;

use super::outer;
use super::render::{self, render};
use super::state::Ui;
use super::terminal;

/// The outer screen: a real terminal, or a test backend.
pub trait Screen {
    /// Draws a frame. The screen takes the attached session's changed rows
    /// from its model (`Emulator::take_dirty`), hence `&mut`; drawing itself
    /// reads the state only.
    fn draw_ui(&mut self, ui: &mut Ui) -> io::Result<()>;
    fn size(&self) -> (u16, u16);
    /// The cursor shape the session's program asked for.
    fn cursor_style(&mut self, _style: vt100::CursorStyle) {}
}

impl<B: Backend> Screen for Terminal<B> {
    fn draw_ui(&mut self, ui: &mut Ui) -> io::Result<()> {
        let ui = &*ui;
        self.draw(|f| render(ui, f))
            .map(|_| ())
            .map_err(|e| io::Error::other(e.to_string()))
    }
    fn size(&self) -> (u16, u16) {
        Terminal::size(self)
            .map(|s| (s.width, s.height))
            .unwrap_or((80, 24))
    }
}

pub struct RealScreen {
    guard: terminal::Guard,
    cursor_style: Option<vt100::CursorStyle>,
    /// Title, bell, clipboard and synchronized frames: what else the outer terminal hears.
    outer: outer::Outer,
    /// The attached session as painted on the terminal, with the status
    /// line ratatui last drew beside it; `None` after a frame ratatui drew whole.
    direct: Option<(render::Painted, ratatui::text::Line<'static>)>,
    /// Rows the last frame drew predictions over.
    predicted: Vec<u16>,
}

impl Screen for RealScreen {
    fn draw_ui(&mut self, ui: &mut Ui) -> io::Result<()> {
        use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        if self
            .outer
            .hold(ui.view.as_ref().map(|v| &v.emu), std::time::Instant::now())
        {
            return Ok(());
        }
        let mut passed = Vec::new();
        self.outer
            .take(ui.view.as_mut().map(|v| &mut v.emu), &mut passed);
        // A copy made in copy mode: the clipboard, by the terminal.
        passed.append(&mut ui.to_terminal);
        // Rows that changed since the last frame, whichever way it was drawn:
        // a frame drawn through ratatui leaves the painted rows unknown anyway.
        let dirty = ui.view.as_mut().map(|v| v.emu.take_dirty());
        let ui = &*ui;
        let term = &mut self.guard.terminal;
        let (cols, rows) = ui.size;
        let area = ratatui::layout::Rect::new(0, 0, cols, rows);
        let resized = term.get_frame().area() != area;
        if resized {
            // ratatui clears the terminal: nothing painted is there any more.
            term.resize(area)?;
        }
        let last = self.direct.take();
        match (render::direct(ui), &ui.view) {
            (Some((session, status)), Some(v)) => {
                // A session row costs a compare to repaint-or-not; a ratatui
                // frame costs every cell of the screen: it only runs when
                // what it draws (the status line) changed, or the area did.
                let (mut painted, drawn) = match last {
                    Some((p, s)) if !resized && p.area() == session => (p, Some(s)),
                    _ => (render::Painted::new(session), None),
                };
                let status_changed = drawn.as_ref() != Some(&status);
                // A ratatui frame moves the cursor.
                if status_changed {
                    painted.forget_cursor();
                }
                let mut out = Vec::new();
                // Rows a prediction was drawn over are the session's again.
                for row in std::mem::take(&mut self.predicted) {
                    painted.forget(row);
                }
                painted.paint(&v.emu, dirty.unwrap_or_default(), &mut out);
                let overlay = v.predict.overlay();
                if !overlay.is_empty() {
                    super::predict::paint(&overlay, session, &mut out);
                    self.predicted = overlay.rows();
                    painted.forget_cursor();
                }
                if out.is_empty() && !status_changed && passed.is_empty() {
                    // Nothing on the terminal would change: no frame at all.
                    self.direct = Some((painted, status));
                    return Ok(());
                }
                // Terminals that know synchronized output (mode 2026) show
                // the frame at once, never half; others ignore the two sequences.
                crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
                if status_changed {
                    term.draw(|f| render::render_around_session(ui, f))?;
                }
                term.backend_mut().write_all(&out)?;
                self.direct = Some((painted, status));
            }
            _ => {
                crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
                if last.is_some() && !resized {
                    // ratatui believes the session's area blank: whatever it
                    // would skip as unchanged may show painted text. Resizing
                    // to the same size clears and forgets what it drew,
                    // without asking the terminal where its cursor is (as
                    // `clear` does, a round trip some terminals never answer).
                    term.resize(area)?;
                }
                term.draw(|f| render(ui, f))?;
            }
        }
        term.backend_mut().write_all(&passed)?;
        crossterm::queue!(term.backend_mut(), EndSynchronizedUpdate)?;
        self.guard.out.send()
    }
    fn size(&self) -> (u16, u16) {
        terminal::size().unwrap_or((80, 24))
    }
    fn cursor_style(&mut self, style: vt100::CursorStyle) {
        use crossterm::cursor::SetCursorStyle as S;
        if self.cursor_style == Some(style) {
            return;
        }
        self.cursor_style = Some(style);
        let cs = match style {
            vt100::CursorStyle::Default => S::DefaultUserShape,
            vt100::CursorStyle::BlinkBlock => S::BlinkingBlock,
            vt100::CursorStyle::SteadyBlock => S::SteadyBlock,
            vt100::CursorStyle::BlinkUnderline => S::BlinkingUnderScore,
            vt100::CursorStyle::SteadyUnderline => S::SteadyUnderScore,
            vt100::CursorStyle::BlinkVerticalBar => S::BlinkingBar,
            vt100::CursorStyle::SteadyVerticalBar => S::SteadyBar,
        };
        let _ = crossterm::execute!(io::stdout(), cs);
    }
}

impl RealScreen {
    /// The screen of the terminal `guard` holds.
    pub fn new(guard: terminal::Guard) -> RealScreen {
        RealScreen {
            guard,
            cursor_style: None,
            outer: outer::Outer::default(),
            direct: None,
            predicted: Vec::new(),
        }
    }
}
