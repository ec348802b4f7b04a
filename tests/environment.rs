//! The variables that follow the user: each attach records the attaching
//! login's display and connection for the session, and `sessui env` hands
//! them to a shell that is already running.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::{Tui, in_session};
use common::{PATIENCE, Sandbox, bin, wait_until};

/// In the session's shell: refresh with `eval "$(sessui env)"`, then write
/// what the shell now has to `out` and say `refreshed-<tag>`.
fn refresh(t: &mut Tui, out: &std::path::Path, tag: u32) {
    t.type_line(&format!(
        "clear; eval \"$('{}' env)\"; printf '%s|%s' \"${{DISPLAY-none}}\" \
         \"${{WAYLAND_DISPLAY-none}}\" > '{}'; echo refreshed-$((1000+{tag}))",
        bin().display(),
        out.display()
    ));
    t.wait_for(&format!("refreshed-{}", 1000 + tag));
}

/// Two logins attach in turn, each with its own display. After each
/// attach, `eval "$(sessui env)"` in the same running shell gives it that
/// login's DISPLAY exactly (a hostile one arrives whole and runs nothing)
/// and drops what that login lacks.
#[test]
fn each_attach_hands_its_display_to_the_running_shell_through_sessui_env() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "desk"]);
    let out = s.home.join("seen.txt");
    let canary = s.home.join("pwned");

    let mut from_a = Tui::start_with(
        &s,
        &["attach", "desk"],
        100,
        30,
        &[("DISPLAY", ":11"), ("WAYLAND_DISPLAY", "wayland-a")],
    );
    in_session(&mut from_a, "desk");
    refresh(&mut from_a, &out, 1);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), ":11|wayland-a");
    drop(from_a);

    let hostile = format!(
        ":12'; touch '{c}'; echo '$(touch {c})`touch {c}`",
        c = canary.display()
    );
    let mut from_b = Tui::start_with(
        &s,
        &["attach", "desk"],
        100,
        30,
        &[("DISPLAY", &hostile), ("WAYLAND_DISPLAY", "")],
    );
    in_session(&mut from_b, "desk");
    refresh(&mut from_b, &out, 2);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{hostile}|none")
    );
    assert!(!canary.exists(), "a value ran as a command");
}

/// Outside a session `sessui env` needs a name, and says so; a session
/// that is not running has nothing to bring up to date.
#[test]
fn sessui_env_names_what_it_needs() {
    let s = Sandbox::new();
    let err = s.fails(&["env"], 2);
    assert!(err.contains("SESSUI_SESSION is unset"), "{err}");
    assert!(err.contains("sessui env build"), "{err}");
    s.ok(&["new", "--name", "short", "--cmd", "exit 0"]);
    assert!(wait_until(PATIENCE, || s.session_json("short")["state"] == "done"));
    let err = s.fails(&["env", "short"], 1);
    assert!(
        err.contains("session 'short' has no running shell"),
        "{err}"
    );
    let err = s.fails(&["env", "nosuch"], 1);
    assert!(err.contains("nosuch"), "{err}");
}
