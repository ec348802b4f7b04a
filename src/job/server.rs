//! The job's event loop: PTY output into the mirror and out to every view,
//! client requests in, idle timeout and socket upkeep on a timer.

use std::collections::HashMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::BufReader;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

use super::pty::Pty;
use super::record::{JobRecord, remove_state, write_exit_record, write_job_record};
use super::{JobSpec, report_ready};
use crate::clock::{Millis, now_millis};
use crate::duration::Timeout;
use crate::proc::ProcIdentity;
use crate::protocol::{
    ClientMsg, ExitInfo, ExitReason, FrameReader, FrameWriter, HISTORY_CHUNK_LINES, JobInfo,
    ServerMsg, accept_hello, encode_frame,
};
use crate::term::Emulator;

/// Frames queued per client before it counts as lagging. Frames hold at most
/// `COALESCE_MAX` bytes, so a client pins at most ~8 MiB.
const CLIENT_QUEUE: usize = 128;
/// Output is gathered up to this size before it is parsed and sent: fewer,
/// larger frames when output floods, no delay when it trickles.
const COALESCE_MAX: usize = 64 << 10;
/// How often idle time and the socket file are checked.
const TICK: Duration = Duration::from_secs(5);
/// Between SIGHUP and SIGKILL when stopping.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// How often a lagging view is checked for room for its resync.
const LAG_CHECK: Duration = Duration::from_millis(20);
/// After the shell exits, how long to wait for the PTY to drain.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(300);

type ClientId = u64;

struct Client {
    tx: mpsc::Sender<Bytes>,
    /// Set once the client attached as a view, with its size.
    view: Option<(u16, u16)>,
    /// Sequence number of its last input or focus: the highest is most recently active.
    active_seq: u64,
    history_wanted: usize,
    /// Output was skipped since it fell behind; it gets a fresh snapshot when it catches up.
    lagged: Option<u64>,
    /// History rows pushed before the first output it missed: a resync
    /// sends the rows after this (protocol 2) instead of the whole history.
    lag_mark: u64,
    /// The protocol version agreed with it.
    version: u16,
}

enum Incoming {
    Connected(ClientId, mpsc::Sender<Bytes>, u16),
    Msg(ClientId, ClientMsg),
    Gone(ClientId),
}

struct Job {
    spec: JobSpec,
    emu: Emulator,
    pty: Pty,
    me: ProcIdentity,
    started_at: Millis,
    clients: HashMap<ClientId, Client>,
    seq: u64,
    idle_since: Option<Millis>,
    idle_timeout: Option<Duration>,
    stopping: Option<ExitReason>,
    pty_closed: bool,
}

pub fn run(spec: JobSpec) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(serve(spec))
}

