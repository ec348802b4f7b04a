//! The figures in docs/reliability.md: every fault tried, run by hand and
//! printed, never timed as a pass/fail test. Run them with
//!
//! ```sh
//! cargo test --test reliability figure_ -- --ignored --nocapture --test-threads=1
//! ```
//!
//! (as root, for the full disk and the read-only database). Each prints
//! `FIGURE <fault>: <what happened>` lines.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::pty::Tui;
use crate::common::{
    PATIENCE, Sandbox, TestView, corrupt_pages, pid_alive, run_what_it_says, wait_until,
};
use crate::remote::*;
use sessui::testing::host::NoPrompter;
use sessui::testing::store::Status;

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

fn pid_of(s: &Sandbox, name: &str) -> u32 {
    s.session_json(name)["job_pid"].as_u64().unwrap() as u32
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn percentile(sorted: &[u128], p: f64) -> u128 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
#[ignore]
fn figure_ui_sigkill_during_a_flood() {
    let s = Sandbox::new();
    let names: Vec<String> = (0..5).map(|i| format!("flood{i}")).collect();
    for n in &names {
        s.ok(&["new", "--name", n]);
        s.ok(&["send", n, "while :; do echo flood-$RANDOM-$RANDOM; done\\n"]);
    }
    let pids: Vec<u32> = names.iter().map(|n| pid_of(&s, n)).collect();
    let mut t = Tui::start(&s, &["attach", "flood0"], 100, 30);
    t.wait_for("flood-");
    t.signal(nix::sys::signal::Signal::SIGKILL);
    t.wait_exit();
    let alive = pids.iter().filter(|p| pid_alive(**p)).count();
    let (_, took) = timed(|| s.ok(&["ls"]));
    let views = s.session_json("flood0")["views"].clone();
    println!(
        "FIGURE ui-sigkill-in-flood: {alive}/5 flooding shells alive; the next `ls` ({} ms) cleared the dead view (views {views})",
        ms(took)
    );
    for n in &names {
        s.ok(&["kill", n, "--force"]);
    }
}

#[test]
#[ignore]
fn figure_job_sigkill() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "victim"]);
    let pid = pid_of(&s, "victim");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
    let (out, took) = timed(|| s.ok(&["ls"]));
    let state = out
        .lines()
        .find(|l| l.contains("victim"))
        .unwrap_or("")
        .to_string();
    println!(
        "FIGURE job-sigkill: next `ls` ({} ms) shows: {state}",
        ms(took)
    );
}

#[test]
#[ignore]
fn figure_locked_database() {
    let s = Sandbox::new();
    s.write_config("[timeouts]\ndb_busy = \"1s\"\n");
    s.ok(&["new", "--name", "k"]);
    let holder = rusqlite::Connection::open(s.paths().db_file()).unwrap();
    holder
        .execute_batch(
            "BEGIN EXCLUSIVE; INSERT INTO pending_stops (host, job_id, since) VALUES ('h','j',0);",
        )
        .unwrap();
    let (new, t_new) = timed(|| s.run(&["new", "--name", "n"]));
    let (send, t_send) = timed(|| s.run(&["send", "k", "echo hi\\n"]));
    let (kill, t_kill) = timed(|| s.run(&["kill", "k"]));
    holder.execute_batch("ROLLBACK").unwrap();
    let pid = pid_of(&s, "k");
    println!(
        "FIGURE locked-db (db_busy 1 s): new fails in {} ms ({}); send {} in {} ms; kill {} in {} ms, shell alive: {}",
        ms(t_new),
        String::from_utf8_lossy(&new.stderr).trim(),
        if send.status.success() {
            "works"
        } else {
            "FAILS"
        },
        ms(t_send),
        if kill.status.success() {
            "succeeds"
        } else {
            "refuses"
        },
        ms(t_kill),
        pid_alive(pid)
    );
}

