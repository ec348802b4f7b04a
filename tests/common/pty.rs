//! The real `sessui` in a real PTY, read through a terminal emulator the way
//! a person at a terminal sees it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use sessui::testing::term::Emulator;

use super::{PATIENCE, Sandbox, bin, wait_until};

pub struct Tui {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<Emulator>>,
    /// Everything sessui wrote, for checks on the escape sequences themselves.
    raw: Arc<Mutex<Vec<u8>>>,
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
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(bin());
        cmd.args(args);
        cmd.env("SESSUI_HOME", &s.sessui_home);
        cmd.env("HOME", &s.home);
        cmd.env("SHELL", "/bin/bash");
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env_remove("XDG_RUNTIME_DIR");
        cmd.env_remove("SESSUI_SESSION");
        cmd.env_remove("TMUX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(&s.home);
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(Emulator::new(cols, rows, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (scr, rw) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        scr.lock().unwrap().process(&buf[..n]);
                        rw.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Tui {
            master: pair.master,
            writer,
            child,
            screen,
            raw,
        }
    }

    pub fn keys(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Types `text` then Enter, the way a person would, one key at a time.
    pub fn type_line(&mut self, text: &str) {
        self.keys(text);
        self.keys("\r");
    }

    pub fn screen(&self) -> String {
        self.screen.lock().unwrap().screen_text()
    }

    pub fn row(&self, n: u16) -> String {
        self.screen.lock().unwrap().row_text(n)
    }

    /// Waits until the screen shows `text`; panics with the screen if not.
    pub fn wait_for(&self, text: &str) -> String {
        let mut last = String::new();
        let ok = wait_until(PATIENCE, || {
            last = self.screen();
            last.contains(text)
        });
        assert!(ok, "'{text}' never appeared on screen:\n{last}");
        last
    }

    pub fn wait_gone(&self, text: &str) {
        let mut last = String::new();
        let ok = wait_until(PATIENCE, || {
            last = self.screen();
            !last.contains(text)
        });
        assert!(ok, "'{text}' never went away:\n{last}");
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&Emulator) -> T) -> T {
        f(&self.screen.lock().unwrap())
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.screen.lock().unwrap().resize(cols, rows);
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), sig).unwrap();
    }

    /// Waits for sessui to exit; returns whether it exited cleanly.
    pub fn wait_exit(&mut self) -> bool {
        let mut status = None;
        let ok = wait_until(PATIENCE, || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        assert!(ok, "sessui did not exit; screen:\n{}", self.screen());
        // Let the reader take the last bytes.
        std::thread::sleep(Duration::from_millis(50));
        status.is_some_and(|s| s.success())
    }

    /// The outer terminal is as sessui found it: main screen, cursor shown,
    /// no mouse, no bracketed paste, normal cursor keys.
    pub fn assert_terminal_restored(&self) {
        self.with_screen(|e| {
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
        });
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
