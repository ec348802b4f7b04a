//! The list's live preview drawn into a TestBackend: beside a wide list,
//! below a tall one, none when neither fits, and the last known screen of a
//! session whose host went away, marked stale.

use super::state::Ui;
use super::tests::{NOW, draw, key, preview_of, row, ui, update};
use super::update::{Effect, UiEvent};
use crate::host::HostState;
use crate::ids::SessionId;
use crate::protocol::ServerMsg;
use crate::store::Status;
use crossterm::event::KeyCode;

/// The watch the effects start, if any: (session, generation).
fn watch_of(fx: &[Effect]) -> Option<Option<(SessionId, u64)>> {
    fx.iter().rev().find_map(|e| match e {
        Effect::Preview(t) => Some(t.clone()),
        _ => None,
    })
}

/// A list of `size` whose selected session's job sent `screen`.
fn previewing(size: (u16, u16), screen: &str) -> (Ui, u64) {
    let mut ui = ui();
    let fx = update(&mut ui, UiEvent::Resize(size.0, size.1));
    let (id, generation) = watch_of(&fx).flatten().expect("a watch starts");
    assert_eq!(Some(&id), ui.selected.as_ref());
    update(&mut ui, preview_of(generation, 60, 8, screen.as_bytes()));
    (ui, generation)
}

#[test]
fn a_wide_list_shows_the_preview_beside_it_and_output_updates_it() {
    let (mut ui, generation) = previewing((150, 14), "$ make\r\ncc -o app main.c\r\n$ ");
    update(
        &mut ui,
        UiEvent::Preview {
            generation,
            msgs: vec![ServerMsg::Output(b"ls\r\napp  main.c\r\n$ ".to_vec())],
        },
    );
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn a_tall_list_shows_the_preview_below_it() {
    let (ui, _) = previewing((100, 40), "$ tail -f log\r\nline one\r\nline two");
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn an_80x24_list_with_room_below_shows_the_preview_there() {
    let (ui, _) = previewing((80, 24), "$ tail -f log\r\nline one\r\nline two");
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn p_on_a_terminal_without_room_says_why_and_keeps_the_preview_on() {
    let mut ui = ui();
    update(&mut ui, UiEvent::Resize(80, 12));
    assert!(ui.preview.on);
    update(&mut ui, key(KeyCode::Char('p')));
    assert!(ui.preview.on, "not turned off unseen");
    assert!(
        draw(&ui)
            .backend()
            .to_string()
            .contains("preview on: it shows")
    );
}

#[test]
fn a_small_terminal_has_no_preview_and_p_turns_it_off_and_on() {
    let mut ui = ui();
    // 100x16: no room; nothing is watched.
    let fx = update(&mut ui, key(KeyCode::Down));
    assert_eq!(watch_of(&fx), None);
    assert!(ui.preview.current.is_none());
    let fx = update(&mut ui, UiEvent::Resize(150, 20));
    assert!(matches!(watch_of(&fx), Some(Some(_))));
    let fx = update(&mut ui, key(KeyCode::Char('p')));
    assert_eq!(watch_of(&fx), Some(None), "p stops the watch");
    assert!(!draw(&ui).backend().to_string().contains('┌'));
    let fx = update(&mut ui, key(KeyCode::Char('p')));
    assert!(matches!(watch_of(&fx), Some(Some(_))), "p starts it again");
    // Messages of an older watch are not shown.
    update(
        &mut ui,
        UiEvent::Preview {
            generation: 0,
            msgs: vec![ServerMsg::Output(b"from an old watch".to_vec())],
        },
    );
    assert!(!draw(&ui).backend().to_string().contains("old watch"));
}

#[test]
fn an_unreachable_host_shows_the_last_known_screen_marked_stale() {
    let mut ui = ui();
    let mut remote = row("77778888", Some("api"), "db1", Status::Running, 1);
    remote.last_active_at = NOW;
    let mut sessions = super::tests::sessions();
    sessions.insert(0, remote);
    update(
        &mut ui,
        UiEvent::Listed {
            sessions: sessions.clone(),
            reap_at: Vec::new(),
            hosts: vec![("db1".into(), HostState::Connected)],
        },
    );
    // Select the remote session (first row) in a wide terminal.
    update(&mut ui, key(KeyCode::Home));
    let fx = update(&mut ui, UiEvent::Resize(150, 14));
    let (id, generation) = watch_of(&fx)
        .flatten()
        .expect("a connected host is watched");
    assert_eq!(id, sessions[0].id);
    update(
        &mut ui,
        preview_of(generation, 60, 6, b"api$ uptime\r\n up 40 days\r\napi$ "),
    );
    // The host drops: the watch ends, the host reconnects.
    update(
        &mut ui,
        UiEvent::PreviewEnded {
            generation,
            why: "the connection to the session closed".into(),
        },
    );
    let fx = update(
        &mut ui,
        UiEvent::Hosts(vec![(
            "db1".into(),
            HostState::Reconnecting {
                error: "connection refused".into(),
                retry_at: NOW + 4000,
            },
        )]),
    );
    assert_eq!(watch_of(&fx), None, "an unreachable host is not watched");
    let screen = draw(&ui).backend().to_string();
    assert!(screen.contains("up 40 days"), "{screen}");
    assert!(screen.contains("stale: db1 unreachable"), "{screen}");
    insta::assert_snapshot!(draw(&ui).backend());
    // Down and back up: the last known screen comes back from the cache.
    update(&mut ui, key(KeyCode::Down));
    update(&mut ui, key(KeyCode::Up));
    assert!(draw(&ui).backend().to_string().contains("up 40 days"));
}
