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
