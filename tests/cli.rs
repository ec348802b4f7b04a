//! The command line as scripts and shells use it: the real binary, a real
//! SQLite file, real jobs; and `sessui attach` run from a real shell in a PTY.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use common::{PATIENCE, Sandbox, bin, wait_until};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use sessui::term::Emulator;

const CTRL_B: &str = "\x02";
const PROMPT: &str = "outer$ ";

/// A plain bash in a PTY, as a user's terminal tab: `sessui` is started from
/// it and must hand the terminal back as it found it.
struct Shell {
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<Emulator>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Shell {
    fn start(s: &Sandbox) -> Shell {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd: CommandBuilder = s.pty_command(std::path::Path::new("/bin/bash"));
        cmd.args(["--norc", "--noprofile", "-i"]);
        cmd.env("PS1", PROMPT);
        // Readline's own bracketed paste would hide whether sessui left it on.
        let inputrc = s.root().join("inputrc");
        std::fs::write(&inputrc, "set enable-bracketed-paste off\n").unwrap();
        cmd.env("INPUTRC", &inputrc);
        let dir = bin().parent().unwrap().to_path_buf();
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", dir.display()));
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(Emulator::new(100, 30, 0)));
        let scr = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    return;
                }
                scr.lock().unwrap().process(&buf[..n]);
            }
        });
        let sh = Shell {
            writer,
            child,
            screen,
            _master: pair.master,
        };
        sh.wait_for(PROMPT);
        sh
    }

    fn keys(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn screen(&self) -> String {
        self.screen.lock().unwrap().screen_text()
    }

    fn wait_for(&self, text: &str) -> String {
        let mut last = String::new();
        let ok = wait_until(PATIENCE, || {
            last = self.screen();
            last.contains(text)
        });
        assert!(ok, "'{text}' never appeared on screen:\n{last}");
        last
    }

    /// Waits for the view of `name` and for its shell to take commands.
    fn in_session(&mut self, name: &str) {
        self.wait_for(&format!(" {name} "));
        self.keys("echo ready-$((40+2))\r");
        self.wait_for("ready-42");
    }

    /// Back at the outer shell: sessui has gone, the prompt takes commands,
    /// and the terminal is on its main screen with every mode reset.
    fn assert_back_at_the_prompt(&mut self) {
        // A second prompt: sessui has exited and the shell reads again.
        let mut last = String::new();
        let back = wait_until(PATIENCE, || {
            last = self.screen();
            last.matches(PROMPT.trim_end()).count() >= 2
        });
        assert!(back, "the shell's prompt never came back:\n{last}");
        self.keys("echo outer-$((6*7))\r");
        let screen = self.wait_for("outer-42");
        assert!(screen.contains(PROMPT), "{screen}");
        assert!(
            !screen.contains("LAST ACTIVE"),
            "the list is showing:\n{screen}"
        );
        let e = self.screen.lock().unwrap();
        assert!(!e.alternate_screen(), "still on the alternate screen");
        assert!(!e.hide_cursor(), "cursor still hidden");
        let m = e.modes();
        // Readline turns bracketed paste on at its prompt, so that is not
        // sessui's to reset; it is off because the test's shell says so.
        assert!(!m.bracketed_paste, "bracketed paste still on");
        assert!(!m.application_cursor, "application cursor keys still on");
        assert_eq!(
            m.mouse,
            vt100::MouseProtocolMode::None,
            "mouse still captured"
        );
    }

    fn wait_gone(&self, text: &str) {
        let mut last = String::new();
        let ok = wait_until(PATIENCE, || {
            last = self.screen();
            !last.contains(text)
        });
        assert!(ok, "'{text}' never went away:\n{last}");
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn detach_after_attach_returns_to_the_shell_it_was_started_from() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "dev"]);
    let mut sh = Shell::start(&s);
    sh.keys("sessui attach dev\r");
    sh.in_session("dev");
    sh.keys(CTRL_B);
    sh.keys("d");
    sh.assert_back_at_the_prompt();
    // detached, not ended
    assert_eq!(s.session_json("dev")["state"], "running");
    assert_eq!(s.session_json("dev")["views"], 0);
}

#[test]
fn detach_after_new_attach_returns_to_the_shell_and_the_switcher_still_opens() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "other"]);
    let mut sh = Shell::start(&s);
    sh.keys("sessui new --name fresh --attach\r");
    sh.in_session("fresh");
    // the list is one key away
    sh.keys(CTRL_B);
    sh.keys("s");
    sh.wait_for("Switch session");
    sh.wait_for("other");
    sh.keys("\x1b");
    sh.wait_gone("Switch session");
    sh.keys(CTRL_B);
    sh.keys("d");
    sh.assert_back_at_the_prompt();
    assert_eq!(s.session_json("fresh")["state"], "running");
}
