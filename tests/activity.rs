//! What runs in each session, through the real binary: the job tracks the
//! foreground program, the title a program set, a bell nobody saw, CPU and
//! memory; `ls` and the list show them, and a bell in a session nobody
//! looks at is marked and announced until the session is attached.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::Tui;
use common::{PATIENCE, Sandbox, wait_until};

/// Sets the window title to `title` and rings the bell, then leaves
/// `sleep` in the foreground: what a build in a session looks like.
fn title_bell_then_sleep(title: &str) -> String {
    format!("printf '\\033]2;{title}\\007\\a'; sleep 300\n")
}

/// Waits until `ls --json`'s entry for `name` satisfies `ok`; panics with
/// the last entry if it never does.
fn wait_json(
    s: &Sandbox,
    name: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    let seen = wait_until(PATIENCE, || {
        last = s.session_json(name);
        ok(&last)
    });
    assert!(seen, "never seen in `ls --json`: {last:#}");
    last
}

#[test]
fn ls_shows_the_program_the_title_a_bell_and_what_the_session_uses() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "build"]);
    s.ok(&["new", "--name", "quiet"]);
    s.ok(&["send", "-l", "build", &title_bell_then_sleep("make all")]);
    let json = wait_json(&s, "build", |j| {
        j["program"] == "sleep" && j["title"] == "make all" && j["bell_at"].is_string()
    });
    assert!(json["memory_bytes"].as_u64().unwrap() > 0, "{json:#}");
    assert!(json["cpu_seconds"].as_f64().is_some(), "{json:#}");
    // No bell rang in the other session; its shell is in the foreground.
    let quiet = s.session_json("quiet");
    assert!(quiet["bell_at"].is_null(), "{quiet:#}");
    assert_ne!(quiet["program"], "sleep", "{quiet:#}");

    let ls = s.ok(&["ls"]);
    let header = ls.lines().next().unwrap();
    for title in ["PROGRAM", "TITLE", "CPU", "MEM"] {
        assert!(header.contains(title), "{ls}");
    }
    let row = ls.lines().find(|l| l.contains("build")).unwrap();
    assert!(row.contains("sleep"), "{ls}");
    assert!(row.contains("make all"), "{ls}");
    assert!(row.contains("! running"), "the bell is not marked:\n{ls}");
    let quiet_row = ls.lines().find(|l| l.contains("quiet")).unwrap();
    assert!(!quiet_row.contains('!'), "{ls}");

    // Once the session ends, nothing runs in it: no program, no usage.
    s.ok(&["kill", "build"]);
    assert!(!s.ok(&["ls"]).contains("sleep"));
}

#[test]
fn a_title_with_escapes_is_shown_harmless() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "t"]);
    // ESC [ 2 J inside the title would clear the screen of whoever prints it.
    s.ok(&["send", "-l", "t", "printf '\\033]2;a\\033[2Jb\\007'\n"]);
    let json = wait_json(&s, "t", |j| {
        j["title"].as_str().is_some_and(|t| t.starts_with('a'))
    });
    let title = json["title"].as_str().unwrap();
    assert!(!title.contains('\x1b'), "{title:?}");
    assert!(!s.ok(&["ls"]).contains('\x1b'));
}

#[test]
fn the_list_shows_what_runs_and_marks_and_announces_a_bell_until_attached() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "ring"]);
    s.ok(&["new"]);
    // The anonymous session is told apart by its program and title.
    s.ok(&[
        "send",
        "-l",
        "1",
        "printf '\\033]2;tailing logs\\007'; sleep 300\n",
    ]);
    let mut t = Tui::start(&s, &[], 120, 30);
    t.wait_for("LAST ACTIVE");
    let screen = t.wait_for("tailing logs");
    let row = screen.lines().find(|l| l.contains("tailing logs")).unwrap();
    assert!(row.contains("sleep"), "{screen}");

    // A bell while the list is on screen: announced, and its row marked.
    s.ok(&["send", "ring", "printf '\\\\a'\\n"]);
    t.wait_for("bell in 'ring'");
    let screen = t.wait_for("! running");
    let row = screen.lines().find(|l| l.contains("! running")).unwrap();
    assert!(row.contains("ring"), "{screen}");

    // Attaching shows it: the mark is gone when the list comes back.
    t.keys("/ring");
    t.wait_for("ring");
    t.keys("\r");
    t.wait_gone("LAST ACTIVE");
    t.keys("\x02d");
    t.wait_for("LAST ACTIVE");
    t.wait_gone("! running");
    assert!(s.session_json("ring")["bell_at"].is_null());
}
