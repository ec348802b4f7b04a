//! Sessions and views coming and going: created, attached (or not), switched
//! to, deleted. A view stays until the one replacing it is live, and a
//! session that ended stays ended until the user asks for a new shell.

use super::*;

pub(super) fn quit(ui: &mut Ui, fx: &mut Vec<Effect>) {
    if let Some(v) = ui.view.take() {
        fx.push(Effect::Detach { view: v.view_id });
    }
    ui.quit = true;
}

/// A bell rang in a session this UI does not show (it is in the list, or
/// attached to another): say so once, as the newer rows come in.
pub(super) fn note_bells(ui: &mut Ui, newer: &[SessionRow]) {
    let shown = ui.view.as_ref().map(|v| &v.session.id);
    let rang = newer.iter().find(|s| {
        s.rang()
            && Some(&s.id) != shown
            && !ui
                .sessions
                .iter()
                .any(|old| old.id == s.id && old.activity.bell_at == s.activity.bell_at)
    });
    if let Some(s) = rang {
        let mut label = match (&s.name, s.number) {
            (Some(name), _) => format!("'{name}'"),
            (None, Some(n)) => format!("#{n}"),
            (None, None) => s.id.short().to_string(),
        };
        if let Some(program) = s.activity.program.as_deref() {
            label.push_str(&format!(" ({program})"));
        }
        ui.notify(strings::bell_in(&label));
    }
}

pub(super) fn on_created(
    ui: &mut Ui,
    result: Result<SessionRow, ManagerError>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(row) => {
            ui.popup = None;
            ui.selected = Some(row.id.clone());
            ui.pending = Some(Pending::Attaching { label: row.label() });
            fx.push(Effect::Attach {
                id: row.id.clone(),
                label: row.label(),
                restart: false,
            });
            fx.push(Effect::Refresh);
        }
        Err(e) => {
            ui.pending = None;
            match &mut ui.popup {
                Some(Popup::Create(p)) => {
                    p.busy = false;
                    // The cursor goes where the fix is typed.
                    if let Some(field) = field_at_fault(&e) {
                        p.focus = field;
                    }
                    p.error = Some(e.to_string());
                }
                _ => ui.error(e.to_string()),
            }
        }
    }
}

/// The create prompt's field a failure is about: a name that cannot be had,
/// or a host that cannot be reached; `None` when neither is to blame.
fn field_at_fault(e: &ManagerError) -> Option<Field> {
    match e {
        ManagerError::NameTaken(_) | ManagerError::InvalidName(_) => Some(Field::Name),
        ManagerError::HostUnreachable { .. }
        | ManagerError::Host {
            source: crate::host::HostError::Unreachable(_),
            ..
        } => Some(Field::Host),
        _ => None,
    }
}

/// Why an attach did not give a view, as the user is told.
enum AttachFailure {
    /// The session's shell has ended (exit description).
    Ended(String),
    /// The session is gone (deleted, by this or another window).
    Deleted(String),
    Other(String),
}

impl From<ManagerError> for AttachFailure {
    fn from(e: ManagerError) -> Self {
        match e {
            ManagerError::Ended { exit, .. } => AttachFailure::Ended(exit),
            e @ (ManagerError::NotFound(_) | ManagerError::DeletedWhileStarting(_)) => {
                AttachFailure::Deleted(e.to_string())
            }
            e => AttachFailure::Other(e.to_string()),
        }
    }
}

