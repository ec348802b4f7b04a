//! A job's records on disk: `<job>.json` says who the job is (pid + start time)
//! while it runs; `<job>.exit` says how it ended, for whoever asks later.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::protocol::ExitInfo;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    pub job_id: String,
    pub session_id: String,
    pub pid: u32,
    /// `boot_id:start_ticks` of the job process.
    pub start_token: String,
    pub socket: PathBuf,
    pub started_at: Millis,
    pub version: String,
    /// When the job will exit by itself if no client comes (wall clock), if known.
    pub idle_deadline: Option<Millis>,
}

fn state_path(dir: &Path, job: &str) -> PathBuf {
    dir.join(format!("{job}.json"))
}

fn exit_path(dir: &Path, job: &str) -> PathBuf {
    dir.join(format!("{job}.exit"))
}

/// Writes via a temporary file and rename, so a reader never sees half a
/// record; readable by the user alone (records name sessions and sockets).
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::paths::write_private(path, bytes)
}

pub fn write_job_record(dir: &Path, rec: &JobRecord) -> io::Result<()> {
    let json = serde_json::to_vec(rec).map_err(io::Error::other)?;
    write_atomic(&state_path(dir, &rec.job_id), &json)
}

pub fn read_job_record(dir: &Path, job: &str) -> io::Result<Option<JobRecord>> {
    read_json(&state_path(dir, job))
}

/// Every job record in `dir` (an absent directory has none); files that are
/// not a valid job's record, or cannot be read, are skipped.
pub fn read_job_records(dir: &Path) -> io::Result<Vec<JobRecord>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            let id = name.strip_suffix(".json")?;
            if !crate::ids::is_valid_job_id(id) {
                return None;
            }
            read_job_record(dir, id).ok().flatten()
        })
        .collect())
}

pub fn write_exit_record(dir: &Path, job: &str, exit: &ExitInfo) -> io::Result<()> {
    let json = serde_json::to_vec(exit).map_err(io::Error::other)?;
    write_atomic(&exit_path(dir, job), &json)
}

pub fn read_exit_record(dir: &Path, job: &str) -> io::Result<Option<ExitInfo>> {
    read_json(&exit_path(dir, job))
}

/// Forgets a job entirely (after its end was recorded elsewhere).
pub fn remove_records(dir: &Path, job: &str) {
    let _ = fs::remove_file(state_path(dir, job));
    let _ = fs::remove_file(exit_path(dir, job));
}

pub(super) fn remove_state(dir: &Path, job: &str) {
    let _ = fs::remove_file(state_path(dir, job));
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<Option<T>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ExitReason;

    #[test]
    fn records_round_trip_and_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let rec = JobRecord {
            job_id: "abc".into(),
            session_id: "s".into(),
            pid: 1,
            start_token: "b:1".into(),
            socket: "/x".into(),
            started_at: 5,
            version: "0".into(),
            idle_deadline: None,
        };
        write_job_record(dir.path(), &rec).unwrap();
        assert_eq!(read_job_record(dir.path(), "abc").unwrap(), Some(rec));
        let exit = ExitInfo {
            code: Some(0),
            signal: None,
            reason: ExitReason::ShellExited,
            at: 9,
        };
        write_exit_record(dir.path(), "abc", &exit).unwrap();
        assert_eq!(read_exit_record(dir.path(), "abc").unwrap(), Some(exit));
        remove_records(dir.path(), "abc");
        assert_eq!(read_job_record(dir.path(), "abc").unwrap(), None);
        assert_eq!(read_exit_record(dir.path(), "abc").unwrap(), None);
    }
}
