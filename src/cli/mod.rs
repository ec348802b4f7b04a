//! The command line: `sessui` opens the UI; subcommands script sessions like
//! tmux's (`ls`, `new`, `send`, `capture`, `rename`, `info`, `kill`).

mod capture;
mod complete;
mod config;
mod doctor;
mod env;
mod escapes;
mod events;
mod grep;
mod info;
mod kill;
mod ls;
mod new;
mod prompt;
mod rename;
mod send;
mod wait;

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
    #[arg(long)]
    pub force: bool,
    /// Trust an SSH host's key the first time it is seen, without asking (for
    /// scripts; give it before the command). A key that changed is still refused.
    #[arg(long)]
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
    /// Open the UI attached to a session (like `tmux attach -t`); detaching
    /// returns to this shell.
    Attach {
        /// Name, number, id or id prefix.
        #[arg(add = complete::sessions())]
        session: String,
        /// Open it even inside a sessui session.
        #[arg(long)]
        force: bool,
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
    /// Print `export` lines for the variables that follow you (DISPLAY,
    /// SSH_CONNECTION, ...) as of the last attach: `eval "$(sessui env)"`.
    Env(env::Args),
    /// Print every change to every session as it happens (one line each).
    Events(events::Args),
    /// Wait until a session reaches a state (exit 0), or time out (exit 3).
    Wait(wait::Args),
    /// Check, locate or print the configuration file.
    #[command(subcommand)]
    Config(config::Command),
    /// Check paths, permissions, the database, hosts and the terminal.
    Doctor(doctor::Args),
    /// Print the shell completion script: `source <(sessui completions bash)`.
    Completions(complete::Args),
    /// Print the manual page (roff): `sessui man | man -l -`.
    Man,
    /// Search every session's screen and history, on every host, like grep:
    /// exit 0 when a line matched, 1 when none did, 2 on trouble.
    Grep(grep::Args),
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
    /// The reader of our output went away: stop quietly.
    pub fn closed() -> Failure {
        Failure {
            code: 0,
            message: String::new(),
        }
    }

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
    // A shell asking for completions (the scripts `completions` prints).
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command).complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let command = match cli.command {
        Some(Command::Agent(args)) => return crate::agent::main(args),
        other => other,
    };
    let prompter = std::sync::Arc::new(CliPrompter {
        accept_new_host_key: cli.accept_new_host_key,
    });
    let result = match command {
        None => run_ui(None, cli.force),
        Some(Command::Attach { session, force }) => run_ui(Some(session), cli.force || force),
        Some(Command::Config(c)) => config::run(c),
        Some(Command::Completions(a)) => complete::run(a),
        Some(Command::Man) => complete::man(),
        Some(Command::Doctor(a)) => doctor::run(a),
        Some(cmd) => run_command(cmd, prompter),
    };
    match result {
        Ok(()) => 0,
        // Output closed by its reader (`sessui events | head`), or grep's
        // "nothing found" (an exit code): nothing to say.
        Err(f) if f.message.is_empty() => f.code,
        Err(f) => {
            // Messages carry text from hosts and programs (a remote stderr
            // line, an exit reason): nothing in them may act on the terminal.
            eprintln!("sessui: {}", crate::text::terminal_safe_lines(&f.message));
            f.code
        }
    }
}

/// Help and version go to stdout as clap writes them; every mistake is
/// said with the one prefix all of sessui's errors carry.
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            2
        } else {
            0
        };
    }
    let text = if e.kind() == ErrorKind::InvalidSubcommand {
        unknown_command(&e)
    } else {
        e.render().to_string()
    };
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprint!("sessui: {text}");
    2
}

/// clap suggests hidden subcommands too (`agen` -> `agent`): only the
/// commands a user may run are offered.
fn unknown_command(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let cmd = <Cli as clap::CommandFactory>::command();
    let visible: Vec<&str> = cmd
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name())
        .collect();
    let given = match e.get(ContextKind::InvalidSubcommand) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    let suggested: Vec<String> = match e.get(ContextKind::SuggestedSubcommand) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| visible.contains(&s.as_str()))
    .map(|s| format!("'{s}'"))
    .collect();
    let tip = match suggested.len() {
        0 => String::new(),
        1 => format!("\n  tip: a similar command exists: {}\n", suggested[0]),
        _ => format!(
            "\n  tip: similar commands exist: {}\n",
            suggested.join(", ")
        ),
    };
    format!(
        "unrecognized command '{given}'\n{tip}\nUsage: sessui [OPTIONS] [COMMAND]\n\n\
         For more information, try '--help'.\n"
    )
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

/// The session a command names, if it names one.
fn session_key(cmd: &Command) -> Option<&str> {
    match cmd {
        Command::Send(a) => Some(&a.session),
        Command::Capture(a) => Some(&a.session),
        Command::Rename(a) => Some(&a.session),
        Command::Info(a) => Some(&a.session),
        Command::Kill(a) => Some(&a.session),
        Command::Wait(a) => Some(&a.session),
        Command::Env(a) => a.session.as_deref(),
        _ => None,
    }
}

fn run_command(cmd: Command, prompter: std::sync::Arc<CliPrompter>) -> CmdResult {
    let app = App::open_for(prompter)?;
    let mut attach_to = None;
    let mut force = false;
    block_on(async {
        // A name the database does not know may be a running session it
        // lost: those are listed again first.
        if let Some(key) = session_key(&cmd)
            && let Ok((_, adopted)) = app.manager.resolve_or_adopt(key).await
        {
            crate::app::tell_adopted(&adopted);
        }
        match cmd {
            Command::New(a) => {
                force |= a.force;
                attach_to = new::run(&app, a).await?;
                Ok(())
            }
            Command::Ls(a) => ls::run(&app, a).await,
            Command::Send(a) => send::run(&app, a).await,
            Command::Capture(a) => capture::run(&app, a).await,
            Command::Rename(a) => rename::run(&app, a).await,
            Command::Info(a) => info::run(&app, a).await,
            Command::Kill(a) => kill::run(&app, a).await,
            Command::Events(a) => events::run(&app, a).await,
            Command::Wait(a) => wait::run(&app, a).await,
            Command::Env(a) => env::run(&app, a).await,
            Command::Grep(a) => grep::run(&app, a).await,
            Command::Attach { .. }
            | Command::Agent(_)
            | Command::Config(_)
            | Command::Doctor(_)
            | Command::Completions(_)
            | Command::Man => Ok(()),
        }
    })?;
    // `new --attach`: the UI runs on its own runtime, after the command's.
    match attach_to {
        Some(id) => {
            drop(app);
            run_ui(Some(id), force)
        }
        None => Ok(()),
    }
}

/// Writes a line to stdout and flushes it (a script reads line by line); a
/// closed pipe ends the command quietly.
pub(crate) fn out_line(line: &str) -> CmdResult {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    match writeln!(o, "{line}").and_then(|_| o.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::closed()),
        Err(e) => Err(Failure::from(format!("cannot write the output: {e}"))),
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
