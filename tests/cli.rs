//! The command line as scripts and shells use it: the real binary, a real
//! SQLite file, real jobs; and `sessui attach` run from a real shell in a PTY.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pty::{
    CTRL_B, Terminal, assert_modes_reset, terminal, view_ready, wait_for, wait_gone,
};
use common::{PATIENCE, Sandbox, bin, wait_until};

const PROMPT: &str = "outer$ ";

/// A plain bash in a PTY, as a user's terminal tab: `sessui` is started from
/// it and must hand the terminal back as it found it.
struct Shell {
    term: Terminal,
}

impl Shell {
    fn start(s: &Sandbox) -> Shell {
        let mut cmd = s.pty_command(std::path::Path::new("/bin/bash"));
        cmd.args(["--norc", "--noprofile", "-i"]);
        cmd.env("PS1", PROMPT);
        // Readline's own bracketed paste would hide whether sessui left it on.
        let inputrc = s.root().join("inputrc");
        std::fs::write(&inputrc, "set enable-bracketed-paste off\n").unwrap();
        cmd.env("INPUTRC", &inputrc);
        let dir = bin().parent().unwrap().to_path_buf();
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", dir.display()));
        let sh = Shell {
            term: terminal("bash", cmd, 100, 30),
        };
        sh.wait_for(PROMPT);
        sh
    }

    fn keys(&mut self, text: &str) {
        self.term.send(text.as_bytes()).unwrap();
    }

    fn wait_for(&self, text: &str) -> String {
        wait_for(&self.term, text)
    }

    fn wait_gone(&self, text: &str) {
        wait_gone(&self.term, text);
    }

    /// Waits for the view of `name` and for its shell to take commands.
    fn in_session(&mut self, name: &str) {
        view_ready(&self.term, name);
    }

    /// Back at the outer shell: sessui has gone, the prompt takes commands,
    /// and the terminal is on its main screen with every mode reset.
    fn assert_back_at_the_prompt(&mut self) {
        // A second prompt: sessui has exited and the shell reads again.
        let mut last = String::new();
        let back = self.term.until(PATIENCE, |e| {
            last = e.screen_text();
            last.matches(PROMPT.trim_end()).count() >= 2
        });
        assert!(back.is_ok(), "the shell's prompt never came back:\n{last}");
        self.keys("echo outer-$((6*7))\r");
        let screen = self.wait_for("outer-42");
        assert!(screen.contains(PROMPT), "{screen}");
        assert!(
            !screen.contains("LAST ACTIVE"),
            "the list is showing:\n{screen}"
        );
        // Readline turns bracketed paste on at its prompt, so that is not
        // sessui's to reset; it is off because the test's shell says so.
        self.term.with_screen(assert_modes_reset);
    }
}

#[test]
fn detach_after_attach_returns_to_the_shell_it_was_started_from() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "dev"]);
    let mut sh = Shell::start(&s);
    sh.keys("sessui attach dev\r");
    sh.in_session("dev");
    sh.keys(CTRL_B);
    sh.keys("d");
    sh.assert_back_at_the_prompt();
    // detached, not ended
    assert_eq!(s.session_json("dev")["state"], "running");
    assert_eq!(s.session_json("dev")["views"], 0);
}

#[test]
fn detach_after_new_attach_returns_to_the_shell_and_the_switcher_still_opens() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "other"]);
    let mut sh = Shell::start(&s);
    sh.keys("sessui new --name fresh --attach\r");
    sh.in_session("fresh");
    // the list is one key away
    sh.keys(CTRL_B);
    sh.keys("s");
    sh.wait_for("Switch session");
    sh.wait_for("other");
    sh.keys("\x1b");
    sh.wait_gone("Switch session");
    sh.keys(CTRL_B);
    sh.keys("d");
    sh.assert_back_at_the_prompt();
    assert_eq!(s.session_json("fresh")["state"], "running");
}

