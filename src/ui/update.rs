//! `update`: one event in, the state changed, the effects to run out.
//! Keys become actions through the keymap; nothing here does I/O.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use tokio::sync::mpsc;

use crate::clock::Millis;
use crate::host::HostState;
use crate::ids::{SessionId, ViewId};
use crate::manager::validate_name;
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
pub enum Effect {
    Refresh,
    Create {
        name: String,
        host: String,
    },
    Attach {
        id: SessionId,
        label: String,
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
    },
    /// The view saw the shell end; record it.
    JobGone {
        id: SessionId,
        exit: Option<ExitInfo>,
    },
    Touch(SessionId),
    RetryHost(String),
    /// Read this connection's messages as the current view's.
    Listen {
        generation: u64,
        rx: mpsc::Receiver<ServerMsg>,
    },
}

/// A view's connection, as an attach hands it over.
pub struct Attached {
    pub session: SessionRow,
    pub view: ViewId,
    pub tx: mpsc::Sender<ClientMsg>,
    pub rx: mpsc::Receiver<ServerMsg>,
}

pub enum AttachFailure {
    /// The session's shell has ended (exit description).
    Ended(String),
    Other(String),
}

pub enum UiEvent {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Focus,
    Session {
        generation: u64,
        msg: ServerMsg,
    },
    SessionClosed {
        generation: u64,
    },
    Listed {
        sessions: Vec<SessionRow>,
        reap_at: Vec<(SessionId, Millis)>,
        hosts: Vec<(String, HostState)>,
    },
    Created(Box<Result<SessionRow, String>>),
    Attached {
        result: Box<Result<Attached, AttachFailure>>,
        reattach: bool,
    },
    Renamed(Box<Result<SessionRow, String>>),
    Deleted {
        label: String,
        result: Result<(), String>,
    },
    Question(Box<Question>),
    /// Remote hosts' connection states changed.
    Hosts(Vec<(String, HostState)>),
    Tick,
    Quit,
}

static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub fn update(ui: &mut Ui, event: UiEvent) -> Vec<Effect> {
    let mut fx = Vec::new();
    match event {
        UiEvent::Key(key) => {
            if key.kind != KeyEventKind::Release {
                on_key(ui, key, &mut fx);
            }
        }
        UiEvent::Paste(text) => on_paste(ui, text),
        UiEvent::Mouse(m) => on_mouse(ui, m),
        UiEvent::Resize(cols, rows) => {
            ui.size = (cols, rows);
            let size = ui.view_size();
            if let Some(v) = &ui.view {
                let _ = v.tx.try_send(ClientMsg::Resize {
                    cols: size.0,
                    rows: size.1,
                });
            }
        }
        UiEvent::Focus => {
            if let Some(v) = &mut ui.view {
                let _ = v.tx.try_send(ClientMsg::Focus);
                v.last_touch = Instant::now();
                fx.push(Effect::Touch(v.session.id.clone()));
            }
        }
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
            ui.sessions = sessions;
            ui.reap_at = reap_at;
            ui.hosts = hosts;
            if let Some(v) = &mut ui.view
                && let Some(row) = ui.sessions.iter().find(|s| s.id == v.session.id)
            {
                // Renames by other views or processes show at once.
                v.session = row.clone();
            }
            if first_load {
                // The list opens with the newest session selected.
                ui.selected = ui.sessions.first().map(|s| s.id.clone());
            }
            ui.fix_selection();
        }
        UiEvent::Created(result) => on_created(ui, *result, &mut fx),
        UiEvent::Attached { result, reattach } => on_attached(ui, *result, reattach, &mut fx),
        UiEvent::Renamed(result) => match *result {
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
                    p.error = Some(e);
                } else {
                    ui.error(e);
                }
            }
        },
        UiEvent::Deleted { label, result } => {
            match result {
                Ok(()) => ui.notify(strings::deleted(&label)),
                Err(e) => ui.error(e),
            }
            fx.push(Effect::Refresh);
        }
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
            ui.spinner = ui.spinner.wrapping_add(1);
            if ui
                .notice
                .as_ref()
                .is_some_and(|n| Instant::now() >= n.until)
            {
                ui.notice = None;
            }
        }
        UiEvent::Quit => quit(ui, &mut fx),
    }
    fx
}

fn quit(ui: &mut Ui, fx: &mut Vec<Effect>) {
    if let Some(v) = ui.view.take() {
        fx.push(Effect::Detach { view: v.view_id });
    }
    ui.quit = true;
}

