//! The core, as a user meets it: real `sessui` processes, real jobs with real
//! PTYs and shells, a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{PATIENCE, Sandbox, TestView, assert_same_screen, pid_alive, wait_until};
use sessui::testing::config::Config;
use sessui::testing::manager::CreateOpts;
use sessui::testing::protocol::ServerMsg;
use sessui::testing::term::Emulator;

fn job_pid(s: &Sandbox, name: &str) -> u32 {
    s.session_json(name)["job_pid"].as_u64().unwrap() as u32
}

fn signal(pid: u32, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig).unwrap();
}

#[test]
fn create_send_capture_round_trip() {
    let s = Sandbox::new();
    let id = s.ok(&["new", "--name", "build"]);
    assert_eq!(id.trim().len(), 36, "new prints the id: {id}");
    // the job is on record (for `ls`, other processes, clean-up) once `new` returns
    assert_eq!(s.job_pids().len(), 1);
    s.ok(&["send", "build", "echo hi-$((6*7))\\n"]);
    s.wait_screen("build", "hi-42");
    let table = s.ok(&["ls"]);
    assert!(table.starts_with("#  NAME"), "{table}");
    assert!(
        table.contains("build") && table.contains("running"),
        "{table}"
    );
}

#[test]
fn output_made_while_nobody_watches_is_in_capture() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "w"]);
    s.ok(&[
        "send",
        "w",
        "for i in $(seq 1 300); do echo line$i; done; echo DONE\\n",
    ]);
    let screen = s.wait_screen("w", "\nDONE");
    for i in [1, 150, 300] {
        assert!(
            screen.contains(&format!("\nline{i}\n")),
            "line{i} missing:\n{screen}"
        );
    }
    // without --scrollback only the screen (24 rows)
    let plain = s.ok(&["capture", "w"]);
    assert!(plain.lines().count() <= 24, "{plain}");
    assert!(!plain.contains("line1\n"));
}

#[test]
fn the_job_outlives_the_process_that_created_it() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "keep"]);
    // `sessui new` has exited; the job is nobody's child and still runs
    let pid = job_pid(&s, "keep");
    assert!(pid_alive(pid));
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let ppid: u32 = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(
        ppid,
        std::process::id(),
        "the job must not be the test's child"
    );
    // a fresh process reaches it and its screen
    s.ok(&["send", "keep", "echo still-here\\n"]);
    s.wait_screen("keep", "still-here");
}

