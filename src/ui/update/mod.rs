//! `update`: one event in, the state changed, the effects to run out.
//! Keys become actions through the keymap; nothing here does I/O.

mod copy;
mod lifecycle;
mod popup;
pub mod search;
mod view;

use lifecycle::{Deletion, note_bells, on_attached, on_created, on_deleted, quit, start_attach};
use popup::popup_key;
use view::{on_mouse, on_paste, on_session, view_key};

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use tokio::sync::{mpsc, oneshot};

use crate::clock::Millis;
use crate::host::HostState;
use crate::ids::{SessionId, ViewId};
use crate::manager::{Deleted, ManagerError, validate_name};
use crate::protocol::{ClientMsg, ExitInfo, ServerMsg};
use crate::store::{SessionRow, Status};
use crate::term::{Emulator, Snapshot};

use super::keymap::{ListAction, PrefixAction, ScrollAction};
use super::keys::{Chord, encode, encode_paste};
use super::mouse;
use super::state::*;
use super::strings;

/// How often activity is recorded while typing: the list order needs no finer grain.
const TOUCH_EVERY: Duration = Duration::from_secs(2);
/// Rows a wheel notch scrolls.
const WHEEL_ROWS: usize = 3;

/// Work for the event loop: everything that talks to the manager or a job.
/// `update` only says what to do; the loop does it (gitui's queue of
/// internal events is the model), so update stays a plain function of state.
pub enum Effect {
    Refresh,
    Create {
        name: String,
        host: String,
    },
    Attach {
        id: SessionId,
        label: String,
        /// The user asked for this session: one that ended gets a new shell.
        restart: bool,
    },
    /// Try again after the connection to a view's job dropped.
    Reattach {
        id: SessionId,
        after: Duration,
        attempt: u32,
    },
    Detach {
        view: ViewId,
    },
    Rename {
        id: SessionId,
        name: String,
    },
    Delete {
        id: SessionId,
        label: String,
        /// Kill a job that will not stop; if its host is down, remove the
        /// session now and stop the job when the host is back.
        force: bool,
    },
    /// The view saw the shell end; record it.
    JobGone {
        id: SessionId,
        exit: Option<ExitInfo>,
    },
    Touch(SessionId),
    RetryHost(String),
    /// Pipe a copy to the user's `copy_command`.
    CopyCommand {
        command: String,
        text: String,
    },
    /// Talk to the current view's job over this connection from now on.
    Listen {
        generation: u64,
        tx: mpsc::Sender<ClientMsg>,
        rx: mpsc::Receiver<ServerMsg>,
    },
    /// The outbox: a message for the job of the view of `generation` (sent
    /// only if that view's connection is still the current one).
    Send {
        generation: u64,
        msg: ClientMsg,
    },
    /// Search every session (after `search::DEBOUNCE`, if `seq` is still
    /// the newest search then).
    Search {
        seq: u64,
        query: crate::protocol::QuerySpec,
    },
    /// The answer to a host's question (`None`: refused or cancelled).
    Answer {
        to: oneshot::Sender<Option<String>>,
        answer: Option<String>,
    },
    /// Watch this session's job for the list's preview (tagged with the
    /// preview's generation), ending any watch before; `None`: watch nothing.
    Preview(Option<(SessionId, u64)>),
}

/// When the screen should show what an event changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redraw {
    /// At once: the user did something, or a whole screen came.
    Now,
    /// Input only went to the session: its echo redraws the screen, or a
    /// short wait does for a session that does not answer.
    AfterEcho,
    /// Session output: drawn within the frame cap.
    Output,
}

/// What one event did: the work to run and when to draw.
pub struct Update {
    pub effects: Vec<Effect>,
    pub redraw: Redraw,
}

/// A view's connection, as an attach hands it over.
pub struct Attached {
    pub session: SessionRow,
    pub view: ViewId,
    pub tx: mpsc::Sender<ClientMsg>,
    pub rx: mpsc::Receiver<ServerMsg>,
    /// The protocol version agreed with the job.
    pub version: u16,
}

