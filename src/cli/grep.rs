//! `sessui grep`: search every session's screen and history, on every host,
//! printed like grep (`session:line: text`) or as one JSON object per line.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use crate::app::App;
use crate::manager::{Outcome, SessionSearch};
use crate::protocol::{LineHit, QuerySpec};
use crate::term::search::Query;

use super::{CmdResult, Failure};

/// How long a host gets by default: enough to connect (and check the
/// remote sessui) on a slow link, short enough that a dead host does not
/// make a search feel hung.
const DEFAULT_HOST_WAIT_SECS: u64 = 10;
/// Outcomes queued between the hosts' searches and the printer.
const QUEUE: usize = 64;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Text to find (a regular expression with --regex).
    pub pattern: String,
    /// Only sessions on this host (`local`, or an SSH destination).
    #[arg(long)]
    pub host: Option<String>,
    /// Read PATTERN as a regular expression (Rust regex syntax).
    #[arg(long, short = 'E')]
    pub regex: bool,
    /// Ignore case.
    #[arg(long, short = 'i')]
    pub ignore_case: bool,
    /// One JSON object per matching line (and per session not searched).
    #[arg(long)]
    pub json: bool,
    /// Seconds each host gets to answer before its sessions are reported
    /// as not searched.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_HOST_WAIT_SECS)]
    pub timeout: u64,
}

/// grep's exit codes besides 0 (a line matched): none did, something failed.
const NONE: i32 = 1;
const TROUBLE: i32 = 2;

pub async fn run(app: &App, args: Args) -> CmdResult {
    let spec = QuerySpec {
        pattern: args.pattern.clone(),
        regex: args.regex,
        ignore_case: args.ignore_case,
    };
    // A bad pattern is refused here, not once per session.
    Query::new(spec.clone()).map_err(|e| Failure::usage(e.to_string()))?;
    let (tx, mut rx) = mpsc::channel(QUEUE);
    let wait = Duration::from_secs(args.timeout.max(1));
    let searching = app.manager.search(&spec, args.host.as_deref(), wait, tx);
    let colour = !args.json
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let printing = async {
        let mut status = Status::default();
        while let Some(found) = rx.recv().await {
            status.print(&found, args.json, colour);
        }
        status
    };
    let (searched, status) = tokio::join!(searching, printing);
    searched.map_err(|e| Failure {
        code: TROUBLE,
        message: e.to_string(),
    })?;
    let _ = std::io::stdout().flush();
    match status {
        Status { trouble: true, .. } => Err(Failure {
            code: TROUBLE,
            message: "some sessions were not searched (see above)".into(),
        }),
        Status { found: true, .. } => Ok(()),
        _ => Err(Failure {
            code: NONE,
            message: String::new(),
        }),
    }
}

#[derive(Debug, Default)]
struct Status {
    found: bool,
    trouble: bool,
}

impl Status {
    fn print(&mut self, s: &SessionSearch, json: bool, colour: bool) {
        let label = s.session.label();
        let why = match &s.outcome {
            Outcome::Found(hits) => {
                let mut out = std::io::stdout().lock();
                for hit in &hits.lines {
                    self.found = true;
                    let line = if json {
                        json_hit(s, hit)
                    } else {
                        text_hit(&label, hit, colour)
                    };
                    // A closed pipe (`| head`) ends the output, not the search.
                    let _ = writeln!(out, "{line}");
                }
                if hits.more > 0 {
                    eprintln!(
                        "sessui: {}: {} more matching lines not shown",
                        safe(&label),
                        hits.more
                    );
                }
                return;
            }
            Outcome::HostUnreachable(why) => ("not searched (host unreachable)", why),
            Outcome::Failed(why) => ("not searched", why),
        };
        self.trouble = true;
        let (what, detail) = why;
        if json {
            let value = json!({
                "session": label,
                "id": s.session.id.as_str(),
                "host": s.session.host,
                "error": what,
                "detail": detail,
            });
            if let Ok(text) = crate::text::json_line(&value) {
                println!("{text}");
            }
        }
        eprintln!(
            "sessui: {} on {}: {what}: {}",
            safe(&label),
            safe(&s.session.host),
            safe(detail)
        );
    }
}

fn safe(text: &str) -> String {
    crate::text::terminal_safe(text).into_owned()
}

fn json_hit(s: &SessionSearch, hit: &LineHit) -> String {
    let value = json!({
        "session": s.session.label(),
        "id": s.session.id.as_str(),
        "host": s.session.host,
        "line": hit.line + 1,
        "text": hit.text,
        "matches": hit.char_ranges(),
    });
    crate::text::json_line(&value).unwrap_or_default()
}

/// `session:line: text`, the matches in bold red when `colour` (as grep
/// draws them); every piece made safe to print.
fn text_hit(label: &str, hit: &LineHit, colour: bool) -> String {
    let mut out = String::new();
    let (name, num) = (safe(label), hit.line + 1);
    if colour {
        out.push_str(&format!("\x1b[35m{name}\x1b[m:\x1b[32m{num}\x1b[m: "));
    } else {
        out.push_str(&format!("{name}:{num}: "));
    }
    for (piece, matched) in hit.pieces() {
        if colour && matched {
            out.push_str(&format!("\x1b[1;31m{}\x1b[m", safe(piece)));
        } else {
            out.push_str(&safe(piece));
        }
    }
    out
}
