//! The TUI as a person uses it: the real binary in a real PTY, keys typed,
//! the screen read back through a terminal emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::{CTRL_B, Tui, in_session};
use common::{PATIENCE, Sandbox, pid_alive, wait_until};
use std::time::Duration;

#[test]
fn a_new_user_creates_detaches_renames_switches_quits_and_finds_everything_again() {
    let s = Sandbox::new();
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("press n to start your first session");

    // create-and-attach with a name, run a command
    t.keys("n");
    t.wait_for("New session");
    t.keys("build");
    t.keys("\r");
    in_session(&mut t, "build");
    t.type_line("echo hello-$((6*7))");
    t.wait_for("hello-42");

    // detach: the session is in the list, running
    t.keys(CTRL_B);
    t.keys("d");
    t.wait_for("LAST ACTIVE");
    let list = t.wait_for("build");
    assert!(list.contains("running"), "{list}");

    // a second session, anonymous
    t.keys("n");
    t.wait_for("New session");
    t.keys("\r");
    t.wait_for("running");
    t.type_line("echo second-$((1+1))");
    t.wait_for("second-2");

    // switch back to build through the list overlay: its screen is as left
    t.keys(CTRL_B);
    t.keys("s");
    t.wait_for("Switch session");
    t.keys("\x1b[B");
    t.keys("\r");
    t.wait_for(" build ");
    t.wait_for("hello-42");

    // and to the other with next
    t.keys(CTRL_B);
    t.keys("n");
    t.wait_for("second-2");

    // detach, rename build inline
    t.keys(CTRL_B);
    t.keys("d");
    t.wait_for("LAST ACTIVE");
    // the list is newest first: the anonymous one is on top; build is second
    t.keys("j");
    t.keys("r");
    t.wait_for("Enter saves");
    t.keys("-ci");
    t.keys("\r");
    // The prompt shows the new name as it is typed: the rename is done when
    // the prompt has gone.
    t.wait_gone("Enter saves");
    t.wait_for("build-ci");
    assert_eq!(s.session_json("build-ci")["state"], "running");

    // quit: sessions keep running, the terminal is as it was
    t.keys("q");
    assert!(t.wait_exit());
    t.assert_terminal_restored();
    assert_eq!(s.ls_json().len(), 2);

    // relaunch: everything where it was
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("build-ci");
    t.keys("/");
    t.keys("ci");
    t.keys("\r");
    t.wait_for(" build-ci ");
    t.wait_for("hello-42");
    t.type_line("echo back-$((3*3))");
    t.wait_for("back-9");
}

#[test]
fn sessui_attach_opens_attached_and_a_full_screen_program_comes_back_exactly() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "ed"]);
    let mut t = Tui::start(&s, &["attach", "ed"], 90, 24);
    in_session(&mut t, "ed");
    t.type_line("vi -u NONE -N $HOME/vi.txt");
    t.wait_for("~");
    t.keys("ihello from vi");
    t.keys("\x1b");
    t.wait_for("hello from vi");
    // vi has taken the Esc (it waits a moment for more of a sequence).
    t.wait_gone("-- INSERT --");
    // Compared as seen: a cell never written and a written blank look the
    // same, and which one a row ends in depends on earlier frames.
    let trimmed =
        |s: String| -> Vec<String> { s.lines().map(|l| l.trim_end().to_string()).collect() };
    let before = trimmed(t.screen());
    // detach goes back to the shell; a fresh `sessui attach` shows vi again
    t.keys(CTRL_B);
    t.keys("d");
    assert!(t.wait_exit());
    t.assert_terminal_restored();
    let mut t = Tui::start(&s, &["attach", "ed"], 90, 24);
    t.wait_for("hello from vi");
    assert_eq!(trimmed(t.screen()), before, "the reattached screen differs");
    // keys still reach vi
    t.keys(":q!\r");
    t.wait_for("ready-42");
}

#[test]
fn new_with_attach_opens_the_new_session_attached_and_detach_leaves_it_running() {
    let s = Sandbox::new();
    let mut t = Tui::start(&s, &["new", "--name", "na", "--attach"], 100, 30);
    // attached at once: the shell takes commands, no list in between
    in_session(&mut t, "na");
    assert!(!t.screen().contains("LAST ACTIVE"), "{}", t.screen());
    t.type_line("echo from-$((6*7))");
    t.wait_for("from-42");
    t.keys(CTRL_B);
    t.keys("d");
    assert!(t.wait_exit());
    t.assert_terminal_restored();
    assert_eq!(s.session_json("na")["state"], "running");
    assert!(s.capture("na").contains("from-42"));
}