pub enum UiEvent {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Focus,
    FocusLost,
    Session {
        generation: u64,
        msg: ServerMsg,
    },
    SessionClosed {
        generation: u64,
    },
    /// The outbox could not hand a message to the job (it is not reading).
    NotSent {
        generation: u64,
    },
    Listed {
        sessions: Vec<SessionRow>,
        reap_at: Vec<(SessionId, Millis)>,
        hosts: Vec<(String, HostState)>,
    },
    /// Another process changed the database.
    DatabaseChanged,
    Created(Box<Result<SessionRow, ManagerError>>),
    Attached {
        result: Box<Result<Attached, ManagerError>>,
        reattach: bool,
    },
    Renamed(Box<Result<SessionRow, ManagerError>>),
    Deleted {
        id: SessionId,
        label: String,
        /// The session's host, for saying where a stop is pending.
        host: Option<String>,
        /// The delete was forced.
        force: bool,
        result: Result<Deleted, ManagerError>,
    },
    /// The database could not be read (why): the list cannot be vouched for.
    ListFailed(String),
    /// Running sessions the database had lost were listed again (labels).
    Adopted(Vec<String>),
    Question(Box<Question>),
    /// Something the user must see (a setting not honoured, a risk on a host).
    Warning(String),
    /// Remote hosts' connection states changed.
    Hosts(Vec<(String, HostState)>),
    /// What the job watched for the preview sent, a batch at a time.
    Preview {
        generation: u64,
        msgs: Vec<ServerMsg>,
    },
    /// The preview's watch ended, or could not start (why).
    PreviewEnded {
        generation: u64,
        why: String,
    },
    /// One session's answer to search `seq`.
    SearchFound {
        seq: u64,
        found: Box<crate::manager::SessionSearch>,
    },
    /// Every host has answered search `seq`.
    SearchDone {
        seq: u64,
    },
    Tick,
    Quit,
}

/// One event in, the state changed; out come the effects to run and when to draw.
pub fn update(ui: &mut Ui, event: UiEvent) -> Update {
    let redraw = match &event {
        UiEvent::Session {
            msg: ServerMsg::Screen { .. },
            ..
        } => Redraw::Now,
        UiEvent::Session { .. } | UiEvent::Preview { .. } => Redraw::Output,
        _ => Redraw::Now,
    };
    let input = matches!(
        event,
        UiEvent::Key(_) | UiEvent::Paste(_) | UiEvent::Mouse(_)
    );
    let mut effects = apply(ui, event);
    // Whatever the event changed (the selection, the list, the size), the
    // preview follows the selected session.
    super::preview::sync(ui, &mut effects);
    let sent = effects.iter().any(|e| {
        matches!(
            e,
            Effect::Send {
                msg: ClientMsg::Input(_),
                ..
            }
        )
    });
    // A key shown by prediction is drawn at once: waiting for the echo is
    // what prediction is there to avoid.
    let predicted = ui.view.as_mut().is_some_and(|v| v.predict.take_changed());
    let redraw = if input && sent && !predicted {
        Redraw::AfterEcho
    } else {
        redraw
    };
    Update { effects, redraw }
}

