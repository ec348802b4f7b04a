//! The UI in a real PTY when things go wrong: a damaged database, sessions
//! found again, switching into an ended or frozen session, a delete that
//! needs force.

use crate::common::pty::{CTRL_B, Tui, in_session};
use crate::common::{PATIENCE, Sandbox, corrupt_pages, pid_alive, wait_until};

fn pid_of(s: &Sandbox, name: &str) -> u32 {
    s.session_json(name)["job_pid"].as_u64().unwrap() as u32
}

fn signal(pid: u32, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig).unwrap();
}

/// A commit by another process that does not touch the sessions table:
/// every open sessui reads the list again.
fn poke(s: &Sandbox) {
    let c = rusqlite::Connection::open(s.paths().db_file()).unwrap();
    c.execute_batch(
        "INSERT INTO pending_stops (host, job_id, since) VALUES ('poke', 'poke', 0);
         DELETE FROM pending_stops WHERE host = 'poke';",
    )
    .unwrap();
}

#[test]
fn a_damaged_database_is_named_at_once_and_an_open_list_warns() {
    let s = Sandbox::new();
    for name in ["alpha", "beta", "gamma"] {
        s.ok(&["new", "--name", name]);
    }
    let mut open = Tui::start(&s, &[], 100, 30);
    open.wait_for("3 sessions");
    open.wait_for("gamma");
    corrupt_pages(&s.paths().db_file());
    poke(&s);
    // the open list keeps what it showed, and says it can no longer vouch for it
    open.wait_for("damaged");
    assert!(open.screen().contains("alpha"), "{}", open.screen());
    // a fresh one says what the command line says, at once: never "0 sessions"
    let fresh = Tui::start(&s, &[], 100, 30);
    let screen = fresh.wait_for("damaged");
    assert!(!screen.contains("press n"), "{screen}");
    assert!(!screen.contains("0 sessions"), "{screen}");
    open.keys("q");
}

#[test]
fn the_list_tells_once_that_it_found_running_sessions_again() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "build"]);
    s.ok(&["new", "--name", "logs"]);
    let db = s.paths().db_file();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("missing from the database");
    let screen = t.wait_for("logs");
    assert!(
        screen.contains("build") && screen.contains("running"),
        "{screen}"
    );
    t.keys("q");
    assert!(t.wait_exit());
    let t = Tui::start(&s, &[], 100, 30);
    t.wait_for("2 sessions");
    t.wait_for("logs");
    assert!(!t.screen().contains("missing from the database"));
}

#[test]
fn next_into_an_ended_session_shows_it_ended_and_starts_nothing() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "one"]);
    s.ok(&["new", "--name", "two"]);
    s.ok(&["send", "two", "exit 3\\n"]);
    assert!(wait_until(PATIENCE, || s.session_json("two")["state"] == "done"));
    let ended_job = s.session_json("two")["job_id"].clone();
    let mut t = Tui::start(&s, &["attach", "one"], 100, 30);
    in_session(&mut t, "one");
    t.keys(CTRL_B);
    t.keys("n");
    t.wait_for("ended (exit 3)");
    let row = s.session_json("two");
    assert_eq!(row["state"], "done", "{row}");
    assert_eq!(row["job_id"], ended_job, "a new shell was started: {row}");
    // still in the first session, which takes keys
    t.type_line("echo still-one-$((2+5))");
    t.wait_for("still-one-7");
    t.keys(CTRL_B);
    t.keys("d");
    assert!(t.wait_exit());
}

#[test]
fn a_failed_switch_keeps_the_current_view() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "here"]);
    s.ok(&["new", "--name", "frozen"]);
    let frozen = pid_of(&s, "frozen");
    signal(frozen, nix::sys::signal::Signal::SIGSTOP);
    let mut t = Tui::start(&s, &["attach", "here"], 100, 30);
    in_session(&mut t, "here");
    t.keys(CTRL_B);
    t.keys("n");
    // the job does not answer its hello: the switch fails, saying why
    t.wait_for("cannot switch to 'frozen'");
    let screen = t.screen();
    assert!(
        !screen.contains("LAST ACTIVE"),
        "the view was lost:\n{screen}"
    );
    t.type_line("echo kept-$((3+4))");
    t.wait_for("kept-7");
    signal(frozen, nix::sys::signal::Signal::SIGCONT);
}

#[test]
fn a_delete_that_cannot_stop_the_job_offers_to_force_it() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "stuck"]);
    let pid = pid_of(&s, "stuck");
    signal(pid, nix::sys::signal::Signal::SIGSTOP);
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("stuck");
    t.keys("d");
    t.wait_for("Delete session 'stuck'?");
    t.keys("y");
    t.wait_for("by force");
    assert!(pid_alive(pid));
    t.keys("y");
    t.wait_for("deleted 'stuck'");
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
    assert!(s.ls_json().is_empty());
}
