//! The job's event loop: PTY output into the mirror and out to every view,
//! client requests in, idle timeout and socket upkeep on a timer.

use std::collections::HashMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::mpsc;

use super::activity::Tracker;
use super::clients::{
    Client, ClientId, Incoming, MAX_CLIENTS, client_task, follows, has_room, is_request, offer,
};
use super::memory;
use super::pty::Pty;
use super::record::{JobRecord, remove_state, write_exit_record, write_job_record};
use super::{JobSpec, report_ready};
use crate::clock::{Millis, now_millis};
use crate::duration::Timeout;
use crate::proc::ProcIdentity;
use crate::protocol::{
    ClientMsg, ExitInfo, ExitReason, HISTORY_CHUNK_LINES, HistoryLine, JobInfo, ServerMsg,
    encode_frame,
};
use crate::term::{Emulator, Snapshot};

/// Requests handled in a row before PTY output gets its turn, so no client
/// can keep the session's output waiting.
const REQUEST_BURST: u32 = 16;
/// How often the socket (and its directory) is checked: a deleted one is
/// back within this long.
const SOCKET_CHECK: Duration = Duration::from_secs(1);
/// Output is gathered up to this size before it is parsed and sent: fewer,
/// larger frames when output floods, no delay when it trickles.
const COALESCE_MAX: usize = 64 << 10;
/// How often idle time is checked (the wall clock judges; see `idle_deadline`).
const TICK: Duration = Duration::from_secs(5);
/// Between SIGHUP and SIGKILL when stopping.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// How often a lagging view is checked for room for its resync.
const LAG_CHECK: Duration = Duration::from_millis(20);
/// After the shell exits, how long to wait for the PTY to drain.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(300);

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
    /// When the shell last printed, and what the record on disk says of it:
    /// output is activity, written down on the next tick.
    last_output: Option<Millis>,
    recorded_output: Option<Millis>,
    /// What runs in the session, for the list (kept in the record).
    activity: Tracker,
    /// Work an attach left for after its screen is on the wire: the
    /// history each new view asked for, and the record's rewrite.
    owed: Owed,
}

/// What `Job::pay` does once the writers have run.
#[derive(Default)]
struct Owed {
    history: Vec<(ClientId, usize)>,
    record: bool,
}

