//! Views coming and going: attach (starting a fresh job for a finished
//! session when the user asks, waiting for one another process is
//! starting), detach, activity.

use std::time::Duration;

use super::adopt::abandoned;
use super::{Attachment, Manager, ManagerError, Result, START_WAIT, job_ref, record_end};
use crate::clock::now_millis;
use crate::host::{Host, HostError, JobConn};
use crate::ids::{JobId, SessionId, ViewId};
use crate::protocol::{ClientMsg, ExitInfo};
use crate::store::{ExitRow, SessionRow, Status, ViewRow};

impl Manager {
    /// Attaches a new view: starts a fresh job if the session is done (the
    /// user asked for it), then connects and asks the job for its screen.
    pub async fn attach(&self, key: &str, cols: u16, rows: u16) -> Result<Attachment> {
        let s = self.find(key).await?;
        self.host(&s.host)?.user_acts();
        self.attach_with(s, cols, rows, true).await
    }

    /// Attaches without ever starting a new shell: a view whose connection
    /// dropped comes back, or a switch moves on; a session that ended
    /// meanwhile says so (`Ended`) and stays ended until the user asks.
    pub async fn reattach(&self, key: &str, cols: u16, rows: u16) -> Result<Attachment> {
        let s = self.find(key).await?;
        self.attach_with(s, cols, rows, false).await
    }

    /// Connects while the view's row is written: the two wait on different
    /// things (the job, the database), and the screen is on its way as soon
    /// as both are done. Neither is left behind when the other fails.
    async fn attach_with(
        &self,
        s: SessionRow,
        cols: u16,
        rows: u16,
        may_restart: bool,
    ) -> Result<Attachment> {
        let host = self.host(&s.host)?;
        let s = self
            .ensure_running(s, &*host, cols, rows, may_restart)
            .await?;
        let view = ViewId::new();
        let row = ViewRow {
            id: view.clone(),
            session: s.id.clone(),
            pid: self.me.pid,
            start_token: self.me.start_token(),
            attached_at: now_millis(),
        };
        let connecting = async {
            let conn = self.connect_job(&s, &*host, "attaching to").await?;
            conn.send(ClientMsg::Attach {
                cols,
                rows,
                scrollback: self.config.scrollback_lines as u32,
            })
            .await
            .map_err(|source| ManagerError::Host {
                context: format!("attaching to session '{}'", s.label()),
                source,
            })?;
            Ok::<_, ManagerError>(conn)
        };
        // One trip to the database: the view, the bell it has now seen
        // (the job forgot it as the view attached), and the row as it is.
        let id = s.id.clone();
        let recording = self.db(move |st| {
            if !st.add_view(&row)? {
                return Ok(None);
            }
            st.get(&id)
        });
        let (conn, recorded) = tokio::join!(connecting, recording);
        match (conn, recorded) {
            (Ok(conn), Ok(Some(session))) => Ok(Attachment {
                session,
                view,
                conn,
            }),
            (Err(e), Ok(Some(_))) => {
                // No view after all: the row goes again, so the session
                // does not look watched (and never idles) for nothing.
                if let Err(gone) = self.forget_view(view).await {
                    tracing::warn!(session = %s.id, "removing a view that never was: {gone}");
                }
                Err(e)
            }
            (_, Ok(None)) => Err(ManagerError::NotFound(s.label())),
            (_, Err(e)) => Err(e.into()),
        }
    }

