//! `sessui new`: create a session, print its id.

use std::path::PathBuf;

use crate::app::App;
use crate::duration::Timeout;
use crate::manager::CreateOpts;

use super::{Failure, parse_timeout_arg};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name the session (letters, digits, spaces...; no '/', at most 64 characters).
    #[arg(long, short = 'n')]
    pub name: Option<String>,
    /// Where the shell runs: `local` (default), an ~/.ssh/config alias, host,
    /// user@host, user@host:port or ssh://user@host:port.
    #[arg(long, short = 'H')]
    pub host: Option<String>,
    /// Working directory of the shell (default: the current directory).
    #[arg(long, short = 'c')]
    pub cwd: Option<PathBuf>,
    /// Run this command (with sh -c) instead of a login shell.
    #[arg(long)]
    pub cmd: Option<String>,
    /// Stop the session after this long with no view attached: 30m, 2h, 1d, or
    /// `never`. Default: 1h for anonymous sessions, never for named ones.
    #[arg(long, value_parser = parse_timeout_arg)]
    pub idle_timeout: Option<Timeout>,
    /// Open the UI attached to the new session; detaching returns to this shell.
    #[arg(long, short = 'a')]
    pub attach: bool,
    /// With --attach: open it even inside a sessui session.
    #[arg(long)]
    pub force: bool,
    /// Print the session as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Creates the session; returns its id when the UI should open attached to it.
pub async fn run(app: &App, args: Args) -> Result<Option<String>, Failure> {
    if args.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(Failure::usage(
            "--name cannot be empty; leave --name out for an anonymous session",
        ));
    }
    let host = args.host.clone().unwrap_or_default();
    let cwd = crate::manager::new_session_cwd(&host, args.cwd)
        .map_err(|e| Failure::from(e.to_string()))?;
    // `window_size`, not `size`: without a terminal (a script, cron) `size`
    // runs `tput` twice, two processes before the session can start.
    let (cols, rows) = crossterm::terminal::window_size()
        .ok()
        .filter(|w| w.columns > 0 && w.rows > 0)
        .map_or((80, 24), |w| (w.columns, w.rows));
    let session = app
        .manager
        .create(CreateOpts {
            name: args.name.unwrap_or_default(),
            host,
            cwd,
            cmd: args.cmd,
            shell: None,
            idle: args.idle_timeout,
            cols,
            rows,
        })
        .await?;
    if args.json && !args.attach {
        let json = super::ls::session_json(&app.manager, &session);
        println!(
            "{}",
            serde_json::to_string_pretty(&json).map_err(|e| Failure::from(e.to_string()))?
        );
    } else if !args.attach {
        println!("{}", session.id);
    }
    Ok(args.attach.then(|| session.id.to_string()))
}
