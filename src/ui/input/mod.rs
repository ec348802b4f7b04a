//! The terminal's events, read by the UI's runtime when the terminal has
//! input or changed size.
//!
//! sessui reads the terminal's bytes itself and decodes them (`decode`):
//! crossterm's reader drops encodings it does not know (xterm's
//! modifyOtherKeys, which turns the prefix key into `CSI 27;5;98~`), and as
//! it owns the read, nothing in front of it could fix that. crossterm still
//! draws and sets raw mode.

mod csi;
pub(crate) mod decode;

#[cfg(test)]
mod decode_tests;

use std::collections::VecDeque;
use std::io::{self, IsTerminal};
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use crossterm::event::Event;
use futures::Stream;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::time::Instant;

pub use decode::Decoder;

/// How long a lone ESC waits for the rest of a sequence before it is the
/// Esc key. Terminals send a sequence in one write, so its bytes arrive
/// together even over SSH nearly always; a few tens of milliseconds cover a
/// split one without making Esc feel slow (tmux waits 10 ms by default,
/// vim 25 ms under `ttimeoutlen`).
pub const ESC_WAIT: Duration = Duration::from_millis(25);

/// How long an open bracketed paste waits for more bytes before it is taken
/// as ended: a terminal sends a paste in one go, so a paste whose end
/// marker is lost must not swallow every key typed after it.
pub const PASTE_WAIT: Duration = Duration::from_secs(1);

/// One read's worth: a large paste arrives in a few reads, not thousands.
const READ_SIZE: usize = 64 * 1024;

struct Reader {
    /// A descriptor of our own for the terminal.
    tty: AsyncFd<OwnedFd>,
    resized: Signal,
    ready: VecDeque<Event>,
    decoder: Decoder,
    /// When bytes that only a timeout can settle (a lone ESC, an open
    /// paste) came.
    held_since: Option<Instant>,
    buf: Vec<u8>,
}

/// The terminal: standard input when it is a terminal, else /dev/tty.
pub fn tty() -> io::Result<OwnedFd> {
    Ok(if io::stdin().is_terminal() {
        io::stdin().as_fd().try_clone_to_owned()?
    } else {
        std::fs::OpenOptions::new()
            .read(true)
            .open("/dev/tty")?
            .into()
    })
}

/// The terminal's events as a stream, after `typed` (keys read before it
/// started); it ends when the terminal is gone.
pub fn events(typed: Vec<Event>) -> io::Result<impl Stream<Item = io::Result<Event>> + Unpin> {
    let reader = Reader {
        tty: watch(tty()?)?,
        resized: signal(SignalKind::window_change())?,
        ready: typed.into(),
        decoder: Decoder::default(),
        held_since: None,
        buf: vec![0; READ_SIZE],
    };
    Ok(Box::pin(futures::stream::unfold(
        reader,
        |mut r| async move {
            let next = r.next().await?;
            Some((next, r))
        },
    )))
}

/// Registers the terminal with the runtime's reactor, for reading.
#[allow(unsafe_code)]
fn watch(tty: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: the `OwnedFd` owns its descriptor; it is closed only when the
    // `AsyncFd` that owns it drops.
    Ok(unsafe { AsyncFd::register_with_interest(tty, tokio::io::Interest::READABLE) }?)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Reader {
    /// The next event; `None` once the terminal is gone (its window closed).
    async fn next(&mut self) -> Option<io::Result<Event>> {
        loop {
            if let Some(ev) = self.ready.pop_front() {
                return Some(Ok(ev));
            }
            if let Err(e) = self.wait().await? {
                return Some(Err(e));
            }
        }
    }

    /// Waits for input, a resize or the ESC timeout, and queues the events;
    /// `None` once the terminal is gone.
    async fn wait(&mut self) -> Option<io::Result<()>> {
        let wait = if self.decoder.in_paste() {
            PASTE_WAIT
        } else {
            ESC_WAIT
        };
        let flush_at = self.held_since.map(|t| t + wait);
        let Reader {
            tty,
            resized,
            ready,
            decoder,
            held_since,
            buf,
        } = self;
        tokio::select! {
            guard = tty.readable() => Some(match guard {
                // The terminal closed: the SIGHUP that ends the UI must get through.
                Ok(g) if g.ready().is_read_closed() => return None,
                Ok(mut g) => {
                    let read = read_all(g.get_inner(), buf, decoder, ready);
                    g.clear_ready();
                    match read {
                        Ok(true) => {
                            *held_since =
                                (decoder.pending() || decoder.in_paste()).then(Instant::now);
                            Ok(())
                        }
                        Ok(false) => return None,
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            }),
            _ = resized.recv() => Some(crate::ui::terminal::size().map(|(cols, rows)| {
                ready.push_back(Event::Resize(cols, rows));
            })),
            _ = sleep_until(flush_at) => {
                if decoder.in_paste() {
                    ready.extend(decoder.end_paste());
                } else {
                    ready.extend(decoder.flush());
                }
                *held_since = None;
                Some(Ok(()))
            }
        }
    }
}

/// Reads everything the terminal has now, decoding it into `ready`; false
/// at end of input. The descriptor stays blocking (its open file is
/// shared with the output side), so each read follows a poll that says it
/// will not block.
fn read_all(
    tty: &OwnedFd,
    buf: &mut [u8],
    decoder: &mut Decoder,
    ready: &mut VecDeque<Event>,
) -> io::Result<bool> {
    loop {
        let mut fds = [PollFd::new(tty.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::ZERO) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
        match nix::unistd::read(tty.as_fd(), buf) {
            Ok(0) => return Ok(false),
            Ok(n) => ready.extend(decoder.feed(&buf[..n])),
            Err(Errno::EINTR | Errno::EAGAIN) => {}
            // A hung-up terminal reads as EIO: it is gone.
            Err(Errno::EIO) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
    }
}
