//! Figures and how they are shown: median (min–max) of runs, ratio to tmux,
//! the target; a plain table for the terminal and markdown for
//! `docs/PERFORMANCE.md`.

use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// Megabytes (10^6 bytes) per second: higher is better.
    MBps,
    Ms,
    /// Megabytes (10^6 bytes).
    MB,
}

impl Unit {
    fn label(self) -> &'static str {
        match self {
            Unit::MBps => "MB/s",
            Unit::Ms => "ms",
            Unit::MB => "MB",
        }
    }

    fn decimals(self, v: f64) -> usize {
        match self {
            Unit::Ms if v < 1.0 => 3,
            Unit::Ms if v < 10.0 => 2,
            _ if v < 100.0 => 1,
            _ => 0,
        }
    }

    fn show(self, v: f64) -> String {
        format!("{v:.*}", self.decimals(v))
    }
}

/// Median, min and max of several runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Stat {
    pub fn of(samples: &[f64]) -> Option<Stat> {
        if samples.is_empty() {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let median = if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2.0
        };
        Some(Stat {
            median,
            min: s[0],
            max: s[n - 1],
            runs: n,
        })
    }

    fn show(&self, unit: Unit) -> String {
        if self.runs == 1 || self.min == self.max {
            unit.show(self.median)
        } else {
            format!(
                "{} ({}–{})",
                unit.show(self.median),
                unit.show(self.min),
                unit.show(self.max)
            )
        }
    }
}

/// The value at quantile `q` (0..=1) of `samples`, nearest rank.
pub fn percentile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = (q * s.len() as f64).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

/// The target a figure is measured against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// The sessui median is at most this.
    AtMost(f64),
    /// At least `tmux` times tmux's median and at least `bare` times bare's.
    Throughput { tmux: f64, bare: f64 },
    /// At most this many times tmux's median (met when tmux was not measured
    /// is unknown).
    TimesTmux(f64),
}

impl Target {
    fn text(self, unit: Unit) -> String {
        match self {
            Target::AtMost(v) => format!("≤ {} {}", unit.show(v), unit.label()),
            Target::Throughput { tmux, bare } => {
                let parts: Vec<String> = [(tmux, "tmux"), (bare, "bare")]
                    .iter()
                    .filter(|(x, _)| *x > 0.0)
                    .map(|(x, what)| format!("≥ {x}× {what}"))
                    .collect();
                parts.join(", ")
            }
            Target::TimesTmux(x) => format!("≤ {x}× tmux"),
        }
    }
}

pub struct Row {
    pub section: &'static str,
    pub what: String,
    pub unit: Unit,
    pub sessui: Option<Stat>,
    pub tmux: Option<Stat>,
    pub bare: Option<Stat>,
    /// Other session managers measured the same way (shpool), by name.
    pub peers: Vec<(&'static str, Stat)>,
    pub target: Option<Target>,
}

impl Row {
    pub fn new(section: &'static str, what: impl Into<String>, unit: Unit) -> Row {
        Row {
            section,
            what: what.into(),
            unit,
            sessui: None,
            tmux: None,
            bare: None,
            peers: Vec::new(),
            target: None,
        }
    }

    pub fn peer(mut self, name: &'static str, samples: &[f64]) -> Row {
        if let Some(stat) = Stat::of(samples) {
            self.peers.push((name, stat));
        }
        self
    }

    /// One line per peer: what, sessui, the peer's name and figure, and
    /// sessui's median over the peer's.
    fn peer_cells(&self) -> Vec<[String; 5]> {
        self.peers
            .iter()
            .map(|(name, stat)| {
                [
                    format!("{} ({})", self.what, self.unit.label()),
                    self.sessui
                        .map(|s| s.show(self.unit))
                        .unwrap_or_else(|| "–".into()),
                    name.to_string(),
                    stat.show(self.unit),
                    match self.sessui {
                        Some(s) if stat.median > 0.0 => format!("{:.2}×", s.median / stat.median),
                        _ => "–".into(),
                    },
                ]
            })
            .collect()
    }

    pub fn sessui(mut self, samples: &[f64]) -> Row {
        self.sessui = Stat::of(samples);
        self
    }

