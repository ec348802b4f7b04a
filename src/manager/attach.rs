//! Views coming and going: attach (starting a fresh job for a finished
//! session, waiting for one another process is starting), detach, activity.

use std::time::Duration;

use super::{Attachment, Manager, ManagerError, Result, START_WAIT, job_ref, record_end};
use crate::clock::now_millis;
use crate::host::{Host, HostError};
use crate::ids::{JobId, SessionId, ViewId};
use crate::protocol::{ClientMsg, ExitInfo};
use crate::store::{ExitRow, SessionRow, Status, ViewRow};

impl Manager {
    /// Attaches a new view: starts a fresh job if the session is done, then
    /// connects and asks the job for its screen.
    pub async fn attach(&self, key: &str, cols: u16, rows: u16) -> Result<Attachment> {
        let s = self.resolve(key)?;
        let host = self.host(&s.host)?;
        let s = self.ensure_running(s, &*host, cols, rows).await?;
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
                    context: format!("attaching to session '{}' on {}", s.label(), s.host),
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
        let added = self.store().add_view(&ViewRow {
            id: view.clone(),
            session: s.id.clone(),
            pid: self.me.pid,
            start_token: self.me.start_token(),
            attached_at: now_millis(),
        })?;
        if !added {
            return Err(ManagerError::NotFound(s.label()));
        }
        let session = self.get(&s.id)?.unwrap_or(s);
        Ok(Attachment {
            session,
            view,
            conn,
        })
    }

    /// Brings a session to running: a done session gets a fresh job; a
    /// session another process is starting is waited for.
    async fn ensure_running(
        &self,
        mut s: SessionRow,
        host: &dyn Host,
        cols: u16,
        rows: u16,
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
                Status::Done => {
                    let job = JobId::new();
                    if self
                        .store()
                        .claim_start(&s.id, &[Status::Done], &job, now_millis())?
                    {
                        let claimed = self
                            .get(&s.id)?
                            .ok_or_else(|| ManagerError::NotFound(s.label()))?;
                        return self.start_job(&claimed, host, job, cols, rows, None).await;
                    }
                }
                Status::Init => {
                    if tokio::time::Instant::now() >= deadline {
                        // Whoever claimed the start is gone: take it over.
                        let job = JobId::new();
                        if self
                            .store()
                            .claim_start(&s.id, &[Status::Init], &job, now_millis())?
                        {
                            let claimed = self
                                .get(&s.id)?
                                .ok_or_else(|| ManagerError::NotFound(s.label()))?;
                            return self.start_job(&claimed, host, job, cols, rows, None).await;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            s = self
                .get(&s.id)?
                .ok_or_else(|| ManagerError::NotFound(s.label()))?;
        }
    }

    /// The view is gone: forget it.
    pub fn detach(&self, view: &ViewId) -> Result<()> {
        Ok(self.store().remove_view(view, now_millis())?)
    }

    /// Focus or input in a session: it moves to the top of the list.
    pub fn touch(&self, id: &SessionId) -> Result<()> {
        Ok(self.store().touch(id, now_millis())?)
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
            let done = self
                .store()
                .set_done(&s.id, job.as_ref().map(|j| &j.id), &row);
            std::future::ready(done.map(|_| row))
        })
        .await?;
        Ok(self.get(&s.id)?.and_then(|s| s.exit).unwrap_or(row))
    }
}