fn apply(ui: &mut Ui, event: UiEvent) -> Vec<Effect> {
    let mut fx = Vec::new();
    match event {
        UiEvent::Key(key) => {
            if key.kind != KeyEventKind::Release {
                on_key(ui, key, &mut fx);
            }
        }
        UiEvent::Paste(text) => on_paste(ui, text, &mut fx),
        UiEvent::Mouse(m) => on_mouse(ui, m, &mut fx),
        UiEvent::Resize(cols, rows) => {
            ui.size = (cols, rows);
            let size = ui.view_size();
            if let Some(v) = &ui.view {
                fx.push(Effect::Send {
                    generation: v.generation,
                    msg: ClientMsg::Resize {
                        cols: size.0,
                        rows: size.1,
                    },
                });
            }
        }
        UiEvent::FocusLost => {
            if let Some(v) = &ui.view
                && let Some(report) = crate::ui::outer::focus_report(&v.emu, false)
            {
                fx.push(Effect::Send {
                    generation: v.generation,
                    msg: ClientMsg::Input(report.to_vec()),
                });
            }
        }
        UiEvent::Focus => {
            if let Some(v) = &mut ui.view {
                fx.push(Effect::Send {
                    generation: v.generation,
                    msg: ClientMsg::Focus,
                });
                // A program that asked for focus events hears of it too.
                if let Some(report) = crate::ui::outer::focus_report(&v.emu, true) {
                    fx.push(Effect::Send {
                        generation: v.generation,
                        msg: ClientMsg::Input(report.to_vec()),
                    });
                }
                v.last_touch = Instant::now();
                fx.push(Effect::Touch(v.session.id.clone()));
            }
        }
        UiEvent::NotSent { generation } => {
            if ui.view.as_ref().is_some_and(|v| v.generation == generation) {
                ui.error(strings::NOT_SENT_BUSY);
            }
        }
        UiEvent::DatabaseChanged => fx.push(Effect::Refresh),
        UiEvent::Session { generation, msg } => on_session(ui, generation, msg, &mut fx),
        UiEvent::SessionClosed { generation } => {
            if let Some(v) = &mut ui.view
                && v.generation == generation
                && v.ended.is_none()
            {
                v.link = Link::Reconnecting {
                    attempt: 1,
                    reason: "connection to the session closed".into(),
                };
                fx.push(Effect::Reattach {
                    id: v.session.id.clone(),
                    after: Duration::ZERO,
                    attempt: 1,
                });
            }
        }
        UiEvent::Listed {
            sessions,
            reap_at,
            hosts,
        } => {
            let first_load = ui.sessions.is_empty() && ui.selected.is_none();
            if !first_load {
                note_bells(ui, &sessions);
            }
            ui.sessions = sessions;
            ui.reap_at = reap_at;
            ui.hosts = hosts;
            ui.db_error = None;
            if let Some(v) = &mut ui.view
                && let Some(row) = ui.sessions.iter().find(|s| s.id == v.session.id)
            {
                // Renames by other views or processes show at once.
                v.session = row.clone();
            }
            // A view waiting for its host whose session was deleted meanwhile
            // (a forced delete in another window): nothing to wait for.
            let deleted = ui.view.as_ref().is_some_and(|v| {
                v.link != Link::Live && !ui.sessions.iter().any(|s| s.id == v.session.id)
            });
            if deleted && let Some(v) = ui.view.take() {
                fx.push(Effect::Detach { view: v.view_id });
                ui.error(strings::deleted_elsewhere(&v.session.label()));
            }
            if first_load {
                // The list opens with the newest session selected.
                ui.selected = ui.sessions.first().map(|s| s.id.clone());
            }
            super::marks::keep_listed(ui);
            ui.fix_selection();
        }
        UiEvent::Created(result) => on_created(ui, *result, &mut fx),
        UiEvent::Attached { result, reattach } => on_attached(ui, *result, reattach, &mut fx),
        UiEvent::Renamed(result) => {
            let typed = match &mut ui.popup {
                Some(Popup::Rename(p)) => p.typed_while_saving.take().unwrap_or_default(),
                _ => Vec::new(),
            };
            renamed(ui, *result, &mut fx);
            for key in typed {
                on_key(ui, key, &mut fx);
            }
        }
        UiEvent::Deleted {
            id,
            label,
            host,
            force,
            result,
        } => on_deleted(
            ui,
            Deletion {
                id,
                label,
                host,
                force,
            },
            result,
            &mut fx,
        ),
        UiEvent::ListFailed(why) => ui.db_error = Some(why),
        UiEvent::Adopted(labels) => {
            if let Some(text) = crate::manager::adopted_notice(&labels) {
                ui.notify(text);
            }
            fx.push(Effect::Refresh);
        }
        UiEvent::Warning(text) => ui.error(text),
        UiEvent::Question(q) => {
            // A question comes first; what was open (a create prompt waiting on
            // this very host) comes back when it is answered.
            if let Some(previous) = ui.popup.take() {
                ui.stacked = Some(previous);
            }
            ui.popup = Some(Popup::Question(q));
        }
        UiEvent::Hosts(hosts) => {
            ui.hosts = hosts;
            // The host of a view that lost its connection is back: reattach
            // now rather than at the next backoff step.
            if let Some(v) = &ui.view
                && let Link::Reconnecting { attempt, .. } = v.link
                && ui.host_state(&v.session.host) == Some(&HostState::Connected)
            {
                fx.push(Effect::Reattach {
                    id: v.session.id.clone(),
                    after: Duration::ZERO,
                    attempt,
                });
            }
        }
        UiEvent::Tick => {
            ui.now = crate::clock::now_millis();
            if let Some(v) = &mut ui.view
                && v.loaded
                && v.link == Link::Live
                && v.ended.is_none()
            {
                let now = Instant::now();
                v.predict.expire(now);
                if v.predict.wants_rtt()
                    && let Some(n) = v.predict.rtt.ping_due(now)
                {
                    fx.push(Effect::Send {
                        generation: v.generation,
                        msg: ClientMsg::Ping(n),
                    });
                }
            }
            ui.spinner = ui.spinner.wrapping_add(1);
            if ui
                .notice
                .as_ref()
                .is_some_and(|n| Instant::now() >= n.until)
            {
                ui.notice = None;
            }
        }
        UiEvent::Preview { generation, msgs } => super::preview::on_messages(ui, generation, msgs),
        UiEvent::PreviewEnded { generation, why } => super::preview::on_ended(ui, generation, why),
        UiEvent::SearchFound { seq, found } => search::found(ui, seq, *found),
        UiEvent::SearchDone { seq } => search::done(ui, seq),
        UiEvent::Quit => quit(ui, &mut fx),
    }
    fx
}

