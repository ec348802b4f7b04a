//! What runs in each session, as its job last said: written when it
//! changes, so `ls` and an unreachable host's rows still show it.

use rusqlite::params;

use super::{BEST_EFFORT_BUSY, Store, StoreError};
use crate::ids::SessionId;
use crate::protocol::Activity;

impl Store {
    /// Records what runs in a session. A record that may be skipped (the
    /// next pass writes it again): it waits for other writers only briefly,
    /// and writes nothing when nothing changed, so other processes' lists
    /// are not redrawn for nothing.
    pub fn set_activity(&self, id: &SessionId, a: &Activity) -> Result<bool, StoreError> {
        let _ = self.conn.busy_timeout(BEST_EFFORT_BUSY);
        let r = self
            .conn
            .execute(
                "UPDATE sessions SET program = ?2, title = ?3, bell_at = ?4, cpu_ms = ?5,
                    rss_bytes = ?6
                 WHERE id = ?1 AND (program IS NOT ?2 OR title IS NOT ?3 OR bell_at IS NOT ?4
                    OR cpu_ms IS NOT ?5 OR rss_bytes IS NOT ?6)",
                params![
                    id.as_str(),
                    a.program,
                    a.title,
                    a.bell_at,
                    i64::try_from(a.cpu_ms).unwrap_or(i64::MAX),
                    i64::try_from(a.rss_bytes).unwrap_or(i64::MAX),
                ],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e));
        let _ = self.conn.busy_timeout(self.busy);
        r
    }

    /// The session was attached or previewed: its bell has been seen.
    pub fn clear_bell(&self, id: &SessionId) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET bell_at = NULL WHERE id = ?1 AND bell_at IS NOT NULL",
                [id.as_str()],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_is_kept_and_unchanged_activity_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let st = Store::open(&dir.path().join("s.db")).unwrap();
        let row = super::super::tests::session(Some("a"), 5);
        st.insert_session(&row).unwrap();
        let a = Activity {
            program: Some("vim".into()),
            title: "notes.txt".into(),
            bell_at: Some(9),
            cpu_ms: 1500,
            rss_bytes: 3 << 20,
        };
        assert!(st.set_activity(&row.id, &a).unwrap());
        assert!(!st.set_activity(&row.id, &a).unwrap(), "the same again");
        assert_eq!(st.get(&row.id).unwrap().unwrap().activity, a);
        st.clear_bell(&row.id).unwrap();
        let got = st.get(&row.id).unwrap().unwrap().activity;
        assert_eq!(got.bell_at, None);
        assert_eq!(got.program.as_deref(), Some("vim"));
    }
}
