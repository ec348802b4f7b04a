//! A running shell is never ended because a record is missing. Jobs that no
//! row lists (a new, restored or replaced database; a start whose process
//! died) are adopted: their rows are rebuilt from what the job keeps beside
//! it. Only a job whose session the user deleted (a pending stop) is stopped.

use std::collections::HashSet;
use std::time::Duration;

use super::{Manager, Result, job_ref, starter_alive};
use crate::clock::{Millis, now_millis};
use crate::duration::Timeout;
use crate::host::{Host, JobSummary};
use crate::ids::JobId;
use crate::proc::Liveness;
use crate::store::{IdleSetting, JobRow, PendingStop, SessionRow, Status, StoreError, StoreExec};

/// A delete younger than this may still be under way in another process
/// (stopping a job takes a few seconds, over SSH up to 20): its pending stop
/// is left to it.
const DELETE_IN_PROGRESS: Duration = Duration::from_secs(60);

/// A session in `init` with no starter on record (written by a release that
/// did not keep one) this long had its start interrupted.
pub(super) const STALE_INIT: Duration = Duration::from_secs(60);

/// Carries out or drops one recorded delete. The session still listed with
/// the job means the delete never got past its stop: a live job stays (the
/// user was told it was kept), a dead one's row goes. A session gone means
/// the delete stands: the job is stopped. True once nothing is left to do.
pub(super) async fn settle_pending_stop(host: &dyn Host, p: &PendingStop, db: &StoreExec) -> bool {
    let jref = job_ref(&p.job);
    let row = match p.session.clone() {
        Some(id) => db.call(move |st| st.get(&id)).await,
        None => Ok(None),
    };
    let Ok(row) = row else {
        return false;
    };
    let listed = row.filter(|r| r.job.as_ref().is_some_and(|j| j.id == p.job.id));
    let (h, j) = (p.host.clone(), p.job.id.clone());
    match listed {
        Some(r) => {
            let young = now_millis() - p.since < DELETE_IN_PROGRESS.as_millis() as Millis;
            match host.liveness(&jref).await {
                // The delete may still be on its way to stopping it.
                Liveness::Alive if young => false,
                Liveness::Alive => db
                    .call(move |st| st.remove_pending_stop(&h, &j))
                    .await
                    .is_ok(),
                Liveness::Dead => {
                    let done = db
                        .call(move |st| st.finish_delete(&r.id, &h, &j))
                        .await
                        .is_ok();
                    if done {
                        host.take_exit(&jref).await;
                    }
                    done
                }
                Liveness::Unknown(_) => false,
            }
        }
        None => {
            if host.stop(&jref, true).await.is_err() {
                return false;
            }
            host.take_exit(&jref).await;
            db.call(move |st| st.remove_pending_stop(&h, &j))
                .await
                .is_ok()
        }
    }
}

/// Changes made while a job could not be reached, delivered now (the idle
/// timeout of a session renamed during an outage, its name beside the job).
pub(super) async fn deliver_outdated(
    host: &dyn Host,
    db: &StoreExec,
    config: &crate::config::Config,
) -> usize {
    let name = host.name().to_string();
    let outdated: Vec<SessionRow> = db
        .call(move |st| st.list())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.job_outdated && s.status == Status::Running && s.host == name)
        .collect();
    let mut n = 0;
    for s in outdated {
        if super::sync::deliver(host, &s, config).await.is_ok() {
            let id = s.id.clone();
            let cleared = db.call(move |st| st.set_job_outdated(&id, false)).await;
            if cleared.is_ok() {
                n += 1;
            }
        }
    }
    n
}

/// Beside the database: the SSH hosts sessions were made on. The database
/// knows them too, but a lost database does not; this list is how a new one
/// finds the sessions still running there.
const REMEMBERED_HOSTS: &str = "remote-hosts";

impl Manager {
    fn remembered_hosts_file(&self) -> Option<std::path::PathBuf> {
        let db = self.store.path();
        (db.as_os_str() != ":memory:").then(|| db.with_file_name(REMEMBERED_HOSTS))
    }

    /// Notes that sessions were made on `host` (an SSH destination).
    pub(super) fn remember_host(&self, host: &str) {
        let Some(file) = self.remembered_hosts_file() else {
            return;
        };
        let known = std::fs::read_to_string(&file).unwrap_or_default();
        if known.lines().any(|h| h == host) {
            return;
        }
        use std::io::Write;
        // Private like every file beside the database: it names the hosts.
        let written = crate::paths::append_private(&file).and_then(|mut f| writeln!(f, "{host}"));
        if let Err(e) = written {
            tracing::warn!("cannot note host '{host}' in {}: {e}", file.display());
        }
    }

