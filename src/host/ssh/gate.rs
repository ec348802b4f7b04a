//! Questions while connecting reach a person only when that person is acting
//! on the host (attach, create, retry): a background connect never pops one.
//!
//! Start-up and the backoff connect hosts on their own; a question posed
//! then would steal keys typed for the list. Such a connect is refused here
//! instead, and the host says what it needs until the user acts on it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::host::Prompter;

/// What the host waits for, shown after "needs you: ".
pub const HOST_KEY: &str = "host key to confirm";
pub const SECRET: &str = "password or passphrase to type";
pub const ANSWER: &str = "a login question to answer";

/// One connection attempt's view of the prompter.
pub struct Gate {
    prompter: Arc<dyn Prompter>,
    /// Set while a person acts on the host; shared with the host.
    open: Arc<AtomicBool>,
    /// A question refused because nobody was acting: what it was.
    needed: Mutex<Option<&'static str>>,
    /// A question was put to the person in this attempt.
    asked: AtomicBool,
}

impl Gate {
    pub fn new(prompter: Arc<dyn Prompter>, open: Arc<AtomicBool>) -> Gate {
        Gate {
            prompter,
            open,
            needed: Mutex::new(None),
            asked: AtomicBool::new(false),
        }
    }

    /// What a refused question was about, if one was.
    pub fn needed(&self) -> Option<&'static str> {
        *self.needed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a person answered a question in this attempt.
    pub fn asked(&self) -> bool {
        self.asked.load(Ordering::SeqCst)
    }

    /// May a question go to the person? Records what was refused if not.
    fn pass(&self, what: &'static str) -> bool {
        if self.open.load(Ordering::SeqCst) {
            self.asked.store(true, Ordering::SeqCst);
            return true;
        }
        let mut needed = self.needed.lock().unwrap_or_else(|p| p.into_inner());
        needed.get_or_insert(what);
        false
    }
}

#[async_trait]
impl Prompter for Gate {
    async fn confirm_host_key(&self, host: &str, key_type: &str, fingerprint: &str) -> bool {
        self.pass(HOST_KEY)
            && self
                .prompter
                .confirm_host_key(host, key_type, fingerprint)
                .await
    }

    async fn ask(&self, host: &str, prompt: &str, echo: bool) -> Option<String> {
        if !self.pass(if echo { ANSWER } else { SECRET }) {
            return None;
        }
        self.prompter.ask(host, prompt, echo).await
    }

    async fn warn(&self, host: &str, message: &str) {
        self.prompter.warn(host, message).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::NoPrompter;

    struct Yes;

    #[async_trait]
    impl Prompter for Yes {
        async fn confirm_host_key(&self, _: &str, _: &str, _: &str) -> bool {
            true
        }
        async fn ask(&self, _: &str, _: &str, _: bool) -> Option<String> {
            Some("pw".into())
        }
    }

    #[tokio::test]
    async fn a_closed_gate_refuses_and_says_what_was_needed() {
        let open = Arc::new(AtomicBool::new(false));
        let gate = Gate::new(Arc::new(Yes), open.clone());
        assert!(
            !gate
                .confirm_host_key("db1", "ssh-ed25519", "SHA256:x")
                .await
        );
        assert_eq!(gate.ask("db1", "Password: ", false).await, None);
        assert_eq!(gate.needed(), Some(HOST_KEY), "the first need is kept");
        assert!(!gate.asked());

        open.store(true, Ordering::SeqCst);
        assert!(
            gate.confirm_host_key("db1", "ssh-ed25519", "SHA256:x")
                .await
        );
        assert_eq!(
            gate.ask("db1", "Password: ", false).await.as_deref(),
            Some("pw")
        );
        assert!(gate.asked());

        let nobody = Gate::new(Arc::new(NoPrompter), Arc::new(AtomicBool::new(true)));
        assert!(!nobody.confirm_host_key("db1", "t", "f").await);
        assert_eq!(nobody.needed(), None, "refused by the person, not the gate");
    }
}
