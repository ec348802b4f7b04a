//! Taking over the terminal and giving it back exactly as found: on quit, on
//! error, on panic, and on SIGTERM/SIGHUP.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crossterm::cursor::{SetCursorStyle, Show};
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture,
};
use crossterm::terminal::{
    EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode,
    enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// Set while the terminal is ours; the panic hook restores only then.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Frames go out whole, in one write: std's stdout would split each into
/// ~1 KiB writes, and ratatui and crossterm flush several times a frame (each
/// flush a write that wakes the terminal), so nothing leaves before `Frame::send`.
pub type Term = Terminal<CrosstermBackend<FrameOut>>;

/// What a frame writes, held until the whole frame is ready. The backend
/// owns one handle and the `Guard` another (ratatui lends no access to its
/// backend's writer).
#[derive(Default, Clone)]
pub struct FrameOut(Arc<Mutex<Vec<u8>>>);

impl FrameOut {
    /// Writes what the frame wrote to the terminal at once.
    pub fn send(&self) -> io::Result<()> {
        let mut frame = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = io::stdout().lock();
        let result = out.write_all(&frame).and_then(|_| out.flush());
        frame.clear();
        result
    }
}

impl Write for FrameOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut frame = self.0.lock().unwrap_or_else(|p| p.into_inner());
        frame.extend_from_slice(buf);
        Ok(buf.len())
    }
    /// Held for `send`.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Owns the terminal while the UI runs; dropping it restores the terminal.
pub struct Guard {
    pub terminal: Term,
    /// The terminal's frame, sent once drawn.
    pub out: FrameOut,
    /// What the terminal said about itself, and keys typed while it did.
    pub probed: super::probe::Probed,
}

pub fn setup(mouse: bool) -> io::Result<Guard> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    MOUSE.store(mouse, Ordering::SeqCst);
    // Asked first, in raw mode, before crossterm reads the terminal.
    let probed = super::probe::outer_terminal(&super::input::tty()?);
    let mut out = io::stdout();
    let entered = execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        EnableFocusChange
    )
    .and_then(|_| {
        if mouse {
            execute!(out, EnableMouseCapture)
        } else {
            Ok(())
        }
    });
    if let Err(e) = entered {
        restore();
        return Err(e);
    }
    // Keep the terminal's own title (xterm's title stack), for `restore`:
    // sessions set theirs while shown.
    let _ = out.write_all(b"\x1b[22;0t").and_then(|_| out.flush());
    // A fixed viewport, resized by the UI as the terminal is: a full-screen
    // one asks the terminal for its size (opening /dev/tty) on every frame.
    let (cols, rows) = size()?;
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, cols, rows)),
    };
    let out = FrameOut::default();
    match Terminal::with_options(CrosstermBackend::new(out.clone()), options) {
        Ok(mut terminal) => {
            // Clears the screen and ratatui's idea of it; `clear` would first
            // ask the terminal where its cursor is and wait for the answer.
            let _ = terminal.resize(Rect::new(0, 0, cols, rows));
            let _ = out.send();
            Ok(Guard {
                terminal,
                out,
                probed,
            })
        }
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Turns off every mode sessui turned on and leaves the alternate screen.
/// Safe to call more than once.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = queue!(out, DisableMouseCapture);
    }
    let _ = queue!(
        out,
        EndSynchronizedUpdate,
        DisableFocusChange,
        DisableBracketedPaste,
        SetCursorStyle::DefaultUserShape,
        LeaveAlternateScreen,
        Show
    );
    // Attributes, keypad and cursor-key modes back to normal, and the
    // terminal's own title back.
    let _ = out.write_all(b"\x1b[0m\x1b>\x1b[?1l\x1b[23;0t");
    let _ = out.flush();
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic inside vt100 is caught and the emulator rebuilt: stay quiet.
        if crate::term::in_emulator() {
            tracing::warn!("terminal emulator panic (recovered): {info}");
            return;
        }
        tracing::error!("panic: {info}");
        restore();
        previous(info);
    }));
}

/// The terminal's size, asked of standard output, where frames go.
/// crossterm's `size` opens /dev/tty and closes it again each time: three
/// system calls at every tick of a UI left open all day. It remains the
/// fallback when standard output is not the terminal.
#[allow(unsafe_code)]
pub fn size() -> io::Result<(u16, u16)> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which
    // points at `ws` for the whole call.
    let asked = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    if asked == 0 && ws.ws_col > 0 && ws.ws_row > 0 {
        Ok((ws.ws_col, ws.ws_row))
    } else {
        crossterm::terminal::size()
    }
}
