//! `sessui grep` as a user meets it: real jobs with real shells, a real
//! SQLite file, the real binary's output and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::Tui;
use common::{PATIENCE, Sandbox, wait_until};

/// Two sessions with known output: `alpha` printed a migration line,
/// `beta` 3,000 lines of history and a line in capitals at the end.
fn two_sessions() -> Sandbox {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "alpha"]);
    s.ok(&["new", "--name", "beta"]);
    s.ok(&["send", "alpha", "echo the migration $((40+2)) ran\\n"]);
    s.ok(&[
        "send",
        "beta",
        "for i in $(seq 1 3000); do echo row-$i; done; echo MIGRATION-$((6*7))\\n",
    ]);
    s.wait_screen("alpha", "\nthe migration 42 ran");
    s.wait_screen("beta", "\nMIGRATION-42");
    s
}

fn stdout_of(s: &Sandbox, args: &[&str]) -> (Option<i32>, String, String) {
    let out = s.run(args);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn grep_prints_session_line_and_text_for_every_session_and_exits_like_grep() {
    let s = two_sessions();
    let (code, out, err) = stdout_of(&s, &["grep", "migration 42"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("alpha:2: the migration 42 ran\n"), "{out}");
    // literal and case-sensitive by default: beta's capitals do not match
    assert!(!out.contains("beta:"), "{out}");
    // no colour when stdout is not a terminal
    assert!(!out.contains('\x1b'), "{out:?}");

    // history far above the screen is searched too, with its line number
    let (code, out, _) = stdout_of(&s, &["grep", "row-1500"]);
    assert_eq!(code, Some(0));
    let line = out.lines().find(|l| l.ends_with(": row-1500")).unwrap();
    let number: u32 = line
        .strip_prefix("beta:")
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // the command line took the first row(s); row-1 is on the next
    let first: u32 = out_line_of(&s, "row-1$");
    assert_eq!(number - first, 1499, "{out}");

    let (code, out, err) = stdout_of(&s, &["grep", "no such text anywhere"]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(1), "", ""));
}

fn out_line_of(s: &Sandbox, regex: &str) -> u32 {
    let out = s.ok(&["grep", "--regex", regex]);
    let line = out.lines().next().unwrap();
    line.split(':').nth(1).unwrap().parse().unwrap()
}

#[test]
fn grep_ignore_case_and_regex() {
    let s = two_sessions();
    let (code, out, _) = stdout_of(&s, &["grep", "-i", "migration"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("alpha:2: the migration 42 ran"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("beta:") && l.ends_with(": MIGRATION-42"))
    );

    // a regex; without --regex the same pattern is literal text and finds nothing
    let (code, out, _) = stdout_of(&s, &["grep", "--regex", r"^row-29\d\d$"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), 100, "{out}");
    assert!(out.lines().all(|l| l.starts_with("beta:")));
    s.fails(&["grep", r"^row-29\d\d$"], 1);

    // a bad regex: exit 2, a message naming the pattern and the fault
    let err = s.fails(&["grep", "--regex", "(unclosed"], 2);
    assert!(
        err.contains("'(unclosed'") && err.contains("unclosed group"),
        "{err}"
    );
    // an unknown host filter has nothing to search: no match
    s.fails(&["grep", "--host", "nowhere", "migration"], 1);
}

#[test]
fn grep_json_is_one_object_per_matching_line() {
    let s = two_sessions();
    let (code, out, _) = stdout_of(&s, &["grep", "--json", "-i", "migration"]);
    assert_eq!(code, Some(0));
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let alpha = objects
        .iter()
        .find(|o| o["session"] == "alpha" && o["text"] == "the migration 42 ran")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(alpha["host"], "local");
    assert_eq!(alpha["line"], 2);
    assert_eq!(alpha["matches"], serde_json::json!([[4, 13]]));
    assert_eq!(alpha["id"].as_str().unwrap().len(), 36);
    assert!(
        objects
            .iter()
            .any(|o| o["session"] == "beta" && o["text"] == "MIGRATION-42")
    );
}

#[test]
fn grep_highlights_matches_when_stdout_is_a_terminal() {
    let s = two_sessions();
    let mut tui = Tui::start(&s, &["grep", "migration 42"], 100, 30);
    tui.wait_for("the migration 42 ran");
    assert!(tui.wait_exit());
    let raw = String::from_utf8_lossy(&tui.raw_output()).into_owned();
    assert!(
        raw.contains("\x1b[1;31mmigration 42\x1b[m ran"),
        "no highlight in {raw:?}"
    );
}

#[test]
fn a_soft_wrapped_line_is_found_whole_across_the_wrap() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "wide"]);
    // 100 characters on an 80-column screen: the match spans the wrap
    let long = format!("{}needle-across{}", "x".repeat(73), "y".repeat(14));
    s.ok(&["send", "wide", &format!("echo {long}\\n")]);
    assert!(wait_until(PATIENCE, || s
        .capture("wide")
        .contains("yyyyyyyyyyyyyy\n")));
    let out = s.ok(&["grep", "needle-across"]);
    assert!(
        out.lines().any(|l| l.ends_with(&format!(": {long}"))),
        "{out}"
    );
}
