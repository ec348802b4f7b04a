//! A host-key question takes a typed `yes`, as OpenSSH asks it: keys meant
//! for the list (`n` for new, `y`) never answer it.

use crossterm::event::KeyCode;
use tokio::sync::oneshot;

use super::state::{Popup, Question, QuestionKind, text_input};
use super::strings;
use super::tests::{key, ui, update};
use super::update::{Effect, UiEvent};

fn host_key_question() -> (UiEvent, oneshot::Receiver<Option<String>>) {
    let (tx, rx) = oneshot::channel();
    let q = Question {
        host: "db1".into(),
        text: "The authenticity of host 'db1' can't be established.".into(),
        kind: QuestionKind::YesNo,
        input: text_input(strings::TYPE_YES_OR_NO, "", false),
        answer: Some(tx),
    };
    (UiEvent::Question(Box::new(q)), rx)
}

fn typed(ui: &mut super::state::Ui, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(ui, key(KeyCode::Char(c))))
        .collect()
}

fn answer(fx: &[Effect]) -> Option<Option<String>> {
    fx.iter().find_map(|e| match e {
        Effect::Answer { answer, .. } => Some(answer.clone()),
        _ => None,
    })
}

#[test]
fn a_host_key_question_needs_yes_typed_and_single_keys_do_not_answer_it() {
    let mut ui = ui();
    let (q, _rx) = host_key_question();
    update(&mut ui, q);
    // `n` (new session on the list) and `y` alone answer nothing.
    let fx = typed(&mut ui, "n");
    assert_eq!(answer(&fx), None);
    assert!(matches!(ui.popup, Some(Popup::Question(_))));
    let mut fx = update(&mut ui, key(KeyCode::Backspace));
    fx.extend(typed(&mut ui, "y"));
    fx.extend(update(&mut ui, key(KeyCode::Enter)));
    assert_eq!(answer(&fx), None, "a lone y is not yes");
    assert!(matches!(ui.popup, Some(Popup::Question(_))));
    // The word itself trusts the key.
    let mut fx = typed(&mut ui, "yes");
    fx.extend(update(&mut ui, key(KeyCode::Enter)));
    assert_eq!(answer(&fx), Some(Some("yes".into())));
    assert!(ui.popup.is_none());
}

#[test]
fn no_or_escape_refuses_a_host_key() {
    let mut ui = ui();
    let (q, _rx) = host_key_question();
    update(&mut ui, q);
    let mut fx = typed(&mut ui, "no");
    fx.extend(update(&mut ui, key(KeyCode::Enter)));
    assert_eq!(answer(&fx), Some(None));
    let (q, _rx) = host_key_question();
    update(&mut ui, q);
    let fx = update(&mut ui, key(KeyCode::Esc));
    assert_eq!(answer(&fx), Some(None));
}
