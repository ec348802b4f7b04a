//! `sessui send`: type into a session.

use crate::app::App;

use super::{CmdResult, Failure, unescape};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name, number, id or id prefix.
    #[arg(add = super::complete::sessions())]
    pub session: String,
    /// Text to type; several are joined. Escapes: \n (Enter), \r, \t, \e, \\, \xNN.
    #[arg(required = true, allow_hyphen_values = true)]
    pub text: Vec<String>,
    /// Send the text as is, without interpreting escapes.
    #[arg(long, short = 'l')]
    pub literal: bool,
}

pub async fn run(app: &App, args: Args) -> CmdResult {
    let text = args.text.join("");
    let bytes = if args.literal {
        text.into_bytes()
    } else {
        unescape(&text).map_err(Failure::usage)?
    };
    app.manager.send(&args.session, bytes).await?;
    Ok(())
}
