//! One-off requests to a session's job from the command line: send, capture, info.

use super::{Manager, ManagerError, REQUEST_TIMEOUT, Result};
use crate::host::JobConn;
use crate::ids::SessionId;
use crate::protocol::{ClientMsg, JobInfo, ServerMsg};
use crate::store::{SessionRow, Status};

impl Manager {
    /// Connects to a session's job for a one-off request.
    async fn connect_for(&self, s: &SessionRow, what: &str) -> Result<JobConn> {
        self.connect_as(s, what, false).await
    }

    /// `connect_for` on a person's behalf (a command they typed): a host
    /// waiting for an answer asks them.
    async fn connect_acting(&self, s: &SessionRow, what: &str) -> Result<JobConn> {
        self.connect_as(s, what, true).await
    }

    async fn connect_as(&self, s: &SessionRow, what: &str, acting: bool) -> Result<JobConn> {
        if acting {
            self.host(&s.host)?.user_acts();
        }
        let revived;
        let s = match s.status {
            Status::Disconnected => {
                revived = self.revive(s).await;
                revived.as_ref().unwrap_or(s)
            }
            _ => s,
        };
        match s.status {
            Status::Done => return Err(ManagerError::ended(s)),
            Status::Disconnected => {
                return Err(ManagerError::HostUnreachable {
                    host: s.host.clone(),
                    detail: "the session's shell keeps running there; try again when it is back"
                        .into(),
                });
            }
            Status::Init | Status::Running => {}
        }
        let host = self.host(&s.host)?;
        self.connect_job(s, &*host, what).await
    }

    /// Types bytes into a session, like `tmux send-keys`. Needs the job, not
    /// a database write: activity is recorded if the database takes it.
    pub async fn send(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        let s = self.find(key).await?;
        let mut conn = self.connect_acting(&s, "sending to").await?;
        conn.send(ClientMsg::Input(bytes))
            .await
            .map_err(|source| ManagerError::Host {
                context: format!("sending to session '{}'", s.label()),
                source,
            })?;
        // The job handles messages in order: the pong means the input was
        // taken. The shell may end first (the input was often `exit`): the
        // job says so, and the input was taken all the same.
        match conn.request(ClientMsg::Ping(1), REQUEST_TIMEOUT).await {
            Ok(ServerMsg::Pong(_) | ServerMsg::Exited(_)) => {}
            Ok(ServerMsg::Error { message }) => return Err(ManagerError::Other(message)),
            Ok(other) => return Err(ManagerError::Other(format!("unexpected reply {other:?}"))),
            Err(source) => {
                return Err(ManagerError::Host {
                    context: format!("sending to session '{}'", s.label()),
                    source,
                });
            }
        }
        if let Err(e) = self.record_activity(&s.id).await {
            tracing::info!(session = %s.id, "input sent; its activity not recorded: {e}");
        }
        Ok(())
    }

    /// The session's screen (and history) as text, like `tmux capture-pane -p`.
    pub async fn capture(&self, key: &str, scrollback: u32, ansi: bool) -> Result<String> {
        let s = self.find(key).await?;
        let mut conn = self.connect_acting(&s, "capturing").await?;
        match conn
            .request(ClientMsg::Capture { scrollback, ansi }, REQUEST_TIMEOUT)
            .await
        {
            Ok(ServerMsg::Captured { text }) => Ok(text),
            Ok(other) => Err(ManagerError::Other(format!("unexpected reply {other:?}"))),
            Err(source) => Err(ManagerError::Host {
                context: format!("capturing session '{}'", s.label()),
                source,
            }),
        }
    }

    /// A connection watching a session's screen (the list's preview): it
    /// gets the screen and live output, and its size, its presence and
    /// anything else of it counts for nothing. `None`: the job is older than
    /// watching (protocol 4) and would take the request for a view's.
    pub async fn watch(&self, id: &SessionId) -> Result<Option<JobConn>> {
        let s = self
            .session(id)
            .await?
            .ok_or_else(|| ManagerError::Other(format!("no session {id}")))?;
        let conn = self.connect_for(&s, "previewing").await?;
        if conn.version < crate::protocol::WATCH {
            return Ok(None);
        }
        conn.send(ClientMsg::Watch)
            .await
            .map_err(|source| ManagerError::Host {
                context: format!("previewing session '{}'", s.label()),
                source,
            })?;
        // A preview shows the session: its bell has been seen.
        if s.activity.bell_at.is_some() {
            let seen = s.id.clone();
            if let Err(e) = self.db(move |st| st.clear_bell(&seen)).await {
                tracing::debug!("clearing the bell of {}: {e}", s.id);
            }
        }
        Ok(Some(conn))
    }

    /// Everything known of a session, with the job's own report if it answers.
    pub async fn info(&self, key: &str) -> Result<(SessionRow, Option<JobInfo>)> {
        let s = self.find(key).await?;
        if s.status != Status::Running {
            return Ok((s, None));
        }
        let info = match self.connect_acting(&s, "asking").await {
            Ok(mut conn) => match conn.request(ClientMsg::Info, REQUEST_TIMEOUT).await {
                Ok(ServerMsg::Info(info)) => Some(info),
                _ => None,
            },
            Err(ManagerError::Ended { .. }) => None,
            Err(e) => return Err(e),
        };
        let s = self.session(&s.id).await?.unwrap_or(s);
        Ok((s, info))
    }
}