    pub fn tmux(mut self, samples: &[f64]) -> Row {
        self.tmux = Stat::of(samples);
        self
    }

    pub fn bare(mut self, samples: &[f64]) -> Row {
        self.bare = Stat::of(samples);
        self
    }

    pub fn target(mut self, t: Target) -> Row {
        self.target = Some(t);
        self
    }

    /// sessui's median over tmux's.
    pub fn ratio(&self) -> Option<f64> {
        match (self.sessui, self.tmux) {
            (Some(s), Some(t)) if t.median > 0.0 => Some(s.median / t.median),
            _ => None,
        }
    }

    /// Whether the target is met; None if there is no target or no figure.
    pub fn met(&self) -> Option<bool> {
        let s = self.sessui?.median;
        match self.target? {
            Target::AtMost(v) => Some(s <= v),
            Target::TimesTmux(x) => self.tmux.map(|t| s <= x * t.median),
            Target::Throughput { tmux, bare } => {
                let t = self.tmux.map(|t| s >= tmux * t.median);
                let b = self.bare.map(|b| s >= bare * b.median);
                match (t, b) {
                    (None, None) => None,
                    (t, b) => Some(t.unwrap_or(true) && b.unwrap_or(true)),
                }
            }
        }
    }

    fn cells(&self) -> [String; 7] {
        let show = |s: &Option<Stat>| s.map(|s| s.show(self.unit)).unwrap_or_else(|| "–".into());
        [
            format!("{} ({})", self.what, self.unit.label()),
            show(&self.sessui),
            show(&self.tmux),
            show(&self.bare),
            self.ratio()
                .map(|r| format!("{r:.2}×"))
                .unwrap_or_else(|| "–".into()),
            self.target
                .map(|t| t.text(self.unit))
                .unwrap_or_else(|| "–".into()),
            match self.met() {
                Some(true) => "met".into(),
                Some(false) => "**missed**".into(),
                None => "–".into(),
            },
        ]
    }
}

const HEADER: [&str; 7] = [
    "measurement",
    "sessui",
    "tmux",
    "bare pty",
    "sessui ÷ tmux",
    "target",
    "met?",
];

/// The machine and versions, so figures can be compared across runs.
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub memory: String,
    pub kernel: String,
    pub tmux: Option<String>,
    pub bash: String,
    pub sessui: String,
}

impl Machine {
    pub fn probe(sessui: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
            .unwrap_or_else(|| "unknown CPU".into());
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
            })
            .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
            .unwrap_or_default();
        let first_line = |prog: &str, arg: &str| {
            std::process::Command::new(prog)
                .arg(arg)
                .output()
                .ok()
                .and_then(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .next()
                        .map(str::to_string)
                })
                .unwrap_or_default()
        };
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
            tmux: super::world::Tmux::version(),
            bash: first_line("bash", "--version"),
            sessui: first_line(&sessui.display().to_string(), "--version"),
        }
    }
}

/// The 1-, 5- and 15-minute load averages.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub struct Report {
    pub command: String,
    pub machine: Machine,
    pub date: String,
    pub seconds: f64,
    /// Load average when each section started, and at the end.
    pub loads: Vec<(String, String)>,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
    pub quick: bool,
}

