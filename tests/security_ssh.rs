//! The SSH side of the trust boundary, tried against real sshd servers (and
//! one russh server for odd questions): impostor host keys of other types,
//! global and aliased records, SHA-1 signatures, hashed and locked
//! known_hosts, a server posing as a local prompt, an impostor remote
//! binary, a login shell that floods or hangs, Match blocks and algorithms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/remote.rs"]
mod remote;
#[path = "common/sshd.rs"]
mod sshd;

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{PATIENCE, Sandbox, wait_until};
use remote::*;
use sshd::Sshd;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

// ---------------------------------------------------------------------------
// Host keys as OpenSSH checks them

/// Answers nothing and counts every question.
fn counting() -> Arc<Recorder> {
    Arc::new(Recorder {
        answer: false,
        asked: Mutex::new(Vec::new()),
    })
}

/// The server offers ECDSA and ed25519; only its ECDSA key is on record
/// (what OpenSSH before 8.5 recorded). That is a known host: no question.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_known_by_its_ecdsa_key_connects_without_a_question() {
    let sb = Sandbox::new();
    let sshd = Sshd::start_with_host_keys(&sb, &["ecdsa", "ed25519"], "");
    sshd.client_config(&sb, "box", true);
    sshd.preinstall();
    assert!(sshd.host_key_pub.starts_with("ecdsa-sha2-nistp256 "));
    let asked = counting();
    let mgr = ssh_manager(&sb, fast_config(&sb), asked.clone());
    let created = mgr.create(remote("box")).await;
    assert_eq!(
        *asked.asked.lock().unwrap(),
        vec![],
        "asked about a known host"
    );
    created.unwrap();
    let known = std::fs::read_to_string(sshd.known_hosts(&sb)).unwrap();
    assert_eq!(known, sshd.known_hosts_line() + "\n", "nothing was added");
}

/// Only ECDSA is on record and the server now offers only ed25519: that is
/// a changed identity, refused like one, also with --accept-new-host-key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_known_by_another_key_type_offering_a_new_one_is_refused() {
    let sb = Sandbox::new();
    let sshd = Sshd::start_with_host_keys(&sb, &["ed25519"], "");
    sshd.client_config(&sb, "box", false);
    sshd.preinstall();
    let old = sb.dir.path().join("old-ecdsa");
    sshd::keygen_type(&old, "ecdsa");
    let recorded = format!(
        "# hosts\n[{}]:{} {}\n",
        sshd.addr,
        sshd.port,
        sshd::pub_blob(&old.with_extension("pub"))
    );
    std::fs::write(sshd.known_hosts(&sb), &recorded).unwrap();
    for args in [
        vec!["new", "--host", "box"],
        vec!["--accept-new-host-key", "new", "--host", "box"],
    ] {
        let err = run_fails(&sb, &args);
        assert!(err.contains("HAS CHANGED"), "{err}");
        assert!(err.contains("known_hosts line 2"), "{err}");
        assert!(
            err.contains("ecdsa-sha2-nistp256"),
            "names what is on record: {err}"
        );
        assert!(err.contains(&fingerprint(&sshd)), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(sshd.known_hosts(&sb)).unwrap(),
        recorded,
        "the impostor's key was recorded"
    );
    // a person is never asked either
    let asked = counting();
    let mgr = ssh_manager(&sb, fast_config(&sb), asked.clone());
    let err = mgr.create(remote("box")).await.unwrap_err().to_string();
    assert!(err.contains("HAS CHANGED"), "{err}");
    assert!(asked.asked.lock().unwrap().is_empty());
}

