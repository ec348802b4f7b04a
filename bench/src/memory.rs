//! Memory: RSS and PSS of every sessui process (the UI showing the list, and
//! one job per session) with N idle sessions, against the tmux server and
//! its client; and one job's RSS once 100k lines went to its scrollback.

use std::time::Duration;

use super::world::{PATIENCE, Sessui, Tmux, poll, ready};
use super::{Ctx, Row, Target, Unit};

/// Resident, proportional and private (unshared: USS) set size of `pid`,
/// in bytes.
fn rss_pss(pid: u32) -> (u64, u64, u64) {
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let private = field(&rollup, "Private_Clean:") + field(&rollup, "Private_Dirty:");
    (field(&status, "VmRSS:"), field(&rollup, "Pss:"), private)
}

/// RSS, PSS and private memory of `pids` together, in MB.
fn total(pids: &[u32]) -> (f64, f64, f64) {
    let (mut rss, mut pss, mut private) = (0, 0, 0);
    for &p in pids {
        let (r, s, u) = rss_pss(p);
        rss += r;
        pss += s;
        private += u;
    }
    (rss as f64 / 1e6, pss as f64 / 1e6, private as f64 / 1e6)
}

#[derive(Default)]
struct Idle {
    rss: Vec<f64>,
    pss: Vec<f64>,
    ui: Vec<f64>,
    job: Vec<f64>,
    /// Per job (tmux server): PSS and private memory.
    job_pss: Vec<f64>,
    job_private: Vec<f64>,
}

fn sessui_idle(ctx: &Ctx, n: usize) -> Result<Idle, String> {
    let mut out = Idle::default();
    for _ in 0..ctx.sizes.heavy_runs {
        let s = Sessui::new(&ctx.exe)?;
        for i in 0..n {
            s.new_session(&format!("idle{i}"))?;
        }
        let ui = s.pty(&[])?;
        let title = if n == 1 {
            "1 session".to_string()
        } else {
            format!("{n} sessions")
        };
        ui.wait_text(PATIENCE, &title)?;
        std::thread::sleep(ctx.sizes.settle);
        let jobs = s.job_pids();
        if jobs.len() != n {
            return Err(format!("{n} sessions but {} job processes", jobs.len()));
        }
        let ui_pid = ui.pid().ok_or("the UI has no pid")?;
        let mut all = jobs.clone();
        all.push(ui_pid);
        let (rss, pss, _) = total(&all);
        out.rss.push(rss);
        out.pss.push(pss);
        out.ui.push(total(&[ui_pid]).0);
        let (job_rss, job_pss, job_private) = total(&jobs);
        out.job.push(job_rss / n as f64);
        out.job_pss.push(job_pss / n as f64);
        out.job_private.push(job_private / n as f64);
    }
    Ok(out)
}

fn tmux_idle(ctx: &Ctx, n: usize) -> Result<Idle, String> {
    let mut out = Idle::default();
    for _ in 0..ctx.sizes.heavy_runs {
        let t = Tmux::new()?;
        let mut client = t.pty(&["new-session", "-s", "idle0"])?;
        ready(&mut client)?;
        for i in 1..n {
            t.run(&["new-session", "-d", "-s", &format!("idle{i}")])?;
        }
        std::thread::sleep(ctx.sizes.settle);
        let server = t.server_pid().ok_or("no tmux server pid")?;
        let client_pid = client.pid().ok_or("no tmux client pid")?;
        let (rss, pss, _) = total(&[server, client_pid]);
        out.rss.push(rss);
        out.pss.push(pss);
        out.ui.push(total(&[client_pid]).0);
        let (server_rss, server_pss, server_private) = total(&[server]);
        out.job.push(server_rss);
        out.job_pss.push(server_pss);
        out.job_private.push(server_private);
    }
    Ok(out)
}

