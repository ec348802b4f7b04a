//! `sessui ls`: the session table, or JSON for scripts.

use serde_json::{Value, json};

use crate::app::App;
use crate::clock::{rfc3339, since};
use crate::duration::{format_age, format_bytes, format_countdown, format_cpu};
use crate::manager::Manager;
use crate::store::SessionRow;

use super::{CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON: full ids, RFC 3339 timestamps.
    #[arg(long)]
    pub json: bool,
    /// Keep the list on screen, redrawn when anything changes (Ctrl-C ends).
    #[arg(long, conflicts_with = "json")]
    pub watch: bool,
}

pub fn session_json(mgr: &Manager, s: &SessionRow) -> Value {
    let idle = mgr.effective_idle(s);
    json!({
        "id": s.id.as_str(),
        "number": s.number,
        "name": s.name,
        "host": s.host,
        "state": s.status,
        "job_id": s.job.as_ref().map(|j| j.id.as_str()),
        "job_pid": s.job.as_ref().and_then(|j| j.pid),
        "views": s.views,
        "created_at": rfc3339(s.created_at),
        "last_active_at": rfc3339(s.last_active_at),
        "idle_since": s.idle_since.map(rfc3339),
        "idle_timeout": idle.to_string(),
        "reaped_at": mgr.reap_deadline(s).map(rfc3339),
        "exit_code": s.exit.as_ref().and_then(|e| e.code),
        "exit": s.exit.as_ref().map(|e| e.description.clone()),
        "cwd": s.cwd,
        "command": s.command,
        // What runs in it, as its job last said (null once it ended).
        "program": s.live_activity().and_then(|a| a.program.clone()),
        "title": s.live_activity().map(|a| a.title.clone()),
        "bell_at": s.live_activity().and_then(|a| a.bell_at).map(rfc3339),
        "cpu_seconds": s.live_activity().map(|a| a.cpu_ms as f64 / 1000.0),
        "memory_bytes": s.live_activity().map(|a| a.rss_bytes),
    })
}

