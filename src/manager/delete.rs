//! Deleting a session, in an order that keeps every message true: the
//! user's intent is recorded first (a write that fails changes nothing),
//! then the job is stopped, then the row goes. Whatever step a crash, a full
//! disk or a lock interrupts, the next sessui finishes or undoes it (see
//! `adopt::settle_pending_stop`), and never ends a shell the user was told
//! was kept.

use std::time::Duration;

use super::{Deleted, Manager, ManagerError, Result, START_WAIT, job_ref, starter_alive};
use crate::clock::now_millis;
use crate::host::HostError;
use crate::store::{JobRow, PendingStop, SessionRow, Status};

impl Manager {
    /// Deletes a session: stop the job first; refuse (keeping the record) if it
    /// will not stop; a dead job's record goes anyway.
    pub async fn kill(&self, key: &str, force: bool) -> Result<Deleted> {
        let mut s = self.find(key).await?;
        if s.status == Status::Init && !force {
            s = self.wait_for_start(s).await?;
        }
        let Some(job) = s.job.clone() else {
            let id = s.id.clone();
            self.db(move |st| st.delete(&id)).await?;
            return Ok(Deleted::Done);
        };
        // The intent first: if it cannot be written, nothing happens.
        let intent = PendingStop {
            host: s.host.clone(),
            job: job.clone(),
            session: Some(s.id.clone()),
            since: now_millis(),
        };
        self.db(move |st| st.add_pending_stop(&intent)).await?;
        let host = match self.host(&s.host) {
            Ok(h) => h,
            Err(e) if force => {
                tracing::warn!("deleting '{}' without reaching its host: {e}", s.label());
                return self.forget_keeping_stop(&s, &job).await;
            }
            Err(e) => {
                self.cancel_stop(&s, &job).await;
                return Err(e);
            }
        };
        let jref = job_ref(&job);
        if s.status != Status::Done {
            match host.stop(&jref, force).await {
                Ok(_) => {}
                Err(HostError::StopFailed(detail)) => {
                    self.cancel_stop(&s, &job).await;
                    return Err(ManagerError::StopRefused {
                        label: s.label(),
                        detail,
                    });
                }
                Err(_) if force => return self.forget_keeping_stop(&s, &job).await,
                Err(e) => {
                    self.cancel_stop(&s, &job).await;
                    return Err(ManagerError::StopRefused {
                        label: s.label(),
                        detail: format!(
                            "{e}; the job may still be running. `sessui kill --force` removes the \
                             session and stops the job when its host is reachable again"
                        ),
                    });
                }
            }
        }
        // The shell is gone: from here on, a failed write is reported as
        // what it is, and the pending stop lets the list catch up.
        let (id, host_name, job_id) = (s.id.clone(), s.host.clone(), job.id.clone());
        let finished = self
            .db(move |st| st.finish_delete(&id, &host_name, &job_id))
            .await;
        match finished {
            Ok(()) => {
                host.take_exit(&jref).await;
                Ok(Deleted::Done)
            }
            Err(e) => Ok(Deleted::ListLater(e.cause())),
        }
    }

    /// A session another live process is starting: wait for the start to
    /// end (the delete then stops the job it made), or say who is starting it.
    async fn wait_for_start(&self, mut s: SessionRow) -> Result<SessionRow> {
        let deadline = tokio::time::Instant::now() + START_WAIT;
        while s.status == Status::Init && starter_alive(&s) == Some(true) {
            if tokio::time::Instant::now() >= deadline {
                return Err(ManagerError::starting(&s));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            s = self.reload(&s).await?;
        }
        Ok(s)
    }

    /// The host cannot be reached and the user forced it: the row goes, the
    /// recorded intent stays for when the host is back.
    async fn forget_keeping_stop(&self, s: &SessionRow, job: &JobRow) -> Result<Deleted> {
        let id = s.id.clone();
        let deleted = self.db(move |st| st.delete(&id)).await;
        match deleted {
            Ok(_) => Ok(Deleted::StopPending),
            Err(e) => {
                self.cancel_stop(s, job).await;
                Err(e.into())
            }
        }
    }

    /// The delete was refused: forget the intent, so nothing stops the job
    /// later. Should that write fail too, the next pass sees the row and the
    /// live job and drops the intent itself.
    async fn cancel_stop(&self, s: &SessionRow, job: &JobRow) {
        let (host, job_id) = (s.host.clone(), job.id.clone());
        let removed = self
            .db(move |st| st.remove_pending_stop(&host, &job_id))
            .await;
        if let Err(e) = removed {
            tracing::warn!(session = %s.id, "cannot drop a refused delete's record: {e}");
        }
    }
}
