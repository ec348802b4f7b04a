//! An in-memory host for the manager's unit tests: jobs are entries in a map,
//! and a connection is a duplex pipe to a tiny task speaking the real protocol.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::io::BufReader;

use crate::duration::Timeout;
use crate::host::{
    Host, HostError, JobConn, JobRef, JobSummary, SessionFacts, StartJob, StartedJob, Stopped,
};
use crate::ids::{JobId, SessionId};
use crate::proc::Liveness;
use crate::protocol::{
    ClientMsg, ExitInfo, ExitReason, FrameReader, FrameWriter, HistoryLine, ServerMsg, accept_hello,
};

#[derive(Debug, Clone)]
pub struct FakeJob {
    pub session: SessionId,
    pub facts: Option<SessionFacts>,
    pub alive: bool,
    pub exit: Option<ExitInfo>,
    pub idle_timeout: Timeout,
}

#[derive(Default)]
pub struct FakeHost {
    pub jobs: Mutex<HashMap<JobId, FakeJob>>,
    pub starts: AtomicU32,
    pub fail_start: AtomicBool,
    pub unstoppable: AtomicBool,
    pub unreachable: AtomicBool,
    /// Idle timeouts (seconds) that jobs were told after they started.
    pub pushed_idle: Arc<Mutex<Vec<u64>>>,
    /// Runs as a job's records are forgotten, to check what is recorded by then.
    pub on_take: Mutex<Option<TakeCheck>>,
    /// While set, a start waits for a permit: a slow start (a host-key
    /// question, a slow upload) the test lets finish when it wants.
    pub start_gate: Mutex<Option<Arc<tokio::sync::Semaphore>>>,
    /// Runs once a job was stopped, before the caller goes on.
    pub on_stop: Mutex<Option<Box<dyn Fn() + Send>>>,
    /// Lines of history a job sends behind its screen on attach.
    pub attach_history: Arc<AtomicUsize>,
}

pub type TakeCheck = Box<dyn Fn(&JobId) + Send>;

impl FakeHost {
    pub fn alive(&self, job: &JobId) -> bool {
        self.jobs.lock().unwrap().get(job).is_some_and(|j| j.alive)
    }

    /// The shell in `job` exits with `code`.
    pub fn exit(&self, job: &JobId, code: i32) {
        if let Some(j) = self.jobs.lock().unwrap().get_mut(job) {
            j.alive = false;
            j.exit = Some(ExitInfo {
                code: Some(code),
                signal: None,
                reason: ExitReason::ShellExited,
                at: crate::clock::now_millis(),
            });
        }
    }

    pub fn alive_count(&self) -> usize {
        self.jobs
            .lock()
            .unwrap()
            .values()
            .filter(|j| j.alive)
            .count()
    }
}

#[async_trait]
impl Host for FakeHost {
    fn name(&self) -> &str {
        "local"
    }

    fn job_backstop(&self) -> Timeout {
        crate::config::JOB_BACKSTOP
    }

    async fn start_job(&self, req: StartJob) -> Result<StartedJob, HostError> {
        let gate = self.start_gate.lock().unwrap().clone();
        if let Some(gate) = gate {
            gate.acquire().await.unwrap().forget();
        }
        if self.fail_start.load(Ordering::SeqCst) {
            return Err(HostError::Launch("the shell /nope does not exist".into()));
        }
        self.starts.fetch_add(1, Ordering::SeqCst);
        self.jobs.lock().unwrap().insert(
            req.job.clone(),
            FakeJob {
                session: req.session,
                facts: Some(req.facts),
                alive: true,
                exit: None,
                idle_timeout: req.idle_timeout,
            },
        );
        Ok(StartedJob {
            job: req.job,
            pid: 4242,
            start_token: "fake:1".into(),
        })
    }