#[test]
fn the_shell_knows_its_session() {
    let s = Sandbox::new();
    let id = s.ok(&["new", "--name", "env"]).trim().to_string();
    s.ok(&[
        "send",
        "env",
        "echo id=$SESSUI_SESSION term=$TERM ct=$COLORTERM\\n",
    ]);
    s.wait_screen("env", &format!("id={id} term=xterm-256color ct=truecolor"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_see_the_same_output_and_both_can_type() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "two"]);
    let mgr = s.manager(Config::default());
    let mut a = TestView::new(mgr.attach("two", 80, 24).await.unwrap().conn);
    let mut b = TestView::new(mgr.attach("two", 80, 24).await.unwrap().conn);
    a.type_text("echo from-$((1+1))a\r").await;
    a.expect("from-2a").await;
    b.expect("from-2a").await;
    b.type_text("echo from-$((2+2))b\r").await;
    a.expect("from-4b").await;
    b.expect("from-4b").await;
    assert_eq!(s.session_json("two")["views"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_screen_program_is_restored_exactly_on_a_new_attach() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "fs"]);
    let mgr = s.manager(Config::default());
    let mut live = TestView::new(mgr.attach("fs", 80, 24).await.unwrap().conn);
    live.ready().await;
    // alternate screen, application cursor keys, bracketed paste, colours, a
    // scroll region, a title, and the cursor left mid-screen, drawn by a
    // program that first waits to own the terminal: bash hands it over after
    // the fork, and a ^C in between reaches bash, which goes on waiting.
    live.type_text(concat!(
        "clear; printf 'main-screen-text\\n'; sh -c '",
        "until read -r _ _ _ _ pgrp _ _ fg _ </proc/$$/stat && [ $pgrp = $fg ]; do :; done; ",
        "printf \"\\033[?1049h\\033[?1h\\033[?2004h\\033]2;fs-title\\007\\033[H\\033[2J",
        "\\033[1;33mFULL\\033[m SCREEN\\033[3;5r\\033[10;20H\\033[44m blue \\033[m\\033[7;12H\"; ",
        "exec sleep 1000'\r"
    ))
    .await;
    // Bash turns bracketed paste on at every prompt and the echoed command
    // line holds the word "blue": wait for what only the program draws.
    assert!(
        live.until(|e| e.alternate_screen()
            && e.row_text(9).contains(" blue ")
            && e.cursor_position() == (6, 11))
            .await,
        "the program never drew its screen:\n{}",
        live.emu.screen_text()
    );
    let mut fresh = TestView::new(mgr.attach("fs", 80, 24).await.unwrap().conn);
    fresh.settle().await;
    live.settle().await;
    assert!(
        fresh.emu.alternate_screen(),
        "live:\n{}\nfresh:\n{}",
        live.emu.screen_text(),
        fresh.emu.screen_text()
    );
    assert!(fresh.emu.modes().application_cursor);
    assert_eq!(fresh.emu.title(), "fs-title");
    assert_eq!(fresh.emu.cursor_position(), (6, 11));
    assert_same_screen(&live.emu, &fresh.emu);
    // keys from the restored view reach the program; leaving it shows the
    // shell's screen again, the same in both
    fresh.type_text("\x03").await;
    // (typed text racing the ^C from another connection would be flushed with it)
    live.expect("^C").await;
    live.ready().await;
    live.type_text("printf '\\033[?1049l'; echo left-$((1+1))\r")
        .await;
    live.expect("left-2").await;
    fresh.expect("left-2").await;
    live.settle().await;
    fresh.settle().await;
    assert!(
        fresh.emu.screen_text().contains("main-screen-text"),
        "live:\n{}\nfresh:\n{}",
        live.emu.screen_text(),
        fresh.emu.screen_text()
    );
    assert_same_screen(&live.emu, &fresh.emu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vi_is_restored_exactly_on_a_new_attach() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "vi"]);
    let mgr = s.manager(Config::default());
    let mut live = TestView::new(mgr.attach("vi", 80, 24).await.unwrap().conn);
    live.ready().await;
    live.type_text("echo before-vi; vi -u NONE -N $HOME/vi-test.txt\r")
        .await;
    live.until(|e| e.alternate_screen()).await;
    live.type_text("ihello from vi\x1bo  second line\x1b").await;
    live.expect("second line").await;
    // vi takes the ESC as a key only after its escape timeout: wait until
    // it has left insert mode, or a fresh view may see the mode line the
    // live one has just seen cleared
    live.until(|e| !e.screen_text().contains("-- INSERT --"))
        .await;
    live.settle().await;
    let mut fresh = TestView::new(mgr.attach("vi", 80, 24).await.unwrap().conn);
    fresh.settle().await;
    live.settle().await;
    assert_same_screen(&live.emu, &fresh.emu);
    // cursor keys work in the restored view as in the live one
    fresh.type_text(":q!\r").await;
    // back in the shell once its next prompt is drawn (after vi has gone)
    let prompt = |e: &Emulator| !e.alternate_screen() && e.cursor_position().1 > 0;
    live.until(prompt).await;
    fresh.until(prompt).await;
    live.settle().await;
    fresh.settle().await;
    assert!(fresh.emu.screen_text().contains("before-vi"));
    assert_same_screen(&live.emu, &fresh.emu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_exit_is_news_and_attaching_again_starts_a_fresh_job() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "e"]);
    let first_job = s.session_json("e")["job_id"].clone();
    let mgr = s.manager(Config::default());
    let mut view = TestView::new(mgr.attach("e", 80, 24).await.unwrap().conn);
    view.ready().await;
    view.type_text("exit 3\r").await;
    view.until(|_| false).await; // runs to the end of the stream
    assert_eq!(view.exited.as_ref().and_then(|e| e.code), Some(3));
    // every later asker learns it too
    assert!(wait_until(PATIENCE, || s.session_json("e")["state"] == "done"));
    let row = s.session_json("e");
    assert_eq!(row["exit_code"], 3);
    assert!(s.ok(&["ls"]).contains("done (exit 3)"));
    let err = s.fails(&["send", "e", "hi"], 1);
    assert!(err.contains("ended") && err.contains("exit 3"), "{err}");
    // attach again: same session, new job
    let att = mgr.attach("e", 80, 24).await.unwrap();
    let mut again = TestView::new(att.conn);
    again.ready().await;
    let row = s.session_json("e");
    assert_eq!(row["state"], "running");
    assert_ne!(row["job_id"], first_job);
}