#[test]
fn an_idle_attached_view_writes_nothing_to_the_terminal() {
    let s = Sandbox::new();
    let mut t = Tui::start(&s, &["new", "--name", "quiet", "--attach"], 100, 30);
    in_session(&mut t, "quiet");
    t.type_line("echo settled-$((6*7))");
    t.wait_for("settled-42");
    // Once the echo and any notice are drawn, a window of more than four
    // ticks of the UI's clock passes with not one byte to the terminal.
    let window = Duration::from_millis(1200);
    let mut last = Vec::new();
    let quiet = wait_until(Duration::from_secs(20), || {
        let before = t.raw_output().len();
        std::thread::sleep(window);
        let raw = t.raw_output();
        last = raw[before..].to_vec();
        last.is_empty()
    });
    assert!(
        quiet,
        "an idle view kept writing, last window: {:?}",
        String::from_utf8_lossy(&last)
    );
}

#[test]
fn keys_typed_right_after_creating_go_to_the_session() {
    let s = Sandbox::new();
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("press n");
    // "q" would quit on the list; typed at once after Enter it belongs to the shell
    t.keys("n");
    t.wait_for("New session");
    t.keys("fast\r");
    t.keys("echo qd-$((2+3))\r");
    t.wait_for("qd-5");
}

#[test]
fn two_windows_show_one_session_and_detaching_one_leaves_the_other() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "shared"]);
    let mut a = Tui::start(&s, &["attach", "shared"], 100, 30);
    in_session(&mut a, "shared");
    let mut b = Tui::start(&s, &["attach", "shared"], 100, 30);
    b.wait_for("ready-42");
    a.type_line("echo from-a-$((1+1))");
    b.wait_for("from-a-2");
    b.type_line("echo from-b-$((2+2))");
    a.wait_for("from-b-4");
    assert!(wait_until(PATIENCE, || s.session_json("shared")["views"] == 2));
    a.keys(CTRL_B);
    a.keys("d");
    assert!(a.wait_exit());
    assert!(wait_until(PATIENCE, || s.session_json("shared")["views"] == 1));
    b.type_line("echo still-$((3+3))");
    b.wait_for("still-6");
}

#[test]
fn killing_sessui_mid_stream_leaves_the_shell_running() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "flood"]);
    let mut t = Tui::start(&s, &["attach", "flood"], 100, 30);
    in_session(&mut t, "flood");
    t.type_line("while true; do echo flood-$((1+1))-$RANDOM; done");
    t.wait_for("flood-2-");
    t.signal(nix::sys::signal::Signal::SIGKILL);
    assert!(!t.wait_exit());
    let pid = s.session_json("flood")["job_pid"].as_u64().unwrap() as u32;
    assert!(pid_alive(pid));
    // the shell still runs and a fresh process reaches it
    s.ok(&["send", "flood", "\\x03"]);
    s.ok(&["send", "flood", "echo survived-$((5*5))\\n"]);
    s.wait_screen("flood", "survived-25");
    // the dead process's view is cleaned up by the next sessui
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("flood");
    assert!(wait_until(PATIENCE, || s.session_json("flood")["views"] == 0));
    t.keys("q");
    assert!(t.wait_exit());
}

#[test]
fn the_terminal_is_restored_on_sigterm_and_sighup() {
    for sig in [
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGHUP,
    ] {
        let s = Sandbox::new();
        s.ok(&["new", "--name", "kept"]);
        let mut t = Tui::start(&s, &["attach", "kept"], 100, 30);
        in_session(&mut t, "kept");
        // the program turns on modes the outer terminal must not keep
        t.type_line("printf '\\033[?1h\\033[?2004h\\033[?1000h'");
        t.signal(sig);
        t.wait_exit();
        t.assert_terminal_restored();
        assert_eq!(s.session_json("kept")["state"], "running", "{sig:?}");
        assert!(wait_until(PATIENCE, || s.session_json("kept")["views"] == 0));
    }
}

#[test]
fn the_terminal_is_restored_after_a_panic() {
    let s = Sandbox::new();
    let mut t = Tui::start_with(
        &s,
        &[],
        80,
        24,
        &[("SESSUI_DEBUG_PANIC", "after-first-frame")],
    );
    assert!(!t.wait_exit());
    t.assert_terminal_restored();
    let raw = String::from_utf8_lossy(&t.raw_output()).to_string();
    assert!(
        raw.contains("panicked"),
        "the panic message is shown after restoring: {raw}"
    );
}

