//! Searching every session where it lives: hosts are asked at once, each
//! under its own deadline, and each host's answers are passed on as they
//! come, so an unreachable host never holds the others.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Manager, Result, host_key, job_ref};
use crate::host::HostError;
use crate::protocol::{Hits, QuerySpec};
use crate::store::{SessionRow, Status};

/// What searching one session came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Found(Hits),
    /// The session's host could not be reached (in time).
    HostUnreachable(String),
    /// The host answered, but this session's job could not be searched.
    Failed(String),
}

/// One session's search.
#[derive(Debug, Clone)]
pub struct SessionSearch {
    pub session: SessionRow,
    pub outcome: Outcome,
}

impl Manager {
    /// Searches every session that has a shell (only those on `only_host`
    /// if given), sending each outcome on `tx` as its host answers. A host
    /// gets `wait` to answer for all its sessions. Ended sessions have no
    /// screen left and are skipped.
    pub async fn search(
        &self,
        query: &QuerySpec,
        only_host: Option<&str>,
        wait: Duration,
        tx: mpsc::Sender<SessionSearch>,
    ) -> Result<()> {
        let only = only_host.map(host_key);
        let mut by_host: HashMap<String, Vec<SessionRow>> = HashMap::new();
        for s in self.sessions().await? {
            let searchable = matches!(s.status, Status::Running | Status::Disconnected);
            let key = host_key(&s.host);
            if searchable && s.job.is_some() && only.as_ref().is_none_or(|h| *h == key) {
                by_host.entry(key).or_default().push(s);
            }
        }
        let asks = by_host.into_iter().map(|(name, sessions)| {
            let tx = tx.clone();
            async move {
                let outcomes = self.search_host(&name, &sessions, query, wait).await;
                for (session, outcome) in sessions.into_iter().zip(outcomes) {
                    if tx.send(SessionSearch { session, outcome }).await.is_err() {
                        return;
                    }
                }
            }
        });
        futures::future::join_all(asks).await;
        Ok(())
    }

    /// One outcome per session, in order.
    async fn search_host(
        &self,
        name: &str,
        sessions: &[SessionRow],
        query: &QuerySpec,
        wait: Duration,
    ) -> Vec<Outcome> {
        let unreachable = |why: String| vec![Outcome::HostUnreachable(why); sessions.len()];
        let host = match self.host(name) {
            Ok(h) => h,
            Err(e) => return unreachable(e.to_string()),
        };
        let jobs: Vec<_> = sessions
            .iter()
            .filter_map(|s| s.job.as_ref().map(job_ref))
            .collect();
        let mut found = match tokio::time::timeout(wait, host.search(&jobs, query)).await {
            Ok(Ok(found)) => found,
            Ok(Err(HostError::Unreachable(why))) => return unreachable(why),
            Ok(Err(e)) => return unreachable(e.to_string()),
            Err(_) => {
                return unreachable(format!(
                    "no answer from '{name}' within {} s",
                    wait.as_secs()
                ));
            }
        };
        sessions
            .iter()
            .map(|s| {
                let answer = s.job.as_ref().and_then(|j| {
                    let at = found.iter().position(|(id, _)| *id == j.id)?;
                    Some(found.swap_remove(at).1)
                });
                match answer {
                    Some(Ok(hits)) => Outcome::Found(hits),
                    Some(Err(why)) => Outcome::Failed(why),
                    None => Outcome::Failed("the host did not answer for this session".into()),
                }
            })
            .collect()
    }
}
