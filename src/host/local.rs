//! Jobs on this machine: `sessui job` processes with sockets in the runtime
//! directory and records in the state directory.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use tokio::net::UnixStream;

use super::{
    Host, HostError, JobConn, JobRef, JobSummary, SessionFacts, StartJob, StartedJob, Stopped,
};
use crate::duration::Timeout;
use crate::ids::{JobId, SessionId, is_valid_job_id};
use crate::job::{self, JobSpec};
use crate::paths::Paths;
use crate::proc::{Liveness, ProcIdentity};
use crate::protocol::{ClientMsg, ExitInfo, ServerMsg};

/// How long a job gets to answer a stop request and report its shell's end.
/// It gives the shell 3 s between SIGHUP and SIGKILL, so this is a bit more.
const STOP_WAIT: Duration = Duration::from_secs(4);
/// How long after SIGTERM or SIGKILL we look for the process to be gone.
const SIGNAL_WAIT: Duration = Duration::from_secs(4);
/// How long a live job's missing socket is waited for: jobs check theirs
/// every second and recreate it.
const SOCKET_RETURN: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct Local {
    paths: Paths,
    backstop: Timeout,
    exe: PathBuf,
}

impl Local {
    pub fn new(paths: Paths, backstop: Timeout) -> Local {
        Local {
            paths,
            backstop,
            exe: job::self_exe(),
        }
    }

    /// Runs jobs from another sessui executable (tests drive the library
    /// from their own binary).
    #[cfg(feature = "test-hooks")]
    pub fn with_exe(mut self, exe: PathBuf) -> Local {
        self.exe = exe;
        self
    }

    pub fn socket_path(&self, job: &JobId) -> PathBuf {
        self.paths.runtime_dir.join(format!("{job}.sock"))
    }

    fn log_file(&self) -> PathBuf {
        self.paths.log_dir().join("sessui.log")
    }

    /// The job's identity: from the caller's record if it has one, else from the job's own record.
    fn identity(&self, job: &JobRef) -> Option<ProcIdentity> {
        if let (Some(pid), Some(token)) = (job.pid, job.start_token.as_deref())
            && let Some(id) = ProcIdentity::from_token(pid, token)
        {
            return Some(id);
        }
        job::read_job_record(&self.paths.jobs_dir(), job.id.as_str())
            .ok()
            .flatten()
            .and_then(|r| ProcIdentity::from_token(r.pid, &r.start_token))
    }

    fn liveness_now(&self, job: &JobRef) -> Liveness {
        if !is_valid_job_id(job.id.as_str()) {
            return Liveness::Dead;
        }
        match self.identity(job) {
            Some(id) => id.liveness(),
            // No identity anywhere: it never started, or ended and was forgotten.
            None => Liveness::Dead,
        }
    }

    fn read_exit(&self, job: &JobId) -> Option<ExitInfo> {
        job::read_exit_record(&self.paths.jobs_dir(), job.as_str())
            .ok()
            .flatten()
    }
}

#[async_trait]
impl Host for Local {
    fn name(&self) -> &str {
        super::LOCAL
    }

    fn job_backstop(&self) -> Timeout {
        self.backstop
    }

