//! An attached view in each program, side by side: throughput (`cat` of the
//! mixed file until a sentinel shows) and keystroke echo in `cat`, idle and
//! while another session of the same server or installation floods output.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::term::{Term, near_cursor, row_text};
use super::world::{
    PATIENCE, Sandbox, Sessui, Shpool, Tmux, Zellij, bare_bash, poll, ready, ready_retrying, unique,
};
use super::{Ctx, Row, Target, Unit, ms, percentile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bare,
    Tmux,
    Sessui,
    Shpool,
    Zellij,
}

/// Every program's attached view, and the worlds that keep them alive.
struct Panes {
    // Fields drop in order: terminals first, then their worlds.
    panes: Vec<(Kind, Term)>,
    tmux: Option<Tmux>,
    sessui: Sessui,
    _shpool: Option<Shpool>,
    _zellij: Option<Zellij>,
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

        let shpool = match ctx.shpool {
            Some(_) => Some(Shpool::new()?),
            None => None,
        };
        if let Some(sp) = &shpool {
            let mut term = sp.pty("main")?;
            ready(&mut term)?;
            panes.push((Kind::Shpool, term));
        }
        let zellij = match ctx.zellij {
            Some(_) => Some(Zellij::new()?),
            None => None,
        };
        if let Some(z) = &zellij {
            let mut term = z.pty("main")?;
            ready_retrying(&mut term)?;
            // Back to a clear screen, as the others start.
            term.send(b"clear\r")?;
            ready(&mut term)?;
            panes.push((Kind::Zellij, term));
        }
        Ok(Panes {
            panes,
            tmux,
            sessui,
            _shpool: shpool,
            _zellij: zellij,
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
            Kind::Bare | Kind::Shpool | Kind::Zellij => return Ok(()),
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
            Kind::Bare | Kind::Shpool | Kind::Zellij => {}
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
    shpool: Vec<f64>,
    zellij: Vec<f64>,
}

impl Samples {
    fn of(&mut self, kind: Kind) -> &mut Vec<f64> {
        match kind {
            Kind::Bare => &mut self.bare,
            Kind::Tmux => &mut self.tmux,
            Kind::Sessui => &mut self.sessui,
            Kind::Shpool => &mut self.shpool,
            Kind::Zellij => &mut self.zellij,
        }
    }

    fn row(&self, section: &'static str, what: String, unit: Unit) -> Row {
        Row::new(section, what, unit)
            .sessui(&self.sessui)
            .tmux(&self.tmux)
            .bare(&self.bare)
            .peer("shpool", &self.shpool)
            .peer("zellij", &self.zellij)
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
    // Short lines: every byte scrolls the screen (and the history).
    let (seq, seq_bytes) = seq_file(ctx, ctx.sizes.throughput_bytes)?;
    let mut seq_mbps = Samples::default();
    for _ in 0..ctx.sizes.heavy_runs {
        for (kind, term) in &mut panes.panes {
            let v = throughput_once(term, &seq, seq_bytes)?;
            seq_mbps.of(*kind).push(v);
        }
    }
    // The ceiling a job can reach: its emulator alone (the job keeps
    // history), and a view's without history, on the same bytes.
    let text = std::fs::read(&file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    // As the job reads them from the PTY, which ends lines with CR LF.
    let seq_text = std::fs::read_to_string(&seq)
        .map_err(|e| format!("reading {}: {e}", seq.display()))?
        .replace('\n', "\r\n")
        .into_bytes();
    let (mut job, mut bare_parser, mut seq_job) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ctx.sizes.heavy_runs {
        job.push(parse_only(
            &text,
            sessui::testing::config::DEFAULT_SCROLLBACK,
        ));
        bare_parser.push(parse_only(&text, 0));
        seq_job.push(parse_only(
            &seq_text,
            sessui::testing::config::DEFAULT_SCROLLBACK,
        ));
    }
    ctx.rows.push(
        mbps.row(
            "throughput",
            format!("cat {:.1} MB mixed text, 120x40", bytes as f64 / 1e6),
            Unit::MBps,
        )
        .target(Target::Throughput {
            tmux: 0.0,
            bare: 0.8,
        }),
    );
    ctx.rows.push(
        seq_mbps
            .row(
                "throughput",
                format!(
                    "cat {:.1} MB of `seq` output (short lines), 120x40",
                    seq_bytes as f64 / 1e6
                ),
                Unit::MBps,
            )
            .target(Target::Throughput {
                tmux: 1.0,
                bare: 0.0,
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
    ctx.rows.push(
        Row::new(
            "throughput",
            format!(
                "the `seq` bytes (CR LF) through one Emulator, {} lines of history",
                sessui::testing::config::DEFAULT_SCROLLBACK
            ),
            Unit::MBps,
        )
        .sessui(&seq_job),
    );
    Ok(())
}

/// `seq 1 N` output of at least `bytes` bytes, written once: the short-line
/// workload, where every line scrolls.
fn seq_file(ctx: &Ctx, bytes: u64) -> Result<(std::path::PathBuf, u64), String> {
    let path = ctx.data.root().join(format!("seq-{bytes}.txt"));
    if let Ok(m) = std::fs::metadata(&path) {
        return Ok((path, m.len()));
    }
    let mut text = String::with_capacity(bytes as usize + 16);
    let mut n = 1u64;
    while (text.len() as u64) < bytes {
        text.push_str(&n.to_string());
        text.push('\n');
        n += 1;
    }
    std::fs::write(&path, &text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok((path, text.len() as u64))
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

/// Starts `cat` and waits until it reads, so every key after is cat's.
fn start_cat(term: &mut Term) -> Result<(), String> {
    term.send(b"cat\r")?;
    let warm = format!("warm{}", unique());
    term.wait(PATIENCE, {
        move |e| {
            let (r, _) = e.cursor_position();
            r > 0 && row_text(e, r).is_empty() && row_text(e, r - 1).ends_with("cat")
        }
    })?;
    std::thread::sleep(Duration::from_millis(100));
    term.send(format!("{warm}\r").as_bytes())?;
    term.wait(PATIENCE, move |e| line_done(e, &warm))
        .map(|_| ())
}

/// Ends `cat` (end of input at the start of a line) and waits for the prompt.
fn end_cat(term: &mut Term) -> Result<(), String> {
    term.send(b"\x04")?;
    ready(term)
}

/// Latencies (ms) of `keys` single keystrokes echoed by the tty under `cat`,
/// each typed `gap` after the previous one showed.
fn echo_once(term: &mut Term, keys: usize, gap: Duration) -> Result<Vec<f64>, String> {
    start_cat(term)?;
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
    end_cat(term)?;
    Ok(samples)
}

/// Latencies (ms) of `keys` keystrokes written in bursts of `burst` at once
/// (one write each): from the write to each key's echo showing.
fn burst_once(term: &mut Term, keys: usize, burst: usize) -> Result<Vec<f64>, String> {
    start_cat(term)?;
    let mut samples = Vec::with_capacity(keys);
    let mut sent = 0;
    while sent < keys {
        let n = burst.min(keys - sent).min(LINE);
        let line: String = (sent..sent + n)
            .map(|i| char::from(KEYS[i % KEYS.len()]))
            .collect();
        // The probe runs after every bite the harness parses: it stamps each
        // key the first time the row shows it.
        let stamps = Arc::new(Mutex::new(Vec::with_capacity(n)));
        let seen = Arc::clone(&stamps);
        let expect = line.clone();
        term.arm(move |e| {
            let (r, _) = e.cursor_position();
            let shown = row_text(e, r);
            let upto = if expect.starts_with(&shown) {
                shown.len()
            } else {
                0
            };
            let now = Instant::now();
            let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
            while seen.len() < upto {
                seen.push(now);
            }
            upto == n
        })?;
        let start = Instant::now();
        term.send(line.as_bytes())?;
        term.wait_hit(Duration::from_secs(10))?;
        let stamps = stamps.lock().unwrap_or_else(|p| p.into_inner());
        samples.extend(
            stamps
                .iter()
                .map(|t| ms(t.saturating_duration_since(start))),
        );
        drop(stamps);
        term.send(b"\r")?;
        term.wait(PATIENCE, move |e| line_done(e, &line))?;
        sent += n;
        std::thread::sleep(Duration::from_millis(25));
    }
    end_cat(term)?;
    Ok(samples)
}

/// How keys are typed for one set of echo figures.
#[derive(Clone, Copy)]
enum Typing {
    Gap(Duration),
    Burst(usize),
}

impl Typing {
    fn name(self) -> String {
        match self {
            Typing::Gap(g) => format!("a key every {} ms", g.as_millis()),
            Typing::Burst(n) => format!("bursts of {n} keys"),
        }
    }

    fn run(self, term: &mut Term, keys: usize) -> Result<Vec<f64>, String> {
        match self {
            Typing::Gap(g) => echo_once(term, keys, g),
            Typing::Burst(n) => burst_once(term, keys, n),
        }
    }
}

pub fn echo(ctx: &mut Ctx) -> Result<(), String> {
    let (keys, runs) = (ctx.sizes.keys, ctx.sizes.heavy_runs);
    let gap = ctx
        .sizes
        .echo_gaps
        .first()
        .copied()
        .unwrap_or(Duration::from_millis(25));
    let mut typings: Vec<Typing> = ctx
        .sizes
        .echo_gaps
        .iter()
        .map(|g| Typing::Gap(*g))
        .collect();
    typings.push(Typing::Burst(ctx.sizes.burst));
    let mut panes = Panes::open(ctx)?;
    // The echo of a key at or below tmux's at every typing rate; the tail
    // within half again.
    let quantiles = [
        (0.5, "p50", Target::TimesTmux(1.0)),
        (0.9, "p90", Target::TimesTmux(1.0)),
        (0.99, "p99", Target::TimesTmux(1.5)),
    ];
    for typing in typings {
        let mut idle: [Samples; 3] = Default::default();
        for _ in 0..runs {
            for (kind, term) in &mut panes.panes {
                let lat = typing.run(term, keys)?;
                for (i, (q, _, _)) in quantiles.iter().enumerate() {
                    idle[i].of(*kind).push(percentile(&lat, *q));
                }
            }
        }
        for (i, (_, name, target)) in quantiles.iter().enumerate() {
            ctx.rows.push(
                idle[i]
                    .row(
                        "echo latency",
                        format!("idle, {}, {name} of {keys} keys", typing.name()),
                        Unit::Ms,
                    )
                    .target(*target),
            );
        }
    }

    let flood_quantiles = [
        (0.5, "p50", None),
        (0.9, "p90", None),
        (0.99, "p99", Some(5.0)),
    ];
    let mut flood: [Samples; 3] = Default::default();
    let kinds: Vec<Kind> = panes.panes.iter().map(|(k, _)| *k).collect();
    // The flood runs in a second session of the same server: tmux's and
    // sessui's (peers are measured idle only).
    for kind in kinds
        .into_iter()
        .filter(|k| matches!(k, Kind::Tmux | Kind::Sessui))
    {
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
        "Echo: keys typed into `cat` (the tty echoes them); latency from writing a key to \
         the harness's emulator showing it. \"A key every N ms\": one key at a time, N ms \
         after the previous one showed (25 ms is slower than a 60 Hz frame, like a fast \
         typist; 10 ms is faster, like a held key). \"Bursts\": {} keys in one write, each \
         timed from the write. While another session runs `yes`: a key every {} ms. Each \
         figure is the median over runs of that run's percentile.",
        ctx.sizes.burst,
        gap.as_millis()
    ));
    Ok(())
}
