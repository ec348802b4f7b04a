//! The SSH connection flow as a person meets it in the TUI, against a real
//! OpenSSH server: questions only when the user acts on a host, the host's
//! address beside its alias, a late answer that still connects, and
//! reconnecting at once when asked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/remote.rs"]
mod remote;
#[path = "common/sshd.rs"]
mod sshd;

use common::{PATIENCE, Sandbox, wait_until};
use remote::*;
use sshd::Sshd;

/// A running session on `box`, whose host key is then forgotten: the next
/// sessui to start finds a listed session on a host it cannot trust alone.
fn a_session_on_an_unknown_host() -> (Sandbox, Sshd) {
    let (sb, sshd) = setup();
    run_ok(&sb, &["new", "--host", "box", "--name", "far"]);
    std::fs::remove_file(sshd.known_hosts(&sb)).unwrap();
    (sb, sshd)
}

/// Start-up connects the hosts of listed sessions in the background; one
/// whose key is unknown waits for the user instead of popping a question
/// that takes keys meant for the list. `n` typed at once opens the create
/// prompt; the hosts status says what the host needs; Enter on the session
/// asks (naming the address beside the alias) and attaches.
#[test]
fn a_background_connect_never_asks_and_enter_on_a_session_does() {
    let (sb, sshd) = a_session_on_an_unknown_host();
    let mut t = common::pty::Tui::start_with(&sb, &[], 120, 30, &[("SSH_AUTH_SOCK", "")]);
    t.wait_for(" far ");
    t.keys("n");
    t.wait_for("New session");
    let screen = t.wait_for("needs you: host key to confirm");
    assert!(!screen.contains("can't be established"), "{screen}");
    assert!(screen.contains("New session"), "{screen}");
    t.keys("\x1b");
    t.wait_gone("New session");
    assert!(!t.screen().contains("can't be established"));
    assert!(!sshd.known_hosts(&sb).exists(), "nothing was trusted");

    t.keys("\r");
    let question = t.wait_for("can't be established");
    let label = format!("box ({}:{})", sshd.addr, sshd.port);
    assert!(question.contains(&label), "{question}");
    t.type_line("yes");
    t.wait_gone("can't be established");
    t.type_line("echo asked-on-enter-$((6*7))");
    t.wait_for("asked-on-enter-42");
    t.keys("\x02d");
    t.wait_for("● box");
    t.keys("q");
    assert!(t.wait_exit());
    t.assert_terminal_restored();
}

/// The server gives up on a login left unanswered past its LoginGraceTime;
/// the answer still counts: the key is learned and the connection is made
/// again at once, without a second question.
#[test]
fn a_host_key_answered_after_the_login_grace_time_still_connects() {
    let sb = Sandbox::new();
    let sshd = Sshd::start_with_config(&sb, "LoginGraceTime 1");
    sshd.client_config(&sb, "box", false);
    sshd.preinstall();
    sb.write_config(FAST_KEEPALIVE);
    let mut t = common::pty::Tui::start_with(&sb, &[], 120, 30, &[("SSH_AUTH_SOCK", "")]);
    t.wait_for("press n");
    t.keys("n");
    t.wait_for("New session");
    t.keys("late\tbox\r");
    t.wait_for("can't be established");
    // The server has closed the half-made connection: the answer comes late.
    assert!(
        wait_until(PATIENCE, || sshd.connections() == 0),
        "sshd kept the unanswered connection"
    );
    t.type_line("yes");
    t.wait_gone("can't be established");
    t.type_line("echo late-answer-$((6*7))");
    let screen = t.wait_for("late-answer-42");
    assert!(!screen.contains("Channel send error"), "{screen}");
    let known = std::fs::read_to_string(sshd.known_hosts(&sb)).unwrap();
    assert!(known.contains(&sshd.host_key_pub), "{known}");
    t.keys("\x02d");
    t.wait_for("● box");
    t.keys("q");
    assert!(t.wait_exit());
}

/// A view whose host is down says when the next try is and which key tries
/// now; once the backoff has grown long, a key typed in the view brings the
/// session back as soon as the server is there, not at the scheduled try.
#[test]
fn a_key_in_a_reconnecting_view_retries_before_the_backoff_ends() {
    let (sb, mut sshd) = setup();
    let mut t = far_on_box(&sb, 120);
    sshd.stop();
    t.wait_for("reconnecting \u{b7} next try in");
    t.wait_for("C-b R now");
    // Let the backoff grow until the next scheduled try is far away.
    let far = wait_until(PATIENCE, || next_try(&t.screen()).is_some_and(|s| s >= 8));
    assert!(far, "the backoff never grew:\n{}", t.screen());
    sshd.restart();
    let left = next_try(&t.screen()).unwrap();
    let pressed = std::time::Instant::now();
    t.keys("x");
    t.wait_for("input not sent");
    // (the notice says "reconnecting" too, and stays a while)
    t.wait_gone("reconnecting \u{b7}");
    // Live again: the status bar says so (the notice about the refused key
    // can hide "reconnecting" from the screen while the link is still down,
    // and keys typed then are refused, not sent).
    t.wait_for(" box  running ");
    let took = pressed.elapsed().as_secs();
    let file = sb.paths().log_dir().join("sessui.log");
    let log = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        took < left,
        "back after {took} s; the scheduled try was in {left} s\n{log}"
    );
    t.type_line("echo back-$((5+5))");
    t.wait_for("back-10");
}

