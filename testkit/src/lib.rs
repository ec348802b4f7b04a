//! What sessui's integration tests and its benchmark share: a private
//! sandbox (home, sessui home, environment) around the real binary, a real
//! PTY read through a terminal model (`pty`), and waits on visible events
//! with generous timeouts. Dev-only: never shipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::new_without_default)]

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sessui::testing::Paths;
use sessui::testing::config::Config;
use sessui::testing::host::{Host, Local};
use sessui::testing::manager::Manager;
use sessui::testing::store::Store;

pub mod pty;

/// Generous: CI machines are slow and loaded; a passing test never waits this long.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The `sessui` binary under test: `SESSUI_BIN` if set, else the one cargo
/// built beside the running test or benchmark (`target/<profile>/sessui`).
pub fn bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SESSUI_BIN") {
        return PathBuf::from(p);
    }
    let me = std::env::current_exe().expect("the running program's path");
    let mut dir = me.parent().expect("a directory").to_path_buf();
    // Test binaries live in target/<profile>/deps.
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join("sessui")
}

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub sessui_home: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox::try_new().expect("a private sandbox under /tmp")
    }

    /// As `new`, saying why it could not be made (for the benchmark).
    pub fn try_new() -> Result<Sandbox, String> {
        let made = Sandbox::make();
        made.map_err(|e| format!("making a sandbox under /tmp: {e}"))
    }

    fn make() -> std::io::Result<Sandbox> {
        let dir = tempfile::Builder::new().prefix("st").tempdir_in("/tmp")?;
        let home = dir.path().join("home");
        let sessui_home = dir.path().join("s");
        std::fs::create_dir_all(&home)?;
        // sessui refuses a home that others could write to or own; made
        // private as a user's own directories are.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&sessui_home)?;
        Ok(Sandbox {
            dir,
            home,
            sessui_home,
        })
    }

    /// The sandbox's own directory (short: unix socket paths are limited).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn paths(&self) -> Paths {
        Paths::under(&self.sessui_home)
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.sessui_home.join("config.toml"), text).unwrap();
    }

    /// The environment a user's terminal would give, made private.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("SESSUI_HOME", self.sessui_home.clone()),
            ("HOME", self.home.clone()),
            ("SHELL", "/bin/bash".into()),
            ("TERM", "xterm-256color".into()),
            ("LANG", "C.UTF-8".into()),
        ]
    }

    /// Left out of that environment: the developer's own sessui, tmux and
    /// shell settings would leak into what is measured or checked.
    pub const UNSET: &'static [&'static str] = &[
        "XDG_RUNTIME_DIR",
        "SESSUI_SESSION",
        "TMUX",
        "TMUX_PANE",
        "LC_ALL",
        "PROMPT_COMMAND",
    ];

    /// The environment a user's terminal would give sessui, made private.
    pub fn apply_env(&self, cmd: &mut Command) {
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        for k in Self::UNSET {
            cmd.env_remove(k);
        }
    }

    /// `program` in this sandbox's environment, started in its home.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        self.apply_env(&mut cmd);
        cmd.current_dir(&self.home)
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// `program` in this sandbox's environment, for a PTY.
    pub fn pty_command(&self, program: &Path) -> portable_pty::CommandBuilder {
        let mut cmd = portable_pty::CommandBuilder::new(program);
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        for k in Self::UNSET {
            cmd.env_remove(k);
        }
        cmd.cwd(&self.home);
        cmd
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
        sessui::testing::job::read_job_records(&self.paths().jobs_dir())
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