#[test]
fn a_shell_exit_shows_in_the_view_and_enter_starts_it_again() {
    let s = Sandbox::new();
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("press n");
    t.keys("n");
    t.wait_for("New session");
    t.keys("gone\r");
    in_session(&mut t, "gone");
    t.type_line("exit 3");
    t.wait_for("ended (exit 3)");
    t.keys("x");
    t.wait_for("done (exit 3)");
    t.keys("\r");
    in_session(&mut t, "gone");
    assert_eq!(s.session_json("gone")["state"], "running");
}

#[test]
fn resizing_the_terminal_resizes_the_session() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "rs"]);
    let mut t = Tui::start(&s, &["attach", "rs"], 100, 30);
    in_session(&mut t, "rs");
    t.type_line("stty size");
    t.wait_for("29 100");
    t.resize(120, 40);
    // A key typed together with the resize may reach the shell before the
    // new size does: ask again until the shell answers with it.
    let resized = (0..20).any(|_| {
        t.type_line("stty size");
        wait_until(std::time::Duration::from_millis(500), || {
            t.screen().contains("39 120")
        })
    });
    assert!(resized, "the session never got 39x120:\n{}", t.screen());
}

#[test]
fn copy_mode_scrolls_history_and_q_leaves() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "hist"]);
    let mut t = Tui::start(&s, &["attach", "hist"], 80, 20);
    in_session(&mut t, "hist");
    t.type_line("seq 1 200 | sed 's/^/n/'");
    t.wait_for("n200");
    assert!(!t.screen().contains("n150\n"));
    t.keys(CTRL_B);
    t.keys("[");
    t.wait_for(" COPY  0/");
    // two pages of 19 rows up: n150 is in view
    t.keys("\x1b[5~");
    t.keys("\x1b[5~");
    t.wait_for("n150");
    t.keys("q");
    t.wait_gone(" COPY ");
    t.wait_for("n200");
}

/// The whole copy path as a tmux user runs it: enter copy mode, search
/// back into history, select to the end of the line, copy; the outer
/// terminal gets the text by OSC 52, the copy command gets it on its
/// input, and the prefix's paste types it into the shell.
#[test]
fn copy_mode_searches_selects_copies_to_the_clipboard_and_the_command_and_pastes() {
    let s = Sandbox::new();
    let copied = s.home.join("copied.txt");
    s.write_config(&format!(
        "[ui]\ncopy_command = \"cat > '{}'\"\n",
        copied.display()
    ));
    s.ok(&["new", "--name", "cp"]);
    let mut t = Tui::start(&s, &["attach", "cp"], 80, 20);
    in_session(&mut t, "cp");
    // The text to find is only in the output, never in the typed command.
    t.type_line("printf 'the-%s here\\n' needle; seq 1 30 | sed 's/^/row/'");
    t.wait_for("row30");
    assert!(!t.screen().contains("the-needle"), "{}", t.screen());
    t.keys(CTRL_B);
    t.keys("[");
    t.wait_for(" COPY ");
    t.keys("?the-needle\r");
    t.wait_for("the-needle here");
    t.keys("v$");
    t.wait_for("1 line, 15 chars");
    t.keys("y");
    t.wait_gone(" COPY ");
    // base64 of "the-needle here"
    let osc = b"\x1b]52;c;dGhlLW5lZWRsZSBoZXJl\x1b\\";
    let sent = wait_until(PATIENCE, || {
        t.raw_output().windows(osc.len()).any(|w| w == osc)
    });
    assert!(sent, "no OSC 52 with the copied text reached the terminal");
    let piped = wait_until(PATIENCE, || {
        std::fs::read_to_string(&copied).is_ok_and(|c| c == "the-needle here")
    });
    assert!(
        piped,
        "the copy command got {:?}",
        std::fs::read_to_string(&copied)
    );
    t.keys("echo pasted:");
    t.keys(CTRL_B);
    t.keys("]");
    t.keys("\r");
    t.wait_for("pasted:the-needle here");
}

#[test]
fn inside_a_session_sessui_refuses_to_nest_unless_forced() {
    let s = Sandbox::new();
    let out = s.cmd(&[]).env("SESSUI_SESSION", "abc").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("inside sessui session abc") && err.contains("--force"),
        "{err}"
    );
    let mut t = Tui::start_with(&s, &["--force"], 80, 24, &[("SESSUI_SESSION", "abc")]);
    t.wait_for("press n");
    t.keys("q");
    assert!(t.wait_exit());
}

