//! The PTY and the shell in it. Reads and writes block, so each has its own
//! thread; the job's event loop talks to them over bounded channels.

use std::io::{Read, Write};
use std::sync::mpsc as std_mpsc;

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use tokio::sync::mpsc;

use super::JobSpec;

/// Bytes per PTY read: large enough that a flood arrives in few chunks.
const READ_CHUNK: usize = 64 << 10;

/// Variables of the outer terminal or multiplexer that would lie inside a
/// session (LESSONS 18): the session is not in that terminal.
const SCRUBBED_ENV: &[&str] = &[
    "TMUX",
    "TMUX_PANE",
    "STY",
    "ZELLIJ",
    "ZELLIJ_SESSION_NAME",
    "ZELLIJ_PANE_ID",
    "WINDOWID",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "TERM_SESSION_ID",
    "VTE_VERSION",
    "KONSOLE_VERSION",
    "KITTY_WINDOW_ID",
    "WEZTERM_PANE",
    "ALACRITTY_WINDOW_ID",
    "COLUMNS",
    "LINES",
    "SESSUI_SESSION",
];

pub enum PtyEvent {
    Output(Vec<u8>),
    /// The PTY gave EOF or EIO: every holder of the terminal is gone.
    Closed,
    /// The shell exited.
    Exited(portable_pty::ExitStatus),
}

pub struct Pty {
    master: Box<dyn MasterPty + Send>,
    input: std_mpsc::SyncSender<Vec<u8>>,
    pub shell_pid: u32,
    pub command: String,
}

impl Pty {
    pub fn spawn(spec: &JobSpec, events: mpsc::Sender<PtyEvent>) -> Result<Pty, String> {
        let system = native_pty_system();
        let pair = system
            .openpty(PtySize {
                rows: spec.rows.max(1),
                cols: spec.cols.max(1),
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("cannot open a pseudo-terminal: {e}"))?;

        let (mut cmd, command) = match &spec.cmd {
            Some(c) => {
                let mut b = CommandBuilder::new("/bin/sh");
                b.arg("-c");
                b.arg(c);
                (b, c.clone())
            }
            None => {
                let shell = spec
                    .shell
                    .clone()
                    .filter(|s| !s.is_empty())
                    .or_else(|| std::env::var("SHELL").ok().filter(|s| !s.is_empty()))
                    .unwrap_or_else(|| "/bin/sh".into());
                if !std::path::Path::new(&shell).exists() {
                    return Err(format!("the shell {shell} does not exist"));
                }
                // The default program is a login shell of $SHELL, as tmux starts.
                let mut b = CommandBuilder::new_default_prog();
                b.env("SHELL", &shell);
                (b, shell)
            }
        };
        for var in SCRUBBED_ENV {
            cmd.env_remove(var);
        }
        cmd.env("TERM", &spec.term);
        cmd.env("COLORTERM", "truecolor");
        cmd.env("SESSUI_SESSION", &spec.session);
        match &spec.cwd {
            Some(dir) if dir.is_dir() => cmd.cwd(dir),
            Some(dir) => return Err(format!("the directory {} does not exist", dir.display())),
            None => {
                if let Some(home) = std::env::var_os("HOME") {
                    cmd.cwd(home);
                }
            }
        }

        let mut child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| format!("cannot start {command}: {e}"))?;
        // The slave must go now, or the PTY never reports EOF when the shell ends.
        drop(pair.slave);
        let shell_pid = child.process_id().unwrap_or(0);

        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| format!("cannot read the PTY: {e}"))?;
        let mut writer = pair
            .master
            .take_writer()
            .map_err(|e| format!("cannot write the PTY: {e}"))?;

        let out = events.clone();
        std::thread::Builder::new()
            .name("pty-read".into())
            .spawn(move || {
                let mut buf = vec![0u8; READ_CHUNK];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if out
                                .blocking_send(PtyEvent::Output(buf[..n].to_vec()))
                                .is_err()
                            {
                                return;
                            }
                        }
                    }
                }
                let _ = out.blocking_send(PtyEvent::Closed);
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;

        // Input waits here if the shell does not read it; the event loop never blocks.
        let (input, input_rx) = std_mpsc::sync_channel::<Vec<u8>>(1024);
        std::thread::Builder::new()
            .name("pty-write".into())
            .spawn(move || {
                while let Ok(bytes) = input_rx.recv() {
                    if writer
                        .write_all(&bytes)
                        .and_then(|_| writer.flush())
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;

        std::thread::Builder::new()
            .name("pty-wait".into())
            .spawn(move || {
                if let Ok(status) = child.wait() {
                    let _ = events.blocking_send(PtyEvent::Exited(status));
                }
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;

        Ok(Pty {
            master: pair.master,
            input,
            shell_pid,
            command,
        })
    }

    /// Queues bytes for the shell; false if the queue is full (shell not reading).
    pub fn write(&self, bytes: Vec<u8>) -> bool {
        self.input.try_send(bytes).is_ok()
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        let _ = self.master.resize(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        });
    }

    /// The process group in the foreground of the terminal (e.g. vim), if any.
    pub fn foreground_group(&self) -> Option<i32> {
        self.master.process_group_leader()
    }
}
