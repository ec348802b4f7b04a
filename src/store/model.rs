//! Typed rows: what the database holds about sessions and views.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::clock::Millis;
use crate::duration::Timeout;
use crate::ids::{JobId, SessionId, ViewId};

/// A session's state (see docs/architecture.md, "Sessions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// No job yet (new, or being started).
    Init,
    /// Job alive and reachable.
    Running,
    /// Host unreachable; job presumed alive.
    Disconnected,
    /// Shell exited or job gone.
    Done,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Init => "init",
            Status::Running => "running",
            Status::Disconnected => "disconnected",
            Status::Done => "done",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "init" => Status::Init,
            "running" => Status::Running,
            "disconnected" => Status::Disconnected,
            "done" => Status::Done,
            other => return Err(format!("unknown session status '{other}'")),
        })
    }
}

/// A session's own idle timeout, or the default for its kind (named or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleSetting {
    /// Follow the configured default for anonymous or named sessions.
    Default,
    Own(Timeout),
}

impl IdleSetting {
    /// How the column stores it: NULL = default, 0 = never, n = seconds.
    pub fn to_column(self) -> Option<i64> {
        match self {
            IdleSetting::Default => None,
            IdleSetting::Own(t) => Some(t.as_secs().unwrap_or(0) as i64),
        }
    }

    pub fn from_column(v: Option<i64>) -> IdleSetting {
        match v {
            None => IdleSetting::Default,
            Some(s) => IdleSetting::Own(Timeout::from_secs(Some(s.max(0) as u64))),
        }
    }
}

/// The job a session runs (or last ran).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: JobId,
    pub pid: Option<u32>,
    /// `boot_id:start_ticks`, so a reused pid is not taken for the job.
    pub start_token: Option<String>,
}

/// How a session's last job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitRow {
    pub code: Option<i32>,
    pub signal: Option<String>,
    /// Human description: `exit 3`, `stopped after idle timeout`.
    pub description: String,
    pub at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: SessionId,
    pub name: Option<String>,
    /// `local`, or an SSH destination as the user wrote it.
    pub host: String,
    pub status: Status,
    pub job: Option<JobRow>,
    pub idle: IdleSetting,
    pub exit: Option<ExitRow>,
    pub cwd: Option<String>,
    pub command: Option<String>,
    pub created_at: Millis,
    pub last_active_at: Millis,
    /// When the last view left (or the session was created without one).
    pub idle_since: Option<Millis>,
    pub done_at: Option<Millis>,
    /// The process starting the session's job, while it is in `init`: a
    /// start is someone's for as long as that process lives.
    pub starter: Option<Starter>,
    /// A change the job must hear of (its idle timeout after a rename, what
    /// it keeps of the session) has not reached it yet.
    pub job_outdated: bool,
    /// Views attached now, in any sessui process.
    pub views: u32,
    /// The session's short number (`sessui attach 3`), given by the store
    /// when the session is inserted: `None` only before that.
    pub number: Option<u32>,
    /// What runs in it, as its job last said (see `Activity`).
    pub activity: crate::protocol::Activity,
}

/// Who is starting a session's job: pid + start token, so a reused pid is
/// not taken for the starter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starter {
    pub pid: u32,
    pub start_token: String,
}

impl SessionRow {
    /// `running`, `done (exit 3)`, ...: the state as lists show it.
    pub fn state_text(&self) -> String {
        match (self.status, &self.exit) {
            (Status::Done, Some(exit)) => format!("done ({})", exit.description),
            (status, _) => status.to_string(),
        }
    }

    /// What runs in it, while something may: the last report of a running
    /// or unreachable job. A finished session runs nothing.
    pub fn live_activity(&self) -> Option<&crate::protocol::Activity> {
        matches!(self.status, Status::Running | Status::Disconnected).then_some(&self.activity)
    }

    /// A bell rang in it while nobody was looking, and nobody has since.
    pub fn rang(&self) -> bool {
        self.live_activity().is_some_and(|a| a.bell_at.is_some())
    }

    /// The state as lists show it, led by `!` after a bell nobody saw
    /// (tmux's window bell flag).
    pub fn flagged_state_text(&self) -> String {
        if self.rang() {
            format!("! {}", self.state_text())
        } else {
            self.state_text()
        }
    }

    /// The name, or the short id for anonymous sessions.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.id.short().to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewRow {
    pub id: ViewId,
    pub session: SessionId,
    pub pid: u32,
    pub start_token: String,
    pub attached_at: Millis,
}

/// A job whose session the user deleted: written before the job is stopped,
/// so the intent outlives a crash, a refused write or an unreachable host.
/// While it is on record the job is never adopted; once its session's row
/// is gone it is stopped as soon as its host is reachable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingStop {
    pub host: String,
    pub job: JobRow,
    /// The deleted session (absent in records from before this was kept).
    pub session: Option<SessionId>,
    pub since: Millis,
}
