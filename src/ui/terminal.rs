//! Taking over the terminal and giving it back exactly as found: on quit, on
//! error, on panic, and on SIGTERM/SIGHUP (LESSONS 13).

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

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
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Set while the terminal is ours; the panic hook restores only then.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Frames go out whole: std's stdout would split each into ~1 KiB writes,
/// and a terminal may show the halves.
pub type Term = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

const FRAME_BUFFER: usize = 256 << 10;

/// Owns the terminal while the UI runs; dropping it restores the terminal.
pub struct Guard {
    pub terminal: Term,
}

pub fn setup(mouse: bool) -> io::Result<Guard> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    MOUSE.store(mouse, Ordering::SeqCst);
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
    match Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
        FRAME_BUFFER,
        io::stdout(),
    ))) {
        Ok(mut terminal) => {
            let _ = terminal.clear();
            Ok(Guard { terminal })
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
    // Attributes, keypad and cursor-key modes back to normal.
    let _ = out.write_all(b"\x1b[0m\x1b>\x1b[?1l");
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