#[test]
fn delete_is_refused_while_the_job_cannot_be_stopped() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "frozen"]);
    let pid = job_pid(&s, "frozen");
    signal(pid, nix::sys::signal::Signal::SIGSTOP);
    let err = s.fails(&["kill", "frozen"], 1);
    assert!(
        err.contains("did not stop") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(s.session_json("frozen")["state"], "running");
    // --force kills it
    s.ok(&["kill", "frozen", "--force"]);
    assert!(s.ls_json().is_empty());
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
}

#[test]
fn a_dead_jobs_session_is_deleted_and_its_stale_socket_cleaned() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "dead"]);
    s.ok(&["new", "--name", "stale"]);
    let pids = [job_pid(&s, "dead"), job_pid(&s, "stale")];
    for pid in pids {
        signal(pid, nix::sys::signal::Signal::SIGKILL);
        assert!(wait_until(PATIENCE, || !pid_alive(pid)));
    }
    use std::os::unix::fs::FileTypeExt;
    let files = || std::fs::read_dir(s.paths().runtime_dir).unwrap().count();
    let sockets = || {
        std::fs::read_dir(s.paths().runtime_dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_type().unwrap().is_socket())
            .count()
    };
    assert_eq!(sockets(), 2, "SIGKILL leaves the sockets behind");
    // a stale socket is detected, never shown as 'connection refused'
    let err = s.fails(&["send", "stale", "hi"], 1);
    assert!(err.contains("ended") && !err.contains("refused"), "{err}");
    assert_eq!(s.session_json("stale")["state"], "done");
    // delete of a dead job goes through, with or without --force
    s.ok(&["kill", "dead", "--force"]);
    s.ok(&["kill", "stale"]);
    assert!(s.ls_json().is_empty());
    // nor anything else the jobs kept beside their sockets
    assert_eq!(files(), 0);
}

#[test]
fn a_job_enforces_its_own_idle_timeout() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "idle", "--idle-timeout", "1s"]);
    let pid = job_pid(&s, "idle");
    // nobody attached, no sessui running: the job ends itself
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
    let row = s.session_json("idle");
    assert_eq!(row["state"], "done");
    assert_eq!(row["exit"], "stopped after idle timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reaper_stops_overdue_sessions_and_removes_finished_ones() {
    let s = Sandbox::new();
    let mut config = Config::default();
    config.timeouts.done_retention = Duration::from_secs(1);
    let mgr = s.manager(config);
    let row = mgr
        .create(CreateOpts {
            name: "overdue".into(),
            cols: 80,
            rows: 24,
            ..Default::default()
        })
        .await
        .unwrap();
    // The session's limit shrinks behind the job's back (the job keeps its 2 days):
    // the reaper is the backstop.
    mgr.with_store(|st| {
        st.set_idle(
            &row.id,
            sessui::testing::store::IdleSetting::Own(sessui::testing::Timeout::After(
                Duration::from_secs(1),
            )),
        )
        .unwrap()
    });
    let pid = row.job.as_ref().unwrap().pid.unwrap();
    let mut report = Default::default();
    assert!(wait_until(PATIENCE, || {
        report = futures::executor::block_on(mgr.reap()).unwrap();
        report.stopped_idle == 1
    }));
    assert!(!pid_alive(pid));
    assert_eq!(
        s.session_json("overdue")["exit"],
        "stopped after idle timeout"
    );
    assert!(wait_until(PATIENCE, || {
        futures::executor::block_on(mgr.reap()).unwrap().removed == 1
    }));
    assert!(s.ls_json().is_empty());
}

