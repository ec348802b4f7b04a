//! `sessui-bench`: drives the real sessui binary in a real PTY, as a terminal
//! would, and the same workloads in tmux and bare bash; prints a table and
//! writes the markdown block of `docs/PERFORMANCE.md`.
//!
//! Run: `cargo run --release -p sessui-bench -- --out docs/PERFORMANCE.md`;
//! `--quick` runs everything once with tiny sizes (the CI smoke test).

mod attached;
mod data;
mod memory;
mod reattach;
mod report;
mod scale;
mod startup;
mod term;
mod world;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

pub use report::{Report, Row, Stat, Target, Unit, percentile};
use world::Sandbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Section {
    Throughput,
    Echo,
    Reattach,
    Memory,
    Scale,
    Startup,
}

#[derive(Debug, Parser)]
#[command(
    name = "sessui-bench",
    about = "Benchmarks sessui against tmux and bare bash in real PTYs"
)]
pub struct Opts {
    /// Every measurement once, with tiny sizes: a smoke test, no figures to compare.
    #[arg(long)]
    pub quick: bool,
    /// Write the markdown here (the generated block is replaced, the rest kept).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The sessui binary to measure (default: `sessui` beside this program,
    /// rebuilt first when run through `cargo run`).
    #[arg(long)]
    pub sessui: Option<PathBuf>,
    /// Runs per figure (default 3 for throughput, echo and memory, 5 for the rest).
    #[arg(long)]
    pub runs: Option<usize>,
    /// Only these sections (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Section>,
    /// Leave tmux out even if it is installed.
    #[arg(long)]
    pub no_tmux: bool,
    /// Leave shpool and zellij out even if they are on PATH.
    #[arg(long)]
    pub no_peers: bool,
    /// Size of the throughput file in MB (default 20).
    #[arg(long)]
    pub mb: Option<u64>,
    /// Keys per echo figure and run (default 300).
    #[arg(long)]
    pub keys: Option<usize>,
}

/// How big each workload is.
pub struct Sizes {
    pub runs: usize,
    pub heavy_runs: usize,
    pub throughput_bytes: u64,
    pub keys: usize,
    /// Between keys where one typing rate is enough (the list's filter).
    pub key_gap: Duration,
    /// The typing rates echo is measured at: slower than a 60 Hz frame (a
    /// fast typist) and faster (a held key repeating).
    pub echo_gaps: Vec<Duration>,
    /// Keys written at once for the burst figure (they fit on one row).
    pub burst: usize,
    pub seq_lines: u64,
    pub idle_counts: Vec<usize>,
    /// The idle count that carries the PSS and private-memory targets.
    pub idle_target_count: usize,
    pub scrollback_lines: u64,
    pub scale_counts: Vec<usize>,
    /// The session count the filter keystrokes are timed on.
    pub filter_count: usize,
    /// Idle time before reading memory: for shells to settle, and for a
    /// job to hand back what its start-up used (it does so once it has
    /// been quiet for 4 s), so "idle" means idle.
    pub settle: Duration,
}

impl Sizes {
    fn for_opts(o: &Opts) -> Sizes {
        let mut s = if o.quick {
            Sizes {
                runs: 1,
                heavy_runs: 1,
                throughput_bytes: 256 << 10,
                keys: 12,
                key_gap: Duration::from_millis(20),
                echo_gaps: vec![Duration::from_millis(25), Duration::from_millis(10)],
                burst: 6,
                seq_lines: 2000,
                idle_counts: vec![1, 3],
                idle_target_count: 3,
                scrollback_lines: 2000,
                scale_counts: vec![100],
                filter_count: 100,
                settle: Duration::from_millis(200),
            }
        } else {
            Sizes {
                runs: 5,
                heavy_runs: 3,
                throughput_bytes: 20_000_000,
                keys: 300,
                key_gap: Duration::from_millis(20),
                echo_gaps: vec![Duration::from_millis(25), Duration::from_millis(10)],
                burst: 50,
                seq_lines: 100_000,
                idle_counts: vec![1, 20, 100],
                idle_target_count: 100,
                scrollback_lines: 100_000,
                scale_counts: vec![1000, 10_000],
                filter_count: 10_000,
                settle: Duration::from_secs(5),
            }
        };
        if let Some(r) = o.runs {
            s.runs = r.max(1);
            s.heavy_runs = r.max(1);
        }
        if let Some(mb) = o.mb {
            s.throughput_bytes = mb.max(1) * 1_000_000;
        }
        if let Some(k) = o.keys {
            s.keys = k.max(1);
        }
        s
    }
}