pub fn run(spec: JobSpec) -> Result<(), String> {
    let runtime = crate::runtime::current_thread()?;
    // On the heap: the loop's future is ~10 KiB, and tokio passes a future
    // of that size by value through several frames, each a copy that
    // stays in the stack's resident pages for the job's whole life.
    runtime.block_on(Box::pin(serve(spec)))
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
    tracing::info!(job = %spec.start.job, session = %spec.start.session, shell = pty.shell_pid, "job started");

    let mut job = Job {
        // The job answers the program's questions to its terminal: it owns
        // the PTY, and answers whether or not a view is attached.
        emu: Emulator::new(spec.start.cols, spec.start.rows, spec.start.history).answering(),
        idle_timeout: spec.start.idle_timeout.as_duration(),
        spec,
        pty,
        me,
        started_at: now_millis(),
        clients: HashMap::new(),
        seq: 0,
        idle_since: Some(now_millis()),
        stopping: None,
        pty_closed: false,
        last_output: None,
        recorded_output: None,
        activity: Tracker::default(),
        owed: Owed::default(),
    };
    // Recorded before it says it is ready: whoever started it (and then
    // anyone listing the host's jobs) finds it.
    job.write_record();
    report_ready(&format!("READY {} {}", job.me.pid, job.me.start_token()));

    let (in_tx, mut in_rx) = mpsc::channel::<Incoming>(256);
    let mut listener = listener;
    let mut socket_ino = socket_inode(&job.spec.socket);
    let mut socket_check = tokio::time::interval(SOCKET_CHECK);
    socket_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut socket_trouble: Option<String> = None;
    let me_uid = nix::unistd::geteuid().as_raw();
    let mut burst = 0u32;
    let mut next_client: ClientId = 1;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let mut kill_at: Option<tokio::time::Instant> = None;
    let mut client_tasks = tokio::task::JoinSet::new();
    let mut trimmer = memory::Trimmer::default();

    let exit_status = loop {
        tokio::select! {
            biased;
            Some(msg) = in_rx.recv() => {
                match msg {
                    Incoming::Connected(id, tx, queued, version) => {
                        job.clients.insert(id, Client {
                            tx, queued, view: None, watching: false, active_seq: 0, history_wanted: 0,
                            lagged: None, lag_mark: 0, version,
                        });
                    }
                    Incoming::Msg(id, msg) => {
                        let request = is_request(&msg);
                        if job.handle(id, msg) {
                            kill_at = Some(tokio::time::Instant::now() + STOP_GRACE);
                        }
                        if job.owes() {
                            // The client's writer sends the screen now; the
                            // history and the record follow. Only this task
                            // changes the job, so they are as of that screen.
                            tokio::task::yield_now().await;
                            job.pay();
                        }
                        if request && let Some(c) = job.clients.get(&id) {
                            c.queued.answered();
                        }
                    }
                    Incoming::Gone(id) => job.client_left(id),
                }
                // Requests never keep the session's output waiting for long.
                burst += 1;
                if burst >= REQUEST_BURST {
                    burst = 0;
                    if !job.pty_closed {
                        job.read_pty();
                    }
                }
            }
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    while client_tasks.try_join_next().is_some() {}
                    match stream.peer_cred().map(|c| c.uid()) {
                        // Only this user (and root, who could anyway). The
                        // socket's mode says the same; this holds even if a
                        // mistake opened the directory to others.
                        Ok(uid) if uid != me_uid && uid != 0 => {
                            tracing::warn!(uid, "refused a connection from another user");
                        }
                        Err(e) => tracing::warn!("refused a connection: no peer credentials: {e}"),
                        Ok(_) if client_tasks.len() >= MAX_CLIENTS => {
                            tracing::warn!("refused a connection: {MAX_CLIENTS} clients already");
                        }
                        Ok(_) => {
                            let id = next_client;
                            next_client += 1;
                            client_tasks.spawn(client_task(id, stream, in_tx.clone()));
                        }
                    }
                }
            }
            ready = job.pty.readable(), if !job.pty_closed => {
                burst = 0;
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
                    tracing::info!(job = %job.spec.start.job, "idle timeout: stopping the shell");
                    job.stop(ExitReason::IdleTimeout);
                    kill_at = Some(tokio::time::Instant::now() + STOP_GRACE);
                }
                job.activity.measure(job.me.pid);
                if job.last_output != job.recorded_output || job.activity.stale() {
                    job.write_record();
                }
                let mark = memory::Mark {
                    last_output: job.last_output,
                    clients_seen: next_client,
                    activity_seq: job.seq,
                };
                if trimmer.due(mark, now_millis()) {
                    job.pty.release_read_buffer();
                    memory::give_back();
                }
            }
            // A socket (or its whole directory) deleted by a /tmp cleaner or
            // a logout comes back by itself, in a directory that is ours.
            _ = socket_check.tick() => {
                // The list learns of a new program or title within a second.
                job.glance();
                let ino = socket_inode(&job.spec.socket);
                if ino.is_none() || ino != socket_ino {
                    match rebind(&job.spec.socket) {
                        Ok(l) => {
                            tracing::warn!(socket = %job.spec.socket.display(), "socket was gone: recreated it");
                            listener = l;
                            socket_ino = socket_inode(&job.spec.socket);
                            socket_trouble = None;
                        }
                        Err(e) => {
                            if socket_trouble.as_deref() != Some(e.as_str()) {
                                tracing::warn!(socket = %job.spec.socket.display(), "socket is gone and cannot be recreated: {e}");
                            }
                            socket_trouble = Some(e);
                        }
                    }
                }
            }
            _ = sigterm.recv() => {
                job.stop(ExitReason::Stopped);
                kill_at = Some(tokio::time::Instant::now() + STOP_GRACE);
            }
            _ = sleep_until(job.idle_deadline()) => {
                if job.idle_expired() {
                    tracing::info!(job = %job.spec.start.job, "idle timeout: stopping the shell");
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
    crate::paths::ensure_dir(&spec.records).map_err(|e| e.to_string())?;
    let listener = bind(&spec.socket)?;
    let pty = Pty::spawn(spec, exited).inspect_err(|_| {
        let _ = std::fs::remove_file(&spec.socket);
        super::agent_link::remove(&super::agent_link::link_path(&spec.socket));
        super::follow::remove(&spec.socket);
    })?;
    Ok((pty, listener, me))
}

/// The socket again, in its directory made again if it is gone (0700, and
/// never through a link or in someone else's directory).
fn rebind(path: &Path) -> Result<UnixListener, String> {
    if let Some(dir) = path.parent() {
        crate::paths::ensure_runtime_dir(dir).map_err(|e| e.to_string())?;
    }
    bind(path)
}

fn bind(path: &Path) -> Result<UnixListener, String> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    Ok(listener)
}

/// The history row standing for `n` rows a view fell too far behind to get.
fn not_kept_marker(n: u64) -> HistoryLine {
    HistoryLine {
        text: format!("\x1b[7m[ {n} lines not kept: this view fell behind ]\x1b[m"),
        wrapped: false,
    }
}

