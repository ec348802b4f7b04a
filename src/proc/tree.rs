//! What a local job's processes are doing, read from `/proc`: the program
//! in the foreground of its terminal, and the CPU time and memory of the
//! job and every process under it.

use std::collections::HashMap;
use std::path::Path;

/// One process, as `/proc/PID/stat` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    pub comm: String,
    pub ppid: u32,
    /// The foreground process group of the process's terminal (0 or -1: none).
    pub tpgid: i64,
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    /// Resident pages.
    pub rss_pages: u64,
}

/// A job's process tree, summed.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// The foreground program of the session's terminal (`vim`, `bash`).
    pub program: Option<String>,
    /// CPU time used so far by the job and all under it, in seconds.
    pub cpu_secs: f64,
    /// Resident memory of the job and all under it, in bytes.
    pub rss_bytes: u64,
    /// Processes counted.
    pub processes: usize,
}

/// Parses one `/proc/PID/stat` line. The name sits in parentheses and may
/// itself hold spaces and parentheses, so the fields after it are found
/// from the last `)`.
pub fn parse_stat(line: &str) -> Option<Stat> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let pid = line[..open].trim().parse().ok()?;
    let comm = line.get(open + 1..close)?.to_string();
    // Fields after the name, numbered from 3 (state) as proc(5) does.
    let rest: Vec<&str> = line.get(close + 1..)?.split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3).copied();
    Some(Stat {
        pid,
        comm,
        ppid: field(4)?.parse().ok()?,
        tpgid: field(8)?.parse().ok()?,
        cpu_ticks: field(14)?.parse::<u64>().ok()? + field(15)?.parse::<u64>().ok()?,
        rss_pages: field(24)?.parse::<i64>().ok()?.max(0) as u64,
    })
}

/// Sums the tree under `root` among `all`, and names the foreground program
/// of the terminal the root's children (the shell) have.
pub fn usage_of(root: u32, all: &[Stat], tick_hz: u64, page: u64) -> Option<Usage> {
    let by_pid: HashMap<u32, &Stat> = all.iter().map(|s| (s.pid, s)).collect();
    by_pid.get(&root)?;
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for s in all {
        children.entry(s.ppid).or_default().push(s.pid);
    }
    let mut tree = vec![root];
    let mut i = 0;
    while let Some(&pid) = tree.get(i) {
        tree.extend(children.get(&pid).into_iter().flatten());
        i += 1;
    }
    let stats: Vec<&Stat> = tree.iter().filter_map(|p| by_pid.get(p).copied()).collect();
    // The job has no terminal; its child the shell does, and the terminal's
    // foreground group leader is the program the user sees.
    let program = children
        .get(&root)
        .into_iter()
        .flatten()
        .filter_map(|p| by_pid.get(p))
        .find(|s| s.tpgid > 0)
        .and_then(|shell| {
            let leader = u32::try_from(shell.tpgid).ok()?;
            Some(
                by_pid
                    .get(&leader)
                    .map_or(shell.comm.clone(), |l| l.comm.clone()),
            )
        });
    Some(Usage {
        program,
        cpu_secs: stats.iter().map(|s| s.cpu_ticks).sum::<u64>() as f64 / tick_hz.max(1) as f64,
        rss_bytes: stats.iter().map(|s| s.rss_pages).sum::<u64>() * page,
        processes: stats.len(),
    })
}

/// Every process this user can read in `/proc`.
fn all_stats(proc: &Path) -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir(proc) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|l| parse_stat(&l))
        .collect()
}

/// The local job `pid`'s tree as it is now; `None` if it is gone.
pub fn usage(pid: u32) -> Option<Usage> {
    let (hz, page) = units();
    usage_of(pid, &all_stats(Path::new("/proc")), hz, page)
}

/// Clock ticks per second and the page size, for reading `stat`.
fn units() -> (u64, u64) {
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as u64;
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .unwrap_or(4096) as u64;
    (hz, page)
}