#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "taken"]);
    let long = "x".repeat(65);
    for (args, code, says) in [
        (vec!["new", "--name", long.as_str()], 1, "at most 64"),
        (vec!["new", "--name", "a/b"], 1, "'/'"),
        (vec!["new", "--name", "tab\there"], 1, "control"),
        (vec!["new", "--name", "taken"], 1, "taken"),
        (vec!["new", "--idle-timeout", "soon"], 2, "30m"),
        (vec!["send", "ghost", "x"], 1, "no session named"),
        (vec!["send", "taken", "\\q"], 2, "unknown escape"),
        (vec!["rename", "taken"], 2, "--clear"),
        (vec!["rename", "ghost", "x"], 1, "ghost"),
        (vec!["kill", "ghost"], 1, "ghost"),
        (vec!["capture", "ghost"], 1, "ghost"),
        (vec!["new", "--cwd", "/no/such/dir"], 1, "not a directory"),
        (vec!["new", "--name", ""], 2, "cannot be empty"),
        (vec!["new", "--name", "   "], 2, "cannot be empty"),
    ] {
        let err = s.fails(&args, code);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let rows = s.ls_json();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "taken");
    // a blank name is refused above; an anonymous session has no --name
    s.ok(&["rename", "taken", "--clear"]);
    assert!(s.ls_json().iter().all(|r| r["name"].is_null()));
}

#[test]
fn a_corrupt_database_is_named_and_left_untouched() {
    let s = Sandbox::new();
    let db = s.sessui_home.join("sessions.db");
    let junk = b"definitely not a database; ".repeat(200);
    std::fs::write(&db, &junk).unwrap();
    let err = s.fails(&["ls"], 1);
    assert!(
        err.contains(&db.display().to_string()) && err.contains("damaged"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), junk);
}

