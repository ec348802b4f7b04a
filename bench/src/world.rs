//! The programs under test, each in a private world: sessui with its own
//! `SESSUI_HOME`, tmux on its own socket with no config, and bare bash.
//! Every world cleans up after itself (jobs killed, tmux server stopped).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::term::Term;

/// The outer terminal every measurement uses, as the issue asks.
pub const COLS: u16 = 120;
pub const ROWS: u16 = 40;

/// Generous: a loaded 2-core machine is slow; a healthy run never waits this long.
pub const PATIENCE: Duration = Duration::from_secs(60);

static NEXT: AtomicU32 = AtomicU32::new(1);

/// A number no other marker in this run has, for `echo MARK-$((…))` probes.
pub fn unique() -> u32 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub use sessui_testkit::Sandbox;

/// Runs `cmd`; its stdout if it succeeded.
pub fn output(mut cmd: Command) -> Result<String, String> {
    let what = format!("{cmd:?}");
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Polls `f` until it is true or `limit` passes.
pub fn poll(limit: Duration, every: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(every);
    }
}

/// Types a command whose output only a live shell can produce, and waits for it.
pub fn ready(term: &mut Term) -> Result<(), String> {
    let n = unique();
    term.send(format!("echo READY-$((40+{n}))\r").as_bytes())?;
    term.wait_text(PATIENCE, &format!("READY-{}", 40 + n))?;
    Ok(())
}

/// `ready` for a program that drops what is typed before its pane's shell
/// is up (zellij): the probe is typed again every two seconds until one
/// comes back.
pub fn ready_retrying(term: &mut Term) -> Result<(), String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let n = unique();
        term.send(format!("echo READY-$((40+{n}))\r").as_bytes())?;
        match term.wait_text(Duration::from_secs(2), &format!("READY-{}", 40 + n)) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => {}
        }
    }
}

/// A sessui installation of its own.
pub struct Sessui {
    pub exe: PathBuf,
    pub sb: Sandbox,
    pub sessui_home: PathBuf,
}

impl Sessui {
    pub fn new(exe: &Path) -> Result<Sessui, String> {
        let sb = Sandbox::try_new()?;
        let sessui_home = sb.sessui_home.clone();
        Ok(Sessui {
            exe: exe.to_path_buf(),
            sb,
            sessui_home,
        })
    }

    pub fn paths(&self) -> sessui::testing::Paths {
        sessui::testing::Paths::under(&self.sessui_home)
    }

