//! A session started by the previous release (protocol 1; its job keeps no
//! record of the session's name or command; database schema 1) is listed,
//! attachable and killable after an upgrade, and survives a lost database.
//!
//! The fixture is that release's own footprint: its schema (kept verbatim in
//! tests/fixtures/previous-release), the row it wrote, and its job start
//! request (the settings it gave its job for a session it made), run by this
//! build's job held to protocol 1 (a debug-build knob,
//! `SESSUI_JOB_MAX_PROTOCOL`). Between that release and this one the
//! messages of protocol 1 did not change, and the job's record only gained
//! `last_output_at` (which this job writes; a record without it is read in
//! the record's own tests), so on the wire this job is the old one, and on
//! disk it keeps no facts of its session, as the old one did not. To check
//! against the real thing, build the previous release and point
//! `SESSUI_PREVIOUS_RELEASE` at its binary: the test then lets it create the
//! session itself.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::pty::Tui;
use crate::common::{PATIENCE, Sandbox, TestView, bin, now_ms, pid_alive, wait_until};
use sessui::testing::config::Config;

const SCHEMA: &str = include_str!("../fixtures/previous-release/schema.sql");

/// A session named `name` as the previous release leaves it: returns the job's pid.
fn previous_release_session(s: &Sandbox, name: &str) -> u32 {
    if let Some(old) = std::env::var_os("SESSUI_PREVIOUS_RELEASE") {
        let mut cmd = Command::new(old);
        s.apply_env(&mut cmd);
        let out = cmd.args(["new", "--name", name]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        eprintln!("using the previous release's own binary");
        return s.session_json(name)["job_pid"].as_u64().unwrap() as u32;
    }
    let paths = s.paths();
    paths.create_all().unwrap();
    let db = rusqlite::Connection::open(paths.db_file()).unwrap();
    db.execute_batch(SCHEMA).unwrap();
    db.execute_batch("PRAGMA user_version = 1; PRAGMA journal_mode = WAL;")
        .unwrap();
    let session = sessui::testing::ids::SessionId::new().to_string();
    let job = sessui::testing::ids::JobId::new().to_string();
    let socket = paths.runtime_dir.join(format!("{job}.sock"));
    // What the previous release asked of a job for a named local session.
    // That release passed it as flags; this build's job reads it on stdin
    // (only the job's own binary ever starts it, so the form is internal).
    let spec = sessui::testing::job::JobSpec {
        start: sessui::testing::host::StartJob {
            session: sessui::testing::ids::SessionId::from_string(session.clone()),
            job: sessui::testing::ids::JobId::from_string(job.clone()),
            cols: 80,
            rows: 24,
            idle_timeout: sessui::testing::config::JOB_BACKSTOP,
            history: 10_000,
            term: "xterm-256color".into(),
            cwd: Some(s.home.clone()),
            shell: None,
            cmd: None,
            facts: Default::default(),
        },
        socket,
        records: paths.jobs_dir(),
        log: Some(paths.log_dir().join("sessui.log")),
        detach: true,
    };
    let mut cmd = Command::new(bin());
    s.apply_env(&mut cmd);
    let mut child = cmd
        .arg("job")
        .args([
            "--session",
            &session,
            "--job",
            &job,
            "--spec-stdin",
            "--detach",
        ])
        .env("SESSUI_JOB_MAX_PROTOCOL", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(&serde_json::to_vec(&spec).unwrap())
            .unwrap();
    }
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.wait().unwrap();
    let mut parts = line.trim().strip_prefix("READY ").unwrap().split(' ');
    let pid: u32 = parts.next().unwrap().parse().unwrap();
    let token = parts.next().unwrap().to_string();
    let now = now_ms();
    db.execute(
        "INSERT INTO sessions (id, name, host, status, job_id, job_pid, job_start, cwd,
            created_at, last_active_at, idle_since)
         VALUES (?1, ?2, 'local', 'running', ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
        rusqlite::params![
            session,
            name,
            job,
            pid,
            token,
            s.home.display().to_string(),
            now
        ],
    )
    .unwrap();
    pid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_of_the_previous_release_is_listed_attachable_and_killable() {
    let s = Sandbox::new();
    let pid = previous_release_session(&s, "old");
    // listed, by the new binary (which migrates the database)
    let row = s.session_json("old");
    assert_eq!(row["state"], "running", "{row}");
    // typed into and read
    s.ok(&["send", "old", "echo typed-$((6*7))\\n"]);
    s.wait_screen("old", "typed-42");
    // attached, in the UI, the screen as it is
    let mut t = Tui::start(&s, &["attach", "old"], 90, 24);
    t.wait_for(" old ");
    t.wait_for("typed-42");
    t.type_line("echo in-ui-$((2+3))");
    t.wait_for("in-ui-5");
    // detach returns to the shell sessui was started from
    t.keys("\x02d");
    assert!(t.wait_exit());
    // and by a view that speaks the job's protocol
    let mgr = s.manager(Config::default());
    let mut view = TestView::new(mgr.attach("old", 80, 24).await.unwrap().conn);
    if std::env::var_os("SESSUI_PREVIOUS_RELEASE").is_none() {
        assert_eq!(view.conn.version, 1, "the fixture speaks protocol 1");
    }
    view.expect("in-ui-5").await;
    drop(view);
    drop(mgr);
    // killed
    s.ok(&["kill", "old"]);
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
    assert!(s.ls_json().is_empty());
}

#[test]
fn a_session_of_the_previous_release_survives_a_lost_database() {
    let s = Sandbox::new();
    let pid = previous_release_session(&s, "old");
    s.ok(&["send", "old", "echo before-$((1+1))\\n"]);
    s.wait_screen("old", "before-2");
    let db: PathBuf = s.paths().db_file();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    // its job knows no name: it comes back as an anonymous session that no
    // timeout of sessui's ends (the job keeps its own)
    let rows = s.ls_json();
    assert!(pid_alive(pid), "the shell was ended");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["state"], "running");
    let id = rows[0]["id"].as_str().unwrap().to_string();
    s.ok(&["send", &id, "echo after-$((2+2))\\n"]);
    let screen = s.wait_screen(&id, "after-4");
    assert!(screen.contains("before-2"));
    s.ok(&["kill", &id]);
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
}
