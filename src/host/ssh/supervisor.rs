//! `SshHost`: the `Host` trait over one supervised connection. A task per host
//! connects, deploys, starts the agent, watches for loss and reconnects with
//! backoff (1 s doubling to 30 s); callers never wait on a host that is down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use russh::ChannelOpenFailure;
use tokio::sync::{Notify, watch};

use super::agent_link::AgentLink;
use super::connect::{self, Session};
use super::deploy;
use super::dest::{self, Target};
use super::error::{HostFailure, SshError};
use super::gate::Gate;
use super::{Settings, pump};
use crate::clock::now_millis;
use crate::duration::Timeout;
use crate::host::search::JobHits;
use crate::host::{
    Host, HostError, HostState, JobConn, JobRef, JobSummary, SessionFacts, StartJob, StartedJob,
    Stopped,
};
use crate::ids::{JobId, SessionId, is_valid_job_id};
use crate::proc::Liveness;
use crate::protocol::agent::{FailKind, ReplyBody, RequestBody, WireJob, WireLiveness};
use crate::protocol::{ExitInfo, QuerySpec};

/// How many times in a row a connection that failed after a person answered
/// a question is made again at once (the server gave up waiting; the answer,
/// a learned host key, still holds).
const LATE_ANSWER_RETRIES: u32 = 2;
/// First wait after a failure; doubles up to `BACKOFF_MAX`.
const BACKOFF_START: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Starting a job includes the remote login shell's start-up.
const START_WAIT: Duration = Duration::from_secs(30);
/// A stop may take the job's grace periods (4 s to stop, 4 s per signal).
const STOP_WAIT: Duration = Duration::from_secs(20);
const QUERY_WAIT: Duration = Duration::from_secs(10);
/// The agent asks its jobs at once, each with its own limit; a little more
/// covers the link.
const SEARCH_WAIT: Duration =
    Duration::from_secs(crate::host::search::JOB_SEARCH_WAIT.as_secs() + 5);

/// A connection that is up, with its agent.
struct Live {
    session: Session,
    agent: AgentLink,
    /// The remote binary, as a shell word.
    bin: String,
    /// Where job sockets are on the remote host, if the agent said.
    runtime_dir: Option<String>,
    /// Views go over direct-streamlocal until sshd refuses it once; then
    /// through `sessui agent attach` over an exec channel.
    streamlocal: AtomicBool,
}

impl Live {
    fn is_up(&self) -> bool {
        !self.session.lost.token.is_cancelled() && !self.agent.closed.is_cancelled()
    }
}

struct Inner {
    name: String,
    settings: Settings,
    state: watch::Sender<HostState>,
    live: Mutex<Option<Arc<Live>>>,
    /// Attempts finished so far, so a waiter knows when "its" attempt is over.
    attempts: watch::Sender<u64>,
    last_error: Mutex<Option<(String, bool)>>,
    wake: Notify,
    running: AtomicBool,
    /// A person is acting on this host and waits for a connection: its
    /// questions may be asked. Spent by the attempt that follows.
    acting: Arc<AtomicBool>,
    /// `host:port` the name led to, once resolved, for messages.
    addr: Mutex<Option<String>>,
}

impl Inner {
    /// `db1 (10.0.0.5:22)` once the address is known, else the name.
    fn label(&self) -> String {
        match &*self.addr.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(addr) => dest::label(&self.name, addr),
            None => self.name.clone(),
        }
    }
}

pub struct SshHost {
    inner: Arc<Inner>,
}

impl SshHost {
    pub fn new(name: &str, settings: Settings) -> SshHost {
        let (state, _) = watch::channel(HostState::Connecting("not connected yet".into()));
        let (attempts, _) = watch::channel(0);
        SshHost {
            inner: Arc::new(Inner {
                name: name.to_string(),
                settings,
                state,
                live: Mutex::new(None),
                attempts,
                last_error: Mutex::new(None),
                wake: Notify::new(),
                running: AtomicBool::new(false),
                acting: Arc::new(AtomicBool::new(false)),
                addr: Mutex::new(None),
            }),
        }
    }

    /// Starts the supervisor if it is not running (needs a tokio runtime);
    /// true if it started now (its first attempt is under way).
    fn ensure_running(&self) -> bool {
        if tokio::runtime::Handle::try_current().is_err() {
            return false;
        }
        if !self.inner.running.swap(true, Ordering::SeqCst) {
            let inner = self.inner.clone();
            tokio::spawn(supervise(inner));
            return true;
        }
        false
    }

    fn current(&self) -> Option<Arc<Live>> {
        let live = self.inner.live.lock().unwrap_or_else(|p| p.into_inner());
        live.as_ref().filter(|l| l.is_up()).cloned()
    }

