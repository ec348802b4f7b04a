//! A private OpenSSH server per test: host and user keys made with
//! `ssh-keygen` in the test's temp dir, `sshd -D -e` on a free port of
//! 127.0.0.1 (or inside a network namespace the test made), and a remote
//! `$HOME` inside the temp dir too (`SetEnv HOME=`), so nothing outside it changes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::{PATIENCE, Sandbox, bin, wait_until};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    pub dir: PathBuf,
    pub addr: String,
    pub port: u16,
    /// The remote side's `$HOME`.
    pub remote_home: PathBuf,
    pub user_key: PathBuf,
    pub host_key_pub: String,
    child: Option<Child>,
    netns: Option<String>,
}

/// A passphrase-less ed25519 key pair at `path` and `path.pub`.
pub fn keygen(path: &Path) {
    keygen_type(path, "ed25519");
}

/// A passphrase-less key pair of `kind` (`ed25519`, `ecdsa`, `rsa`).
pub fn keygen_type(path: &Path, kind: &str) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", "", "-f"])
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen failed");
}

/// `type base64` of a public key file, as known_hosts holds it.
pub fn pub_blob(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sshd {
    /// An sshd on 127.0.0.1 for this sandbox.
    pub fn start(sb: &Sandbox) -> Sshd {
        Sshd::start_at(sb, "127.0.0.1", free_port(), None, "", "")
    }

    /// An sshd with host keys of these types only (`ecdsa`, `ed25519`,
    /// `rsa`), the first one in `host`/`host.pub` (what `trust` records),
    /// the others in `host-<type>`; `extra` goes into sshd_config.
    pub fn start_with_host_keys(sb: &Sandbox, kinds: &[&str], extra: &str) -> Sshd {
        let dir = sb.dir.path().join("sshd");
        std::fs::create_dir_all(&dir).unwrap();
        let mut lines = String::new();
        for (i, kind) in kinds.iter().enumerate() {
            let name = if i == 0 {
                "host".to_string()
            } else {
                format!("host-{kind}")
            };
            keygen_type(&dir.join(&name), kind);
            lines.push_str(&format!("HostKey {}\n", dir.join(&name).display()));
        }
        Sshd::start_at(
            sb,
            "127.0.0.1",
            free_port(),
            None,
            "",
            &format!("{lines}{extra}"),
        )
    }

    /// As `start`, with more `NAME=VALUE` pairs in the sessions' environment.
    pub fn start_with_env(sb: &Sandbox, env: &str) -> Sshd {
        Sshd::start_at(sb, "127.0.0.1", free_port(), None, env, "")
    }

    /// As `start`, with more lines in sshd_config.
    pub fn start_with_config(sb: &Sandbox, extra: &str) -> Sshd {
        Sshd::start_at(sb, "127.0.0.1", free_port(), None, "", extra)
    }

    /// An sshd listening on `addr` inside network namespace `netns`.
    pub fn start_in(sb: &Sandbox, netns: &str, addr: &str) -> Sshd {
        Sshd::start_at(sb, addr, 2222, Some(netns.to_string()), "", "")
    }

    fn start_at(
        sb: &Sandbox,
        addr: &str,
        port: u16,
        netns: Option<String>,
        env: &str,
        extra: &str,
    ) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} missing: tests/run-all.sh installs openssh-server"
        );
        let dir = sb.dir.path().join("sshd");
        let remote_home = sb.dir.path().join("r");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&remote_home).unwrap();
        // Host keys chosen by the caller come first in the config (sshd
        // takes every HostKey line; the default key is only for the rest).
        let own_host_keys = extra.contains("HostKey ");
        if !own_host_keys {
            keygen(&dir.join("host"));
        }
        keygen(&dir.join("user"));
        std::fs::copy(dir.join("user.pub"), dir.join("authorized_keys")).unwrap();
        let host_key_pub = std::fs::read_to_string(dir.join("host.pub"))
            .unwrap()
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let host_key_line = if own_host_keys {
            String::new()
        } else {
            format!("HostKey {}/host\n", dir.display())
        };
        let config = format!(
            "Port {port}\nListenAddress {addr}\n{host_key_line}AuthorizedKeysFile {d}/authorized_keys\n\
             StrictModes no\nUsePAM no\nPidFile {d}/sshd.pid\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             SetEnv HOME={home} {env}\nLogLevel VERBOSE\nMaxStartups 100\n{extra}\n",
            d = dir.display(),
            home = remote_home.display()
        );
        std::fs::write(dir.join("sshd_config"), config).unwrap();
        let mut s = Sshd {
            dir,
            addr: addr.to_string(),
            port,
            remote_home,
            user_key: PathBuf::new(),
            host_key_pub,
            child: None,
            netns,
        };
        s.user_key = s.dir.join("user");
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        std::fs::write(self.dir.join("sshd.log"), "").unwrap();
        self.spawn_after(0);
    }

    /// Starts the server again on the same port (after `stop`).
    pub fn restart(&mut self) {
        let log = self.dir.join("sshd.log");
        let before = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("Server listening")
            .count();
        self.spawn_after(before);
    }

    fn spawn_after(&mut self, before: usize) {
        let log_path = self.dir.join("sshd.log");
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(&log_path)
            .unwrap();
        let mut cmd = match &self.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, SSHD]);
                c
            }
            None => Command::new(SSHD),
        };
        cmd.args(["-D", "-e", "-f"])
            .arg(self.dir.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        self.child = Some(cmd.spawn().unwrap());
        let up = wait_until(PATIENCE, || {
            std::fs::read_to_string(&log_path)
                .map(|l| l.matches("Server listening").count() > before)
                .unwrap_or(false)
        });
        assert!(up, "sshd did not restart");
    }

    /// The listener and every connection it serves, gone.
    pub fn stop(&mut self) {
        self.kill_connections();
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn listener_pid(&self) -> Option<u32> {
        let pid = self.child.as_ref()?.id();
        // Under `ip netns exec` the listener is the exec'd sshd itself (same pid).
        Some(pid)
    }

    /// Kills the processes serving connections (and their sessions' helper
    /// processes, not the detached jobs): the client sees its link cut.
    /// Returns how many were killed.
    pub fn kill_connections(&self) -> usize {
        let Some(listener) = self.listener_pid() else {
            return 0;
        };
        let victims = descendants(listener);
        for pid in &victims {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(*pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        victims.len()
    }

    /// Stops (or continues) every process serving a connection, as a host
    /// that hangs would: nothing answers, nothing closes. Jobs are detached
    /// and keep running. Returns how many were signalled.
    pub fn freeze_connections(&self, frozen: bool) -> usize {
        let Some(listener) = self.listener_pid() else {
            return 0;
        };
        let signal = if frozen {
            nix::sys::signal::Signal::SIGSTOP
        } else {
            nix::sys::signal::Signal::SIGCONT
        };
        let victims = descendants(listener);
        for pid in &victims {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(*pid as i32), signal);
        }
        victims.len()
    }

    /// `sessui agent attach` bridges running for this server's sessions.
    pub fn bridges(&self) -> usize {
        let Some(listener) = self.listener_pid() else {
            return 0;
        };
        descendants(listener)
            .into_iter()
            .filter(|p| {
                std::fs::read(format!("/proc/{p}/cmdline"))
                    .map(|c| {
                        let words: Vec<&[u8]> = c.split(|b| *b == 0).collect();
                        words
                            .windows(2)
                            .any(|w| w[0] == b"agent" && w[1] == b"attach")
                    })
                    .unwrap_or(false)
            })
            .count()
    }

    /// Connections open now (per-connection sshd processes).
    pub fn connections(&self) -> usize {
        self.listener_pid().map(|p| children(p).len()).unwrap_or(0)
    }

    /// `~/.ssh/config` for the client with `alias` pointing here, and the
    /// host key in `known_hosts` unless `trust` is false.
    pub fn client_config(&self, sb: &Sandbox, alias: &str, trust: bool) {
        let ssh = sb.home.join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::write(
            ssh.join("config"),
            self.host_block(sb, alias, &self.user_key),
        )
        .unwrap();
        if trust {
            self.trust(sb);
        }
    }

    pub fn host_block(&self, sb: &Sandbox, alias: &str, key: &Path) -> String {
        format!(
            "Host {alias}\n  HostName {}\n  Port {}\n  User root\n  IdentityFile {}\n  \
             IdentitiesOnly yes\n  UserKnownHostsFile {}\n",
            self.addr,
            self.port,
            key.display(),
            self.known_hosts(sb).display()
        )
    }

    pub fn known_hosts(&self, sb: &Sandbox) -> PathBuf {
        sb.home.join(".ssh/known_hosts")
    }

    /// The known_hosts line for this server, as OpenSSH writes it.
    pub fn known_hosts_line(&self) -> String {
        format!("[{}]:{} {}", self.addr, self.port, self.host_key_pub)
    }

    pub fn trust(&self, sb: &Sandbox) {
        std::fs::write(self.known_hosts(sb), self.known_hosts_line() + "\n").unwrap();
    }

    /// Our binary, installed on the remote side as a deployment would, for
    /// tests about something else than deployment (uploading 80 MB each time
    /// would be most of their run time).
    pub fn preinstall(&self) {
        let exe =
            sessui::testing::host::ssh::identify(&bin(), &self.dir.join("exe-hash.json")).unwrap();
        let dir = self
            .remote_home
            .join(sessui::testing::host::ssh::REMOTE_BIN_DIR);
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join(format!("sessui-{}", exe.version_id()));
        if std::fs::hard_link(bin(), &target).is_err() {
            std::fs::copy(bin(), &target).unwrap();
        }
    }

    /// Binaries installed on the remote side.
    pub fn installed(&self) -> Vec<String> {
        let dir = self
            .remote_home
            .join(sessui::testing::host::ssh::REMOTE_BIN_DIR);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Pids of remote jobs, from their records under the remote home.
    pub fn remote_job_pids(&self) -> Vec<u32> {
        let clients = self.remote_home.join(".local/state/sessui/clients");
        std::fs::read_dir(clients)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|c| {
                sessui::testing::job::read_job_records(&c.path().join("jobs")).unwrap_or_default()
            })
            .map(|r| r.pid)
            .collect()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
        // Jobs outlive their connection by design; a test's must not
        // outlive the test, nor those whose record was not written yet.
        let mut pids = self.remote_job_pids();
        pids.extend(processes_at_home(&self.remote_home));
        for pid in pids {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Every process whose HOME is `home`: the remote side of this test only,
/// since each test's remote home is a directory of its own.
fn processes_at_home(home: &Path) -> Vec<u32> {
    let want = format!("HOME={}", home.display()).into_bytes();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == want.as_slice()))
        })
        .collect()
}

