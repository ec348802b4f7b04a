//! The command line: `sessui` opens the UI; subcommands script sessions like
//! tmux's (`ls`, `new`, `send`, `capture`, `rename`, `info`, `kill`).

mod capture;
mod escapes;
mod info;
mod kill;
mod ls;
mod new;
mod prompt;
mod rename;
mod send;

use std::future::Future;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::duration::Timeout;
use crate::manager::ManagerError;

pub use escapes::unescape;
pub use prompt::CliPrompter;

#[derive(Debug, Parser)]
#[command(
    name = "sessui",
    version,
    about = "Terminal sessions that outlive the UI, locally and over SSH",
    long_about = "Run `sessui` with no command to open the session list.\n\
                  Sessions are named by name, number, full id, or a unique id prefix (4+ characters)."
)]
pub struct Cli {
    /// Open the UI even inside a sessui session.
    #[arg(long, global = true)]
    pub force: bool,
    /// Trust an SSH host's key the first time it is seen, without asking (for
    /// scripts). A key that changed is still refused.
    #[arg(long, global = true)]
    pub accept_new_host_key: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a session; prints its id. The shell starts in the background.
    New(new::Args),
    /// List sessions, most recently active first.
    Ls(ls::Args),
    /// Open the UI attached to a session (like `tmux attach -t`).
    Attach {
        /// Name, number, id or id prefix.
        session: String,
    },
    /// Type text into a session (like `tmux send-keys`).
    Send(send::Args),
    /// Print a session's screen as text (like `tmux capture-pane -p`).
    Capture(capture::Args),
    /// Rename a session, or make it anonymous with --clear.
    Rename(rename::Args),
    /// Show everything known about a session.
    Info(info::Args),
    /// Stop a session's shell and remove the session.
    Kill(kill::Args),
    /// Internal: sessui's endpoint on a remote host, run over SSH.
    #[command(hide = true)]
    Agent(crate::agent::AgentArgs),
}

/// A failed command: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

impl From<ManagerError> for Failure {
    fn from(e: ManagerError) -> Self {
        Failure {
            code: 1,
            message: e.to_string(),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { code: 1, message }
    }
}

pub type CmdResult = Result<(), Failure>;

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    // A job lives for days: parse its own arguments without building the
    // whole command line, so it does not keep clap's pages resident.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "job") {
        return crate::job::entry(&args[2..]);
    }
    let cli = Cli::parse();
    let command = match cli.command {
        Some(Command::Agent(args)) => return crate::agent::main(args),
        other => other,
    };
    let prompter = std::sync::Arc::new(CliPrompter {
        accept_new_host_key: cli.accept_new_host_key,
    });
    let result = match command {
        None => run_ui(None, cli.force),
        Some(Command::Attach { session }) => run_ui(Some(session), cli.force),
        Some(cmd) => run_command(cmd, prompter),
    };
    match result {
        Ok(()) => 0,
        Err(f) => {
            // Messages carry text from hosts and programs (a remote stderr
            // line, an exit reason): nothing in them may act on the terminal.
            eprintln!("sessui: {}", crate::text::terminal_safe_lines(&f.message));
            f.code
        }
    }
}

pub(crate) fn run_ui(attach: Option<String>, force: bool) -> CmdResult {
    // No nesting by accident.
    if let Ok(id) = std::env::var("SESSUI_SESSION")
        && !id.is_empty()
        && !force
    {
        return Err(Failure::from(format!(
            "you are inside sessui session {id}; a second sessui here would stack a second \
             prefix layer. Detach first (C-b d), or run `sessui --force` to do it anyway"
        )));
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin())
        || !std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        return Err(Failure::from(
            "the session list needs a terminal; for scripts use `sessui ls`, `new`, `send`, \
             `capture`"
                .to_string(),
        ));
    }
    let prompter = std::sync::Arc::new(crate::ui::UiPrompter::default());
    let app = App::open_for(prompter.clone())?;
    crate::ui::run(app, prompter, attach).map_err(Failure::from)
}

/// Says once, on stderr, which running sessions were listed again after the
/// database lost them.
pub(crate) fn tell_adopted(labels: &[String]) {
    if let Some(text) = crate::manager::adopted_notice(labels) {
        eprintln!("sessui: {text}");
    }
}

/// The session a command names, if it names one.
fn session_key(cmd: &Command) -> Option<&str> {
    match cmd {
        Command::Send(a) => Some(&a.session),
        Command::Capture(a) => Some(&a.session),
        Command::Rename(a) => Some(&a.session),
        Command::Info(a) => Some(&a.session),
        Command::Kill(a) => Some(&a.session),
        _ => None,
    }
}

fn run_command(cmd: Command, prompter: std::sync::Arc<CliPrompter>) -> CmdResult {
    let app = App::open_for(prompter)?;
    let mut attach_to = None;
    block_on(async {
        // A name the database does not know may be a running session it
        // lost: those are listed again first.
        if let Some(key) = session_key(&cmd)
            && let Ok((_, adopted)) = app.manager.resolve_or_adopt(key).await
        {
            tell_adopted(&adopted);
        }
        match cmd {
            Command::New(a) => {
                attach_to = new::run(&app, a).await?;
                Ok(())
            }
            Command::Ls(a) => ls::run(&app, a).await,
            Command::Send(a) => send::run(&app, a).await,
            Command::Capture(a) => capture::run(&app, a).await,
            Command::Rename(a) => rename::run(&app, a).await,
            Command::Info(a) => info::run(&app, a).await,
            Command::Kill(a) => kill::run(&app, a).await,
            Command::Attach { .. } | Command::Agent(_) => Ok(()),
        }
    })?;
    // `new --attach`: the UI runs on its own runtime, after the command's.
    match attach_to {
        Some(id) => {
            drop(app);
            run_ui(Some(id), false)
        }
        None => Ok(()),
    }
}

/// Runs a future on a small runtime: the CLI does one thing and exits.
pub fn block_on<F: Future<Output = CmdResult>>(f: F) -> CmdResult {
    let runtime = crate::runtime::multi_thread().map_err(Failure::from)?;
    runtime.block_on(f)
}

/// `--idle-timeout` values: `30m`, `2h`, `never`.
pub fn parse_timeout_arg(s: &str) -> Result<Timeout, String> {
    crate::duration::parse_timeout(s)
}
