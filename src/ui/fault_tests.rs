//! The UI when things go wrong, through `update` and `render`: a switch
//! that fails or meets an ended session keeps the view; a refused delete
//! offers force; a database that cannot be read is never an empty list.

use crossterm::event::KeyCode;

use super::state::*;
use super::tests::{attach, ctrl, draw, key, sessions, ui, update};
use super::update::{Effect, UiEvent};
use crate::manager::ManagerError;

fn screen_text(ui: &Ui) -> String {
    let t = draw(ui);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_switch_that_fails_keeps_the_view_and_says_why() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ ");
    update(&mut ui, ctrl('b'));
    let fx = update(&mut ui, key(KeyCode::Char('n')));
    assert!(matches!(&fx[..], [Effect::Attach { restart: false, .. }]));
    // typed while the switch is under way: meant for the other session
    update(&mut ui, key(KeyCode::Char('x')));
    update(
        &mut ui,
        UiEvent::Attached {
            result: Box::new(Err(ManagerError::Other("the job did not answer".into()))),
            reattach: false,
        },
    );
    let v = ui.view.as_ref().expect("the view stays");
    assert_eq!(v.session.id, sessions()[0].id);
    let notice = ui.notice.as_ref().unwrap();
    assert!(notice.error, "{}", notice.text);
    assert!(
        notice.text.contains("did not answer")
            && notice.text.contains("a key typed meanwhile was not sent")
    );
}

#[test]
fn next_into_an_ended_session_says_so_and_the_next_press_moves_on() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ ");
    update(&mut ui, ctrl('b'));
    let fx = update(&mut ui, key(KeyCode::Char('n')));
    let Some(Effect::Attach { id: first, .. }) = fx.into_iter().next() else {
        panic!("no attach");
    };
    update(
        &mut ui,
        UiEvent::Attached {
            result: Box::new(Err(ManagerError::Ended {
                label: "5e6f7a8b".into(),
                exit: "exit 3".into(),
            })),
            reattach: false,
        },
    );
    assert!(ui.notice.as_ref().unwrap().text.contains("ended (exit 3)"));
    assert_eq!(ui.view.as_ref().unwrap().session.id, sessions()[0].id);
    // the next press goes past the ended one, not to it again
    update(&mut ui, ctrl('b'));
    let fx = update(&mut ui, key(KeyCode::Char('n')));
    assert!(
        !matches!(fx.first(), Some(Effect::Attach { id, .. }) if *id == first),
        "tried the ended session again"
    );
}

#[test]
fn a_delete_the_job_refused_offers_force() {
    let mut ui = ui();
    let target = sessions()[1].id.clone();
    update(
        &mut ui,
        UiEvent::Deleted {
            id: target.clone(),
            label: "5e6f7a8b".into(),
            host: Some("local".into()),
            force: false,
            result: Err(ManagerError::StopRefused {
                label: "5e6f7a8b".into(),
                detail: "the job did not stop: it is frozen".into(),
            }),
        },
    );
    assert!(screen_text(&ui).contains("by force"));
    let fx = update(&mut ui, key(KeyCode::Char('y')));
    assert!(matches!(&fx[..], [Effect::Delete { id, force: true, .. }] if *id == target));
}

#[test]
fn an_unreadable_database_is_never_an_empty_list() {
    let mut ui = Ui::new(super::keymap::Keymap::defaults(), false, 100, (100, 16));
    update(
        &mut ui,
        UiEvent::ListFailed("the database /x/sessions.db is damaged".into()),
    );
    let text = screen_text(&ui);
    assert!(text.contains("damaged"), "{text}");
    assert!(
        !text.contains("press n") && !text.contains("0 sessions"),
        "{text}"
    );
    // an open list keeps its rows under the warning until a read works again
    let mut ui = super::tests::ui();
    update(
        &mut ui,
        UiEvent::ListFailed("the database /x/sessions.db is damaged".into()),
    );
    let text = screen_text(&ui);
    assert!(text.contains("build") && text.contains("damaged"), "{text}");
    assert!(text.contains("list not up to date"), "{text}");
}
