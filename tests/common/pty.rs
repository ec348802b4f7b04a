//! The real `sessui` in a real PTY, read through a terminal emulator the way
//! a person at a terminal sees it: the test kit's terminal, with waits that
//! fail the test with the screen in the message.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::time::Duration;

use sessui::testing::term::Emulator;
pub use sessui_testkit::pty::{Model, OnDrop, Options, Terminal, near_cursor, row_text};

use super::{PATIENCE, Sandbox, bin, wait_until};

/// The prefix key sessui binds by default.
pub const CTRL_B: &str = "\x02";

/// How long the reader may take to see the PTY close after sessui exits.
const LAST_BYTES: Duration = Duration::from_secs(2);

/// sessui in a terminal. Derefs to the kit's `Terminal` for its timed and
/// probe-based waits.
pub struct Tui {
    term: Terminal,
}

impl Tui {
    pub fn start(s: &Sandbox, args: &[&str], cols: u16, rows: u16) -> Tui {
        Tui::start_with(s, args, cols, rows, &[])
    }

    pub fn start_with(
        s: &Sandbox,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Tui {
        let mut cmd = s.pty_command(&bin());
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Tui {
            term: terminal("sessui", cmd, cols, rows),
        }
    }

    pub fn keys(&mut self, bytes: &str) {
        self.term.send(bytes.as_bytes()).unwrap();
    }

    /// Types `text` then Enter, the way a person would, one key at a time.
    pub fn type_line(&mut self, text: &str) {
        self.keys(text);
        self.keys("\r");
    }

    pub fn row(&self, n: u16) -> String {
        self.term.with_screen(|e| e.row_text(n))
    }

    /// Waits until the screen shows `text`; panics with the screen if not.
    pub fn wait_for(&self, text: &str) -> String {
        wait_for(&self.term, text)
    }

    pub fn wait_gone(&self, text: &str) {
        wait_gone(&self.term, text);
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.term.raw()
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.term.resize(cols, rows).unwrap();
    }

    pub fn pid(&self) -> u32 {
        self.term.pid().unwrap()
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        self.term.signal(sig).unwrap();
    }

    /// Waits for sessui to exit; returns whether it exited cleanly.
    pub fn wait_exit(&mut self) -> bool {
        let clean = self.term.wait_exit(PATIENCE).unwrap();
        self.term.wait_closed(LAST_BYTES);
        clean
    }

    /// The outer terminal is as sessui found it: main screen, cursor shown,
    /// no mouse, no bracketed paste, normal cursor keys.
    pub fn assert_terminal_restored(&self) {
        self.with_screen(assert_modes_reset);
    }
}

impl Deref for Tui {
    type Target = Terminal;
    fn deref(&self) -> &Terminal {
        &self.term
    }
}

impl DerefMut for Tui {
    fn deref_mut(&mut self) -> &mut Terminal {
        &mut self.term
    }
}

/// A terminal for a test: it keeps every byte, answers no queries (the
/// program sees a terminal that stays silent) and kills the program when the
/// test ends.
pub fn terminal(name: &str, cmd: portable_pty::CommandBuilder, cols: u16, rows: u16) -> Terminal {
    let options = Options {
        answer_queries: false,
        keep_raw: true,
        on_drop: OnDrop::Kill,
        ..Options::new(cols, rows)
    };
    Terminal::start(name, cmd, Emulator::new(cols, rows, 0), options).unwrap()
}

/// `program` with `args` in the sandbox's environment, in a test terminal.
pub fn program(s: &Sandbox, program: &str, args: &[&str], cols: u16, rows: u16) -> Terminal {
    let mut cmd = s.pty_command(Path::new(program));
    cmd.args(args);
    terminal(program, cmd, cols, rows)
}

/// Waits until `t` shows `text`; panics with the screen if not.
pub fn wait_for(t: &Terminal, text: &str) -> String {
    // Polled, not woken per read: tests written against a 25 ms look act
    // on what a person could have seen by then.
    let mut last = String::new();
    let shown = wait_until(PATIENCE, || {
        last = t.screen();
        last.contains(text)
    });
    assert!(shown, "'{text}' never appeared on screen:\n{last}");
    last
}

/// Waits for the attached view of `name` (its status line) and for its
/// shell to take commands.
pub fn in_session(t: &mut Tui, name: &str) {
    view_ready(&t.term, name);
}

/// As `in_session`, for sessui started some other way (from a shell).
pub fn view_ready(t: &Terminal, name: &str) {
    wait_for(t, &format!(" {name} "));
    t.send(b"echo ready-$((40+2))\r").unwrap();
    wait_for(t, "ready-42");
}

/// Waits until `text` has gone from `t`'s screen; panics with it if not.
pub fn wait_gone(t: &Terminal, text: &str) {
    let mut last = String::new();
    let gone = wait_until(PATIENCE, || {
        last = t.screen();
        !last.contains(text)
    });
    assert!(gone, "'{text}' never went away:\n{last}");
}

/// Main screen, cursor shown, no mouse, no bracketed paste, normal cursor keys.
pub fn assert_modes_reset(e: &Emulator) {
    assert!(!e.alternate_screen(), "still on the alternate screen");
    assert!(!e.hide_cursor(), "cursor still hidden");
    let m = e.modes();
    assert!(!m.bracketed_paste, "bracketed paste still on");
    assert!(!m.application_cursor, "application cursor keys still on");
    assert_eq!(
        m.mouse,
        vt100::MouseProtocolMode::None,
        "mouse still captured"
    );
}