fn on_created(ui: &mut Ui, result: Result<SessionRow, String>, fx: &mut Vec<Effect>) {
    match result {
        Ok(row) => {
            if let Some(v) = ui.view.take() {
                fx.push(Effect::Detach { view: v.view_id });
            }
            ui.popup = None;
            ui.selected = Some(row.id.clone());
            ui.pending = Some(Pending::Attaching { label: row.label() });
            fx.push(Effect::Attach {
                id: row.id.clone(),
                label: row.label(),
            });
            fx.push(Effect::Refresh);
        }
        Err(e) => {
            ui.pending = None;
            match &mut ui.popup {
                Some(Popup::Create(p)) => {
                    p.busy = false;
                    p.error = Some(e);
                }
                _ => ui.error(e),
            }
        }
    }
}

fn on_attached(
    ui: &mut Ui,
    result: Result<Attached, AttachFailure>,
    reattach: bool,
    fx: &mut Vec<Effect>,
) {
    ui.pending = None;
    let early = std::mem::take(&mut ui.early);
    match result {
        Ok(att) if reattach && ui.view.as_ref().is_none_or(|v| v.link == Link::Live) => {
            // Another attempt got there first (or the view is gone): this
            // connection is surplus.
            fx.push(Effect::Detach { view: att.view });
        }
        Ok(att) => {
            let generation = GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (cols, rows) = ui.view_size();
            let mut view = View {
                session: att.session,
                view_id: att.view,
                generation,
                tx: att.tx,
                emu: Emulator::new(cols, rows, ui.history_lines),
                history: Vec::new(),
                loaded: false,
                early_keys: Vec::new(),
                scroll: None,
                seen_history: 0,
                prefix_armed: false,
                link: Link::Live,
                ended: None,
                last_touch: Instant::now(),
                sent: 0,
            };
            if let Some(old) = ui.view.take() {
                if reattach && old.session.id == view.session.id {
                    // Keep showing the last screen until the new snapshot lands.
                    view.emu = old.emu;
                    view.early_keys = old.early_keys;
                }
                fx.push(Effect::Detach { view: old.view_id });
            }
            view.early_keys.extend(early);
            ui.selected = Some(view.session.id.clone());
            ui.cycle = ui.cycle.take().filter(|_| !reattach);
            fx.push(Effect::Listen {
                generation,
                rx: att.rx,
            });
            fx.push(Effect::Touch(view.session.id.clone()));
            ui.view = Some(view);
        }
        Err(AttachFailure::Ended(exit)) => {
            if reattach {
                if let Some(v) = &mut ui.view {
                    v.ended = Some(exit);
                    v.link = Link::Live;
                }
            } else {
                ui.error(format!(
                    "{} Press Enter on it to start a new shell.",
                    strings::ended(
                        &ui.selected_session().map(|s| s.label()).unwrap_or_default(),
                        &exit
                    )
                ));
            }
            fx.push(Effect::Refresh);
        }
        Err(AttachFailure::Other(e)) => {
            if reattach && let Some(v) = &mut ui.view {
                let attempt = match &v.link {
                    Link::Reconnecting { attempt, .. } => attempt + 1,
                    Link::Live => 1,
                };
                v.link = Link::Reconnecting { attempt, reason: e };
                // 1 s doubling to 30 s.
                let after = Duration::from_secs((1u64 << attempt.min(5)).min(30));
                fx.push(Effect::Reattach {
                    id: v.session.id.clone(),
                    after,
                    attempt,
                });
            } else {
                ui.error(e);
                fx.push(Effect::Refresh);
            }
        }
    }
}