pub(super) fn on_attached(
    ui: &mut Ui,
    result: Result<Attached, ManagerError>,
    reattach: bool,
    fx: &mut Vec<Effect>,
) {
    let target = match ui.pending.take() {
        Some(Pending::Attaching { label }) => label,
        _ => String::new(),
    };
    let early = std::mem::take(&mut ui.early);
    // A switch that did not happen: the view stays, and keys typed for the
    // other session are not sent anywhere (saying so).
    let unsent = |ui: &mut Ui, why: String| {
        let text = match early.len() {
            0 => why,
            1 => format!("{why} (a key typed meanwhile was not sent)"),
            n => format!("{why} ({n} keys typed meanwhile were not sent)"),
        };
        ui.error(text);
    };
    match result.map_err(AttachFailure::from) {
        Ok(att) if reattach && ui.view.as_ref().is_none_or(|v| v.link == Link::Live) => {
            // Another attempt got there first (or the view is gone): this
            // connection is surplus.
            fx.push(Effect::Detach { view: att.view });
        }
        Ok(att) => {
            let generation = ui.new_generation();
            let (cols, rows) = ui.view_size();
            let emu = Emulator::new(cols, rows, ui.history_lines);
            let mut view = View::new(att.session, att.view, generation, emu);
            view.resync_appends = att.version >= crate::protocol::RESYNC_APPENDS;
            view.screen_first = att.version >= crate::protocol::SCREEN_FIRST;
            view.predict = crate::ui::predict::Predictor::new(ui.predict);
            if let Some(old) = ui.view.take() {
                if reattach && old.session.id == view.session.id {
                    // Keep showing the last screen until the new snapshot lands.
                    view.emu = old.emu;
                    view.early_keys = old.early_keys;
                }
                // Only now that the new view is live does the old one go.
                fx.push(Effect::Detach { view: old.view_id });
            }
            ui.selected = Some(view.session.id.clone());
            ui.cycle = ui.cycle.take().filter(|_| !reattach);
            ui.cycle_at = None;
            if !reattach {
                ui.notice = None;
            }
            fx.push(Effect::Listen {
                generation,
                tx: att.tx,
                rx: att.rx,
            });
            fx.push(Effect::Touch(view.session.id.clone()));
            ui.view = Some(view);
            // Input typed meanwhile, in order, as if typed now: keys through
            // the view's bindings (held until the screen is there).
            for input in early {
                match input {
                    Early::Key(key) => super::view::view_key(ui, key, fx),
                    Early::Paste(bytes) => super::view::send_input(ui, bytes, fx),
                }
            }
        }
        Err(AttachFailure::Ended(exit)) => {
            if reattach {
                if let Some(v) = &mut ui.view {
                    v.ended = Some(exit);
                    v.link = Link::Live;
                }
            } else if ui.view.is_some() {
                unsent(
                    ui,
                    format!(
                        "{} Enter on it in the list starts a new shell.",
                        strings::ended(&target, &exit)
                    ),
                );
            } else {
                ui.error(format!(
                    "{} Press Enter on it to start a new shell.",
                    strings::ended(&target, &exit)
                ));
            }
            fx.push(Effect::Refresh);
        }
        Err(AttachFailure::Deleted(why)) => {
            if reattach && let Some(v) = ui.view.take() {
                // Deleted elsewhere while this view was away: nothing to come back to.
                ui.selected = None;
                fx.push(Effect::Detach { view: v.view_id });
                ui.error(strings::deleted_elsewhere(&v.session.label()));
            } else if ui.view.is_some() {
                unsent(ui, why);
            } else {
                ui.error(why);
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
            } else if ui.view.is_some() {
                unsent(ui, format!("cannot switch to '{target}': {e}"));
                fx.push(Effect::Refresh);
            } else {
                ui.error(e);
                fx.push(Effect::Refresh);
            }
        }
    }
}

/// Starts attaching to a session; the current view (if any) stays on screen
/// and keeps its session until the new one is live. `restart`: the user
/// asked for this session, so one that ended gets a new shell.
pub(super) fn start_attach(
    ui: &mut Ui,
    id: SessionId,
    label: String,
    restart: bool,
    fx: &mut Vec<Effect>,
) {
    if ui.view.is_some() {
        ui.notify(strings::switching(&label));
    }
    ui.pending = Some(Pending::Attaching {
        label: label.clone(),
    });
    fx.push(Effect::Attach { id, label, restart });
}

/// The delete a result is about.
pub(super) struct Deletion {
    pub id: SessionId,
    pub label: String,
    pub host: Option<String>,
    pub force: bool,
}

pub(super) fn on_deleted(
    ui: &mut Ui,
    what: Deletion,
    result: Result<Deleted, ManagerError>,
    fx: &mut Vec<Effect>,
) {
    let Deletion {
        id,
        label,
        host,
        force,
    } = what;
    let Some(result) = crate::ui::marks::on_deleted(ui, &id, &label, result) else {
        fx.push(Effect::Refresh);
        return;
    };
    match result {
        Ok(Deleted::Done) => ui.notify(strings::deleted(&label)),
        Ok(Deleted::StopPending) => ui.notify(strings::deleted_later(
            &label,
            host.as_deref().unwrap_or("its host"),
        )),
        Ok(Deleted::ListLater(_)) => ui.notify(strings::stopped_list_later(&label)),
        // What --force does for the command line, offered here.
        Err(e @ (ManagerError::StopRefused { .. } | ManagerError::HostUnreachable { .. }))
            if !force =>
        {
            ui.popup = Some(Popup::ConfirmForce {
                targets: vec![Target { id, label }],
                why: e.to_string(),
            });
        }
        Err(e) => ui.error(e.to_string()),
    }
    fx.push(Effect::Refresh);
}