/// The rename's answer: the prompt closes, or stays with the reason.
fn renamed(ui: &mut Ui, result: Result<SessionRow, ManagerError>, fx: &mut Vec<Effect>) {
    match result {
        Ok(row) => {
            ui.popup = None;
            if let Some(v) = &mut ui.view
                && v.session.id == row.id
            {
                v.session = row.clone();
            }
            ui.notify(format!("renamed to '{}'", row.label()));
            fx.push(Effect::Refresh);
        }
        Err(e) => {
            if let Some(Popup::Rename(p)) = &mut ui.popup {
                p.error = Some(e.to_string());
            } else {
                ui.error(e.to_string());
            }
        }
    }
}

fn on_key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    // A host's question (host key, passphrase) takes the keys it needs.
    if matches!(ui.popup, Some(Popup::Question(_))) {
        return popup_key(ui, key, fx);
    }
    if ui.pending.is_none() {
        // A key means the notice was read (or is not wanted): it goes, and
        // what the key does may say something new.
        ui.notice = None;
    }
    if ui.pending.is_some() {
        // Keys typed while a session is being created or attached belong to
        // its view, never to the list: they go through the view's bindings
        // once it exists, so `prefix d` typed ahead detaches.
        ui.early.push(Early::Key(key));
        return;
    }
    if ui.popup.is_some() {
        return popup_key(ui, key, fx);
    }
    if ui.view.is_some() {
        return view_key(ui, key, fx);
    }
    list_key(ui, key, fx);
}

