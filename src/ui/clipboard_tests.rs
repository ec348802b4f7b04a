//! A program's clipboard query (`OSC 52 ; c ; ?`) is answered only when the
//! user allowed it, and then with what the session itself last copied.

use super::state::*;
use super::tests::{attach, output, sent, sessions, ui, update};
use crate::protocol::ClientMsg;

/// Copies "secret" (base64 c2VjcmV0), then asks for the clipboard back.
fn copy_then_ask(ui: &mut Ui) -> Vec<ClientMsg> {
    attach(ui, sessions()[0].clone(), b"$ ");
    update(ui, output(b"\x1b]52;c;c2VjcmV0\x07"));
    sent(&update(ui, output(b"\x1b]52;c;?\x07")))
}

#[test]
fn clipboard_queries_are_refused_by_default() {
    let mut ui = ui();
    assert!(!ui.clipboard_read, "reads must be off unless configured");
    let replies = copy_then_ask(&mut ui);
    assert!(
        replies.is_empty(),
        "answered a clipboard query: {replies:?}"
    );
}

#[test]
fn an_allowed_clipboard_query_gets_what_the_session_copied() {
    let mut ui = ui();
    ui.clipboard_read = true;
    let replies = copy_then_ask(&mut ui);
    assert_eq!(
        replies,
        vec![ClientMsg::Input(b"\x1b]52;c;c2VjcmV0\x1b\\".to_vec())]
    );
    // Nothing copied yet: an empty answer, not a hang.
    let mut fresh = super::tests::ui();
    fresh.clipboard_read = true;
    attach(&mut fresh, sessions()[0].clone(), b"$ ");
    let replies = sent(&update(&mut fresh, output(b"\x1b]52;c;?\x1b\\")));
    assert_eq!(
        replies,
        vec![ClientMsg::Input(b"\x1b]52;c;\x1b\\".to_vec())]
    );
}
