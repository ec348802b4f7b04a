//! `sessui agent`: runs on a remote host over one SSH exec channel and serves
//! sessui's requests there (start, liveness, stop, list, exit) with `host::Local`.
//!
//! `sessui agent attach JOB` is the stream side: one exec channel per view,
//! bridging its stdio to the job's unix socket, so the local side speaks the
//! same job protocol over SSH as it does over a local socket.

/// The agent's wire format lives with the other wire formats.
pub use crate::protocol::agent as wire;

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Semaphore, mpsc};

use crate::host::{Host, HostError, JobRef, Local, Stopped};
use crate::ids::{JobId, is_valid_job_id};
use crate::paths::Paths;
use crate::proc::Liveness;
use crate::protocol::{FrameReader, FrameWriter, ProtocolError, accept_hello};
use wire::{FailKind, Reply, ReplyBody, Request, RequestBody, WireJob, WireLiveness, WireSummary};

/// Requests served at once; more wait their turn (a client never sends many).
const MAX_IN_FLIGHT: usize = 32;
/// Replies queued for the writer; it drains as fast as the SSH channel takes them.
const REPLY_QUEUE: usize = 64;

#[derive(Debug, Clone, clap::Args)]
pub struct AgentArgs {
    /// Which sessui installation is asking: each keeps its job records apart,
    /// so one machine never takes another machine's jobs for orphans.
    #[arg(long, default_value = "default")]
    pub client: String,
    #[command(subcommand)]
    pub cmd: Option<AgentCmd>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AgentCmd {
    /// Bridge stdin/stdout to a job's socket (one view's stream).
    Attach { job: String },
}

/// Entry point of `sessui agent`.
pub fn main(args: AgentArgs) -> i32 {
    let runtime = match crate::runtime::multi_thread() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sessui agent: {e}");
            return 1;
        }
    };
    let paths = match Paths::from_env() {
        Ok(p) => remote_paths(p),
        Err(e) => {
            eprintln!("sessui agent: {e}");
            return 1;
        }
    };
    match args.cmd {
        Some(AgentCmd::Attach { job }) => runtime.block_on(attach(&paths, &job)),
        None => {
            if !is_valid_client(&args.client) {
                eprintln!("sessui agent: invalid client id '{}'", args.client);
                return 2;
            }
            let paths = client_paths(paths, &args.client);
            let runtime_dir = paths.runtime_dir.display().to_string();
            if let Err(e) = paths.create_all() {
                eprintln!("sessui agent: {e}");
                return 1;
            }
            let _log = crate::logging::to_file(&paths.log_dir().join("agent.log"));
            // Jobs started here say their own idle timeout; this backstop only
            // applies to a request without one, which sessui never sends.
            let local = Local::new(paths, crate::config::JOB_BACKSTOP);
            // sshd set this when the client forwards its agent: a new
            // socket for each connection.
            if let Some(agent) = std::env::var_os("SSH_AUTH_SOCK").filter(|a| !a.is_empty()) {
                runtime.block_on(follow_agent(&local, std::path::Path::new(&agent)));
            }
            let served = serve(local, runtime_dir, tokio::io::stdin(), tokio::io::stdout());
            match runtime.block_on(served) {
                Ok(()) => 0,
                Err(e) => {
                    tracing::warn!("agent ended: {e}");
                    1
                }
            }
        }
    }
}

/// A connection that forwards the client's ssh-agent: the running shells of
/// this client's sessions use it from now on (each session's agent link is
/// repointed), as a local attach does, so none keeps the socket of a
/// connection that is gone.
async fn follow_agent(local: &Local, agent: &std::path::Path) {
    let jobs = match local.list_jobs().await {
        Ok(jobs) => jobs,
        Err(e) => {
            tracing::info!("agent links not repointed: {e}");
            return;
        }
    };
    for job in jobs.iter().filter(|j| j.alive) {
        let link = crate::job::agent_link::link_path(&local.socket_path(&job.job));
        if let Err(e) = crate::job::agent_link::repoint(&link, agent) {
            tracing::info!(job = %job.job, "agent link not repointed: {e}");
        }
    }
}

