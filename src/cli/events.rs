//! `sessui events`: every change to every session (created, renamed,
//! attached, detached, state-changed, removed), as it happens, from any
//! sessui process, read from the database's change feed.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::app::App;
use crate::clock::{rfc3339, rfc3339_millis};
use crate::store::{EventRow, Store};

use super::{CmdResult, Failure, out_line};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// How often the database is asked whether anything changed: a cheap
/// question (`PRAGMA data_version`), and a change shows within this long.
const POLL: Duration = Duration::from_millis(100);
/// How often shells that ended with no sessui watching are looked for, so
/// `state-changed` to `done` is seen even then.
pub(super) const RECONCILE_EVERY: Duration = Duration::from_secs(2);

pub async fn run(app: &App, args: Args) -> CmdResult {
    let store = Store::open_with(&app.paths.db_file(), app.config.timeouts.db_busy)
        .map_err(|e| Failure::from(e.to_string()))?;
    let read = |f: &dyn Fn(&Store) -> Result<i64, crate::store::StoreError>| {
        tokio::task::block_in_place(|| f(&store)).map_err(|e| Failure::from(e.to_string()))
    };
    // From now on: what happened before is in `sessui ls`.
    let mut cursor = read(&|s| s.last_event())?;
    let mut version = read(&|s| s.data_version())?;
    let mut reconciled = Instant::now();
    loop {
        let batch = tokio::task::block_in_place(|| store.events_after(cursor))
            .map_err(|e| Failure::from(e.to_string()))?;
        if let Some(first) = batch.first()
            && first.seq > cursor + 1
            && cursor > 0
        {
            eprintln!(
                "sessui: {} events were dropped before they could be read (the feed keeps {})",
                first.seq - cursor - 1,
                crate::store::EVENTS_KEPT
            );
        }
        let more = batch.len() >= 1000;
        for e in &batch {
            out_line(&if args.json { as_json(e) } else { as_text(e) })?;
            cursor = e.seq;
        }
        if more {
            continue;
        }
        loop {
            tokio::time::sleep(POLL).await;
            if reconciled.elapsed() >= RECONCILE_EVERY {
                reconciled = Instant::now();
                if let Err(e) = app.manager.reconcile().await {
                    tracing::warn!("events: reconcile failed: {e}");
                }
            }
            let now = read(&|s| s.data_version())?;
            if now != version {
                version = now;
                break;
            }
        }
    }
}

fn as_json(e: &EventRow) -> String {
    let mut v = json!({
        "seq": e.seq,
        "at": rfc3339(e.at),
        "event": e.kind,
        "id": e.session_id,
        "name": e.name,
        "host": e.host,
        "state": e.state,
    });
    let key = match e.kind.as_str() {
        "renamed" => Some("old_name"),
        "state-changed" => Some("old_state"),
        "attached" | "detached" => Some("view_pid"),
        _ => None,
    };
    if let (Some(key), Some(obj)) = (key, v.as_object_mut()) {
        obj.insert(key.into(), e.detail.clone().into());
    }
    v.to_string()
}

/// `TIME EVENT ID NAME HOST STATE [DETAIL]`, one line; names and hosts were
/// written by people and programs, so they are made safe to print.
fn as_text(e: &EventRow) -> String {
    use crate::text::terminal_safe as safe;
    let short: String = e.session_id.chars().take(8).collect();
    let detail = match (e.kind.as_str(), &e.detail) {
        ("renamed", Some(d)) => format!(" (was {})", safe(d)),
        ("renamed", None) => " (was anonymous)".to_string(),
        ("state-changed", Some(d)) => format!(" (was {d})"),
        ("attached" | "detached", Some(d)) => format!(" (view of pid {d})"),
        _ => String::new(),
    };
    format!(
        "{}  {:<13} {short}  {:<12}  {:<8}  {}{detail}",
        rfc3339_millis(e.at),
        e.kind,
        safe(e.name.as_deref().unwrap_or("-")),
        safe(e.host.as_deref().unwrap_or("-")),
        e.state.as_deref().unwrap_or("-"),
    )
}
