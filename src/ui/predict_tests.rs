//! The attached view with prediction on, through `update` and `render`: a
//! guessed key is drawn at once and underlined, and the echo replaces it.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use ratatui::style::Modifier;

use super::predict::{Predictor, Settings};
use super::tests::{attach, draw, key, output, ui};
use super::update::{Redraw, update};
use crate::config::PredictMode;

/// The symbol and whether it is underlined, at a cell of the session's area.
fn cell(ui: &super::state::Ui, x: u16, y: u16) -> (String, bool) {
    let t = draw(ui);
    let c = &t.backend().buffer()[(x, y)];
    (
        c.symbol().to_string(),
        c.modifier.contains(Modifier::UNDERLINED),
    )
}

#[test]
fn a_guessed_key_is_drawn_at_once_underlined_and_its_echo_replaces_it() {
    let mut ui = ui();
    let session = ui.sessions[0].clone();
    attach(&mut ui, session, b"R> ");
    let Some(v) = ui.view.as_mut() else {
        panic!("no view")
    };
    v.predict = Predictor::new(Settings {
        mode: PredictMode::Adaptive,
        threshold: Duration::from_millis(30),
    });
    let now = Instant::now();
    let id = v.predict.rtt.ping_due(now).unwrap();
    v.predict.pong(id, now + Duration::from_millis(150));

    // The line's first key waits for its echo, as without prediction.
    let first = update(&mut ui, key(KeyCode::Char('l')));
    assert_eq!(first.redraw, Redraw::AfterEcho);
    assert_eq!(cell(&ui, 3, 0), (" ".to_string(), false));
    update(&mut ui, output(b"l"));

    let second = update(&mut ui, key(KeyCode::Char('s')));
    assert_eq!(
        second.redraw,
        Redraw::Now,
        "a guess is not held for the echo"
    );
    assert_eq!(cell(&ui, 4, 0), ("s".to_string(), true));
    let status = draw(&ui).backend().buffer().content()[100 * 15..]
        .iter()
        .map(|c| c.symbol())
        .collect::<String>();
    assert!(status.contains(" 150 ms "), "{status}");

    update(&mut ui, output(b"s"));
    assert_eq!(cell(&ui, 4, 0), ("s".to_string(), false));
    let Some(v) = ui.view.as_ref() else {
        panic!("no view")
    };
    assert_eq!(
        v.emu.row_text(0).trim_end(),
        "R> ls",
        "the model is the session's screen"
    );
}
