//! An attached view in each program, side by side: throughput (`cat` of the
//! mixed file until a sentinel shows) and keystroke echo in `cat`, idle and
//! while another session of the same server or installation floods output.

use std::path::Path;
use std::time::Duration;

use super::term::{Term, near_cursor, row_text};
use super::world::{PATIENCE, Sandbox, Sessui, Tmux, bare_bash, poll, ready, unique};
use super::{Ctx, Row, Target, Unit, ms, percentile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bare,
    Tmux,
    Sessui,
}

/// Every program's attached view, and the worlds that keep them alive.
struct Panes {
    // Fields drop in order: terminals first, then their worlds.
    panes: Vec<(Kind, Term)>,
    tmux: Option<Tmux>,
    sessui: Sessui,
    _bare: Sandbox,
}

impl Panes {
    fn open(ctx: &Ctx) -> Result<Panes, String> {
        let bare_sb = Sandbox::try_new()?;
        let mut panes = Vec::new();
        let mut bare = bare_bash(&bare_sb)?;
        ready(&mut bare)?;
        panes.push((Kind::Bare, bare));

        let tmux = if ctx.tmux { Some(Tmux::new()?) } else { None };
        if let Some(t) = &tmux {
            let mut term = t.pty(&["new-session", "-s", "main"])?;
            ready(&mut term)?;
            panes.push((Kind::Tmux, term));
        }

        let sessui = Sessui::new(&ctx.exe)?;
        sessui.new_session("main")?;
        let mut term = sessui.pty(&["attach", "main"])?;
        ready(&mut term)?;
        panes.push((Kind::Sessui, term));
        Ok(Panes {
            panes,
            tmux,
            sessui,
            _bare: bare_sb,
        })
    }

    /// Starts `yes` in a second session of the same tmux server or sessui
    /// installation, and waits until it prints.
    fn start_flood(&self, kind: Kind) -> Result<(), String> {
        let flooding = |capture: &dyn Fn() -> String| {
            poll(PATIENCE, Duration::from_millis(50), || {
                capture().contains("y\ny\ny")
            })
        };
        let ok = match kind {
            Kind::Bare => return Ok(()),
            Kind::Tmux => {
                let Some(t) = &self.tmux else { return Ok(()) };
                if t.run(&["has-session", "-t", "flood"]).is_err() {
                    t.run(&["new-session", "-d", "-s", "flood", "-x", "120", "-y", "39"])?;
                }
                t.run(&["send-keys", "-t", "flood", "yes", "Enter"])?;
                flooding(&|| t.capture("flood").unwrap_or_default())
            }
            Kind::Sessui => {
                let s = &self.sessui;
                if s.run(&["info", "flood"]).is_err() {
                    s.new_session("flood")?;
                }
                s.run(&["send", "flood", "yes\\n"])?;
                flooding(&|| s.run(&["capture", "flood"]).unwrap_or_default())
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{kind:?}: the flooding session never printed"))
        }
    }

    fn stop_flood(&self, kind: Kind) -> Result<(), String> {
        match kind {
            Kind::Bare => {}
            Kind::Tmux => {
                if let Some(t) = &self.tmux {
                    t.run(&["send-keys", "-t", "flood", "C-c"])?;
                }
            }
            Kind::Sessui => {
                self.sessui.run(&["send", "flood", "\\x03"])?;
            }
        }
        // Let the flood drain before the next measurement.
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    }
}

/// Samples per program, in `Kind` order.
#[derive(Default)]
struct Samples {
    bare: Vec<f64>,
    tmux: Vec<f64>,
    sessui: Vec<f64>,
}

impl Samples {
    fn of(&mut self, kind: Kind) -> &mut Vec<f64> {
        match kind {
            Kind::Bare => &mut self.bare,
            Kind::Tmux => &mut self.tmux,
            Kind::Sessui => &mut self.sessui,
        }
    }