async fn serve(spec: JobSpec) -> Result<(), String> {
    let (exit_tx, mut exit_rx) = mpsc::channel::<portable_pty::ExitStatus>(1);
    let started = start(&spec, exit_tx);
    let (pty, listener, me) = match started {
        Ok(parts) => parts,
        Err(e) => {
            report_ready(&format!("ERROR {e}"));
            return Err(e);
        }
    };
    tracing::info!(job = %spec.job, session = %spec.session, shell = pty.shell_pid, "job started");

    let mut job = Job {
        // The job answers the program's questions to its terminal: it owns
        // the PTY, and answers whether or not a view is attached.
        emu: Emulator::new(spec.cols, spec.rows, spec.history).answering(),
        idle_timeout: spec.idle_timeout.as_duration(),
        spec,
        pty,
        me,
        started_at: now_millis(),
        clients: HashMap::new(),
        seq: 0,
        idle_since: Some(now_millis()),
        stopping: None,
        pty_closed: false,
    };
    // Recorded before it says it is ready: whoever started it (and then
    // anyone listing the host's jobs) finds it.
    job.write_record();
    report_ready(&format!("READY {} {}", job.me.pid, job.me.start_token()));

    let (in_tx, mut in_rx) = mpsc::channel::<Incoming>(256);
    let mut listener = listener;
    let mut socket_ino = socket_inode(&job.spec.socket);
    let mut next_client: ClientId = 1;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let mut kill_at: Option<tokio::time::Instant> = None;
    let mut client_tasks = tokio::task::JoinSet::new();

    let exit_status = loop {
        tokio::select! {
            biased;
            Some(msg) = in_rx.recv() => match msg {
                Incoming::Connected(id, tx, version) => {
                    job.clients.insert(id, Client {
                        tx, view: None, active_seq: 0, history_wanted: 0, lagged: None,
                        lag_mark: 0, version,
                    });
                }
                Incoming::Msg(id, msg) => {
                    if job.handle(id, msg) {
                        kill_at = Some(tokio::time::Instant::now() + STOP_GRACE);
                    }
                }
                Incoming::Gone(id) => job.client_left(id),
            },
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let id = next_client;
                    next_client += 1;
                    client_tasks.spawn(client_task(id, stream, in_tx.clone()));
                }
            }
            ready = job.pty.readable(), if !job.pty_closed => {
                if ready.is_err() {
                    job.pty_closed = true;
                    continue;
                }
                // Reading until the PTY runs dry gathers a flood into few,
                // large frames; a trickle goes out at once.
                job.read_pty();
                // Output can arrive faster than it is parsed: let connecting
                // clients and their requests in between chunks.
                tokio::task::yield_now().await;
            }
            _ = job.pty.writable(), if job.pty.input_pending() && !job.pty_closed => {
                job.pty.flush_input();
            }
            Some(status) = exit_rx.recv() => {
                drain(&mut job).await;
                break Some(status);
            }
            _ = tick.tick() => {
                if job.idle_expired() {
                    tracing::info!(job = %job.spec.job, "idle timeout: stopping the shell");
                    job.stop(ExitReason::IdleTimeout);
                    kill_at = Some(tokio::time::Instant::now() + STOP_GRACE);
                }
                // Recreate the socket if something deleted it (LESSONS 5).
                let ino = socket_inode(&job.spec.socket);
                if ino.is_none() || ino != socket_ino {
                    tracing::warn!(socket = %job.spec.socket.display(), "socket gone: recreating it");
                    if let Ok(l) = bind(&job.spec.socket) {
                        listener = l;
                        socket_ino = socket_inode(&job.spec.socket);
                    }
                }
            }
            _ = sigterm.recv() => {
                job.stop(ExitReason::Stopped);
                kill_at = Some(tokio::time::Instant::now() + STOP_GRACE);
            }
            _ = sleep_until(job.idle_deadline()) => {
                if job.idle_expired() {
                    tracing::info!(job = %job.spec.job, "idle timeout: stopping the shell");
                    job.stop(ExitReason::IdleTimeout);
                    kill_at = Some(tokio::time::Instant::now() + STOP_GRACE);
                }
            }
            // A view that fell behind gets its fresh snapshot once it has room,
            // even if no more output comes to trigger it.
            _ = sleep_until(job.lag_check()) => job.resync_ready(),
            _ = sleep_until(kill_at) => {
                job.kill_hard();
                kill_at = None;
            }
        }
    };
    finish(job, exit_status, client_tasks).await
}

/// After the shell exited: take what is still in the PTY, briefly, so its
/// last words reach the views before the exit notice.
async fn drain(job: &mut Job) {
    let deadline = tokio::time::Instant::now() + DRAIN_AFTER_EXIT;
    while !job.pty_closed {
        match tokio::time::timeout_at(deadline, job.pty.readable()).await {
            Ok(Ok(())) => job.read_pty(),
            Ok(Err(_)) | Err(_) => break,
        }
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn start(
    spec: &JobSpec,
    exited: mpsc::Sender<portable_pty::ExitStatus>,
) -> Result<(Pty, UnixListener, ProcIdentity), String> {
    let me = ProcIdentity::current().map_err(|e| format!("cannot read own process info: {e}"))?;
    if let Some(dir) = spec.socket.parent() {
        crate::paths::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&spec.records)
        .map_err(|e| format!("cannot create {}: {e}", spec.records.display()))?;
    let listener = bind(&spec.socket)?;
    let pty = Pty::spawn(spec, exited).inspect_err(|_| {
        let _ = std::fs::remove_file(&spec.socket);
    })?;
    Ok((pty, listener, me))
}

fn bind(path: &Path) -> Result<UnixListener, String> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    Ok(listener)
}

fn socket_inode(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.ino())
}

