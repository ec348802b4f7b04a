//! An SSH host goes away and comes back: what ended meanwhile shows as
//! ended, what was changed meanwhile reaches the job, what was deleted
//! meanwhile leaves every window.

use std::sync::Arc;
use std::time::Duration;

use crate::common::pty::Tui;
use crate::common::{PATIENCE, pid_alive, wait_until};
use crate::remote::*;
use sessui::testing::host::NoPrompter;
use sessui::testing::store::Status;

fn open_remote_view(t: &mut Tui, name: &str) {
    t.wait_for("press n");
    t.keys("n");
    t.wait_for("New session");
    t.keys(&format!("{name}\tbox\r"));
    t.wait_for(&format!(" {name} "));
    t.type_line("echo ready-$((40+2))");
    t.wait_for("ready-42");
}

#[test]
fn a_session_that_died_during_an_outage_shows_as_ended_and_is_not_restarted() {
    let (sb, mut sshd) = setup();
    let mut t = Tui::start_with(&sb, &[], 100, 30, &[("SSH_AUTH_SOCK", "")]);
    open_remote_view(&mut t, "far");
    let job = sshd.remote_job_pids()[0];
    // the shell ends by itself while the link is down (a remote reboot would do the same)
    t.type_line("sleep 2; exit 7");
    t.wait_for("exit 7");
    sshd.stop();
    t.wait_for("reconnecting");
    assert!(
        wait_until(PATIENCE, || !pid_alive(job)),
        "the remote job did not end"
    );
    sshd.restart();
    t.wait_for("ended (exit 7)");
    assert_eq!(sb.session_json("far")["state"], "done");
    let alive: Vec<u32> = sshd
        .remote_job_pids()
        .into_iter()
        .filter(|p| pid_alive(*p))
        .collect();
    assert!(alive.is_empty(), "a new shell was started: {alive:?}");
    // a new shell only when asked: any key to the list, Enter starts one
    t.keys("x");
    t.wait_for("done (exit 7)");
    t.keys("\r");
    t.wait_for(" far ");
    t.type_line("echo again-$((4+4))");
    t.wait_for("again-8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_during_an_outage_reaches_the_job_when_the_host_is_back() {
    let (sb, mut sshd) = setup();
    let config = fast_config(&sb);
    let backstop = config.ssh.remote_idle.as_secs();
    let mgr = ssh_manager(&sb, config, Arc::new(NoPrompter));
    let s = mgr.create(remote("box")).await.unwrap();
    let id = s.id.to_string();
    let (_, info) = mgr.info(&id).await.unwrap();
    assert_eq!(
        info.unwrap().idle_timeout_secs,
        Some(3600),
        "anonymous: 1 h"
    );
    sshd.stop();
    wait_status(&mgr, &id, Status::Disconnected, PATIENCE).await;
    // named now: no limit of its own, so only the remote backstop applies
    mgr.rename(&id, "keep").await.unwrap();
    sshd.restart();
    wait_status(&mgr, &id, Status::Running, Duration::from_secs(60)).await;
    let mut seen = None;
    let t = std::time::Instant::now();
    while t.elapsed() < PATIENCE {
        seen = mgr
            .info(&id)
            .await
            .unwrap()
            .1
            .and_then(|i| i.idle_timeout_secs);
        if seen == backstop {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, backstop, "the job kept the anonymous limit");
}

#[test]
fn a_forced_delete_while_offline_ends_the_views_of_other_windows() {
    let (sb, mut sshd) = setup();
    let mut t = Tui::start_with(&sb, &[], 100, 30, &[("SSH_AUTH_SOCK", "")]);
    open_remote_view(&mut t, "doomed");
    sshd.stop();
    t.wait_for("reconnecting");
    let out = run_ok(&sb, &["kill", "--force", "doomed"]);
    assert!(out.contains("when the host is reachable again"), "{out}");
    t.wait_for("was deleted");
    t.wait_for("LAST ACTIVE");
    sshd.restart();
}

#[test]
fn a_lost_database_lists_the_remote_sessions_again() {
    let (sb, sshd) = setup();
    run_ok(&sb, &["new", "--host", "box", "--name", "far-away"]);
    let pid = sshd.remote_job_pids()[0];
    let db = sb.paths().db_file();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let out = sessui(&sb, &["ls", "--json"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let told = String::from_utf8_lossy(&out.stderr);
    assert!(told.contains("far-away"), "{told}");
    assert!(pid_alive(pid));
    let row = sb.session_json("far-away");
    assert_eq!(row["host"], "box");
    assert_eq!(row["state"], "running");
    run_ok(&sb, &["send", "far-away", "echo found-$((3*3))\\n"]);
    wait_screen(&sb, "far-away", "found-9");
}
