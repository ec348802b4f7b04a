//! The session manager: the state machine (init -> running -> disconnected |
//! done, done -> running on attach), views, activity, delete rules, reaper.
//!
//! The database is the one record; every change is written there first, so a
//! failed write changes nothing, and other sessui processes see it.

mod adopt;
mod attach;
mod cwd;
mod delete;
mod hosts;
mod names;
mod reaper;
mod requests;
mod search;
mod sync;
mod upkeep;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use cwd::new_session_cwd;
pub use names::{NameError, validate_name};
pub use reaper::ReapReport;
pub use search::{Outcome, SessionSearch};
pub use upkeep::Upkeep;

use crate::clock::{Millis, now_millis};
use crate::config::Config;
use crate::duration::Timeout;
pub use crate::host::HostFactory;
use crate::host::{self, Host, HostError, JobConn, JobRef, SessionFacts, StartJob};
use crate::ids::{JobId, SessionId, ViewId};
use crate::proc::{Liveness, ProcIdentity};
use crate::protocol::ExitInfo;
use crate::store::{
    ExitRow, IdleSetting, JobRow, SessionRow, Starter, Status, Store, StoreError, StoreExec,
};

/// How long an attach or a delete waits for another process that is
/// starting the same session's job, before saying so.
const START_WAIT: Duration = Duration::from_secs(10);
/// Requests to a job (capture, info, send) get this long to be answered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error("no session named or with id '{0}' (see `sessui ls`){hint}", hint = short_id_hint(.0))]
    NotFound(String),
    #[error("'{key}' matches several sessions: {}; use more of the id", candidates.join(", "))]
    Ambiguous {
        key: String,
        candidates: Vec<String>,
    },
    #[error("invalid name: {0}")]
    InvalidName(#[from] NameError),
    #[error("the name '{0}' is taken by another session")]
    NameTaken(String),
    #[error("session '{label}' has ended ({exit}); attach to it to start a new shell")]
    Ended { label: String, exit: String },
    #[error(
        "session '{label}' is being started by another sessui process (pid {pid}); try again \
         when it is up"
    )]
    Starting { label: String, pid: u32 },
    #[error("session '{0}' was deleted while its shell was starting; the shell was stopped")]
    DeletedWhileStarting(String),
    #[error("host '{host}' is unreachable: {detail}")]
    HostUnreachable { host: String, detail: String },
    #[error("cannot delete session '{label}': {detail}")]
    StopRefused { label: String, detail: String },
    #[error("{context}: {source}")]
    Host {
        context: String,
        #[source]
        source: HostError,
    },
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Other(String),
}

impl From<StoreError> for ManagerError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NameTaken(n) => ManagerError::NameTaken(n),
            other => ManagerError::Store(other),
        }
    }
}

impl ManagerError {
    /// `s` has ended: say how, as recorded.
    fn ended(s: &SessionRow) -> ManagerError {
        ManagerError::Ended {
            label: s.label(),
            exit: s
                .exit
                .as_ref()
                .map(|e| e.description.clone())
                .unwrap_or_else(|| "ended".into()),
        }
    }

    /// `s` is being started by another live process: say which.
    fn starting(s: &SessionRow) -> ManagerError {
        ManagerError::Starting {
            label: s.label(),
            pid: s.starter.as_ref().map(|p| p.pid).unwrap_or(0),
        }
    }
}

pub type Result<T> = std::result::Result<T, ManagerError>;

/// What a new session should be.
#[derive(Debug, Clone, Default)]
pub struct CreateOpts {
    /// As typed: blank means anonymous.
    pub name: String,
    /// Blank or `local` for this machine; else an SSH destination.
    pub host: String,
    pub cwd: Option<PathBuf>,
    pub cmd: Option<String>,
    pub shell: Option<String>,
    pub idle: Option<Timeout>,
    pub cols: u16,
    pub rows: u16,
}

