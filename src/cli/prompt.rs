//! Asking a person on the terminal (`/dev/tty`, so it works with stdio
//! redirected): host keys and secrets, typed without echo. With no terminal,
//! every question is refused at once, so scripts fail fast instead of hanging.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};

use async_trait::async_trait;
use nix::sys::termios::{self, LocalFlags, SetArg};

use crate::host::Prompter;

pub struct CliPrompter {
    /// `--accept-new-host-key`: trust and record unknown keys without asking.
    /// A changed key is still refused.
    pub accept_new_host_key: bool,
}

#[async_trait]
impl Prompter for CliPrompter {
    async fn confirm_host_key(&self, host: &str, key_type: &str, fingerprint: &str) -> bool {
        if self.accept_new_host_key {
            eprintln!(
                "sessui: trusting the new {key_type} host key of '{host}' ({fingerprint}) \
                 and adding it to known_hosts (--accept-new-host-key)"
            );
            return true;
        }
        let question = format!(
            "The authenticity of host '{host}' can't be established.\n\
             {key_type} key fingerprint is {fingerprint}.\n\
             Are you sure you want to continue connecting (yes/no)? "
        );
        tokio::task::spawn_blocking(move || {
            let Some(mut tty) = Tty::open() else {
                eprintln!("sessui: no terminal to ask whether to trust a new host key");
                return None;
            };
            tty.write(&question)?;
            loop {
                let answer = tty.read_line(true)?;
                match answer.trim().to_ascii_lowercase().as_str() {
                    "yes" => return Some(true),
                    "no" | "" => return Some(false),
                    _ => tty.write("Please type 'yes' or 'no': ")?,
                }
            }
        })
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
    }

    async fn ask(&self, host: &str, prompt: &str, echo: bool) -> Option<String> {
        // Prompts arrive labelled (whose question) and with a server's
        // words already escaped; keep them that way on the way out.
        let prompt = crate::text::terminal_safe_lines(prompt);
        let text = if prompt.contains(host) {
            prompt.into_owned()
        } else {
            format!("({host}) {prompt}")
        };
        tokio::task::spawn_blocking(move || {
            let Some(mut tty) = Tty::open() else {
                eprintln!("sessui: no terminal to answer \"{}\"", text.trim_end());
                return None;
            };
            tty.write(&text)?;
            tty.read_line(echo)
        })
        .await
        .ok()
        .flatten()
    }

    async fn warn(&self, host: &str, message: &str) {
        tracing::warn!(host, "{message}");
        CliPrompter::say(host, message);
    }
}

impl CliPrompter {
    /// Warnings go to stderr, where a script's log keeps them too.
    fn say(host: &str, message: &str) {
        eprintln!(
            "sessui: warning: {}: {}",
            crate::text::terminal_safe(host),
            crate::text::terminal_safe_lines(message)
        );
    }
}

/// The controlling terminal, if there is one.
struct Tty {
    file: File,
}

impl Tty {
    fn open() -> Option<Tty> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        Some(Tty { file })
    }

    fn write(&mut self, text: &str) -> Option<()> {
        self.file.write_all(text.as_bytes()).ok()?;
        self.file.flush().ok()
    }

    /// One line, without its newline; with `echo` off the typing stays hidden
    /// (and echo comes back even if reading fails).
    fn read_line(&mut self, echo: bool) -> Option<String> {
        let restore = if echo {
            None
        } else {
            let saved = termios::tcgetattr(&self.file).ok()?;
            let mut quiet = saved.clone();
            quiet.local_flags.remove(LocalFlags::ECHO);
            termios::tcsetattr(&self.file, SetArg::TCSANOW, &quiet).ok()?;
            Some(saved)
        };
        let mut line = String::new();
        let read = BufReader::new(&self.file).read_line(&mut line);
        if let Some(saved) = restore {
            let _ = termios::tcsetattr(&self.file, SetArg::TCSANOW, &saved);
            let _ = self.file.write_all(b"\n");
        }
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
        }
    }
}
