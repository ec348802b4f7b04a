//! `sessui env`: the variables that follow the user (display, agent,
//! connection), as shell lines: `eval "$(sessui env)"` brings a running
//! shell up to date, since nothing can change its environment from outside.

use std::io::Write;

use crate::app::App;
use crate::job::follow;
use crate::store::{SessionRow, Status};
use crate::text::sh_quote;

use super::{CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name, number, id or id prefix; default: the session this shell runs
    /// in (`$SESSUI_SESSION`).
    #[arg(add = super::complete::sessions())]
    pub session: Option<String>,
}

/// The session `args` names, else the one this shell runs in.
fn session_key(args: &Args) -> Option<String> {
    args.session.clone().or_else(|| {
        std::env::var("SESSUI_SESSION")
            .ok()
            .filter(|s| !s.is_empty())
    })
}

pub async fn run(app: &App, args: Args) -> CmdResult {
    let key = session_key(&args).ok_or_else(|| {
        Failure::usage(
            "not inside a sessui session (SESSUI_SESSION is unset): name one, as in \
             `sessui env build`",
        )
    })?;
    let session = app.manager.find(&key).await?;
    let socket = job_socket(app, &session)?;
    let label = session.label();
    let vars = follow::read(&socket).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "session '{label}' has no recorded environment: its shell was started by an \
             older sessui; a new shell of the session will have one"
        ),
        _ => format!(
            "cannot read the environment of session '{label}' from {}: {e}",
            follow::env_path(&socket).display()
        ),
    })?;
    let link = crate::job::agent_link::link_path(&socket);
    let (lines, skipped) = shell_lines(&vars, &link.display().to_string());
    for name in skipped {
        eprintln!("sessui: {name} of session '{label}' holds control characters; left out");
    }
    let mut out = std::io::stdout().lock();
    out.write_all(lines.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Failure::from(format!("cannot write the environment: {e}")))
}

/// The socket of the session's running job on this machine.
fn job_socket(app: &App, session: &SessionRow) -> Result<std::path::PathBuf, Failure> {
    let label = session.label();
    if session.host != crate::host::LOCAL {
        return Err(Failure::from(format!(
            "session '{label}' runs on host '{}': there only SSH_AUTH_SOCK follows you (its \
             link is repointed on each connection when your agent is forwarded); DISPLAY and \
             the rest belong to this machine",
            session.host
        )));
    }
    match (&session.job, session.status) {
        (Some(job), Status::Running) => Ok(app.paths.runtime_dir.join(format!("{}.sock", job.id))),
        _ => Err(Failure::from(format!(
            "session '{label}' has no running shell ({}): there is nothing to bring up to date",
            session.status.as_str()
        ))),
    }
}

/// `export NAME='value'` for each variable the last login had, `unset NAME`
/// for each it lacked, and the session's own agent link; plus the names
/// left out because their values hold control characters (no display or
/// path does; printed, they would act on the terminal).
fn shell_lines(vars: &[follow::Var], agent_link: &str) -> (String, Vec<String>) {
    let mut lines = String::new();
    let mut skipped = Vec::new();
    for (name, value) in vars {
        if name == "SSH_AUTH_SOCK" || !follow::is_var_name(name) {
            continue;
        }
        match value {
            Some(v) if v.chars().any(char::is_control) => skipped.push(name.clone()),
            Some(v) => lines.push_str(&format!("export {name}={}\n", sh_quote(v))),
            None => lines.push_str(&format!("unset {name}\n")),
        }
    }
    lines.push_str(&format!("export SSH_AUTH_SOCK={}\n", sh_quote(agent_link)));
    (lines, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a POSIX shell makes of the lines: each value arrives whole, and
    /// nothing in one runs.
    #[test]
    fn hostile_values_arrive_whole_and_run_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let canary = dir.path().join("pwned");
        let hostile = format!(
            "x'; touch {c}; echo '$(touch {c})`touch {c}`\\\"${{HOME}}",
            c = canary.display()
        );
        let vars = vec![
            ("DISPLAY".to_string(), Some(hostile.clone())),
            ("WAYLAND_DISPLAY".to_string(), None),
            (
                "XAUTHORITY".to_string(),
                Some("a\u{1b}]0;x\u{7}".to_string()),
            ),
            ("SSH_AUTH_SOCK".to_string(), Some("/elsewhere".to_string())),
        ];
        let (lines, skipped) = shell_lines(&vars, "/run/s/j1.agent");
        assert_eq!(skipped, vec!["XAUTHORITY".to_string()]);
        let script = format!(
            "{lines}printf '%s|%s|%s' \"$DISPLAY\" \"${{WAYLAND_DISPLAY-unset}}\" \"$SSH_AUTH_SOCK\""
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("WAYLAND_DISPLAY", "wayland-0")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("{hostile}|unset|/run/s/j1.agent")
        );
        assert!(!canary.exists(), "a value ran as a command");
    }
}
