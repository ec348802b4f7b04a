//! Logs go to a file, never to the terminal the UI draws on. `SESSUI_LOG`
//! sets the filter (e.g. `debug`, `sessui::host=trace`).

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

/// Sends this process's logs to `path` (appending). Returns `None` if the file
/// cannot be opened; sessui then runs without logs rather than fail.
pub fn to_file(path: &Path) -> Option<()> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
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
