//! The tokio runtimes sessui's processes run on, built in one place so they
//! are tuned alike.

use tokio::runtime::{Builder, Runtime};

/// Two workers: a terminal session manager waits on I/O, never on CPU, and
/// the machines it runs on may be small; blocking work (SQLite, PTY reads)
/// has tokio's blocking pool.
const WORKERS: usize = 2;

/// The runtime of the command line and the agent.
pub fn multi_thread() -> Result<Runtime, String> {
    Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

/// The runtime of a job (one thread, as it lives for days beside many
/// others and serves one PTY) and of the UI (one thread, so a key and its
/// echo never wait for another thread to wake).
pub fn current_thread() -> Result<Runtime, String> {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}