/// What every section gets.
pub struct Ctx {
    pub exe: PathBuf,
    pub sizes: Sizes,
    pub tmux: bool,
    /// shpool's version, when it is measured beside tmux.
    pub shpool: Option<String>,
    /// zellij's version, when it is measured beside tmux.
    pub zellij: Option<String>,
    /// Generated data files live here.
    pub data: Sandbox,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl Ctx {
    /// The mixed-text file of `bytes` bytes (or exactly `lines` lines), made once.
    pub fn mixed_file(&self, bytes: u64, lines: Option<u64>) -> Result<(PathBuf, u64), String> {
        let name = match lines {
            Some(n) => format!("lines-{n}.txt"),
            None => format!("mixed-{bytes}.txt"),
        };
        let path = self.data.root().join(name);
        if let Ok(m) = std::fs::metadata(&path) {
            return Ok((path, m.len()));
        }
        let (written, _) = data::write_mixed(&path, bytes, lines)
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        Ok((path, written))
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }
}

type SectionFn = fn(&mut Ctx) -> Result<(), String>;

/// Milliseconds, as the tables show times.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let code = match run(Opts::parse()) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("sessui-bench: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// Runs the chosen sections; Ok(false) if one of them failed (the others
/// still report).
pub fn run(opts: Opts) -> Result<bool, String> {
    let started = Instant::now();
    let exe = find_sessui(opts.sessui.as_deref())?;
    if cfg!(debug_assertions) && !opts.quick {
        eprintln!("sessui-bench: note: this harness is a debug build; use --release for figures");
    }
    let tmux = !opts.no_tmux && world::Tmux::installed();
    let sizes = Sizes::for_opts(&opts);
    let (shpool, zellij) = if opts.no_peers {
        (None, None)
    } else {
        (world::Shpool::version(), world::Zellij::version())
    };
    let mut ctx = Ctx {
        exe: exe.clone(),
        sizes,
        tmux,
        shpool: shpool.clone(),
        zellij: zellij.clone(),
        data: Sandbox::try_new()?,
        rows: Vec::new(),
        notes: Vec::new(),
    };
    if !tmux {
        ctx.note("tmux was not measured (not installed, or --no-tmux).");
    }
    if !opts.no_peers {
        let peer = |name: &str, version: &Option<String>| match version {
            Some(v) => format!("{v} (throughput and idle echo, in the table of peers)"),
            None => format!("{name} not found on PATH, not measured"),
        };
        ctx.note(format!(
            "Peers: {}; {}.",
            peer("shpool", &shpool),
            peer("zellij", &zellij)
        ));
    }
    let wanted = |s: Section| opts.only.is_empty() || opts.only.contains(&s);
    let mut loads = Vec::new();
    let mut ok = true;
    let sections: [(Section, &str, SectionFn); 6] = [
        (Section::Throughput, "throughput", attached::throughput),
        (Section::Echo, "echo", attached::echo),
        (Section::Reattach, "reattach", reattach::run),
        (Section::Memory, "memory", memory::run),
        (Section::Scale, "scale", scale::run),
        (Section::Startup, "start-up", startup::run),
    ];
    for (section, name, f) in sections {
        if !wanted(section) {
            continue;
        }
        loads.push((format!("{name}:"), report::load()));
        eprintln!("sessui-bench: {name} (load {})", report::load());
        let t = Instant::now();
        if let Err(e) = f(&mut ctx) {
            ok = false;
            eprintln!("sessui-bench: {name} failed: {e}");
            ctx.note(format!(
                "{name} failed: {}",
                e.lines().next().unwrap_or_default()
            ));
        }
        eprintln!(
            "sessui-bench: {name} took {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    loads.push(("end:".into(), report::load()));
    let report = Report {
        command: command_line(),
        machine: report::Machine::probe(&exe),
        date: date_now(),
        seconds: started.elapsed().as_secs_f64(),
        loads,
        rows: std::mem::take(&mut ctx.rows),
        notes: std::mem::take(&mut ctx.notes),
        quick: opts.quick,
    };
    println!("{}", report.text());
    for n in &report.notes {
        println!("note: {n}");
    }
    if let Some(out) = &opts.out {
        report::write_markdown(out, &report.markdown())
            .map_err(|e| format!("writing {}: {e}", out.display()))?;
        eprintln!("sessui-bench: wrote {}", out.display());
    }
    Ok(ok)
}

/// The sessui to measure: as given, else the one beside this program. Run
/// through cargo, it is rebuilt first, so a stale binary is never measured.
fn find_sessui(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = given {
        // Every world runs in a directory of its own: a relative path
        // would name nothing there.
        return std::fs::canonicalize(p).map_err(|e| format!("--sessui {}: {e}", p.display()));
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let dir = me.parent().unwrap_or(Path::new("."));
    if let (Some(cargo), Some(manifest)) = (
        std::env::var_os("CARGO"),
        std::env::var_os("CARGO_MANIFEST_DIR"),
    ) {
        let mut build = std::process::Command::new(cargo);
        build
            .current_dir(manifest)
            // The slim job executable too: sessui runs local jobs from it.
            .args(["build", "--package", "sessui", "--bins"]);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let status = build
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err("building sessui failed".into());
        }
    }
    let exe = dir.join("sessui");
    if !exe.exists() {
        return Err(format!(
            "no sessui beside {}; build it (cargo build --release) or pass --sessui",
            me.display()
        ));
    }
    Ok(exe)
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = args.join(" ");
    if std::env::var_os("CARGO").is_some() {
        let profile = if cfg!(debug_assertions) {
            ""
        } else {
            " --release"
        };
        format!("cargo run{profile} --bin sessui-bench -- {args}")
    } else {
        format!("sessui-bench {args}")
    }
}

fn date_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}