/// Keys in the system-wide file (`GlobalKnownHostsFile`) are known too; a
/// `HostKeyAlias` is the name they are looked up and learned under.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_known_hosts_and_host_key_alias_are_honoured() {
    let sb = Sandbox::new();
    let sshd = Sshd::start(&sb);
    sshd.preinstall();
    let global = sb.dir.path().join("ssh_known_hosts");
    std::fs::write(&global, sshd.known_hosts_line() + "\n").unwrap();
    let ssh = sb.home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(
        ssh.join("config"),
        format!(
            "{}  GlobalKnownHostsFile {}\n{}  HostKeyAlias the-alias\n",
            sshd.host_block(&sb, "box", &sshd.user_key),
            global.display(),
            sshd.host_block(&sb, "aliased", &sshd.user_key),
        ),
    )
    .unwrap();
    let asked = counting();
    let mgr = ssh_manager(&sb, fast_config(&sb), asked.clone());
    mgr.create(remote("box")).await.unwrap();
    assert!(
        asked.asked.lock().unwrap().is_empty(),
        "asked about a globally known key"
    );
    assert!(!sshd.known_hosts(&sb).exists(), "learned what was known");

    // under its alias the host is unknown until learned, then known as that
    let err = mgr.create(remote("aliased")).await.unwrap_err().to_string();
    assert!(err.contains("not accepted"), "{err}");
    assert_eq!(asked.asked.lock().unwrap().len(), 1);
    std::fs::write(
        sshd.known_hosts(&sb),
        format!("the-alias {}\n", sshd.host_key_pub),
    )
    .unwrap();
    // (a refused host waits for a person: the next try is a new process)
    let mgr = ssh_manager(&sb, fast_config(&sb), asked.clone());
    mgr.create(remote("aliased")).await.unwrap();
    assert_eq!(
        asked.asked.lock().unwrap().len(),
        1,
        "asked about an alias on record"
    );
}

#[test]
fn strict_host_key_checking_yes_refuses_unknown_hosts_even_with_the_flag() {
    let sb = Sandbox::new();
    let sshd = Sshd::start(&sb);
    sshd.preinstall();
    let ssh = sb.home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(
        ssh.join("config"),
        format!(
            "{}  StrictHostKeyChecking yes\n",
            sshd.host_block(&sb, "box", &sshd.user_key)
        ),
    )
    .unwrap();
    let err = run_fails(&sb, &["--accept-new-host-key", "new", "--host", "box"]);
    assert!(err.contains("StrictHostKeyChecking"), "{err}");
    assert!(!sshd.known_hosts(&sb).exists(), "the key was learned");
}

#[test]
fn sha1_rsa_host_key_signatures_are_refused_and_sha2_ones_accepted() {
    // a server that signs only with ssh-rsa (SHA-1), as OpenSSH before 7.2 did
    let sb = Sandbox::new();
    let sshd = Sshd::start_with_host_keys(&sb, &["rsa"], "HostKeyAlgorithms ssh-rsa\n");
    sshd.client_config(&sb, "box", true);
    sshd.preinstall();
    let err = run_fails(&sb, &["new", "--host", "box"]);
    assert!(err.contains("ssh-rsa"), "{err}");
    assert!(err.contains("SHA-1"), "{err}");
    // the same key with an rsa-sha2 signature is fine
    let sb = Sandbox::new();
    let sshd = Sshd::start_with_host_keys(&sb, &["rsa"], "");
    sshd.client_config(&sb, "box", true);
    sshd.preinstall();
    run_ok(&sb, &["new", "--host", "box", "--name", "rsa"]);
}

#[test]
fn a_learned_key_is_hashed_in_a_hashed_file() {
    let sb = Sandbox::new();
    let sshd = Sshd::start(&sb);
    sshd.client_config(&sb, "box", false);
    sshd.preinstall();
    // a file hashed by `ssh-keygen -H` (HashKnownHosts yes, Debian's default)
    let other = sb.dir.path().join("other");
    sshd::keygen(&other);
    std::fs::write(
        sshd.known_hosts(&sb),
        format!(
            "elsewhere.example {}\n",
            sshd::pub_blob(&other.with_extension("pub"))
        ),
    )
    .unwrap();
    assert!(
        Command::new("ssh-keygen")
            .args(["-q", "-H", "-f"])
            .arg(sshd.known_hosts(&sb))
            .status()
            .unwrap()
            .success()
    );
    run_ok(&sb, &["--accept-new-host-key", "new", "--host", "box"]);
    let text = std::fs::read_to_string(sshd.known_hosts(&sb)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines.iter().all(|l| l.starts_with("|1|")),
        "learned in plain text: {text}"
    );
    assert!(!text.contains("127.0.0.1"), "{text}");
    // OpenSSH finds it
    let found = Command::new("ssh-keygen")
        .args(["-F", &format!("[{}]:{}", sshd.addr, sshd.port), "-f"])
        .arg(sshd.known_hosts(&sb))
        .output()
        .unwrap();
    assert!(found.status.success(), "ssh-keygen -F does not find it");
}

