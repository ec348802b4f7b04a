//! Fidelity against a reference terminal: each program runs (a) in a bare PTY
//! read by `alacritty_terminal` and (b) inside a sessui session, with the real
//! sessui binary in a PTY read by the same reference emulator; every cell
//! (text, colours, attributes), the cursor and its shape must agree, live and
//! after detach, quit and reattach from a fresh sessui.
//!
//! `cargo test --test conformance -- --ignored --nocapture table` prints the
//! same cases run through tmux beside sessui, where tmux is installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod reference;

use std::path::Path;
use std::time::Duration;

use common::{PATIENCE, Sandbox, bin};
use portable_pty::CommandBuilder;
use reference::{RefTerm, Screen};

const COLS: u16 = 100;
const ROWS: u16 = 30;
const CTRL_B: &[u8] = b"\x02";

/// A program and how to tell it has drawn.
struct Case {
    name: &'static str,
    /// Run with `sh -c` once Enter is pressed (so both sides start at the final size).
    command: String,
    /// Text on screen once the program has drawn everything.
    ready: &'static str,
    /// Keys typed once it is ready, each followed by the text to wait for.
    steps: Vec<(&'static [u8], &'static str)>,
    /// An environment variable for the session's job (and its program).
    job_env: Option<(&'static str, &'static str)>,
}

impl Case {
    fn new(name: &'static str, command: impl Into<String>, ready: &'static str) -> Case {
        Case {
            name,
            command: command.into(),
            ready,
            steps: Vec::new(),
            job_env: None,
        }
    }
}

/// The environment both sides give the program.
fn env(cmd: &mut CommandBuilder, s: &Sandbox) {
    cmd.env("HOME", &s.home);
    cmd.env("SESSUI_HOME", &s.sessui_home);
    cmd.env("SHELL", "/bin/bash");
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "C.UTF-8");
    cmd.env("LC_ALL", "C.UTF-8");
    cmd.env_remove("XDG_RUNTIME_DIR");
    cmd.env_remove("SESSUI_SESSION");
    cmd.env_remove("TMUX");
    cmd.env_remove("COLORFGBG");
    cmd.cwd(&s.home);
}

/// The program's command line: waits for Enter, so it starts once the
/// terminal has its final size, then runs; the shell stays afterwards so the
/// screen stays.
fn wrapped(command: &str) -> String {
    format!("read _; {command}; exec sleep 1000")
}

/// Waits until the screen shows `text` and has stopped changing.
fn settled(t: &RefTerm, text: &str, rows: usize) -> Screen {
    let shown = t.wait(PATIENCE, |s| s.contains(text));
    let mut last = match shown {
        Ok(s) => s,
        Err(s) => panic!("'{text}' never showed:\n{}", s.text()),
    };
    // Programs draw in bites: the screen is final once it holds still.
    loop {
        let now = t
            .wait(Duration::from_millis(300), |s| {
                last.differences(s, rows, true).is_some()
            })
            .err();
        match now {
            Some(_) => return last,
            None => last = t.screen(),
        }
    }
}

fn run_bare(case: &Case, s: &Sandbox) -> Screen {
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", &wrapped(&case.command)]);
    env(&mut cmd, s);
    let t = RefTerm::spawn(cmd, COLS, ROWS);
    t.keys(b"\r");
    let mut screen = settled(&t, case.ready, ROWS.into());
    for (keys, after) in &case.steps {
        t.keys(keys);
        screen = settled(&t, after, ROWS.into());
    }
    screen
}

fn sessui_view(s: &Sandbox, session: &str) -> RefTerm {
    let mut cmd = CommandBuilder::new(bin());
    cmd.args(["attach", session]);
    env(&mut cmd, s);
    RefTerm::spawn(cmd, COLS, ROWS + 1)
}

/// Waits until sessui's outer screen shows what the bare terminal shows.
fn agrees(t: &RefTerm, expected: &Screen) -> Result<(), String> {
    let rows = usize::from(ROWS);
    match t.wait(PATIENCE, |s| expected.differences(s, rows, true).is_none()) {
        Ok(_) => Ok(()),
        Err(got) => Err(expected.differences(&got, rows, true).unwrap_or_default()),
    }
}