/// A view attached to a session: the connection to its job.
pub struct Attachment {
    pub session: SessionRow,
    pub view: ViewId,
    pub conn: JobConn,
}

/// How a delete went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// Job stopped (or already gone) and record removed.
    Done,
    /// Host unreachable: record removed, job to be stopped on the next connection.
    StopPending,
    /// The job was stopped, but the database refused to drop the session's
    /// row (why): the next sessui that can write finishes the delete.
    ListLater(String),
}

pub struct Manager {
    /// Every database call goes through here, on a blocking thread.
    store: StoreExec,
    config: Config,
    hosts: Mutex<HashMap<String, Arc<dyn Host>>>,
    factory: Option<Arc<dyn HostFactory>>,
    me: ProcIdentity,
    /// Views that left while the database refused the write (a full disk):
    /// written on the next reaper pass, so they do not stay on record.
    pending_detach: Mutex<Vec<ViewId>>,
}

/// The host key a destination is stored under: blank and `local` mean this machine.
pub fn host_key(host: &str) -> String {
    let h = host.trim();
    if h.is_empty() || h == host::LOCAL {
        host::LOCAL.to_string()
    } else {
        h.to_string()
    }
}

impl Manager {
    pub fn new(
        store: Store,
        config: Config,
        hosts: Vec<Arc<dyn Host>>,
        factory: Option<Arc<dyn HostFactory>>,
    ) -> Result<Manager> {
        let me = ProcIdentity::current()
            .map_err(|e| ManagerError::Other(format!("cannot read own process info: {e}")))?;
        let hosts = hosts
            .into_iter()
            .map(|h| (h.name().to_string(), h))
            .collect();
        Ok(Manager {
            store: StoreExec::new(store),
            config,
            hosts: Mutex::new(hosts),
            factory,
            me,
            pending_detach: Mutex::new(Vec::new()),
        })
    }

    /// Runs `f` with the store on a blocking thread: the only way manager
    /// code reaches the database, so no tokio worker waits on SQLite's lock.
    async fn db<T, F>(&self, f: F) -> std::result::Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> std::result::Result<T, StoreError> + Send + 'static,
    {
        self.store.call(f).await
    }