/// Two processes learning keys at once never lose or mix a line: the file
/// is appended to under `flock`, as a lock held elsewhere shows.
#[test]
fn known_hosts_is_written_under_a_lock() {
    let sb = Sandbox::new();
    let sshd = Sshd::start(&sb);
    sshd.client_config(&sb, "box", false);
    sshd.preinstall();
    let path = sshd.known_hosts(&sb);
    std::fs::write(&path, "").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let ino = std::fs::metadata(&path).unwrap().ino();
    let lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).unwrap();
    let child = sessui(
        &sb,
        &[
            "--accept-new-host-key",
            "new",
            "--host",
            "box",
            "--name",
            "l",
        ],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    // sessui waits for the lock (the kernel lists it as a blocked waiter)
    let waiting = wait_until(PATIENCE, || {
        std::fs::read_to_string("/proc/locks")
            .unwrap_or_default()
            .lines()
            .any(|l| l.contains("->") && l.contains(&format!(":{ino} ")))
    });
    let untouched = std::fs::read_to_string(&path).unwrap().is_empty();
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert!(waiting, "sessui never waited for the lock");
    assert!(untouched, "written while another process held the lock");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        sshd.known_hosts_line() + "\n"
    );
}

// ---------------------------------------------------------------------------
// A server's questions never pose as sessui's own

/// An SSH server (russh's) whose only login method is keyboard-interactive,
/// asking a question dressed up as a local passphrase prompt.
mod kbd_server {
    use std::borrow::Cow;
    use std::sync::Arc;

    use russh::server::{Auth, Config, Handler, Response};
    use russh::{MethodKind, MethodSet};

    pub const BAIT: &str = "Enter passphrase for key '/root/.ssh/id_ed25519': ";

    struct Asker;

    impl Handler for Asker {
        type Error = russh::Error;

