//! Messages between a client (sessui, or the agent speaking for it) and a job.

use serde::{Deserialize, Serialize};

pub use super::search::{Hits, LineHit, QuerySpec};
use crate::clock::Millis;

/// From a client to a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// Become a view: the job answers with `History` chunks (at most
    /// `scrollback` lines), one `Screen`, then live `Output`; from protocol
    /// 7 (`SCREEN_FIRST`) the `Screen` comes first and the `History` chunks
    /// (oldest first, older than anything after them) follow it. A view
    /// counts as a client for the idle timeout, and its size competes for
    /// the PTY's.
    Attach {
        cols: u16,
        rows: u16,
        scrollback: u32,
    },
    /// Bytes typed into the session; also makes this client the most recently
    /// active view, whose size the PTY takes.
    Input(#[serde(with = "serde_bytes")] Vec<u8>),
    /// This view's terminal changed size; applied if it is the most recently active.
    Resize { cols: u16, rows: u16 },
    /// This view got focus: it becomes most recently active and its size applies.
    Focus,
    /// Asks for the screen (and up to `scrollback` lines of history) as text,
    /// with SGR colours if `ansi`. Answered by `Captured`.
    Capture { scrollback: u32, ansi: bool },
    /// Asks for the job's facts. Answered by `Info`.
    Info,
    /// Changes how long the job lives with no client; `None` means the job's backstop.
    SetIdleTimeout { secs: Option<u64> },
    /// Ends the shell (SIGHUP, then SIGKILL after a grace period) and the job.
    /// Every client gets `Exited`.
    Stop,
    /// Liveness check; answered by `Pong` with the same number.
    Ping(u64),
    /// What the view's own terminal is like (its colours, its cell size), so
    /// the job answers the program's questions as that terminal would; the
    /// job keeps the latest (protocol 3).
    Terminal(TerminalFacts),
    /// Watch the session without being a view (a preview): the job answers
    /// with one `Screen`, then live `Output` and `Resized`, as a view gets.
    /// A watcher's size never applies, it counts for no idle timeout and no
    /// view count, and input from it is refused (protocol 4).
    Watch,
    /// The attaching view's `SSH_AUTH_SOCK` (an absolute socket path on the
    /// job's host): the session's agent link points there from now on
    /// (protocol 4).
    Environment { ssh_auth_sock: Option<String> },
    /// Searches the history and the screen; answered by `Found`, or by
    /// `Error` for a pattern the job cannot compile (protocol 5).
    Search(QuerySpec),
    /// What the attaching view's login says of where the user is: their
    /// display, agent socket and connection (`job::follow` names them;
    /// `None` for one that login lacks). The job records them for `sessui
    /// env`, and points the session's agent link at `SSH_AUTH_SOCK`, as
    /// `Environment` does (protocol 6).
    Follow(Vec<(String, Option<String>)>),
}

/// The outer terminal's colours and cell size, as far as they are known.
/// `None` (or 0) where the terminal did not say: the job answers with
/// documented defaults then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalFacts {
    pub foreground: Option<(u8, u8, u8)>,
    pub background: Option<(u8, u8, u8)>,
    pub cursor: Option<(u8, u8, u8)>,
    /// The first 16 palette colours.
    pub palette: Vec<Option<(u8, u8, u8)>>,
    pub cell_width: u16,
    pub cell_height: u16,
}

/// From a job to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerMsg {
    /// Lines of history, oldest first, SGR-formatted, sent before `Screen`.
    History {
        #[serde(deserialize_with = "super::bounded::vec")]
        lines: Vec<HistoryLine>,
    },
    /// The current screen: feed `state` to a fresh emulator of `cols` x `rows`
    /// and it shows what the job shows (contents, cursor, modes).
    Screen {
        cols: u16,
        rows: u16,
        #[serde(with = "serde_bytes")]
        state: Vec<u8>,
        title: String,
    },
    /// Bytes the shell wrote, in order, each byte once.
    Output(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The PTY took a new size; output after this is laid out for it.
    Resized { cols: u16, rows: u16 },
    /// The answer to `Capture`.
    Captured { text: String },
    /// The answer to `Info`.
    Info(JobInfo),
    /// The shell ended; the job exits right after sending this.
    Exited(ExitInfo),
    /// This client fell behind and `dropped_bytes` of output were skipped;
    /// a fresh `History` + `Screen` follows.
    Lagged { dropped_bytes: u64 },
    /// The answer to `Ping`.
    Pong(u64),
    /// A request could not be served; the connection stays usable.
    Error { message: String },
    /// The answer to `Search`: only the matching lines.
    Found(Hits),
}

