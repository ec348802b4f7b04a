//! `sessui kill`: stop the shell, remove the session.

use crate::app::App;
use crate::manager::Deleted;

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name, number, id or id prefix.
    #[arg(add = super::complete::sessions())]
    pub session: String,
    /// Kill a job that does not stop when asked; if its host is unreachable,
    /// remove the session now and stop the job when the host is back.
    #[arg(long, short = 'f')]
    pub force: bool,
}

pub async fn run(app: &App, args: Args) -> CmdResult {
    let s = app.manager.resolve(&args.session)?;
    match app.manager.kill(s.id.as_str(), args.force).await? {
        Deleted::Done => println!("killed session '{}'", s.label()),
        Deleted::StopPending => println!(
            "removed session '{}'; its job on {} will be stopped when the host is reachable again",
            s.label(),
            s.host
        ),
        Deleted::ListLater(why) => println!(
            "stopped the shell of session '{}'; it stays in the list until the database can be \
             written ({why})",
            s.label()
        ),
    }
    Ok(())
}
