//! `sessui doctor`: what a bug report needs and what a user can fix, checked
//! one by one: paths and permissions, versions, the database, the runtime
//! directory, each known host (with a short timeout), the terminal.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use crate::config::Config;
use crate::paths::Paths;
use crate::store::Store;

use super::{CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long each SSH host gets to answer.
    #[arg(long, default_value = "5s", value_parser = crate::duration::parse_duration)]
    pub host_timeout: Duration,
}

/// The checks' outcome, printed as it goes.
struct Report {
    problems: usize,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl std::fmt::Display) {
        println!("ok    {what:<14}{detail}");
    }

    fn bad(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.problems += 1;
        println!(
            "FAIL  {what:<14}{}",
            crate::text::terminal_safe_lines(&detail.to_string())
        );
    }

    fn info(&mut self, what: &str, detail: impl std::fmt::Display) {
        println!("      {what:<14}{detail}");
    }
}

pub fn run(args: Args) -> CmdResult {
    let mut r = Report { problems: 0 };
    r.info("version", format!("sessui {}", env!("CARGO_PKG_VERSION")));
    r.info(
        "protocol",
        format!(
            "speaks job protocol up to {}",
            crate::protocol::PROTOCOL_VERSION
        ),
    );
    let paths = Paths::from_env().map_err(|e| Failure::from(e.to_string()))?;
    for (what, dir) in [
        ("data dir", &paths.data_dir),
        ("state dir", &paths.state_dir),
        ("config dir", &paths.config_dir),
        ("runtime dir", &paths.runtime_dir),
    ] {
        describe_dir(&mut r, what, dir);
    }
    match paths.create_all() {
        Ok(()) => r.ok("permissions", "every directory is yours alone"),
        Err(e) => r.bad("permissions", e),
    }
    let config = match Config::load(&paths.config_file()) {
        Ok(c) => {
            r.ok("config", paths.config_file().display());
            c
        }
        Err(e) => {
            r.bad("config", e);
            Config::default()
        }
    };
    let hosts = check_db(&mut r, &paths, &config);
    if !hosts.is_empty() {
        check_hosts(&mut r, &paths, &config, hosts, args.host_timeout)?;
    }
    check_terminal(&mut r);
    if r.problems == 0 {
        println!("\nall checks passed");
        Ok(())
    } else {
        Err(Failure::from(format!(
            "{} check(s) failed (FAIL above)",
            r.problems
        )))
    }
}

fn describe_dir(r: &mut Report, what: &str, dir: &Path) {
    match std::fs::metadata(dir) {
        Ok(m) => r.info(
            what,
            format!(
                "{} (mode {:o}, owner uid {})",
                dir.display(),
                m.permissions().mode() & 0o7777,
                m.uid()
            ),
        ),
        Err(_) => r.info(what, format!("{} (not made yet)", dir.display())),
    }
}

/// Opens and checks the database; returns the SSH hosts it knows.
fn check_db(r: &mut Report, paths: &Paths, config: &Config) -> Vec<String> {
    let db = paths.db_file();
    let store = match Store::open_with(&db, config.timeouts.db_busy) {
        Ok(s) => s,
        Err(e) => {
            r.bad("database", e);
            return Vec::new();
        }
    };
    match store.quick_check() {
        Ok(None) => {}
        Ok(Some(problem)) => r.bad("database", format!("{}: {problem}", db.display())),
        Err(e) => r.bad("database", e),
    }
    match store.list() {
        Ok(sessions) => {
            r.ok(
                "database",
                format!("{} ({} sessions)", db.display(), sessions.len()),
            );
            let mut hosts: Vec<String> = sessions
                .into_iter()
                .map(|s| s.host)
                .filter(|h| h != "local")
                .collect();
            hosts.sort();
            hosts.dedup();
            hosts
        }
        Err(e) => {
            r.bad("database", e);
            Vec::new()
        }
    }
}

fn check_hosts(
    r: &mut Report,
    paths: &Paths,
    config: &Config,
    hosts: Vec<String>,
    limit: Duration,
) -> CmdResult {
    let mut config = config.clone();
    config.ssh.connect_timeout = limit;
    let app = crate::app::App::open_with_prompter(
        paths.clone(),
        config,
        std::sync::Arc::new(crate::host::NoPrompter),
    )?;
    super::block_on(async {
        for name in hosts {
            let outcome = tokio::time::timeout(limit, async {
                let host = app.manager.host(&name).map_err(|e| e.to_string())?;
                host.list_jobs().await.map_err(|e| e.to_string())
            })
            .await;
            match outcome {
                Ok(Ok(jobs)) => r.ok("host", format!("{name}: reachable, {} jobs", jobs.len())),
                Ok(Err(e)) => r.bad("host", format!("{name}: {e}")),
                Err(_) => r.bad("host", format!("{name}: no answer within {limit:?}")),
            }
        }
        Ok(())
    })
}

fn check_terminal(r: &mut Report) {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let size = crossterm::terminal::size()
        .map(|(c, rows)| format!("{c}x{rows}"))
        .unwrap_or_else(|_| "unknown".into());
    r.info(
        "terminal",
        format!(
            "TERM={} COLORTERM={} size {size}{}",
            var("TERM"),
            var("COLORTERM"),
            if tty {
                ""
            } else {
                " (stdout is not a terminal)"
            }
        ),
    );
    if var("TERM").is_empty() || var("TERM") == "dumb" {
        r.bad(
            "terminal",
            "TERM is empty or dumb: the UI needs a real terminal type (e.g. xterm-256color)",
        );
    }
    let inside = var("SESSUI_SESSION");
    if !inside.is_empty() {
        r.info(
            "nesting",
            format!("inside sessui session {inside}: the UI refuses to nest without --force"),
        );
    }
    if !var("TMUX").is_empty() {
        r.info(
            "nesting",
            "inside tmux: both use C-b as the prefix unless configured",
        );
    }
}
