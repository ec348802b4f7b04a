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

pub(super) fn on_created(ui: &mut Ui, result: Result<SessionRow, String>, fx: &mut Vec<Effect>) {
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
                    p.error = Some(e);
                }
                _ => ui.error(e),
            }
        }
    }
}

pub(super) fn on_attached(
    ui: &mut Ui,
    result: Result<Attached, AttachFailure>,
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
    match result {
        Ok(att) if reattach && ui.view.as_ref().is_none_or(|v| v.link == Link::Live) => {
            // Another attempt got there first (or the view is gone): this
            // connection is surplus.
            fx.push(Effect::Detach { view: att.view });
        }
        Ok(att) => {
            let generation = GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (cols, rows) = ui.view_size();
            let emu = Emulator::new(cols, rows, ui.history_lines);
            let mut view = View::new(att.session, att.view, generation, att.tx, emu);
            view.resync_appends = att.version >= crate::protocol::RESYNC_APPENDS;
            if let Some(old) = ui.view.take() {
                if reattach && old.session.id == view.session.id {
                    // Keep showing the last screen until the new snapshot lands.
                    view.emu = old.emu;
                    view.early_keys = old.early_keys;
                }
                // Only now that the new view is live does the old one go.
                fx.push(Effect::Detach { view: old.view_id });
            }
            view.early_keys.extend(early);
            ui.selected = Some(view.session.id.clone());
            ui.cycle = ui.cycle.take().filter(|_| !reattach);
            ui.cycle_at = None;
            if !reattach {
                ui.notice = None;
            }
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

pub(super) fn on_deleted(
    ui: &mut Ui,
    label: String,
    result: Result<String, DeleteRefused>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(notice) => ui.notify(notice),
        Err(DeleteRefused {
            message,
            force: Some(target),
        }) => {
            ui.popup = Some(Popup::ConfirmForce {
                target,
                label,
                why: message,
            });
        }
        Err(DeleteRefused { message, .. }) => ui.error(message),
    }
    fx.push(Effect::Refresh);
}
