//! Who a process is, beyond its pid: pid + start time + boot id, so a reused
//! pid or a reboot is never mistaken for the same live process.

pub(crate) mod tree;

use std::fs;
use std::io;

use serde::{Deserialize, Serialize};

/// A process as it was when we first saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcIdentity {
    pub pid: u32,
    /// Start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    pub start_ticks: u64,
    /// `/proc/sys/kernel/random/boot_id`: a new one after every reboot.
    pub boot_id: String,
}

/// What we know about whether a process still lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    /// Confirmed gone: the only answer that may clear a record or start a new shell.
    Dead,
    /// Could not tell (probe failed); changes nothing.
    Unknown(String),
}

impl ProcIdentity {
    /// This process.
    pub fn current() -> io::Result<ProcIdentity> {
        ProcIdentity::of(std::process::id())
    }

    pub fn of(pid: u32) -> io::Result<ProcIdentity> {
        Ok(ProcIdentity {
            pid,
            start_ticks: start_ticks(pid)?,
            boot_id: boot_id()?,
        })
    }

    /// The same string as stored in the database: `boot_id:start_ticks`.
    pub fn start_token(&self) -> String {
        format!("{}:{}", self.boot_id, self.start_ticks)
    }

    pub fn from_token(pid: u32, token: &str) -> Option<ProcIdentity> {
        let (boot_id, ticks) = token.rsplit_once(':')?;
        Some(ProcIdentity {
            pid,
            start_ticks: ticks.parse().ok()?,
            boot_id: boot_id.to_string(),
        })
    }

    /// Is this very process (not a successor with the same pid) still running?
    pub fn liveness(&self) -> Liveness {
        match boot_id() {
            Ok(b) if b != self.boot_id => return Liveness::Dead,
            Ok(_) => {}
            Err(e) => return Liveness::Unknown(format!("cannot read boot id: {e}")),
        }
        match start_ticks(self.pid) {
            Ok(t) if t == self.start_ticks => {
                if is_zombie(self.pid) {
                    Liveness::Dead
                } else {
                    Liveness::Alive
                }
            }
            Ok(_) => Liveness::Dead,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Liveness::Dead,
            Err(e) => Liveness::Unknown(format!("cannot read /proc/{}: {e}", self.pid)),
        }
    }
}

impl ProcIdentity {
    /// Stopped by a signal (SIGSTOP, SIGTSTP): alive, but it will not answer
    /// or act on SIGTERM until continued.
    pub fn is_frozen(&self) -> bool {
        self.liveness() == Liveness::Alive
            && stat_fields(self.pid)
                .ok()
                .and_then(|f| f.first().cloned())
                .is_some_and(|state| state == "T" || state == "t")
    }
}

fn stat_fields(pid: u32) -> io::Result<Vec<String>> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "malformed stat"))?;
    Ok(rest.split_whitespace().map(str::to_string).collect())
}

fn start_ticks(pid: u32) -> io::Result<u64> {
    // After ')' the fields start at field 3 (state); starttime is field 22.
    stat_fields(pid)?
        .get(19)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no start time in stat"))
}

fn is_zombie(pid: u32) -> bool {
    stat_fields(pid)
        .ok()
        .and_then(|f| f.first().cloned())
        .is_some_and(|state| state == "Z" || state == "X")
}

fn boot_id() -> io::Result<String> {
    Ok(fs::read_to_string("/proc/sys/kernel/random/boot_id")?
        .trim()
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_its_token_round_trips() {
        let me = ProcIdentity::current().unwrap();
        assert_eq!(me.liveness(), Liveness::Alive);
        let back = ProcIdentity::from_token(me.pid, &me.start_token()).unwrap();
        assert_eq!(back, me);
    }

    #[test]
    fn a_reused_pid_or_another_boot_is_dead() {
        let me = ProcIdentity::current().unwrap();
        let reused = ProcIdentity {
            start_ticks: me.start_ticks + 1,
            ..me.clone()
        };
        assert_eq!(reused.liveness(), Liveness::Dead);
        let rebooted = ProcIdentity {
            boot_id: "another-boot".into(),
            ..me
        };
        assert_eq!(rebooted.liveness(), Liveness::Dead);
    }

    #[test]
    fn an_exited_process_is_dead() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let id = ProcIdentity::of(child.id()).unwrap();
        child.wait().unwrap();
        assert_eq!(id.liveness(), Liveness::Dead);
    }
}
