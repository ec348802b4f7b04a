//! The one way async code reaches the database: every call runs on a
//! blocking thread, so a write waiting out another process's lock (up to the
//! busy timeout) never holds a tokio worker, and with it the UI's keys.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Store, StoreError};

/// A `Store` shared by the tasks of one process. Calls are queued on its
/// lock and run one at a time, in the order each caller awaits them.
#[derive(Clone)]
pub struct StoreExec {
    store: Arc<Mutex<Store>>,
    /// Kept outside the lock: asking where the database is never waits.
    path: PathBuf,
    created: bool,
}

impl StoreExec {
    pub fn new(store: Store) -> StoreExec {
        let path = store.path().to_path_buf();
        let created = store.created();
        StoreExec {
            store: Arc::new(Mutex::new(store)),
            path,
            created,
        }
    }

    /// Opens its own connection to `path`, on a blocking thread.
    pub async fn open(path: &Path, busy: std::time::Duration) -> Result<StoreExec, StoreError> {
        let owned = path.to_path_buf();
        let opened = tokio::task::spawn_blocking(move || Store::open_with(&owned, busy)).await;
        match opened {
            Ok(store) => store.map(StoreExec::new),
            Err(e) => Err(lost(path, &e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the open behind this made the database from nothing.
    pub fn created(&self) -> bool {
        self.created
    }

    /// Runs `f` with the store on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        let ran = tokio::task::spawn_blocking(move || f(&mut lock(&store))).await;
        match ran {
            Ok(out) => out,
            Err(e) => Err(lost(&self.path, &e)),
        }
    }

    /// Runs `f` with the store on the calling thread, for code that is not
    /// async (the command line's one-shot reads). Inside a multi-threaded
    /// runtime the worker is handed over first, so its other tasks move on.
    pub fn call_blocking<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let on_worker = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if on_worker {
            tokio::task::block_in_place(|| f(&mut lock(&self.store)))
        } else {
            f(&mut lock(&self.store))
        }
    }
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    // A panic while holding the lock cannot leave the connection half-written:
    // SQLite rolls back on its own. Keep going.
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// A call that never came back: its thread panicked or the runtime is
/// shutting down. What it meant to write may or may not be written.
fn lost(path: &Path, e: &tokio::task::JoinError) -> StoreError {
    StoreError::Other {
        path: path.to_path_buf(),
        message: format!("a database call did not finish ({e})"),
    }
}
