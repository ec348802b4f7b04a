//! Marked sessions on the list and deleting them together: one question
//! for all, then one report naming every session that was not deleted.

use crate::ids::SessionId;
use crate::manager::{Deleted, ManagerError};

use super::state::{Popup, Target, Ui};
use super::strings;

/// A delete of several sessions, gathering each one's answer.
#[derive(Debug)]
pub struct BulkDelete {
    /// Sessions whose answer has not come yet.
    waiting: Vec<SessionId>,
    total: usize,
    force: bool,
    deleted: usize,
    /// Refused as a plain delete would be (the job did not stop, the host
    /// is down): what force can do.
    forceable: Vec<(Target, String)>,
    /// Not deleted for another reason: label and why.
    failed: Vec<(String, String)>,
}

impl BulkDelete {
    pub fn new(targets: &[Target], force: bool) -> BulkDelete {
        BulkDelete {
            waiting: targets.iter().map(|t| t.id.clone()).collect(),
            total: targets.len(),
            force,
            deleted: 0,
            forceable: Vec::new(),
            failed: Vec::new(),
        }
    }
}

/// Marks the selected session, or unmarks it.
pub fn toggle(ui: &mut Ui) {
    let Some(id) = ui.selected.clone() else {
        return;
    };
    match ui.marked.iter().position(|m| *m == id) {
        Some(at) => {
            ui.marked.remove(at);
        }
        None => ui.marked.push(id),
    }
}

/// Marks of sessions that are no longer listed go.
pub fn keep_listed(ui: &mut Ui) {
    let sessions = &ui.sessions;
    ui.marked.retain(|id| sessions.iter().any(|s| s.id == *id));
}

/// What a delete acts on: the marked sessions still listed, in the order
/// they were marked, else the selected one.
pub fn targets(ui: &Ui) -> Vec<Target> {
    let target = |s: &crate::store::SessionRow| Target {
        id: s.id.clone(),
        label: s.label(),
    };
    let marked: Vec<Target> = ui
        .marked
        .iter()
        .filter_map(|id| ui.session(id))
        .map(target)
        .collect();
    if marked.is_empty() {
        ui.selected_session().map(target).into_iter().collect()
    } else {
        marked
    }
}

/// Takes one session's answer if it belongs to the bulk delete under way,
/// else gives it back to be handled alone. The last answer tells the user.
pub fn on_deleted(
    ui: &mut Ui,
    id: &SessionId,
    label: &str,
    result: Result<Deleted, ManagerError>,
) -> Option<Result<Deleted, ManagerError>> {
    let Some(bulk) = ui.bulk.as_mut() else {
        return Some(result);
    };
    let Some(at) = bulk.waiting.iter().position(|w| w == id) else {
        return Some(result);
    };
    bulk.waiting.remove(at);
    match result {
        Ok(_) => bulk.deleted += 1,
        Err(e @ (ManagerError::StopRefused { .. } | ManagerError::HostUnreachable { .. }))
            if !bulk.force =>
        {
            let target = Target {
                id: id.clone(),
                label: label.to_string(),
            };
            bulk.forceable.push((target, e.to_string()));
        }
        Err(e) => bulk.failed.push((label.to_string(), e.to_string())),
    }
    if bulk.waiting.is_empty()
        && let Some(done) = ui.bulk.take()
    {
        report(ui, done);
    }
    None
}

/// Says how the bulk delete went, naming every session it did not delete,
/// and offers force for those a plain delete could not stop.
fn report(ui: &mut Ui, done: BulkDelete) {
    let not_deleted: Vec<String> = done
        .failed
        .iter()
        .map(|(label, why)| format!("'{label}' ({why})"))
        .collect();
    if not_deleted.is_empty() {
        ui.notify(strings::deleted_many(done.deleted, done.total));
    } else {
        ui.error(format!(
            "{}; not deleted: {}",
            strings::deleted_many(done.deleted, done.total),
            not_deleted.join("; ")
        ));
    }
    if !done.forceable.is_empty() {
        let why = done
            .forceable
            .iter()
            .map(|(t, why)| {
                if done.forceable.len() == 1 {
                    why.clone()
                } else {
                    format!("'{}': {why}", t.label)
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        ui.popup = Some(Popup::ConfirmForce {
            targets: done.forceable.into_iter().map(|(t, _)| t).collect(),
            why,
        });
    }
}