/// The terminal window closes under sessui (here: the tmux it runs in is
/// killed): sessui ends and lets go of the session, which keeps running.
#[test]
fn a_closed_terminal_ends_sessui_and_keeps_the_session() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "kept"]);
    let socket = s.dir.path().join("tmux.sock");
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .env("HOME", &s.home)
            .env_remove("TMUX")
            .output()
            .expect("tmux is needed for this test: tests/run-all.sh installs it")
    };
    let command = format!(
        "exec env SESSUI_HOME='{}' HOME='{}' SHELL=/bin/bash '{}' attach kept",
        s.sessui_home.display(),
        s.home.display(),
        common::bin().display()
    );
    let started = tmux(&["new-session", "-d", "-x", "100", "-y", "30", &command]);
    assert!(started.status.success(), "tmux: {started:?}");
    assert!(wait_until(PATIENCE, || s.session_json("kept")["views"] == 1));
    let pane = tmux(&["display-message", "-p", "#{pane_pid}"]);
    let pid: u32 = String::from_utf8_lossy(&pane.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(tmux(&["kill-server"]).status.success());
    let gone = wait_until(PATIENCE, || !pid_alive(pid));
    if !gone {
        // Do not leave a spinning process behind a failed run.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(gone, "sessui kept running after its terminal closed");
    assert!(
        wait_until(PATIENCE, || s.session_json("kept")["views"] == 0),
        "sessui kept its view after its terminal closed"
    );
    assert_eq!(s.session_json("kept")["state"], "running");
}

/// The prefix is the prefix however the terminal encodes Ctrl-b: as
/// xterm's modifyOtherKeys (`CSI 27;5;98~`), as the kitty keyboard
/// protocol / fixterms (`CSI 98;5u`), and with kitty's lock-key bits
/// (Caps Lock, Num Lock) set.
#[test]
fn the_prefix_detaches_under_modify_other_keys_and_the_kitty_protocol() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "mk"]);
    for prefix in ["\x1b[27;5;98~", "\x1b[98;5u", "\x1b[98;69u", "\x1b[98;133u"] {
        let mut t = Tui::start(&s, &["attach", "mk"], 100, 30);
        in_session(&mut t, "mk");
        t.keys(prefix);
        t.keys("d");
        assert!(
            t.wait_exit(),
            "{prefix:?} then d did not detach:\n{}",
            t.screen()
        );
        t.assert_terminal_restored();
    }
    assert_eq!(s.session_json("mk")["state"], "running");
}

/// A paste whose end marker is lost (a terminal bug, a cut connection)
/// gives the keyboard back after a pause: what is typed next runs.
#[test]
fn a_paste_that_never_ends_does_not_swallow_the_keys_after_it() {
    let s = Sandbox::new();
    let mut t = Tui::start(&s, &["new", "--name", "pp", "--attach"], 100, 30);
    in_session(&mut t, "pp");
    t.keys("\x1b[200~echo after-$((6*7))");
    // Enter, with pauses longer than a paste waits, until the shell runs
    // the line: a key typed while the paste is still open joins it, the
    // first after it ended runs it.
    let ran = (0..20).any(|_| {
        t.keys("\r");
        t.wait_text(std::time::Duration::from_millis(1500), "after-42")
            .is_ok()
    });
    assert!(
        ran,
        "the keys after an open paste never ran:\n{}",
        t.screen()
    );
}

/// What is typed reaches the shell as typed: UTF-8 text, arrows and
/// line editing keys, Alt chords, and pastes, including one that arrives
/// in pieces split inside its markers.
#[test]
fn text_arrows_alt_keys_and_pastes_reach_the_shell_exactly() {
    let s = Sandbox::new();
    let mut t = Tui::start(&s, &["new", "--name", "ed", "--attach"], 100, 30);
    in_session(&mut t, "ed");
    // Left arrow and an insert; Home (CSI H) and End (CSI F) around it.
    t.keys("cho a-c-\u{e9}\u{1f600}");
    t.keys("\x1b[D\x1b[D\x1b[D\x1b[Db");
    t.keys("\x1b[He\x1b[F");
    t.keys("\r");
    t.wait_for("a-bc-\u{e9}\u{1f600}");
    // Up recalls the line; Ctrl-a, Alt-f (ESC f) past "echo", Ctrl-k edit it.
    t.keys("\x1b[A\x01\x1bf\x0b alt-$((2+2))\r");
    t.wait_for("alt-4");
    // A paste arrives whole; one split inside both markers too.
    t.keys("\x1b[200~echo pasted-$((5*5))\x1b[201~\r");
    t.wait_for("pasted-25");
    for part in [
        "\x1b[20",
        "0~echo sp",
        "lit-$((3*3))\x1b[2",
        "01",
        "~",
        "\r",
    ] {
        t.keys(part);
    }
    t.wait_for("split-9");
}
