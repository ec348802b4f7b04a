//! A job's clients: who may connect, how much each may hold, and the task
//! that moves one client's frames between its socket and the job's loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::BufReader;
use tokio::net::UnixStream;
use tokio::sync::{Notify, mpsc};

use crate::protocol::{ClientMsg, FrameReader, FrameWriter, accept_hello};

/// Frames queued per client before it counts as lagging.
pub(super) const CLIENT_QUEUE: usize = 128;
/// Bytes queued per client at most: past it a view is resynced later, and
/// a client's next request waits until it has read its answers. Several
/// screens of a flood, yet 64 clients pin no more than 256 MiB.
const CLIENT_BYTES: usize = 4 << 20;
/// Requests of one client in the job's hands at once: a second one waits
/// in its own socket, so one client's requests never crowd out the others'.
const MAX_REQUESTS: usize = 2;
/// Clients at once: far more views and commands than anyone runs, few
/// enough that a loop opening connections cannot exhaust the job.
pub(super) const MAX_CLIENTS: usize = 64;
/// A client that is not a view and asks nothing for this long is dropped:
/// commands ask at once, and nothing else may hold a place.
const IDLE_CLIENT: Duration = Duration::from_secs(10);

pub(super) type ClientId = u64;

pub(super) struct Client {
    pub(super) tx: mpsc::Sender<Bytes>,
    /// Bytes in `tx` not yet written to the socket.
    pub(super) queued: Arc<Queued>,
    /// Set once the client attached as a view, with its size.
    pub(super) view: Option<(u16, u16)>,
    /// Set once the client watches (a preview): it gets what a view gets,
    /// and nothing of it counts as a view.
    pub(super) watching: bool,
    /// Sequence number of its last input or focus: the highest is most recently active.
    pub(super) active_seq: u64,
    pub(super) history_wanted: usize,
    /// Output was skipped since it fell behind; it gets a fresh snapshot when it catches up.
    pub(super) lagged: Option<u64>,
    /// History rows pushed before the first output it missed: a resync
    /// sends the rows after this (protocol 2) instead of the whole history.
    pub(super) lag_mark: u64,
    /// The protocol version agreed with it.
    pub(super) version: u16,
}

/// What a client's queue holds, shared by the job (which adds) and the
/// client's writer (which takes away and wakes a waiting reader).
#[derive(Default)]
pub(super) struct Queued {
    pub(super) bytes: AtomicUsize,
    /// Requests handed to the job and not yet answered.
    pub(super) requests: AtomicUsize,
    pub(super) drained: Notify,
}

impl Queued {
    pub(super) fn add(&self, n: usize) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    fn sent(&self, n: usize) {
        self.bytes.fetch_sub(n, Ordering::Relaxed);
        self.drained.notify_waiters();
    }

    pub(super) fn full(&self, more: usize) -> bool {
        let now = self.bytes.load(Ordering::Relaxed);
        now > 0 && now + more > CLIENT_BYTES
    }

    /// The job answered a request.
    pub(super) fn answered(&self) {
        self.requests.fetch_sub(1, Ordering::Relaxed);
        self.drained.notify_waiters();
    }

    /// Waits until the client may hand the job another request: at most
    /// `CLIENT_BYTES` are queued for it and its earlier requests are answered.
    async fn room(&self) {
        loop {
            let drained = self.drained.notified();
            if self.bytes.load(Ordering::Relaxed) <= CLIENT_BYTES
                && self.requests.load(Ordering::Relaxed) < MAX_REQUESTS
            {
                self.requests.fetch_add(1, Ordering::Relaxed);
                return;
            }
            drained.await;
        }
    }
}

pub(super) enum Incoming {
    Connected(ClientId, mpsc::Sender<Bytes>, Arc<Queued>, u16),
    Msg(ClientId, ClientMsg),
    Gone(ClientId),
}

/// Reads one client's frames into the event loop and writes its queue out.
pub(super) async fn client_task(id: ClientId, stream: UnixStream, events: mpsc::Sender<Incoming>) {
    let Ok((read, mut write)) = crate::protocol::socket::split_tokio(stream) else {
        return;
    };
    let mut read = BufReader::new(read);
    let hello = tokio::time::timeout(IDLE_CLIENT, accept_hello(&mut read, &mut write));
    let Ok(Ok(version)) = hello.await else {
        return;
    };
    let (tx, mut rx) = mpsc::channel::<Bytes>(CLIENT_QUEUE);
    let queued = Arc::new(Queued::default());
    if events
        .send(Incoming::Connected(id, tx, queued.clone(), version))
        .await
        .is_err()
    {
        return;
    }
    let written = queued.clone();
    let writer = tokio::spawn(async move {
        let mut w = FrameWriter::new(write);
        while let Some(frame) = rx.recv().await {
            let sent = w.send_encoded(&frame).await;
            written.sent(frame.len());
            if sent.is_err() {
                break;
            }
        }
    });
    let mut reader = FrameReader::with_buffered(read);
    let mut attached = false;
    let reading = async {
        loop {
            // A view may sit quietly for days; anything else asks at once.
            let next = if attached {
                reader.read::<ClientMsg>().await
            } else {
                match tokio::time::timeout(IDLE_CLIENT, reader.read::<ClientMsg>()).await {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::debug!(
                            client = id,
                            "client dropped: it neither attached nor asked"
                        );
                        break;
                    }
                }
            };
            match next {
                Ok(msg) => {
                    attached |= matches!(msg, ClientMsg::Attach { .. } | ClientMsg::Watch);
                    // A client that does not read its answers gets no more
                    // until it does: its requests wait in its own socket,
                    // not in the job's memory.
                    if is_request(&msg) {
                        queued.room().await;
                    }
                    if events.send(Incoming::Msg(id, msg)).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    if !matches!(e, crate::protocol::ProtocolError::Closed) {
                        tracing::debug!(client = id, "client dropped: {e}");
                    }
                    break;
                }
            }
        }
    };
    tokio::select! {
        () = reading => {
            let _ = events.send(Incoming::Gone(id)).await;
        }
        // The event loop dropped this client's queue (the job is ending) and
        // the writer flushed the rest.
        _ = writer => {}
    }
}

/// Messages that ask for an answer (as opposed to input and view upkeep).
pub(super) fn is_request(msg: &ClientMsg) -> bool {
    matches!(
        msg,
        ClientMsg::Capture { .. }
            | ClientMsg::Info
            | ClientMsg::SetIdleTimeout { .. }
            | ClientMsg::Ping(_)
            | ClientMsg::Attach { .. }
            | ClientMsg::Watch
    )
}

/// Gets the session's output: a view or a watcher.
pub(super) fn follows(c: &Client) -> bool {
    c.view.is_some() || c.watching
}

/// A lagging view can take its resync: half its queue is free again.
pub(super) fn has_room(c: &Client) -> bool {
    c.tx.capacity() >= CLIENT_QUEUE / 2
        && c.queued.bytes.load(Ordering::Relaxed) <= CLIENT_BYTES / 2
}

/// Queues a frame for a client if its queue has a place; counted before it
/// is queued, so the writer never takes away what was not added.
pub(super) fn offer(c: &Client, frame: Bytes) -> bool {
    let len = frame.len();
    c.queued.add(len);
    if c.tx.try_send(frame).is_ok() {
        true
    } else {
        c.queued.bytes.fetch_sub(len, Ordering::Relaxed);
        false
    }
}
