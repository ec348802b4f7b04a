//! `sessui capture`: print a session's screen.

use std::io::Write;

use crate::app::App;

use super::{CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name, number, id or id prefix.
    #[arg(add = super::complete::sessions())]
    pub session: String,
    /// Also print up to N lines of history above the screen.
    #[arg(long, short = 's', default_value_t = 0)]
    pub scrollback: u32,
    /// Keep colours and attributes as escape sequences.
    #[arg(long, short = 'e')]
    pub ansi: bool,
}

pub async fn run(app: &App, args: Args) -> CmdResult {
    let text = app
        .manager
        .capture(&args.session, args.scrollback, args.ansi)
        .await?;
    // The screen holds what programs wrote (and, for a remote session, what
    // the remote host sent): only colours pass with --ansi, nothing else acts.
    let text = if args.ansi {
        crate::text::terminal_safe_sgr(&text)
    } else {
        crate::text::terminal_safe_lines(&text)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Failure::from(format!("cannot write the capture: {e}")))
}