    /// The live connection: at once if up; after the first attempt if it is
    /// under way, or after the next one if a person is acting on the host;
    /// else an error at once if the host is down or reconnecting.
    async fn live(&self) -> Result<Arc<Live>, HostError> {
        if let Some(l) = self.current() {
            return Ok(l);
        }
        self.ensure_running();
        let mut attempts = self.inner.attempts.subscribe();
        let seen = *attempts.borrow_and_update();
        let down = |why: String| HostError::Unreachable(why);
        let acting = self.inner.acting.load(Ordering::SeqCst);
        match &*self.inner.state.borrow() {
            _ if acting => {}
            HostState::Reconnecting { error, retry_at } => {
                let secs = (retry_at - now_millis()).max(0) / 1000;
                return Err(down(format!(
                    "{error} (reconnecting; next try in {secs} s)"
                )));
            }
            HostState::Unreachable(error) => return Err(down(error.clone())),
            // Only a process's first attempt is waited for (a command run
            // once needs it); later ones are news to show, not to wait on,
            // so a reaper pass or a keystroke never hangs on a host coming back.
            HostState::Connecting(step) if seen > 0 => {
                return Err(down(format!(
                    "reconnecting to {} ({step})",
                    self.inner.label()
                )));
            }
            _ => {}
        }
        loop {
            if let Some(l) = self.current() {
                return Ok(l);
            }
            if *attempts.borrow_and_update() > seen {
                let err = self
                    .inner
                    .last_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                if let Some((e, _)) = err {
                    return Err(down(e));
                }
            }
            if attempts.changed().await.is_err() {
                return Err(down(format!(
                    "the connection to {} stopped",
                    self.inner.label()
                )));
            }
        }
    }

    /// A byte stream to the job's socket on the remote host.
    async fn open_stream(&self, live: &Live, job: &JobRef) -> Result<pump::Pumped, String> {
        if !is_valid_job_id(job.id.as_str()) {
            return Err(format!("invalid job id '{}'", job.id));
        }
        let label = format!("view of {}", job.id);
        let direct = live
            .runtime_dir
            .as_ref()
            .filter(|_| live.streamlocal.load(Ordering::Relaxed));
        if let Some(dir) = direct {
            let path = format!("{dir}/{}.sock", job.id);
            let refused = match live
                .session
                .handle
                .channel_open_direct_streamlocal(path)
                .await
            {
                Ok(ch) => return Ok(pump::pump(ch, label)),
                // OpenSSH answers "connect failed" both when the socket is
                // missing and when forwarding is disabled: a job that is
                // alive tells the second case.
                Err(russh::Error::ChannelOpenFailure(ChannelOpenFailure::ConnectFailed)) => {
                    match self.liveness(job).await {
                        Liveness::Dead => return Err("the job is gone".into()),
                        _ => "connect failed for a live job".to_string(),
                    }
                }
                Err(e) => e.to_string(),
            };
            live.streamlocal.store(false, Ordering::Relaxed);
            tracing::info!(
                host = %self.inner.name,
                "direct-streamlocal refused ({refused}); views go through `sessui agent attach` instead"
            );
        }
        let ch = live
            .session
            .handle
            .channel_open_session()
            .await
            .map_err(|e| format!("cannot open a channel: {e}"))?;
        let script = format!(
            "exec {} agent attach {}",
            live.bin,
            deploy::sh_quote(job.id.as_str())
        );
        ch.exec(true, deploy::sh_command(&script))
            .await
            .map_err(|e| format!("cannot run the attach bridge: {e}"))?;
        Ok(pump::pump(ch, label))
    }

    async fn call(&self, body: RequestBody, limit: Duration) -> Result<ReplyBody, HostError> {
        let live = self.live().await?;
        match live.agent.call(body, limit).await {
            Ok(ReplyBody::Failed { kind, message }) => Err(match kind {
                FailKind::JobGone => HostError::JobGone(message),
                FailKind::Unreachable => HostError::Unreachable(message),
                FailKind::Launch => HostError::Launch(message),
                FailKind::StopFailed => HostError::StopFailed(message),
            }),
            Ok(reply) => Ok(reply),
            Err(e) => Err(HostError::Unreachable(format!(
                "{}: {e}",
                self.inner.label()
            ))),
        }
    }

    /// A question answered by `Exit`: no answer counts as no word.
    async fn exit_query(&self, body: RequestBody) -> Option<ExitInfo> {
        match self.call(body, QUERY_WAIT).await {
            Ok(ReplyBody::Exit(exit)) => exit,
            _ => None,
        }
    }
}

