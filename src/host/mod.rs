//! Where jobs live. `Host` is the seam: `Local` spawns `sessui job` here;
//! the SSH host does the same on a remote machine through `sessui agent`.

pub mod conn;
pub mod local;
pub mod search;
pub mod ssh;

use async_trait::async_trait;

pub use conn::JobConn;
pub use local::Local;

use crate::clock::Millis;
use crate::duration::Timeout;
use crate::ids::{JobId, SessionId};
pub use crate::job::SessionFacts;
use crate::proc::Liveness;
use crate::protocol::{ExitInfo, ProtocolError};

/// The host name of this machine in the database and the list.
pub const LOCAL: &str = "local";

pub use crate::protocol::agent::StartJob;

/// A job that started: who it is, so liveness can be checked without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedJob {
    pub job: JobId,
    pub pid: u32,
    pub start_token: String,
}

/// How to find a job again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRef {
    pub id: JobId,
    pub pid: Option<u32>,
    pub start_token: Option<String>,
}

/// A job a host knows of, from its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSummary {
    pub job: JobId,
    pub session: SessionId,
    pub pid: u32,
    pub start_token: String,
    pub alive: bool,
    pub idle_deadline: Option<i64>,
    /// What its session is, if the job was started by a release that keeps it.
    pub facts: Option<SessionFacts>,
    /// When its shell last printed, as the job last recorded.
    pub last_output_at: Option<Millis>,
    /// When the job started.
    pub started_at: Millis,
    /// What runs in its session, as the job last recorded it.
    pub activity: crate::protocol::Activity,
}

/// How a stop went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// The job ended because we asked.
    Ended(Option<ExitInfo>),
    /// It was already gone.
    AlreadyGone(Option<ExitInfo>),
}

/// A host's connection, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostState {
    Connected,
    Connecting(String),
    /// Down; retrying at this wall-clock time (ms).
    Reconnecting {
        error: String,
        retry_at: i64,
    },
    Unreachable(String),
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// Confirmed gone (process dead): the only error that lets the manager mark the session done.
    #[error("the job {0} is no longer running")]
    JobGone(String),
    /// Could not tell or could not reach: nothing may be concluded.
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Launch(String),
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    /// The job refused to stop and is still alive.
    #[error("{0}")]
    StopFailed(String),
}

/// Questions a host may need a person to answer while connecting. The CLI
/// asks on the terminal (and fails fast without one); the UI shows a popup.
#[async_trait]
pub trait Prompter: Send + Sync {
    /// An unknown host key: trust it and remember it in known_hosts?
    async fn confirm_host_key(&self, host: &str, key_type: &str, fingerprint: &str) -> bool;
    /// A secret or an answer (passphrase, password, keyboard-interactive).
    /// `echo` says whether the answer may be shown as typed. `None`: cancelled,
    /// or nobody there to ask.
    async fn ask(&self, host: &str, prompt: &str, echo: bool) -> Option<String>;
    /// Something the user must see but need not answer (a setting that is
    /// not honoured, a risk found on the host). Nothing waits on it.
    async fn warn(&self, host: &str, message: &str) {
        tracing::warn!(host, "{message}");
    }
}

/// A prompter for when nobody can answer (scripts, CI, `doctor`): refuses
/// at once.
pub struct NoPrompter;

#[async_trait]
impl Prompter for NoPrompter {
    async fn confirm_host_key(&self, _: &str, _: &str, _: &str) -> bool {
        false
    }
    async fn ask(&self, _: &str, _: &str, _: bool) -> Option<String> {
        None
    }
}

/// Makes hosts other than `local` (SSH) when a session first needs one.
pub trait HostFactory: Send + Sync {
    fn make(&self, name: &str) -> Result<std::sync::Arc<dyn Host>, String>;
}

#[async_trait]
pub trait Host: Send + Sync {
    /// `local`, or the SSH destination as the user wrote it.
    fn name(&self) -> &str;

    fn state(&self) -> HostState {
        HostState::Connected
    }

    /// Follows the connection state, for hosts that have one.
    fn watch_state(&self) -> Option<tokio::sync::watch::Receiver<HostState>> {
        None
    }

    /// Try to connect now instead of at the next scheduled retry.
    fn retry_now(&self) {}

    /// A person acts on this host now (attach, create, retry) and waits for
    /// it: connect now, and this time ask them what the connection needs
    /// (host key, password). Connects made on no one's behalf ask nobody.
    fn user_acts(&self) {
        self.retry_now();
    }

    /// The host as messages name it: `db1 (10.0.0.5:22)` where an alias
    /// leads to an address.
    fn label(&self) -> String {
        self.name().to_string()
    }

    /// The job backstop used when a session has no idle timeout of its own.
    fn job_backstop(&self) -> Timeout;

    async fn start_job(&self, req: StartJob) -> Result<StartedJob, HostError>;

    /// A connection to a job, past the hello.
    async fn connect(&self, job: &JobRef) -> Result<JobConn, HostError>;

    async fn liveness(&self, job: &JobRef) -> Liveness;

    /// Ends the job: politely (the shell gets SIGHUP), then, with `force`, by
    /// killing it. Fails only if the job is still alive afterwards.
    async fn stop(&self, job: &JobRef, force: bool) -> Result<Stopped, HostError>;

    /// Every job this host has records of.
    async fn list_jobs(&self) -> Result<Vec<JobSummary>, HostError>;

    /// Keeps `facts` beside the job, replacing what was there: the record a
    /// lost database is rebuilt from.
    async fn describe(&self, job: &JobRef, facts: &SessionFacts) -> Result<(), HostError>;

    /// How a dead job ended, if it left word; the job's records stay.
    async fn peek_exit(&self, job: &JobRef) -> Option<ExitInfo>;

    /// How a dead job ended, if it left word; forgets the job's records. Only
    /// once the end is in the database: another process that finds the job
    /// gone meanwhile must still read how it ended, not record it as gone.
    async fn take_exit(&self, job: &JobRef) -> Option<ExitInfo>;

    /// Searches each job's history and screen, all at once. A host fails
    /// as a whole only when it cannot be reached at all.
    async fn search(
        &self,
        jobs: &[JobRef],
        query: &crate::protocol::QuerySpec,
    ) -> Result<Vec<search::JobHits>, HostError> {
        Ok(search::search_jobs(self, jobs, query).await)
    }
}