        async fn auth_keyboard_interactive<'a>(
            &'a mut self,
            _user: &str,
            _submethods: &str,
            response: Option<Response<'a>>,
        ) -> Result<Auth, Self::Error> {
            Ok(match response {
                None => Auth::Partial {
                    name: Cow::Borrowed(""),
                    instructions: Cow::Borrowed("\x1b[2J"),
                    prompts: Cow::Owned(vec![(Cow::Borrowed(BAIT), false)]),
                },
                Some(_) => Auth::reject(),
            })
        }
    }

    /// Serves on a free port of 127.0.0.1 with the host key at `key`.
    pub async fn start(key: &std::path::Path) -> u16 {
        let key = russh::keys::load_secret_key(key, None).unwrap();
        let config = Arc::new(Config {
            keys: vec![key],
            methods: MethodSet::from(&[MethodKind::KeyboardInteractive][..]),
            auth_rejection_time: std::time::Duration::from_millis(10),
            ..Default::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let config = config.clone();
                tokio::spawn(async move {
                    if let Ok(session) = russh::server::run_stream(config, stream, Asker).await {
                        let _ = session.await;
                    }
                });
            }
        });
        port
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servers_question_is_labelled_as_the_servers_on_the_command_line() {
    let sb = Sandbox::new();
    let key = sb.dir.path().join("kbd-host");
    sshd::keygen(&key);
    let port = kbd_server::start(&key).await;
    let ssh = sb.home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(
        ssh.join("config"),
        format!(
            "Host kbd\n  HostName 127.0.0.1\n  Port {port}\n  User root\n  \
             IdentityFile {}\n  UserKnownHostsFile {}\n",
            sb.dir.path().join("no-such-key").display(),
            ssh.join("known_hosts").display()
        ),
    )
    .unwrap();
    std::fs::write(
        ssh.join("known_hosts"),
        format!(
            "[127.0.0.1]:{port} {}\n",
            sshd::pub_blob(&key.with_extension("pub"))
        ),
    )
    .unwrap();
    // the command line asks on its terminal (a pty made by `script`)
    let shown = tokio::task::spawn_blocking(move || {
        let out = common::on_a_terminal(&sb, "new --host kbd", "hunter2\n");
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
    .await
    .unwrap();
    assert!(
        shown.contains(&format!(
            "server root@127.0.0.1:{port} asks: {}",
            kbd_server::BAIT.trim_end()
        )),
        "not labelled as the server's question: {shown:?}"
    );
    assert!(
        !shown.contains("\x1b[2J"),
        "the server's escape reached the terminal: {shown:?}"
    );
}

// ---------------------------------------------------------------------------
// The remote binary is ours only if its bytes are

#[test]
fn an_impostor_at_the_remote_install_path_is_replaced() {
    let (sb, sshd) = setup();
    let installed = sshd.installed();
    assert_eq!(installed.len(), 1);
    let path = sshd
        .remote_home
        .join(sessui::testing::host::ssh::REMOTE_BIN_DIR)
        .join(&installed[0]);
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, "#!/bin/sh\necho IMPOSTOR >&2\nexit 1\n").unwrap();
    chmod(&path, 0o755);
    run_ok(&sb, &["new", "--host", "box", "--name", "v"]);
    run_ok(&sb, &["send", "v", "echo verified-$((4*4))\\n"]);
    wait_screen(&sb, "v", "verified-16");
    let ours = std::fs::read(common::bin()).unwrap();
    assert!(
        std::fs::read(&path).unwrap() == ours,
        "the impostor is still there"
    );
}

#[test]
fn an_install_dir_others_can_write_is_warned_about() {
    let (sb, sshd) = setup();
    let dir = sshd
        .remote_home
        .join(sessui::testing::host::ssh::REMOTE_BIN_DIR);
    chmod(&dir, 0o777);
    let out = sessui(&sb, &["new", "--host", "box"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning"), "{err}");
    assert!(
        err.contains(sessui::testing::host::ssh::REMOTE_BIN_DIR),
        "{err}"
    );
    assert!(err.contains("writable by other users"), "{err}");
}

// ---------------------------------------------------------------------------
// Reads from the remote are bounded in size and time

fn fails_within(sb: &Sandbox, args: &[&str], limit: Duration) -> String {
    let mut child = sessui(sb, args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut status = None;
    wait_until(limit, || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    // (a no-op for one that ended)
    let _ = child.kill();
    let _ = child.wait();
    let err = reader.join().unwrap();
    assert!(
        status.is_some(),
        "sessui {args:?} still runs after {limit:?}: {err}"
    );
    assert!(!status.unwrap().success(), "{err}");
    err
}

#[test]
fn a_remote_that_floods_the_probe_is_cut_off() {
    let (sb, sshd) = setup();
    // every command's output is preceded by endless noise from the login shell
    std::fs::write(
        sshd.remote_home.join(".bashrc"),
        "yes 'noise noise noise'\n",
    )
    .unwrap();
    let err = fails_within(&sb, &["new", "--host", "box"], PATIENCE * 2);
    assert!(err.contains("more than"), "{err}");
}

#[test]
fn a_remote_that_never_answers_the_probe_times_out() {
    let (sb, sshd) = setup();
    // The hung login shell says who it is, so the test can end it: killing
    // sshd leaves a command's processes running.
    std::fs::write(
        sshd.remote_home.join(".bashrc"),
        "echo $$ > \"$HOME/hung.pid\"; exec sleep 3600\n",
    )
    .unwrap();
    let err = fails_within(&sb, &["new", "--host", "box"], PATIENCE * 2);
    if let Ok(pid) = std::fs::read_to_string(sshd.remote_home.join("hung.pid")) {
        if let Ok(pid) = pid.trim().parse::<i32>() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
    assert!(
        err.contains("timed out") || err.contains("no answer"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// ssh_config as OpenSSH reads it: Match blocks, algorithms

#[test]
fn a_match_block_applies_only_where_it_matches() {
    let (sb, sshd) = setup();
    // the Host block names no user; the Match block below it is for
    // another host and must not lend it one
    let block = sshd
        .host_block(&sb, "box", &sshd.user_key)
        .replace("  User root\n", "");
    std::fs::write(
        sb.home.join(".ssh/config"),
        format!("{block}Match originalhost other.example\n  User nobody-here\n"),
    )
    .unwrap();
    run_ok(&sb, &["new", "--host", "box", "--name", "mb"]);
    // and one that matches does apply, security settings included
    let (sb2, sshd2) = {
        let sb = Sandbox::new();
        let sshd = Sshd::start(&sb);
        sshd.preinstall();
        (sb, sshd)
    };
    let ssh = sb2.home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(
        ssh.join("config"),
        format!(
            "{}Match host 127.0.0.1\n  StrictHostKeyChecking yes\n",
            sshd2.host_block(&sb2, "box", &sshd2.user_key)
        ),
    )
    .unwrap();
    let err = run_fails(&sb2, &["--accept-new-host-key", "new", "--host", "box"]);
    assert!(err.contains("StrictHostKeyChecking"), "{err}");
    assert!(!sshd2.known_hosts(&sb2).exists());
}

#[test]
fn cipher_and_host_key_algorithm_lists_are_honoured() {
    // the server speaks only aes128-ctr; the user allows only AEAD ciphers
    let sb = Sandbox::new();
    let sshd = Sshd::start_with_config(&sb, "Ciphers aes128-ctr\n");
    sshd.preinstall();
    sshd.client_config(&sb, "box", true);
    std::fs::write(
        sb.home.join(".ssh/config"),
        format!(
            "{}  Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com\n",
            sshd.host_block(&sb, "box", &sshd.user_key)
        ),
    )
    .unwrap();
    let err = run_fails(&sb, &["new", "--host", "box"]);
    assert!(err.contains("cipher"), "{err}");
    // a host key algorithm list that leaves out what the server has
    std::fs::write(
        sb.home.join(".ssh/config"),
        format!(
            "{}  HostKeyAlgorithms ecdsa-sha2-nistp256\n",
            sshd.host_block(&sb, "box", &sshd.user_key)
        ),
    )
    .unwrap();
    let err = run_fails(&sb, &["new", "--host", "box"]);
    assert!(err.contains("host key"), "{err}");
    // and a list the server shares works
    std::fs::write(
        sb.home.join(".ssh/config"),
        format!(
            "{}  Ciphers +aes128-ctr\n  KexAlgorithms curve25519-sha256\n  MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-256\n",
            sshd.host_block(&sb, "box", &sshd.user_key)
        ),
    )
    .unwrap();
    run_ok(&sb, &["new", "--host", "box", "--name", "alg"]);
}

#[test]
fn a_security_directive_sessui_does_not_honour_is_warned_about() {
    let (sb, sshd) = setup();
    std::fs::write(
        sb.home.join(".ssh/config"),
        format!(
            "{}  VerifyHostKeyDNS yes\n  ForwardX11 yes\n",
            sshd.host_block(&sb, "box", &sshd.user_key)
        ),
    )
    .unwrap();
    let out = sessui(&sb, &["new", "--host", "box"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning") && err.contains("VerifyHostKeyDNS"),
        "{err}"
    );
    assert!(
        !err.contains("ForwardX11"),
        "only security directives are news: {err}"
    );
}
