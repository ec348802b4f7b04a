//! Starting a job: which executable runs it (the slim `sessui-job` beside
//! sessui when it is of the same build, else sessui itself) and its ready line.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::{BUILD_ID, JobSpec, OTHER_BUILD};

/// The file name of the slim job executable, installed beside `sessui`.
const SLIM_EXE: &str = "sessui-job";

/// A job that reported itself ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub pid: u32,
    /// `boot_id:start_ticks`, see `proc::ProcIdentity`.
    pub start_token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot run sessui to start a job: {0}")]
    Spawn(std::io::Error),
    #[error("the job failed to start: {0}")]
    Failed(String),
    #[error("the job exited without saying why (see the log file)")]
    Silent,
    #[error(
        "{exe} is of another build ({theirs}; this sessui is {BUILD_ID}): \
         install sessui and sessui-job from one build"
    )]
    OtherBuild { exe: String, theirs: String },
}

/// The executable to run again for jobs: the running binary itself, which
/// stays valid even if an upgrade replaced the file meanwhile. Jobs are
/// started with argv[0] `sessui`, so `ps` shows `sessui job ...`.
pub fn self_exe() -> PathBuf {
    PathBuf::from("/proc/self/exe")
}

/// The slim job executable beside the sessui executable `exe`, if there is
/// one. `/proc/self/exe` is read through to the file it names, so a
/// `sessui` reached by a symlink still finds the `sessui-job` it was
/// installed with.
fn slim_beside(exe: &Path) -> Option<PathBuf> {
    let real = if exe.starts_with("/proc") {
        std::fs::read_link(exe).ok()?
    } else {
        exe.to_path_buf()
    };
    // An upgrade replaced our own file: what sits beside it now is of the
    // new build, which would only refuse.
    if real.to_string_lossy().ends_with(" (deleted)") {
        return None;
    }
    let slim = real.parent()?.join(SLIM_EXE);
    slim.is_file().then_some(slim)
}

/// Starts a job in the background and waits until it listens. Blocking.
/// The job runs from the slim executable beside the sessui executable
/// `exe` when there is one of this build (it holds less memory for the
/// session's whole life), else from `exe` itself.
pub fn launch(exe: &Path, spec: &JobSpec) -> Result<Started, LaunchError> {
    if let Some(slim) = slim_beside(exe) {
        match launch_with(&slim, spec) {
            Err(e @ (LaunchError::OtherBuild { .. } | LaunchError::Spawn(_))) => {
                tracing::info!("starting the job with sessui itself: {e}");
            }
            other => return other,
        }
    }
    launch_with(exe, spec)
}

/// Starts a job with the executable `exe`.
fn launch_with(exe: &Path, spec: &JobSpec) -> Result<Started, LaunchError> {
    let detached = JobSpec {
        detach: true,
        ..spec.clone()
    };
    let mut child = detached.spawn(exe).map_err(LaunchError::Spawn)?;
    let line = child
        .stdout
        .take()
        .map(|out| read_ready_line(BufReader::new(out)))
        .unwrap_or(Err(LaunchError::Silent));
    // The launcher step exits as soon as it has passed the line on.
    let _ = child.wait();
    line.map_err(|e| match e {
        LaunchError::OtherBuild { theirs, .. } => LaunchError::OtherBuild {
            exe: exe.display().to_string(),
            theirs,
        },
        e => e,
    })
}

fn read_ready_line(mut out: impl BufRead) -> Result<Started, LaunchError> {
    let mut line = String::new();
    out.read_line(&mut line).map_err(|_| LaunchError::Silent)?;
    parse_ready_line(line.trim_end())
}

fn parse_ready_line(line: &str) -> Result<Started, LaunchError> {
    if let Some(rest) = line.strip_prefix("READY ") {
        let mut parts = rest.split(' ');
        if let (Some(pid), Some(token)) = (parts.next(), parts.next())
            && let Ok(pid) = pid.parse()
        {
            return Ok(Started {
                pid,
                start_token: token.to_string(),
            });
        }
    }
    if let Some(theirs) = line
        .strip_prefix(OTHER_BUILD)
        .and_then(|rest| rest.strip_prefix(' '))
    {
        return Err(LaunchError::OtherBuild {
            exe: String::new(),
            theirs: theirs.to_string(),
        });
    }
    match line.strip_prefix("ERROR ") {
        Some(msg) => Err(LaunchError::Failed(msg.to_string())),
        None => Err(LaunchError::Silent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_lines_parse() {
        assert_eq!(
            parse_ready_line("READY 42 abc:7").unwrap(),
            Started {
                pid: 42,
                start_token: "abc:7".into()
            }
        );
        let err = parse_ready_line("ERROR no such directory: /x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the job failed to start: no such directory: /x"
        );
        assert!(matches!(parse_ready_line(""), Err(LaunchError::Silent)));
    }

    #[test]
    fn a_job_of_another_build_is_told_apart_from_a_failure() {
        match parse_ready_line("OTHER-BUILD 0.0.9+00ff") {
            Err(LaunchError::OtherBuild { theirs, .. }) => assert_eq!(theirs, "0.0.9+00ff"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_slim_executable_is_looked_for_beside_sessui() {
        let dir = tempfile::tempdir().unwrap();
        let sessui = dir.path().join("sessui");
        std::fs::write(&sessui, "").unwrap();
        assert_eq!(slim_beside(&sessui), None);
        std::fs::write(dir.path().join(SLIM_EXE), "").unwrap();
        assert_eq!(slim_beside(&sessui), Some(dir.path().join(SLIM_EXE)));
    }
}