/// How a case went through sessui: live, and after a reattach.
struct Outcome {
    live: Result<(), String>,
    reattached: Result<(), String>,
}

fn run_sessui(case: &Case, s: &Sandbox, expected: &Screen) -> Outcome {
    let mut new = s.cmd(&["new", "--name", case.name, "--cmd", &wrapped(&case.command)]);
    if let Some((k, v)) = case.job_env {
        new.env(k, v);
    }
    let made = new.output().unwrap();
    assert!(made.status.success(), "sessui new: {made:?}");
    let t = sessui_view(s, case.name);
    // The status line shows once the view is up: Enter then starts the program.
    t.wait(PATIENCE, |s| {
        s.row_text(usize::from(ROWS)).contains(case.name)
    })
    .unwrap_or_else(|s| panic!("no view of {}:\n{}", case.name, s.text()));
    t.keys(b"\r");
    t.wait(PATIENCE, |s| s.contains(case.ready))
        .unwrap_or_else(|s| panic!("{} never drew in sessui:\n{}", case.name, s.text()));
    for (keys, after) in &case.steps {
        t.keys(keys);
        t.wait(PATIENCE, |s| s.contains(after))
            .unwrap_or_else(|s| panic!("{} never showed '{after}':\n{}", case.name, s.text()));
    }
    let live = agrees(&t, expected);
    // Detach (back to the shell: sessui exits) and come back from a fresh sessui.
    t.keys(CTRL_B);
    t.keys(b"d");
    t.wait(PATIENCE, |s| !s.alt_screen).unwrap();
    drop(t);
    let t = sessui_view(s, case.name);
    let reattached = agrees(&t, expected);
    Outcome { live, reattached }
}

/// How the same case goes through tmux, for the side-by-side table.
fn run_tmux(case: &Case, s: &Sandbox, expected: &Screen) -> Outcome {
    let socket = s.dir.path().join("tmux.sock");
    let socket = socket.to_str().unwrap();
    let tmux = |args: &[&str]| {
        let mut cmd = std::process::Command::new("tmux");
        cmd.args(["-S", socket, "-f", "/dev/null"]).args(args);
        cmd.env("HOME", &s.home).env("TERM", "xterm-256color");
        cmd.output().unwrap()
    };
    let view = || {
        let mut cmd = CommandBuilder::new("tmux");
        cmd.args(["-S", socket, "-f", "/dev/null", "attach", "-t", case.name]);
        env(&mut cmd, s);
        RefTerm::spawn(cmd, COLS, ROWS + 1)
    };
    tmux(&[
        "new-session",
        "-d",
        "-s",
        case.name,
        "-x",
        &COLS.to_string(),
        "-y",
        &ROWS.to_string(),
        "sh",
        "-c",
        &wrapped(&case.command),
    ]);
    let t = view();
    t.wait(PATIENCE, |s| !s.row_text(usize::from(ROWS)).is_empty())
        .unwrap_or_else(|s| panic!("no tmux view of {}:\n{}", case.name, s.text()));
    t.keys(b"\r");
    let _ = t.wait(PATIENCE, |s| s.contains(case.ready));
    for (keys, after) in &case.steps {
        t.keys(keys);
        let _ = t.wait(PATIENCE, |s| s.contains(after));
    }
    let live = agrees(&t, expected);
    t.keys(CTRL_B);
    t.keys(b"d");
    let _ = t.wait(PATIENCE, |s| s.contains("detached"));
    drop(t);
    let t = view();
    let reattached = agrees(&t, expected);
    tmux(&["kill-server"]);
    Outcome { live, reattached }
}

/// Runs `case` both ways and fails with the differences, if any.
fn conforms(case: Case) {
    let s = Sandbox::new();
    let expected = run_bare(&case, &s);
    let outcome = run_sessui(&case, &s, &expected);
    if let Err(e) = outcome.live {
        panic!("{} live differs from the bare terminal: {e}", case.name);
    }
    if let Err(e) = outcome.reattached {
        panic!(
            "{} after reattach differs from the bare terminal: {e}",
            case.name
        );
    }
}

