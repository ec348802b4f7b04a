//! Views coming and going: attach (starting a fresh job for a finished
//! session when the user asks, waiting for one another process is
//! starting), detach, activity.

use std::time::Duration;

use super::adopt::abandoned;
use super::{Attachment, Manager, ManagerError, Result, START_WAIT, job_ref, record_end};
use crate::clock::now_millis;
use crate::host::{Host, HostError};
use crate::ids::{JobId, SessionId, ViewId};
use crate::protocol::{ClientMsg, ExitInfo};
use crate::store::{ExitRow, SessionRow, Status, ViewRow};

impl Manager {
    /// Attaches a new view: starts a fresh job if the session is done (the
    /// user asked for it), then connects and asks the job for its screen.
    pub async fn attach(&self, key: &str, cols: u16, rows: u16) -> Result<Attachment> {
        let s = self.find(key).await?;
        self.host(&s.host)?.user_acts();
        self.attach_with(key, cols, rows, true).await
    }

    /// Attaches without ever starting a new shell: a view whose connection
    /// dropped comes back, or a switch moves on; a session that ended
    /// meanwhile says so (`Ended`) and stays ended until the user asks.
    pub async fn reattach(&self, key: &str, cols: u16, rows: u16) -> Result<Attachment> {
        self.attach_with(key, cols, rows, false).await
    }

    async fn attach_with(
        &self,
        key: &str,
        cols: u16,
        rows: u16,
        may_restart: bool,
    ) -> Result<Attachment> {
        let s = self.find(key).await?;
        let host = self.host(&s.host)?;
        let s = self
            .ensure_running(s, &*host, cols, rows, may_restart)
            .await?;
        let Some(job) = s.job.clone() else {
            return Err(ManagerError::Other(format!(
                "session '{}' has no job",
                s.label()
            )));
        };
        let conn = match host.connect(&job_ref(&job)).await {
            Ok(c) => c,
            Err(HostError::JobGone(_)) => {
                let exit = self.job_gone(&s, &*host, None).await?;
                return Err(ManagerError::Ended {
                    label: s.label(),
                    exit: exit.description,
                });
            }
            Err(source) => {
                return Err(ManagerError::Host {
                    context: format!("attaching to session '{}' on {}", s.label(), host.label()),
                    source,
                });
            }
        };
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
        let view = ViewId::new();
        let row = ViewRow {
            id: view.clone(),
            session: s.id.clone(),
            pid: self.me.pid,
            start_token: self.me.start_token(),
            attached_at: now_millis(),
        };
        let added = self.db(move |st| st.add_view(&row)).await?;
        if !added {
            return Err(ManagerError::NotFound(s.label()));
        }
        let session = self.session(&s.id).await?.unwrap_or(s);
        Ok(Attachment {
            session,
            view,
            conn,
        })
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
                Status::Done if !may_restart => {
                    return Err(ManagerError::Ended {
                        label: s.label(),
                        exit: s
                            .exit
                            .as_ref()
                            .map(|e| e.description.clone())
                            .unwrap_or_else(|| "ended".into()),
                    });
                }
                Status::Done => {
                    let job = JobId::new();
                    let (id, claim, starter) = (s.id.clone(), job.clone(), self.starter());
                    let claimed = self
                        .db(move |st| {
                            st.claim_start(
                                &id,
                                &[Status::Done],
                                None,
                                &claim,
                                &starter,
                                now_millis(),
                            )
                        })
                        .await?;
                    if claimed {
                        let claimed = self.reload(&s).await?;
                        return self.start_job(&claimed, host, job, cols, rows, None).await;
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
                        let job = JobId::new();
                        let (id, claim, starter) = (s.id.clone(), job.clone(), self.starter());
                        let old = now.job.as_ref().map(|j| j.id.clone());
                        let claimed = self
                            .db(move |st| {
                                st.claim_start(
                                    &id,
                                    &[Status::Init],
                                    old.as_ref(),
                                    &claim,
                                    &starter,
                                    now_millis(),
                                )
                            })
                            .await?;
                        if claimed {
                            let claimed = self.reload(&s).await?;
                            return self.start_job(&claimed, host, job, cols, rows, None).await;
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

    /// The view is gone: forget it. If the database refuses the write (a
    /// full disk), it is written on the next reaper pass. Blocks the calling
    /// thread on the database: callers run it on a blocking thread.
    pub fn detach(&self, view: &ViewId) -> Result<()> {
        let removed = self
            .store
            .call_blocking(|st| st.remove_view(view, now_millis()));
        self.note_detach(view, removed)
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