/// Reads one client's frames into the event loop and writes its queue out.
async fn client_task(id: ClientId, stream: UnixStream, events: mpsc::Sender<Incoming>) {
    let Ok((read, mut write)) = crate::protocol::socket::split_tokio(stream) else {
        return;
    };
    let mut read = BufReader::new(read);
    let hello = tokio::time::timeout(Duration::from_secs(10), accept_hello(&mut read, &mut write));
    let Ok(Ok(version)) = hello.await else {
        return;
    };
    let (tx, mut rx) = mpsc::channel::<Bytes>(CLIENT_QUEUE);
    if events
        .send(Incoming::Connected(id, tx, version))
        .await
        .is_err()
    {
        return;
    }
    let writer = tokio::spawn(async move {
        let mut w = FrameWriter::new(write);
        while let Some(frame) = rx.recv().await {
            if w.send_encoded(&frame).await.is_err() {
                break;
            }
        }
    });
    let mut reader = FrameReader::with_buffered(read);
    let reading = async {
        loop {
            match reader.read::<ClientMsg>().await {
                Ok(msg) => {
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

impl Job {
    /// Takes what the PTY holds into the mirror and out to the views.
    fn read_pty(&mut self) {
        let out = self.pty.read(COALESCE_MAX);
        if out.closed {
            self.pty_closed = true;
        }
        if !out.bytes.is_empty() {
            self.output(out.bytes);
        }
    }

    fn output(&mut self, bytes: Vec<u8>) {
        let pushed_before = self.emu.history().pushed();
        self.emu.process(&bytes);
        let replies = self.emu.take_replies();
        if !replies.is_empty() && !self.pty.write(&replies) {
            tracing::debug!("the program does not read its answers: dropped");
        }
        let Ok(frame) = encode_frame(&ServerMsg::Output(bytes)) else {
            return;
        };
        let len = frame.len() as u64;
        let mut resync = Vec::new();
        for (id, c) in self.clients.iter_mut() {
            if c.view.is_none() {
                continue;
            }
            if let Some(dropped) = &mut c.lagged {
                *dropped += len;
                if c.tx.capacity() >= CLIENT_QUEUE / 2 {
                    resync.push(*id);
                }
                continue;
            }
            if c.tx.try_send(frame.clone()).is_err() {
                c.lagged = Some(len);
                c.lag_mark = pushed_before;
            }
        }
        for id in resync {
            self.resync(id);
        }
    }

    fn lag_check(&self) -> Option<tokio::time::Instant> {
        self.clients
            .values()
            .any(|c| c.lagged.is_some())
            .then(|| tokio::time::Instant::now() + LAG_CHECK)
    }

    /// Resyncs every lagging view that has room in its queue again.
    fn resync_ready(&mut self) {
        let ready: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.lagged.is_some() && c.tx.capacity() >= CLIENT_QUEUE / 2)
            .map(|(id, _)| *id)
            .collect();
        for id in ready {
            self.resync(id);
        }
    }

    /// A lagging view caught up: tell it what it missed and send a fresh snapshot.
    fn resync(&mut self, id: ClientId) {
        let Some(c) = self.clients.get_mut(&id) else {
            return;
        };
        let dropped = c.lagged.take().unwrap_or(0);
        // The rows that left the screen while it was behind; the ones before
        // it already has (a history cleared meanwhile stays in the view).
        let missed = self.emu.history().pushed().saturating_sub(c.lag_mark);
        let history = if c.version >= crate::protocol::RESYNC_APPENDS {
            c.history_wanted
                .min(usize::try_from(missed).unwrap_or(usize::MAX))
        } else {
            c.history_wanted
        };
        self.send(
            id,
            &ServerMsg::Lagged {
                dropped_bytes: dropped,
            },
        );
        self.send_snapshot(id, history);
    }

    fn send(&self, id: ClientId, msg: &ServerMsg) {
        if let (Some(c), Ok(frame)) = (self.clients.get(&id), encode_frame(msg)) {
            let _ = c.tx.try_send(frame);
        }
    }

    fn send_snapshot(&self, id: ClientId, history: usize) {
        let snap = self.emu.snapshot(history);
        for chunk in snap.history.chunks(HISTORY_CHUNK_LINES) {
            self.send(
                id,
                &ServerMsg::History {
                    lines: chunk.to_vec(),
                },
            );
        }
        self.send(
            id,
            &ServerMsg::Screen {
                cols: snap.cols,
                rows: snap.rows,
                state: snap.state,
                title: snap.title,
            },
        );
    }

    /// Handles one request; true if the job just started stopping.
    fn handle(&mut self, id: ClientId, msg: ClientMsg) -> bool {
        match msg {
            ClientMsg::Attach {
                cols,
                rows,
                scrollback,
            } => {
                self.seq += 1;
                let seq = self.seq;
                if let Some(c) = self.clients.get_mut(&id) {
                    c.view = Some((cols, rows));
                    c.active_seq = seq;
                    c.history_wanted = scrollback as usize;
                }
                self.idle_since = None;
                self.write_record();
                self.apply_size(cols, rows, Some(id));
                self.send_snapshot(id, scrollback as usize);
            }
            ClientMsg::Input(bytes) => {
                self.touch(id);
                if !bytes.is_empty() && !self.pty.write(&bytes) {
                    self.send(
                        id,
                        &ServerMsg::Error {
                            message:
                                "input dropped: the program in the session is not reading input"
                                    .into(),
                        },
                    );
                }
            }
            ClientMsg::Resize { cols, rows } => {
                let active = self.most_active();
                if let Some(c) = self.clients.get_mut(&id) {
                    c.view = Some((cols, rows));
                }
                if active.is_none() || active == Some(id) {
                    self.apply_size(cols, rows, None);
                }
            }
            ClientMsg::Focus => self.touch(id),
            ClientMsg::Capture { scrollback, ansi } => {
                let text = self.emu.capture(scrollback as usize, ansi);
                self.send(id, &ServerMsg::Captured { text });
            }
            ClientMsg::Info => {
                let info = self.info();
                self.send(id, &ServerMsg::Info(info));
            }
            ClientMsg::SetIdleTimeout { secs } => {
                self.idle_timeout = match secs {
                    Some(s) => Timeout::from_secs(Some(s)).as_duration(),
                    None => self.spec.idle_timeout.as_duration(),
                };
                self.write_record();
                let info = self.info();
                self.send(id, &ServerMsg::Info(info));
            }
            ClientMsg::Stop => {
                if self.stopping.is_none() {
                    self.stop(ExitReason::Stopped);
                    return true;
                }
            }
            ClientMsg::Ping(n) => self.send(id, &ServerMsg::Pong(n)),
            ClientMsg::Terminal(facts) => self.emu.set_terminal_facts(facts),
        }
        false
    }

    /// Input or focus from a view: it becomes most recently active and its size applies.
    fn touch(&mut self, id: ClientId) {
        self.seq += 1;
        let seq = self.seq;
        let Some(c) = self.clients.get_mut(&id) else {
            return;
        };
        if c.view.is_none() {
            // Input from a one-shot client (`sessui send`) is activity too.
            if self.idle_since.is_some() {
                self.idle_since = Some(now_millis());
            }
            return;
        }
        c.active_seq = seq;
        if let Some((cols, rows)) = c.view {
            self.apply_size(cols, rows, None);
        }
    }

    fn most_active(&self) -> Option<ClientId> {
        self.clients
            .iter()
            .filter(|(_, c)| c.view.is_some())
            .max_by_key(|(_, c)| c.active_seq)
            .map(|(id, _)| *id)
    }

    fn apply_size(&mut self, cols: u16, rows: u16, skip: Option<ClientId>) {
        let cols = cols.clamp(1, crate::term::MAX_COLS);
        let rows = rows.clamp(1, crate::term::MAX_ROWS);
        if (cols, rows) == self.emu.size() {
            return;
        }
        self.emu.resize(cols, rows);
        self.pty.resize(cols, rows);
        if let Ok(frame) = encode_frame(&ServerMsg::Resized { cols, rows }) {
            for (id, c) in &self.clients {
                if c.view.is_some() && Some(*id) != skip {
                    let _ = c.tx.try_send(frame.clone());
                }
            }
        }
    }

    fn client_left(&mut self, id: ClientId) {
        let Some(c) = self.clients.remove(&id) else {
            return;
        };
        if c.view.is_none() {
            return;
        }
        match self.most_active() {
            Some(next) => {
                if let Some((cols, rows)) = self.clients.get(&next).and_then(|c| c.view) {
                    self.apply_size(cols, rows, None);
                }
            }
            None => {
                self.idle_since = Some(now_millis());
                self.write_record();
            }
        }
    }

    /// When the idle timeout runs out, as a timer deadline. The wall clock
    /// stays the judge (`idle_expired`); the 5 s tick catches time slept.
    fn idle_deadline(&self) -> Option<tokio::time::Instant> {
        if self.stopping.is_some() {
            return None;
        }
        let (since, limit) = (self.idle_since?, self.idle_timeout?);
        let left = (since + limit.as_millis() as i64 - now_millis()).max(0) as u64;
        Some(tokio::time::Instant::now() + Duration::from_millis(left))
    }

    fn idle_expired(&self) -> bool {
        if self.stopping.is_some() {
            return false;
        }
        match (self.idle_since, self.idle_timeout) {
            (Some(since), Some(limit)) => {
                now_millis().saturating_sub(since) >= limit.as_millis() as i64
            }
            _ => false,
        }
    }

    fn stop(&mut self, reason: ExitReason) {
        if self.stopping.is_some() {
            return;
        }
        self.stopping = Some(reason);
        let pid = nix::unistd::Pid::from_raw(self.pty.shell_pid as i32);
        let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGHUP);
        if let Some(fg) = self.pty.foreground_group() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(fg),
                nix::sys::signal::Signal::SIGHUP,
            );
        }
    }

    fn kill_hard(&self) {
        let pid = nix::unistd::Pid::from_raw(self.pty.shell_pid as i32);
        let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        if let Some(fg) = self.pty.foreground_group() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(fg),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }

    fn info(&self) -> JobInfo {
        let (cols, rows) = self.emu.size();
        JobInfo {
            job_id: self.spec.job.clone(),
            session_id: self.spec.session.clone(),
            pid: self.me.pid,
            shell_pid: self.pty.shell_pid,
            started_at: self.started_at,
            command: self.pty.command.clone(),
            // Where the shell says it is (OSC 7), else where it started.
            cwd: match self.emu.cwd() {
                Some(cwd) => cwd.to_string(),
                None => self
                    .spec
                    .cwd
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            },
            cols,
            rows,
            clients: self.clients.values().filter(|c| c.view.is_some()).count() as u32,
            idle_since: self.idle_since,
            idle_timeout_secs: self.idle_timeout.map(|d| d.as_secs()),
            history_lines: self.emu.history_len() as u32,
            title: self.emu.title().to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    fn write_record(&self) {
        let rec = JobRecord {
            job_id: self.spec.job.clone(),
            session_id: self.spec.session.clone(),
            pid: self.me.pid,
            start_token: self.me.start_token(),
            socket: self.spec.socket.clone(),
            started_at: self.started_at,
            version: env!("CARGO_PKG_VERSION").to_string(),
            idle_deadline: match (self.idle_since, self.idle_timeout) {
                (Some(since), Some(limit)) => Some(since + limit.as_millis() as i64),
                _ => None,
            },
        };
        if let Err(e) = write_job_record(&self.spec.records, &rec) {
            tracing::warn!("cannot write the job record: {e}");
        }
    }
}

/// The shell is gone: tell everyone, leave the exit record, and go.
async fn finish(
    mut job: Job,
    status: Option<portable_pty::ExitStatus>,
    mut client_tasks: tokio::task::JoinSet<()>,
) -> Result<(), String> {
    let reason = job.stopping.take().unwrap_or(ExitReason::ShellExited);
    let exit = ExitInfo {
        code: status.as_ref().map(|s| s.exit_code() as i32),
        signal: status.as_ref().and_then(|s| s.signal().map(str::to_string)),
        reason,
        at: now_millis(),
    };
    tracing::info!(job = %job.spec.job, "job ends: {}", exit.describe());
    if let Err(e) = write_exit_record(&job.spec.records, &job.spec.job, &exit) {
        tracing::warn!("cannot write the exit record: {e}");
    }
    let _ = std::fs::remove_file(&job.spec.socket);
    remove_state(&job.spec.records, &job.spec.job);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    if let Ok(frame) = encode_frame(&ServerMsg::Exited(exit)) {
        for c in job.clients.values() {
            let _ = tokio::time::timeout_at(deadline, c.tx.send(frame.clone())).await;
        }
    }
    // Closing the queues lets each writer flush what it holds and end.
    job.clients.clear();
    let _ = tokio::time::timeout_at(deadline, async {
        while client_tasks.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}
