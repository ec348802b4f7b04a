//! A job's records on disk: `<job>.json` says who the job is (pid + start time)
//! while it runs; `<job>.exit` says how it ended, for whoever asks later;
//! `<job>.session` says what its session is (name, host, directory, command),
//! so a lost database can be rebuilt from the jobs that still run.

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
    /// When the shell last printed something, as of the job's last write of
    /// this record (every few seconds while output flows). Absent in records
    /// of jobs from releases that did not keep it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_output_at: Option<Millis>,
    /// What runs in the session (program, title, a bell nobody saw, CPU
    /// and memory); rewritten when it changes. Default in older records.
    #[serde(default)]
    pub activity: crate::protocol::Activity,
}

pub use crate::protocol::SessionFacts;

fn state_path(dir: &Path, job: &str) -> PathBuf {
    dir.join(format!("{job}.json"))
}

fn exit_path(dir: &Path, job: &str) -> PathBuf {
    dir.join(format!("{job}.exit"))
}

fn facts_path(dir: &Path, job: &str) -> PathBuf {
    dir.join(format!("{job}.session"))
}

/// Writes via a temporary file and rename, so a reader never sees half a
/// record; readable by the user alone (records name sessions and sockets).
/// The temporary name carries the path and the pid: the job and whoever
/// renames its session may write beside each other at once.
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

pub fn write_session_facts(dir: &Path, job: &str, facts: &SessionFacts) -> io::Result<()> {
    let json = serde_json::to_vec(facts).map_err(io::Error::other)?;
    write_atomic(&facts_path(dir, job), &json)
}

/// What the job's session is; `None` for jobs started by a release that did
/// not keep it (or whose file is unreadable: the job matters, not the file).
pub fn read_session_facts(dir: &Path, job: &str) -> Option<SessionFacts> {
    read_json(&facts_path(dir, job)).ok().flatten()
}

/// Forgets a job entirely (after its end was recorded elsewhere).
pub fn remove_records(dir: &Path, job: &str) {
    let _ = fs::remove_file(state_path(dir, job));
    let _ = fs::remove_file(exit_path(dir, job));
    let _ = fs::remove_file(facts_path(dir, job));
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
    fn a_record_of_an_earlier_release_reads_with_no_activity() {
        let dir = tempfile::tempdir().unwrap();
        let old = r#"{"job_id":"abc","session_id":"s","pid":1,"start_token":"b:1",
            "socket":"/x","started_at":5,"version":"0","idle_deadline":null}"#;
        std::fs::write(dir.path().join("abc.json"), old).unwrap();
        let rec = read_job_record(dir.path(), "abc").unwrap().unwrap();
        assert_eq!(rec.activity, crate::protocol::Activity::default());
    }

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
            last_output_at: Some(7),
            activity: crate::protocol::Activity {
                program: Some("vim".into()),
                title: "notes".into(),
                bell_at: Some(9),
                cpu_ms: 1200,
                rss_bytes: 4096,
            },
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
        let facts = SessionFacts {
            name: Some("build".into()),
            host: "local".into(),
            cwd: Some("/src".into()),
            command: None,
            created_at: 3,
            idle_secs: Some(0),
        };
        write_session_facts(dir.path(), "abc", &facts).unwrap();
        assert_eq!(read_session_facts(dir.path(), "abc"), Some(facts));
        remove_records(dir.path(), "abc");
        assert_eq!(read_job_record(dir.path(), "abc").unwrap(), None);
        assert_eq!(read_exit_record(dir.path(), "abc").unwrap(), None);
        assert_eq!(read_session_facts(dir.path(), "abc"), None);
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn a_record_of_the_previous_release_is_read() {
        // what that release wrote: no last_output_at, and no .session file
        let json = r#"{"job_id":"0123456789ab","session_id":"s","pid":9,"start_token":"b:1","socket":"/r/x.sock","started_at":5,"version":"0.1.0","idle_deadline":null}"#;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0123456789ab.json"), json).unwrap();
        let recs = read_job_records(dir.path()).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].last_output_at, None);
        assert_eq!(read_session_facts(dir.path(), "0123456789ab"), None);
    }
}