#[test]
#[ignore]
fn figure_damaged_then_moved_database() {
    let s = Sandbox::new();
    for i in 0..20 {
        s.ok(&["new", "--name", &format!("s{i}"), "--cmd", "sleep 600"]);
    }
    let pids: Vec<u32> = sessui::testing::job::read_job_records(&s.paths().jobs_dir())
        .unwrap()
        .into_iter()
        .map(|r| r.pid)
        .collect();
    corrupt_pages(&s.paths().db_file());
    let (err, t_err) = timed(|| s.fails(&["ls"], 1));
    run_what_it_says(&err);
    let (out, t_ls) = timed(|| s.cmd(&["ls"]).output().unwrap());
    let alive = pids.iter().filter(|p| pid_alive(**p)).count();
    println!(
        "FIGURE damaged-db: `ls` says so in {} ms; after the move the next `ls` lists {} sessions again in {} ms; {alive}/20 shells alive; stderr: {}",
        ms(t_err),
        s.ls_json().len(),
        ms(t_ls),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

#[test]
#[ignore]
fn figure_socket_directory_wiped() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "sock"]);
    std::fs::remove_dir_all(s.paths().runtime_dir).unwrap();
    let start = Instant::now();
    let mut failures = 0;
    let ok = wait_until(Duration::from_secs(20), || {
        let good = s.run(&["capture", "sock"]).status.success();
        failures += usize::from(!good);
        good
    });
    println!(
        "FIGURE socket-dir-wiped: capture works again after {} ms ({failures} failed tries); recovered: {ok}",
        ms(start.elapsed())
    );
}

#[test]
#[ignore]
fn figure_two_uis_and_cli_at_once() {
    let s = Sandbox::new();
    let a = Tui::start(&s, &[], 100, 30);
    let b = Tui::start(&s, &[], 100, 30);
    a.wait_for("press n");
    b.wait_for("press n");
    let script = r#"
        p=$1
        for i in $(seq 1 42); do
          "$SESSUI" new --name "p$p-$i" --cmd 'sleep 600' >/dev/null || echo "FAIL new $p $i"
          "$SESSUI" rename "p$p-$i" "q$p-$i" >/dev/null || echo "FAIL rename $p $i"
          "$SESSUI" kill "q$p-$i" >/dev/null || echo "FAIL kill $p $i"
        done
    "#;
    let start = Instant::now();
    let children: Vec<_> = (1..=4)
        .map(|p| {
            let mut cmd = Command::new("bash");
            s.apply_env(&mut cmd);
            cmd.env("SESSUI", crate::common::bin())
                .args(["-c", script, "w", &p.to_string()])
                .output()
        })
        .collect();
    let took = start.elapsed();
    let failures: usize = children
        .into_iter()
        .map(|o| {
            String::from_utf8_lossy(&o.unwrap().stdout)
                .matches("FAIL")
                .count()
        })
        .sum();
    let left = s.ls_json().len();
    println!(
        "FIGURE two-uis-and-cli: 504 CLI operations in {} ms ({:.0} ops/s) beside 2 open lists; {failures} failures; {left} sessions left (0 expected)",
        ms(took),
        504.0 / took.as_secs_f64()
    );
}

#[test]
#[ignore]
fn figure_random_bytes_flood() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "noise"]);
    let mut t = Tui::start(&s, &["attach", "noise"], 100, 30);
    t.wait_for(" noise ");
    t.type_line("echo ready-$((40+2))");
    t.wait_for("ready-42");
    let start = Instant::now();
    t.type_line("head -c 300000000 /dev/urandom; printf '\\033c'; echo noise-$((5*5))");
    let done = wait_until(Duration::from_secs(600), || {
        s.capture("noise").contains("noise-25")
    });
    let took = start.elapsed();
    let ui_alive = t.pid() > 0 && pid_alive(t.pid());
    println!(
        "FIGURE random-bytes: 300 MB of /dev/urandom through the job and an attached UI in {} ms ({:.1} MB/s); finished: {done}; job alive: {}; UI alive: {ui_alive}",
        ms(took),
        300.0 / took.as_secs_f64(),
        pid_alive(pid_of(&s, "noise"))
    );
}