    /// Brings a session to running: a done session gets a fresh job (if
    /// `may_restart`); a session another live process is starting is waited
    /// for, and never taken over while that process lives.
    async fn ensure_running(
        &self,
        mut s: SessionRow,
        host: &dyn Host,
        cols: u16,
        rows: u16,
        may_restart: bool,
    ) -> Result<SessionRow> {
        let deadline = tokio::time::Instant::now() + START_WAIT;
        loop {
            match s.status {
                Status::Running => return Ok(s),
                Status::Disconnected => {
                    if let Some(now) = self.revive(&s).await
                        && now.status != Status::Disconnected
                    {
                        s = now;
                        continue;
                    }
                    return Err(ManagerError::HostUnreachable {
                        host: s.host.clone(),
                        detail: "reconnecting; the session's shell keeps running there".into(),
                    });
                }
                Status::Done if !may_restart => return Err(ManagerError::ended(&s)),
                Status::Done => {
                    if let Some(started) = self.restart(&s, host, Status::Done, cols, rows).await? {
                        return Ok(started);
                    }
                }
                Status::Init if abandoned(&s, now_millis()) => {
                    // Whoever started it is gone. The job it made may run:
                    // then it is the session's; else a new one, if asked for.
                    if let Ok(jobs) = host.list_jobs().await {
                        self.adopt(host, &jobs).await?;
                    }
                    let now = self.reload(&s).await?;
                    if now.status == Status::Init && may_restart {
                        if let Some(started) =
                            self.restart(&now, host, Status::Init, cols, rows).await?
                        {
                            return Ok(started);
                        }
                    } else if now.status == Status::Init {
                        return Err(ManagerError::Ended {
                            label: s.label(),
                            exit: "its start was interrupted".into(),
                        });
                    }
                }
                Status::Init => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(ManagerError::starting(&s));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            s = self.reload(&s).await?;
        }
    }

    /// Claims `s` (still in `from`, with the job it has now) for a fresh
    /// job and starts it; `None` when another process claimed it first.
    async fn restart(
        &self,
        s: &SessionRow,
        host: &dyn Host,
        from: Status,
        cols: u16,
        rows: u16,
    ) -> Result<Option<SessionRow>> {
        let job = JobId::new();
        let (id, claim, starter) = (s.id.clone(), job.clone(), self.starter());
        // A done session's old job is history; an abandoned start's is the
        // one whose claim is being taken over.
        let old = match from {
            Status::Done => None,
            _ => s.job.as_ref().map(|j| j.id.clone()),
        };
        let claimed = self
            .db(move |st| {
                st.claim_start(&id, &[from], old.as_ref(), &claim, &starter, now_millis())
            })
            .await?;
        if !claimed {
            return Ok(None);
        }
        let claimed = self.reload(s).await?;
        let started = self
            .start_job(&claimed, host, job, cols, rows, None)
            .await?;
        Ok(Some(started))
    }

    /// Connects to the session's job, for `what` (as "attaching to"). A job
    /// found gone is recorded as ended and reported so.
    pub(super) async fn connect_job(
        &self,
        s: &SessionRow,
        host: &dyn Host,
        what: &str,
    ) -> Result<JobConn> {
        let job = s.job.as_ref().ok_or_else(|| {
            ManagerError::Other(format!("session '{}' has no job yet", s.label()))
        })?;
        match host.connect(&job_ref(job)).await {
            Ok(conn) => Ok(conn),
            Err(HostError::JobGone(_)) => {
                // It ended whether or not the database takes note now.
                let exit = match self.job_gone(s, host, None).await {
                    Ok(exit) => exit.description,
                    Err(e) => {
                        tracing::warn!(session = %s.id, "recording a job's end: {e}");
                        "job gone".into()
                    }
                };
                Err(ManagerError::Ended {
                    label: s.label(),
                    exit,
                })
            }
            Err(source) => Err(ManagerError::Host {
                context: format!("{what} session '{}' on {}", s.label(), host.label()),
                source,
            }),
        }
    }

    /// The view is gone: forget it. If the database refuses the write (a
    /// full disk), it is written on the next reaper pass. Blocks the calling
    /// thread on the database: callers run it on a blocking thread.
    pub fn detach(&self, view: &ViewId) -> Result<()> {
        let removed = self
            .store
            .call_blocking(|st| st.remove_view(view, now_millis()));
        self.note_detach(view, removed)
    }

    /// `detach` from async code.
    async fn forget_view(&self, view: ViewId) -> Result<()> {
        let removed = self
            .db({
                let view = view.clone();
                move |st| st.remove_view(&view, now_millis())
            })
            .await;
        self.note_detach(&view, removed)
    }

    fn note_detach(
        &self,
        view: &ViewId,
        removed: std::result::Result<(), crate::store::StoreError>,
    ) -> Result<()> {
        if removed.is_err() {
            self.pending_detach_list().push(view.clone());
        }
        Ok(removed?)
    }

    /// Focus, input or output in a session: it moves to the top of the
    /// list. Best effort: a busy database is not waited for. Blocks the
    /// calling thread (briefly): async code uses `record_activity`.
    pub fn touch(&self, id: &SessionId) -> Result<()> {
        Ok(self.store.call_blocking(|st| st.touch(id, now_millis()))?)
    }

    /// Focus, input or output in a session (as `touch`, without blocking).
    pub async fn record_activity(&self, id: &SessionId) -> Result<()> {
        let id = id.clone();
        Ok(self.db(move |st| st.touch(&id, now_millis())).await?)
    }

    /// A job ended or was found gone: record how, and forget its records.
    /// Returns what was recorded.
    pub async fn job_gone(
        &self,
        s: &SessionRow,
        host: &dyn Host,
        exit: Option<ExitInfo>,
    ) -> Result<ExitRow> {
        let job = s.job.as_ref().map(job_ref);
        let row = record_end(host, job.as_ref(), exit, |row| {
            let (id, job_id) = (s.id.clone(), job.as_ref().map(|j| j.id.clone()));
            async move {
                let written = row.clone();
                self.db(move |st| st.set_done(&id, job_id.as_ref(), &written))
                    .await
                    .map(|_| row)
            }
        })
        .await?;
        Ok(self
            .session(&s.id)
            .await?
            .and_then(|s| s.exit)
            .unwrap_or(row))
    }
}
