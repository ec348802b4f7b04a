//! The database's own health check, for `sessui doctor`.

use super::{Store, StoreError, classify};

impl Store {
    /// SQLite's quick integrity check: `None` when the file is sound, else
    /// the first problem it names.
    pub fn quick_check(&self) -> Result<Option<String>, StoreError> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| classify(&self.path, e))?;
        Ok((verdict != "ok").then_some(verdict))
    }
}