#[test]
#[ignore]
fn figure_resize_storm() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "rs"]);
    let mut t = Tui::start(&s, &["attach", "rs"], 100, 30);
    t.wait_for(" rs ");
    t.type_line("echo ready-$((40+2))");
    t.wait_for("ready-42");
    t.type_line("for i in $(seq 1 300); do echo storm-$i; sleep 0.01; done; echo storm-$((300+1))");
    t.wait_for("storm-1");
    let start = Instant::now();
    for i in 0..200u16 {
        t.resize(40 + (i * 7) % 160, 10 + (i * 3) % 50);
    }
    t.resize(120, 40);
    let took = start.elapsed();
    t.wait_for("storm-301");
    let settled = (0..40).any(|_| {
        t.type_line("stty size");
        wait_until(Duration::from_millis(500), || t.screen().contains("39 120"))
    });
    if !settled {
        eprintln!("screen:\n{}", t.screen());
    }
    println!(
        "FIGURE resize-storm: 200 resizes in {} ms while printing; final size reached: {settled}; UI alive: {}; job alive: {}",
        ms(took),
        pid_alive(t.pid()),
        pid_alive(pid_of(&s, "rs"))
    );
}

#[test]
#[ignore]
fn figure_200_sessions() {
    let s = Sandbox::new();
    let mut times = Vec::new();
    for i in 0..200 {
        let (_, took) = timed(|| s.ok(&["new", "--name", &format!("n{i}"), "--cmd", "sleep 600"]));
        times.push(ms(took));
    }
    times.sort();
    let (_, ls) = timed(|| s.ok(&["ls"]));
    let t = Tui::start(&s, &[], 100, 30);
    let (_, ui) = timed(|| t.wait_for("200 sessions"));
    println!(
        "FIGURE 200-sessions: new p50 {} ms, p95 {} ms, max {} ms; ls {} ms; a new UI shows the list in {} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[times.len() - 1],
        ms(ls),
        ms(ui)
    );
}