/// The client id becomes a directory name: letters, digits and dashes only.
fn is_valid_client(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Sockets of remote jobs live under the data directory, not in
/// `$XDG_RUNTIME_DIR`: systemd-logind removes that directory when the user's
/// last login session ends, which is exactly what remote jobs must outlive.
fn remote_paths(mut paths: Paths) -> Paths {
    if std::env::var_os("SESSUI_HOME").is_none_or(|h| h.is_empty()) {
        paths.runtime_dir = paths.data_dir.join("run");
    }
    paths
}

/// Job records of one client live apart; sockets stay in the shared runtime dir
/// (job ids are random, and `attach` needs no client id to find them).
pub fn client_paths(mut paths: Paths, client: &str) -> Paths {
    paths.state_dir = paths.state_dir.join("clients").join(client);
    paths
}

/// Answers requests until the client goes away (end of input).
pub async fn serve<R, W>(
    local: Local,
    runtime_dir: String,
    read: R,
    mut write: W,
) -> Result<(), ProtocolError>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut read = BufReader::new(read);
    accept_hello(&mut read, &mut write).await?;
    let (tx, mut rx) = mpsc::channel::<Reply>(REPLY_QUEUE);
    let writer = tokio::spawn(async move {
        let mut frames = FrameWriter::new(write);
        while let Some(reply) = rx.recv().await {
            if let Err(e) = frames.send(&reply).await {
                tracing::info!("agent: cannot answer ({e}); the client is gone");
                break;
            }
        }
    });
    let local = Arc::new(local);
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut frames = FrameReader::with_buffered(read);
    let result = loop {
        let req = match frames.read::<Request>().await {
            Ok(r) => r,
            Err(ProtocolError::Closed) => break Ok(()),
            Err(e) => break Err(e),
        };
        let Ok(permit) = slots.clone().acquire_owned().await else {
            break Ok(());
        };
        let (local, tx) = (local.clone(), tx.clone());
        let runtime_dir = runtime_dir.clone();
        tokio::spawn(async move {
            let body = handle(&local, &runtime_dir, req.body).await;
            let _ = tx.send(Reply { id: req.id, body }).await;
            drop(permit);
        });
    };
    drop(tx);
    let _ = writer.await;
    result
}

async fn handle(local: &Local, runtime_dir: &str, req: RequestBody) -> ReplyBody {
    match req {
        RequestBody::Ping => ReplyBody::Pong,
        RequestBody::Where => ReplyBody::Where {
            runtime_dir: runtime_dir.to_string(),
        },
        RequestBody::StartJob(start) => match local.start_job(start).await {
            Ok(s) => ReplyBody::Started {
                pid: s.pid,
                start_token: s.start_token,
            },
            Err(e) => failed(e),
        },
        RequestBody::Liveness(job) => {
            ReplyBody::Liveness(match local.liveness(&job_from_wire(job)).await {
                Liveness::Alive => WireLiveness::Alive,
                Liveness::Dead => WireLiveness::Dead,
                Liveness::Unknown(why) => WireLiveness::Unknown(why),
            })
        }
        RequestBody::Stop { job, force } => match local.stop(&job_from_wire(job), force).await {
            Ok(Stopped::Ended(exit)) => ReplyBody::Stopped {
                already: false,
                exit,
            },
            Ok(Stopped::AlreadyGone(exit)) => ReplyBody::Stopped {
                already: true,
                exit,
            },
            Err(e) => failed(e),
        },
        RequestBody::ListJobs => match local.list_jobs().await {
            Ok(jobs) => ReplyBody::Jobs(
                jobs.into_iter()
                    .map(|j| WireSummary {
                        job: j.job.to_string(),
                        session: j.session.to_string(),
                        pid: j.pid,
                        start_token: j.start_token,
                        alive: j.alive,
                        idle_deadline: j.idle_deadline,
                        facts: j.facts,
                        last_output_at: j.last_output_at,
                        started_at: j.started_at,
                        activity: j.activity,
                    })
                    .collect(),
            ),
            Err(e) => failed(e),
        },
        RequestBody::PeekExit(job) => ReplyBody::Exit(local.peek_exit(&job_from_wire(job)).await),
        RequestBody::TakeExit(job) => ReplyBody::Exit(local.take_exit(&job_from_wire(job)).await),
        RequestBody::Describe { job, facts } => {
            match local.describe(&job_from_wire(job), &facts).await {
                Ok(()) => ReplyBody::Pong,
                Err(e) => failed(e),
            }
        }
        RequestBody::Search { jobs, query } => {
            let jobs: Vec<JobRef> = jobs.into_iter().map(job_from_wire).collect();
            match local.search(&jobs, &query).await {
                Ok(found) => ReplyBody::Found(
                    found
                        .into_iter()
                        .map(|(job, hits)| wire::WireFound {
                            job: job.to_string(),
                            hits,
                        })
                        .collect(),
                ),
                Err(e) => failed(e),
            }
        }
    }
}