fn on_session(ui: &mut Ui, generation: u64, msg: ServerMsg, fx: &mut Vec<Effect>) {
    let history_lines = ui.history_lines;
    let Some(v) = &mut ui.view else {
        return;
    };
    if v.generation != generation {
        return;
    }
    match msg {
        ServerMsg::History { lines } => v.history.extend(lines),
        ServerMsg::Screen {
            cols,
            rows,
            state,
            title,
        } => {
            v.emu = Emulator::from_snapshot(
                Snapshot {
                    history: std::mem::take(&mut v.history),
                    cols,
                    rows,
                    state,
                    title,
                },
                history_lines,
            );
            v.seen_history = v.emu.history_len();
            v.link = Link::Live;
            if !v.loaded {
                v.loaded = true;
                // Keys typed while attaching go in now, in order.
                for bytes in std::mem::take(&mut v.early_keys) {
                    let _ = v.tx.try_send(ClientMsg::Input(bytes));
                }
            }
        }
        ServerMsg::Output(bytes) => {
            v.emu.process(&bytes);
            if let Some(offset) = &mut v.scroll {
                // Keep what the user is reading in place as history grows.
                let grown = v.emu.history_len().saturating_sub(v.seen_history);
                *offset = (*offset + grown).min(v.emu.history_len());
            }
            v.seen_history = v.emu.history_len();
        }
        ServerMsg::Resized { cols, rows } => v.emu.resize(cols, rows),
        ServerMsg::Exited(exit) => {
            v.ended = Some(exit.describe());
            v.scroll = None;
            fx.push(Effect::JobGone {
                id: v.session.id.clone(),
                exit: Some(exit),
            });
        }
        ServerMsg::Lagged { dropped_bytes } => ui.notify(strings::lagged(dropped_bytes)),
        ServerMsg::Error { message } => ui.error(message),
        ServerMsg::Captured { .. } | ServerMsg::Info(_) | ServerMsg::Pong(_) => {}
    }
}

fn on_key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    // A host's question (host key, passphrase) takes the keys it needs.
    if matches!(ui.popup, Some(Popup::Question(_))) {
        return popup_key(ui, key, fx);
    }
    if ui.pending.is_some() {
        // Keys typed while a session is being created or attached belong to
        // it, never to the list. Encoded in normal cursor mode: the program's
        // mode is not known yet, and a shell (the usual first program) uses it.
        let bytes = encode(&key, false);
        if !bytes.is_empty() {
            ui.early.push(bytes);
        }
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
                filter.input(key);
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
                })));
            }
        }
        ListAction::Delete => {
            if let Some(s) = ui.selected_session() {
                ui.popup = Some(Popup::ConfirmDelete {
                    target: s.id.clone(),
                    label: s.label(),
                });
            }
        }
        ListAction::Filter => {
            ui.filter = Some(text_input(strings::FILTER_PLACEHOLDER, "", false));
        }
        ListAction::Help => ui.popup = Some(Popup::Help),
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
    start_attach(ui, s.id.clone(), s.label(), fx);
    ui.filter = None;
}

fn start_attach(ui: &mut Ui, id: SessionId, label: String, fx: &mut Vec<Effect>) {
    if let Some(v) = ui.view.take() {
        fx.push(Effect::Detach { view: v.view_id });
    }
    ui.pending = Some(Pending::Attaching {
        label: label.clone(),
    });
    fx.push(Effect::Attach { id, label });
}

fn popup_key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(popup) = ui.popup.take() else {
        return;
    };
    let keep = match popup {
        Popup::Help => false,
        Popup::ConfirmDelete { target, label } => {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                fx.push(Effect::Delete { id: target, label });
            }
            false
        }
        Popup::Create(mut p) => match key.code {
            _ if p.busy => {
                ui.popup = Some(Popup::Create(p));
                return;
            }
            KeyCode::Esc => false,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                p.focus = match p.focus {
                    Field::Name => Field::Host,
                    Field::Host => Field::Name,
                };
                ui.popup = Some(Popup::Create(p));
                return;
            }
            KeyCode::Enter => {
                let name = input_text(&p.name);
                match validate_name(&name) {
                    Err(e) => {
                        p.error = Some(e.to_string());
                        p.focus = Field::Name;
                    }
                    Ok(_) => {
                        p.error = None;
                        p.busy = true;
                        ui.pending = Some(Pending::Creating);
                        fx.push(Effect::Create {
                            name,
                            host: input_text(&p.host),
                        });
                    }
                }
                ui.popup = Some(Popup::Create(p));
                return;
            }
            _ => {
                let field = match p.focus {
                    Field::Name => &mut p.name,
                    Field::Host => &mut p.host,
                };
                field.input(key);
                p.error = None;
                ui.popup = Some(Popup::Create(p));
                return;
            }
        },
        Popup::Rename(mut p) => match key.code {
            KeyCode::Esc => false,
            KeyCode::Enter => {
                let name = input_text(&p.input);
                match validate_name(&name) {
                    Err(e) => p.error = Some(e.to_string()),
                    Ok(_) => fx.push(Effect::Rename {
                        id: p.target.clone(),
                        name,
                    }),
                }
                ui.popup = Some(Popup::Rename(p));
                return;
            }
            _ => {
                p.input.input(key);
                p.error = None;
                ui.popup = Some(Popup::Rename(p));
                return;
            }
        },
        Popup::Switcher => {
            let chord = Chord::of(&key);
            match (key.code, ui.keymap.list(&chord)) {
                (KeyCode::Esc, _) | (_, Some(ListAction::Quit)) => false,
                (_, Some(ListAction::Attach)) => {
                    if let Some(s) = ui.selected_session().cloned() {
                        let current = ui.view.as_ref().map(|v| v.session.id.clone());
                        if current.as_ref() != Some(&s.id) {
                            start_attach(ui, s.id.clone(), s.label(), fx);
                        }
                    }
                    false
                }
                (
                    _,
                    Some(
                        a @ (ListAction::Up
                        | ListAction::Down
                        | ListAction::Top
                        | ListAction::Bottom),
                    ),
                ) => {
                    move_selection(ui, a);
                    true
                }
                _ => true,
            }
        }
        Popup::Question(mut q) => {
            let answer = match (q.kind, key.code) {
                (_, KeyCode::Esc) => Some(None),
                (QuestionKind::YesNo, KeyCode::Char('y') | KeyCode::Char('Y')) => {
                    Some(Some("yes".to_string()))
                }
                (QuestionKind::YesNo, KeyCode::Char('n') | KeyCode::Char('N')) => Some(None),
                (QuestionKind::YesNo, _) => None,
                (_, KeyCode::Enter) => Some(Some(input_text(&q.input))),
                _ => {
                    q.input.input(key);
                    None
                }
            };
            match answer {
                Some(a) => {
                    if let Some(tx) = q.answer.take() {
                        let _ = tx.send(a);
                    }
                    ui.popup = ui.stacked.take();
                    return;
                }
                None => {
                    ui.popup = Some(Popup::Question(q));
                    return;
                }
            }
        }
    };
    if keep {
        ui.popup = Some(Popup::Switcher);
    }
}

