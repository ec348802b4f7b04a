//! Running effects: everything that talks to the manager happens here, on
//! tasks, and reports back as events, so the UI never waits on a host.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::strings;
use super::update::{AttachFailure, Attached, DeleteRefused, Effect, UiEvent};
use crate::manager::{CreateOpts, Deleted, Manager, ManagerError};

pub struct Effects {
    pub manager: Arc<Manager>,
    pub events: mpsc::Sender<UiEvent>,
    /// The view size new attaches ask for.
    pub size: (u16, u16),
    /// What the outer terminal is like, for the jobs' answers to their programs.
    pub facts: crate::protocol::TerminalFacts,
}

impl Effects {
    /// Starts `effect`; returns a connection to listen to, for `Listen`.
    pub fn run(&self, effect: Effect) -> Option<(u64, mpsc::Receiver<crate::protocol::ServerMsg>)> {
        let mgr = self.manager.clone();
        let tx = self.events.clone();
        let (cols, rows) = self.size;
        let facts = self.facts.clone();
        match effect {
            Effect::Listen { generation, rx } => return Some((generation, rx)),
            Effect::Refresh => self.refresh(),
            Effect::Create { name, host } => {
                tokio::spawn(async move {
                    // A local directory means nothing on another host: remote
                    // shells start in the remote home.
                    let local = crate::manager::host_key(&host) == crate::host::LOCAL;
                    let result = mgr
                        .create(CreateOpts {
                            name,
                            host,
                            cwd: std::env::current_dir().ok().filter(|_| local),
                            cols,
                            rows,
                            ..Default::default()
                        })
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(UiEvent::Created(Box::new(result))).await;
                });
            }
            Effect::Attach { id, restart, .. } => {
                tokio::spawn(async move {
                    let result = attach(&mgr, id.as_str(), cols, rows, restart, facts).await;
                    let _ = tx
                        .send(UiEvent::Attached {
                            result: Box::new(result),
                            reattach: false,
                        })
                        .await;
                });
            }
            Effect::Reattach { id, after, .. } => {
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let result = attach(&mgr, id.as_str(), cols, rows, false, facts).await;
                    let _ = tx
                        .send(UiEvent::Attached {
                            result: Box::new(result),
                            reattach: true,
                        })
                        .await;
                });
            }
            Effect::Detach { view } => {
                if let Err(e) = mgr.detach(&view) {
                    tracing::warn!("detaching view {view}: {e}");
                }
            }
            Effect::Rename { id, name } => {
                tokio::spawn(async move {
                    let result = mgr
                        .rename(id.as_str(), &name)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(UiEvent::Renamed(Box::new(result))).await;
                });
            }
            Effect::Delete { id, label, force } => {
                tokio::spawn(async move {
                    let host = mgr.get(&id).ok().flatten().map(|s| s.host);
                    let result = match mgr.kill(id.as_str(), force).await {
                        Ok(Deleted::Done) => Ok(strings::deleted(&label)),
                        Ok(Deleted::StopPending) => Ok(strings::deleted_later(
                            &label,
                            host.as_deref().unwrap_or("its host"),
                        )),
                        Ok(Deleted::ListLater(_)) => Ok(strings::stopped_list_later(&label)),
                        // What --force does for the command line, offered here.
                        Err(
                            e @ (ManagerError::StopRefused { .. }
                            | ManagerError::HostUnreachable { .. }),
                        ) if !force => Err(DeleteRefused {
                            message: e.to_string(),
                            force: Some(id),
                        }),
                        Err(e) => Err(DeleteRefused {
                            message: e.to_string(),
                            force: None,
                        }),
                    };
                    let _ = tx.send(UiEvent::Deleted { label, result }).await;
                });
            }
            Effect::JobGone { id, exit } => {
                tokio::spawn(async move {
                    if let Ok(Some(row)) = mgr.get(&id)
                        && let Ok(host) = mgr.host(&row.host)
                    {
                        let _ = mgr.job_gone(&row, &*host, exit).await;
                    }
                    let _ = tx.send(UiEvent::Tick).await;
                });
            }
            Effect::Touch(id) => {
                // A database write is never between a key and its echo.
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = mgr.touch(&id) {
                        tracing::warn!("recording activity: {e}");
                    }
                });
            }
            Effect::RetryHost(host) => {
                if let Some(h) = mgr.known_host(&host) {
                    h.retry_now();
                }
            }
        }
        None
    }

    /// Reads the list (and reap times, host states) off the event loop.
    pub fn refresh(&self) {
        let mgr = self.manager.clone();
        let tx = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let sessions = match mgr.list() {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.blocking_send(UiEvent::ListFailed(e.to_string()));
                    return;
                }
            };
            let reap_at = sessions
                .iter()
                .filter_map(|s| mgr.reap_deadline(s).map(|t| (s.id.clone(), t)))
                .collect();
            let hosts = host_states(&mgr);
            let _ = tx.blocking_send(UiEvent::Listed {
                sessions,
                reap_at,
                hosts,
            });
        });
    }
}

/// Every remote host this process knows, with its connection state, by name.
pub fn host_states(mgr: &Manager) -> Vec<(String, crate::host::HostState)> {
    let mut hosts: Vec<_> = mgr
        .known_hosts()
        .into_iter()
        .filter(|h| h.name() != crate::host::LOCAL)
        .map(|h| (h.name().to_string(), h.state()))
        .collect();
    hosts.sort_by(|a, b| a.0.cmp(&b.0));
    hosts
}

async fn attach(
    mgr: &Manager,
    key: &str,
    cols: u16,
    rows: u16,
    restart: bool,
    facts: crate::protocol::TerminalFacts,
) -> Result<Attached, AttachFailure> {
    let attached = if restart {
        mgr.attach(key, cols, rows).await
    } else {
        mgr.reattach(key, cols, rows).await
    };
    match attached {
        Ok(att) => {
            let version = att.conn.version;
            let (tx, rx) = att.conn.split();
            // A job older than protocol 3 cannot read this message: it would
            // drop the connection. It answers with its defaults instead.
            if version >= crate::protocol::TERMINAL_FACTS {
                let _ = tx.send(crate::protocol::ClientMsg::Terminal(facts)).await;
            }
            Ok(Attached {
                session: att.session,
                view: att.view,
                tx,
                rx,
                version,
            })
        }
        Err(ManagerError::Ended { exit, .. }) => Err(AttachFailure::Ended(exit)),
        Err(e @ (ManagerError::NotFound(_) | ManagerError::DeletedWhileStarting(_))) => {
            Err(AttachFailure::Deleted(e.to_string()))
        }
        Err(e) => Err(AttachFailure::Other(e.to_string())),
    }
}
