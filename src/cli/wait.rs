//! `sessui wait`: block until a session reaches a state, for scripts
//! (`sessui send build 'make\n'; sessui wait build --state done`).

use std::time::{Duration, Instant};

use crate::app::App;
use crate::store::Status;

use super::{CmdResult, Failure};

/// The exit code when the time given runs out (0 reached, 1 error, 2 usage).
pub const TIMED_OUT: i32 = 3;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name, id or id prefix.
    #[arg(add = super::complete::sessions())]
    pub session: String,
    /// The state to wait for.
    #[arg(long, value_enum)]
    pub state: WantState,
    /// Give up after this long (90s, 5m, 1h): exit code 3. Default: no limit.
    #[arg(long, value_parser = crate::duration::parse_duration)]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum WantState {
    Running,
    Done,
    Disconnected,
    Init,
}

impl WantState {
    fn status(self) -> Status {
        match self {
            WantState::Running => Status::Running,
            WantState::Done => Status::Done,
            WantState::Disconnected => Status::Disconnected,
            WantState::Init => Status::Init,
        }
    }
}

/// How often the session's row is read: a cheap query.
const POLL: Duration = Duration::from_millis(100);

pub async fn run(app: &App, args: Args) -> CmdResult {
    let want = args.state.status();
    let s = app.manager.find(&args.session).await?;
    let label = s.label();
    let deadline = args.timeout.map(|t| Instant::now() + t);
    // Look at the jobs at once: a shell may have ended with nobody watching.
    let mut reconciled: Option<Instant> = None;
    loop {
        if reconciled.is_none_or(|t| t.elapsed() >= super::events::RECONCILE_EVERY) {
            reconciled = Some(Instant::now());
            if let Err(e) = app.manager.reconcile().await {
                tracing::warn!("wait: reconcile failed: {e}");
            }
        }
        let Some(row) = app.manager.session(&s.id).await? else {
            return Err(Failure::from(format!(
                "session '{label}' was removed before it was {}",
                want.as_str()
            )));
        };
        if row.status == want {
            return Ok(());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Failure {
                code: TIMED_OUT,
                message: format!(
                    "timed out waiting for session '{label}' to be {} (it is {})",
                    want.as_str(),
                    row.state_text()
                ),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}
