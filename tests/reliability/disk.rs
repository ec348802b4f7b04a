//! A full disk and a read-only database. A full disk is a small tmpfs under
//! the sandbox, filled up; a read-only database is one whose files the user
//! may not write (as root, the test runs sessui as `nobody`). Both need root
//! to set up; elsewhere they say SKIPPED.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::pty::Tui;
use crate::common::{PATIENCE, Sandbox, bin, pid_alive, wait_until};

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A small tmpfs mounted over the sandbox's sessui home.
pub(crate) struct SmallDisk {
    dir: PathBuf,
    filler: PathBuf,
}

impl SmallDisk {
    pub(crate) fn mount(s: &Sandbox) -> Option<SmallDisk> {
        if !is_root() {
            eprintln!("SKIPPED: a full disk needs root to mount a small tmpfs");
            return None;
        }
        let dir = s.sessui_home.clone();
        let ok = Command::new("mount")
            // 0700 like every sessui directory: a tmpfs is 1777 by default,
            // which sessui rightly refuses.
            .args(["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|st| st.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount a tmpfs at {}", dir.display());
            return None;
        }
        let filler = dir.join("filler");
        Some(SmallDisk { dir, filler })
    }

    /// Takes every free block.
    pub(crate) fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(&self.filler).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.flush();
    }

    pub(crate) fn free(&self) {
        std::fs::remove_file(&self.filler).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // The jobs' records are on it: end the jobs while they can be found.
        let jobs = sessui::testing::Paths::under(&self.dir).jobs_dir();
        for rec in sessui::testing::job::read_job_records(&jobs).unwrap_or_default() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(rec.pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Another sessui process with the database open, as a UI usually is: the
/// database's -wal and -shm files exist, so sessui can open it and read.
fn hold_open(s: &Sandbox) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(s.paths().db_file()).unwrap();
    c.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get::<_, i64>(0))
        .unwrap();
    c
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn kill_on_a_full_disk_tells_what_happened() {
    let s = Sandbox::new();
    let Some(disk) = SmallDisk::mount(&s) else {
        return;
    };
    s.ok(&["new", "--name", "k"]);
    let pid = s.session_json("k")["job_pid"].as_u64().unwrap() as u32;
    let _db = hold_open(&s);
    disk.fill();
    let out = s.run(&["kill", "k"]);
    let text = said(&out);
    let alive = pid_alive(pid);
    disk.free();
    if alive {
        assert!(text.contains("nothing was changed"), "{text}");
        assert_eq!(s.session_json("k")["state"], "running");
    } else {
        assert!(
            !text.contains("nothing was changed"),
            "the shell is gone: {text}"
        );
        assert!(text.contains("stopped"), "{text}");
        assert!(wait_until(PATIENCE, || s.ls_json().is_empty()));
    }
}

#[test]
fn send_works_on_a_full_disk() {
    let s = Sandbox::new();
    let Some(disk) = SmallDisk::mount(&s) else {
        return;
    };
    s.ok(&["new", "--name", "typed"]);
    let _db = hold_open(&s);
    disk.fill();
    s.ok(&["send", "typed", "echo while-full-$((1+2))\\n"]);
    s.wait_screen("typed", "while-full-3");
    disk.free();
}

#[test]
fn detaching_on_a_full_disk_is_recorded_once_there_is_room() {
    let s = Sandbox::new();
    let Some(disk) = SmallDisk::mount(&s) else {
        return;
    };
    s.write_config("[timeouts]\nreaper_interval = \"1s\"\n");
    s.ok(&["new", "--name", "d"]);
    // Attached from the list: detaching returns there and this sessui
    // stays to record the view's end once the disk has room.
    let mut t = Tui::start(&s, &[], 100, 30);
    t.wait_for("LAST ACTIVE");
    t.keys("\r");
    t.wait_for(" d ");
    t.type_line("echo ready-$((40+2))");
    t.wait_for("ready-42");
    assert!(wait_until(PATIENCE, || s.session_json("d")["views"] == 1));
    disk.fill();
    t.keys("\x02d");
    t.wait_for("LAST ACTIVE");
    disk.free();
    assert!(
        wait_until(PATIENCE, || s.session_json("d")["views"] == 0),
        "the view stays on record after it left"
    );
}

/// sessui as an ordinary user: as root, `nobody` (root may write anything).
pub(crate) fn as_user(s: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.arg(format!("--reuid={NOBODY}"))
            .arg(format!("--regid={NOBODY}"))
            .arg("--clear-groups")
            .arg(bin());
        c
    } else {
        Command::new(bin())
    };
    s.apply_env(&mut cmd);
    cmd.args(args).stdin(std::process::Stdio::null());
    cmd.output().unwrap()
}

pub(crate) fn give_to_user(dir: &Path) {
    if is_root() {
        let ok = Command::new("chown")
            .arg("-R")
            .arg(format!("{NOBODY}:{NOBODY}"))
            .arg(dir)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

#[test]
fn a_read_only_database_names_every_file_and_the_fix_it_gives_works() {
    let s = Sandbox::new();
    give_to_user(s.dir.path());
    let out = as_user(&s, &["new", "--name", "ro"]);
    assert!(out.status.success(), "{}", said(&out));
    let db = s.paths().db_file();
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    // the database and the log files SQLite keeps beside it, as
    // `chmod a-w sessions.db*` leaves them
    mode(&db, 0o444);
    for side in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{side}", db.display()));
        if p.exists() {
            mode(&p, 0o444);
        }
    }
    let out = as_user(&s, &["new", "--name", "second"]);
    assert!(!out.status.success());
    let err = said(&out);
    let dbs = db.display().to_string();
    assert!(err.contains(&dbs), "{err}");
    assert!(
        !err.contains("cannot open"),
        "opening works, writing does not: {err}"
    );
    assert!(
        err.contains(&format!("{dbs}-wal")) && err.contains(&format!("{dbs}-shm")),
        "{err}"
    );
    // typing needs no write
    let out = as_user(&s, &["send", "ro", "echo read-only-$((2+2))\\n"]);
    assert!(out.status.success(), "{}", said(&out));
    // read as the files' owner: sessui refuses a home that is not root's
    let shown = wait_until(PATIENCE, || {
        String::from_utf8_lossy(&as_user(&s, &["capture", "ro"]).stdout).contains("read-only-4")
    });
    assert!(shown, "the typed line never ran in session ro");
    // what it says to run fixes it
    let fix = err
        .split("run: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no command to run in: {err}"))
        .lines()
        .next()
        .unwrap()
        .to_string();
    let shell = if is_root() {
        Command::new("setpriv")
            .arg(format!("--reuid={NOBODY}"))
            .arg(format!("--regid={NOBODY}"))
            .arg("--clear-groups")
            .args(["sh", "-c", &fix])
            .status()
            .unwrap()
    } else {
        Command::new("sh").args(["-c", &fix]).status().unwrap()
    };
    assert!(shell.success(), "{fix}");
    let out = as_user(&s, &["new", "--name", "second"]);
    assert!(out.status.success(), "after `{fix}`: {}", said(&out));
}