fn list_key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    if ui.search.is_some() {
        return search::key(ui, key, fx);
    }
    let chord = Chord::of(&key);
    if let Some(filter) = &mut ui.filter {
        match key.code {
            KeyCode::Esc => {
                ui.filter = None;
                ui.fix_selection();
                return;
            }
            KeyCode::Enter => return attach_selected(ui, fx),
            KeyCode::Up | KeyCode::Down => {}
            _ => {
                edit(filter, key);
                // The best match is highlighted as you type.
                let visible = ui.visible();
                ui.selected = visible.first().map(|&i| ui.sessions[i].id.clone());
                return;
            }
        }
    }
    let Some(action) = (match key.code {
        KeyCode::Up if ui.filter.is_some() => Some(ListAction::Up),
        KeyCode::Down if ui.filter.is_some() => Some(ListAction::Down),
        _ => ui.keymap.list(&chord),
    }) else {
        return;
    };
    match action {
        ListAction::Up | ListAction::Down | ListAction::Top | ListAction::Bottom => {
            move_selection(ui, action)
        }
        ListAction::Attach => attach_selected(ui, fx),
        ListAction::New => open_create(ui),
        ListAction::Rename => {
            if let Some(s) = ui.selected_session() {
                ui.popup = Some(Popup::Rename(Box::new(RenamePrompt {
                    target: s.id.clone(),
                    input: text_input(
                        strings::RENAME_PLACEHOLDER,
                        s.name.as_deref().unwrap_or(""),
                        false,
                    ),
                    error: None,
                    inline: true,
                    typed_while_saving: None,
                })));
            }
        }
        ListAction::Delete => {
            let targets = super::marks::targets(ui);
            if !targets.is_empty() {
                ui.popup = Some(Popup::ConfirmDelete { targets });
            }
        }
        ListAction::Mark => super::marks::toggle(ui),
        ListAction::Unmark => ui.marked.clear(),
        ListAction::Sort => {
            ui.order.sort = ui.order.sort.next();
            ui.notify(strings::sorted(ui.order.sort.word()));
        }
        ListAction::Group => {
            ui.order.by_host = !ui.order.by_host;
        }
        ListAction::Filter => {
            ui.filter = Some(text_input(strings::FILTER_PLACEHOLDER, "", false));
        }
        ListAction::Help => ui.popup = Some(Popup::Help { scroll: 0 }),
        ListAction::Preview => {
            let room = super::render::preview_room(ui).is_some();
            // On but with no room to show, `p` says why rather than turning
            // off something the user cannot see.
            if room || !ui.preview.on {
                ui.preview.on = !ui.preview.on;
            }
            if ui.preview.on && !room {
                ui.notify(strings::PREVIEW_NO_ROOM);
            }
        }
        ListAction::Search => search::open(ui),
        ListAction::Quit => quit(ui, fx),
        ListAction::Retry => {
            for (host, state) in &ui.hosts {
                if *state != HostState::Connected {
                    fx.push(Effect::RetryHost(host.clone()));
                }
            }
        }
    }
}

fn move_selection(ui: &mut Ui, action: ListAction) {
    let visible = ui.visible();
    if visible.is_empty() {
        return;
    }
    let cur = ui.selected_index(&visible).unwrap_or(0);
    let next = match action {
        ListAction::Up => cur.saturating_sub(1),
        ListAction::Down => (cur + 1).min(visible.len() - 1),
        ListAction::Top => 0,
        _ => visible.len() - 1,
    };
    ui.selected = Some(ui.sessions[visible[next]].id.clone());
}

fn open_create(ui: &mut Ui) {
    ui.popup = Some(Popup::Create(Box::new(CreatePrompt {
        name: text_input(strings::NAME_PLACEHOLDER, "", false),
        host: text_input(strings::HOST_PLACEHOLDER, "", false),
        focus: Field::Name,
        error: None,
        busy: false,
    })));
}

fn attach_selected(ui: &mut Ui, fx: &mut Vec<Effect>) {
    let visible = ui.visible();
    let Some(idx) = ui.selected_index(&visible) else {
        return;
    };
    let s = &ui.sessions[visible[idx]];
    start_attach(ui, s.id.clone(), s.label(), true, fx);
    ui.filter = None;
}