    /// The SSH hosts to look for running sessions on: when the database was
    /// just made (lost or replaced), every host sessions were ever made on.
    pub(super) fn hosts_to_search(&self) -> Vec<String> {
        if !self.store.created() {
            return Vec::new();
        }
        self.remembered_hosts_file()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .map(|text| {
                text.lines()
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adopts what runs on this machine and no row lists; returns the
    /// labels of the sessions listed again.
    pub(super) async fn adopt_local(&self) -> Result<Vec<String>> {
        let host = self.host(crate::host::LOCAL)?;
        let Ok(jobs) = host.list_jobs().await else {
            return Ok(Vec::new());
        };
        self.adopt(&*host, &jobs).await
    }

    /// The live jobs in `jobs` (all of `host`'s) that no session runs get
    /// their session back; returns the labels of those listed again.
    pub(super) async fn adopt(&self, host: &dyn Host, jobs: &[JobSummary]) -> Result<Vec<String>> {
        let name = host.name().to_string();
        let deleted: HashSet<JobId> = self
            .db(move |st| st.pending_stops(&name))
            .await?
            .into_iter()
            .map(|p| p.job.id)
            .collect();
        let rows = self.sessions().await?;
        let now = now_millis();
        let mut adopted = Vec::new();
        for j in jobs.iter().filter(|j| j.alive && !deleted.contains(&j.job)) {
            let job = JobRow {
                id: j.job.clone(),
                pid: Some(j.pid),
                start_token: Some(j.start_token.clone()),
            };
            let row = rows.iter().find(|r| r.id == j.session);
            let runs_it = row.is_some_and(|r| r.job.as_ref().is_some_and(|rj| rj.id == j.job));
            match row {
                // Its own session, being started: the start's process is gone
                // (else it is still someone's), the job it made runs.
                Some(r) if runs_it && r.status == Status::Init => {
                    let (id, run) = (r.id.clone(), job.clone());
                    if abandoned(r, now)
                        && self.db(move |st| st.set_running(&id, &run, None)).await?
                    {
                        tracing::info!(session = %r.id, "an interrupted start's job runs: kept");
                        adopted.push(r.label());
                    }
                }
                Some(r) if runs_it && r.status != Status::Done => {}
                // Listed as ended, but the shell runs (a database restored
                // from a backup, a job started after the copy was made).
                Some(r) if r.status == Status::Done => {
                    let (id, run) = (r.id.clone(), job.clone());
                    if self.db(move |st| st.revive(&id, &run)).await? {
                        tracing::info!(session = %r.id, job = %j.job, "a running job of an ended session: revived");
                        adopted.push(r.label());
                    }
                }
                Some(r) => {
                    tracing::warn!(
                        session = %r.id, job = %j.job,
                        "a second live job for a session that runs another; left alone"
                    );
                }
                None => {
                    if let Some(label) = self.rebuild(host, j, job, now).await? {
                        adopted.push(label);
                    }
                }
            }
        }
        if !adopted.is_empty() {
            tracing::info!(
                host = host.name(),
                "adopted {} running session(s): {}",
                adopted.len(),
                adopted.join(", ")
            );
        }
        Ok(adopted)
    }

    /// A session's row rebuilt from its job's records; `None` if another
    /// process rebuilt it first.
    async fn rebuild(
        &self,
        host: &dyn Host,
        j: &JobSummary,
        job: JobRow,
        now: Millis,
    ) -> Result<Option<String>> {
        let facts = j.facts.clone().unwrap_or_default();
        let mut row = SessionRow {
            id: j.session.clone(),
            name: facts.name.clone(),
            host: host.name().to_string(),
            status: Status::Running,
            job: Some(job),
            // A job that kept no facts knows its own limit; sessui adds none.
            idle: match &j.facts {
                Some(f) => IdleSetting::from_column(f.idle_secs),
                None => IdleSetting::Own(Timeout::Never),
            },
            exit: None,
            cwd: facts.cwd.clone(),
            command: facts.command.clone(),
            created_at: if facts.created_at > 0 {
                facts.created_at
            } else {
                j.started_at
            },
            last_active_at: j.last_output_at.unwrap_or(j.started_at).max(j.started_at),
            // Found again is not idle since long ago: the idle clock starts now.
            idle_since: Some(now),
            done_at: None,
            starter: None,
            job_outdated: false,
            views: 0,
            number: None,
            activity: Default::default(),
        };
        let record = row.clone();
        let first = self
            .db(move |st| st.insert_session_if_absent(&record))
            .await;
        let inserted = match first {
            Err(StoreError::NameTaken(name)) => {
                tracing::warn!(session = %row.id, "adopted without its name '{name}': taken meanwhile");
                row.name = None;
                let record = row.clone();
                self.db(move |st| st.insert_session_if_absent(&record))
                    .await?
            }
            other => other?,
        };
        Ok(inserted.then(|| row.label()))
    }
}

/// A start nobody is making any more: its process is gone, or (a row from a
/// release that kept no starter) it is older than any start takes.
pub(super) fn abandoned(s: &SessionRow, now: Millis) -> bool {
    match starter_alive(s) {
        Some(alive) => !alive,
        None => now - s.last_active_at > STALE_INIT.as_millis() as Millis,
    }
}
