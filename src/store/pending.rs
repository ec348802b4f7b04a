//! Pending stops: the user's deletes, recorded before their jobs are
//! stopped, until the job is gone and the session's row with it.

use rusqlite::params;

use super::{JobRow, PendingStop, Store, StoreError};
use crate::ids::{JobId, SessionId};

impl Store {
    pub fn add_pending_stop(&self, p: &PendingStop) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO pending_stops (host, job_id, job_pid, job_start, since,
                    session_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    p.host,
                    p.job.id.as_str(),
                    p.job.pid,
                    p.job.start_token,
                    p.since,
                    p.session.as_ref().map(|s| s.as_str())
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub fn pending_stops(&self, host: &str) -> Result<Vec<PendingStop>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT host, job_id, job_pid, job_start, since, session_id FROM pending_stops
                 WHERE host = ?1",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([host], |r| {
            Ok(PendingStop {
                host: r.get(0)?,
                job: JobRow {
                    id: JobId::from_string(r.get::<_, String>(1)?),
                    pid: r.get(2)?,
                    start_token: r.get(3)?,
                },
                since: r.get(4)?,
                session: r.get::<_, Option<String>>(5)?.map(SessionId::from_string),
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// Hosts that have jobs waiting to be stopped.
    pub fn pending_stop_hosts(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT host FROM pending_stops ORDER BY host")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    pub fn remove_pending_stop(&self, host: &str, job: &JobId) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM pending_stops WHERE host = ?1 AND job_id = ?2",
                params![host, job.as_str()],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