fn failed(e: HostError) -> ReplyBody {
    let kind = match &e {
        HostError::JobGone(_) => FailKind::JobGone,
        HostError::Launch(_) => FailKind::Launch,
        HostError::StopFailed(_) => FailKind::StopFailed,
        HostError::Unreachable(_) | HostError::Protocol(_) => FailKind::Unreachable,
    };
    ReplyBody::Failed {
        kind,
        message: e.to_string(),
    }
}

fn job_from_wire(j: WireJob) -> JobRef {
    JobRef {
        id: JobId::from_string(j.id),
        pid: j.pid,
        start_token: j.start_token,
    }
}

/// Copies bytes both ways between stdio and the job's socket until either
/// side ends. Blocking stdio reads happen on tokio's blocking threads.
async fn attach(paths: &Paths, job: &str) -> i32 {
    if !is_valid_job_id(job) {
        eprintln!("sessui agent: invalid job id '{job}'");
        return 2;
    }
    if let Err(e) = crate::paths::check_runtime_dir(&paths.runtime_dir) {
        eprintln!("sessui agent: {e}");
        return 1;
    }
    let path = paths.runtime_dir.join(format!("{job}.sock"));
    let stream = match tokio::net::UnixStream::connect(&path).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "sessui agent: cannot reach the job at {}: {e}",
                path.display()
            );
            return 1;
        }
    };
    let (sock_read, sock_write) = stream.into_split();
    let up = pipe(tokio::io::stdin(), sock_write);
    let down = pipe(sock_read, tokio::io::stdout());
    // Whichever side ends first ends the bridge: the view left, or the job did.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
    0
}

/// Copies until end of input, flushing every chunk: a keystroke must not wait
/// in a buffer for more to come.
async fn pipe<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(mut r: R, mut w: W) {
    let mut buf = vec![0u8; 32 << 10];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if w.write_all(&buf[..n]).await.is_err() || w.flush().await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = w.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_agent_answers_over_any_byte_stream() {
        use crate::protocol::client_hello;
        let dir = tempfile::tempdir().unwrap();
        let paths = client_paths(Paths::under(dir.path()), "c1");
        let local = Local::new(paths.clone(), crate::duration::Timeout::Never);
        let (client, server) = tokio::io::duplex(1 << 16);
        let (sr, sw) = tokio::io::split(server);
        let served = tokio::spawn(serve(local, "/run/x".into(), sr, sw));
        let (cr, mut cw) = tokio::io::split(client);
        let mut cr = BufReader::new(cr);
        client_hello(&mut cr, &mut cw).await.unwrap();
        let mut frames_out = FrameWriter::new(cw);
        let mut frames_in = FrameReader::with_buffered(cr);
        for (id, body) in [
            (1, RequestBody::Ping),
            (2, RequestBody::ListJobs),
            (3, RequestBody::Where),
        ] {
            frames_out.send(&Request { id, body }).await.unwrap();
        }
        let mut replies = Vec::new();
        for _ in 0..3 {
            replies.push(frames_in.read::<Reply>().await.unwrap());
        }
        replies.sort_by_key(|r| r.id);
        assert_eq!(replies[0].body, ReplyBody::Pong);
        assert_eq!(replies[1].body, ReplyBody::Jobs(Vec::new()));
        assert_eq!(
            replies[2].body,
            ReplyBody::Where {
                runtime_dir: "/run/x".into()
            }
        );
        // a job that never existed is dead, and stopping it is no error
        let job = WireJob {
            id: "abcdef012345".into(),
            pid: None,
            start_token: None,
        };
        frames_out
            .send(&Request {
                id: 4,
                body: RequestBody::Liveness(job.clone()),
            })
            .await
            .unwrap();
        let r = frames_in.read::<Reply>().await.unwrap();
        assert_eq!(r.body, ReplyBody::Liveness(WireLiveness::Dead));
        frames_out
            .send(&Request {
                id: 5,
                body: RequestBody::Stop { job, force: true },
            })
            .await
            .unwrap();
        let r = frames_in.read::<Reply>().await.unwrap();
        assert!(
            matches!(r.body, ReplyBody::Stopped { already: true, .. }),
            "{r:?}"
        );
        // the client leaving ends the agent
        frames_out.get_mut().shutdown().await.unwrap();
        served.await.unwrap().unwrap();
        assert!(paths.state_dir.ends_with("clients/c1"));
    }

    #[test]
    fn client_ids_are_path_safe() {
        assert!(is_valid_client("0f3a-77"));
        assert!(!is_valid_client("../x"));
        assert!(!is_valid_client(""));
    }
}