fn fixture(s: &Path, name: &str, bytes: &[u8]) -> String {
    let path = s.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn dialog_checklist_backdrop_is_painted_as_in_a_bare_terminal() {
    if which("dialog").is_none() {
        eprintln!("SKIPPED: dialog is not installed (tests/run-all.sh installs it)");
        return;
    }
    // While it shows, and after it ends (the backdrop's rows stay behind).
    conforms(Case::new(
        "dialog",
        "seq 100; dialog --checklist 'Pick some' 15 50 5 a first on b second off c third off",
        "Cancel",
    ));
    conforms(Case {
        steps: vec![
            (
                b"seq 100; dialog --checklist 'Pick some' 15 50 5 a first on b second off c third off\r",
                "Cancel",
            ),
            (b"\r", "AFTER-3"),
        ],
        ..Case::new("dialog-ended", "PS1='AFTER-$((1+2)) ' bash --norc -i", "AFTER-3")
    });
    // The program's terminfo changes what dialog sends (colours, line
    // drawing, the alternate screen): each as the program would be told.
    for (name, term) in [
        ("dialog-xterm", "xterm"),
        ("dialog-screen", "screen-256color"),
        ("dialog-tmux", "tmux-256color"),
    ] {
        conforms(Case {
            steps: vec![
                (
                    b"seq 100; dialog --checklist 'Pick some' 15 50 5 a first on b second off c third off\r",
                    "Cancel",
                ),
                (b"\r", "AFTER-3"),
            ],
            ..Case::new(
                name,
                format!("TERM={term} PS1='AFTER-$((1+2)) ' bash --norc -i"),
                "AFTER-3",
            )
        });
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

/// Escape sequences a terminal must get right, each family once.
fn torture() -> Vec<u8> {
    let mut t = String::new();
    t.push_str("\x1b[2J\x1b[H");
    // Addressing: absolute, relative, column, row.
    t.push_str("\x1b[5;10HX\x1b[2Aup\x1b[3Cright\x1b[10Gcol10\x1b[8drow8\x1b[1;80Htop-right");
    // Insert and delete characters and lines.
    t.push_str("\x1b[10;1Habcdefghij\x1b[10;3H\x1b[2@\x1b[10;6H\x1b[1P\x1b[10;12H\x1b[3X");
    t.push_str("\x1b[11;1Hline11\x1b[12;1Hline12\x1b[13;1Hline13\x1b[11;1H\x1b[L\x1b[13;1H\x1b[M");
    // A scroll region, scrolled by newlines, index and reverse index.
    t.push_str("\x1b[15;1Hkeep15\x1b[16;19r\x1b[19;1Hr1\r\nr2\r\nr3\x1bD\x1b[16;1H\x1bMrev\x1b[r");
    // Origin mode: addressing is relative to the region.
    t.push_str("\x1b[20;23r\x1b[?6h\x1b[2;1Horigin-row21\x1b[?6l\x1b[r");
    // Wrap at the last column, and a character exactly in it.
    t.push_str("\x1b[24;95H0123456789ABC\x1b[26;100HZ\x1b[27;1H");
    // Tabs forward and back.
    t.push_str("a\tb\tc\x1b[2Id\x1b[Ze");
    // DEC special graphics, by designation and by shift.
    t.push_str("\x1b[28;1H\x1b(0lqqk\x1b(B \x1b)0\x0eqx\x0f ok");
    // Every SGR this terminal keeps: intensity, italic, underline, inverse,
    // 16, 256 and 24-bit colours, and their resets.
    t.push_str("\x1b[29;1H\x1b[1mB\x1b[22;2mD\x1b[22;3mI\x1b[23;4mU\x1b[24;7mR\x1b[27m");
    for c in [30, 31, 37, 90, 97] {
        t.push_str(&format!("\x1b[{c}m{c}"));
    }
    for c in [40, 44, 47, 100, 107] {
        t.push_str(&format!("\x1b[{c}m{c}"));
    }
    t.push_str(
        "\x1b[39;49m\x1b[38;5;202m256\x1b[48;5;17mbg\x1b[38;2;1;2;3;48;2;200;100;50mrgb\x1b[m",
    );
    // Wide and combining characters, and an erase in a coloured pen.
    t.push_str("\x1b[30;1H日本語 e\u{301} \x1b[44mblue\x1b[K\x1b[m");
    t.push_str("\x1b[22;50H\x1b[ 5q");
    t.into_bytes()
}

#[test]
fn escape_sequence_torture_script_shows_as_in_a_bare_terminal() {
    let s = Sandbox::new();
    let file = fixture(&s.home, "torture.txt", &torture());
    let case = Case::new(
        "torture",
        format!("cat {file}; printf '\\033[2;60Hdone'"),
        "done",
    );
    let expected = run_bare(&case, &s);
    let outcome = run_sessui(&case, &s, &expected);
    outcome.live.unwrap();
    outcome.reattached.unwrap();
}

/// Every attribute a cell can have, alone and together, on text, blanks,
/// wide and combining characters and line drawing; then moved by scrolling,
/// inserting and deleting (what a cell carries must move with it).
fn attributes() -> Vec<u8> {
    let mut t = String::new();
    t.push_str("\x1b[2J\x1b[H");
    let sgrs = [
        // `21` is left out: xterm reads it as a double underline (as sessui
        // does), the reference terminal as no attribute.
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "4:1",
        "4:2",
        "4:3",
        "4:4",
        "4:5",
        "4;58;5;1",
        "4:3;58:5:200",
        "4:2;58;2;10;20;30",
        "4:3;58:2::200:100:50",
        "1;3;9;4:3;58;5;4;38;5;202;48;2;1;2;3",
        "7;9",
        "8;4",
        "31;44",
        "91;104",
        "38;5;17;48;5;230",
        "38;2;255;128;0;48;2;0;64;128",
        "9;4:3;58;5;1;59",
        "9;4:3;58;5;1;0;32",
        "9;29",
        "5;25",
        "8;28",
        "4:3;24",
        "4:3;4:0",
    ];
    for (i, sgr) in sgrs.iter().enumerate() {
        let row = i % 26 + 1;
        let col = i / 26 * 50 + 1;
        t.push_str(&format!("\x1b[{row};{col}H\x1b[{sgr}m{sgr} x \x1b[m|"));
    }
    // Wide, combining and line-drawing characters in a pen with extras.
    t.push_str("\x1b[27;1H\x1b[9;4:3;58;5;2m日本 e\u{301}\x1b(0lqk\x1b(B\x1b[m end");
    // An erase with extras set, and a space in them (underline shows on it).
    t.push_str("\x1b[27;40H\x1b[4:3;9m \x1b[K\x1b[m");
    // Moved: inserted and deleted characters, a line inserted above, a
    // region scrolled by a line feed.
    t.push_str("\x1b[28;1H\x1b[9mstrike\x1b[m plain\x1b[28;1H\x1b[3@\x1b[28;5H\x1b[1P");
    t.push_str("\x1b[26;1H\x1b[L\x1b[29;30r\x1b[30;1H\x1b[4:3mcurly\r\n\x1b[4:5mdash\x1b[m\x1b[r");
    // A hyperlink, and the pen still set when the program stops.
    t.push_str("\x1b[29;50H\x1b]8;;https://example.com/a\x1b\\link\x1b]8;;\x1b\\ after");
    t.push_str("\x1b[25;60H\x1b[9;4:2;58;5;3m");
    t.into_bytes()
}

#[test]
fn every_attribute_is_painted_as_in_a_bare_terminal() {
    let s = Sandbox::new();
    let file = fixture(&s.home, "attributes.txt", &attributes());
    let case = Case::new(
        "attributes",
        format!("cat {file}; printf 'still\\033[2;90Hdone'"),
        "done",
    );
    let expected = run_bare(&case, &s);
    let outcome = run_sessui(&case, &s, &expected);
    outcome.live.unwrap();
    outcome.reattached.unwrap();
}

/// Asks the terminal each question and prints the reply, escaped, one per line.
const ASK_SCRIPT: &str = r#"
# As programs do: no echo, no line editing while asking.
stty -echo -icanon min 1 time 0 < /dev/tty
ask() {
  printf '%b' "$2" > /dev/tty
  r=''
  IFS= read -r -s -t 1 -d "$3" r < /dev/tty && r="$r$3"
  printf '%s %q\n' "$1" "$r"
}
ask DA1 '\e[c' c
ask DA2 '\e[>c' c
ask DA3 '\e[=c' '\'
ask DSR '\e[5n' n
ask CPR '\e7\e[3;7H\e[6n\e8' R
ask DECXCPR '\e7\e[5;9H\e[?6n\e8' R
ask DECRQM-25 '\e[?25$p' y
ask DECRQM-2004 '\e[?2004h\e[?2004$p' y
ask DECRQM-1049 '\e[?1049$p' y
ask DECRQM-4 '\e[4$p' y
ask XTVERSION '\e[>q' '\'
ask XTWINOPS-14 '\e[14t' t
ask XTWINOPS-16 '\e[16t' t
ask XTWINOPS-18 '\e[18t' t
ask DECRQSS-m '\e[1;31m\eP$qm\e\\\e[m' '\'
ask DECRQSS-r '\e7\e[2;20r\eP$qr\e\\\e[r\e8' '\'
ask OSC-10 '\e]10;?\e\\' '\'
ask OSC-11 '\e]11;?\a' $'\a'
ask OSC-12 '\e]12;?\e\\' '\'
ask OSC-4-1 '\e]4;1;?\e\\' '\'
ask OSC-4-200 '\e]4;200;?\e\\' '\'
ask KITTY-KEYS '\e[?u' u
stty sane < /dev/tty
echo asked-all
"#;

/// Each question's name and the reply printed for it, escaped.
type Replies = Vec<(String, String)>;

/// The replies `ASK_SCRIPT` printed, by question.
fn replies(screen_text: &str) -> Replies {
    screen_text
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && k.starts_with(|c: char| c.is_ascii_uppercase()))
            .then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

#[test]
fn the_job_answers_every_query_even_with_no_view_attached() {
    let s = Sandbox::new();
    let script = fixture(&s.home, "ask.sh", ASK_SCRIPT.as_bytes());
    s.ok(&[
        "new",
        "--name",
        "q",
        "--cmd",
        &format!("bash {script}; exec sleep 1000"),
    ]);
    let text = s.wait_screen("q", "asked-all");
    let got = replies(&text);
    let get = |k: &str| {
        got.iter()
            .find(|(q, _)| q == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no line for {k} in:\n{text}"))
    };
    assert_eq!(get("DA1"), r"$'\E[?62;22c'");
    assert!(get("DA2").starts_with(r"$'\E[>1;"), "{text}");
    assert_eq!(get("DSR"), r"$'\E[0n'");
    assert_eq!(get("CPR"), r"$'\E[3;7R'");
    assert_eq!(get("DECXCPR"), r"$'\E[?5;9;1R'");
    assert_eq!(get("DECRQM-25"), r"$'\E[?25;1$y'");
    assert_eq!(get("DECRQM-2004"), r"$'\E[?2004;1$y'");
    assert_eq!(get("DECRQM-1049"), r"$'\E[?1049;2$y'");
    assert_eq!(get("DECRQM-4"), r"$'\E[4;2$y'");
    assert!(get("XTVERSION").contains("sessui"), "{text}");
    assert_eq!(get("XTWINOPS-18"), r"$'\E[8;24;80t'");
    assert_eq!(get("DECRQSS-m"), r"$'\EP1$r0;1;31m\E\\'");
    assert_eq!(get("DECRQSS-r"), r"$'\EP1$r2;20r\E\\'");
    // No view ever told the job its terminal's colours: the documented defaults.
    assert_eq!(get("OSC-10"), r"$'\E]10;rgb:e5e5/e5e5/e5e5\E\\'");
    assert_eq!(get("OSC-11"), r"$'\E]11;rgb:0000/0000/0000\a'");
    assert_eq!(get("OSC-4-200"), r"$'\E]4;200;rgb:ffff/0000/d7d7\E\\'");
    // sessui sends keys in the legacy encodings: no kitty keyboard protocol,
    // which programs learn from the missing reply (and DA1's).
    assert_eq!(get("KITTY-KEYS"), "''");
}

#[test]
fn the_directory_the_shell_reports_is_the_sessions_cwd() {
    let s = Sandbox::new();
    s.ok(&[
        "new",
        "--name",
        "cwd",
        "--cmd",
        r"printf '\033]7;file://somehost/tmp/a%%20dir\007reported'; exec sleep 1000",
    ]);
    s.wait_screen("cwd", "reported");
    let info = s.ok(&["info", "cwd", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(json["cwd"], "/tmp/a dir", "{info}");
}

/// Runs `ASK_SCRIPT` in `t` (already showing the program's terminal) and
/// returns the replies it printed.
fn ask_in(t: &RefTerm) -> Replies {
    let screen = t
        .wait(PATIENCE, |s| s.contains("asked-all"))
        .unwrap_or_else(|s| panic!("the questions never finished:\n{}", s.text()));
    replies(&screen.text())
}

/// The questions whose answers depend on the screen or on the terminal's
/// colours and size: these must come back exactly as the reference gives them.
const SAME_AS_REFERENCE: &[&str] = &[
    "DSR",
    "CPR",
    "DECRQM-25",
    "DECRQM-2004",
    "DECRQM-1049",
    "DECRQM-4",
    "XTWINOPS-14",
    "XTWINOPS-18",
    "OSC-10",
    "OSC-11",
    "OSC-12",
    "OSC-4-1",
    "OSC-4-200",
    "KITTY-KEYS",
];

fn ask_both(s: &Sandbox) -> (Replies, Replies) {
    let script = fixture(&s.home, "ask.sh", ASK_SCRIPT.as_bytes());
    let case = Case::new("ask", format!("bash {script}"), "asked-all");
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", &wrapped(&case.command)]);
    env(&mut cmd, s);
    let bare = RefTerm::spawn(cmd, COLS, ROWS);
    bare.keys(b"\r");
    let expected = ask_in(&bare);
    s.ok(&["new", "--name", "ask", "--cmd", &wrapped(&case.command)]);
    let t = sessui_view(s, "ask");
    t.wait(PATIENCE, |s| s.row_text(usize::from(ROWS)).contains("ask"))
        .unwrap();
    t.keys(b"\r");
    (expected, ask_in(&t))
}

#[test]
fn queries_in_a_session_are_answered_as_the_outer_terminal_answers_them() {
    let s = Sandbox::new();
    let (expected, got) = ask_both(&s);
    for key in SAME_AS_REFERENCE {
        let find =
            |v: &[(String, String)]| v.iter().find(|(k, _)| k == key).map(|(_, r)| r.clone());
        assert_eq!(
            find(&got),
            find(&expected),
            "{key}: sessui vs the bare terminal"
        );
    }
    // The colours are the outer terminal's own, learnt at start-up.
    let osc11 = got.iter().find(|(k, _)| k == "OSC-11").unwrap();
    assert_eq!(osc11.1, r"$'\E]11;rgb:f0f0/e8e8/d0d0\a'");
}

/// A program's output recorded in a bare terminal, to be replayed byte for
/// byte: programs whose screens change with time (top, htop) then show the
/// same screen on both sides.
fn recorded(s: &Sandbox, name: &str, command: &str, ready: &str) -> String {
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", command]);
    env(&mut cmd, s);
    let t = RefTerm::spawn(cmd, COLS, ROWS);
    settled(&t, ready, ROWS.into());
    fixture(&s.home, name, &t.raw())
}

fn vim_case(s: &Sandbox) -> Case {
    let text: String = (1..=40)
        .map(|i| format!("line {i} of the file\n"))
        .collect();
    let file = fixture(&s.home, "file.txt", text.as_bytes());
    Case::new(
        "vim",
        // No swap file (-n): the bare run and the one in sessui may
        // overlap, and a second vim on the file would stop at a warning.
        format!("vim -u NONE -N -i NONE -n {file}"),
        "line 29 of the file",
    )
}

fn less_case(s: &Sandbox) -> Case {
    let text: String = (1..=100)
        .map(|i| format!("\x1b[1mless\x1b[m line {i}\n"))
        .collect();
    let file = fixture(&s.home, "less.txt", text.as_bytes());
    Case::new("less", format!("less -R {file}"), "less line 29")
}

fn tput_case() -> Case {
    Case::new(
        "tput",
        "tput setaf 1; echo red; tput bold; tput smul; echo under; tput sgr0; \
         tput setab 4; tput cup 10 20; echo at-10-20; tput el; tput sgr0; tput civis; \
         tput cup 20 0; echo tput-done",
        "tput-done",
    )
}

fn whiptail_case() -> Case {
    Case::new(
        "whiptail",
        "whiptail --msgbox 'hello from whiptail' 10 40",
        "<Ok>",
    )
}

fn top_case(s: &Sandbox) -> Case {
    let file = recorded(s, "top.rec", "top -n 1 -d 1; sleep 1000", "PID");
    Case::new("top", format!("cat {file}"), "PID")
}

fn htop_case(s: &Sandbox) -> Case {
    let file = recorded(s, "htop.rec", "htop", "F10Quit");
    Case::new("htop", format!("cat {file}"), "F10Quit")
}

#[test]
fn vim_shows_as_in_a_bare_terminal() {
    let s = Sandbox::new();
    let case = vim_case(&s);
    let expected = run_bare(&case, &s);
    let o = run_sessui(&case, &s, &expected);
    o.live.unwrap();
    o.reattached.unwrap();
}

#[test]
fn less_tput_and_whiptail_show_as_in_a_bare_terminal() {
    let s = Sandbox::new();
    for case in [less_case(&s), tput_case(), whiptail_case()] {
        if case.name == "whiptail" && which("whiptail").is_none() {
            eprintln!("SKIPPED: whiptail is not installed");
            continue;
        }
        let name = case.name;
        let expected = run_bare(&case, &s);
        let o = run_sessui(&case, &s, &expected);
        o.live.unwrap_or_else(|e| panic!("{name} live: {e}"));
        o.reattached
            .unwrap_or_else(|e| panic!("{name} reattached: {e}"));
    }
}

#[test]
fn top_and_htop_screens_show_as_in_a_bare_terminal() {
    let s = Sandbox::new();
    let mut cases = vec![top_case(&s)];
    if which("htop").is_some() {
        cases.push(htop_case(&s));
    }
    for case in cases {
        let name = case.name;
        let expected = run_bare(&case, &s);
        let o = run_sessui(&case, &s, &expected);
        o.live.unwrap_or_else(|e| panic!("{name} live: {e}"));
        o.reattached
            .unwrap_or_else(|e| panic!("{name} reattached: {e}"));
    }
}

/// Prints every case through sessui and through tmux, live and reattached,
/// and the replies to every question, side by side with the reference's.
#[test]
#[ignore]
fn table() {
    let s = Sandbox::new();
    let torture_file = fixture(&s.home, "torture.txt", &torture());
    let attributes_file = fixture(&s.home, "attributes.txt", &attributes());
    let cases = vec![
        Case::new(
            "attributes",
            format!("cat {attributes_file}; printf 'still\\033[2;90Hdone'"),
            "done",
        ),
        Case::new(
            "torture",
            format!("cat {torture_file}; printf '\\033[2;60Hdone'"),
            "done",
        ),
        vim_case(&s),
        less_case(&s),
        tput_case(),
        whiptail_case(),
        Case::new(
            "dialog",
            "seq 100; dialog --checklist 'Pick some' 15 50 5 a first on b second off c third off",
            "Cancel",
        ),
        top_case(&s),
        htop_case(&s),
        crossterm_case(),
    ];
    let verdict = |r: &Result<(), String>| match r {
        Ok(()) => "same".to_string(),
        Err(e) => e.split(';').next().unwrap_or("differs").to_string(),
    };
    println!("| case | sessui live | sessui reattached | tmux live | tmux reattached |");
    println!("|---|---|---|---|---|");
    for case in cases {
        let own = Sandbox::new();
        let expected = run_bare(&case, &own);
        let ours = run_sessui(&case, &own, &expected);
        let theirs = run_tmux(&case, &own, &expected);
        println!(
            "| {} | {} | {} | {} | {} |",
            case.name,
            verdict(&ours.live),
            verdict(&ours.reattached),
            verdict(&theirs.live),
            verdict(&theirs.reattached)
        );
    }
    let (expected, got) = ask_both(&s);
    println!("\n| question | reference (alacritty) | sessui |\n|---|---|---|");
    for (k, v) in &expected {
        let ours = got.iter().find(|(q, _)| q == k).map(|(_, r)| r.as_str());
        println!("| {k} | `{v}` | `{}` |", ours.unwrap_or("-"));
    }
}

/// Sets a title, rings the bell, copies to the clipboard, asks for focus
/// reports and prints the first one it gets.
const PASS_SCRIPT: &str = r#"
printf '\033]2;build: make test\007'
printf '\007'
printf '\033]52;c;aGVsbG8gY2xpcA==\007'
printf '\033]52;c;?\007'
printf '\033[?1004h'
echo waiting-focus
IFS= read -rsn3 f
printf 'focus=%q\n' "$f"
echo passed-all
"#;

#[test]
fn titles_bells_clipboard_copies_and_focus_pass_through() {
    let s = Sandbox::new();
    let script = fixture(&s.home, "pass.sh", PASS_SCRIPT.as_bytes());
    let command = wrapped(&format!("bash {script}"));
    s.ok(&["new", "--name", "pass", "--cmd", &command]);
    let t = sessui_view(&s, "pass");
    t.wait(PATIENCE, |s| s.row_text(usize::from(ROWS)).contains("pass"))
        .unwrap();
    t.keys(b"\r");
    t.wait(PATIENCE, |s| s.contains("waiting-focus"))
        .unwrap_or_else(|s| panic!("never asked for focus:\n{}", s.text()));
    // The outer terminal gains focus: the program that asked hears it.
    t.keys(b"\x1b[I");
    let screen = t
        .wait(PATIENCE, |s| s.contains("passed-all"))
        .unwrap_or_else(|s| panic!("focus never reached the program:\n{}", s.text()));
    assert!(screen.contains(r"focus=$'\E[I'"), "{}", screen.text());
    let seen = t.happenings();
    assert!(
        seen.titles.iter().any(|t| t == "build: make test"),
        "titles: {:?}",
        seen.titles
    );
    assert!(seen.bells >= 1, "no bell rang");
    assert_eq!(seen.clipboard, vec!["hello clip".to_string()]);
    // The clipboard query was not passed on: nothing was asked of the outer terminal's clipboard.
    let asked = seen.replies.iter().any(|r| r.contains("]52;"));
    assert!(!asked, "{:?}", seen.replies);
}

/// The crossterm example (built from this repository): where the cursor is
/// comes back at once, and what it draws shows as in a bare terminal.
fn crossterm_case() -> Case {
    let dir = bin().parent().unwrap().join("examples");
    let probe = dir.join("crossterm_probe");
    if !probe.is_file() {
        // `cargo test --test conformance` alone builds no examples.
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = std::process::Command::new(cargo)
            .args(["build", "--example", "crossterm_probe"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(built.success(), "cannot build the crossterm example");
    }
    Case::new("crossterm", probe.display().to_string(), "crossterm-done")
}

#[test]
fn a_crossterm_program_learns_its_cursor_position_at_once_and_draws_as_in_a_bare_terminal() {
    let s = Sandbox::new();
    let case = crossterm_case();
    let expected = run_bare(&case, &s);
    assert!(
        expected.contains("position=Ok((7, 3)) quick=true"),
        "{}",
        expected.text()
    );
    let o = run_sessui(&case, &s, &expected);
    o.live.unwrap();
    o.reattached.unwrap();
}

/// A job held to protocol 2 (what the previous release's jobs speak) shows
/// what the current one shows: marks travel inside the screen's bytes.
#[test]
fn a_protocol_2_job_shows_every_attribute_and_the_torture_file() {
    let s = Sandbox::new();
    let attributes = fixture(&s.home, "attributes.txt", &attributes());
    let torture = fixture(&s.home, "torture.txt", &torture());
    for (name, file) in [("p2-attributes", attributes), ("p2-torture", torture)] {
        let case = Case {
            job_env: Some(("SESSUI_JOB_MAX_PROTOCOL", "2")),
            ..Case::new(
                name,
                format!("cat {file}; printf 'still\\033[2;90Hdone'"),
                "done",
            )
        };
        let expected = run_bare(&case, &s);
        let o = run_sessui(&case, &s, &expected);
        o.live.unwrap_or_else(|e| panic!("{name} live: {e}"));
        o.reattached
            .unwrap_or_else(|e| panic!("{name} reattached: {e}"));
    }
}
