//! Running effects: everything that talks to the manager happens here, on
//! tasks, and reports back as events, so the UI never waits on a host or on
//! the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::update::{Attached, Effect, UiEvent};
use crate::manager::{CreateOpts, Manager, ManagerError, new_session_cwd};
use crate::store::SessionRow;

pub struct Effects {
    manager: Arc<Manager>,
    events: mpsc::Sender<UiEvent>,
    /// The view size new attaches ask for.
    pub size: (u16, u16),
    /// What the outer terminal is like, for the jobs' answers to their programs.
    facts: crate::protocol::TerminalFacts,
    /// The UI's database work, done in order off the event loop: a list
    /// read after a detach shows the view gone.
    lane: mpsc::Sender<DbWork>,
    /// The preview's current generation: a watch of an older one ends.
    preview: tokio::sync::watch::Sender<u64>,
    /// The newest search asked for: an older one is not started, and its
    /// answers are not passed on.
    search_seq: Arc<AtomicU64>,
}

/// A piece of database work, run on a blocking thread.
type DbWork = Box<dyn FnOnce(&Manager) + Send>;

/// Database work waiting at most: a backlog this long means the database
/// is stuck, and more work is done beside the lane rather than queued.
const LANE_DEPTH: usize = 256;

/// Runs database work one piece at a time, in order, on blocking threads.
fn start_lane(manager: Arc<Manager>) -> mpsc::Sender<DbWork> {
    let (tx, mut rx) = mpsc::channel::<DbWork>(LANE_DEPTH);
    tokio::spawn(async move {
        while let Some(work) = rx.recv().await {
            let mgr = manager.clone();
            let _ = tokio::task::spawn_blocking(move || work(&mgr)).await;
        }
    });
    tx
}

