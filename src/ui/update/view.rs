//! What the attached view does with session output, keys, paste and the mouse.

use super::*;
use crate::ui::predict::Key;

pub(super) fn on_session(ui: &mut Ui, generation: u64, msg: ServerMsg, fx: &mut Vec<Effect>) {
    let history_lines = ui.history_lines;
    let clipboard_read = ui.clipboard_read;
    let Some(v) = &mut ui.view else {
        return;
    };
    if v.generation != generation {
        return;
    }
    let older_at = v.older_at.take();
    if older_at.is_none() || !matches!(msg, ServerMsg::History { .. }) {
        v.landing = None;
    }
    match msg {
        ServerMsg::History { lines } if older_at.is_some() => {
            let at = older_at.unwrap_or(0);
            v.older_at = Some(v.emu.insert_older_history(at, lines));
            // A search's match may be in what just came: land again.
            let mut again = v.landing.clone();
            search::land(&mut again, v, ui.keymap.mode_keys);
            if let Some(c) = &mut v.copy {
                c.clamp(&crate::ui::copy::EmuLines::new(&v.emu));
            }
        }
        ServerMsg::History { lines } => {
            // Kept until the screen comes; a job (or a remote host) that
            // sends history without end cannot make it grow past what the
            // view would keep anyway.
            v.history.extend(lines);
            let over = v.history.len().saturating_sub(history_lines);
            v.history.drain(..over);
        }
        ServerMsg::Screen {
            cols,
            rows,
            state,
            title,
        } => {
            let snap = Snapshot {
                history: std::mem::take(&mut v.history),
                cols,
                rows,
                state,
                title,
            };
            if std::mem::take(&mut v.resyncing) {
                v.emu.load_snapshot_after(snap);
            } else {
                v.emu = Emulator::from_snapshot(snap, history_lines);
                // The history follows: the screen is drawn without it.
                v.older_at = v.screen_first.then_some(0);
            }
            if let Some(c) = &mut v.copy {
                c.clamp(&crate::ui::copy::EmuLines::new(&v.emu));
            }
            v.link = Link::Live;
            v.predict.fail();
            let landing = ui.landing.take_if(|l| l.session == v.session.id);
            let mut now = landing.clone();
            search::land(&mut now, v, ui.keymap.mode_keys);
            // The match may be in the history still to come.
            if v.older_at.is_some() {
                v.landing = landing;
            }
            if !v.loaded {
                v.loaded = true;
                // Keys typed while attaching go in now, in order.
                for bytes in std::mem::take(&mut v.early_keys) {
                    fx.push(Effect::Send {
                        generation: v.generation,
                        msg: ClientMsg::Input(bytes),
                    });
                }
            }
        }
        ServerMsg::Output(bytes) => {
            v.emu.process(&bytes);
            let replies = v.emu.take_clipboard_replies();
            if clipboard_read && !replies.is_empty() {
                fx.push(Effect::Send {
                    generation: v.generation,
                    msg: ClientMsg::Input(replies),
                });
            }
            v.predict.judge(&v.emu, Instant::now());
            // Output is activity too (the list sorts by it), recorded as
            // sparingly as typing is.
            if v.last_touch.elapsed() >= TOUCH_EVERY {
                v.last_touch = Instant::now();
                fx.push(Effect::Touch(v.session.id.clone()));
            }
            // Copy mode's lines keep their numbers as output pushes them
            // into history: what the user reads stays in place; only lines
            // the history no longer keeps are let go.
            if let Some(c) = &mut v.copy {
                c.clamp(&crate::ui::copy::EmuLines::new(&v.emu));
            }
        }
        ServerMsg::Resized { cols, rows } => {
            v.emu.resize(cols, rows);
            v.predict.fail();
        }
        ServerMsg::Exited(exit) => {
            v.ended = Some(exit.describe());
            v.copy = None;
            fx.push(Effect::JobGone {
                id: v.session.id.clone(),
                exit: Some(exit),
            });
        }
        // The resync loses nothing when it adds the missed history; an old
        // job's replaces it, and says so.
        ServerMsg::Lagged { .. } if v.resync_appends => v.resyncing = true,
        ServerMsg::Lagged { dropped_bytes } => ui.notify(strings::lagged(dropped_bytes)),
        ServerMsg::Error { message } => ui.error(message),
        ServerMsg::Pong(n) => v.predict.pong(n, Instant::now()),
        ServerMsg::Captured { .. } | ServerMsg::Info(_) | ServerMsg::Found(_) => {}
    }
}