fn socket_inode(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.ino())
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
        self.last_output = Some(now_millis());
        let pushed_before = self.emu.history().pushed();
        self.emu.process(&bytes);
        if self.emu.take_bell() && self.activity.bell(self.looked_at(), now_millis()) {
            self.write_record();
        }
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
            if !follows(c) {
                continue;
            }
            if let Some(dropped) = &mut c.lagged {
                *dropped += len;
                if has_room(c) {
                    resync.push(*id);
                }
                continue;
            }
            if c.queued.full(frame.len()) || !offer(c, frame.clone()) {
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
            .filter(|(_, c)| c.lagged.is_some() && has_room(c))
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
        let (history, gap) = if c.version >= crate::protocol::RESYNC_APPENDS {
            let missed_rows = usize::try_from(missed).unwrap_or(usize::MAX);
            if missed_rows > c.history_wanted {
                // One row fewer than the view keeps: the marker of the gap fits.
                (c.history_wanted.saturating_sub(1), Some(missed))
            } else {
                (missed_rows, Some(missed))
            }
        } else {
            // Protocol 1 replaces the view's history with the job's: no gap.
            (c.history_wanted, None)
        };
        self.send(
            id,
            &ServerMsg::Lagged {
                dropped_bytes: dropped,
            },
        );
        self.send_snapshot_after(id, history, gap);
    }

    fn send(&self, id: ClientId, msg: &ServerMsg) {
        if let (Some(c), Ok(frame)) = (self.clients.get(&id), encode_frame(msg)) {
            offer(c, frame);
        }
    }

    fn send_snapshot(&self, id: ClientId, history: usize) {
        self.send_snapshot_after(id, history, None);
    }

    /// A snapshot for a view that is drawn from its screen alone: the screen,
    /// then the history, whose size then delays nothing on screen.
    /// The history is owed: formatting and sending thousands of lines
    /// would hold the screen in this task until they are done.
    fn send_screen_first(&mut self, id: ClientId, history: usize) {
        let snap = self.emu.snapshot(0);
        self.send_screen(id, snap);
        self.owed.history.push((id, history));
    }

    fn owes(&self) -> bool {
        !self.owed.history.is_empty() || self.owed.record
    }

    /// Sends the histories owed, and writes the record if owed.
    fn pay(&mut self) {
        for (id, history) in std::mem::take(&mut self.owed.history) {
            let lines = self.emu.history_tail(history);
            self.send_history(id, &lines);
        }
        if std::mem::take(&mut self.owed.record) {
            self.write_record();
        }
    }

    /// A snapshot; after `missed` rows left the screen unseen by the view, a
    /// row saying how many of them it will never get leads the history, at
    /// the place of the gap.
    fn send_snapshot_after(&self, id: ClientId, history: usize, missed: Option<u64>) {
        let mut snap = self.emu.snapshot(history);
        if let Some(missed) = missed {
            let not_kept = missed.saturating_sub(snap.history.len() as u64);
            if not_kept > 0 {
                snap.history.insert(0, not_kept_marker(not_kept));
            }
        }
        self.send_history(id, &snap.history);
        self.send_screen(id, snap);
    }

    fn send_history(&self, id: ClientId, lines: &[HistoryLine]) {
        for chunk in lines.chunks(HISTORY_CHUNK_LINES) {
            self.send(
                id,
                &ServerMsg::History {
                    lines: chunk.to_vec(),
                },
            );
        }
    }

    /// The screen of `snap` (its history is sent apart).
    fn send_screen(&self, id: ClientId, snap: Snapshot) {
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
                self.activity.looked();
                self.owed.record = true;
                self.apply_size(cols, rows, Some(id));
                let screen_first = self
                    .clients
                    .get(&id)
                    .is_some_and(|c| c.version >= crate::protocol::SCREEN_FIRST);
                if screen_first {
                    self.send_screen_first(id, scrollback as usize);
                } else {
                    self.send_snapshot(id, scrollback as usize);
                }
            }
            ClientMsg::Watch => {
                if let Some(c) = self.clients.get_mut(&id) {
                    c.watching = true;
                }
                if self.activity.looked() {
                    self.write_record();
                }
                self.send_snapshot(id, 0);
            }
            ClientMsg::Input(_) if self.clients.get(&id).is_some_and(|c| c.watching) => {
                self.send(
                    id,
                    &ServerMsg::Error {
                        message: "input refused: a preview only watches the session".into(),
                    },
                );
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
                    None => self.spec.start.idle_timeout.as_duration(),
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
            ClientMsg::Environment { ssh_auth_sock } => {
                let is_view = self.clients.get(&id).is_some_and(|c| c.view.is_some());
                if let (true, Some(agent)) = (is_view, ssh_auth_sock) {
                    let link = super::agent_link::link_path(&self.spec.socket);
                    if let Err(e) = super::agent_link::repoint(&link, Path::new(&agent)) {
                        self.send(
                            id,
                            &ServerMsg::Error {
                                message: format!("the session's SSH_AUTH_SOCK still points at the last agent: {e}"),
                            },
                        );
                    }
                }
            }
            ClientMsg::Follow(vars) => {
                if self.clients.get(&id).is_some_and(|c| c.view.is_some()) {
                    self.follow(id, vars);
                }
            }
            ClientMsg::Search(spec) => {
                let answer = match crate::term::search::Query::new(spec) {
                    Ok(query) => ServerMsg::Found(self.emu.search(&query)),
                    Err(e) => ServerMsg::Error {
                        message: e.to_string(),
                    },
                };
                self.send(id, &answer);
            }
        }
        false
    }

    /// A view's login is where the user is now: the agent link leads to its
    /// agent, and `sessui env` hands out its display and connection.
    fn follow(&mut self, id: ClientId, vars: Vec<(String, Option<String>)>) {
        let vars = super::follow::sanitized(vars);
        let agent = vars
            .iter()
            .find(|(name, _)| name == "SSH_AUTH_SOCK")
            .and_then(|(_, value)| value.clone());
        let mut failed = Vec::new();
        if let Some(agent) = agent {
            let link = super::agent_link::link_path(&self.spec.socket);
            if let Err(e) = super::agent_link::repoint(&link, Path::new(&agent)) {
                failed.push(format!(
                    "the session's SSH_AUTH_SOCK still points at the last agent: {e}"
                ));
            }
        }
        if let Err(e) = super::follow::record(&self.spec.socket, &vars) {
            failed.push(format!(
                "the session's environment for `sessui env` was not recorded: {e}"
            ));
        }
        for message in failed {
            self.send(id, &ServerMsg::Error { message });
        }
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
                if follows(c) && Some(*id) != skip {
                    offer(c, frame.clone());
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
            job_id: self.spec.start.job.to_string(),
            session_id: self.spec.start.session.to_string(),
            pid: self.me.pid,
            shell_pid: self.pty.shell_pid,
            started_at: self.started_at,
            command: self.pty.command.clone(),
            // Where the shell says it is (OSC 7), else where it started.
            cwd: match self.emu.cwd() {
                Some(cwd) => cwd.to_string(),
                None => self
                    .spec
                    .start
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

    /// Whether a view or a preview shows the session now.
    fn looked_at(&self) -> bool {
        self.clients
            .values()
            .any(|c| c.view.is_some() || c.watching)
    }

    /// Notes the title and foreground program; rewrites the record if the
    /// list would show them differently.
    fn glance(&mut self) {
        self.activity
            .glance(self.emu.title(), self.pty.foreground_group());
        if self.activity.stale() {
            self.write_record();
        }
    }

    fn write_record(&mut self) {
        self.recorded_output = self.last_output;
        let rec = JobRecord {
            job_id: self.spec.start.job.to_string(),
            session_id: self.spec.start.session.to_string(),
            pid: self.me.pid,
            start_token: self.me.start_token(),
            socket: self.spec.socket.clone(),
            started_at: self.started_at,
            version: env!("CARGO_PKG_VERSION").to_string(),
            idle_deadline: match (self.idle_since, self.idle_timeout) {
                (Some(since), Some(limit)) => Some(since + limit.as_millis() as i64),
                _ => None,
            },
            last_output_at: self.last_output,
            activity: self.activity.current().clone(),
        };
        self.activity.recorded();
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
    tracing::info!(job = %job.spec.start.job, "job ends: {}", exit.describe());
    if let Err(e) = write_exit_record(&job.spec.records, job.spec.start.job.as_str(), &exit) {
        tracing::warn!("cannot write the exit record: {e}");
    }
    let _ = std::fs::remove_file(&job.spec.socket);
    super::agent_link::remove(&super::agent_link::link_path(&job.spec.socket));
    super::follow::remove(&job.spec.socket);
    remove_state(&job.spec.records, job.spec.start.job.as_str());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    if let Ok(frame) = encode_frame(&ServerMsg::Exited(exit)) {
        for c in job.clients.values() {
            c.queued.add(frame.len());
            let sent = tokio::time::timeout_at(deadline, c.tx.send(frame.clone())).await;
            if !matches!(sent, Ok(Ok(()))) {
                c.queued.bytes.fetch_sub(frame.len(), Ordering::Relaxed);
            }
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