fn view_key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    let chord = Chord::of(&key);
    let prefix = ui.keymap.prefix;
    let Some(v) = &mut ui.view else {
        return;
    };
    if v.ended.is_some() {
        // Any key returns to the list.
        let v = ui.view.take();
        if let Some(v) = v {
            ui.selected = Some(v.session.id.clone());
            fx.push(Effect::Detach { view: v.view_id });
        }
        fx.push(Effect::Refresh);
        return;
    }
    if v.prefix_armed {
        v.prefix_armed = false;
        if let Some(action) = ui.keymap.prefixed(&chord) {
            prefix_action(ui, action, fx);
        }
        return;
    }
    if chord == prefix {
        v.prefix_armed = true;
        return;
    }
    if let Some(offset) = v.scroll {
        let page = usize::from(ui.size.1.saturating_sub(2)).max(1);
        let max = v.emu.history_len();
        let next = match ui.keymap.scroll(&chord) {
            Some(ScrollAction::Up) => Some(offset + 1),
            Some(ScrollAction::Down) => Some(offset.saturating_sub(1)),
            Some(ScrollAction::PageUp) => Some(offset + page),
            Some(ScrollAction::PageDown) => Some(offset.saturating_sub(page)),
            Some(ScrollAction::Top) => Some(max),
            Some(ScrollAction::Bottom) | Some(ScrollAction::Exit) => None,
            None => Some(offset),
        };
        v.scroll = next.map(|n| n.min(max));
        return;
    }
    let bytes = encode(&key, v.emu.modes().application_cursor);
    send_input(ui, bytes, fx);
}

fn send_input(ui: &mut Ui, bytes: Vec<u8>, fx: &mut Vec<Effect>) {
    if bytes.is_empty() {
        return;
    }
    let Some(v) = &mut ui.view else {
        return;
    };
    if !v.loaded {
        v.early_keys.push(bytes);
        return;
    }
    if v.link != Link::Live {
        ui.error(strings::NOT_SENT_OFFLINE);
        return;
    }
    v.scroll = None;
    if v.tx.try_send(ClientMsg::Input(bytes)).is_err() {
        ui.error(strings::NOT_SENT_BUSY);
        return;
    }
    v.sent += 1;
    if v.last_touch.elapsed() >= TOUCH_EVERY {
        v.last_touch = Instant::now();
        fx.push(Effect::Touch(v.session.id.clone()));
    }
}