    /// Runs `f` with the store, for tests that need a query the manager does not wrap.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        self.store.call_blocking(f)
    }

    pub fn host(&self, name: &str) -> Result<Arc<dyn Host>> {
        let key = host_key(name);
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = hosts.get(&key) {
            return Ok(h.clone());
        }
        let factory = self
            .factory
            .as_ref()
            .ok_or_else(|| ManagerError::HostUnreachable {
                host: key.clone(),
                detail: "remote hosts are not available in this build".into(),
            })?;
        let h = factory
            .make(&key)
            .map_err(|detail| ManagerError::HostUnreachable {
                host: key.clone(),
                detail,
            })?;
        hosts.insert(key, h.clone());
        self.watch_host(&h);
        Ok(h)
    }

    /// Hosts connected or tried so far.
    pub fn known_hosts(&self) -> Vec<Arc<dyn Host>> {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.values().cloned().collect()
    }

    /// A host this process already has, without connecting to a new one.
    pub fn known_host(&self, name: &str) -> Option<Arc<dyn Host>> {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.get(&host_key(name)).cloned()
    }

    /// Every session, newest activity first. Blocks the calling thread on
    /// the database: async code uses `sessions`.
    pub fn list(&self) -> Result<Vec<SessionRow>> {
        Ok(self.store.call_blocking(|st| st.list())?)
    }

    /// Every session, newest activity first.
    pub async fn sessions(&self) -> Result<Vec<SessionRow>> {
        Ok(self.db(|st| st.list()).await?)
    }

    /// One session by id. Blocks the calling thread: async code uses `session`.
    pub fn get(&self, id: &SessionId) -> Result<Option<SessionRow>> {
        Ok(self.store.call_blocking(|st| st.get(id))?)
    }

    /// One session by id.
    pub async fn session(&self, id: &SessionId) -> Result<Option<SessionRow>> {
        let id = id.clone();
        Ok(self.db(move |st| st.get(&id)).await?)
    }

    /// `s` as the database has it now; gone is `NotFound`.
    async fn reload(&self, s: &SessionRow) -> Result<SessionRow> {
        self.session(&s.id)
            .await?
            .ok_or_else(|| ManagerError::NotFound(s.label()))
    }

    /// Changes when another process changed the database. Blocks the
    /// calling thread (the UI loop asks from its blocking store thread).
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.store.call_blocking(|st| st.data_version())?)
    }

    /// Changes when another process changed the database.
    pub async fn db_version(&self) -> Result<i64> {
        Ok(self.db(|st| st.data_version()).await?)
    }

    /// A session by name, number, full id, or unique id prefix of at least 4 characters.
    /// A key that matches nothing may name a running session the database
    /// lost: the jobs on record here are asked before saying it is not found.
    pub async fn resolve_or_adopt(&self, key: &str) -> Result<(SessionRow, Vec<String>)> {
        match self.find(key).await {
            Err(ManagerError::NotFound(_)) => {
                let adopted = self.adopt_local().await?;
                Ok((self.find(key).await?, adopted))
            }
            other => other.map(|s| (s, Vec::new())),
        }
    }

    /// A session by name, number, full id, or unique id prefix of at least 4
    /// characters. Blocks the calling thread: async code uses `find`.
    pub fn resolve(&self, key: &str) -> Result<SessionRow> {
        let key = key.trim();
        pick(key, self.store.call_blocking(|st| st.lookup(key))?)
    }

    /// A session by name, number, full id, or unique id prefix of at least 4 characters.
    pub async fn find(&self, key: &str) -> Result<SessionRow> {
        let key = key.trim().to_string();
        let lookup = key.clone();
        pick(&key, self.db(move |st| st.lookup(&lookup)).await?)
    }

    /// The idle timeout that applies to a session (its own, or its kind's default).
    pub fn effective_idle(&self, s: &SessionRow) -> Timeout {
        match s.idle {
            IdleSetting::Own(t) => t,
            IdleSetting::Default => self.config.default_idle(s.name.is_some()),
        }
    }

    /// When the reaper will stop this session if nobody attaches (wall clock), if ever.
    pub fn reap_deadline(&self, s: &SessionRow) -> Option<Millis> {
        if s.views > 0 || !matches!(s.status, Status::Running | Status::Disconnected) {
            return None;
        }
        let limit = self.effective_idle(s).as_duration()?;
        let since = s.idle_since?;
        Some(since + limit.as_millis() as Millis)
    }

    /// The limit the job itself enforces: the session's, else the host's backstop.
    fn job_timeout(&self, s: &SessionRow, host: &dyn Host) -> Timeout {
        sync::job_timeout(s, host, &self.config)
    }

    /// Creates a session and starts its shell in the background.
    pub async fn create(&self, opts: CreateOpts) -> Result<SessionRow> {
        let name = validate_name(&opts.name)?;
        let host_name = host_key(&opts.host);
        let host = self.host(&host_name)?;
        host.user_acts();
        let now = now_millis();
        let job = JobId::new();
        let row = SessionRow {
            id: SessionId::new(),
            name,
            host: host_name,
            status: Status::Init,
            job: Some(JobRow {
                id: job.clone(),
                pid: None,
                start_token: None,
            }),
            idle: opts
                .idle
                .map(IdleSetting::Own)
                .unwrap_or(IdleSetting::Default),
            exit: None,
            cwd: opts.cwd.as_ref().map(|p| p.display().to_string()),
            command: opts.cmd.clone(),
            created_at: now,
            last_active_at: now,
            idle_since: Some(now),
            done_at: None,
            starter: Some(self.starter()),
            job_outdated: false,
            number: None,
            activity: Default::default(),
            views: 0,
        };
        // The record first: a name taken meanwhile fails here, before any shell starts.
        let record = row.clone();
        self.db(move |st| st.insert_session(&record)).await?;
        if row.host != host::LOCAL {
            self.remember_host(&row.host);
        }
        match self
            .start_job(&row, &*host, job, opts.cols, opts.rows, opts.shell)
            .await
        {
            Ok(row) => Ok(row),
            Err(e) => {
                let id = row.id.clone();
                let _ = self.db(move |st| st.delete(&id)).await;
                Err(e)
            }
        }
    }

    /// Starts a job for a session this process has claimed (status init, job id set).
    async fn start_job(
        &self,
        s: &SessionRow,
        host: &dyn Host,
        job: JobId,
        cols: u16,
        rows: u16,
        shell: Option<String>,
    ) -> Result<SessionRow> {
        let req = StartJob {
            session: s.id.clone(),
            job: job.clone(),
            cols: if cols == 0 { 80 } else { cols },
            rows: if rows == 0 { 24 } else { rows },
            idle_timeout: self.job_timeout(s, host),
            history: self.config.scrollback_lines,
            term: self.config.term.clone(),
            cwd: s.cwd.as_ref().map(PathBuf::from),
            // The configured shell is this machine's; a remote host uses its own login shell.
            shell: shell.or_else(|| {
                Some(self.config.shell.clone())
                    .filter(|s| !s.is_empty() && host.name() == host::LOCAL)
            }),
            cmd: s.command.clone(),
            facts: facts_of(s),
        };
        let started = host
            .start_job(req)
            .await
            .map_err(|source| ManagerError::Host {
                context: format!(
                    "starting a shell for session '{}' on {}",
                    s.label(),
                    host.label()
                ),
                source,
            })?;
        let job_row = JobRow {
            id: job,
            pid: Some(started.pid),
            start_token: Some(started.start_token),
        };
        let (id, job) = (s.id.clone(), job_row.clone());
        let recorded = self.db(move |st| st.set_running(&id, &job, None)).await;
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                // Deleted or taken over while starting: the job is nobody's.
                let _ = host.stop(&job_ref(&job_row), true).await;
                host.take_exit(&job_ref(&job_row)).await;
                return Err(match self.session(&s.id).await {
                    Ok(None) => ManagerError::DeletedWhileStarting(s.label()),
                    _ => ManagerError::Other(format!(
                        "session '{}' was started by another sessui process meanwhile; its \
                         shell is the one that runs",
                        s.label()
                    )),
                });
            }
            Err(e) => {
                // The database refused the write: undo the start, change nothing.
                let _ = host.stop(&job_ref(&job_row), true).await;
                return Err(e.into());
            }
        }
        self.reload(s).await
    }

    /// Renames a session; blank input makes it anonymous.
    pub async fn rename(&self, key: &str, input: &str) -> Result<SessionRow> {
        let s = self.find(key).await?;
        let name = validate_name(input)?;
        let id = s.id.clone();
        if !self.db(move |st| st.rename(&id, name.as_deref())).await? {
            return Err(ManagerError::NotFound(key.to_string()));
        }
        let s = self
            .session(&s.id)
            .await?
            .ok_or_else(|| ManagerError::NotFound(key.to_string()))?;
        // The job keeps the name beside it, and its limit may have changed.
        self.update_job(&s).await;
        Ok(s)
    }

    fn pending_detach_list(&self) -> MutexGuard<'_, Vec<ViewId>> {
        self.pending_detach
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// This process, as the starter of a session's job.
    fn starter(&self) -> Starter {
        Starter {
            pid: self.me.pid,
            start_token: self.me.start_token(),
        }
    }
}