impl Effects {
    pub fn new(
        manager: Arc<Manager>,
        events: mpsc::Sender<UiEvent>,
        facts: crate::protocol::TerminalFacts,
    ) -> Effects {
        Effects {
            lane: start_lane(manager.clone()),
            manager,
            events,
            size: (80, 23),
            facts,
            preview: tokio::sync::watch::Sender::new(0),
            search_seq: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Queues `work` on the database lane.
    fn db(&self, work: impl FnOnce(&Manager) + Send + 'static) {
        if let Err(e) = self.lane.try_send(Box::new(work)) {
            let work = match e {
                mpsc::error::TrySendError::Full(w) | mpsc::error::TrySendError::Closed(w) => w,
            };
            let mgr = self.manager.clone();
            tokio::task::spawn_blocking(move || work(&mgr));
        }
    }

    /// Starts `effect` on a task; its result comes back as an event. The
    /// loop's own effects (the outbox, answers, connections) never come here.
    pub fn run(&self, effect: Effect) {
        let mgr = self.manager.clone();
        let tx = self.events.clone();
        let (cols, rows) = self.size;
        let facts = self.facts.clone();
        match effect {
            Effect::Listen { .. } | Effect::Send { .. } | Effect::Answer { .. } => {}
            Effect::Refresh => self.refresh(),
            Effect::Search { seq, query } => {
                self.search_seq.store(seq, Ordering::SeqCst);
                tokio::spawn(search(mgr, tx, self.search_seq.clone(), seq, query));
            }
            Effect::Create { name, host } => {
                tokio::spawn(async move {
                    let result = create(&mgr, name, host, cols, rows).await;
                    let _ = tx.send(UiEvent::Created(Box::new(result))).await;
                });
            }
            Effect::Attach { id, label, restart } => {
                tracing::info!("attaching to '{label}' ({id})");
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
            Effect::Reattach { id, after, attempt } => {
                tracing::info!("reattaching to {id} in {after:?}, attempt {attempt}");
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
            Effect::Detach { view } => self.db(move |mgr| {
                if let Err(e) = mgr.detach(&view) {
                    tracing::warn!("detaching view {view}: {e}");
                }
            }),
            Effect::Rename { id, name } => {
                tokio::spawn(async move {
                    let result = mgr.rename(id.as_str(), &name).await;
                    let _ = tx.send(UiEvent::Renamed(Box::new(result))).await;
                });
            }
            Effect::Delete { id, label, force } => {
                tokio::spawn(async move {
                    let host = session(&mgr, &id).await.map(|s| s.host);
                    let result = mgr.kill(id.as_str(), force).await;
                    let _ = tx
                        .send(UiEvent::Deleted {
                            id,
                            label,
                            host,
                            force,
                            result,
                        })
                        .await;
                });
            }
            Effect::JobGone { id, exit } => {
                tokio::spawn(async move {
                    if let Some(row) = session(&mgr, &id).await
                        && let Ok(host) = mgr.host(&row.host)
                    {
                        let _ = mgr.job_gone(&row, &*host, exit).await;
                    }
                    let _ = tx.send(UiEvent::Tick).await;
                });
            }
            // A database write is never between a key and its echo.
            Effect::Touch(id) => self.db(move |mgr| {
                if let Err(e) = mgr.touch(&id) {
                    tracing::warn!("recording activity: {e}");
                }
            }),
            Effect::CopyCommand { command, text } => {
                tokio::task::spawn_blocking(move || {
                    if let Err(why) = super::copy_command::run(&command, &text) {
                        let _ = tx.blocking_send(UiEvent::Warning(
                            super::strings::copy_command_failed(&command, &why),
                        ));
                    }
                });
            }
            Effect::Preview(target) => {
                let generation = target.as_ref().map_or(0, |(_, g)| *g);
                self.preview.send_replace(generation);
                if let Some((id, generation)) = target {
                    let current = self.preview.subscribe();
                    tokio::spawn(super::preview_watch::run(mgr, id, generation, current, tx));
                }
            }
            Effect::RetryHost(host) => {
                // The user asked: a question the host waits on may be asked.
                if let Some(h) = mgr.known_host(&host) {
                    h.user_acts();
                }
            }
        }
    }

    /// Reads the list (and reap times, host states) off the event loop.
    pub fn refresh(&self) {
        let tx = self.events.clone();
        self.db(move |mgr| {
            let _ = tx.blocking_send(listed(mgr));
        });
    }

    /// The list as it is at start-up, and the session to open attached
    /// (`attach`, as the command line named it), if it is there.
    pub async fn first_load(&self, attach: Option<String>) -> (UiEvent, Option<SessionRow>) {
        let mgr = self.manager.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let session = attach.and_then(|key| mgr.resolve(&key).ok());
            (listed(&mgr), session)
        })
        .await;
        loaded.unwrap_or_else(|e| (UiEvent::ListFailed(e.to_string()), None))
    }

    /// Waits until the database work asked for so far is done: the views
    /// this UI left are recorded as gone before it ends.
    pub async fn settle(&self) {
        let (done, finished) = oneshot::channel();
        self.db(move |_| {
            let _ = done.send(());
        });
        let _ = finished.await;
    }
}

/// The list as an event: the sessions, when each will be reaped, and hosts.
/// Blocks on the database: run it off the event loop.
fn listed(mgr: &Manager) -> UiEvent {
    match mgr.list() {
        Ok(sessions) => {
            let reap_at = sessions
                .iter()
                .filter_map(|s| mgr.reap_deadline(s).map(|t| (s.id.clone(), t)))
                .collect();
            UiEvent::Listed {
                sessions,
                reap_at,
                hosts: host_states(mgr),
            }
        }
        Err(e) => UiEvent::ListFailed(e.to_string()),
    }
}

/// A session's row, read off the event loop; `None` if it is gone or
/// cannot be read.
async fn session(mgr: &Arc<Manager>, id: &crate::ids::SessionId) -> Option<SessionRow> {
    let (mgr, id) = (mgr.clone(), id.clone());
    tokio::task::spawn_blocking(move || mgr.get(&id).ok().flatten())
        .await
        .ok()
        .flatten()
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

async fn create(
    mgr: &Manager,
    name: String,
    host: String,
    cols: u16,
    rows: u16,
) -> Result<SessionRow, ManagerError> {
    // The prompt asks for no directory: the rule's default for the host.
    let cwd = new_session_cwd(&host, None).map_err(|e| ManagerError::Other(e.to_string()))?;
    mgr.create(CreateOpts {
        name,
        host,
        cwd,
        cols,
        rows,
        ..Default::default()
    })
    .await
}

async fn attach(
    mgr: &Manager,
    key: &str,
    cols: u16,
    rows: u16,
    restart: bool,
    facts: crate::protocol::TerminalFacts,
) -> Result<Attached, ManagerError> {
    let att = if restart {
        mgr.attach(key, cols, rows).await?
    } else {
        mgr.reattach(key, cols, rows).await?
    };
    let version = att.conn.version;
    let (tx, rx) = att.conn.split();
    // A job older than protocol 3 cannot read this message: it would
    // drop the connection. It answers with its defaults instead.
    if version >= crate::protocol::TERMINAL_FACTS {
        let _ = tx.send(crate::protocol::ClientMsg::Terminal(facts)).await;
    }
    // The session's shell uses this client's agent, display and connection
    // from now on. Paths and displays here mean nothing on another host:
    // remote sessions follow only the agent, through the connection.
    if att.session.host == crate::host::LOCAL {
        let ssh_auth_sock = std::env::var("SSH_AUTH_SOCK")
            .ok()
            .filter(|s| !s.is_empty());
        let msg = if version >= crate::protocol::FOLLOW {
            let mut vars = crate::job::follow::from_env();
            vars.push(("SSH_AUTH_SOCK".into(), ssh_auth_sock));
            Some(crate::protocol::ClientMsg::Follow(vars))
        } else {
            (version >= crate::protocol::ENVIRONMENT)
                .then_some(crate::protocol::ClientMsg::Environment { ssh_auth_sock })
        };
        if let Some(msg) = msg {
            let _ = tx.send(msg).await;
        }
    }
    Ok(Attached {
        session: att.session,
        view: att.view,
        tx,
        rx,
        version,
    })
}

/// A host gets this long to answer a search typed in the list: the list
/// shows what came meanwhile, and says which hosts did not answer.
const SEARCH_HOST_WAIT: Duration = Duration::from_secs(10);

/// Runs search `seq` after the typing pause, unless a newer one came;
/// passes each session's answer on as its host gives it.
async fn search(
    mgr: Arc<Manager>,
    tx: mpsc::Sender<UiEvent>,
    latest: Arc<AtomicU64>,
    seq: u64,
    query: crate::protocol::QuerySpec,
) {
    tokio::time::sleep(super::update::search::DEBOUNCE).await;
    if latest.load(Ordering::SeqCst) != seq {
        return;
    }
    let (found_tx, mut found_rx) = mpsc::channel(64);
    let searching = mgr.search(&query, None, SEARCH_HOST_WAIT, found_tx);
    let forwarding = async {
        while let Some(found) = found_rx.recv().await {
            if latest.load(Ordering::SeqCst) == seq {
                let found = Box::new(found);
                let _ = tx.send(UiEvent::SearchFound { seq, found }).await;
            }
        }
    };
    let (searched, ()) = tokio::join!(searching, forwarding);
    if let Err(e) = searched {
        let _ = tx.send(UiEvent::Warning(e.to_string())).await;
    }
    let _ = tx.send(UiEvent::SearchDone { seq }).await;
}