fn ppid_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn children(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| ppid_of(*p) == Some(parent))
        .collect()
}

fn descendants(root: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = children(root);
    while let Some(p) = todo.pop() {
        todo.extend(children(p));
        out.push(p);
    }
    out
}

/// A network namespace with a veth pair to it, removed on drop.
pub struct Netns {
    pub name: String,
    pub outer: String,
    pub inner_addr: String,
}

impl Netns {
    /// `None` (with the reason) unless running as root with `ip netns` working.
    pub fn create() -> Result<Netns, String> {
        if !nix::unistd::geteuid().is_root() {
            return Err("not running as root".into());
        }
        let n = std::process::id() % 100_000;
        let ns = Netns {
            name: format!("sessui-t{n}"),
            outer: format!("sv{n}a"),
            inner_addr: format!("10.231.{}.2", n % 250),
        };
        let outer_addr = format!("10.231.{}.1/24", n % 250);
        let inner = format!("sv{n}b");
        // Leftovers of a run that was killed before it could clean up.
        let _ = Command::new("ip").args(["link", "del", &ns.outer]).output();
        let _ = Command::new("ip").args(["netns", "del", &ns.name]).output();
        let run = |args: &[&str]| -> Result<(), String> {
            let out = Command::new("ip")
                .args(args)
                .output()
                .map_err(|e| e.to_string())?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "ip {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        };
        run(&["netns", "add", &ns.name])?;
        run(&[
            "link", "add", &ns.outer, "type", "veth", "peer", "name", &inner,
        ])?;
        run(&["link", "set", &inner, "netns", &ns.name])?;
        run(&["addr", "add", &outer_addr, "dev", &ns.outer])?;
        run(&["link", "set", &ns.outer, "up"])?;
        let inner_cidr = format!("{}/24", ns.inner_addr);
        run(&[
            "netns",
            "exec",
            &ns.name,
            "ip",
            "addr",
            "add",
            &inner_cidr,
            "dev",
            &inner,
        ])?;
        run(&["netns", "exec", &ns.name, "ip", "link", "set", &inner, "up"])?;
        run(&["netns", "exec", &ns.name, "ip", "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    pub fn link(&self, up: bool) {
        let ok = Command::new("ip")
            .args(["link", "set", &self.outer, if up { "up" } else { "down" }])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.outer])
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}
