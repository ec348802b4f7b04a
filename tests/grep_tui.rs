//! The list's search mode, through the real binary in a real PTY: matches
//! from every session as you type, Enter lands in the session's history at
//! the match with the match highlighted, `n`/`N` step between matches.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::Tui;
use common::{PATIENCE, Sandbox, wait_until};

/// The screen row showing `text`, if one does.
fn row_of(t: &Tui, text: &str) -> Option<u16> {
    (0..30).find(|&r| t.row(r).contains(text))
}

/// Whether the cell at (row, col) is drawn as a match (yellow background).
fn marked(t: &Tui, row: u16, col: u16) -> bool {
    t.with_screen(|e| {
        e.cell(row, col)
            .is_some_and(|c| c.bgcolor() == vt100::Color::Idx(3))
    })
}

#[test]
fn search_mode_lists_matches_by_session_and_enter_lands_at_the_match() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "alpha"]);
    s.ok(&["new", "--name", "beta"]);
    // the match sits 100 rows above the bottom: only history shows it
    s.ok(&[
        "send",
        "alpha",
        "echo migration $((40+2)) started; seq 1 200 | sed s/^/row-/; echo the migration $((40+2)) ran; seq 1 100 | sed s/^/after-/\\n",
    ]);
    s.ok(&["send", "beta", "echo beta saw Migration $((40+2))\\n"]);
    assert!(wait_until(PATIENCE, || s
        .capture("alpha")
        .contains("after-100")));
    assert!(wait_until(PATIENCE, || s
        .capture("beta")
        .contains("\nbeta saw Migration 42")));

    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("alpha");
    // the key is offered in the footer
    t.wait_for("S search");
    t.keys("S");
    t.wait_for("search every session");
    t.keys("migration 42");
    // lower case ignores case: both sessions, grouped under their names
    let screen = t.wait_for("the migration 42 ran");
    t.wait_for("beta saw Migration 42");
    assert!(screen.contains(" alpha local"), "{screen}");
    t.wait_for("3 matching lines in 2 sessions");
    // move to alpha's output line and open it
    let target = loop {
        let screen = t.screen();
        let selected = screen.lines().find(|l| l.starts_with('▶')).unwrap_or("");
        if selected.ends_with(": the migration 42 ran") {
            break selected.to_string();
        }
        t.keys("\x1b[B");
        assert!(
            wait_until(PATIENCE, || t.screen() != screen),
            "the selection did not move: {screen}"
        );
    };
    // its line number counts the command line's rows and 201 rows above it
    assert!(target.contains(" 204: "), "{target}");
    t.keys("\r");
    // the view opens in copy mode back in history, the match marked
    t.wait_for(" COPY ");
    let row = row_of(&t, "the migration 42 ran").expect("the match is on screen");
    assert!(marked(&t, row, 4), "'migration' is not highlighted");
    assert!(marked(&t, row, 15), "'42' is not highlighted");
    assert!(!marked(&t, row, 0), "'the' is highlighted");
    assert!(t.screen().contains("row-199"), "context above the match");

    // N: the previous (older) match, 201 rows up
    t.keys("N");
    assert!(wait_until(PATIENCE, || row_of(&t, "migration 42 started")
        .is_some_and(|r| marked(&t, r, 0))));
    // n: back to the output line
    t.keys("n");
    assert!(wait_until(PATIENCE, || row_of(&t, "the migration 42 ran")
        .is_some_and(|r| marked(&t, r, 4))));
}

#[test]
fn search_mode_with_no_match_says_so_and_esc_returns_to_the_list() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "alpha"]);
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("alpha");
    t.keys("S");
    t.wait_for("search every session");
    t.keys("zzz-nothing");
    t.wait_for("0 matching lines in 0 sessions");
    t.keys("\x1b");
    t.wait_gone("search every session");
    t.wait_for("S search");
}