    pub fn write_config(&self, text: &str) -> Result<(), String> {
        std::fs::write(self.paths().config_file(), text).map_err(|e| e.to_string())
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.sb.command(&self.exe);
        cmd.env("SESSUI_HOME", &self.sessui_home).args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Result<String, String> {
        output(self.command(args))
    }

    /// The TUI (or any sessui command) in a PTY of the standard size.
    pub fn pty(&self, args: &[&str]) -> Result<Term, String> {
        let mut cmd = self.sb.pty_command(&self.exe);
        cmd.env("SESSUI_HOME", &self.sessui_home);
        cmd.args(args);
        Term::spawn("sessui", cmd, COLS, ROWS)
    }

    /// `sessui new --name NAME` run in a PTY of the attached view's size, so
    /// the job is born at the size a view would give it.
    pub fn new_session(&self, name: &str) -> Result<(), String> {
        let mut cmd = self.sb.pty_command(&self.exe);
        cmd.env("SESSUI_HOME", &self.sessui_home);
        cmd.args(["new", "--name", name]);
        let mut term = Term::spawn("sessui new", cmd, COLS, ROWS - 1)?;
        if term.wait_exit(PATIENCE)? {
            Ok(())
        } else {
            Err(format!(
                "sessui new --name {name} failed:\n{}",
                term.screen()
            ))
        }
    }

    /// Waits until `sessui capture` of `session` shows `text`; returns the capture.
    pub fn wait_capture(&self, session: &str, text: &str) -> Result<String, String> {
        let mut last = String::new();
        let ok = poll(PATIENCE, Duration::from_millis(50), || {
            last = self.run(&["capture", session]).unwrap_or_default();
            last.contains(text)
        });
        if ok {
            Ok(last)
        } else {
            Err(format!(
                "'{text}' never showed in session {session}:\n{last}"
            ))
        }
    }

    /// Pids of this installation's live job processes, from their records
    /// (the sandbox stops them when dropped).
    pub fn job_pids(&self) -> Vec<u32> {
        self.sb
            .job_pids()
            .into_iter()
            .filter(|&p| Path::new(&format!("/proc/{p}")).exists())
            .collect()
    }
}

/// A tmux server of its own: private socket, no config file.
pub struct Tmux {
    pub sb: Sandbox,
    socket: String,
}

impl Tmux {
    pub fn installed() -> bool {
        Command::new("tmux")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    pub fn version() -> Option<String> {
        let out = Command::new("tmux").arg("-V").output().ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn new() -> Result<Tmux, String> {
        Ok(Tmux {
            sb: Sandbox::try_new()?,
            socket: format!("sessui-bench-{}-{}", std::process::id(), unique()),
        })
    }

    fn base(&self) -> Vec<String> {
        vec![
            "-L".into(),
            self.socket.clone(),
            "-f".into(),
            "/dev/null".into(),
        ]
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.sb.command(Path::new("tmux"));
        cmd.args(self.base()).args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Result<String, String> {
        output(self.command(args))
    }

    /// A tmux client in a PTY of the standard size (UTF-8 forced, as a
    /// UTF-8 terminal would have it).
    pub fn pty(&self, args: &[&str]) -> Result<Term, String> {
        let mut cmd = self.sb.pty_command(Path::new("tmux"));
        cmd.args(self.base());
        cmd.arg("-u");
        cmd.args(args);
        Term::spawn("tmux", cmd, COLS, ROWS)
    }

    pub fn server_pid(&self) -> Option<u32> {
        self.run(&["display-message", "-p", "#{pid}"])
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    pub fn capture(&self, target: &str) -> Result<String, String> {
        self.run(&["capture-pane", "-p", "-t", target])
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .command(&["kill-server"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The first line `program arg` prints, if it runs and succeeds.
fn version_of(program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program).arg(arg).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Ends every process whose command line names `sb`'s directory: what a
/// peer left behind of its sessions (their shells run with that HOME).
fn end_processes_of(sb: &Sandbox) {
    let home = sb.root().to_string_lossy().into_owned();
    let _ = Command::new("pkill")
        .args(["-f", "-9", "--", &home])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A shpool daemon of its own (socket and config in a sandbox), measured
/// when `shpool` is on PATH: no prompt prefix, no message of the day, so
/// its shell shows what bash shows.
pub struct Shpool {
    pub sb: Sandbox,
    socket: PathBuf,
    config: PathBuf,
    daemon: std::process::Child,
}

impl Shpool {
    /// `shpool version`'s answer, if shpool is installed.
    pub fn version() -> Option<String> {
        version_of("shpool", "version")
    }

    pub fn new() -> Result<Shpool, String> {
        let sb = Sandbox::try_new()?;
        let socket = sb.root().join("shpool.sock");
        let config = sb.root().join("shpool.toml");
        std::fs::write(&config, "prompt_prefix = \"\"\nmotd = \"never\"\n")
            .map_err(|e| format!("shpool config: {e}"))?;
        let mut cmd = sb.command(Path::new("shpool"));
        cmd.arg("--config-file")
            .arg(&config)
            .arg("--socket")
            .arg(&socket)
            .arg("daemon")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let daemon = cmd.spawn().map_err(|e| format!("shpool daemon: {e}"))?;
        let shpool = Shpool {
            sb,
            socket,
            config,
            daemon,
        };
        if !poll(PATIENCE, Duration::from_millis(20), || {
            shpool.socket.exists()
        }) {
            return Err("shpool: the daemon never made its socket".into());
        }
        Ok(shpool)
    }

    /// `shpool attach NAME` in a PTY of the standard size: the session is
    /// made on first attach.
    pub fn pty(&self, name: &str) -> Result<Term, String> {
        let mut cmd = self.sb.pty_command(Path::new("shpool"));
        cmd.arg("--config-file");
        cmd.arg(&self.config);
        cmd.arg("--socket");
        cmd.arg(&self.socket);
        cmd.args(["attach", name]);
        Term::spawn("shpool", cmd, COLS, ROWS)
    }
}

impl Drop for Shpool {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        // The sessions' shells were the daemon's children.
        end_processes_of(&self.sb);
    }
}

/// A zellij of its own, measured when `zellij` is on PATH: config, data
/// and socket directories in a sandbox, the compact layout (one status
/// row), no pane frames, no tips or release notes, bash as its shell.
pub struct Zellij {
    pub sb: Sandbox,
    config: PathBuf,
    sockets: PathBuf,
}

impl Zellij {
    /// `zellij --version`'s answer, if zellij is installed.
    pub fn version() -> Option<String> {
        version_of("zellij", "--version")
    }

    pub fn new() -> Result<Zellij, String> {
        let sb = Sandbox::try_new()?;
        let config = sb.root().join("zellij-config");
        let sockets = sb.root().join("zellij-sockets");
        for dir in [&config, &sockets] {
            std::fs::create_dir_all(dir).map_err(|e| format!("zellij dirs: {e}"))?;
        }
        std::fs::write(
            config.join("config.kdl"),
            "default_shell \"/bin/bash\"\n\
             default_layout \"compact\"\n\
             pane_frames false\n\
             show_startup_tips false\n\
             show_release_notes false\n\
             session_serialization false\n",
        )
        .map_err(|e| format!("zellij config: {e}"))?;
        Ok(Zellij {
            sb,
            config,
            sockets,
        })
    }

    fn env(&self) -> [(&'static str, &Path); 2] {
        [
            ("ZELLIJ_CONFIG_DIR", self.config.as_path()),
            ("ZELLIJ_SOCKET_DIR", self.sockets.as_path()),
        ]
    }

    /// A new zellij session named `name`, attached in a PTY of the standard size.
    pub fn pty(&self, name: &str) -> Result<Term, String> {
        let mut cmd = self.sb.pty_command(Path::new("zellij"));
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.args(["--session", name]);
        Term::spawn("zellij", cmd, COLS, ROWS)
    }
}

impl Drop for Zellij {
    fn drop(&mut self) {
        let mut cmd = self.sb.command(Path::new("zellij"));
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        let _ = cmd
            .args(["kill-all-sessions", "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        end_processes_of(&self.sb);
    }
}

/// bash straight in a PTY: the reference for what the machine can do.
pub fn bare_bash(sb: &Sandbox) -> Result<Term, String> {
    let mut cmd = sb.pty_command(Path::new("/bin/bash"));
    cmd.arg("--login");
    Term::spawn("bare", cmd, COLS, ROWS)
}
