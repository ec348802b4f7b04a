//! What the job knows of what runs in its session, for the list: the
//! foreground program, the title, a bell nobody saw, CPU time and memory.
//!
//! Cheap by design: the program is one `tcgetpgrp` and one small read a
//! second, CPU and memory a walk of the session's own processes every few
//! seconds; the record on disk is rewritten only when something a list
//! shows has changed.

use crate::clock::Millis;
use crate::protocol::Activity;

/// A title longer than this is cut: a list cell shows far less, and the
/// record is rewritten whenever the title changes.
const TITLE_MAX: usize = 120;
/// CPU time below this much change is not worth rewriting the record for:
/// an idle shell's few ticks would otherwise rewrite it every pass.
const CPU_STEP_MS: u64 = 100;
/// Memory changes below this are not worth a rewrite either.
const RSS_STEP: u64 = 256 << 10;

/// The session's activity as it is now, and as the record last said.
#[derive(Debug, Default)]
pub(super) struct Tracker {
    now: Activity,
    recorded: Activity,
    /// The title as the program set it, so it is made safe only when it changes.
    raw_title: String,
}

impl Tracker {
    /// What the record should hold.
    pub(super) fn current(&self) -> &Activity {
        &self.now
    }

    /// The record now holds `current`.
    pub(super) fn recorded(&mut self) {
        self.recorded = self.now.clone();
    }

    /// Whether the record says something a list would show differently.
    pub(super) fn stale(&self) -> bool {
        let (a, b) = (&self.now, &self.recorded);
        a.program != b.program
            || a.title != b.title
            || a.bell_at != b.bell_at
            || a.cpu_ms.abs_diff(b.cpu_ms) >= CPU_STEP_MS
            || a.rss_bytes.abs_diff(b.rss_bytes) >= RSS_STEP
    }

    /// The program rang the bell; `seen` if a view or a preview shows the
    /// session (its own terminal rings then). True if this is news for
    /// the record: the first bell nobody saw since the last look.
    pub(super) fn bell(&mut self, seen: bool, at: Millis) -> bool {
        if seen || self.now.bell_at.is_some() {
            return false;
        }
        self.now.bell_at = Some(at);
        true
    }

    /// Someone attached or previewed the session: the bell was seen.
    pub(super) fn looked(&mut self) -> bool {
        self.now.bell_at.take().is_some()
    }

    /// The title and foreground program as they are now.
    pub(super) fn glance(&mut self, title: &str, foreground: Option<i32>) {
        if self.raw_title != title {
            self.raw_title = title.to_string();
            self.now.title = crate::text::ingest(title, TITLE_MAX);
        }
        self.now.program = foreground.and_then(program_of);
    }

    /// CPU time and memory of the job's whole tree (`job`: its own pid).
    pub(super) fn measure(&mut self, job: u32) {
        if let Some(u) = crate::proc::tree::tree_usage(job) {
            self.now.cpu_ms = (u.cpu_secs * 1000.0) as u64;
            self.now.rss_bytes = u.rss_bytes;
        }
    }
}

/// The name of process group `pgid`'s leader, as `ps` shows it.
fn program_of(pgid: i32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pgid}/comm")).ok()?;
    let comm = comm.trim_end_matches('\n');
    (!comm.is_empty()).then(|| crate::text::ingest(comm, 32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bell_nobody_saw_is_news_once_until_someone_looks() {
        let mut t = Tracker::default();
        assert!(!t.bell(true, 5), "a bell in view is not recorded");
        assert!(t.bell(false, 7));
        assert!(!t.bell(false, 9), "the first unseen bell is kept");
        assert_eq!(t.current().bell_at, Some(7));
        assert!(t.stale());
        t.recorded();
        assert!(!t.stale());
        assert!(t.looked());
        assert_eq!(t.current().bell_at, None);
        assert!(t.stale());
        assert!(!t.looked());
    }

    #[test]
    fn titles_are_made_safe_and_small_changes_of_usage_rewrite_nothing() {
        let mut t = Tracker::default();
        t.glance("vim \x1b[31mx", Some(std::process::id() as i32));
        assert_eq!(t.current().title, "vim \\x1b[31mx");
        assert!(t.current().program.is_some());
        t.recorded();
        t.now.cpu_ms += CPU_STEP_MS - 1;
        t.now.rss_bytes += 4096;
        assert!(!t.stale());
        t.now.cpu_ms += 1;
        assert!(t.stale());
        t.glance(&"y".repeat(1000), None);
        assert_eq!(t.current().title.chars().count(), TITLE_MAX);
        assert_eq!(t.current().program, None);
    }
}
