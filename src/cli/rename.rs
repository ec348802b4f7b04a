//! `sessui rename`: rename or make anonymous.

use crate::app::App;

use super::{CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name, number, id or id prefix.
    #[arg(add = super::complete::sessions())]
    pub session: String,
    /// The new name.
    pub name: Option<String>,
    /// Remove the name: the session becomes anonymous.
    #[arg(long, conflicts_with = "name")]
    pub clear: bool,
}

pub async fn run(app: &App, args: Args) -> CmdResult {
    let new = match (args.name, args.clear) {
        (Some(n), false) => n,
        (None, true) => String::new(),
        _ => {
            return Err(Failure::usage(
                "give a new name, or --clear to remove the name",
            ));
        }
    };
    if !args.clear && new.trim().is_empty() {
        return Err(Failure::usage(
            "the new name is blank; use --clear to make the session anonymous",
        ));
    }
    let s = app.manager.rename(&args.session, &new).await?;
    match &s.name {
        Some(n) => println!("renamed {} to '{n}'", s.id.short()),
        None => println!("{} is now anonymous", s.id.short()),
    }
    Ok(())
}
