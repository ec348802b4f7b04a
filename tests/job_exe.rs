//! Which executable runs a local job: the slim `sessui-job` installed beside
//! `sessui` (it links the job alone, so each idle session holds less memory),
//! and `sessui` itself when that one is missing or of another build.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{Sandbox, bin};

fn job_pid(s: &Sandbox, name: &str) -> u32 {
    s.session_json(name)["job_pid"].as_u64().unwrap() as u32
}

/// The file a running process was started from.
fn exe_of(pid: u32) -> PathBuf {
    std::fs::read_link(format!("/proc/{pid}/exe")).unwrap()
}

fn slim() -> PathBuf {
    bin().with_file_name("sessui-job")
}

/// Runs `sessui` from `exe` in the sandbox; expects success.
fn run_from(s: &Sandbox, exe: &Path, args: &[&str]) -> String {
    let out = s
        .command(exe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_local_job_runs_from_the_slim_executable_beside_sessui() {
    assert!(slim().is_file(), "cargo builds {}", slim().display());
    let s = Sandbox::new();
    s.ok(&["new", "--name", "slim"]);
    let pid = job_pid(&s, "slim");
    assert_eq!(exe_of(pid), slim());
    // and it is a whole job: input, output, the screen for a new client
    s.ok(&["send", "slim", "echo slim-$((6*7))\\n"]);
    s.wait_screen("slim", "slim-42");
    s.ok(&["kill", "slim"]);
}

#[test]
fn without_a_slim_executable_sessui_runs_the_job_itself() {
    let s = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let sessui = dir.path().join("sessui");
    std::fs::copy(bin(), &sessui).unwrap();
    run_from(&s, &sessui, &["new", "--name", "fat"]);
    let pid = job_pid(&s, "fat");
    assert_eq!(exe_of(pid), sessui);
    s.ok(&["send", "fat", "echo fat-$((6*7))\\n"]);
    s.wait_screen("fat", "fat-42");
}

#[test]
fn a_slim_executable_of_another_build_is_passed_over() {
    let s = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let sessui = dir.path().join("sessui");
    std::fs::copy(bin(), &sessui).unwrap();
    // Stands in for a sessui-job left from an older install: it answers as
    // every sessui-job of another build does (see the next test) and
    // starts nothing.
    let stale = dir.path().join("sessui-job");
    std::fs::write(
        &stale,
        "#!/bin/sh\necho 'OTHER-BUILD 0.0.1+00000000000000aa'\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o755)).unwrap();
    run_from(&s, &sessui, &["new", "--name", "old"]);
    let pid = job_pid(&s, "old");
    assert_eq!(exe_of(pid), sessui);
    s.ok(&["send", "old", "echo old-$((6*7))\\n"]);
    s.wait_screen("old", "old-42");
}

#[test]
fn the_slim_job_refuses_a_launcher_of_another_build_and_starts_nothing() {
    let s = Sandbox::new();
    let out = s
        .command(&slim())
        .args([
            "job",
            "--session",
            "s1",
            "--job",
            "j1",
            "--build",
            "0.0.1+00000000000000aa",
            "--spec-stdin",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let line = String::from_utf8(out.stdout).unwrap();
    let version =
        String::from_utf8(s.command(&slim()).arg("--version").output().unwrap().stdout).unwrap();
    let ours = version.trim().strip_prefix("sessui-job ").unwrap();
    assert_eq!(line.trim(), format!("OTHER-BUILD {ours}"));
    assert!(s.job_pids().is_empty());
}

#[test]
fn the_slim_executable_run_by_hand_says_what_it_is_for() {
    let s = Sandbox::new();
    let out = s.command(&slim()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("run `sessui`"), "{err}");
}