    fn row(&self, section: &'static str, what: String, unit: Unit) -> Row {
        Row::new(section, what, unit)
            .sessui(&self.sessui)
            .tmux(&self.tmux)
            .bare(&self.bare)
    }
}

/// MB/s of `cat FILE; echo SENTINEL` from Enter until the sentinel is on screen.
fn throughput_once(term: &mut Term, file: &Path, bytes: u64) -> Result<f64, String> {
    let n = unique();
    let typed = format!("cat {} ; echo BENCH-END-$((1000+{n}))", file.display());
    term.send(typed.as_bytes())?;
    term.wait_text(PATIENCE, &format!("$((1000+{n}))"))?;
    let sentinel = format!("BENCH-END-{}", 1000 + n);
    let took = term.timed(b"\r", Duration::from_secs(900), move |e| {
        near_cursor(e, &sentinel)
    })?;
    if std::env::var_os("SESSUI_BENCH_DEBUG").is_some() {
        eprintln!("{} after {took:?}:\n{}", term.name, term.screen());
    }
    // Back to a clear screen, so the next run starts from the same state.
    term.send(b"clear\r")?;
    ready(term)?;
    Ok(bytes as f64 / 1e6 / took.as_secs_f64())
}

pub fn throughput(ctx: &mut Ctx) -> Result<(), String> {
    let (file, bytes) = ctx.mixed_file(ctx.sizes.throughput_bytes, None)?;
    let mut panes = Panes::open(ctx)?;
    let mut mbps = Samples::default();
    // Runs interleave the programs, so a change in load hits all of them.
    for _ in 0..ctx.sizes.heavy_runs {
        for (kind, term) in &mut panes.panes {
            let v = throughput_once(term, &file, bytes)?;
            mbps.of(*kind).push(v);
        }
    }
    // The ceiling a job can reach: its emulator alone (the job keeps
    // history), and a view's without history, on the same bytes.
    let text = std::fs::read(&file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let (mut job, mut bare_parser) = (Vec::new(), Vec::new());
    for _ in 0..ctx.sizes.heavy_runs {
        job.push(parse_only(
            &text,
            sessui::testing::config::DEFAULT_SCROLLBACK,
        ));
        bare_parser.push(parse_only(&text, 0));
    }
    ctx.rows.push(
        mbps.row(
            "throughput",
            format!("cat {:.1} MB mixed text, 120x40", bytes as f64 / 1e6),
            Unit::MBps,
        )
        .target(Target::Throughput {
            tmux: 2.0,
            bare: 0.5,
        }),
    );
    ctx.rows.push(
        Row::new(
            "throughput",
            format!(
                "the same bytes through one Emulator, {} lines of history (the job's)",
                sessui::testing::config::DEFAULT_SCROLLBACK
            ),
            Unit::MBps,
        )
        .sessui(&job),
    );
    ctx.rows.push(
        Row::new(
            "throughput",
            "the same bytes through one Emulator, no history",
            Unit::MBps,
        )
        .sessui(&bare_parser),
    );
    Ok(())
}

/// MB/s of `text` through an emulator of the attached view's size, in the
/// 64 KiB chunks the job reads, with no PTY, socket or screen around it.
fn parse_only(text: &[u8], history: usize) -> f64 {
    let mut emu =
        sessui::testing::term::Emulator::new(super::world::COLS, super::world::ROWS - 1, history);
    let start = std::time::Instant::now();
    for chunk in text.chunks(64 << 10) {
        emu.process(chunk);
    }
    text.len() as f64 / 1e6 / start.elapsed().as_secs_f64()
}

const KEYS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Keys per line before Enter: the line stays on one row.
const LINE: usize = 50;

/// Whether `line` shows twice above an empty cursor row: the tty's echo of it
/// and cat's copy. Waiting for the echo alone would let the next key race cat.
fn line_done(e: &sessui::testing::term::Emulator, line: &str) -> bool {
    let (r, _) = e.cursor_position();
    r > 1 && row_text(e, r).is_empty() && row_text(e, r - 1) == line && row_text(e, r - 2) == line
}

/// Latencies (ms) of `keys` single keystrokes echoed by the tty under `cat`.
fn echo_once(term: &mut Term, keys: usize, gap: Duration) -> Result<Vec<f64>, String> {
    term.send(b"cat\r")?;
    // cat reads once its copy of a line comes back; then every key is cat's.
    let warm = format!("warm{}", unique());
    term.wait(PATIENCE, {
        move |e| {
            let (r, _) = e.cursor_position();
            r > 0 && row_text(e, r).is_empty() && row_text(e, r - 1).ends_with("cat")
        }
    })?;
    std::thread::sleep(Duration::from_millis(100));
    term.send(format!("{warm}\r").as_bytes())?;
    term.wait(PATIENCE, move |e| line_done(e, &warm))?;
    let mut samples = Vec::with_capacity(keys);
    let mut line = String::new();
    for i in 0..keys {
        let c = KEYS[i % KEYS.len()];
        line.push(char::from(c));
        let expect = line.clone();
        let took = term.timed(&[c], Duration::from_secs(10), move |e| {
            let (r, _) = e.cursor_position();
            row_text(e, r) == expect
        })?;
        samples.push(ms(took));
        if line.len() >= LINE || i + 1 == keys {
            let done = std::mem::take(&mut line);
            term.send(b"\r")?;
            term.wait(PATIENCE, move |e| line_done(e, &done))?;
        }
        std::thread::sleep(gap);
    }
    // End of input at the start of a line ends cat.
    term.send(b"\x04")?;
    ready(term)?;
    Ok(samples)
}

pub fn echo(ctx: &mut Ctx) -> Result<(), String> {
    let (keys, gap, runs) = (ctx.sizes.keys, ctx.sizes.key_gap, ctx.sizes.heavy_runs);
    let mut panes = Panes::open(ctx)?;
    let quantiles = [
        (0.5, "p50", Some(0.3)),
        (0.9, "p90", None),
        (0.99, "p99", Some(1.0)),
    ];
    let mut idle: [Samples; 3] = Default::default();
    for _ in 0..runs {
        for (kind, term) in &mut panes.panes {
            let lat = echo_once(term, keys, gap)?;
            for (i, (q, _, _)) in quantiles.iter().enumerate() {
                idle[i].of(*kind).push(percentile(&lat, *q));
            }
        }
    }
    for (i, (_, name, target)) in quantiles.iter().enumerate() {
        let mut row = idle[i].row(
            "echo latency",
            format!("idle, {name} of {keys} keys"),
            Unit::Ms,
        );
        if let Some(t) = target {
            row = row.target(Target::AtMost(*t));
        }
        ctx.rows.push(row);
    }

    let flood_quantiles = [
        (0.5, "p50", None),
        (0.9, "p90", None),
        (0.99, "p99", Some(5.0)),
    ];
    let mut flood: [Samples; 3] = Default::default();
    let kinds: Vec<Kind> = panes.panes.iter().map(|(k, _)| *k).collect();
    for kind in kinds.into_iter().filter(|k| *k != Kind::Bare) {
        panes.start_flood(kind)?;
        let result = (|| {
            for _ in 0..runs {
                let term = panes
                    .panes
                    .iter_mut()
                    .find(|(k, _)| *k == kind)
                    .map(|(_, t)| t)
                    .ok_or("no pane")?;
                let lat = echo_once(term, keys, gap)?;
                for (i, (q, _, _)) in flood_quantiles.iter().enumerate() {
                    flood[i].of(kind).push(percentile(&lat, *q));
                }
            }
            Ok::<(), String>(())
        })();
        panes.stop_flood(kind)?;
        result?;
    }
    for (i, (_, name, target)) in flood_quantiles.iter().enumerate() {
        let mut row = flood[i].row(
            "echo latency",
            format!("another session runs `yes`, {name}"),
            Unit::Ms,
        );
        if let Some(t) = target {
            row = row.target(Target::AtMost(*t));
        }
        ctx.rows.push(row);
    }
    ctx.note(format!(
        "Echo: one key at a time into `cat` (the tty echoes it), {} ms between keys \
         (longer than a 60 Hz frame, like a fast typist); latency from writing the key to \
         the harness's emulator showing it. Each figure is the median over runs of that \
         run's percentile.",
        gap.as_millis()
    ));
    Ok(())
}
