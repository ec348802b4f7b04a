//! What every integration test needs: a private sessui home, the real binary,
//! and waits on visible events (a screen line, a state) with generous timeouts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sessui::config::Config;
use sessui::host::{Host, Local};
use sessui::manager::Manager;
use sessui::paths::Paths;
use sessui::store::Store;

/// Generous: CI machines are slow and loaded; a passing test never waits this long.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sessui"))
}

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub sessui_home: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("st")
            .tempdir_in("/tmp")
            .unwrap();
        let home = dir.path().join("home");
        let sessui_home = dir.path().join("s");
        std::fs::create_dir_all(&home).unwrap();
        // sessui refuses a home that others could write to or own; made
        // private as a user's own directories are.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&sessui_home)
            .unwrap();
        Sandbox {
            dir,
            home,
            sessui_home,
        }
    }

    pub fn paths(&self) -> Paths {
        Paths::under(&self.sessui_home)
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.sessui_home.join("config.toml"), text).unwrap();
    }

    /// The environment a user's terminal would give sessui, made private.
    pub fn apply_env(&self, cmd: &mut Command) {
        cmd.env("SESSUI_HOME", &self.sessui_home)
            .env("HOME", &self.home)
            .env("SHELL", "/bin/bash")
            .env("TERM", "xterm-256color")
            .env("LANG", "C.UTF-8")
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("SESSUI_SESSION")
            .env_remove("TMUX");
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        self.apply_env(&mut cmd);
        cmd.args(args).stdin(std::process::Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "sessui {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects failure with `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "sessui {args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    pub fn capture(&self, session: &str) -> String {
        self.ok(&["capture", session, "--scrollback", "10000"])
    }

    /// Waits until the session's screen (with history) contains `text`.
    pub fn wait_screen(&self, session: &str, text: &str) -> String {
        let mut last = String::new();
        let ok = wait_until(PATIENCE, || {
            let out = self.run(&["capture", session, "--scrollback", "10000"]);
            last = String::from_utf8_lossy(&out.stdout).to_string();
            last.contains(text)
        });
        assert!(ok, "'{text}' never appeared in {session}; screen:\n{last}");
        last
    }

    pub fn ls_json(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["ls", "--json"])).unwrap()
    }

    pub fn session_json(&self, name: &str) -> serde_json::Value {
        self.ls_json()
            .into_iter()
            .find(|s| s["name"] == name || s["id"] == name)
            .unwrap_or_else(|| panic!("no session {name}"))
    }

    /// A manager in this test process over the same database, starting jobs
    /// with the real binary.
    pub fn manager(&self, config: Config) -> Manager {
        let paths = self.paths();
        paths.create_all().unwrap();
        let local: Arc<dyn Host> =
            Arc::new(Local::new(paths.clone(), config.timeouts.job_backstop).with_exe(bin()));
        Manager::new(
            Store::open(&paths.db_file()).unwrap(),
            config,
            vec![local],
            None,
        )
        .unwrap()
    }

    /// Pids of the job processes this sandbox started, from their records.
    pub fn job_pids(&self) -> Vec<u32> {
        sessui::job::read_job_records(&self.paths().jobs_dir())
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.pid)
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for pid in self.job_pids() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Polls `f` until it is true or `limit` passes; the condition is an event a
/// user could see, the polling only how we notice it.
pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    f()
}

pub fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(true)
}

use sessui::host::JobConn;
use sessui::protocol::{ClientMsg, ExitInfo, HistoryLine, ServerMsg};
use sessui::term::{Emulator, Snapshot};

pub mod pty;

/// A view as the UI keeps one: a connection and an emulator fed from it.
pub struct TestView {
    pub conn: JobConn,
    pub emu: Emulator,
    pending_history: Vec<HistoryLine>,
    /// A `Lagged` came: the next snapshot adds to the history (protocol 2).
    resyncing: bool,
    pub exited: Option<ExitInfo>,
    pub closed: bool,
}

impl TestView {
    pub fn new(conn: JobConn) -> TestView {
        TestView {
            conn,
            emu: Emulator::new(80, 24, 10_000),
            resyncing: false,
            pending_history: Vec::new(),
            exited: None,
            closed: false,
        }
    }

    pub fn apply_msg(&mut self, msg: ServerMsg) {
        self.apply(msg);
    }

    fn apply(&mut self, msg: ServerMsg) {
        match msg {
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
                }
            }
            ServerMsg::Lagged { .. } => {
                self.resyncing = self.conn.version >= sessui::protocol::RESYNC_APPENDS;
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

pub fn now_ms() -> i64 {
    sessui::clock::now_millis()
}

/// The session's row as the database holds it (read-only, from the test).
pub fn db_row(s: &Sandbox, name: &str) -> sessui::store::SessionRow {
    let store = Store::open(&s.paths().db_file()).unwrap();
    store
        .list()
        .unwrap()
        .into_iter()
        .find(|r| r.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no session {name}"))
}
