//! A view being attached: its first frame is the job's screen, drawn as
//! soon as it comes; the history that follows it lands in order.

use super::state::Pending;
use super::tests::{attached, sessions, ui, update};
use super::update::{self, Effect, Redraw, UiEvent};
use crate::protocol::{HistoryLine, ServerMsg};

fn lines(from: usize, to: usize) -> Vec<HistoryLine> {
    (from..to)
        .map(|i| HistoryLine {
            text: format!("old {i}"),
            wrapped: false,
        })
        .collect()
}

#[test]
fn the_screen_is_drawn_before_the_history_and_the_history_lands_before_newer_rows() {
    let mut ui = ui();
    update(&mut ui, attached(sessions()[0].clone()));
    let generation = ui.view.as_ref().unwrap().generation;
    let msg = |msg| UiEvent::Session { generation, msg };
    // The cursor ends on the bottom row, so a smaller view pushes the top.
    let mut state = b"now".to_vec();
    state.extend_from_slice(&b"\r\n".repeat(14));
    state.extend_from_slice(b"last");
    let step = update::update(
        &mut ui,
        msg(ServerMsg::Screen {
            cols: 100,
            rows: 15,
            state,
            title: String::new(),
        }),
    );
    assert_eq!(step.redraw, Redraw::Now, "the screen waits for nothing");
    let v = ui.view.as_ref().unwrap();
    assert!(v.loaded, "keys wait for the history");
    assert!(v.emu.screen_text().starts_with("now"));
    // A row leaves the screen before the history is in (the view shrank):
    // it is newer than all of the history.
    ui.view.as_mut().unwrap().emu.resize(100, 14);
    assert_eq!(ui.view.as_ref().unwrap().emu.history_len(), 1);
    update(&mut ui, msg(ServerMsg::History { lines: lines(0, 3) }));
    update(&mut ui, msg(ServerMsg::History { lines: lines(3, 5) }));
    update(&mut ui, msg(ServerMsg::Output(b"\r\nlater".to_vec())));
    // History after live output is a resync's business, not the attach's.
    let v = ui.view.as_ref().unwrap();
    let text = v.emu.capture(100, false);
    assert!(
        text.starts_with("old 0\nold 1\nold 2\nold 3\nold 4\nnow"),
        "{text}"
    );
}

/// `sessui attach NAME` (and `new --attach`): the list behind the coming
/// view watches nothing, so the job's first answer is the view's screen.
#[test]
fn a_list_waiting_for_a_view_starts_no_preview() {
    let mut ui = ui();
    ui.pending = Some(Pending::Attaching {
        label: "build".into(),
    });
    let fx = update(&mut ui, UiEvent::Resize(150, 20));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Preview(Some(_)))),
        "a preview was started while attaching"
    );
    assert!(ui.preview.current.is_none());
    // The attach failed: the list is back, and with it the preview.
    ui.pending = None;
    let fx = update(&mut ui, UiEvent::Resize(150, 21));
    assert!(fx.iter().any(|e| matches!(e, Effect::Preview(Some(_)))));
}
