//! The `sessui job` process: owns one PTY and its shell, mirrors the screen,
//! serves any number of clients on a unix socket, and outlives them all.
//!
//! Started detached (its own session, no terminal, stdio to /dev/null) by a
//! launcher step, so the job is nobody's child and nobody's terminal can hang it up.
//!
//! Its command line says only which session and job it is: the command,
//! directory and the rest come on stdin, since anyone can read a process's
//! arguments (`ps`). It keeps no descriptor it inherited.

mod activity;
pub(crate) mod agent_link;
mod clients;
pub(crate) mod follow;
mod launch;
mod log;
mod memory;
mod pty;
mod record;
mod server;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[cfg(feature = "test-hooks")]
pub use record::write_exit_record;
pub use record::{
    SessionFacts, read_exit_record, read_job_record, read_job_records, read_session_facts,
    remove_records, write_session_facts,
};

pub use launch::{launch, self_exe};

use crate::protocol::agent::StartJob;

/// Which build this is: the crate version and a digest of the sources
/// (see `build.rs`). A job refuses to start for a launcher of another build,
/// which then runs its own executable instead.
const BUILD_ID: &str = env!("SESSUI_BUILD_ID");
/// The line a job of another build answers with, followed by its build id.
const OTHER_BUILD: &str = "OTHER-BUILD";

/// Everything a job needs to start. Its command line (`sessui job ...`)
/// carries only the session and job ids (see `JobArgs`); the whole spec
/// comes on stdin as JSON, so serde's derive is its one definition.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobSpec {
    /// What to run and how: the shape the manager, hosts and agents share.
    pub start: StartJob,
    /// Where to listen.
    pub socket: PathBuf,
    /// Directory for this job's records (`<job>.json`, `<job>.exit`).
    pub records: PathBuf,
    /// Append logs to this file.
    pub log: Option<PathBuf>,
    /// Start the job in the background and report when it is ready (set
    /// from the command line, not the spec).
    #[serde(default)]
    pub detach: bool,
}

/// Read the spec as JSON from stdin (everything but the ids stays out of `ps`).
const SPEC_STDIN: &str = "--spec-stdin";
/// A spec is a few hundred bytes; this bounds what a job reads from stdin.
const MAX_SPEC: u64 = 1 << 20;

impl JobSpec {
    /// Reads a spec written by `write_spec` and checks it is the one the
    /// command line names.
    fn read_spec(input: impl Read, session: &str, job: &str) -> Result<JobSpec, String> {
        let mut text = Vec::new();
        input
            .take(MAX_SPEC)
            .read_to_end(&mut text)
            .map_err(|e| format!("cannot read the job spec: {e}"))?;
        let spec: JobSpec = serde_json::from_slice(&text)
            .map_err(|e| format!("the job spec on stdin is not valid: {e}"))?;
        if spec.start.session.as_str() != session || spec.start.job.as_str() != job {
            return Err("the job spec on stdin is for another job".into());
        }
        Ok(spec)
    }

    /// Starts `exe` as this job, handing it the spec on stdin; its stdout
    /// is piped for the ready line.
    fn spawn(&self, exe: &std::path::Path) -> std::io::Result<std::process::Child> {
        let mut child = Command::new(exe)
            .arg0("sessui")
            .args(self.args().encode())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        if let Some(mut stdin) = child.stdin.take() {
            // A child that died at once gives a broken pipe; its empty
            // ready line says so.
            let _ = stdin.write_all(&json);
        }
        Ok(child)
    }

    /// What the command line says of this job.
    fn args(&self) -> JobArgs {
        JobArgs {
            session: self.start.session.to_string(),
            job: self.start.job.to_string(),
            detach: self.detach,
            build: BUILD_ID.to_string(),
        }
    }
}

/// A job's command line, written and read only here:
/// `job --session S --job J [--build B] --spec-stdin [--detach]`. It names
/// the job and the launcher's build and nothing else: anyone can read a
/// process's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
struct JobArgs {
    session: String,
    job: String,
    detach: bool,
    /// The launcher's `BUILD_ID`: the job must be of the same build. Empty
    /// from a launcher older than the check, which only ever ran its own
    /// executable.
    build: String,
}

impl JobArgs {
    fn encode(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec![
            "job".into(),
            "--session".into(),
            self.session.clone().into(),
            "--job".into(),
            self.job.clone().into(),
            "--build".into(),
            self.build.clone().into(),
            SPEC_STDIN.into(),
        ];
        if self.detach {
            args.push("--detach".into());
        }
        args
    }

    /// Reads what `encode` wrote, after `job`.
    fn decode(args: &[std::ffi::OsString]) -> Result<JobArgs, String> {
        let mut ids = JobArgs {
            session: String::new(),
            job: String::new(),
            detach: false,
            build: String::new(),
        };
        let mut spec_stdin = false;
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let flag = flag.to_string_lossy();
            match flag.as_ref() {
                "--detach" => ids.detach = true,
                SPEC_STDIN => spec_stdin = true,
                "--session" | "--job" | "--build" => {
                    let value = it
                        .next()
                        .ok_or_else(|| format!("{flag} needs a value"))?
                        .to_string_lossy()
                        .to_string();
                    match flag.as_ref() {
                        "--session" => ids.session = value,
                        "--job" => ids.job = value,
                        _ => ids.build = value,
                    }
                }
                other => return Err(format!("unknown argument {other}")),
            }
        }
        if ids.session.is_empty() || ids.job.is_empty() || !spec_stdin {
            return Err(format!(
                "--session, --job and {SPEC_STDIN} are required (sessui starts jobs itself)"
            ));
        }
        Ok(ids)
    }
}

