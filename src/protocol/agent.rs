//! Messages between sessui and `sessui agent` on a remote host: requests
//! tagged with an id so several can be in flight on the one control channel.

use serde::{Deserialize, Serialize};

use std::path::PathBuf;

use super::{ExitInfo, Hits, QuerySpec};
use crate::clock::Millis;
use crate::duration::Timeout;
use crate::ids::{JobId, SessionId};

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
    StartJob(StartJob),
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
    /// Search these jobs' histories and screens on the host, so only the
    /// matches cross the link; answered by `Found`.
    Search {
        #[serde(deserialize_with = "crate::protocol::bounded::vec")]
        jobs: Vec<WireJob>,
        query: QuerySpec,
    },
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
    Jobs(#[serde(deserialize_with = "crate::protocol::bounded::vec")] Vec<WireSummary>),
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
    /// The answer to `Search`: each job's matches, or why it was not searched.
    Found(#[serde(deserialize_with = "crate::protocol::bounded::vec")] Vec<WireFound>),
}

/// One job's search, as the agent reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireFound {
    pub job: String,
    pub hits: Result<Hits, String>,
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

/// A job to start: what the manager asks of a host, what goes to a remote
/// agent, and the heart of the job's own spec: one type for all three.
///
/// Its serde form is the agent's wire form, which agents of earlier releases
/// read: fields in this order, ids as text, the idle limit as seconds
/// (`None` for never), the directory as text. Only ever append fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartJob {
    pub session: SessionId,
    pub job: JobId,
    pub cols: u16,
    pub rows: u16,
    /// The job's own limit with no client attached.
    #[serde(with = "idle_secs")]
    pub idle_timeout: Timeout,
    /// Lines of history the job keeps.
    pub history: usize,
    pub term: String,
    #[serde(with = "path_text")]
    pub cwd: Option<PathBuf>,
    /// The shell to run as a login shell (default `$SHELL`, then /bin/sh).
    pub shell: Option<String>,
    /// Run this command with `sh -c` instead of a shell.
    pub cmd: Option<String>,
    /// What the session is, kept beside the job (see `Host::describe`).
    pub facts: SessionFacts,
}

/// The idle limit as seconds on the wire; `None` (or 0) is never.
mod idle_secs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::duration::Timeout;

    pub fn serialize<S: Serializer>(t: &Timeout, s: S) -> Result<S::Ok, S::Error> {
        t.as_secs().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timeout, D::Error> {
        Ok(Timeout::from_secs(Option::<u64>::deserialize(d)?))
    }
}

/// A directory as text on the wire: a name that is not UTF-8 goes as its
/// closest text rather than failing the start.
mod path_text {
    use std::path::PathBuf;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        p.as_ref().map(|p| p.display().to_string()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(PathBuf::from))
    }
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
    /// What runs in the session, as the job last recorded it.
    pub activity: Activity,
}

/// What runs in a session, as its job last recorded it: what the list
/// shows of a session beyond its name. The job keeps it in its record (so
/// an agent lists it without asking the job), the manager copies it into
/// the database (so `ls` and an unreachable host still show it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Activity {
    /// The foreground program of the session's terminal (`vim`, `bash`),
    /// as the kernel names it: at most 15 bytes.
    pub program: Option<String>,
    /// The title the program set (OSC 0/2), made safe to print and capped.
    pub title: String,
    /// When a bell rang while nobody was looking (no view, no preview),
    /// since the session was last attached or previewed.
    pub bell_at: Option<Millis>,
    /// CPU time used by the job and every process under it, in ms.
    pub cpu_ms: u64,
    /// Resident memory of the job and every process under it, in bytes.
    pub rss_bytes: u64,
}

impl Activity {
    /// As received from a remote host: texts made safe to print and capped,
    /// whatever the host sent.
    pub fn ingested(mut self) -> Activity {
        self.program = self.program.map(|p| crate::text::ingest(&p, 32));
        self.title = crate::text::ingest(&self.title, 120);
        self
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

    /// The start request as agents of earlier releases read and write it.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct EarlierStart {
        session: String,
        job: String,
        cols: u16,
        rows: u16,
        idle_secs: Option<u64>,
        history: u64,
        term: String,
        cwd: Option<String>,
        shell: Option<String>,
        cmd: Option<String>,
        facts: SessionFacts,
    }

    #[test]
    fn a_start_request_reads_the_same_to_agents_of_earlier_releases() {
        let start = StartJob {
            session: SessionId::from_string("s1"),
            job: JobId::from_string("j1"),
            cols: 120,
            rows: 40,
            idle_timeout: Timeout::After(std::time::Duration::from_secs(3600)),
            history: 10_000,
            term: "xterm-256color".into(),
            cwd: Some("/home/u/src".into()),
            shell: None,
            cmd: Some("make".into()),
            facts: SessionFacts {
                name: Some("build".into()),
                host: "box".into(),
                ..SessionFacts::default()
            },
        };
        let earlier = EarlierStart {
            session: "s1".into(),
            job: "j1".into(),
            cols: 120,
            rows: 40,
            idle_secs: Some(3600),
            history: 10_000,
            term: "xterm-256color".into(),
            cwd: Some("/home/u/src".into()),
            shell: None,
            cmd: Some("make".into()),
            facts: start.facts.clone(),
        };
        let ours = postcard::to_allocvec(&start).unwrap();
        assert_eq!(ours, postcard::to_allocvec(&earlier).unwrap());
        assert_eq!(postcard::from_bytes::<StartJob>(&ours).unwrap(), start);
        // never: no limit on either side
        let never = StartJob {
            idle_timeout: Timeout::Never,
            ..start
        };
        let bytes = postcard::to_allocvec(&never).unwrap();
        assert_eq!(
            postcard::from_bytes::<EarlierStart>(&bytes)
                .unwrap()
                .idle_secs,
            None
        );
    }
}