fn wire_job(j: &JobRef) -> WireJob {
    WireJob {
        id: j.id.to_string(),
        pid: j.pid,
        start_token: j.start_token.clone(),
    }
}

fn unexpected(r: ReplyBody) -> HostError {
    HostError::Unreachable(format!("unexpected answer from the remote agent: {r:?}"))
}

#[async_trait]
impl Host for SshHost {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn state(&self) -> HostState {
        self.inner.state.borrow().clone()
    }

    fn watch_state(&self) -> Option<watch::Receiver<HostState>> {
        Some(self.inner.state.subscribe())
    }

    fn retry_now(&self) {
        self.ensure_running();
        // A wake-up stored while connected would skip the next backoff wait.
        if *self.inner.state.borrow() != HostState::Connected {
            self.inner.wake.notify_one();
        }
    }

    fn label(&self) -> String {
        self.inner.label()
    }

    fn user_acts(&self) {
        if *self.inner.state.borrow() == HostState::Connected && self.current().is_some() {
            return;
        }
        self.inner.acting.store(true, Ordering::SeqCst);
        // A supervisor started now tries at once; a wake-up stored for it
        // would skip its first backoff wait later.
        if !self.ensure_running() {
            self.inner.wake.notify_one();
        }
    }

    fn job_backstop(&self) -> Timeout {
        self.inner.settings.remote_idle
    }

    async fn start_job(&self, req: StartJob) -> Result<StartedJob, HostError> {
        let job = req.job.clone();
        let body = RequestBody::StartJob(req);
        match self.call(body, START_WAIT).await {
            Ok(ReplyBody::Started { pid, start_token }) => Ok(StartedJob {
                job,
                pid,
                start_token,
            }),
            Ok(other) => Err(unexpected(other)),
            Err(e) => Err(e),
        }
    }

    async fn connect(&self, job: &JobRef) -> Result<JobConn, HostError> {
        let live = self.live().await?;
        let opened = async {
            let p = self.open_stream(&live, job).await?;
            JobConn::open(p.reader, p.writer)
                .await
                .map_err(|e| e.to_string())
        };
        match opened.await {
            Ok(conn) => Ok(conn),
            Err(why) => match self.liveness(job).await {
                Liveness::Dead => Err(HostError::JobGone(job.id.to_string())),
                _ => Err(HostError::Unreachable(format!(
                    "cannot reach the job {} on {}: {why}",
                    job.id,
                    self.inner.label()
                ))),
            },
        }
    }

    async fn liveness(&self, job: &JobRef) -> Liveness {
        match self
            .call(RequestBody::Liveness(wire_job(job)), QUERY_WAIT)
            .await
        {
            Ok(ReplyBody::Liveness(WireLiveness::Alive)) => Liveness::Alive,
            Ok(ReplyBody::Liveness(WireLiveness::Dead)) => Liveness::Dead,
            Ok(ReplyBody::Liveness(WireLiveness::Unknown(why))) => Liveness::Unknown(why),
            Ok(other) => Liveness::Unknown(unexpected(other).to_string()),
            Err(e) => Liveness::Unknown(e.to_string()),
        }
    }

    async fn stop(&self, job: &JobRef, force: bool) -> Result<Stopped, HostError> {
        let body = RequestBody::Stop {
            job: wire_job(job),
            force,
        };
        match self.call(body, STOP_WAIT).await? {
            ReplyBody::Stopped {
                already: true,
                exit,
            } => Ok(Stopped::AlreadyGone(exit)),
            ReplyBody::Stopped {
                already: false,
                exit,
            } => Ok(Stopped::Ended(exit)),
            other => Err(unexpected(other)),
        }
    }

    async fn list_jobs(&self) -> Result<Vec<JobSummary>, HostError> {
        match self.call(RequestBody::ListJobs, QUERY_WAIT).await? {
            ReplyBody::Jobs(jobs) => Ok(jobs
                .into_iter()
                .map(|j| JobSummary {
                    job: JobId::from_string(j.job),
                    session: SessionId::from_string(j.session),
                    pid: j.pid,
                    start_token: j.start_token,
                    alive: j.alive,
                    idle_deadline: j.idle_deadline,
                    facts: j.facts,
                    last_output_at: j.last_output_at,
                    started_at: j.started_at,
                    activity: j.activity.ingested(),
                })
                .collect()),
            other => Err(unexpected(other)),
        }
    }

