//! Sessions follow their host's connection: lost -> `running` sessions go
//! `disconnected`; back -> the agent is asked which jobs live (alive ->
//! `running`, dead -> `done`) and deletes forced while it was down are done.
//!
//! How it runs: when the manager first makes a remote host (`Manager::host`)
//! inside a tokio runtime, it spawns one watcher task for that host. The task
//! follows the host's `watch_state()` and works on its own database connection
//! (SQLite calls on blocking threads), so it needs no handle to the manager and
//! one slow or unreachable host never holds up another or the UI. The task ends
//! with the runtime. A manager with an in-memory store (unit tests) or no
//! runtime gets no watcher; the checks in `revive` still apply.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::adopt::{deliver_outdated, settle_pending_stop};
use super::{Manager, host_key, job_ref, record_end};
use crate::clock::now_millis;
use crate::config::Config;
use crate::host::{self, Host, HostState};
use crate::proc::Liveness;
use crate::store::{SessionRow, Status, Store, StoreExec};

/// While connected, how often to look for sessions another sessui process
/// marked `disconnected` (its own link dropped) that this link can vouch for.
const RECHECK: Duration = Duration::from_secs(10);

impl Manager {
    /// Starts following a new remote host's connection (see the module comment).
    pub(super) fn watch_host(&self, host: &Arc<dyn Host>) {
        let Some(rx) = host.watch_state() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let db = self.store.path().to_path_buf();
        if db.as_os_str() == ":memory:" {
            return;
        }
        runtime.spawn(watch(host.clone(), db, self.config.clone(), rx));
    }

    /// Makes every remote host with live sessions (or jobs left to stop) start
    /// connecting now, so a UI that just started shows them coming back
    /// without waiting for an attach. Reads the database on the calling thread.
    pub fn connect_hosts(&self) -> super::Result<()> {
        let (pending, sessions) = self.store.call_blocking(|st| {
            Ok::<_, crate::store::StoreError>((st.pending_stop_hosts()?, st.list()?))
        })?;
        let mut names: Vec<String> = sessions
            .into_iter()
            .filter(|s| matches!(s.status, Status::Running | Status::Disconnected))
            .map(|s| host_key(&s.host))
            .chain(pending)
            .chain(self.hosts_to_search())
            .filter(|h| h != host::LOCAL)
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            match self.host(&name) {
                Ok(h) => h.retry_now(),
                Err(e) => tracing::warn!("cannot set up host '{name}': {e}"),
            }
        }
        Ok(())
    }

    /// A `disconnected` session, asked about again: if its host answers now,
    /// the record follows the truth (alive -> running, dead -> done). Returns
    /// the session as it is afterwards.
    pub(super) async fn revive(&self, s: &SessionRow) -> Option<SessionRow> {
        let host = self.host(&s.host).ok()?;
        host.watch_state()?;
        let job = s.job.as_ref()?;
        match host.liveness(&job_ref(job)).await {
            Liveness::Alive => {
                let id = s.id.clone();
                let _ = self
                    .db(move |st| {
                        st.transition(&id, &[Status::Disconnected], Status::Running, now_millis())
                    })
                    .await;
            }
            Liveness::Dead => {
                let _ = self.job_gone(s, &*host, None).await;
            }
            Liveness::Unknown(_) => return None,
        }
        self.session(&s.id).await.ok().flatten()
    }
}

async fn watch(
    host: Arc<dyn Host>,
    path: PathBuf,
    config: Config,
    mut rx: watch::Receiver<HostState>,
) {
    // Its own connection: a watcher waiting on the database never queues
    // behind the manager's calls, nor they behind it.
    let db = match StoreExec::open(&path, config.timeouts.db_busy).await {
        Ok(db) => db,
        Err(e) => {
            tracing::warn!(
                host = host.name(),
                "host watcher cannot open the database: {e}"
            );
            return;
        }
    };
    loop {
        let state = rx.borrow_and_update().clone();
        let connected = state == HostState::Connected;
        match state {
            HostState::Connected => back(&*host, &db, &config).await,
            HostState::Reconnecting { .. } | HostState::Unreachable(_) => lost(&*host, &db).await,
            // Being (re)made: nothing is known yet.
            HostState::Connecting(_) => {}
        }
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(RECHECK), if connected => {}
        }
    }
}

fn sessions_of(store: &Store, host: &str) -> Vec<SessionRow> {
    store
        .list()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| host_key(&s.host) == host)
        .collect()
}

/// The link is down: `running` sessions of the host become `disconnected`.
async fn lost(host: &dyn Host, db: &StoreExec) {
    let name = host.name().to_string();
    let marked = db
        .call(move |store| {
            let mut n = 0;
            for s in sessions_of(store, &name) {
                if s.status == Status::Running
                    && store
                        .transition(
                            &s.id,
                            &[Status::Running],
                            Status::Disconnected,
                            now_millis(),
                        )
                        .unwrap_or(false)
                {
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
        .unwrap_or(0);
    if marked > 0 {
        tracing::info!(host = host.name(), "{marked} session(s) disconnected");
    }
}

/// The link is up: ask the agent which jobs live and set each session
/// right, carry out deletes made while it was down, and deliver changes
/// its jobs missed.
async fn back(host: &dyn Host, db: &StoreExec, config: &Config) {
    let name = host.name().to_string();
    let sessions = db
        .call(move |store| Ok(sessions_of(store, &name)))
        .await
        .unwrap_or_default();
    let watched: Vec<SessionRow> = sessions
        .into_iter()
        .filter(|s| matches!(s.status, Status::Running | Status::Disconnected))
        .collect();
    let name = host.name().to_string();
    let pending = db
        .call(move |store| store.pending_stops(&name))
        .await
        .unwrap_or_default();
    let outdated = watched.iter().any(|s| s.job_outdated);
    if watched.is_empty() && pending.is_empty() {
        return;
    }
    let Ok(jobs) = host.list_jobs().await else {
        return;
    };
    for s in watched {
        let Some(job) = s.job.clone() else {
            continue;
        };
        let listed_alive = jobs.iter().any(|j| j.job == job.id && j.alive);
        // Only a fresh, definite answer may end a session (the list may predate
        // a job another process just started).
        let alive = listed_alive
            || match host.liveness(&job_ref(&job)).await {
                Liveness::Alive => true,
                Liveness::Dead => false,
                Liveness::Unknown(_) => continue,
            };
        if alive {
            if s.status == Status::Disconnected {
                let id = s.id.clone();
                let _ = db
                    .call(move |store| {
                        store.transition(
                            &id,
                            &[Status::Disconnected],
                            Status::Running,
                            now_millis(),
                        )
                    })
                    .await;
                tracing::info!(session = %s.id, host = host.name(), "reconnected: job alive");
            }
        } else {
            let (id, jid) = (s.id.clone(), job.id.clone());
            let _ = record_end(host, Some(&job_ref(&job)), None, |row| async move {
                db.call(move |store| store.set_done(&id, Some(&jid), &row))
                    .await
                    .map_err(drop)
            })
            .await;
            tracing::info!(session = %s.id, host = host.name(), "reconnected: job gone");
        }
    }
    for p in pending {
        if settle_pending_stop(host, &p, db).await {
            tracing::info!(host = host.name(), job = %p.job.id, "a delete made while the host was down is done");
        }
    }
    if outdated {
        let n = deliver_outdated(host, db, config).await;
        if n > 0 {
            tracing::info!(
                host = host.name(),
                "{n} change(s) made while the host was down delivered"
            );
        }
    }
}