impl Report {
    /// The table for a terminal: aligned columns, no markup.
    pub fn text(&self) -> String {
        let mut lines: Vec<[String; 7]> = vec![HEADER.map(str::to_string)];
        lines.extend(self.rows.iter().map(|r| {
            let mut c = r.cells();
            c[6] = c[6].replace("**", "");
            c
        }));
        let mut widths = [0usize; 7];
        for l in &lines {
            for (w, c) in widths.iter_mut().zip(l) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        for l in &lines {
            let mut line = String::new();
            for (c, w) in l.iter().zip(widths) {
                line.push_str(c);
                line.extend(std::iter::repeat_n(' ', w - c.chars().count() + 2));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        for r in &self.rows {
            for p in r.peer_cells() {
                out.push_str(&format!("peer: {}\n", p.join("  ")));
            }
        }
        out
    }

    /// The markdown block for `docs/PERFORMANCE.md`.
    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut out = String::new();
        let _ = writeln!(out, "Produced by `{}` on {}", self.command, self.date);
        let _ = writeln!(
            out,
            "in {:.0} s{}.\n",
            self.seconds,
            if self.quick {
                " (quick smoke mode: tiny sizes, one run, not for comparison)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "Machine: {} cores, {}, {} RAM, Linux {}. Versions: {}; {}; {}.\n",
            m.cores,
            m.cpu,
            m.memory,
            m.kernel,
            m.sessui,
            m.tmux.as_deref().unwrap_or("tmux not installed"),
            m.bash
        );
        let loads: Vec<String> = self
            .loads
            .iter()
            .map(|(when, l)| format!("{when} {l}"))
            .collect();
        let _ = writeln!(out, "Load average (1/5/15 min): {}.\n", loads.join("; "));
        let _ = writeln!(out, "| {} |", HEADER.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(HEADER.len()));
        let mut section = "";
        for r in &self.rows {
            if r.section != section {
                section = r.section;
                let _ = writeln!(out, "| **{section}** | | | | | | |");
            }
            let _ = writeln!(out, "| {} |", r.cells().join(" | "));
        }
        let peers: Vec<[String; 5]> = self.rows.iter().flat_map(Row::peer_cells).collect();
        if !peers.is_empty() {
            let _ = writeln!(
                out,
                "\nPeers, in the same runs (interleaved with the programs above):\n"
            );
            let _ = writeln!(
                out,
                "| measurement | sessui | peer | peer's figure | sessui ÷ peer |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|");
            for p in &peers {
                let _ = writeln!(out, "| {} |", p.join(" | "));
            }
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        out
    }
}

const BEGIN: &str = "<!-- sessui-bench: begin (generated; the rest of the file is kept) -->";
const END: &str = "<!-- sessui-bench: end -->";

/// Writes `block` into `path` between the markers, keeping what is around
/// them (the analysis written by hand); a new file gets a title and the block.
pub fn write_markdown(path: &Path, block: &str) -> std::io::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let generated = format!("{BEGIN}\n{block}{END}");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{generated}{}", &old[..b], &old[e + END.len()..])
        }
        _ if old.trim().is_empty() => format!("# Performance\n\n{generated}\n"),
        _ => format!("{}\n\n{generated}\n", old.trim_end()),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max_and_percentiles() {
        let s = Stat::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.runs), (2.5, 1.0, 10.0, 4));
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
    }

    #[test]
    fn targets_judge_the_median() {
        let r = Row::new("t", "x", Unit::MBps)
            .sessui(&[20.0])
            .tmux(&[6.0])
            .bare(&[30.0])
            .target(Target::Throughput {
                tmux: 2.0,
                bare: 0.5,
            });
        assert_eq!(r.met(), Some(true));
        assert!((r.ratio().unwrap() - 20.0 / 6.0).abs() < 1e-9);
        let r = Row::new("t", "x", Unit::Ms)
            .sessui(&[0.5])
            .target(Target::AtMost(0.3));
        assert_eq!(r.met(), Some(false));
        let r = Row::new("t", "x", Unit::Ms)
            .sessui(&[0.6])
            .tmux(&[0.4])
            .target(Target::TimesTmux(1.5));
        assert_eq!(r.met(), Some(true));
        let r = Row::new("t", "x", Unit::Ms)
            .sessui(&[0.6])
            .target(Target::TimesTmux(1.0));
        assert_eq!(r.met(), None, "no tmux, no judgement");
    }

    #[test]
    fn the_generated_block_is_replaced_and_the_rest_kept() {
        let dir = std::env::temp_dir().join(format!("sessui-bench-md-{}", std::process::id()));
        let path = dir.join("P.md");
        let _ = std::fs::remove_dir_all(&dir);
        write_markdown(&path, "one\n").unwrap();
        let first = std::fs::read_to_string(&path).unwrap();
        assert!(first.starts_with("# Performance") && first.contains("one"));
        std::fs::write(&path, format!("{first}\n## Analysis\nkept\n")).unwrap();
        write_markdown(&path, "two\n").unwrap();
        let second = std::fs::read_to_string(&path).unwrap();
        assert!(second.contains("two") && !second.contains("one") && second.contains("kept"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