/// RSS (MB) of one job, or of the tmux server, after `lines` lines of
/// mixed text went through a session keeping that many lines of history.
fn scrollback(ctx: &Ctx, tmux: bool) -> Result<(f64, u64), String> {
    let lines = ctx.sizes.scrollback_lines;
    let (file, _) = ctx.mixed_file(0, Some(lines))?;
    let cmd = format!("cat {}; echo BIG-$((40+2))", file.display());
    if tmux {
        let t = Tmux::new()?;
        t.run(&["new-session", "-d", "-s", "keep", "-x", "120", "-y", "39"])?;
        t.run(&["set-option", "-g", "history-limit", &lines.to_string()])?;
        t.run(&["new-session", "-d", "-s", "big", "-x", "120", "-y", "39"])?;
        t.run(&["send-keys", "-t", "big", &cmd, "Enter"])?;
        let ok = poll(PATIENCE, Duration::from_millis(50), || {
            t.capture("big").unwrap_or_default().contains("BIG-42")
        });
        if !ok {
            return Err("tmux: the scrollback text never finished".into());
        }
        std::thread::sleep(ctx.sizes.settle);
        let history = t
            .run(&["display-message", "-p", "-t", "big", "#{history_size}"])?
            .trim()
            .parse()
            .unwrap_or(0);
        let server = t.server_pid().ok_or("no tmux server pid")?;
        return Ok((total(&[server]).0, history));
    }
    let s = Sessui::new(&ctx.exe)?;
    s.write_config(&format!("scrollback_lines = {lines}\n"))?;
    s.new_session("big")?;
    s.run(&["send", "big", &format!("{cmd}\\n")])?;
    s.wait_capture("big", "BIG-42")?;
    std::thread::sleep(ctx.sizes.settle);
    let info: serde_json::Value = serde_json::from_str(&s.run(&["info", "big", "--json"])?)
        .map_err(|e| format!("sessui info --json: {e}"))?;
    let history = info["history_lines"].as_u64().unwrap_or(0);
    let jobs = s.job_pids();
    let [job] = jobs[..] else {
        return Err(format!("expected one job, found {jobs:?}"));
    };
    Ok((total(&[job]).0, history))
}

pub fn run(ctx: &mut Ctx) -> Result<(), String> {
    let counts = ctx.sizes.idle_counts.clone();
    for n in counts {
        let sessions = if n == 1 {
            "1 idle session".to_string()
        } else {
            format!("{n} idle sessions")
        };
        let s = sessui_idle(ctx, n)?;
        let t = if ctx.tmux {
            tmux_idle(ctx, n)?
        } else {
            Idle::default()
        };
        ctx.rows.push(
            Row::new(
                "memory",
                format!("{sessions}: RSS of all processes"),
                Unit::MB,
            )
            .sessui(&s.rss)
            .tmux(&t.rss),
        );
        let mut pss = Row::new("memory", format!("{sessions}: PSS"), Unit::MB)
            .sessui(&s.pss)
            .tmux(&t.pss);
        if n == ctx.sizes.idle_target_count {
            pss = pss.target(Target::AtMost(40.0));
        }
        ctx.rows.push(pss);
        ctx.rows.push(
            Row::new(
                "memory",
                format!("{sessions}: UI (tmux client) RSS"),
                Unit::MB,
            )
            .sessui(&s.ui)
            .tmux(&t.ui),
        );
        ctx.rows.push(
            Row::new(
                "memory",
                format!("{sessions}: per job (tmux server) RSS"),
                Unit::MB,
            )
            .sessui(&s.job)
            .tmux(&t.job),
        );
        ctx.rows.push(
            Row::new(
                "memory",
                format!("{sessions}: per job (tmux server) PSS"),
                Unit::MB,
            )
            .sessui(&s.job_pss)
            .tmux(&t.job_pss),
        );
        let mut private = Row::new(
            "memory",
            format!("{sessions}: per job (tmux server) private"),
            Unit::MB,
        )
        .sessui(&s.job_private)
        .tmux(&t.job_private);
        if n == ctx.sizes.idle_target_count {
            private = private.target(Target::AtMost(0.4));
        }
        ctx.rows.push(private);
    }
    let (mut job, mut server) = (Vec::new(), Vec::new());
    let mut notes = Vec::new();
    for _ in 0..ctx.sizes.heavy_runs {
        let (rss, history) = scrollback(ctx, false)?;
        job.push(rss);
        notes.push(format!("sessui {history}"));
        if ctx.tmux {
            let (rss, history) = scrollback(ctx, true)?;
            server.push(rss);
            notes.push(format!("tmux {history}"));
        }
    }
    let lines = ctx.sizes.scrollback_lines;
    ctx.rows.push(
        Row::new(
            "memory",
            format!("job (tmux server) RSS after {lines} lines of scrollback"),
            Unit::MB,
        )
        .sessui(&job)
        .tmux(&server)
        .target(Target::AtMost(30.0)),
    );
    ctx.note(format!(
        "Memory: sessui = the UI (showing the list) plus every job; tmux = server plus one \
         attached client; shells not counted. MB = 10^6 bytes. Scrollback: history limit set \
         to {lines} (sessui `scrollback_lines`, tmux `history-limit`), then `cat` of {lines} \
         mixed lines; history lines held at the end: {}. Private = Private_Clean + \
         Private_Dirty of /proc/PID/smaps_rollup (what the process alone holds; the \
         binary's text is shared once several jobs run).",
        notes.join(", ")
    ));
    Ok(())
}
