//! Messages between sessui and `sessui agent` on a remote host: requests
//! tagged with an id so several can be in flight on the one control channel.

use serde::{Deserialize, Serialize};

use super::ExitInfo;
use crate::clock::Millis;

/// One request from sessui; the agent answers each with a `Reply` of the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub body: RequestBody,
}

/// What sessui asks of the agent. Append-only, like every wire enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestBody {
    /// Start a job there; answered by `Started` or `Failed`.
    StartJob(WireStart),
    /// Is this job alive? Answered by `Liveness`.
    Liveness(WireJob),
    /// Stop a job (SIGHUP to the shell; with `force`, kill if it does not end).
    /// Answered by `Stopped` or `Failed`.
    Stop { job: WireJob, force: bool },
    /// Every job of this client with a record there; answered by `Jobs`.
    ListJobs,
    /// How a dead job ended, forgetting its records; answered by `Exit`.
    TakeExit(WireJob),
    /// Answered by `Pong`: proves the agent is there and reading.
    Ping,
    /// Where job sockets live on that host; answered by `Where`.
    Where,
    /// How a dead job ended, keeping its records; answered by `Exit`.
    PeekExit(WireJob),
    /// Keep what the job's session is beside it (after a rename); answered
    /// by `Pong` or `Failed`.
    Describe { job: WireJob, facts: SessionFacts },
}

/// The agent's answer to the request with the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub id: u64,
    pub body: ReplyBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplyBody {
    /// The job runs: its pid and start token identify it across pid reuse.
    Started {
        pid: u32,
        start_token: String,
    },
    /// `alive`, `dead` or `unknown: why`.
    Liveness(WireLiveness),
    /// The job is gone; `already` if it was gone before we asked.
    Stopped {
        already: bool,
        exit: Option<ExitInfo>,
    },
    Jobs(Vec<WireSummary>),
    Exit(Option<ExitInfo>),
    Pong,
    /// The directory holding job sockets (`<dir>/<job>.sock`), so a view
    /// can reach one over direct-streamlocal forwarding.
    Where {
        runtime_dir: String,
    },
    /// The request failed; `kind` tells the client which host error it maps to.
    Failed {
        kind: FailKind,
        message: String,
    },
}

/// How a request failed, so the client keeps the host error's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailKind {
    JobGone,
    Unreachable,
    Launch,
    StopFailed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireLiveness {
    Alive,
    Dead,
    Unknown(String),
}

/// A job as the agent finds it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireJob {
    pub id: String,
    pub pid: Option<u32>,
    pub start_token: Option<String>,
}

/// A job to start, as `host::StartJob` says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireStart {
    pub session: String,
    pub job: String,
    pub cols: u16,
    pub rows: u16,
    /// Seconds with no client before the job exits; `None` for never.
    pub idle_secs: Option<u64>,
    pub history: u64,
    pub term: String,
    pub cwd: Option<String>,
    pub shell: Option<String>,
    pub cmd: Option<String>,
    /// What the session is, kept beside the job there.
    pub facts: SessionFacts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireSummary {
    pub job: String,
    pub session: String,
    pub pid: u32,
    pub start_token: String,
    pub alive: bool,
    pub idle_deadline: Option<i64>,
    pub facts: Option<SessionFacts>,
    pub last_output_at: Option<Millis>,
    pub started_at: Millis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_replies_round_trip() {
        let req = Request {
            id: 7,
            body: RequestBody::Stop {
                job: WireJob {
                    id: "abc".into(),
                    pid: Some(3),
                    start_token: None,
                },
                force: true,
            },
        };
        let bytes = postcard::to_allocvec(&req).unwrap();
        assert_eq!(postcard::from_bytes::<Request>(&bytes).unwrap(), req);
        let reply = Reply {
            id: 7,
            body: ReplyBody::Failed {
                kind: FailKind::StopFailed,
                message: "stuck".into(),
            },
        };
        let bytes = postcard::to_allocvec(&reply).unwrap();
        assert_eq!(postcard::from_bytes::<Reply>(&bytes).unwrap(), reply);
    }
}

/// What a job's session is, kept beside the job by whoever starts or renames
/// it: enough to list the session again if the database loses its row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFacts {
    pub name: Option<String>,
    /// `local`, or the SSH destination as the user wrote it.
    pub host: String,
    pub cwd: Option<String>,
    pub command: Option<String>,
    pub created_at: Millis,
    /// The session's own idle timeout as the database stores it: `None` for
    /// its kind's default, 0 for never, else seconds.
    pub idle_secs: Option<i64>,
}