pub async fn run(app: &App, args: Args) -> CmdResult {
    if args.watch {
        return watch(app).await;
    }
    // Show the truth: jobs that died since anyone looked are marked done
    // first, and running ones the database lost are listed again.
    match app.manager.reconcile().await {
        Ok(report) => crate::app::tell_adopted(&report.adopted),
        Err(e) => tracing::warn!("reconcile before ls failed: {e}"),
    }
    let sessions = app.manager.sessions().await?;
    if args.json {
        let all: Vec<Value> = sessions
            .iter()
            .map(|s| session_json(&app.manager, s))
            .collect();
        let text = crate::text::json_pretty(&all).map_err(|e| Failure::from(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    print!("{}", table_text(&app.manager, &sessions));
    Ok(())
}

/// `ls --watch`: the table again whenever the database changes, and each
/// second for the ages; jobs are checked as `ls` does, every few seconds.
async fn watch(app: &App) -> CmdResult {
    use std::time::{Duration, Instant};
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut version = None;
    let mut drawn: Option<Instant> = None;
    let mut reconciled: Option<Instant> = None;
    loop {
        if reconciled.is_none_or(|t| t.elapsed() >= super::events::RECONCILE_EVERY) {
            reconciled = Some(Instant::now());
            match app.manager.reconcile().await {
                Ok(report) => crate::app::tell_adopted(&report.adopted),
                Err(e) => tracing::warn!("reconcile in ls --watch failed: {e}"),
            }
        }
        let now = app.manager.db_version().await?;
        if version != Some(now) || drawn.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            version = Some(now);
            drawn = Some(Instant::now());
            let text = table_text(&app.manager, &app.manager.sessions().await?);
            // On a terminal the table replaces itself; into a pipe each
            // drawing follows the last, a blank line apart.
            let frame = if tty {
                format!("\x1b[H\x1b[2J{}", text.trim_end())
            } else {
                text
            };
            super::out_line(&frame)?;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn table_text(manager: &crate::manager::Manager, sessions: &[SessionRow]) -> String {
    if sessions.is_empty() {
        return "no sessions (create one with `sessui new --name NAME` or run `sessui`)\n".into();
    }
    // Names and hosts were checked when stored, but an older sessui (or a
    // hand-edited database) may have stored anything; exit reasons come
    // from the job's host.
    let safe = |t: &str| crate::text::terminal_safe(t).into_owned();
    let activity = |s: &SessionRow, f: &dyn Fn(&crate::protocol::Activity) -> String| {
        s.live_activity().map(f).unwrap_or_default()
    };
    let rows: Vec<[String; 13]> = sessions
        .iter()
        .map(|s| {
            [
                s.number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                s.name.as_deref().map(safe).unwrap_or_else(|| "-".into()),
                activity(s, &|a| a.program.as_deref().map(safe).unwrap_or_default()),
                activity(s, &|a| safe(&a.title)),
                safe(&s.host),
                safe(&s.flagged_state_text()),
                if s.views > 0 {
                    s.views.to_string()
                } else {
                    String::new()
                },
                format_age(since(s.last_active_at)),
                manager
                    .reap_deadline(s)
                    .map(|at| format_countdown(since_until(at)))
                    .unwrap_or_default(),
                activity(s, &|a| {
                    // Measured once memory is: a live process always has some.
                    if a.rss_bytes > 0 {
                        format_cpu(a.cpu_ms)
                    } else {
                        String::new()
                    }
                }),
                activity(s, &|a| {
                    if a.rss_bytes > 0 {
                        format_bytes(a.rss_bytes)
                    } else {
                        String::new()
                    }
                }),
                s.id.short().to_string(),
                s.job
                    .as_ref()
                    .map(|j| j.id.short().to_string())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    // What runs in sessions shows when some session reports it, as in the list.
    let used: Vec<bool> = (0..HEADER.len())
        .map(|i| !OPTIONAL.contains(&HEADER[i]) || rows.iter().any(|r| !r[i].is_empty()))
        .collect();
    let keep = |cells: Vec<&str>| -> Vec<String> {
        cells
            .into_iter()
            .zip(&used)
            .filter(|(_, u)| **u)
            .map(|(c, _)| c.to_string())
            .collect()
    };
    let header = keep(HEADER.to_vec());
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| keep(r.iter().map(String::as_str).collect()))
        .collect();
    table(&header, &rows)
}

/// Columns left out when no session has anything in them.
const OPTIONAL: [&str; 4] = ["PROGRAM", "TITLE", "CPU", "MEM"];

/// The table's columns: the order the TUI's list shows them in.
pub(crate) const HEADER: [&str; 13] = [
    "#",
    "NAME",
    "PROGRAM",
    "TITLE",
    "HOST",
    "STATE",
    "VIEWS",
    "LAST ACTIVE",
    "REAPED IN",
    "CPU",
    "MEM",
    "ID",
    "JOB",
];

/// Time from now until `at` (zero if past).
fn since_until(at: crate::clock::Millis) -> std::time::Duration {
    std::time::Duration::from_millis((at - crate::clock::now_millis()).max(0) as u64)
}

/// Left-aligned columns, two spaces apart, widths by display characters.
fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            l.push_str(cell);
            if i + 1 < n {
                l.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.iter().map(String::as_str).collect());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_aligns_columns() {
        let t = super::table(
            &["A".into(), "BB".into()],
            &[
                vec!["xyz".into(), "1".into()],
                vec!["é".into(), "22".into()],
            ],
        );
        assert_eq!(t, "A    BB\nxyz  1\né    22\n");
    }

    #[test]
    fn ls_orders_columns_as_the_list_does() {
        assert_eq!(crate::ui::render::list_titles(), super::HEADER.to_vec());
    }
}
