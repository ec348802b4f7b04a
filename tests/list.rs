//! The session list through the real binary: editing a name in place,
//! session numbers on the command line and in `ls`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::Tui;
use common::{PATIENCE, Sandbox, wait_until};

/// The selected row of the list (the one with the mark).
fn selected_row(t: &Tui) -> String {
    t.screen()
        .lines()
        .find(|l| l.starts_with('▶'))
        .unwrap_or_default()
        .to_string()
}

/// Waits until the selected row satisfies `ok`; panics with the screen if not.
fn wait_row(t: &Tui, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    let seen = wait_until(PATIENCE, || {
        last = selected_row(t);
        ok(&last)
    });
    assert!(seen, "the selected row never {what}:\n{}", t.screen());
    last
}

#[test]
fn renaming_in_place_leaves_nothing_of_the_old_name_on_screen() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "build"]);
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("LAST ACTIVE");
    t.keys("r");
    t.wait_for("Enter saves");
    t.keys("\x7f\x7f\x7f");
    let row = wait_row(&t, "lost 'ild'", |r| !r.contains("build"));
    assert!(row.contains(" bu "), "{row}");
    assert!(!row.contains("ld"), "stale characters: {row}");
    t.keys("\x1b");

    // Ctrl-U then one letter: only that letter is left in the cell. (The
    // name with a slash this was first seen with is refused by now.)
    s.ok(&["rename", "build", "ab server"]);
    t.wait_for("ab server");
    t.keys("r");
    t.wait_for("Enter saves");
    t.keys("\x15x");
    let row = wait_row(&t, "showed just 'x'", |r| !r.contains("ab"));
    assert!(!row.contains("server"), "stale characters: {row}");
    t.keys("\r");
    t.wait_for("renamed to 'x'");
    assert_eq!(s.session_json("x")["state"], "running");
}

#[test]
fn sessions_are_numbered_and_a_number_works_wherever_a_name_does() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "web"]);
    s.ok(&["new"]);
    s.ok(&["new"]);
    let ls = s.ok(&["ls"]);
    let header = ls.lines().next().unwrap();
    assert!(header.starts_with("#  NAME"), "{ls}");
    let numbers: Vec<i64> = s
        .ls_json()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 1, 2], "{ls}");
    let info = s.ok(&["info", "1", "--json"]);
    let one: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(one["number"], 1);
    assert!(one["name"].is_null());
    // A gone session's number is given to the next one; the rest keep theirs.
    s.ok(&["kill", "1"]);
    s.ok(&["new", "--name", "again"]);
    assert_eq!(s.session_json("again")["number"], 1);
    assert_eq!(s.session_json("web")["number"], 0);
    // A name that is a number wins over the number.
    s.ok(&["rename", "again", "2"]);
    let two: serde_json::Value = serde_json::from_str(&s.ok(&["info", "2", "--json"])).unwrap();
    assert_eq!(two["number"], 1, "the session named '2', not number 2");

    // `sessui attach N` opens that session.
    let mut t = Tui::start(&s, &["attach", "0"], 100, 30);
    t.wait_for(" web ");
    t.type_line("echo num-$((40+2))");
    t.wait_for("num-42");
}

#[test]
fn info_names_the_foreground_program_and_counts_cpu_and_memory() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "busy"]);
    s.ok(&["send", "busy", "echo ready-$((40+2))\\n"]);
    s.wait_screen("busy", "ready-42");
    s.ok(&["send", "busy", "sleep 300\\n"]);
    let mut last = serde_json::Value::Null;
    let seen = wait_until(PATIENCE, || {
        last = serde_json::from_str(&s.ok(&["info", "busy", "--json"])).unwrap();
        last["program"] == "sleep"
    });
    assert!(seen, "{last:#}");
    assert!(last["memory_bytes"].as_u64().unwrap() > 0, "{last:#}");
    assert!(
        last["processes"].as_u64().unwrap() >= 3,
        "job, shell, sleep: {last:#}"
    );
    let text = s.ok(&["info", "busy"]);
    assert!(text.contains("program      sleep"), "{text}");
}

#[test]
fn marked_sessions_are_deleted_together_after_one_question() {
    let s = Sandbox::new();
    for name in ["keep", "one", "two", "three"] {
        s.ok(&["new", "--name", name]);
    }
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("LAST ACTIVE");
    // Newest first: three, two, one, keep; mark the first three.
    t.keys(" j j ");
    t.wait_for("3 marked");
    t.keys("d");
    let screen = t.wait_for("Delete 3 sessions");
    for name in ["'three'", "'two'", "'one'"] {
        assert!(screen.contains(name), "{screen}");
    }
    t.keys("y");
    t.wait_for("deleted 3 sessions");
    let left: Vec<String> = s
        .ls_json()
        .iter()
        .map(|v| v["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(left, ["keep"]);
    // The order keys say what they did in the title.
    t.keys("o");
    t.wait_for("by name");
    t.keys("H");
    t.wait_for("by host, name");
    t.wait_for("local · 1 session");
}
