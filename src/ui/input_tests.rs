//! One input path: keys, paste and the mouse reach the session the same
//! way (a live link, activity recorded); and the create prompt points at
//! the field a failure is about.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};

use super::state::*;
use super::tests::{attach, key, sent, sessions, ui, update};
use super::update::{Effect, Redraw, UiEvent};
use crate::host::HostError;
use crate::manager::ManagerError;

fn wheel_up() -> UiEvent {
    UiEvent::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 3,
        row: 2,
        modifiers: KeyModifiers::NONE,
    })
}

/// A paste is typing: it records activity (the list sorts by it) like a key.
#[test]
fn a_paste_into_the_session_records_activity() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ ");
    let v = ui.view.as_mut().unwrap();
    v.last_touch = Instant::now() - Duration::from_secs(60);
    let fx = update(&mut ui, UiEvent::Paste("echo hi".into()));
    assert!(!sent(&fx).is_empty(), "the paste was not sent");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Touch(_))),
        "a paste recorded no activity"
    );
}

/// Mouse reports go the way keys go: not into a link that is down.
#[test]
fn mouse_reports_are_not_sent_while_the_link_is_down() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"\x1b[?1000h\x1b[?1006h");
    ui.view.as_mut().unwrap().link = Link::Reconnecting {
        attempt: 1,
        reason: "connection to the session closed".into(),
    };
    let fx = update(&mut ui, wheel_up());
    assert!(sent(&fx).is_empty(), "a mouse report went into a dead link");
    let notice = ui.notice.as_ref().expect("nothing said");
    assert!(
        notice.error && notice.text.contains("reconnecting"),
        "{}",
        notice.text
    );
}

/// Opens the create prompt, fills both fields, leaves the cursor in
/// `field` and submits.
fn submit_create_prompt_from(ui: &mut Ui, field: Field) {
    update(ui, key(KeyCode::Char('n')));
    for c in "api".chars() {
        update(ui, key(KeyCode::Char(c)));
    }
    update(ui, key(KeyCode::Tab));
    for c in "db9".chars() {
        update(ui, key(KeyCode::Char(c)));
    }
    if field == Field::Name {
        update(ui, key(KeyCode::Tab));
    }
    assert_eq!(focus(ui), field);
    update(ui, key(KeyCode::Enter));
}

fn focus(ui: &Ui) -> Field {
    match &ui.popup {
        Some(Popup::Create(p)) => p.focus,
        _ => panic!("the create prompt closed"),
    }
}

#[test]
fn a_taken_name_puts_the_cursor_on_the_name() {
    let mut ui = ui();
    submit_create_prompt_from(&mut ui, Field::Host);
    update(
        &mut ui,
        UiEvent::Created(Box::new(Err(ManagerError::NameTaken("api".into())))),
    );
    assert_eq!(focus(&ui), Field::Name);
}

#[test]
fn an_unreachable_host_puts_the_cursor_on_the_host() {
    let mut ui = ui();
    submit_create_prompt_from(&mut ui, Field::Name);
    update(
        &mut ui,
        UiEvent::Created(Box::new(Err(ManagerError::Host {
            context: "starting a shell for session 'api' on db9".into(),
            source: HostError::Unreachable("db9: no route to host".into()),
        }))),
    );
    assert_eq!(focus(&ui), Field::Host);
    // Any other failure leaves the cursor where it was.
    update(&mut ui, key(KeyCode::Enter));
    update(
        &mut ui,
        UiEvent::Created(Box::new(Err(ManagerError::Other(
            "the disk is full".into(),
        )))),
    );
    assert_eq!(focus(&ui), Field::Host);
}

/// What only went to the session waits for its echo to be drawn; what
/// changed the screen itself is drawn at once.
#[test]
fn update_says_when_to_draw() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ ");
    let step = super::update::update(&mut ui, key(KeyCode::Char('l')));
    assert_eq!(step.redraw, Redraw::AfterEcho);
    let step = super::update::update(&mut ui, UiEvent::Paste("x".into()));
    assert_eq!(step.redraw, Redraw::AfterEcho);
    let output = UiEvent::Session {
        generation: 7,
        msg: crate::protocol::ServerMsg::Output(b"l".to_vec()),
    };
    assert_eq!(
        super::update::update(&mut ui, output).redraw,
        Redraw::Output
    );
    // The prefix key changes the status bar, not the session.
    let step = super::update::update(&mut ui, super::tests::ctrl('b'));
    assert_eq!(step.redraw, Redraw::Now);
}

/// Generations come from the UI itself: a new view never shares one with
/// the view before it.
#[test]
fn each_attach_gets_a_new_generation() {
    let mut ui = ui();
    let a = ui.new_generation();
    let b = ui.new_generation();
    assert_ne!(a, b);
}
