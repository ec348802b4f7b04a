//! Keeping records true: dead views and jobs are noticed, idle sessions are
//! stopped if their job could not do it itself, finished sessions are removed
//! after a while, jobs no row lists are adopted, deletes are carried out,
//! and changes a job missed are delivered.

use std::collections::HashMap;

use super::adopt::{abandoned, deliver_outdated, settle_pending_stop};
use super::{Manager, Result, exit_row, job_ref};
use crate::clock::{Millis, now_millis};
use crate::ids::SessionId;
use crate::proc::{Liveness, ProcIdentity};
use crate::protocol::{Activity, ExitInfo, ExitReason};
use crate::store::{SessionRow, Status};

/// What one pass did, for logs, tests and telling the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReapReport {
    pub dead_views: usize,
    pub marked_done: usize,
    pub stopped_idle: usize,
    pub removed: usize,
    /// Sessions listed again from their running jobs (labels).
    pub adopted: Vec<String>,
    pub pending_stopped: usize,
    /// Changes delivered to jobs that missed them.
    pub delivered: usize,
}

impl Manager {
    /// Repairs drift between records and reality; run at start-up and on every tick.
    /// Only confirmed facts change records: an unknown liveness changes nothing.
    pub async fn reconcile(&self) -> Result<ReapReport> {
        let mut report = ReapReport::default();
        let now = now_millis();
        // A database made just now may have lost sessions on SSH hosts too.
        for name in self.hosts_to_search() {
            if let Err(e) = self.host(&name) {
                tracing::warn!("cannot look for sessions on '{name}': {e}");
            }
        }

        // Views that left while the database refused the write.
        let left: Vec<_> = std::mem::take(&mut *self.pending_detach_list());
        for view in left {
            let id = view.clone();
            if let Err(e) = self.db(move |st| st.remove_view(&id, now)).await {
                tracing::warn!("recording that view {view} left: {e}");
                self.pending_detach_list().push(view);
            }
        }

        // Views of sessui processes that are gone (crashed, killed).
        let views = self.db(|st| st.list_views()).await?;
        for v in views {
            let dead = ProcIdentity::from_token(v.pid, &v.start_token)
                .map(|p| p.liveness() == Liveness::Dead)
                .unwrap_or(true);
            if dead {
                let id = v.id.clone();
                self.db(move |st| st.remove_view(&id, now)).await?;
                report.dead_views += 1;
            }
        }

        for s in &self.sessions().await? {
            let Some(host) = self.known_host(&s.host) else {
                continue;
            };
            match s.status {
                Status::Running | Status::Disconnected => {
                    if self.job_liveness_on(s, &*host).await == Liveness::Dead {
                        self.job_gone(s, &*host, None).await?;
                        report.marked_done += 1;
                    }
                }
                // A start whose process is gone before its job ran; one whose
                // job runs is kept below, like any job without its session.
                Status::Init if abandoned(s, now) => {
                    let Some(job) = &s.job else {
                        continue;
                    };
                    if host.liveness(&job_ref(job)).await == Liveness::Dead {
                        let exit = ExitInfo {
                            code: None,
                            signal: None,
                            reason: ExitReason::Failed("its start was interrupted".into()),
                            at: now,
                        };
                        let (id, job_id, row) =
                            (s.id.clone(), job.id.clone(), exit_row(Some(&exit)));
                        if self
                            .db(move |st| st.abandon_start(&id, &job_id, &row))
                            .await?
                        {
                            report.marked_done += 1;
                        }
                    }
                }
                Status::Init | Status::Done => {}
            }
        }

        for host in self.known_hosts() {
            // Deletes first: a deleted session's job is stopped, never adopted.
            let name = host.name().to_string();
            let pending = self.db(move |st| st.pending_stops(&name)).await?;
            for p in pending {
                if settle_pending_stop(&*host, &p, &self.store).await {
                    report.pending_stopped += 1;
                }
            }
            let Ok(jobs) = host.list_jobs().await else {
                continue;
            };
            report.adopted.extend(self.adopt(&*host, &jobs).await?);
            self.note_output(&jobs).await;
            report.delivered += deliver_outdated(&*host, &self.store, &self.config).await;
        }
        Ok(report)
    }

