//! The local end of `sessui agent`: one exec channel, requests tagged with ids
//! so several can be in flight, replies routed back to their callers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::Handle;
use tokio::io::BufReader;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::connect::Client;
use super::error::SshError;
use super::pump;
use crate::ids::is_valid_job_id;
use crate::protocol::ExitInfo;
use crate::protocol::agent::{Reply, ReplyBody, Request, RequestBody, WireLiveness};
use crate::protocol::{FrameReader, FrameWriter, ProtocolError, client_hello};
use crate::text::ingest;

/// How long the agent has to start and say hello: a slow login shell
/// (a heavy `.bashrc`) is part of it.
const HELLO_WAIT: Duration = Duration::from_secs(20);
/// Requests waiting to be written; callers wait their turn beyond it.
const QUEUE: usize = 64;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<ReplyBody>>>>;

pub struct AgentLink {
    tx: mpsc::Sender<Request>,
    pending: Pending,
    next: AtomicU64,
    /// Cancelled when the agent's channel ends.
    pub closed: CancellationToken,
}

impl AgentLink {
    /// Runs `command` (which execs `sessui agent`) and says hello.
    pub async fn start(
        handle: &Handle<Client>,
        command: String,
        forward_agent: bool,
    ) -> Result<AgentLink, SshError> {
        let ch = handle
            .channel_open_session()
            .await
            .map_err(|e| SshError::Agent(format!("cannot open a channel: {e}")))?;
        // The agent's SSH_AUTH_SOCK, and so its jobs' agent links, lead
        // to our agent while the connection lasts. A server that refuses
        // forwarding leaves them unset; that is no reason to fail.
        if forward_agent && let Err(e) = ch.agent_forward(false).await {
            tracing::info!("agent forwarding not requested: {e}");
        }
        ch.exec(true, command)
            .await
            .map_err(|e| SshError::Agent(format!("cannot run it: {e}")))?;
        let pumped = pump::pump(ch, "agent".into());
        let report = pumped.report.clone();
        let mut reader = BufReader::with_capacity(64 << 10, pumped.reader);
        let mut writer = pumped.writer;
        let hello = tokio::time::timeout(HELLO_WAIT, client_hello(&mut reader, &mut writer)).await;
        let why = match hello {
            Ok(Ok(_version)) => None,
            Ok(Err(ProtocolError::NoHello)) => Some("it ended without answering".to_string()),
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!("no answer within {} s", HELLO_WAIT.as_secs())),
        };
        if let Some(why) = why {
            let r = report.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let detail = r
                .stderr
                .trim()
                .lines()
                .last()
                .unwrap_or_default()
                .to_string();
            return Err(SshError::Agent(if detail.is_empty() {
                why
            } else {
                format!("{why}: {detail}")
            }));
        }

        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let closed = CancellationToken::new();
        let (tx, mut rx) = mpsc::channel::<Request>(QUEUE);
        let done = closed.clone();
        tokio::spawn(async move {
            let mut frames = FrameWriter::new(writer);
            loop {
                tokio::select! {
                    req = rx.recv() => match req {
                        Some(req) => if frames.send(&req).await.is_err() { break },
                        None => break,
                    },
                    _ = done.cancelled() => break,
                }
            }
        });
        let (map, done) = (pending.clone(), closed.clone());
        tokio::spawn(async move {
            let mut frames = FrameReader::with_buffered(reader);
            loop {
                match frames.read::<Reply>().await {
                    Ok(reply) => {
                        let waiter = map
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&reply.id);
                        if let Some(w) = waiter {
                            let _ = w.send(ingested(reply.body));
                        }
                    }
                    Err(e) => {
                        tracing::info!("agent channel ended: {e}");
                        break;
                    }
                }
            }
            done.cancel();
            // Callers still waiting learn that the agent is gone.
            map.lock().unwrap_or_else(|p| p.into_inner()).clear();
        });
        Ok(AgentLink {
            tx,
            pending,
            next: AtomicU64::new(1),
            closed,
        })
    }

    /// Sends a request and waits for its reply.
    pub async fn call(&self, body: RequestBody, limit: Duration) -> Result<ReplyBody, String> {
        if self.closed.is_cancelled() {
            return Err("the connection to the remote sessui agent is closed".into());
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let sent = async {
            self.tx
                .send(Request { id, body })
                .await
                .map_err(|_| "the connection to the remote sessui agent is closed".to_string())?;
            rx.await
                .map_err(|_| "the connection to the remote sessui agent was lost".to_string())
        };
        let out = match tokio::time::timeout(limit, sent).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "the remote sessui agent did not answer within {} s",
                limit.as_secs()
            )),
        };
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        out
    }
}

/// The remote host is not trusted with what reaches this machine's terminal
/// and database: its texts are made safe and capped as they arrive, and
/// listed jobs whose ids could not be ours are dropped.
fn ingested(body: ReplyBody) -> ReplyBody {
    let safe_id = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    match body {
        ReplyBody::Started { pid, start_token } => ReplyBody::Started {
            pid,
            start_token: ingest(&start_token, 80),
        },
        ReplyBody::Liveness(WireLiveness::Unknown(why)) => {
            ReplyBody::Liveness(WireLiveness::Unknown(ingest(&why, 300)))
        }
        ReplyBody::Stopped { already, exit } => ReplyBody::Stopped {
            already,
            exit: exit.map(ExitInfo::ingested),
        },
        ReplyBody::Exit(exit) => ReplyBody::Exit(exit.map(ExitInfo::ingested)),
        ReplyBody::Jobs(jobs) => ReplyBody::Jobs(
            jobs.into_iter()
                .filter(|j| is_valid_job_id(&j.job) && safe_id(&j.session))
                .map(|mut j| {
                    j.start_token = ingest(&j.start_token, 80);
                    j
                })
                .collect(),
        ),
        ReplyBody::Where { runtime_dir } => ReplyBody::Where {
            runtime_dir: ingest(&runtime_dir, 400),
        },
        ReplyBody::Failed { kind, message } => ReplyBody::Failed {
            kind,
            message: ingest(&message, 500),
        },
        // Matching lines stay exact (offsets point into them); whoever
        // shows them makes them safe. Only the reasons are texts to ingest.
        ReplyBody::Found(found) => ReplyBody::Found(
            found
                .into_iter()
                .map(|mut f| {
                    f.hits = f.hits.map_err(|why| ingest(&why, 300));
                    f
                })
                .collect(),
        ),
        other @ (ReplyBody::Liveness(_) | ReplyBody::Pong) => other,
    }
}