#[test]
fn a_locked_database_says_so_and_loses_nothing() {
    let s = Sandbox::new();
    s.write_config("[timeouts]\ndb_busy = \"1s\"\n");
    s.ok(&["new", "--name", "first"]);
    let db = s.sessui_home.join("sessions.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch(
            "BEGIN EXCLUSIVE; INSERT INTO pending_stops (host, job_id, since) VALUES ('h','j',0);",
        )
        .unwrap();
    let err = s.fails(&["new", "--name", "second"], 1);
    assert!(
        err.contains("locked") && err.contains(&db.display().to_string()),
        "{err}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    // nothing half-made: no job left running for "second", and it can be made now
    assert_eq!(s.ls_json().len(), 1);
    assert_eq!(s.job_pids().len(), 1);
    s.ok(&["new", "--name", "second"]);
}

#[test]
fn four_processes_with_200_mixed_operations_each_keep_the_database_consistent() {
    let s = Sandbox::new();
    let script = r#"
        p=$1
        for i in $(seq 1 67); do
          "$SESSUI" new --name "p$p-$i" --cmd 'sleep 600' >/dev/null || echo "FAIL new $p $i"
          "$SESSUI" rename "p$p-$i" "q$p-$i" >/dev/null || echo "FAIL rename $p $i"
          if [ $((i % 3)) -ne 0 ]; then
            "$SESSUI" kill "q$p-$i" >/dev/null || echo "FAIL kill $p $i"
          fi
        done
    "#;
    let children: Vec<_> = (1..=4)
        .map(|p| {
            let mut cmd = std::process::Command::new("bash");
            s.apply_env(&mut cmd);
            cmd.env("SESSUI", common::bin())
                .args(["-c", script, "worker", &p.to_string()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && text.trim().is_empty(), "{text}");
    }
    let rows = s.ls_json();
    // 67 created per process, 45 of them killed: 22 left each
    assert_eq!(rows.len(), 4 * 22, "{rows:#?}");
    let mut names: Vec<_> = rows
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), rows.len());
    assert!(names.iter().all(|n| n.starts_with('q')));
    assert!(rows.iter().all(|r| r["state"] == "running"));
    // every live job belongs to a listed session, and every session's job lives
    let mut pids: Vec<u32> = rows
        .iter()
        .map(|r| r["job_pid"].as_u64().unwrap() as u32)
        .collect();
    pids.sort();
    let mut alive: Vec<u32> = s.job_pids().into_iter().filter(|p| pid_alive(*p)).collect();
    alive.sort();
    assert_eq!(pids, alive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_most_recently_active_view_sets_the_size_and_focus_moves_it() {
    use sessui::testing::protocol::ClientMsg;
    let s = Sandbox::new();
    s.ok(&["new", "--name", "sz"]);
    let mgr = s.manager(Config::default());
    let mut small = TestView::new(mgr.attach("sz", 80, 24).await.unwrap().conn);
    small.ready().await;
    // a second, bigger view attaches: it is the most recent, its size wins
    let mut big = TestView::new(mgr.attach("sz", 120, 40).await.unwrap().conn);
    big.settle().await;
    assert_eq!(big.emu.size(), (120, 40));
    assert!(
        small.until(|e| e.size() == (120, 40)).await,
        "small view kept its size"
    );
    assert_eq!(pty_size(&s, "sz"), "40 120");
    // typing in the small one makes it active again: both views follow
    small.type_text("stty size\r").await;
    small.expect("24 80").await;
    assert!(
        big.until(|e| e.size() == (80, 24)).await,
        "big view kept its size"
    );
    // focus on the big one moves it back, without typing: the PTY itself
    // is read from outside, so no input can be what resized it
    big.conn.send(ClientMsg::Focus).await.unwrap();
    assert!(
        small.until(|e| e.size() == (120, 40)).await,
        "focus did not move the size"
    );
    assert_eq!(pty_size(&s, "sz"), "40 120");
    // the active view leaves: the other's size applies at once
    drop(big);
    assert!(
        small.until(|e| e.size() == (80, 24)).await,
        "size stayed the gone view's"
    );
    assert_eq!(pty_size(&s, "sz"), "24 80");
}

/// The session's PTY size as `stty` reads it from outside ("rows cols"):
/// the shell's terminal, found through the job's child process.
fn pty_size(s: &Sandbox, session: &str) -> String {
    let job = s.session_json(session)["job_pid"].as_u64().unwrap();
    let children = std::fs::read_to_string(format!("/proc/{job}/task/{job}/children")).unwrap();
    let shell = children.split_whitespace().next().expect("the job's shell");
    let tty = std::fs::read_link(format!("/proc/{shell}/fd/0")).unwrap();
    let out = std::process::Command::new("stty")
        .arg("-F")
        .arg(&tty)
        .arg("size")
        .output()
        .unwrap();
    assert!(out.status.success(), "stty -F {}: {:?}", tty.display(), out);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A view is drawn from the screen alone: the job sends it before the
/// history, whose length then delays nothing on screen; the history comes
/// after it and the view ends up with the job's, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attaching_sends_the_screen_before_the_history() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "long"]);
    s.ok(&["send", "long", "seq 1 5000; echo end-$((2+2))\r"]);
    s.wait_screen("long", "end-4");
    let mgr = s.manager(Config::default());
    let mut conn = mgr.attach("long", 80, 24).await.unwrap().conn;
    let first = tokio::time::timeout(PATIENCE, conn.recv()).await.unwrap();
    let kind = match &first {
        Some(ServerMsg::Screen { .. }) => "the screen",
        Some(ServerMsg::History { .. }) => "history",
        Some(_) => "another message",
        None => "nothing",
    };
    assert_eq!(kind, "the screen", "the first answer to attach");
    let mut view = TestView::new(conn);
    view.apply_msg(first.unwrap());
    assert!(view.emu.screen_text().contains("end-4"));
    // The session is quiet: what the job holds now is what the view gets.
    let job = s.ok(&["capture", "long", "--scrollback", "10000"]);
    let job = job.trim_end().to_string();
    assert!(job.lines().count() > 5_000, "{job}");
    let same = view
        .until(|e| e.capture(10_000, false).trim_end() == job)
        .await;
    assert!(
        same,
        "the history that followed the screen is not the job's: {} lines of {}",
        view.emu.capture(10_000, false).lines().count(),
        job.lines().count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_that_falls_behind_is_resynced_and_told_what_it_missed() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "slow"]);
    let mgr = s.manager(Config::default());
    let mut view = TestView::new(mgr.attach("slow", 80, 24).await.unwrap().conn);
    view.ready().await;
    view.type_text("seq 1 3000000; echo end-$((2+2))\r").await;
    // Stop reading while the flood runs: the job must not wait for us.
    let pid = s.session_json("slow")["job_pid"].as_u64().unwrap() as u32;
    assert!(wait_until(PATIENCE, || s.capture("slow").contains("end-4")));
    let rss_kb: u64 = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap();
    assert!(
        rss_kb < 64 * 1024,
        "the job buffered a slow view's backlog: {rss_kb} kB"
    );
    // Catching up: a lag notice, then a fresh screen equal to the job's own.
    let lags = view.catch_up("end-4").await;
    assert!(
        !lags.is_empty(),
        "a view that fell this far behind must be told"
    );
    assert!(lags.iter().all(|&dropped| dropped > 0), "{lags:?}");
    let job_screen = s.ok(&["capture", "slow"]);
    let seen: Vec<String> = view
        .emu
        .screen_text()
        .lines()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let job: Vec<&str> = job_screen.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(seen, job);
    // The resync carried the rows that scrolled away meanwhile, and the
    // view's history is the job's, without repeats; where it fell further
    // behind than history keeps, one row says how many lines it lost.
    let job_history = s.ok(&["capture", "slow", "--scrollback", "10000"]);
    let view_history = view.emu.capture(10_000, false);
    let view_lines: Vec<&str> = view_history.lines().collect();
    let job_lines: Vec<&str> = job_history.lines().collect();
    assert_eq!(view_lines.len(), job_lines.len());
    assert!(
        view_lines[0].contains("lines not kept"),
        "{}",
        view_lines[0]
    );
    assert!(
        view_lines[1..] == job_lines[1..],
        "the view's history differs from the job's"
    );
}

/// Without a terminal (a script, cron), `sessui new` takes the default size
/// at once: crossterm's `size` would run `tput` twice first, two processes
/// on the way to every new session.
#[test]
fn new_without_a_terminal_starts_no_tput() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    let fake = s.home.join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let marker = fake.join("tput-callers");
    // Records who ran it: the CLI's process is `sessui`; the job's shell
    // may run tput for its own reasons.
    let script = fake.join("tput");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat /proc/$PPID/comm >> '{}'\necho 80\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    // `setsid`: no controlling terminal, as under cron, wherever the test runs.
    let mut cmd = s.command(std::path::Path::new("setsid"));
    cmd.arg("-w")
        .arg(common::bin())
        .args(["new", "--name", "quiet"])
        .env("PATH", path);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "sessui new failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let callers = std::fs::read_to_string(&marker).unwrap_or_default();
    assert!(
        !callers.lines().any(|c| c == "sessui"),
        "sessui new ran tput: {callers:?}"
    );
    // The session has the default size.
    s.ok(&["send", "quiet", "echo size-$(stty size | tr ' ' x)\\n"]);
    s.wait_screen("quiet", "size-24x80");
}
