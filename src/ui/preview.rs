//! The list's live preview: which session it follows, its screen as the job
//! last sent it, and the last known screens of sessions it followed before.
//! `sync` turns the selection into the effect that watches the right job.

use std::time::{Duration, Instant};

use crate::host::{HostState, LOCAL};
use crate::ids::SessionId;
use crate::protocol::ServerMsg;
use crate::store::Status;
use crate::term::{Emulator, Snapshot};

use super::state::Ui;
use super::update::Effect;

/// Last known screens kept for sessions no longer previewed: enough to go
/// up and down a list of hosts' sessions, each at most one screen (no history).
const CACHED: usize = 8;
/// A watch that ended (an old job, a dropped connection) is tried again
/// after this, not on every event in between.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// What the preview pane shows.
pub struct Preview {
    pub session: SessionId,
    /// Messages from older watches are ignored.
    pub generation: u64,
    /// The screen, once the job sent one (or the last known one).
    pub emu: Option<Emulator>,
    /// A watch of the job is under way or live.
    pub live: bool,
    /// Why the screen shown is not live, if it is not.
    pub stale: Option<String>,
    /// When the last watch ended, to wait before the next.
    pub ended_at: Option<Instant>,
}

/// The preview's state in the UI.
pub struct Previews {
    /// Shown when there is room (toggled by the user).
    pub on: bool,
    pub current: Option<Preview>,
    /// Last known screens of sessions previewed before, newest last.
    cache: Vec<(SessionId, Emulator)>,
}

impl Default for Previews {
    fn default() -> Previews {
        Previews {
            on: true,
            current: None,
            cache: Vec::new(),
        }
    }
}

impl Previews {
    fn put_aside(&mut self) {
        if let Some(Preview {
            session,
            emu: Some(emu),
            ..
        }) = self.current.take()
        {
            self.cache.retain(|(id, _)| *id != session);
            self.cache.push((session, emu));
            let over = self.cache.len().saturating_sub(CACHED);
            self.cache.drain(..over);
        }
    }

    fn cached(&mut self, id: &SessionId) -> Option<Emulator> {
        let at = self.cache.iter().position(|(s, _)| s == id)?;
        Some(self.cache.remove(at).1)
    }
}

/// The session the preview should follow now, and whether its job can be
/// watched (it runs, and its host is this machine or already connected:
/// a preview never opens a connection, nor asks a host's question).
fn target(ui: &Ui) -> Option<(SessionId, Result<(), String>)> {
    // A view is on its way: a watch of the list's selection would only
    // take the job's time (and a snapshot) from the view's first frame.
    let attaching = matches!(ui.pending, Some(super::state::Pending::Attaching { .. }));
    if !ui.preview.on || ui.view.is_some() || attaching {
        return None;
    }
    super::render::preview_room(ui)?;
    let s = ui.selected_session()?;
    let reachable = match s.status {
        Status::Running if s.host == LOCAL => Ok(()),
        Status::Running | Status::Disconnected => match ui.host_state(&s.host) {
            Some(HostState::Connected) if s.status == Status::Running => Ok(()),
            Some(HostState::Reconnecting { error, .. } | HostState::Unreachable(error)) => {
                Err(format!("{} unreachable: {error}", s.host))
            }
            _ => Err(format!("{} not connected", s.host)),
        },
        Status::Done => Err(match &s.exit {
            Some(exit) => format!("ended ({})", exit.description),
            None => "ended".into(),
        }),
        Status::Init => Err("not started".into()),
    };
    Some((s.id.clone(), reachable))
}

/// Brings the preview in line with the selection: starts watching the
/// selected session's job, or stops, or keeps the last known screen marked
/// stale when the job cannot be watched now.
pub fn sync(ui: &mut Ui, fx: &mut Vec<Effect>) {
    let Some((id, reachable)) = target(ui) else {
        if ui.preview.current.is_some() {
            ui.preview.put_aside();
            fx.push(Effect::Preview(None));
        }
        return;
    };
    let same = ui.preview.current.as_ref().is_some_and(|p| p.session == id);
    if !same {
        ui.preview.put_aside();
        let emu = ui.preview.cached(&id);
        let generation = ui.new_generation();
        ui.preview.current = Some(Preview {
            session: id.clone(),
            generation,
            emu,
            live: false,
            stale: None,
            ended_at: None,
        });
    }
    let Some((live, ended_at, generation)) = ui
        .preview
        .current
        .as_ref()
        .map(|p| (p.live, p.ended_at, p.generation))
    else {
        return;
    };
    match reachable {
        Err(why) => {
            if live {
                fx.push(Effect::Preview(None));
            }
            if let Some(p) = ui.preview.current.as_mut() {
                p.live = false;
                p.stale = Some(why);
            }
        }
        Ok(()) if !live && ended_at.is_none_or(|t| t.elapsed() >= RETRY_AFTER) => {
            // A watch again of the same session gets a generation of its
            // own: what the one before may still say is not mixed in.
            let generation = if same {
                ui.new_generation()
            } else {
                generation
            };
            if let Some(p) = ui.preview.current.as_mut() {
                p.live = true;
                p.ended_at = None;
                p.generation = generation;
            }
            fx.push(Effect::Preview(Some((id, generation))));
        }
        Ok(()) => {}
    }
}

/// Messages from the watched job.
pub fn on_messages(ui: &mut Ui, generation: u64, msgs: Vec<ServerMsg>) {
    let Some(p) = ui.preview.current.as_mut() else {
        return;
    };
    if p.generation != generation {
        return;
    }
    for msg in msgs {
        match msg {
            ServerMsg::Screen {
                cols,
                rows,
                state,
                title,
            } => {
                p.emu = Some(Emulator::from_snapshot(
                    Snapshot {
                        history: Vec::new(),
                        cols,
                        rows,
                        state,
                        title,
                    },
                    0,
                ));
                p.stale = None;
            }
            ServerMsg::Output(bytes) => {
                if let Some(emu) = &mut p.emu {
                    emu.process(&bytes);
                    // Nobody answers a program through a preview, and
                    // nothing it asks for may pile up here.
                    emu.take_replies();
                    emu.take_clipboard();
                    emu.take_bell();
                    emu.take_dirty();
                }
            }
            ServerMsg::Resized { cols, rows } => {
                if let Some(emu) = &mut p.emu {
                    emu.resize(cols, rows);
                }
            }
            ServerMsg::Exited(exit) => p.stale = Some(format!("ended ({})", exit.describe())),
            _ => {}
        }
    }
}

/// The watch ended (why, if it failed): the screen stays, marked stale,
/// and a new watch is tried later if the session still runs.
pub fn on_ended(ui: &mut Ui, generation: u64, why: String) {
    let Some(p) = ui.preview.current.as_mut() else {
        return;
    };
    if p.generation != generation {
        return;
    }
    p.live = false;
    p.ended_at = Some(Instant::now());
    if p.stale.is_none() {
        p.stale = Some(why);
    }
}