    async fn connect(&self, job: &JobRef) -> Result<JobConn, HostError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(HostError::Unreachable("network is down".into()));
        }
        if !self.alive(&job.id) {
            return Err(HostError::JobGone(job.id.to_string()));
        }
        let (client, server) = tokio::io::duplex(1 << 16);
        tokio::spawn(fake_job(
            server,
            self.pushed_idle.clone(),
            self.attach_history.load(Ordering::SeqCst),
        ));
        let (r, w) = tokio::io::split(client);
        Ok(JobConn::open(r, w).await?)
    }

    async fn liveness(&self, job: &JobRef) -> Liveness {
        if self.unreachable.load(Ordering::SeqCst) {
            return Liveness::Unknown("network is down".into());
        }
        if self.alive(&job.id) {
            Liveness::Alive
        } else {
            Liveness::Dead
        }
    }

    async fn stop(&self, job: &JobRef, _force: bool) -> Result<Stopped, HostError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(HostError::Unreachable("network is down".into()));
        }
        if !self.alive(&job.id) {
            return Ok(Stopped::AlreadyGone(None));
        }
        if self.unstoppable.load(Ordering::SeqCst) {
            return Err(HostError::StopFailed("the job did not stop".into()));
        }
        let mut jobs = self.jobs.lock().unwrap();
        let j = jobs.get_mut(&job.id).unwrap();
        j.alive = false;
        let exit = ExitInfo {
            code: None,
            signal: None,
            reason: ExitReason::Stopped,
            at: crate::clock::now_millis(),
        };
        j.exit = Some(exit.clone());
        drop(jobs);
        if let Some(hook) = &*self.on_stop.lock().unwrap() {
            hook();
        }
        Ok(Stopped::Ended(Some(exit)))
    }

    async fn list_jobs(&self) -> Result<Vec<JobSummary>, HostError> {
        Ok(self
            .jobs
            .lock()
            .unwrap()
            .iter()
            .map(|(id, j)| JobSummary {
                job: id.clone(),
                session: j.session.clone(),
                pid: 4242,
                start_token: "fake:1".into(),
                alive: j.alive,
                idle_deadline: None,
                facts: j.facts.clone(),
                last_output_at: None,
                started_at: 1,
                activity: Default::default(),
            })
            .collect())
    }

    async fn describe(&self, job: &JobRef, facts: &SessionFacts) -> Result<(), HostError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(HostError::Unreachable("network is down".into()));
        }
        match self.jobs.lock().unwrap().get_mut(&job.id) {
            Some(j) => {
                j.facts = Some(facts.clone());
                Ok(())
            }
            None => Err(HostError::JobGone(job.id.to_string())),
        }
    }

    async fn peek_exit(&self, job: &JobRef) -> Option<ExitInfo> {
        let jobs = self.jobs.lock().unwrap();
        jobs.get(&job.id).and_then(|j| j.exit.clone())
    }

    async fn take_exit(&self, job: &JobRef) -> Option<ExitInfo> {
        if let Some(check) = &*self.on_take.lock().unwrap() {
            check(&job.id);
        }
        let mut jobs = self.jobs.lock().unwrap();
        jobs.get_mut(&job.id).and_then(|j| j.exit.take())
    }
}

/// A job that answers requests and sends an empty screen on attach,
/// followed by `history` lines of history.
async fn fake_job(
    stream: tokio::io::DuplexStream,
    pushed_idle: Arc<Mutex<Vec<u64>>>,
    history: usize,
) {
    let (r, mut w) = tokio::io::split(stream);
    let mut r = BufReader::new(r);
    if accept_hello(&mut r, &mut w).await.is_err() {
        return;
    }
    let mut reader = FrameReader::with_buffered(r);
    let mut writer = FrameWriter::new(w);
    while let Ok(msg) = reader.read::<ClientMsg>().await {
        let reply = match msg {
            ClientMsg::Attach { cols, rows, .. } => Some(ServerMsg::Screen {
                cols,
                rows,
                state: b"fake screen".to_vec(),
                title: String::new(),
            }),
            ClientMsg::Ping(n) => Some(ServerMsg::Pong(n)),
            // `exit` ends the shell at once, before anything else is asked.
            ClientMsg::Input(bytes) if bytes.starts_with(b"exit") => {
                let _ = writer
                    .send(&ServerMsg::Exited(ExitInfo {
                        code: Some(0),
                        signal: None,
                        reason: ExitReason::ShellExited,
                        at: 0,
                    }))
                    .await;
                return;
            }
            // What is typed comes back, as a shell's echo would.
            ClientMsg::Input(bytes) => Some(ServerMsg::Output(bytes)),
            ClientMsg::SetIdleTimeout { secs } => {
                pushed_idle.lock().unwrap().push(secs.unwrap_or(0));
                Some(ServerMsg::Pong(0))
            }
            ClientMsg::Capture { .. } => Some(ServerMsg::Captured {
                text: "fake screen\n".into(),
            }),
            _ => None,
        };
        let attach = matches!(reply, Some(ServerMsg::Screen { .. }));
        if let Some(reply) = reply
            && writer.send(&reply).await.is_err()
        {
            return;
        }
        if attach && history > 0 {
            let lines = (0..history)
                .map(|n| HistoryLine {
                    text: format!("older line {n}"),
                    wrapped: false,
                })
                .collect();
            if writer.send(&ServerMsg::History { lines }).await.is_err() {
                return;
            }
        }
    }
}
