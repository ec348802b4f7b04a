//! Telling a job what changed about its session (its idle timeout, what it
//! keeps of the session), now if it can be reached, else as soon as it can:
//! a change made while the host is down is delivered on reconnect.

use super::{Manager, REQUEST_TIMEOUT, facts_of, job_ref};
use crate::config::Config;
use crate::duration::Timeout;
use crate::host::{Host, HostError};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::store::{IdleSetting, SessionRow, Status};

impl Manager {
    /// Tells the session's job about the session as it is now; if that
    /// cannot happen now, marks it to be done when the job is reachable.
    pub(super) async fn update_job(&self, s: &SessionRow) {
        if s.status == Status::Done || s.job.is_none() {
            // A new job starts with the session as it is then.
            return;
        }
        let delivered = match self.host(&s.host) {
            Ok(host) => deliver(&*host, s, &self.config).await.is_ok(),
            Err(_) => false,
        };
        let id = s.id.clone();
        let noted = self
            .db(move |st| st.set_job_outdated(&id, !delivered))
            .await;
        if let Err(e) = noted {
            tracing::warn!(session = %s.id, "cannot note whether its job is up to date: {e}");
        }
    }
}

/// The limit the job itself enforces: the session's, else the host's backstop.
pub(super) fn job_timeout(s: &SessionRow, host: &dyn Host, config: &Config) -> Timeout {
    let own = match s.idle {
        IdleSetting::Own(t) => t,
        IdleSetting::Default => config.default_idle(s.name.is_some()),
    };
    match own {
        Timeout::Never => host.job_backstop(),
        own => own,
    }
}

/// Tells a running job its idle timeout and leaves the session's facts
/// beside it. Fails if either did not get there.
pub(super) async fn deliver(
    host: &dyn Host,
    s: &SessionRow,
    config: &Config,
) -> Result<(), HostError> {
    let Some(job) = &s.job else {
        return Ok(());
    };
    let jref = job_ref(job);
    host.describe(&jref, &facts_of(s)).await?;
    let secs = job_timeout(s, host, config).as_secs().unwrap_or(0);
    let mut conn = host.connect(&jref).await?;
    match conn
        .request(
            ClientMsg::SetIdleTimeout { secs: Some(secs) },
            REQUEST_TIMEOUT,
        )
        .await?
    {
        ServerMsg::Info(_) | ServerMsg::Pong(_) => Ok(()),
        other => Err(HostError::Unreachable(format!(
            "unexpected answer to a new idle timeout: {other:?}"
        ))),
    }
}