/// A tree larger than this is cut short: a fork bomb must not make the
/// job that watches it read `/proc` without end.
const TREE_MAX: usize = 4096;

/// The tree under `pid`, found through each thread's `children` file: a
/// few reads for a session's handful of processes, where `usage` reads
/// every process on the machine. What a job asks of itself every few
/// seconds. Falls back to `usage` on kernels without `children` files.
pub fn tree_usage(pid: u32) -> Option<Usage> {
    let proc = Path::new("/proc");
    let (hz, page) = units();
    let mut stats = Vec::new();
    let mut queue = vec![pid];
    while let Some(p) = queue.pop() {
        let Ok(line) = std::fs::read_to_string(proc.join(format!("{p}/stat"))) else {
            continue;
        };
        let Some(stat) = parse_stat(&line) else {
            continue;
        };
        stats.push(stat);
        if stats.len() >= TREE_MAX {
            break;
        }
        let Ok(tasks) = std::fs::read_dir(proc.join(format!("{p}/task"))) else {
            continue;
        };
        for task in tasks.flatten() {
            match std::fs::read_to_string(task.path().join("children")) {
                Ok(kids) => queue.extend(
                    kids.split_whitespace()
                        .filter_map(|k| k.parse::<u32>().ok()),
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && p == pid => {
                    return usage(pid);
                }
                Err(_) => {}
            }
        }
    }
    usage_of(pid, &stats, hz, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(pid: u32, comm: &str, ppid: u32, tpgid: i64, cpu: u64, rss: u64) -> String {
        format!(
            "{pid} ({comm}) S {ppid} {pid} {pid} 34816 {tpgid} 4194560 100 0 0 0 {cpu} 0 0 0 20 0 1 0 \
             12345 1000000 {rss} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0"
        )
    }

    #[test]
    fn a_stat_line_with_spaces_and_parentheses_in_the_name_parses() {
        let s = parse_stat(&stat(42, "tmux: (server) x", 1, 77, 30, 250)).unwrap();
        assert_eq!(s.pid, 42);
        assert_eq!(s.comm, "tmux: (server) x");
        assert_eq!(s.ppid, 1);
        assert_eq!(s.tpgid, 77);
        assert_eq!(s.cpu_ticks, 30);
        assert_eq!(s.rss_pages, 250);
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("12 (x) S"), None);
    }

    #[test]
    fn the_tree_is_summed_and_the_foreground_program_named() {
        let lines = [
            stat(10, "sessui", 1, -1, 100, 1000),
            stat(11, "bash", 10, 12, 50, 500),
            stat(12, "vim", 11, 12, 25, 250),
            stat(13, "rg", 12, 12, 25, 250),
            stat(99, "other", 1, -1, 999, 9999),
        ];
        let all: Vec<Stat> = lines.iter().filter_map(|l| parse_stat(l)).collect();
        let u = usage_of(10, &all, 100, 4096).unwrap();
        assert_eq!(u.program.as_deref(), Some("vim"));
        assert_eq!(u.processes, 4);
        assert!((u.cpu_secs - 2.0).abs() < 1e-9, "{}", u.cpu_secs);
        assert_eq!(u.rss_bytes, 2000 * 4096);
        assert_eq!(usage_of(5, &all, 100, 4096), None);
    }

    #[test]
    fn this_process_is_found_in_the_real_proc() {
        let u = usage(std::process::id()).unwrap();
        assert!(u.rss_bytes > 0);
        assert!(u.processes >= 1);
    }

    #[test]
    fn the_tree_walk_finds_a_child_as_the_full_scan_does() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let walked = tree_usage(std::process::id()).unwrap();
        let scanned = usage(std::process::id()).unwrap();
        let _ = child.kill();
        let _ = child.wait();
        // Other tests start processes too: both counts see the sleep.
        assert!(walked.processes >= 2, "{walked:?}");
        assert!(scanned.processes >= 2, "{scanned:?}");
        assert!(walked.rss_bytes > 0);
        assert_eq!(tree_usage(u32::MAX), None);
    }
}
