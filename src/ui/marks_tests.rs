//! Marking sessions on the list and deleting them together, through the
//! real `update` and `render`.

use crossterm::event::KeyCode;

use super::state::{Popup, Ui};
use super::tests::{draw, key, row, sessions, ui, update};
use super::update::{Effect, UiEvent};
use crate::ids::SessionId;
use crate::manager::{Deleted, ManagerError};
use crate::store::Status;

fn screen(ui: &Ui) -> String {
    let t = draw(ui);
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Marks the selected row, then the next `more` rows below it.
fn mark_down(ui: &mut Ui, more: usize) {
    update(ui, key(KeyCode::Char(' ')));
    for _ in 0..more {
        update(ui, key(KeyCode::Down));
        update(ui, key(KeyCode::Char(' ')));
    }
}

/// The deletes `d` then `y` asked for, as (id, label, force).
fn deletes(fx: &[Effect]) -> Vec<(SessionId, String, bool)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Delete { id, label, force } => Some((id.clone(), label.clone(), *force)),
            _ => None,
        })
        .collect()
}

fn deleted(id: &SessionId, label: &str, result: Result<Deleted, ManagerError>) -> UiEvent {
    UiEvent::Deleted {
        id: id.clone(),
        label: label.into(),
        host: Some("local".into()),
        force: false,
        result,
    }
}

#[test]
fn space_marks_rows_shown_in_the_row_and_counted_in_the_title() {
    let mut ui = ui();
    mark_down(&mut ui, 1);
    let s = screen(&ui);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].contains("2 marked"), "{s}");
    assert!(
        lines[2].starts_with('✓') && lines[3].starts_with('✓'),
        "{s}"
    );
    assert!(!lines[4].starts_with('✓'), "{s}");
    // space again unmarks
    update(&mut ui, key(KeyCode::Char(' ')));
    assert!(screen(&ui).lines().next().unwrap().contains("1 marked"));
}

#[test]
fn delete_with_marks_asks_once_and_deletes_every_marked_session() {
    let mut ui = ui();
    mark_down(&mut ui, 2);
    update(&mut ui, key(KeyCode::Char('d')));
    let s = screen(&ui);
    assert!(s.contains("Delete 3 sessions ('build'"), "{s}");
    let fx = update(&mut ui, key(KeyCode::Char('y')));
    let asked = deletes(&fx);
    let want: Vec<SessionId> = sessions()[..3].iter().map(|s| s.id.clone()).collect();
    assert_eq!(
        asked.iter().map(|d| d.0.clone()).collect::<Vec<_>>(),
        want,
        "one delete per marked session"
    );
    assert!(asked.iter().all(|d| !d.2), "not forced");
    assert!(ui.popup.is_none());
}

#[test]
fn a_bulk_delete_names_what_failed_and_offers_force_for_what_would_not_stop() {
    let mut ui = ui();
    mark_down(&mut ui, 2);
    update(&mut ui, key(KeyCode::Char('d')));
    let fx = update(&mut ui, key(KeyCode::Char('y')));
    let asked = deletes(&fx);
    update(
        &mut ui,
        deleted(&asked[0].0, &asked[0].1, Ok(Deleted::Done)),
    );
    let refused = ManagerError::StopRefused {
        label: asked[1].1.clone(),
        detail: "the job did not stop".into(),
    };
    update(&mut ui, deleted(&asked[1].0, &asked[1].1, Err(refused)));
    // nothing is said until every answer is in
    assert!(ui.popup.is_none() && ui.notice.is_none());
    let other = ManagerError::NotFound(asked[2].1.clone());
    update(&mut ui, deleted(&asked[2].0, &asked[2].1, Err(other)));
    let notice = ui.notice.as_ref().expect("a notice");
    assert!(notice.error, "{}", notice.text);
    assert!(
        notice.text.contains(&format!("'{}'", asked[2].1)) && notice.text.contains("1 of 3"),
        "{}",
        notice.text
    );
    let Some(Popup::ConfirmForce { targets, why }) = &ui.popup else {
        panic!("force is offered for the session that would not stop");
    };
    assert_eq!(targets.len(), 1);
    assert!(why.contains("did not stop"), "{why}");
    let fx = update(&mut ui, key(KeyCode::Char('y')));
    assert_eq!(
        deletes(&fx),
        vec![(asked[1].0.clone(), asked[1].1.clone(), true)]
    );
}

#[test]
fn esc_clears_marks_and_marks_follow_sessions_across_a_refresh() {
    let mut ui = ui();
    mark_down(&mut ui, 2);
    update(&mut ui, key(KeyCode::Esc));
    assert!(ui.marked.is_empty());
    mark_down(&mut ui, 1);
    let marked = ui.marked.clone();
    assert_eq!(marked.len(), 2);
    // a refresh in another order keeps the marks by id; a session that
    // vanished loses its mark
    let mut fresh = sessions();
    fresh.reverse();
    fresh.retain(|s| s.id != marked[0]);
    fresh.push(row("77776666", Some("new"), "local", Status::Running, 1));
    update(
        &mut ui,
        UiEvent::Listed {
            sessions: fresh,
            reap_at: vec![],
            hosts: vec![],
        },
    );
    assert_eq!(ui.marked, vec![marked[1].clone()]);
    assert!(screen(&ui).lines().next().unwrap().contains("1 marked"));
}
