//! The database goes missing, is damaged, or stays locked: running shells
//! keep running and stay listed, and what sessui says is what happened.

use crate::common::{PATIENCE, Sandbox, corrupt_pages, pid_alive, run_what_it_says, wait_until};

fn pid_of(s: &Sandbox, name: &str) -> u32 {
    s.session_json(name)["job_pid"].as_u64().unwrap() as u32
}

/// Follows the documented fix for a damaged database to the letter.
#[test]
fn moving_a_damaged_database_aside_keeps_every_shell_running_and_listed() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "build"]);
    s.ok(&["new", "--name", "logs", "--idle-timeout", "3h"]);
    let anon = s.ok(&["new"]).trim().to_string();
    s.ok(&["send", "build", "echo before-$((1+1))\\n"]);
    s.wait_screen("build", "before-2");
    let pids = [pid_of(&s, "build"), pid_of(&s, "logs"), pid_of(&s, &anon)];

    let db = s.paths().db_file();
    corrupt_pages(&db);
    let err = s.fails(&["ls"], 1);
    assert!(err.contains("damaged"), "{err}");
    run_what_it_says(&err);

    let out = s.cmd(&["ls"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let told = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        told.contains("3 running sessions") && told.contains("build"),
        "the user is told what was found again: {told}"
    );
    for pid in pids {
        assert!(pid_alive(pid), "a running shell was ended");
    }
    let rows = s.ls_json();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows.iter().all(|r| r["state"] == "running"), "{rows:#?}");
    let named: Vec<_> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
    assert!(
        named.contains(&"build") && named.contains(&"logs"),
        "{named:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r["id"] == anon.as_str() && r["name"].is_null())
    );
    assert_eq!(s.session_json("logs")["idle_timeout"], "3h");
    // told once: the next command says nothing more
    let again = s.cmd(&["ls"]).output().unwrap();
    assert!(
        again.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // the same shell, screen and all
    s.ok(&["send", "build", "echo after-$((2+2))\\n"]);
    let screen = s.wait_screen("build", "after-4");
    assert!(screen.contains("before-2"), "{screen}");
    s.ok(&["kill", "logs"]);
    assert!(wait_until(PATIENCE, || !pid_alive(pids[1])));
}

#[test]
fn a_deleted_database_ends_no_shell_and_brings_back_only_live_ones() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "keep"]);
    s.ok(&["new", "--name", "gone"]);
    let keep = pid_of(&s, "keep");
    let gone = pid_of(&s, "gone");
    s.ok(&["kill", "gone"]);
    assert!(wait_until(PATIENCE, || !pid_alive(gone)));
    let db = s.paths().db_file();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let rows = s.ls_json();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["name"], "keep");
    assert!(pid_alive(keep));
}

/// The database stays locked while `kill` runs: either the shell still runs
/// and sessui says nothing changed, or it says the shell was stopped.
#[test]
fn kill_on_a_locked_database_tells_what_happened() {
    let s = Sandbox::new();
    s.write_config("[timeouts]\ndb_busy = \"1s\"\n");
    s.ok(&["new", "--name", "k"]);
    let pid = pid_of(&s, "k");
    let db = s.paths().db_file();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch(
            "BEGIN EXCLUSIVE; INSERT INTO pending_stops (host, job_id, since) VALUES ('h','j',0);",
        )
        .unwrap();
    let out = s.run(&["kill", "k"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    if pid_alive(pid) {
        assert!(
            !out.status.success() && said.contains("nothing was changed"),
            "{said}"
        );
        assert_eq!(s.session_json("k")["state"], "running");
        s.ok(&["send", "k", "echo alive-$((2+3))\\n"]);
        s.wait_screen("k", "alive-5");
    } else {
        assert!(
            !said.contains("nothing was changed"),
            "the shell is gone: {said}"
        );
        assert!(said.contains("stopped"), "{said}");
        assert!(wait_until(PATIENCE, || s.ls_json().is_empty()));
    }
}

/// Typing into a session needs the job, not a database write.
#[test]
fn send_works_while_the_database_is_locked() {
    let s = Sandbox::new();
    s.write_config("[timeouts]\ndb_busy = \"1s\"\n");
    s.ok(&["new", "--name", "typed"]);
    let db = s.paths().db_file();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch(
            "BEGIN EXCLUSIVE; INSERT INTO pending_stops (host, job_id, since) VALUES ('h','j',0);",
        )
        .unwrap();
    s.ok(&["send", "typed", "echo while-locked-$((1+2))\\n"]);
    s.wait_screen("typed", "while-locked-3");
    holder.execute_batch("ROLLBACK").unwrap();
}
