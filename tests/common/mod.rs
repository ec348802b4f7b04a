//! What every integration test needs: a private sessui home, the real binary,
//! and waits on visible events (a screen line, a state) with generous timeouts.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use sessui::testing::store::Store;

pub use sessui_testkit::{PATIENCE, Sandbox, bin, pid_alive, wait_until};

use sessui::testing::host::JobConn;
use sessui::testing::protocol::{ClientMsg, ExitInfo, HistoryLine, ServerMsg};
use sessui::testing::term::{Emulator, Snapshot};

pub mod pty;

/// A view as the UI keeps one: a connection and an emulator fed from it.
pub struct TestView {
    pub conn: JobConn,
    pub emu: Emulator,
    pending_history: Vec<HistoryLine>,
    /// A `Lagged` came: the next snapshot adds to the history (protocol 2).
    resyncing: bool,
    /// History following the screen goes in here (protocol 7).
    older_at: Option<usize>,
    pub exited: Option<ExitInfo>,
    pub closed: bool,
}

impl TestView {
    pub fn new(conn: JobConn) -> TestView {
        TestView {
            conn,
            emu: Emulator::new(80, 24, 10_000),
            resyncing: false,
            older_at: None,
            pending_history: Vec::new(),
            exited: None,
            closed: false,
        }
    }

    pub fn apply_msg(&mut self, msg: ServerMsg) {
        self.apply(msg);
    }

    fn apply(&mut self, msg: ServerMsg) {
        let older_at = self.older_at.take();
        match msg {
            ServerMsg::History { lines } if older_at.is_some() => {
                let at = older_at.unwrap_or(0);
                self.older_at = Some(self.emu.insert_older_history(at, lines));
            }
            ServerMsg::History { lines } => self.pending_history.extend(lines),
            ServerMsg::Screen {
                cols,
                rows,
                state,
                title,
            } => {
                let snap = Snapshot {
                    history: std::mem::take(&mut self.pending_history),
                    cols,
                    rows,
                    state,
                    title,
                };
                if std::mem::take(&mut self.resyncing) {
                    self.emu.load_snapshot_after(snap);
                } else {
                    self.emu.load_snapshot(snap);
                    let screen_first = self.conn.version >= sessui::testing::protocol::SCREEN_FIRST;
                    self.older_at = screen_first.then_some(0);
                }
            }
            ServerMsg::Lagged { .. } => {
                self.resyncing = self.conn.version >= sessui::testing::protocol::RESYNC_APPENDS;
            }
            ServerMsg::Output(bytes) => self.emu.process(&bytes),
            ServerMsg::Resized { cols, rows } => self.emu.resize(cols, rows),
            ServerMsg::Exited(exit) => self.exited = Some(exit),
            _ => {}
        }
    }

    /// Applies messages until `f` holds for the screen, or PATIENCE passes.
    pub async fn until(&mut self, f: impl Fn(&Emulator) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if f(&self.emu) {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.conn.recv()).await {
                Ok(Some(msg)) => self.apply(msg),
                Ok(None) => {
                    self.closed = true;
                    return f(&self.emu);
                }
                Err(_) => return false,
            }
        }
    }

    /// Reads until `text` shows (a view that fell behind catching up);
    /// returns the bytes each lag notice on the way said were dropped.
    pub async fn catch_up(&mut self, text: &str) -> Vec<u64> {
        let mut lags = Vec::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !self.emu.screen_text().contains(text) {
            let msg = tokio::time::timeout_at(deadline, self.conn.recv())
                .await
                .expect("the view never caught up")
                .expect("the connection closed");
            if let ServerMsg::Lagged { dropped_bytes } = &msg {
                lags.push(*dropped_bytes);
            }
            self.apply(msg);
        }
        lags
    }

    /// Waits for `text` on the screen; panics with the screen if it never comes.
    pub async fn expect(&mut self, text: &str) {
        let ok = self.until(|e| e.screen_text().contains(text)).await;
        assert!(
            ok,
            "'{text}' never appeared; screen:\n{}",
            self.emu.screen_text()
        );
    }

    /// Waits until the shell reads commands (prompts differ; an echo does not).
    pub async fn ready(&mut self) {
        self.type_text("echo sessui-ready-$((40+2))\r").await;
        self.expect("sessui-ready-42").await;
    }

    pub async fn type_text(&self, text: &str) {
        self.conn
            .send(ClientMsg::Input(text.as_bytes().to_vec()))
            .await
            .unwrap();
    }

    /// Takes everything already sent (a ping marks the end).
    pub async fn settle(&mut self) {
        self.conn.send(ClientMsg::Ping(7)).await.unwrap();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, self.conn.recv()).await {
            if msg == ServerMsg::Pong(7) {
                return;
            }
            self.apply(msg);
        }
    }
}

/// Two emulators show the same: every cell, the cursor, the input modes.
pub fn assert_same_screen(a: &Emulator, b: &Emulator) {
    assert_eq!(a.size(), b.size(), "size");
    let (cols, rows) = a.size();
    for r in 0..rows {
        for c in 0..cols {
            assert_eq!(
                a.cell(r, c),
                b.cell(r, c),
                "cell at row {r} col {c}\nA:\n{}\nB:\n{}",
                a.screen_text(),
                b.screen_text()
            );
        }
    }
    assert_eq!(a.cursor_position(), b.cursor_position(), "cursor");
    assert_eq!(a.hide_cursor(), b.hide_cursor(), "cursor visibility");
    assert_eq!(a.modes(), b.modes(), "input modes");
    assert_eq!(
        a.alternate_screen(),
        b.alternate_screen(),
        "alternate screen"
    );
}

/// Damages the table that holds the sessions (not the file's header), as a
/// bad disk or an interrupted copy would: the file opens, reading fails.
pub fn corrupt_pages(db: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let (root, page_size) = {
        let c = rusqlite::Connection::open(db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let root: i64 = c
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'sessions'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        (root, size)
    };
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start(((root - 1) * page_size) as u64))
        .unwrap();
    f.write_all(&vec![0xA5; page_size as usize]).unwrap();
}

/// Runs, with `sh`, the command a message tells the user to run (what
/// follows "run: ", to the end of its line); panics if there is none or it fails.
pub fn run_what_it_says(message: &str) {
    let command = message
        .split("run: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no command to run in: {message}"));
    let status = Command::new("sh").args(["-c", command]).status().unwrap();
    assert!(status.success(), "`{command}` failed");
}

/// Runs `sessui <args>` on a terminal of its own (a PTY made by `script`),
/// with no SSH agent, typing `typed` into it: how a person answers the
/// questions the command line asks on its terminal.
pub fn on_a_terminal(s: &Sandbox, args: &str, typed: &str) -> std::process::Output {
    use std::io::Write;
    let mut cmd = Command::new("script");
    s.apply_env(&mut cmd);
    cmd.env_remove("SSH_AUTH_SOCK")
        .args(["-q", "-e", "-c"])
        .arg(format!("{} {args}", bin().display()))
        .arg("/dev/null")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(typed.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap()
}

pub fn now_ms() -> i64 {
    sessui::testing::now_millis()
}

/// The session's row as the database holds it (read-only, from the test).
pub fn db_row(s: &Sandbox, name: &str) -> sessui::testing::store::SessionRow {
    let store = Store::open(&s.paths().db_file()).unwrap();
    store
        .list()
        .unwrap()
        .into_iter()
        .find(|r| r.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no session {name}"))
}
