//! The terminal's events, read by the UI's runtime when the terminal has
//! input or changed size.
//!
//! crossterm's `EventStream` waits on a thread of its own that holds the
//! event reader's lock while it waits; every poll of the stream (the event
//! loop polls it on each wakeup, output included) then spins on that lock
//! before giving up, and each key crosses one more thread before it is
//! handled. Here the runtime watches the terminal itself and crossterm only
//! parses what is already there.

use std::collections::VecDeque;
use std::io::{self, IsTerminal};
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use crossterm::event::Event;
use futures::Stream;
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{Signal, SignalKind, signal};

struct Reader {
    /// A descriptor of our own for the terminal crossterm reads from.
    tty: AsyncFd<OwnedFd>,
    resized: Signal,
    ready: VecDeque<Event>,
}

/// The terminal crossterm reads: standard input when it is a terminal, else /dev/tty.
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
    let mut reader = Reader {
        tty: watch(tty()?)?,
        resized: signal(SignalKind::window_change())?,
        ready: typed.into(),
    };
    // crossterm sets up its reader (and its SIGWINCH handler) on first use,
    // and keeps what was typed before: take it now, as no edge will say so.
    take_ready(&mut reader.ready)?;
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

    /// Waits for input or a resize and queues the events; `None` once the
    /// terminal is gone.
    async fn wait(&mut self) -> Option<io::Result<()>> {
        let Reader {
            tty,
            resized,
            ready,
        } = self;
        tokio::select! {
            guard = tty.readable() => Some(match guard {
                // crossterm reads a closed terminal forever, inside the UI's
                // loop: the SIGHUP that ends the UI would never get through.
                Ok(g) if g.ready().is_read_closed() => return None,
                Ok(mut g) => {
                    // crossterm reads until the terminal has nothing more;
                    // the next byte is a new readiness edge for both.
                    let taken = take_ready(ready);
                    g.clear_ready();
                    taken
                }
                Err(e) => Err(e),
            }),
            _ = resized.recv() => Some(take_ready(ready).and_then(|_| {
                // crossterm saw the signal too, unless its reader was busy:
                // ask the size, so a resize is never lost.
                if !ready.iter().any(|e| matches!(e, Event::Resize(..))) {
                    let (cols, rows) = crossterm::terminal::size()?;
                    ready.push_back(Event::Resize(cols, rows));
                }
                Ok(())
            })),
        }
    }
}

/// Every event crossterm can parse without waiting.
fn take_ready(ready: &mut VecDeque<Event>) -> io::Result<()> {
    while crossterm::event::poll(Duration::ZERO)? {
        ready.push_back(crossterm::event::read()?);
    }
    Ok(())
}