pub(super) fn view_key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
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
    // `n`/`N` step through the matches of the search the view was opened from.
    if v.found.is_some() {
        match ui.keymap.scroll(&chord) {
            Some(ScrollAction::NextMatch) => return search::step(ui, false),
            Some(ScrollAction::PrevMatch) => return search::step(ui, true),
            _ => {}
        }
    }
    if v.copy.is_some() {
        super::copy::key(ui, key, fx);
        return;
    }
    let bytes = encode(&key, v.emu.modes().application_cursor);
    let guess = v.loaded && v.link == Link::Live && !bytes.is_empty();
    send_input(ui, bytes, fx);
    if let Some(v) = &mut ui.view
        && guess
    {
        v.predict.key(Key::of(&key), &v.emu, Instant::now());
    }
}

/// The one way input reaches the session, whether typed, pasted or a
/// mouse report: held until the screen is there, refused while the link is
/// down, recorded as activity.
pub(super) fn send_input(ui: &mut Ui, bytes: Vec<u8>, fx: &mut Vec<Effect>) {
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
        // A key in a view that waits for its link is a wish to have it back:
        // try now rather than at the next backoff step.
        fx.push(Effect::RetryHost(v.session.host.clone()));
        ui.error(strings::NOT_SENT_OFFLINE);
        return;
    }
    v.copy = None;
    fx.push(Effect::Send {
        generation: v.generation,
        msg: ClientMsg::Input(bytes),
    });
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
        ui.cycle_at = None;
    }
    match action {
        PrefixAction::Detach if ui.detach_quits => quit(ui, fx),
        PrefixAction::Detach => {
            if let Some(mut v) = ui.view.take() {
                // Text typed ahead of a screen that never came still goes in.
                for bytes in std::mem::take(&mut v.early_keys) {
                    fx.push(Effect::Send {
                        generation: v.generation,
                        msg: ClientMsg::Input(bytes),
                    });
                }
                ui.selected = Some(v.session.id.clone());
                fx.push(Effect::Detach { view: v.view_id });
                fx.push(Effect::Refresh);
            }
        }
        PrefixAction::SendPrefix => {
            v.predict.unforeseen();
            let prefix = ui.keymap.prefix;
            let bytes = encode(
                &KeyEvent::new(prefix.code, prefix.mods),
                v.emu.modes().application_cursor,
            );
            send_input(ui, bytes, fx);
        }
        PrefixAction::Scroll => super::copy::enter(ui, false),
        PrefixAction::Paste => super::copy::paste(ui, fx),
        PrefixAction::Help => ui.popup = Some(Popup::Help { scroll: 0 }),
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
                typed_while_saving: None,
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
            // From where the last press went: an ended session it could not
            // show is stepped over, not tried again.
            let from = ui
                .cycle_at
                .clone()
                .filter(|id| order.contains(id))
                .unwrap_or(current.clone());
            let pos = order.iter().position(|id| *id == from).unwrap_or(0);
            let next = if action == PrefixAction::Next {
                (pos + 1) % order.len()
            } else {
                (pos + order.len() - 1) % order.len()
            };
            let target = order[next].clone();
            if target == current {
                ui.cycle_at = None;
                return;
            }
            let label = ui.session(&target).map(|s| s.label()).unwrap_or_default();
            let cycle = ui.cycle.take();
            // Switching is not asking for a new shell: an ended session says so.
            start_attach(ui, target.clone(), label, false, fx);
            ui.cycle = cycle;
            ui.cycle_at = Some(target);
        }
        PrefixAction::Retry => fx.push(Effect::RetryHost(v.session.host.clone())),
        // The job gives the PTY the size of the view that was focused last.
        PrefixAction::Fit => fx.push(Effect::Send {
            generation: v.generation,
            msg: ClientMsg::Focus,
        }),
    }
}

pub(super) fn on_paste(ui: &mut Ui, text: String, fx: &mut Vec<Effect>) {
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
            ui.early.push(Early::Paste(encode_paste(&text, false)));
        }
        return;
    };
    let bytes = encode_paste(&text, v.emu.modes().bracketed_paste);
    if let Some(v) = &mut ui.view {
        v.predict.unforeseen();
    }
    send_input(ui, bytes, fx);
}

pub(super) fn on_mouse(ui: &mut Ui, m: MouseEvent, fx: &mut Vec<Effect>) {
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
    if modes.mouse != vt100::MouseProtocolMode::None && v.copy.is_none() {
        if m.row < top {
            return;
        }
        if let Some(bytes) = mouse::encode(&m, m.column, m.row - top, modes) {
            send_input(ui, bytes, fx);
        }
        return;
    }
    // The program did not ask for the mouse: the wheel scrolls history in
    // copy mode, and the left button selects and copies.
    match m.kind {
        MouseEventKind::ScrollUp => super::copy::wheel(ui, true),
        MouseEventKind::ScrollDown => super::copy::wheel(ui, false),
        _ if m.row >= top => super::copy::select(ui, &m, m.row - top, fx),
        _ => {}
    }
}
