//! The preview's watch of a job: forwards what the job sends to the UI in
//! batches, at most a few a second, until the preview moves on.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::update::UiEvent;
use crate::ids::SessionId;
use crate::manager::Manager;
use crate::protocol::ServerMsg;

/// Time between two batches: a preview is glanced at, and a session
/// flooding output must not crowd the UI's own events.
const BATCH_EVERY: Duration = Duration::from_millis(50);
/// Messages in one batch at most: a flood is carried in screen-sized bites.
const BATCH_MAX: usize = 256;

/// Watches session `id` for the preview of `generation` until `current`
/// moves to another generation, the UI goes away, or the job does.
pub async fn run(
    mgr: Arc<Manager>,
    id: SessionId,
    generation: u64,
    mut current: watch::Receiver<u64>,
    events: mpsc::Sender<UiEvent>,
) {
    let ended = |why: String| UiEvent::PreviewEnded { generation, why };
    let conn = tokio::select! {
        conn = mgr.watch(&id) => conn,
        _ = moved_on(&mut current, generation) => return,
    };
    let conn = match conn {
        Ok(Some(conn)) => conn,
        Ok(None) => {
            let why = "no preview: the session's job is from an older sessui".to_string();
            let _ = events.send(ended(why)).await;
            return;
        }
        Err(e) => {
            let _ = events.send(ended(e.to_string())).await;
            return;
        }
    };
    // The sender stays open while watching: closing it would end the connection.
    let (_tx, mut rx) = conn.split();
    loop {
        let first = tokio::select! {
            msg = rx.recv() => msg,
            _ = moved_on(&mut current, generation) => return,
        };
        let Some(first) = first else {
            let _ = events
                .send(ended("the connection to the session closed".into()))
                .await;
            return;
        };
        let mut msgs: Vec<ServerMsg> = vec![first];
        while msgs.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(msg) => msgs.push(msg),
                Err(_) => break,
            }
        }
        if events
            .send(UiEvent::Preview { generation, msgs })
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(BATCH_EVERY).await;
    }
}

/// Resolves once the preview is no longer at `generation` (or the UI is gone).
async fn moved_on(current: &mut watch::Receiver<u64>, generation: u64) {
    while *current.borrow_and_update() == generation {
        if current.changed().await.is_err() {
            return;
        }
    }
}