#[test]
#[ignore]
fn figure_idle_timeout_without_a_ui() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "idle", "--idle-timeout", "2s"]);
    let pid = pid_of(&s, "idle");
    let start = Instant::now();
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
    let took = start.elapsed();
    println!(
        "FIGURE idle-timeout: a 2 s limit with no sessui running ended the job after {} ms; ls: {}",
        ms(took),
        s.session_json("idle")["exit"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn figure_network_cut_and_frozen_host() {
    let (sb, sshd) = setup();
    let mgr = ssh_manager(&sb, fast_config(&sb), Arc::new(NoPrompter));
    let s = mgr.create(remote("box")).await.unwrap();
    let id = s.id.to_string();
    let mut view = TestView::new(mgr.attach(&id, 80, 24).await.unwrap().conn);
    view.ready().await;
    // a cut: every connection process killed
    let t = Instant::now();
    sshd.kill_connections();
    let down = wait_status(&mgr, &id, Status::Disconnected, PATIENCE).await;
    let up = wait_status(&mgr, &id, Status::Running, Duration::from_secs(60)).await;
    println!(
        "FIGURE network-cut: disconnected after {} ms, running again {} ms later ({} ms in all), keepalive 1 s x 2",
        ms(down),
        ms(up),
        ms(t.elapsed())
    );
    // a frozen host: nothing answers, nothing closes
    let t = Instant::now();
    let frozen = sshd.freeze_connections(true);
    let down = wait_status(&mgr, &id, Status::Disconnected, PATIENCE).await;
    let (_, list) = timed(|| mgr.list().unwrap());
    sshd.freeze_connections(false);
    let up = wait_status(&mgr, &id, Status::Running, Duration::from_secs(90)).await;
    println!(
        "FIGURE frozen-host: {frozen} processes stopped; disconnected after {} ms; the list answered meanwhile in {} ms; running again {} ms after they continued ({} ms in all)",
        ms(down),
        ms(list),
        ms(up),
        ms(t.elapsed())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn figure_outage_changes_and_ends() {
    let (sb, mut sshd) = setup();
    let config = fast_config(&sb);
    let mgr = ssh_manager(&sb, config, Arc::new(NoPrompter));
    let s = mgr.create(remote("box")).await.unwrap();
    let id = s.id.to_string();
    sshd.stop();
    wait_status(&mgr, &id, Status::Disconnected, PATIENCE).await;
    mgr.rename(&id, "keep").await.unwrap();
    sshd.restart();
    let t = Instant::now();
    wait_status(&mgr, &id, Status::Running, Duration::from_secs(60)).await;
    let running = t.elapsed();
    while t.elapsed() < PATIENCE {
        let idle = mgr
            .info(&id)
            .await
            .unwrap()
            .1
            .and_then(|i| i.idle_timeout_secs);
        if idle != Some(3600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "FIGURE rename-during-outage: running again {} ms after sshd came back; the job had the new limit {} ms after that",
        ms(running),
        ms(t.elapsed() - running)
    );
}

#[test]
#[ignore]
fn figure_full_disk() {
    let s = Sandbox::new();
    let Some(disk) = crate::disk::SmallDisk::mount(&s) else {
        return;
    };
    s.write_config("[timeouts]\nreaper_interval = \"1s\"\n");
    s.ok(&["new", "--name", "full"]);
    let pid = pid_of(&s, "full");
    // Attached from the list, so detaching keeps this sessui running.
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("LAST ACTIVE");
    t.keys("\r");
    t.wait_for(" full ");
    t.type_line("echo ready-$((40+2))");
    t.wait_for("ready-42");
    disk.fill();
    let (new, t_new) = timed(|| s.run(&["new", "--name", "more"]));
    let (send, t_send) = timed(|| s.run(&["send", "full", "echo typed\\n"]));
    let (kill, t_kill) = timed(|| s.run(&["kill", "full"]));
    t.keys("\x02d");
    t.wait_for("LAST ACTIVE");
    let views_full = s.session_json("full")["views"].clone();
    let freed = Instant::now();
    disk.free();
    let cleared = wait_until(PATIENCE, || s.session_json("full")["views"] == 0);
    println!(
        "FIGURE full-disk: new fails in {} ms ({}); send {} in {} ms; kill {} in {} ms (shell alive: {}); views while full: {views_full}; recorded {} ms after space came back ({cleared})",
        ms(t_new),
        String::from_utf8_lossy(&new.stderr).trim(),
        if send.status.success() {
            "works"
        } else {
            "FAILS"
        },
        ms(t_send),
        if kill.status.success() {
            "succeeds"
        } else {
            "refuses"
        },
        ms(t_kill),
        pid_alive(pid),
        ms(freed.elapsed())
    );
}

#[test]
#[ignore]
fn figure_read_only_database() {
    let s = Sandbox::new();
    crate::disk::give_to_user(s.dir.path());
    assert!(
        crate::disk::as_user(&s, &["new", "--name", "ro"])
            .status
            .success()
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(s.paths().db_file(), std::fs::Permissions::from_mode(0o444)).unwrap();
    let (out, took) = timed(|| crate::disk::as_user(&s, &["new", "--name", "second"]));
    let send = crate::disk::as_user(&s, &["send", "ro", "echo hi\\n"]);
    println!(
        "FIGURE read-only-db: new fails in {} ms: {}; send {}",
        ms(took),
        String::from_utf8_lossy(&out.stderr).trim(),
        if send.status.success() {
            "works"
        } else {
            "FAILS"
        }
    );
}
