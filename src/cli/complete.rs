//! Shell completions (commands, options and the names of sessions, asked of
//! sessui as the user types) and the manual page, both drawn from clap.

use clap::CommandFactory;
use clap_complete::CompletionCandidate;
use clap_complete::engine::ArgValueCandidates;
use clap_complete::env::Shells;

use super::{Cli, CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: String,
}

/// The variable the completion scripts set when they call sessui back.
const COMPLETE_VAR: &str = "COMPLETE";

/// Prints the script that registers sessui's completions with `shell`. It
/// calls `sessui` back for each completion, so session names are current.
pub fn run(args: Args) -> CmdResult {
    let shells = Shells::builtins();
    let Some(shell) = shells.completer(&args.shell) else {
        let known: Vec<&str> = shells.names().collect();
        return Err(Failure::usage(format!(
            "no completions for the shell '{}'; known: {}",
            args.shell,
            known.join(", ")
        )));
    };
    let mut out = std::io::stdout().lock();
    shell
        .write_registration(COMPLETE_VAR, "sessui", "sessui", "sessui", &mut out)
        .map_err(written)
}

/// Prints the manual page, made from the same definitions as `--help`.
pub fn man() -> CmdResult {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(written)
}

fn written(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::closed()
    } else {
        Failure::from(format!("cannot write the output: {e}"))
    }
}

/// Completes a session argument with the names and short ids in the database.
pub fn sessions() -> ArgValueCandidates {
    ArgValueCandidates::new(session_candidates)
}

fn session_candidates() -> Vec<CompletionCandidate> {
    // Completion must be quick and say nothing: no database, no candidates.
    let Ok(paths) = crate::paths::Paths::from_env() else {
        return Vec::new();
    };
    let db = paths.db_file();
    if !db.exists() {
        return Vec::new();
    }
    // Never the usual wait for a busy database: a shell is waiting.
    let busy = std::time::Duration::from_millis(200);
    let Ok(store) = crate::store::Store::open_with(&db, busy) else {
        return Vec::new();
    };
    let Ok(sessions) = store.list() else {
        return Vec::new();
    };
    sessions
        .iter()
        .map(|s| {
            let value = s.name.clone().unwrap_or_else(|| s.id.short().to_string());
            let help = format!("{} {}", s.host, s.status.as_str());
            CompletionCandidate::new(value).help(Some(help.into()))
        })
        .collect()
}