    async fn start_job(&self, req: StartJob) -> Result<StartedJob, HostError> {
        self.paths
            .create_all()
            .map_err(|e| HostError::Launch(e.to_string()))?;
        let socket = self.socket_path(&req.job);
        if socket.as_os_str().len() >= 100 {
            return Err(HostError::Launch(format!(
                "the socket path {} is too long for a unix socket; set XDG_RUNTIME_DIR or SESSUI_HOME to a shorter directory",
                socket.display()
            )));
        }
        // What the session is goes beside the job before it starts: a job
        // with no row is then never a stranger.
        job::write_session_facts(&self.paths.jobs_dir(), req.job.as_str(), &req.facts).map_err(
            |e| {
                HostError::Launch(format!(
                    "cannot write to {}: {e}",
                    self.paths.jobs_dir().display()
                ))
            },
        )?;
        let job_id = req.job.clone();
        let spec = JobSpec {
            start: req,
            socket,
            records: self.paths.jobs_dir(),
            log: Some(self.log_file()),
            detach: false,
        };
        let exe = self.exe.clone();
        let launched = tokio::task::spawn_blocking(move || job::launch(&exe, &spec))
            .await
            .map_err(|e| HostError::Launch(e.to_string()))
            .and_then(|r| r.map_err(|e| HostError::Launch(e.to_string())));
        let started = match launched {
            Ok(s) => s,
            Err(e) => {
                job::remove_records(&self.paths.jobs_dir(), job_id.as_str());
                return Err(e);
            }
        };
        Ok(StartedJob {
            job: job_id,
            pid: started.pid,
            start_token: started.start_token,
        })
    }

    async fn connect(&self, job: &JobRef) -> Result<JobConn, HostError> {
        let path = self.socket_path(&job.id);
        let patience = tokio::time::Instant::now() + SOCKET_RETURN;
        let attempt = loop {
            // Checked at each connection, not once: the directory may have
            // been swapped for someone else's since this process started.
            let checked = crate::paths::check_runtime_dir(&self.paths.runtime_dir);
            let missing = match &checked {
                Err(e) if e.is_missing() => true,
                Err(e) => return Err(HostError::Unreachable(e.to_string())),
                Ok(()) => !path.exists(),
            };
            // A socket or directory deleted by a cleaner comes back from its
            // job within a second: wait for that rather than fail.
            if missing
                && tokio::time::Instant::now() < patience
                && self.liveness_now(job) == Liveness::Alive
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            break tokio::time::timeout(Duration::from_secs(5), UnixStream::connect(&path)).await;
        };
        match attempt {
            Ok(Ok(stream)) => {
                let (r, w) = crate::protocol::socket::split_tokio(stream)
                    .map_err(|e| HostError::Unreachable(format!("the job {}: {e}", job.id)))?;
                Ok(JobConn::open(r, w).await?)
            }
            Ok(Err(e)) => match self.liveness_now(job) {
                Liveness::Dead => {
                    // A stale socket from a dead job: clean it, say what happened.
                    let _ = std::fs::remove_file(&path);
                    job::follow::remove(&path);
                    Err(HostError::JobGone(job.id.to_string()))
                }
                Liveness::Alive => Err(HostError::Unreachable(format!(
                    "the job {} is running but its socket {} does not answer ({e}); it recreates a lost socket within a second or two, try again",
                    job.id,
                    path.display()
                ))),
                Liveness::Unknown(why) => Err(HostError::Unreachable(format!(
                    "cannot reach the job {} ({e}) and cannot tell if it runs: {why}",
                    job.id
                ))),
            },
            Err(_) => Err(HostError::Unreachable(format!(
                "connecting to the job {} timed out",
                job.id
            ))),
        }
    }

    async fn liveness(&self, job: &JobRef) -> Liveness {
        self.liveness_now(job)
    }