    async fn describe(&self, job: &JobRef, facts: &SessionFacts) -> Result<(), HostError> {
        let body = RequestBody::Describe {
            job: wire_job(job),
            facts: facts.clone(),
        };
        match self.call(body, QUERY_WAIT).await? {
            ReplyBody::Pong => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    async fn peek_exit(&self, job: &JobRef) -> Option<ExitInfo> {
        self.exit_query(RequestBody::PeekExit(wire_job(job))).await
    }

    async fn take_exit(&self, job: &JobRef) -> Option<ExitInfo> {
        self.exit_query(RequestBody::TakeExit(wire_job(job))).await
    }

    /// The agent searches the jobs on the host: only matches cross the link.
    async fn search(&self, jobs: &[JobRef], query: &QuerySpec) -> Result<Vec<JobHits>, HostError> {
        let body = RequestBody::Search {
            jobs: jobs.iter().map(wire_job).collect(),
            query: query.clone(),
        };
        match self.call(body, SEARCH_WAIT).await? {
            ReplyBody::Found(found) => Ok(found
                .into_iter()
                .map(|f| (JobId::from_string(f.job), f.hits))
                .collect()),
            other => Err(unexpected(other)),
        }
    }
}

/// The connection's life: connect, serve until lost, wait, again.
async fn supervise(inner: Arc<Inner>) {
    let mut backoff = BACKOFF_START;
    let mut late = 0;
    loop {
        let gate = Arc::new(Gate::new(
            inner.settings.prompter.clone(),
            inner.acting.clone(),
        ));
        let result = establish(&inner, gate.clone()).await;
        // A person's wish to connect is spent on one attempt: later
        // reconnects of their own ask nobody.
        let acted = inner.acting.swap(false, Ordering::SeqCst);
        if let Err(e) = &result {
            // Someone came to the host while this attempt refused its
            // question: ask them now.
            let came = acted && gate.needed().is_some();
            // The server gave up while a person answered (LoginGraceTime):
            // the answer holds, so connect again at once, asking what is
            // still to ask of the same person.
            let late_answer = gate.asked() && !e.source.is_fatal() && late < LATE_ANSWER_RETRIES;
            if came || late_answer {
                tracing::info!(host = %inner.name, "connecting again at once after: {e}");
                late += u32::from(late_answer);
                inner.acting.store(true, Ordering::SeqCst);
                continue;
            }
        }
        late = 0;
        let failure = match result {
            Ok(live) => {
                backoff = BACKOFF_START;
                let live = Arc::new(live);
                *inner.live.lock().unwrap_or_else(|p| p.into_inner()) = Some(live.clone());
                *inner.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
                inner.state.send_replace(HostState::Connected);
                inner.attempts.send_modify(|n| *n += 1);
                // A wake-up asked for while connecting is spent: it must not
                // skip the backoff after a later loss.
                let _ = futures::FutureExt::now_or_never(inner.wake.notified());
                tracing::info!(host = %inner.name, "connected");
                tokio::select! {
                    _ = live.session.lost.token.cancelled() => {}
                    _ = live.agent.closed.cancelled() => {}
                }
                *inner.live.lock().unwrap_or_else(|p| p.into_inner()) = None;
                let why = if live.session.lost.token.is_cancelled() {
                    live.session.lost.reason()
                } else {
                    "the remote sessui agent exited".into()
                };
                // Close what is left, so no channel lingers on a half-dead link.
                let _ = live
                    .session
                    .handle
                    .disconnect(russh::Disconnect::ByApplication, "", "en")
                    .await;
                let addr = inner.addr.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let msg = format!(
                    "connection to '{}' ({}) lost: {why}",
                    inner.name,
                    addr.unwrap_or_default()
                );
                tracing::warn!("{msg}");
                (msg, false)
            }
            // Nobody was acting on the host to answer: wait for someone to.
            Err(e) if gate.needed().is_some() => {
                tracing::info!("{e} (nobody acting on the host was asked)");
                (needs_you(gate.needed().unwrap_or_default()), true)
            }
            Err(e) => {
                let msg = e.to_string();
                let fatal = e.source.is_fatal();
                tracing::warn!("{msg}");
                (msg, fatal)
            }
        };
        let (msg, fatal) = failure;
        *inner.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some((msg.clone(), fatal));
        if fatal {
            // Retrying cannot fix a refused key or login by itself: wait for a person.
            inner.state.send_replace(HostState::Unreachable(msg));
            inner.attempts.send_modify(|n| *n += 1);
            inner.wake.notified().await;
            continue;
        }
        inner.state.send_replace(HostState::Reconnecting {
            error: msg,
            retry_at: now_millis() + backoff.as_millis() as i64,
        });
        inner.attempts.send_modify(|n| *n += 1);
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = inner.wake.notified() => {}
            _ = super::network::change() => {
                tracing::info!(host = %inner.name, "the network changed: trying now");
            }
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// The host's status while it waits for a person to answer its question.
pub fn needs_you(what: &str) -> String {
    format!("needs you: {what} \u{2014} Enter on a session there")
}

/// One attempt: connect and log in, make sure our binary is there, start the agent.
async fn establish(inner: &Arc<Inner>, gate: Arc<Gate>) -> Result<Live, HostFailure> {
    let name = inner.name.clone();
    let fail = |addr: &str, source: SshError| HostFailure {
        host: name.clone(),
        addr: addr.to_string(),
        source,
    };
    inner
        .state
        .send_replace(HostState::Connecting("reading the ssh config".into()));
    let config_file = inner.settings.tuning.config_file.clone();
    let target: Target = {
        let dest = dest::parse_destination(&name).map_err(|e| fail(&name, e))?;
        tokio::task::spawn_blocking(move || dest::resolve(&dest, config_file.as_deref()))
            .await
            .map_err(|e| {
                fail(
                    &name,
                    SshError::Config {
                        path: "ssh config".into(),
                        message: e.to_string(),
                    },
                )
            })?
            .map_err(|e| fail(&name, e))?
    };
    let addr = target.addr();
    *inner.addr.lock().unwrap_or_else(|p| p.into_inner()) = Some(addr.clone());
    let state = inner.state.clone();
    let step = move |s: String| {
        state.send_replace(HostState::Connecting(s));
    };
    let session = connect::open(&target, &inner.settings.tuning, gate, &step)
        .await
        .map_err(|e| fail(&addr, e))?;

    // Our binary there: the configured one, or ours, uploaded if missing.
    step("checking sessui on the host".into());
    let settings = &inner.settings;
    let bin = if settings.remote_path.is_empty() {
        let exe = settings
            .exe_identity
            .get_or_try_init(|| {
                let (path, cache) = (settings.exe.clone(), settings.exe_cache.clone());
                async move {
                    tokio::task::spawn_blocking(move || deploy::identify(&path, &cache))
                        .await
                        .map_err(|e| e.to_string())?
                        .map_err(|e| format!("cannot read our own executable: {e}"))
                }
            })
            .await
            .map_err(|e| fail(&addr, SshError::Deploy(e)))?;
        let id = exe.version_id();
        let bin = deploy::default_bin_word(&id);
        let probe = deploy::probe(&session.handle, &bin, Some(exe), &*settings.prompter, &name)
            .await
            .map_err(|e| fail(&addr, e))?;
        if !deploy::same_platform(&probe) {
            return Err(fail(
                &addr,
                SshError::Platform {
                    remote: format!("{} {}", probe.os, probe.arch),
                    local: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
                    version: env!("CARGO_PKG_VERSION").into(),
                    config: settings.config_file.display().to_string(),
                },
            ));
        }
        if !probe.present {
            step(format!(
                "deploying sessui ({} MB) to ~/{}",
                exe.size.div_ceil(1_000_000),
                deploy::REMOTE_BIN_DIR
            ));
            let started = std::time::Instant::now();
            deploy::upload(&session.handle, exe, &id)
                .await
                .map_err(|e| fail(&addr, e))?;
            tracing::info!(
                host = %name,
                "uploaded sessui {id} ({} bytes) in {} ms",
                exe.size,
                started.elapsed().as_millis()
            );
        }
        bin
    } else {
        let bin = deploy::remote_path_word(&settings.remote_path);
        let probe = deploy::probe(&session.handle, &bin, None, &*settings.prompter, &name)
            .await
            .map_err(|e| fail(&addr, e))?;
        if !probe.present {
            return Err(fail(
                &addr,
                SshError::Deploy(format!(
                    "ssh.remote_path in {} names {}, which is not an executable file there",
                    settings.config_file.display(),
                    settings.remote_path
                )),
            ));
        }
        bin
    };

    step("starting the remote agent".into());
    let command = deploy::sh_command(&format!(
        "exec {bin} agent --client {}",
        deploy::sh_quote(&settings.client_id)
    ));
    let forward = target
        .forwarded_agent(settings.tuning.forward_agent)
        .is_some();
    let agent = AgentLink::start(&session.handle, command, forward)
        .await
        .map_err(|e| fail(&addr, e))?;
    let runtime_dir = match agent.call(RequestBody::Where, QUERY_WAIT).await {
        Ok(ReplyBody::Where { runtime_dir }) => Some(runtime_dir),
        _ => None,
    };
    Ok(Live {
        session,
        agent,
        bin,
        runtime_dir,
        streamlocal: AtomicBool::new(true),
    })
}
