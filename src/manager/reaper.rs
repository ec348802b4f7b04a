//! Keeping records true: dead views and jobs are noticed, idle sessions are
//! stopped if their job could not do it itself, finished sessions are removed
//! after a while, orphan jobs are stopped, and pending stops are carried out.

use std::collections::HashMap;
use std::time::Duration;

use super::{Manager, Result, exit_row, job_ref};
use crate::clock::{Millis, now_millis};
use crate::proc::{Liveness, ProcIdentity};
use crate::protocol::{ExitInfo, ExitReason};
use crate::store::{SessionRow, Status};

/// A session stuck in `init` this long had its start interrupted (a sessui
/// killed mid-create); anything shorter may still be starting in another process.
const STALE_INIT: Duration = Duration::from_secs(60);

/// What one pass did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReapReport {
    pub dead_views: usize,
    pub marked_done: usize,
    pub stopped_idle: usize,
    pub removed: usize,
    pub orphans_stopped: usize,
    pub pending_stopped: usize,
}

impl Manager {
    /// Repairs drift between records and reality; run at start-up and on every tick.
    /// Only confirmed facts change records: an unknown liveness changes nothing.
    pub async fn reconcile(&self) -> Result<ReapReport> {
        let mut report = ReapReport::default();
        let now = now_millis();

        // Views of sessui processes that are gone (crashed, killed).
        let views = self.store().list_views()?;
        for v in views {
            let dead = ProcIdentity::from_token(v.pid, &v.start_token)
                .map(|p| p.liveness() == Liveness::Dead)
                .unwrap_or(true);
            if dead {
                self.store().remove_view(&v.id, now)?;
                report.dead_views += 1;
            }
        }

        let sessions = self.list()?;
        for s in &sessions {
            match s.status {
                Status::Running | Status::Disconnected => {
                    let Some(host) = self.known_host(&s.host) else {
                        continue;
                    };
                    if self.job_liveness_on(s, &*host).await == Liveness::Dead {
                        self.job_gone(s, &*host, None).await?;
                        report.marked_done += 1;
                    }
                }
                Status::Init => {
                    let started = s.job.as_ref().is_some_and(|j| j.pid.is_some());
                    if !started && now - s.last_active_at > STALE_INIT.as_millis() as Millis {
                        let exit = ExitInfo {
                            code: None,
                            signal: None,
                            reason: ExitReason::Failed("its start was interrupted".into()),
                            at: now,
                        };
                        self.store().set_done(&s.id, None, &exit_row(Some(&exit)))?;
                        report.marked_done += 1;
                    }
                }
                Status::Done => {}
            }
        }

        // Jobs nobody's session knows of (left behind by a crash mid-delete).
        let owners: HashMap<&str, &SessionRow> =
            sessions.iter().map(|s| (s.id.as_str(), s)).collect();
        for host in self.known_hosts() {
            let Ok(jobs) = host.list_jobs().await else {
                continue;
            };
            for j in jobs {
                let owned = owners
                    .get(j.session.as_str())
                    .is_some_and(|s| s.job.as_ref().is_some_and(|sj| sj.id == j.job));
                if owned {
                    continue;
                }
                let jref = crate::host::JobRef {
                    id: j.job.clone(),
                    pid: Some(j.pid),
                    start_token: Some(j.start_token.clone()),
                };
                if j.alive {
                    tracing::info!(job = %j.job, host = host.name(), "stopping an orphan job");
                    if host.stop(&jref, true).await.is_ok() {
                        report.orphans_stopped += 1;
                    }
                }
                host.take_exit(&jref).await;
            }

            // Deletes that had to leave their job running because the host was down.
            let pending = self.store().pending_stops(host.name())?;
            for p in pending {
                let jref = job_ref(&p.job);
                if host.stop(&jref, true).await.is_ok() {
                    host.take_exit(&jref).await;
                    self.store().remove_pending_stop(&p.host, &p.job.id)?;
                    report.pending_stopped += 1;
                }
            }
        }
        Ok(report)
    }

    /// One reaper tick: reconcile, stop overdue idle sessions, remove old finished ones.
    pub async fn reap(&self) -> Result<ReapReport> {
        let mut report = self.reconcile().await?;
        let now = now_millis();
        let retention = self.config.timeouts.done_retention.as_millis() as Millis;
        for s in self.list()? {
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
                        self.store().delete(&s.id)?;
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