impl ServerMsg {
    /// Part of the session's stream (what a view shows) rather than the
    /// answer to a request: a one-off request waits past these. Every kind
    /// is named, so a new one is sorted where it is defined.
    pub fn is_stream(&self) -> bool {
        match self {
            ServerMsg::History { .. }
            | ServerMsg::Screen { .. }
            | ServerMsg::Output(_)
            | ServerMsg::Resized { .. }
            | ServerMsg::Lagged { .. } => true,
            ServerMsg::Captured { .. }
            | ServerMsg::Info(_)
            | ServerMsg::Exited(_)
            | ServerMsg::Pong(_)
            | ServerMsg::Error { .. }
            | ServerMsg::Found(_) => false,
        }
    }
}

/// One row of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// The row's text with SGR sequences only, starting from default attributes.
    pub text: String,
    /// The row continued on the next one (soft wrap).
    pub wrapped: bool,
}

/// What a job reports about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobInfo {
    pub job_id: String,
    pub session_id: String,
    /// The job process (not the shell).
    pub pid: u32,
    pub shell_pid: u32,
    pub started_at: Millis,
    pub command: String,
    pub cwd: String,
    pub cols: u16,
    pub rows: u16,
    /// Views attached right now.
    pub clients: u32,
    /// When the last view left, if none is attached.
    pub idle_since: Option<Millis>,
    /// The job's own limit with no client; `None` = never.
    pub idle_timeout_secs: Option<u64>,
    pub history_lines: u32,
    pub title: String,
    /// The sessui version the job runs.
    pub version: String,
}

/// Why a job ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitReason {
    /// The shell exited on its own.
    ShellExited,
    /// Someone asked the job to stop.
    Stopped,
    /// No client for the idle timeout.
    IdleTimeout,
    /// The job failed.
    Failed(String),
}

/// How a job ended; also written to the job's exit record for late askers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<String>,
    pub reason: ExitReason,
    pub at: Millis,
}

impl ExitInfo {
    /// `exit 3`, `killed by Hangup`, `stopped`, `idle timeout`.
    pub fn describe(&self) -> String {
        match (&self.reason, self.code, &self.signal) {
            (ExitReason::IdleTimeout, _, _) => "stopped after idle timeout".into(),
            (ExitReason::Stopped, _, _) => "stopped".into(),
            (ExitReason::Failed(why), _, _) => format!("failed: {why}"),
            (ExitReason::ShellExited, _, Some(sig)) => format!("killed by {sig}"),
            (ExitReason::ShellExited, Some(code), None) => format!("exit {code}"),
            (ExitReason::ShellExited, None, None) => "exited".into(),
        }
    }

    /// As received from a job or a remote host: the texts made safe to
    /// print and capped, so a stored exit shows as it should in every later
    /// list, whatever the host sent.
    pub fn ingested(mut self) -> ExitInfo {
        self.signal = self.signal.map(|s| crate::text::ingest(&s, 40));
        if let ExitReason::Failed(why) = &mut self.reason {
            *why = crate::text::ingest(why, 300);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_round_trips() {
        let msgs = vec![
            ServerMsg::History {
                lines: vec![HistoryLine {
                    text: "\x1b[31mb".into(),
                    wrapped: true,
                }],
            },
            ServerMsg::Screen {
                cols: 80,
                rows: 24,
                state: vec![27, b'[', b'H'],
                title: "t".into(),
            },
            ServerMsg::Output(vec![0, 255, 10]),
            ServerMsg::Exited(ExitInfo {
                code: Some(3),
                signal: None,
                reason: ExitReason::ShellExited,
                at: 5,
            }),
            ServerMsg::Lagged { dropped_bytes: 9 },
        ];
        for m in msgs {
            let bytes = postcard::to_allocvec(&m).unwrap();
            assert_eq!(postcard::from_bytes::<ServerMsg>(&bytes).unwrap(), m);
        }
    }

    #[test]
    fn exit_descriptions() {
        let mut e = ExitInfo {
            code: Some(3),
            signal: None,
            reason: ExitReason::ShellExited,
            at: 0,
        };
        assert_eq!(e.describe(), "exit 3");
        e.signal = Some("Killed".into());
        assert_eq!(e.describe(), "killed by Killed");
        e.reason = ExitReason::IdleTimeout;
        assert_eq!(e.describe(), "stopped after idle timeout");
    }
}