/// Entry point of `sessui job`, from its raw arguments (after `job`).
pub fn entry(args: &[std::ffi::OsString]) -> i32 {
    // First, before anything of ours is open: whatever the starting process
    // left open (a log, a socket, a terminal) would otherwise stay open for
    // the job's whole life, days perhaps.
    close_inherited();
    let ids = match JobArgs::decode(args) {
        Ok(ids) => ids,
        Err(e) => return refuse(&e),
    };
    if !ids.build.is_empty() && ids.build != BUILD_ID {
        // The launcher runs its own executable instead; nothing was started.
        report_ready(&format!("{OTHER_BUILD} {BUILD_ID}"));
        return 3;
    }
    match JobSpec::read_spec(std::io::stdin().lock(), &ids.session, &ids.job) {
        Ok(spec) => main(JobSpec {
            detach: ids.detach,
            ..spec
        }),
        Err(e) => refuse(&e),
    }
}

/// Entry point of the slim `sessui-job` executable: `job ...` as for
/// `sessui job`, or `--version`.
pub fn slim_main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match args.get(1).and_then(|a| a.to_str()) {
        Some("job") => entry(&args[2..]),
        Some("--version" | "-V") => {
            println!("sessui-job {BUILD_ID}");
            0
        }
        _ => {
            eprintln!(
                "sessui-job runs one session's shell for sessui, which starts it itself; \
                 run `sessui` (or `sessui new`) instead"
            );
            2
        }
    }
}

/// A job that cannot start says why, to its launcher and to stderr.
fn refuse(why: &str) -> i32 {
    eprintln!("sessui job: {why}");
    report_ready(&format!("ERROR {why}"));
    2
}

/// Closes every descriptor above stderr. Only for a process that has not
/// opened anything yet (no thread, no runtime, no file).
#[allow(unsafe_code)]
fn close_inherited() {
    // SAFETY: close_range(2) on descriptors this process never handed to
    // any Rust object: the job calls this before it opens anything.
    let closed = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    if closed == 0 {
        return;
    }
    // Kernels before 5.9: close what /proc lists.
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<i32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: as above; the directory's own descriptor is already
        // closed by now and closing it again only fails.
        unsafe {
            libc::close(fd);
        }
    }
}

/// Runs the job (or, with `detach`, its launcher step).
pub fn main(spec: JobSpec) -> i32 {
    if spec.detach {
        return detach(&spec);
    }
    // The spec was read; nothing else will come on stdin.
    if let Ok(null) = std::fs::File::open("/dev/null") {
        let _ = nix::unistd::dup2_stdin(&null);
    }
    // Our own session: no controlling terminal, so closing the terminal that
    // started sessui cannot hang the job up.
    let _ = nix::unistd::setsid();
    let _log_guard = spec.log.as_deref().and_then(log::to_file);
    match server::run(spec) {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("job failed: {e}");
            1
        }
    }
}

/// The launcher step: start the real job as a grandchild of the caller, pass
/// its ready line on, and exit, so the job is reparented away from the caller.
fn detach(spec: &JobSpec) -> i32 {
    let mut spec = spec.clone();
    spec.detach = false;
    let spawned = spec.spawn(&self_exe());
    let line = match spawned {
        Ok(mut child) => {
            let mut line = String::new();
            if let Some(out) = child.stdout.take() {
                let _ = BufReader::new(out).read_line(&mut line);
            }
            if line.is_empty() {
                "ERROR the job exited during start-up (see the log file)\n".to_string()
            } else {
                line
            }
        }
        Err(e) => format!("ERROR cannot start the job process: {e}\n"),
    };
    let mut out = std::io::stdout();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
    i32::from(!line.starts_with("READY "))
}

/// Tells the launcher the job is ready (or why not) on stdout, then points
/// stdout at /dev/null: nobody reads it after this line.
fn report_ready(line: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(&null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_survives_its_command_line_and_stdin() {
        use crate::duration::Timeout;
        use crate::ids::{JobId, SessionId};
        let spec = JobSpec {
            start: StartJob {
                session: SessionId::from_string("s"),
                job: JobId::from_string("j"),
                cols: 120,
                rows: 40,
                idle_timeout: Timeout::Never,
                history: 5,
                term: "xterm".into(),
                cwd: Some("/home/u".into()),
                shell: Some("/bin/zsh".into()),
                cmd: Some("make -j 4".into()),
                facts: Default::default(),
            },
            socket: "/run/x.sock".into(),
            records: "/r".into(),
            log: Some("/l".into()),
            detach: true,
        };
        // what a job gets: ids on the command line, the rest on stdin
        let args = spec.args().encode();
        assert_eq!(spec.args().build, BUILD_ID);
        assert!(!args.iter().any(|a| a.to_string_lossy().contains("make")));
        assert_eq!(JobArgs::decode(&args[1..]).unwrap(), spec.args());
        let json = serde_json::to_vec(&spec).unwrap();
        let mut read = JobSpec::read_spec(&json[..], "s", "j").unwrap();
        read.detach = true;
        assert_eq!(read, spec);
        assert!(JobSpec::read_spec(&json[..], "s", "other").is_err());
        assert!(JobArgs::decode(&["--session".into()]).is_err());
        assert!(JobArgs::decode(&["--bogus".into(), "1".into()]).is_err());
        // the whole spec is never taken from flags
        let flags: Vec<std::ffi::OsString> = ["--session", "s", "--job", "j", "--cmd", "x"]
            .iter()
            .map(Into::into)
            .collect();
        assert!(JobArgs::decode(&flags).is_err());
    }
}