    /// Output is activity: asks the connected hosts when their jobs last
    /// printed and what runs in them, so the list shows it (cheaper than a
    /// reconcile). True if a row changed: this process's own writes do not
    /// move `data_version`, so its list must be told.
    pub async fn refresh_activity(&self) -> bool {
        let mut changed = false;
        for host in self.known_hosts() {
            if host.state() != crate::host::HostState::Connected {
                continue;
            }
            if let Ok(jobs) = host.list_jobs().await {
                changed |= self.note_output(&jobs).await;
            }
        }
        changed
    }

    /// Output is activity: what the jobs recorded of their last output moves
    /// their sessions up the list; what runs in them (program, title, bell,
    /// CPU, memory) is kept beside their rows.
    async fn note_output(&self, jobs: &[crate::host::JobSummary]) -> bool {
        let latest: HashMap<SessionId, (Option<Millis>, Activity)> = jobs
            .iter()
            .filter(|j| j.alive)
            .map(|j| (j.session.clone(), (j.last_output_at, j.activity.clone())))
            .collect();
        if latest.is_empty() {
            return false;
        }
        // One blocking call for the whole pass: output is noted often.
        let noted = self
            .db(move |st| {
                let mut changed = false;
                for s in st.list()? {
                    let Some((at, activity)) = latest.get(&s.id) else {
                        continue;
                    };
                    if let Some(at) = *at
                        && at > s.last_active_at
                    {
                        st.touch(&s.id, at)?;
                        changed = true;
                    }
                    if s.activity != *activity {
                        changed |= st.set_activity(&s.id, activity)?;
                    }
                }
                Ok(changed)
            })
            .await;
        noted.unwrap_or_else(|e| {
            tracing::debug!("recording output as activity: {e}");
            false
        })
    }

    /// One reaper tick: reconcile, stop overdue idle sessions, remove old finished ones.
    pub async fn reap(&self) -> Result<ReapReport> {
        let mut report = self.reconcile().await?;
        let now = now_millis();
        let retention = self.config.timeouts.done_retention.as_millis() as Millis;
        for s in self.sessions().await? {
            match s.status {
                Status::Running => {
                    let Some(deadline) = self.reap_deadline(&s) else {
                        continue;
                    };
                    if now < deadline {
                        continue;
                    }
                    let Some(host) = self.known_host(&s.host) else {
                        continue;
                    };
                    let Some(job) = &s.job else {
                        continue;
                    };
                    tracing::info!(session = %s.id, "idle timeout passed: stopping");
                    if host.stop(&job_ref(job), true).await.is_ok() {
                        let exit = ExitInfo {
                            code: None,
                            signal: None,
                            reason: ExitReason::IdleTimeout,
                            at: now,
                        };
                        self.job_gone(&s, &*host, Some(exit)).await?;
                        report.stopped_idle += 1;
                    }
                }
                Status::Done if s.views == 0 => {
                    let done_at = s.done_at.unwrap_or(s.last_active_at);
                    if now - done_at >= retention {
                        if let (Some(host), Some(job)) = (self.known_host(&s.host), &s.job) {
                            host.take_exit(&job_ref(job)).await;
                        }
                        let id = s.id.clone();
                        self.db(move |st| st.delete(&id)).await?;
                        report.removed += 1;
                    }
                }
                _ => {}
            }
        }
        Ok(report)
    }

    async fn job_liveness_on(&self, s: &SessionRow, host: &dyn crate::host::Host) -> Liveness {
        match &s.job {
            Some(job) => host.liveness(&job_ref(job)).await,
            None => Liveness::Dead,
        }
    }
}