/// The one session `key` names among those it matched, or why not.
/// A key that could be the start of an id but is too short to be looked up as one.
fn short_id_hint(key: &str) -> &'static str {
    if !key.is_empty() && key.len() < 4 && key.chars().all(|c| c.is_ascii_hexdigit()) {
        "; an id prefix needs 4 or more characters"
    } else {
        ""
    }
}

fn pick(key: &str, found: Vec<SessionRow>) -> Result<SessionRow> {
    if let Some(exact) = found
        .iter()
        .find(|s| s.name.as_deref() == Some(key) || s.id.as_str() == key)
    {
        return Ok(exact.clone());
    }
    match found.len() {
        0 => Err(ManagerError::NotFound(key.to_string())),
        1 => found
            .into_iter()
            .next()
            .ok_or_else(|| ManagerError::NotFound(key.to_string())),
        _ => Err(ManagerError::Ambiguous {
            key: key.to_string(),
            candidates: found
                .iter()
                .map(|s| match &s.name {
                    Some(n) => format!("{} ({n})", s.id.short()),
                    None => s.id.short().to_string(),
                })
                .collect(),
        }),
    }
}

/// What to tell the user, once, about sessions listed again from their
/// running jobs; `None` if there were none.
pub fn adopted_notice(labels: &[String]) -> Option<String> {
    const SHOWN: usize = 5;
    let n = labels.len();
    if n == 0 {
        return None;
    }
    let mut names = labels
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if n > SHOWN {
        names.push_str(&format!(" and {} more", n - SHOWN));
    }
    let sessions = if n == 1 { "session" } else { "sessions" };
    Some(format!(
        "found {n} running {sessions} missing from the database ({names}); listed again"
    ))
}

