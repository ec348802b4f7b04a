//! Reading the change feed: every change to sessions and views, recorded by
//! triggers (see the schema), read in order after a cursor.

use rusqlite::params;

use super::{Store, StoreError, classify};
use crate::clock::Millis;

/// One change, as recorded when it was made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRow {
    /// Increases with every change; the cursor to read after.
    pub seq: i64,
    pub at: Millis,
    /// `created`, `renamed`, `attached`, `detached`, `state-changed`, `removed`.
    pub kind: String,
    pub session_id: String,
    pub name: Option<String>,
    pub host: Option<String>,
    /// The session's state after the change.
    pub state: Option<String>,
    /// The old name (renamed), the old state (state-changed), the view's
    /// process id (attached, detached).
    pub detail: Option<String>,
}

/// Most events read at once: a reader far behind catches up in steps.
const BATCH: i64 = 1000;

impl Store {
    /// The newest event's cursor (0 when there is none).
    pub fn last_event(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
            .map_err(|e| classify(&self.path, e))
    }

    /// Events after `seq`, oldest first.
    pub fn events_after(&self, seq: i64) -> Result<Vec<EventRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, at, kind, session_id, name, host, state, CAST(detail AS TEXT)
                 FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(|e| classify(&self.path, e))?;
        let rows = stmt
            .query_map(params![seq, BATCH], |r| {
                Ok(EventRow {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    kind: r.get(2)?,
                    session_id: r.get(3)?,
                    name: r.get(4)?,
                    host: r.get(5)?,
                    state: r.get(6)?,
                    detail: r.get(7)?,
                })
            })
            .map_err(|e| classify(&self.path, e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| classify(&self.path, e))
    }
}
