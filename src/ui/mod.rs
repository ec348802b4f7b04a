//! The full-screen app: the session list, prompts, and attached views.
//! Keys become actions (`keymap`), `update` changes state, `render` draws;
//! the event loop is generic over its input and screen, so tests drive it
//! without a terminal.

mod background;
mod bootstrap;
pub(crate) mod copy;
mod copy_command;
mod effects;
mod event_loop;
mod filter;
pub(crate) mod input;
pub(crate) use crate::keys;
pub(crate) use crate::keys::map as keymap;
mod marks;
pub(crate) mod mouse;
pub(crate) mod order;
mod outer;
mod pacing;
mod predict;
mod preview;
mod preview_watch;
mod probe;
mod prompter;
pub(crate) mod render;
mod screen;
mod state;
mod strings;
mod terminal;
mod update;

#[cfg(test)]
mod activity_tests;
#[cfg(test)]
mod attach_tests;
#[cfg(test)]
mod clipboard_tests;
#[cfg(test)]
mod copy_tests;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod list_tests;
#[cfg(test)]
mod loop_tests;
#[cfg(test)]
mod marks_tests;
#[cfg(test)]
mod pictures;
#[cfg(test)]
mod predict_tests;
#[cfg(test)]
mod preview_tests;
#[cfg(test)]
mod question_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

pub use bootstrap::run;
pub use prompter::UiPrompter;

use crate::manager::Manager;
use keymap::Keymap;

/// What the event loop runs with.
pub struct Context {
    pub manager: Arc<Manager>,
    pub keymap: Keymap,
    pub status_on_top: bool,
    /// Output frames a second at most (clamped to 1..=1000).
    pub max_fps: u32,
    pub history_lines: usize,
    pub reaper_interval: Duration,
    /// Open attached to this session.
    pub attach: Option<String>,
    /// Gets the event channel so host questions become popups.
    pub prompter: Option<Arc<UiPrompter>>,
    /// The outer terminal's colours and cell size, told to each job attached.
    pub facts: crate::protocol::TerminalFacts,
    /// Answer programs' clipboard queries with what the session copied.
    pub clipboard_read: bool,
    /// Predictive local echo in attached views.
    pub predict: predict::Settings,
    /// The list's sort and grouping when it opens.
    pub order: order::ListOrder,
}
