//! Views of a session as a person sees them: several windows on one
//! session at different sizes, and the list's live preview.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::{CTRL_B, Tui, in_session};
use common::{PATIENCE, Sandbox, wait_until};

/// The marker column at the right edge of an 80-column view, on every
/// session row but the status line's.
fn right_edge_marked(t: &Tui, rows: u16) -> bool {
    (0..rows - 1).all(|r| t.row(r).chars().nth(79) == Some('┊'))
}

#[test]
fn a_smaller_view_of_a_larger_session_marks_the_cut_and_can_take_the_size() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "shared"]);
    let mut small = Tui::start(&s, &["attach", "shared"], 80, 24);
    in_session(&mut small, "shared");
    // The larger window attaches last: the session takes its size.
    let mut large = Tui::start(&s, &["attach", "shared"], 100, 30);
    large.wait_for("ready-42");
    large.type_line("clear; seq -s ' ' 1 60");
    large.wait_for("58 59 60");
    // The small one says the session is larger and marks where it is cut.
    let status = small.wait_for("100x29");
    assert!(status.contains("C-b F"), "{status}");
    assert!(
        wait_until(PATIENCE, || right_edge_marked(&small, 24)),
        "{}",
        small.screen()
    );
    // Row 29 of the session is below the cut: the last session row is marked too.
    assert!(small.row(22).contains("┄"), "{}", small.screen());
    // C-b F: the session takes this view's size; no marker, no note.
    small.keys(CTRL_B);
    small.keys("F");
    small.wait_gone("100x29");
    assert!(
        wait_until(PATIENCE, || !right_edge_marked(&small, 24)),
        "{}",
        small.screen()
    );
    small.type_line("echo cols-$(tput cols)");
    small.wait_for("cols-80");
    // The larger view now shows the smaller session, with its own edge.
    large.wait_for("cols-80");
}

#[test]
fn the_list_previews_the_selected_session_live_without_attaching_to_it() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "watched"]);
    s.ok(&["send", "watched", "stty size; echo first-$((20+1))\r"]);
    s.wait_screen("watched", "first-21");
    let size_before = s.capture("watched");
    let size_before = size_before
        .lines()
        .find(|l| {
            l.trim().split(' ').count() == 2
                && l.trim().split(' ').all(|w| w.parse::<u16>().is_ok())
        })
        .unwrap_or_else(|| panic!("no `stty size` answer in:\n{size_before}"))
        .trim()
        .to_string();
    // Wide enough for the preview beside the list.
    let mut t = Tui::start(&s, &[], 160, 30);
    t.wait_for("watched");
    t.wait_for("first-21");
    // Output in the session shows in the preview as it comes.
    s.ok(&["send", "watched", "echo live-$((6*7))\r"]);
    t.wait_for("live-42");
    // Watching is not attaching: no view counted, the session's size kept.
    assert_eq!(s.session_json("watched")["views"], 0);
    s.ok(&["send", "watched", "stty size\r"]);
    assert!(
        wait_until(PATIENCE, || s
            .capture("watched")
            .matches(&size_before)
            .count()
            >= 2),
        "the size changed from {size_before}:\n{}",
        s.capture("watched")
    );
    // p hides it, p shows it again.
    t.keys("p");
    t.wait_gone("live-42");
    t.keys("p");
    t.wait_for("live-42");
    t.keys("q");
    assert!(t.wait_exit());
}

/// A real `ssh-agent` on `socket`, ended when dropped.
struct Agent(std::process::Child);

impl Agent {
    fn start(socket: &std::path::Path) -> Agent {
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent runs");
        assert!(wait_until(PATIENCE, || socket.exists()), "no agent socket");
        Agent(child)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_shells_agent_socket_follows_the_client_that_attached_last() {
    let s = Sandbox::new();
    let (a, b) = (s.home.join("agent-a.sock"), s.home.join("agent-b.sock"));
    let (_agent_a, _agent_b) = (Agent::start(&a), Agent::start(&b));
    // Agent A holds a key; agent B none.
    let key = s.home.join("key-a");
    let made = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "key-of-agent-a",
            "-f",
        ])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let added = std::process::Command::new("ssh-add")
        .arg(&key)
        .env("SSH_AUTH_SOCK", &a)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(added.success());
    s.ok(&["new", "--name", "agent"]);
    let check = "clear; basename $(readlink $SSH_AUTH_SOCK); ssh-add -l";

    let mut from_a = Tui::start_with(
        &s,
        &["attach", "agent"],
        100,
        30,
        &[("SSH_AUTH_SOCK", a.to_str().unwrap())],
    );
    in_session(&mut from_a, "agent");
    from_a.type_line(check);
    from_a.wait_for("agent-a.sock");
    from_a.wait_for("key-of-agent-a");
    // That window closes (the shell keeps running).
    drop(from_a);

    // Another login, another agent: the same running shell follows it.
    let mut from_b = Tui::start_with(
        &s,
        &["attach", "agent"],
        100,
        30,
        &[("SSH_AUTH_SOCK", b.to_str().unwrap())],
    );
    in_session(&mut from_b, "agent");
    from_b.type_line(check);
    from_b.wait_for("agent-b.sock");
    let screen = from_b.wait_for("no identities");
    assert!(!screen.contains("key-of-agent-a"), "{screen}");
}