/// A long-running sessui command whose output lines are read as they come.
struct Follower {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Follower {
    fn start(s: &Sandbox, args: &[&str]) -> Follower {
        let mut child = s
            .cmd(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Follower {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one satisfies `f`; returns it.
    fn until(&mut self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if f(&line) {
                        return line;
                    }
                }
                Err(_) => panic!("{what} never came; lines:\n{}", self.seen.join("\n")),
            }
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn events_sees_what_other_processes_do_in_order() {
    let s = Sandbox::new();
    let mut ev = Follower::start(&s, &["events", "--json"]);
    // `events` reads from the feed's end: wait until it runs before acting.
    assert!(wait_until(PATIENCE, || s.paths().db_file().exists()));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let id = s.ok(&["new", "--name", "ev1"]).trim().to_string();
    s.ok(&["rename", "ev1", "ev2"]);
    s.ok(&["kill", "ev2"]);
    let mut kinds = Vec::new();
    loop {
        let line = ev.until("the removal", |_| true);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], id.as_str(), "{line}");
        kinds.push((
            v["event"].as_str().unwrap().to_string(),
            v["name"].as_str().unwrap_or("").to_string(),
        ));
        if v["event"] == "removed" {
            break;
        }
    }
    let order: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
    let pos = |k: &str| order.iter().position(|o| *o == k).unwrap();
    assert!(pos("created") < pos("renamed"), "{kinds:?}");
    assert!(pos("renamed") < pos("removed"), "{kinds:?}");
    assert!(order.contains(&"state-changed"), "{kinds:?}");
    assert_eq!(kinds[pos("created")].1, "ev1");
    assert_eq!(kinds[pos("renamed")].1, "ev2");
}

#[test]
fn events_in_text_shows_attach_and_detach_of_a_view() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "watched"]);
    let mut ev = Follower::start(&s, &["events"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut sh = Shell::start(&s);
    sh.keys("sessui attach watched\r");
    sh.in_session("watched");
    let line = ev.until("attached", |l| l.contains("attached"));
    assert!(line.contains("watched") && line.contains("local"), "{line}");
    sh.keys(CTRL_B);
    sh.keys("d");
    ev.until("detached", |l| {
        l.contains("detached") && l.contains("watched")
    });
}

#[test]
fn wait_returns_when_the_state_is_reached_and_says_when_it_is_not() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "brief", "--cmd", "read line; exit 4"]);
    s.ok(&["wait", "brief", "--state", "running", "--timeout", "30s"]);
    // still running: the limit runs out with exit code 3, saying why
    let err = s.fails(&["wait", "brief", "--state", "done", "--timeout", "1s"], 3);
    assert!(
        err.starts_with("sessui: timed out") && err.contains("brief") && err.contains("running"),
        "{err}"
    );
    // the shell ends with nobody watching: wait sees it
    s.ok(&["send", "brief", "x\\n"]);
    s.ok(&["wait", "brief", "--state", "done", "--timeout", "30s"]);
    let err = s.fails(&["wait", "nosuch", "--state", "done"], 1);
    assert!(err.contains("nosuch"), "{err}");
    let err = s.fails(&["wait", "brief", "--state", "sleeping"], 2);
    assert!(err.starts_with("sessui: ") && err.contains("done"), "{err}");
}

#[test]
fn ls_watch_redraws_when_a_session_is_created() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "first"]);
    let mut w = Follower::start(&s, &["ls", "--watch"]);
    // rows start with the session's number, then its name
    let named = |name: &'static str| move |l: &str| l.split_whitespace().nth(1) == Some(name);
    w.until("the first table", named("first"));
    s.ok(&["new", "--name", "second"]);
    w.until("the second session", named("second"));
}

