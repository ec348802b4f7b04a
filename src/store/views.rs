//! Which views are attached where: added and removed atomically with the
//! session's idle clock, so every sessui process agrees on who is watching.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Store, StoreError, ViewRow, classify};
use crate::clock::Millis;
use crate::ids::{SessionId, ViewId};

impl Store {
    /// Attaches a view: one transaction checks the session exists and adds the
    /// view, so a concurrent delete cannot leave a view of nothing. The
    /// session's bell is seen: the job forgets it as a view attaches.
    pub fn add_view(&mut self, v: &ViewRow) -> Result<bool, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, e))?;
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?1)",
                [v.session.as_str()],
                |r| r.get(0),
            )
            .map_err(|e| classify(&path, e))?;
        if !exists {
            return Ok(false);
        }
        tx.execute(
            "INSERT OR REPLACE INTO views (id, session_id, pid, start_token, attached_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                v.id.as_str(),
                v.session.as_str(),
                v.pid,
                v.start_token,
                v.attached_at
            ],
        )
        .map_err(|e| classify(&path, e))?;
        tx.execute(
            "UPDATE sessions SET idle_since = NULL, bell_at = NULL,
                 last_active_at = MAX(last_active_at, ?2) WHERE id = ?1",
            params![v.session.as_str(), v.attached_at],
        )
        .map_err(|e| classify(&path, e))?;
        tx.commit().map_err(|e| classify(&path, e))?;
        Ok(true)
    }

    /// Detaches a view; if it was the session's last, the session starts idling.
    pub fn remove_view(&mut self, view: &ViewId, now: Millis) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, e))?;
        let session: Option<String> = tx
            .query_row(
                "SELECT session_id FROM views WHERE id = ?1",
                [view.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| classify(&path, e))?;
        tx.execute("DELETE FROM views WHERE id = ?1", [view.as_str()])
            .map_err(|e| classify(&path, e))?;
        if let Some(session) = session {
            tx.execute(
                "UPDATE sessions SET idle_since = ?2
                 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM views WHERE session_id = ?1)",
                params![session, now],
            )
            .map_err(|e| classify(&path, e))?;
        }
        tx.commit().map_err(|e| classify(&path, e))
    }

    pub fn list_views(&self) -> Result<Vec<ViewRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, session_id, pid, start_token, attached_at FROM views")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| {
            Ok(ViewRow {
                id: ViewId::from_string(r.get::<_, String>(0)?),
                session: SessionId::from_string(r.get::<_, String>(1)?),
                pid: r.get(2)?,
                start_token: r.get(3)?,
                attached_at: r.get(4)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }
}
