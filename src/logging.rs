//! Logs go to a file, never to the terminal the UI draws on. `SESSUI_LOG`
//! sets the filter (e.g. `debug`, `sessui::host=trace`).

use std::path::Path;
use std::sync::Mutex;

/// Sends this process's logs to `path` (appending). Returns `None` if the file
/// cannot be opened; sessui then runs without logs rather than fail.
pub fn to_file(path: &Path) -> Option<()> {
    if let Some(dir) = path.parent() {
        crate::paths::ensure_dir(dir).ok()?;
    }
    // Logs name commands, directories and hosts: the user's alone.
    let file = crate::paths::append_private(path).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SESSUI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(true)
        .try_init()
        .ok()
}
