//! What the UI hears without asking: the manager's reaper passes, changes
//! other processes make to the database, and signals that end it politely.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::update::UiEvent;
use crate::manager::{Manager, ManagerError, Upkeep};

/// Starts the manager's upkeep and the UI's listeners; each reports to
/// `events` and ends when the runtime does.
pub fn spawn(
    manager: &Arc<Manager>,
    reaper_interval: Duration,
    watch_every: Duration,
    events: &mpsc::Sender<UiEvent>,
) {
    let mut upkeep = manager.start_upkeep(reaper_interval);
    let tx = events.clone();
    tokio::spawn(async move {
        while let Some(news) = upkeep.recv().await {
            for ev in tell(news) {
                if tx.send(ev).await.is_err() {
                    return;
                }
            }
        }
    });
    let mgr = manager.clone();
    let tx = events.clone();
    tokio::spawn(async move { watch_database(mgr, watch_every, tx).await });
    let tx = events.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(UiEvent::Quit).await;
    });
}

/// What the user hears of a reaper pass.
fn tell(news: Upkeep) -> Vec<UiEvent> {
    let mut out = Vec::new();
    let first = match news {
        Upkeep::Pass { report, first } => {
            if !report.adopted.is_empty() {
                out.push(UiEvent::Adopted(report.adopted));
            }
            first
        }
        // Rows this process wrote itself: `data_version` does not tell.
        Upkeep::Activity => return vec![UiEvent::DatabaseChanged],
        Upkeep::Failed { error, first } => {
            // The database itself failed: the list shown may be stale.
            if let ManagerError::Store(e) = error {
                out.push(UiEvent::ListFailed(e.to_string()));
            }
            first
        }
    };
    if first {
        // The start-up pass may have changed what the list shows.
        out.push(UiEvent::Tick);
    }
    out
}

/// Says when another process changed the database,
/// asking SQLite off the event loop: a write that holds the database never
/// holds a key.
async fn watch_database(mgr: Arc<Manager>, every: Duration, tx: mpsc::Sender<UiEvent>) {
    let version = |mgr: &Arc<Manager>| {
        let mgr = mgr.clone();
        async move {
            tokio::task::spawn_blocking(move || mgr.data_version().ok())
                .await
                .ok()
                .flatten()
        }
    };
    let mut seen = version(&mgr).await;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let now = version(&mgr).await;
        if now != seen {
            seen = now;
            if tx.send(UiEvent::DatabaseChanged).await.is_err() {
                return;
            }
        }
    }
}