    async fn stop(&self, job: &JobRef, force: bool) -> Result<Stopped, HostError> {
        if self.liveness_now(job) == Liveness::Dead {
            return Ok(Stopped::AlreadyGone(self.read_exit(&job.id)));
        }
        let frozen = self.identity(job).is_some_and(|id| id.is_frozen());
        if !frozen {
            // Ask over the socket; the job ends the shell, reports, and exits.
            let asked = async {
                let mut conn = self.connect(job).await?;
                conn.send(ClientMsg::Stop).await?;
                while let Some(msg) = conn.recv().await {
                    if let ServerMsg::Exited(exit) = msg {
                        return Ok::<Option<ExitInfo>, HostError>(Some(exit));
                    }
                }
                Ok(None)
            };
            if let Ok(Ok(exit)) = tokio::time::timeout(STOP_WAIT, asked).await {
                self.wait_dead(job, SIGNAL_WAIT).await;
                if self.liveness_now(job) == Liveness::Dead {
                    return Ok(Stopped::Ended(exit.or_else(|| self.read_exit(&job.id))));
                }
            }
        }
        // Not answering: SIGTERM makes a job stop its shell too (a frozen job
        // cannot act on it); SIGKILL if forced.
        let mut signals = Vec::new();
        if !frozen {
            signals.push(nix::sys::signal::Signal::SIGTERM);
        }
        if force {
            signals.push(nix::sys::signal::Signal::SIGKILL);
        }
        for signal in signals {
            if let Some(id) = self.identity(job)
                && id.liveness() == Liveness::Alive
            {
                tracing::info!(job = %job.id, ?signal, "job does not answer; signalling it");
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(id.pid as i32), signal);
                self.wait_dead(job, SIGNAL_WAIT).await;
            }
        }
        let pid = self.identity(job).map(|i| i.pid).unwrap_or(0);
        match self.liveness_now(job) {
            Liveness::Dead => Ok(Stopped::Ended(self.read_exit(&job.id))),
            Liveness::Alive if frozen => Err(HostError::StopFailed(format!(
                "the job {} (pid {pid}) did not stop: it is frozen (stopped by a signal); \
                 `kill -CONT {pid}` resumes it, --force kills it",
                job.id
            ))),
            Liveness::Alive => Err(HostError::StopFailed(format!(
                "the job {} (pid {pid}) did not stop; it may be stuck{}",
                job.id,
                if force { "" } else { "; --force kills it" }
            ))),
            Liveness::Unknown(why) => Err(HostError::Unreachable(format!(
                "cannot tell whether the job {} stopped: {why}",
                job.id
            ))),
        }
    }

    async fn list_jobs(&self) -> Result<Vec<JobSummary>, HostError> {
        let dir = self.paths.jobs_dir();
        let records = job::read_job_records(&dir)
            .map_err(|e| HostError::Unreachable(format!("cannot read {}: {e}", dir.display())))?;
        Ok(records
            .into_iter()
            .map(|rec| JobSummary {
                facts: job::read_session_facts(&dir, &rec.job_id),
                last_output_at: rec.last_output_at,
                started_at: rec.started_at,
                activity: rec.activity.clone(),
                alive: ProcIdentity::from_token(rec.pid, &rec.start_token)
                    .map(|p| p.liveness() == Liveness::Alive)
                    .unwrap_or(false),
                job: JobId::from_string(rec.job_id),
                session: SessionId::from_string(rec.session_id),
                pid: rec.pid,
                start_token: rec.start_token,
                idle_deadline: rec.idle_deadline,
            })
            .collect())
    }

    async fn describe(&self, job: &JobRef, facts: &SessionFacts) -> Result<(), HostError> {
        if !is_valid_job_id(job.id.as_str()) {
            return Err(HostError::JobGone(job.id.to_string()));
        }
        let dir = self.paths.jobs_dir();
        job::write_session_facts(&dir, job.id.as_str(), facts)
            .map_err(|e| HostError::Unreachable(format!("cannot write to {}: {e}", dir.display())))
    }

    async fn peek_exit(&self, job: &JobRef) -> Option<ExitInfo> {
        if !is_valid_job_id(job.id.as_str()) {
            return None;
        }
        self.read_exit(&job.id)
    }

    async fn take_exit(&self, job: &JobRef) -> Option<ExitInfo> {
        if !is_valid_job_id(job.id.as_str()) {
            return None;
        }
        let exit = self.read_exit(&job.id);
        job::remove_records(&self.paths.jobs_dir(), job.id.as_str());
        let socket = self.socket_path(&job.id);
        let _ = std::fs::remove_file(&socket);
        // A killed job leaves the environment it recorded beside its socket.
        job::follow::remove(&socket);
        exit
    }
}

impl Local {
    async fn wait_dead(&self, job: &JobRef, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if self.liveness_now(job) == Liveness::Dead {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
