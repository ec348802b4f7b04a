//! Opening the UI for real: the runtime, what must be said before the
//! screen is taken, the terminal, then the event loop on a worker.

use std::sync::Arc;

use super::Context;
use super::event_loop::run_loop;
use super::keymap::Keymap;
use super::prompter::UiPrompter;
use super::screen::RealScreen;
use super::{input, terminal};
use crate::app::App;
use crate::config::StatusBar;

/// Opens the UI on this terminal; returns when the user quits. `prompter`
/// is the one the app's SSH hosts ask; the UI answers it with popups.
pub fn run(app: App, prompter: Arc<UiPrompter>, attach: Option<String>) -> Result<(), String> {
    let mut keymap = Keymap::new(&app.config.ui.prefix, &app.config.keys)
        .map_err(|e| format!("{}: {e}", app.paths.config_file().display()))?;
    keymap.mode_keys = app.config.ui.mode_keys;
    let command = app.config.ui.copy_command.trim();
    keymap.copy_command = (!command.is_empty()).then(|| command.to_string());
    // One thread: a key and its echo pass between the event loop and the
    // connection's reader and writer tasks, which on a thread pool is a
    // wake of another thread at each pass (three futex calls a key,
    // measured); here it is a queue push. SQLite has the blocking pool.
    let runtime = crate::runtime::current_thread()?;
    runtime.block_on(async move {
        // What the command line would say goes to the terminal as it is,
        // before the screen is taken: a damaged database, or no such session.
        let mgr = app.manager.clone();
        tokio::task::spawn_blocking(move || mgr.list().map(|_| ()))
            .await
            .map_err(|e| format!("cannot read the sessions: {e}"))?
            .map_err(|e| e.to_string())?;
        if let Some(key) = &attach {
            let (_, adopted) = app
                .manager
                .resolve_or_adopt(key)
                .await
                .map_err(|e| e.to_string())?;
            crate::app::tell_adopted(&adopted);
        }
        let mut guard = terminal::setup(app.config.ui.mouse)
            .map_err(|e| format!("cannot set up the terminal: {e}"))?;
        let typed = std::mem::take(&mut guard.probed.typed);
        let facts = guard.probed.facts.clone();
        let mut screen = RealScreen::new(guard);
        let events = input::events(typed).map_err(|e| format!("cannot read the terminal: {e}"))?;
        let ctx = Context {
            manager: app.manager.clone(),
            keymap,
            status_on_top: app.config.ui.status_bar == StatusBar::Top,
            max_fps: app.config.ui.max_fps,
            history_lines: app.config.scrollback_lines,
            reaper_interval: app.config.timeouts.reaper_interval,
            attach,
            prompter: Some(prompter),
            facts,
            clipboard_read: app.config.ui.clipboard_read,
            predict: super::predict::Settings {
                mode: app.config.ui.predict,
                threshold: std::time::Duration::from_millis(app.config.ui.predict_threshold_ms),
            },
            order: super::order::ListOrder {
                sort: app.config.ui.sort,
                by_host: app.config.ui.group_by_host,
            },
        };
        // The loop runs on a worker, not on this thread: the tasks that carry
        // a key to the session and its echo back wake it on the same thread
        // they run on, where this thread would need waking from another.
        let ui = tokio::spawn(async move {
            let result = run_loop(&mut screen, events, ctx).await;
            drop(screen);
            result
        });
        ui.await
            .unwrap_or_else(|e| Err(format!("the UI stopped: {e}")))
    })
}