fn prefix_action(ui: &mut Ui, action: PrefixAction, fx: &mut Vec<Effect>) {
    let Some(v) = &mut ui.view else {
        return;
    };
    if !matches!(action, PrefixAction::Next | PrefixAction::Prev) {
        ui.cycle = None;
    }
    match action {
        PrefixAction::Detach => {
            if let Some(v) = ui.view.take() {
                ui.selected = Some(v.session.id.clone());
                fx.push(Effect::Detach { view: v.view_id });
                fx.push(Effect::Refresh);
            }
        }
        PrefixAction::SendPrefix => {
            let prefix = ui.keymap.prefix;
            let bytes = encode(
                &KeyEvent::new(prefix.code, prefix.mods),
                v.emu.modes().application_cursor,
            );
            send_input(ui, bytes, fx);
        }
        PrefixAction::Scroll => v.scroll = Some(0),
        PrefixAction::Help => ui.popup = Some(Popup::Help),
        PrefixAction::Switch => {
            ui.selected = Some(v.session.id.clone());
            ui.filter = None;
            ui.popup = Some(Popup::Switcher);
            fx.push(Effect::Refresh);
        }
        PrefixAction::New => open_create(ui),
        PrefixAction::Rename => {
            let (id, name) = (
                v.session.id.clone(),
                v.session.name.clone().unwrap_or_default(),
            );
            ui.popup = Some(Popup::Rename(Box::new(RenamePrompt {
                target: id,
                input: text_input(strings::RENAME_PLACEHOLDER, &name, false),
                error: None,
                inline: false,
            })));
        }
        PrefixAction::Next | PrefixAction::Prev => {
            let current = v.session.id.clone();
            let host = v.session.host.clone();
            // Host-scoped: only sessions on the same host as this one.
            let order = ui.cycle.get_or_insert_with(|| {
                ui.sessions
                    .iter()
                    .filter(|s| s.host == host && s.status != Status::Init)
                    .map(|s| s.id.clone())
                    .collect()
            });
            if order.len() < 2 {
                ui.notify("no other session on this host");
                return;
            }
            let pos = order.iter().position(|id| *id == current).unwrap_or(0);
            let next = if action == PrefixAction::Next {
                (pos + 1) % order.len()
            } else {
                (pos + order.len() - 1) % order.len()
            };
            let target = order[next].clone();
            let label = ui.session(&target).map(|s| s.label()).unwrap_or_default();
            let cycle = ui.cycle.take();
            start_attach(ui, target, label, fx);
            ui.cycle = cycle;
        }
        PrefixAction::Retry => fx.push(Effect::RetryHost(v.session.host.clone())),
    }
}

fn on_paste(ui: &mut Ui, text: String) {
    if let Some(popup) = &mut ui.popup {
        let target = match popup {
            Popup::Create(p) => Some(match p.focus {
                Field::Name => &mut p.name,
                Field::Host => &mut p.host,
            }),
            Popup::Rename(p) => Some(&mut p.input),
            Popup::Question(q) => Some(&mut q.input),
            _ => None,
        };
        if let Some(t) = target {
            t.insert_str(text.lines().next().unwrap_or(""));
        }
        return;
    }
    if let Some(f) = &mut ui.filter
        && ui.view.is_none()
    {
        f.insert_str(text.lines().next().unwrap_or(""));
        return;
    }
    let Some(v) = &ui.view else {
        if ui.pending.is_some() {
            ui.early.push(encode_paste(&text, false));
        }
        return;
    };
    let bytes = encode_paste(&text, v.emu.modes().bracketed_paste);
    let mut fx = Vec::new();
    send_input(ui, bytes, &mut fx);
}

fn on_mouse(ui: &mut Ui, m: MouseEvent) {
    if ui.popup.is_some() {
        return;
    }
    let top = u16::from(ui.status_on_top);
    let Some(v) = &mut ui.view else {
        return;
    };
    if !v.loaded || v.ended.is_some() {
        return;
    }
    let modes = v.emu.modes();
    if modes.mouse != vt100::MouseProtocolMode::None && v.scroll.is_none() {
        if m.row < top {
            return;
        }
        if let Some(bytes) = mouse::encode(&m, m.column, m.row - top, modes)
            && v.tx.try_send(ClientMsg::Input(bytes)).is_ok()
        {
            v.sent += 1;
        }
        return;
    }
    // The program did not ask for the mouse: the wheel scrolls history.
    let max = v.emu.history_len();
    match m.kind {
        MouseEventKind::ScrollUp => {
            v.scroll = Some((v.scroll.unwrap_or(0) + WHEEL_ROWS).min(max));
        }
        MouseEventKind::ScrollDown => {
            if let Some(o) = v.scroll {
                let n = o.saturating_sub(WHEEL_ROWS);
                v.scroll = (n > 0).then_some(n);
            }
        }
        _ => {}
    }
}
