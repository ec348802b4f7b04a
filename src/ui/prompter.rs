//! Questions from hosts while connecting (host keys, passphrases, passwords),
//! asked in a popup. The popup's keys never reach the list or a session.

use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};

use super::state::{Question, QuestionKind, text_input};
use super::update::UiEvent;
use crate::host::Prompter;

/// Answers host questions through the UI once its event loop runs; before
/// that (and after it ends) there is nobody to ask, and questions are refused.
#[derive(Default)]
pub struct UiPrompter {
    events: Mutex<Option<mpsc::Sender<UiEvent>>>,
}

impl UiPrompter {
    pub fn connect(&self, events: mpsc::Sender<UiEvent>) {
        *self.events.lock().unwrap_or_else(|p| p.into_inner()) = Some(events);
    }

    async fn pose(&self, host: &str, text: String, kind: QuestionKind) -> Option<String> {
        let events = self
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        let (tx, rx) = oneshot::channel();
        let question = Question {
            host: host.to_string(),
            text,
            kind,
            input: text_input(
                if kind == QuestionKind::YesNo {
                    super::strings::TYPE_YES_OR_NO
                } else {
                    ""
                },
                "",
                kind == QuestionKind::Secret,
            ),
            answer: Some(tx),
        };
        events
            .send(UiEvent::Question(Box::new(question)))
            .await
            .ok()?;
        rx.await.ok().flatten()
    }
}

#[async_trait]
impl Prompter for UiPrompter {
    async fn confirm_host_key(&self, host: &str, key_type: &str, fingerprint: &str) -> bool {
        let text = format!(
            "The authenticity of host '{host}' can't be established.\n\
             {key_type} key fingerprint is {fingerprint}.\n\
             Trust it and remember it in ~/.ssh/known_hosts? (type yes or no)"
        );
        self.pose(host, text, QuestionKind::YesNo).await.is_some()
    }

    async fn ask(&self, host: &str, prompt: &str, echo: bool) -> Option<String> {
        let kind = if echo {
            QuestionKind::Text
        } else {
            QuestionKind::Secret
        };
        // Labelled by the host layer (a local key's passphrase, or "server
        // X asks:"), and never able to act on the terminal.
        let prompt = crate::text::terminal_safe_lines(prompt).into_owned();
        self.pose(host, prompt, kind).await
    }

    async fn warn(&self, host: &str, message: &str) {
        tracing::warn!(host, "{message}");
        let events = self
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(events) = events {
            let text = format!("{host}: {message}");
            let _ = events
                .send(UiEvent::Warning(
                    crate::text::terminal_safe(&text).into_owned(),
                ))
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The popup shows a server's question with its label and without
    /// anything that could act on the terminal.
    #[tokio::test]
    async fn a_question_reaches_the_popup_labelled_and_escaped() {
        let prompter = std::sync::Arc::new(UiPrompter::default());
        let (tx, mut rx) = mpsc::channel(4);
        prompter.connect(tx);
        let p = prompter.clone();
        let asking = tokio::spawn(async move {
            p.ask("db1", "server a@db1 asks: \x1b[2JPassword: ", false)
                .await
        });
        let Some(UiEvent::Question(mut q)) = rx.recv().await else {
            panic!("no question");
        };
        assert_eq!(q.text, "server a@db1 asks: \\x1b[2JPassword: ");
        assert_eq!(q.kind, QuestionKind::Secret);
        let _ = q.answer.take().unwrap().send(Some("pw".into()));
        assert_eq!(asking.await.unwrap().as_deref(), Some("pw"));
        prompter
            .warn("db1", "VerifyHostKeyDNS\u{202e} is not honoured")
            .await;
        let Some(UiEvent::Warning(text)) = rx.recv().await else {
            panic!("no warning");
        };
        assert_eq!(text, "db1: VerifyHostKeyDNS\\u{202e} is not honoured");
    }
}
