//! The client side of the SSH tests: sessui commands without a terminal or an
//! agent, managers in the test process, and waits on states and screens.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sessui::testing::config::Config;
use sessui::testing::host::ssh::SshFactory;
use sessui::testing::host::{Host, Local, Prompter};
use sessui::testing::manager::{CreateOpts, HostFactory, Manager};
use sessui::testing::store::{Status, Store};

use crate::common::{PATIENCE, Sandbox, bin, wait_until};
use crate::sshd::Sshd;

/// Settings that notice a dead link in seconds: keepalive every 1 s, 2 misses.
pub const FAST_KEEPALIVE: &str =
    "[ssh]\nkeepalive_interval = \"1s\"\nkeepalive_max = 2\nconnect_timeout = \"3s\"\n";

pub fn fast_config(sb: &Sandbox) -> Config {
    let mut c = Config::parse(FAST_KEEPALIVE).unwrap();
    c.ssh.config_file = sb.home.join(".ssh/config").display().to_string();
    c
}

/// A manager in the test process with SSH hosts, uploading the real binary.
pub fn ssh_manager(sb: &Sandbox, config: Config, prompter: Arc<dyn Prompter>) -> Manager {
    let paths = sb.paths();
    paths.create_all().unwrap();
    let local: Arc<dyn Host> =
        Arc::new(Local::new(paths.clone(), config.timeouts.job_backstop).with_exe(bin()));
    let factory: Arc<dyn HostFactory> =
        Arc::new(SshFactory::new(&paths, &config, prompter).with_exe(bin()));
    Manager::new(
        Store::open(&paths.db_file()).unwrap(),
        config,
        vec![local],
        Some(factory),
    )
    .unwrap()
}

/// The sessui command for this sandbox, with no ssh-agent in reach and no
/// controlling terminal (`setsid`), as in CI: a developer running the tests
/// in a terminal must not be asked about host keys.
pub fn sessui(sb: &Sandbox, args: &[&str]) -> Command {
    sessui_exe(sb, &bin(), args)
}

pub fn sessui_exe(sb: &Sandbox, exe: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("setsid");
    sb.apply_env(&mut cmd);
    cmd.arg("-w")
        .arg(exe)
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null());
    cmd
}

/// Output that a chatty `.bashrc` prints before anything we run, including a
/// prefix of the protocol's marker to trip a naive scanner.
pub const NOISY_BASHRC: &str = "echo 'Welcome! bashrc says hello'\nprintf '\\000SESS\\n'\n";

pub fn run_ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = sessui(sb, args).output().unwrap();
    assert!(
        out.status.success(),
        "sessui {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn run_fails(sb: &Sandbox, args: &[&str]) -> String {
    let out = sessui(sb, args).output().unwrap();
    assert!(
        !out.status.success(),
        "sessui {args:?} should fail; stdout {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

pub fn wait_screen(sb: &Sandbox, session: &str, text: &str) -> String {
    let mut last = String::new();
    let ok = wait_until(PATIENCE, || {
        let out = sessui(sb, &["capture", session, "--scrollback", "1000"])
            .output()
            .unwrap();
        last = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        last.contains(text)
    });
    assert!(ok, "'{text}' never appeared in {session}:\n{last}");
    last
}

/// A sandbox with a server, the client's ssh config naming it `box`, its key
/// trusted, our binary preinstalled there, and quick keepalives.
pub fn setup() -> (Sandbox, Sshd) {
    let sb = Sandbox::new();
    let sshd = Sshd::start(&sb);
    sshd.client_config(&sb, "box", true);
    sshd.preinstall();
    sb.write_config(FAST_KEEPALIVE);
    (sb, sshd)
}

/// sessui in a terminal `cols` wide, in a new session `far` on `box` whose
/// shell has answered a command.
pub fn far_on_box(sb: &Sandbox, cols: u16) -> crate::common::pty::Tui {
    let mut t = crate::common::pty::Tui::start_with(sb, &[], cols, 30, &[("SSH_AUTH_SOCK", "")]);
    t.wait_for("press n");
    t.keys("n");
    t.wait_for("New session");
    t.keys("far\tbox\r");
    t.wait_for(" far ");
    t.type_line("echo ready-$((40+2))");
    t.wait_for("ready-42");
    t
}

pub fn upload_count(sb: &Sandbox) -> usize {
    std::fs::read_to_string(sb.paths().log_dir().join("sessui.log"))
        .unwrap_or_default()
        .matches("uploaded sessui")
        .count()
}

/// `SHA256:...` of the server's host key, as ssh-keygen prints it.
pub fn fingerprint(sshd: &Sshd) -> String {
    let out = std::process::Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(sshd.dir.join("host.pub"))
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

/// Answers host-key questions as told and remembers them.
pub struct Recorder {
    pub answer: bool,
    pub asked: Mutex<Vec<(String, String, String)>>,
}

#[async_trait]
impl Prompter for Recorder {
    async fn confirm_host_key(&self, host: &str, key_type: &str, fingerprint: &str) -> bool {
        self.asked
            .lock()
            .unwrap()
            .push((host.into(), key_type.into(), fingerprint.into()));
        self.answer
    }
    async fn ask(&self, _: &str, _: &str, _: bool) -> Option<String> {
        None
    }
}

pub fn remote(host: &str) -> CreateOpts {
    CreateOpts {
        host: host.into(),
        cols: 80,
        rows: 24,
        ..Default::default()
    }
}

/// Waits until the session has `status`; returns how long that took.
pub async fn wait_status(mgr: &Manager, id: &str, status: Status, limit: Duration) -> Duration {
    let t = Instant::now();
    loop {
        let s = mgr.resolve(id).unwrap();
        if s.status == status {
            return t.elapsed();
        }
        assert!(
            t.elapsed() < limit,
            "session stayed {} (wanted {status})",
            s.status
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Captures (with history) until `text` shows; returns the capture.
pub async fn capture_until(mgr: &Manager, id: &str, text: &str) -> String {
    let t = Instant::now();
    let mut last = String::new();
    while t.elapsed() < PATIENCE {
        match mgr.capture(id, 1000, false).await {
            Ok(c) if c.contains(text) => return c,
            Ok(c) => last = c,
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("'{text}' never appeared:\n{last}");
}

/// An `ssh-agent` of the test's own, holding `key`; killed on drop.
pub struct Agent {
    child: std::process::Child,
    pub sock: std::path::PathBuf,
}

impl Agent {
    pub fn start(sb: &Sandbox, key: &std::path::Path) -> Agent {
        let sock = sb.dir.path().join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&sock)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        assert!(wait_until(PATIENCE, || sock.exists()));
        let ok = std::process::Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &sock)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "ssh-add failed");
        Agent { child, sock }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