#[test]
fn config_check_path_and_default_and_every_command_refuses_a_bad_config() {
    let s = Sandbox::new();
    let file = s.sessui_home.join("config.toml");
    assert_eq!(s.ok(&["config", "path"]).trim(), file.display().to_string());
    // no file: defaults, valid
    assert!(s.ok(&["config", "check"]).contains("no such file"));
    // the default config, written out, passes the check and means the defaults
    let default = s.ok(&["config", "default"]);
    assert!(default.lines().filter(|l| l.starts_with('#')).count() > 10);
    s.write_config(&default);
    assert!(s.ok(&["config", "check"]).contains("valid"));
    // a key bound twice: the file, the key path, the other action, the fix
    s.write_config("[keys.prefix]\ndetach = \"s\"\n");
    let err = s.fails(&["config", "check"], 1);
    for part in [
        file.display().to_string().as_str(),
        "[keys.prefix] detach = \"s\"",
        "switch",
        "pick another key",
    ] {
        assert!(err.contains(part), "missing {part}: {err}");
    }
    // every command checks the whole file, not only the UI
    let err = s.fails(&["ls"], 1);
    assert!(err.contains("[keys.prefix] detach"), "{err}");
    s.write_config("[keys.prefix]\ndetach = \"dd\"\n");
    let err = s.fails(&["ls"], 1);
    assert!(
        err.contains("[keys.prefix] detach") && err.contains("'dd'"),
        "{err}"
    );
    let err = s.fails(&["config", "check"], 1);
    assert!(err.contains("'dd'"), "{err}");
}

#[test]
fn completions_name_sessions_and_the_man_page_is_generated() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "alpha"]);
    for shell in ["bash", "zsh", "fish"] {
        let script = s.ok(&["completions", shell]);
        assert!(script.contains("COMPLETE"), "{shell}: {script}");
    }
    let err = s.fails(&["completions", "tcsh"], 2);
    assert!(err.contains("tcsh") && err.contains("bash"), "{err}");
    // what the scripts ask: the candidates for a session argument
    let out = s
        .cmd(&["--", "sessui", "info", ""])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("alpha")), "{text}");
    // internal commands are never offered
    let out = s
        .cmd(&["--", "sessui", ""])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("attach") && !text.contains("agent"), "{text}");
    let man = s.ok(&["man"]);
    assert!(
        man.contains(".TH sessui 1") && man.contains("attach"),
        "{man}"
    );
}

#[test]
fn doctor_reports_paths_database_and_terminal_and_fails_on_a_bad_config() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "doc"]);
    let out = s.ok(&["doctor"]);
    for part in [
        "version",
        "sessions.db (1 sessions)",
        "runtime dir",
        "TERM=",
        "all checks passed",
    ] {
        assert!(out.contains(part), "missing {part}:\n{out}");
    }
    s.write_config("[ui]\nmax_fps = 0\n");
    let out = s.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL  config") && text.contains("ui.max_fps"),
        "{text}"
    );
}

#[test]
fn mistakes_are_said_with_one_prefix_and_internal_commands_stay_hidden() {
    let s = Sandbox::new();
    for args in [&["frob"][..], &["jo"], &["agen"]] {
        let err = s.fails(args, 2);
        assert!(err.starts_with("sessui: "), "{err}");
        assert!(!err.contains("'job'") && !err.contains("'agent'"), "{err}");
    }
    let help = s.ok(&["--help"]);
    assert!(!help.contains("agent") && !help.contains(" job "), "{help}");
    // flags of the UI are not repeated in every command's help
    let help = s.ok(&["ls", "--help"]);
    assert!(
        !help.contains("--accept-new-host-key") && !help.contains("--force"),
        "{help}"
    );
    // an id prefix too short to look up says so
    let err = s.fails(&["info", "13"], 1);
    assert!(err.contains("4 or more characters"), "{err}");
    // an empty name is refused, not read as anonymous
    let err = s.fails(&["new", "--name", ""], 2);
    assert!(
        err.starts_with("sessui: ") && err.contains("--name"),
        "{err}"
    );
    assert!(s.ls_json().is_empty());
}