/// `N` from the status's "next try in N s".
fn next_try(screen: &str) -> Option<u64> {
    let rest = screen.split("next try in ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// An ssh-agent of the machine sessui runs on, holding the test user's key;
/// it ends with the test, passed or not.
struct TestAgent {
    sock: std::path::PathBuf,
    process: std::process::Child,
}

impl TestAgent {
    fn start(sb: &Sandbox, key: &std::path::Path) -> TestAgent {
        let sock = sb.home.join("agent.sock");
        let process = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        assert!(wait_until(PATIENCE, || sock.exists()), "no ssh-agent");
        let added = std::process::Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &sock)
            .output()
            .unwrap();
        assert!(added.status.success(), "{added:?}");
        TestAgent { sock, process }
    }

    fn sock(&self) -> String {
        self.sock.display().to_string()
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The key's fingerprint as `ssh-add -l` shows it.
fn fingerprint(key: &std::path::Path) -> String {
    let listed = std::process::Command::new("ssh-keygen")
        .arg("-l")
        .arg("-f")
        .arg(key)
        .output()
        .unwrap();
    let text = String::from_utf8(listed.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_string()
}

/// The word after `marker` on the screen's last line that has it.
fn word_after(screen: &str, marker: &str) -> String {
    let line = screen.lines().rfind(|l| l.contains(marker)).unwrap();
    let rest = line.rsplit(marker).next().unwrap();
    rest.split_whitespace().next().unwrap_or("").to_string()
}

/// sessui (with `agent` in its environment) in a new session `fwd` on `box`.
fn session_on_box(sb: &Sandbox, agent: &TestAgent) -> common::pty::Tui {
    let sock = agent.sock();
    let mut t = common::pty::Tui::start_with(sb, &[], 120, 30, &[("SSH_AUTH_SOCK", &sock)]);
    t.wait_for("press n");
    t.keys("n");
    t.wait_for("New session");
    t.keys("fwd\tbox\r");
    t.wait_for(" fwd ");
    t
}

/// With `ForwardAgent yes` for the host, a remote shell's `SSH_AUTH_SOCK` is
/// its session's own link, leading to the agent of the machine sessui runs
/// on: `ssh-add -l` there lists the local agent's key. When the connection
/// is cut and comes back, sshd forwards through a new socket and the old
/// one is dead: the same running shell follows through the same link.
#[test]
fn a_forwarded_agent_reaches_a_remote_shell_and_follows_it_across_a_reconnect() {
    let (sb, sshd) = setup();
    let agent = TestAgent::start(&sb, &sshd.user_key);
    let config = sb.home.join(".ssh/config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("  ForwardAgent yes\n");
    std::fs::write(&config, text).unwrap();
    let fingerprint = fingerprint(&sshd.user_key);

    let mut t = session_on_box(&sb, &agent);
    t.type_line("ssh-add -l; echo \"link=${SSH_AUTH_SOCK##*.} to=$(readlink \"$SSH_AUTH_SOCK\")\"");
    t.wait_for(&fingerprint);
    let before = word_after(&t.wait_for("link=agent to=/"), "to=");

    assert!(sshd.kill_connections() > 0);
    t.wait_for("reconnecting");
    t.wait_gone("reconnecting \u{b7}");
    t.wait_for(" box  running ");
    t.type_line("clear; ssh-add -l >/dev/null; echo \"rc=$? now=$(readlink \"$SSH_AUTH_SOCK\")\"");
    let screen = t.wait_for("now=/");
    let now = word_after(&screen, "now=");
    assert_ne!(now, before, "the link was not repointed:\n{screen}");
    assert!(
        !std::path::Path::new(&before).exists()
            || std::os::unix::net::UnixStream::connect(&before).is_err(),
        "the old forwarded socket still answers, so this proves nothing"
    );
    assert_eq!(word_after(&screen, "rc="), "0", "{screen}");
    t.keys("\x02d");
    t.wait_for("\u{25cf} box");
    t.keys("q");
    assert!(t.wait_exit());
}

/// Without `ForwardAgent` (the default, as in OpenSSH) a remote session has
/// no agent, though sessui itself has one.
#[test]
fn without_forward_agent_a_remote_session_has_no_agent() {
    let (sb, sshd) = setup();
    let agent = TestAgent::start(&sb, &sshd.user_key);
    let mut t = session_on_box(&sb, &agent);
    t.type_line("ssh-add -l >/dev/null 2>&1; echo agent-rc=$?");
    // 2: no agent to talk to (1 would be an agent with no keys).
    t.wait_for("agent-rc=2");
    t.keys("\x02d");
    t.wait_for("\u{25cf} box");
    t.keys("q");
    assert!(t.wait_exit());
}
