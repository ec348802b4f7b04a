//! Copy mode in the attached view, through `update` and a test backend:
//! keys, mouse drags, the copy's destinations and the paste.

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use ratatui::style::{Color, Modifier};

use super::tests::{attach, ctrl, draw, key, output, sent, sessions, ui, update};
use super::update::{Effect, UiEvent};
use crate::protocol::ClientMsg;

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> UiEvent {
    UiEvent::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

fn typed(ui: &mut super::state::Ui, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(ui, key(KeyCode::Char(c))))
        .collect()
}

#[test]
fn a_drag_selects_copies_and_leaves_unless_the_program_took_the_mouse() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"alpha beta\r\ngamma\r\n$ ");
    update(
        &mut ui,
        mouse(MouseEventKind::Down(MouseButton::Left), 6, 0),
    );
    update(
        &mut ui,
        mouse(MouseEventKind::Drag(MouseButton::Left), 4, 1),
    );
    let v = ui.view.as_ref().unwrap();
    assert!(v.copy.is_some(), "a drag enters copy mode");
    let screen = format!("{:?}", draw(&ui).backend());
    assert!(screen.contains("2 lines, 10 chars"), "{screen}");
    let fx = update(&mut ui, mouse(MouseEventKind::Up(MouseButton::Left), 4, 1));
    assert!(
        ui.view.as_ref().unwrap().copy.is_none(),
        "the release copies and leaves"
    );
    assert_eq!(ui.paste_buffer.as_deref(), Some("beta\ngamma"));
    assert_eq!(ui.to_terminal, b"\x1b]52;c;YmV0YQpnYW1tYQ==\x1b\\");
    assert!(sent(&fx).is_empty(), "nothing went to the program");
    // A click without a drag selects nothing.
    ui.to_terminal.clear();
    update(
        &mut ui,
        mouse(MouseEventKind::Down(MouseButton::Left), 1, 0),
    );
    update(&mut ui, mouse(MouseEventKind::Up(MouseButton::Left), 1, 0));
    assert!(ui.to_terminal.is_empty() && ui.view.as_ref().unwrap().copy.is_none());
    // The program asks for the mouse: the drag is its own.
    update(&mut ui, output(b"\x1b[?1002h\x1b[?1006h"));
    update(
        &mut ui,
        mouse(MouseEventKind::Down(MouseButton::Left), 6, 0),
    );
    let fx = update(
        &mut ui,
        mouse(MouseEventKind::Drag(MouseButton::Left), 4, 1),
    );
    assert_eq!(sent(&fx), [ClientMsg::Input(b"\x1b[<32;5;2M".to_vec())]);
    assert!(ui.view.as_ref().unwrap().copy.is_none());
}

#[test]
fn the_prefix_paste_sends_the_last_copy_bracketed_when_asked() {
    let mut ui = ui();
    ui.keymap.copy_command = Some("wl-copy".into());
    attach(&mut ui, sessions()[0].clone(), b"one two\r\n$ ");
    update(&mut ui, ctrl('b'));
    update(&mut ui, key(KeyCode::Char(']')));
    assert!(
        ui.notice
            .as_ref()
            .unwrap()
            .text
            .contains("nothing copied yet")
    );
    update(&mut ui, ctrl('b'));
    update(&mut ui, key(KeyCode::Char('[')));
    let fx = typed(&mut ui, "kwvey");
    assert!(
        fx.iter().any(|e| matches!(e,
            Effect::CopyCommand { command, text } if command == "wl-copy" && text == "two")),
        "the copy command gets the copy"
    );
    assert_eq!(ui.paste_buffer.as_deref(), Some("two"));
    update(&mut ui, ctrl('b'));
    let fx = update(&mut ui, key(KeyCode::Char(']')));
    assert_eq!(sent(&fx), [ClientMsg::Input(b"two".to_vec())]);
    update(&mut ui, output(b"\x1b[?2004h"));
    update(&mut ui, ctrl('b'));
    let fx = update(&mut ui, key(KeyCode::Char(']')));
    assert_eq!(
        sent(&fx),
        [ClientMsg::Input(b"\x1b[200~two\x1b[201~".to_vec())]
    );
}

#[test]
fn copy_mode_shows_the_cursor_selection_matches_and_its_status() {
    let mut ui = ui();
    attach(
        &mut ui,
        sessions()[0].clone(),
        b"error one\r\nfine\r\nERROR two\r\n$ ",
    );
    update(&mut ui, ctrl('b'));
    update(&mut ui, key(KeyCode::Char('[')));
    typed(&mut ui, "?error");
    let screen = format!("{:?}", draw(&ui).backend());
    assert!(screen.contains("search ↑ error"), "{screen}");
    update(&mut ui, key(KeyCode::Enter));
    typed(&mut ui, "vw");
    let t = draw(&ui);
    insta::assert_snapshot!(t.backend());
    let buf = t.backend().buffer();
    assert_eq!(buf[(0, 0)].bg, Color::Cyan, "every match is marked");
    assert_eq!(buf[(4, 0)].bg, Color::Cyan);
    assert_eq!(buf[(5, 0)].bg, Color::Reset);
    assert_eq!(buf[(0, 1)].bg, Color::Reset);
    assert_eq!(buf[(3, 2)].bg, Color::Yellow, "the selection");
    assert!(
        buf[(6, 2)].modifier.contains(Modifier::REVERSED),
        "the cursor"
    );
    assert_eq!(buf[(7, 2)].bg, Color::Reset);
    // Keys in copy mode never reach the session; q leaves.
    let fx = typed(&mut ui, "q");
    assert!(sent(&fx).is_empty());
    assert!(ui.view.as_ref().unwrap().copy.is_none());
}
