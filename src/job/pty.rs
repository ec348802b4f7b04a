//! The PTY and the shell in it. The master is non-blocking and read and
//! written from the job's event loop, so a key costs no thread hand-offs.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{BorrowedFd, OwnedFd};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;

use super::JobSpec;

/// Input held for a shell that is not reading, at most: a big paste fits,
/// a program that never reads cannot make the job grow without bound.
const INPUT_MAX: usize = 4 << 20;

/// Variables of the outer terminal or multiplexer that would lie inside a
/// session: the session is not in that terminal.
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

pub struct Pty {
    /// portable-pty's handle, kept for `resize` and the foreground group only:
    /// its reader and writer would share `io`'s non-blocking flag.
    master: Box<dyn MasterPty + Send>,
    /// Our own handle on the master, non-blocking, watched by the event loop.
    io: AsyncFd<File>,
    /// Input the PTY has not taken yet, oldest first; written when it has room.
    input: Vec<u8>,
    /// Where reads land, reused: an echo should not zero 64 KiB.
    scratch: Vec<u8>,
    pub shell_pid: u32,
    pub command: String,
}

/// What one `Pty::read` found.
pub struct Output {
    pub bytes: Vec<u8>,
    /// The PTY gave EOF or EIO: every holder of the terminal is gone.
    pub closed: bool,
}

impl Pty {
    /// Starts the shell; its exit status arrives on `exited`. Must run inside
    /// the runtime (the master is registered with its reactor).
    pub fn spawn(
        spec: &JobSpec,
        exited: mpsc::Sender<portable_pty::ExitStatus>,
    ) -> Result<Pty, String> {
        let system = native_pty_system();
        let pair = system
            .openpty(PtySize {
                rows: spec.start.rows.max(1),
                cols: spec.start.cols.max(1),
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("cannot open a pseudo-terminal: {e}"))?;

        let (mut cmd, command) = match &spec.start.cmd {
            Some(c) => {
                let mut b = CommandBuilder::new("/bin/sh");
                b.arg("-c");
                b.arg(c);
                (b, c.clone())
            }
            None => {
                let shell = spec
                    .start
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
        cmd.env("TERM", &spec.start.term);
        cmd.env("COLORTERM", "truecolor");
        cmd.env("SESSUI_SESSION", spec.start.session.as_str());
        // The shell's agent socket is the session's own link, pointed at
        // the starter's agent now and at each attaching client's later.
        let link = super::agent_link::link_path(&spec.socket);
        if let Some(agent) = std::env::var_os("SSH_AUTH_SOCK").filter(|a| !a.is_empty())
            && let Err(e) = super::agent_link::repoint(&link, std::path::Path::new(&agent))
        {
            tracing::info!("the session's agent link stays unset: {e}");
        }
        cmd.env("SSH_AUTH_SOCK", &link);
        // The shell has the starter's display and connection: the first
        // record `sessui env` hands out, until a view attaches.
        if let Err(e) = super::follow::record(&spec.socket, &super::follow::from_env()) {
            tracing::info!("the session's environment is not recorded: {e}");
        }
        match &spec.start.cwd {
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

        let io = own_nonblocking(&*pair.master)
            .and_then(watch)
            .map_err(|e| format!("cannot watch the PTY: {e}"))?;

        std::thread::Builder::new()
            .name("pty-wait".into())
            .spawn(move || {
                if let Ok(status) = child.wait() {
                    let _ = exited.blocking_send(status);
                }
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;

        Ok(Pty {
            master: pair.master,
            io,
            input: Vec::new(),
            scratch: Vec::new(),
            shell_pid,
            command,
        })
    }

    /// Waits until the PTY has output for `read` (or has closed).
    pub async fn readable(&self) -> io::Result<()> {
        // The guard is dropped without clearing: `read` clears readiness
        // when the PTY runs dry, not before.
        self.io.readable().await.map(drop)
    }

    /// What the PTY holds now, up to `max` bytes, without waiting: reads
    /// until it runs dry, so a flood arrives in few, large chunks.
    pub fn read(&mut self, max: usize) -> Output {
        let bytes = &mut self.scratch;
        bytes.resize(max, 0);
        let mut len = 0;
        let mut closed = false;
        while len < max {
            match self
                .io
                .try_io(Interest::READABLE, |f| (&*f).read(&mut bytes[len..]))
            {
                Ok(0) => closed = true,
                Ok(n) => {
                    len += n;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // EIO on Linux once the shell and its children have all gone.
                Err(_) => closed = true,
            }
            break;
        }
        Output {
            bytes: bytes[..len].to_vec(),
            closed,
        }
    }

    /// Writes bytes for the shell, or queues what it does not take now;
    /// false if the queue is full (shell not reading) and the bytes were dropped.
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        if self.input.len() + bytes.len() > INPUT_MAX {
            return false;
        }
        self.input.extend_from_slice(bytes);
        self.flush_input();
        true
    }

    /// Input is waiting for the PTY to have room.
    pub fn input_pending(&self) -> bool {
        !self.input.is_empty()
    }

    /// Waits until the PTY takes input again.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await.map(drop)
    }

    /// Writes as much queued input as the PTY takes now.
    pub fn flush_input(&mut self) {
        let mut done = 0;
        while done < self.input.len() {
            let rest = &self.input[done..];
            match self.io.try_io(Interest::WRITABLE, |f| (&*f).write(rest)) {
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // The PTY is gone: nobody will read this input.
                Err(_) => {
                    done = self.input.len();
                    break;
                }
            }
        }
        self.input.drain(..done);
        if self.input.is_empty() && self.input.capacity() > 64 << 10 {
            self.input = Vec::new();
        }
    }

    /// Drops the read buffer (64 KiB once a flood came): an idle job
    /// should not keep it, and the next read makes it again.
    pub fn release_read_buffer(&mut self) {
        self.scratch = Vec::new();
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

/// Our own handle on the PTY master, non-blocking. The flag is shared by
/// every handle on the master, so portable-pty's reader and writer must not
/// be used alongside it.
fn own_nonblocking(master: &dyn MasterPty) -> io::Result<File> {
    let owned = dup_master(master)?;
    let flags = OFlag::from_bits_truncate(fcntl(&owned, FcntlArg::F_GETFL)?);
    fcntl(&owned, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(File::from(owned))
}

/// A duplicate of the master's descriptor: portable-pty hands out only the raw fd.
#[allow(unsafe_code)]
fn dup_master(master: &dyn MasterPty) -> io::Result<OwnedFd> {
    let fd = master
        .as_raw_fd()
        .ok_or_else(|| io::Error::other("the PTY has no file descriptor"))?;
    // SAFETY: `fd` belongs to `master`, which is borrowed for this whole
    // call, so it stays open while borrowed; the borrow ends here, once
    // duplicated into a descriptor of our own.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    borrowed.try_clone_to_owned()
}

/// Registers our handle with the runtime's reactor.
#[allow(unsafe_code)]
fn watch(file: File) -> io::Result<AsyncFd<File>> {
    // SAFETY: the `File` owns its descriptor and always reports the same
    // one; it is closed only when the `AsyncFd` that owns the `File` drops.
    Ok(unsafe { AsyncFd::register(file) }?)
}