/// What a job keeps of its session, from the session's row.
pub fn facts_of(s: &SessionRow) -> SessionFacts {
    SessionFacts {
        name: s.name.clone(),
        host: s.host.clone(),
        cwd: s.cwd.clone(),
        command: s.command.clone(),
        created_at: s.created_at,
        idle_secs: s.idle.to_column(),
    }
}

/// Whether the process starting a session's job still lives; unknown counts
/// as alive (only a confirmed death frees a start).
fn starter_alive(s: &SessionRow) -> Option<bool> {
    let p = s.starter.as_ref()?;
    Some(
        ProcIdentity::from_token(p.pid, &p.start_token)
            .is_none_or(|id| id.liveness() != Liveness::Dead),
    )
}

pub fn job_ref(job: &JobRow) -> JobRef {
    JobRef {
        id: job.id.clone(),
        pid: job.pid,
        start_token: job.start_token.clone(),
    }
}

/// The database form of how a job ended; a job that left no word is "gone".
pub fn exit_row(exit: Option<&ExitInfo>) -> ExitRow {
    match exit.cloned().map(ExitInfo::ingested) {
        Some(e) => ExitRow {
            code: e.code,
            description: e.describe(),
            signal: e.signal,
            at: e.at,
        },
        None => ExitRow {
            code: None,
            signal: None,
            description: "job gone".into(),
            at: now_millis(),
        },
    }
}

/// Records how a dead job ended with `record` (a database write), keeping the
/// host's word until it is written, so a process that finds the job gone
/// meanwhile still reads how it ended (see `Host::take_exit`). `known` is an
/// end already in hand: the job said so, or the reaper stopped it.
pub(super) async fn record_end<T, E, F>(
    host: &dyn Host,
    job: Option<&JobRef>,
    known: Option<ExitInfo>,
    record: impl FnOnce(ExitRow) -> F,
) -> std::result::Result<T, E>
where
    F: std::future::Future<Output = std::result::Result<T, E>>,
{
    let exit = match (known, job) {
        (Some(exit), _) => Some(exit),
        (None, Some(j)) => host.peek_exit(j).await,
        (None, None) => None,
    };
    let recorded = record(exit_row(exit.as_ref())).await?;
    if let Some(j) = job {
        host.take_exit(j).await;
    }
    Ok(recorded)
}

#[cfg(test)]
pub(crate) mod fake;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod tests;
