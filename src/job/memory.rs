//! Gives back memory an idle job holds but no longer uses. A job lives for
//! days beside many others and spends nearly all of it waiting.
//!
//! Output floods, snapshots for attaching views and start-up leave freed
//! heap memory that the allocator keeps resident; once the job has gone
//! quiet it drops its read buffer, asks the allocator to return free pages
//! to the system and drops the stack pages start-up touched, once per
//! spell of activity.

use crate::clock::Millis;

/// How long without output before a job counts as quiet. The job's tick is
/// 5 s, so in practice memory goes back 5 to 10 s after the last output.
const QUIET_MS: Millis = 4_000;

/// What the job has done, as far as memory is concerned: a new mark means
/// something may have allocated since the last trim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mark {
    /// When the shell last printed.
    pub last_output: Option<Millis>,
    /// Counts that move with client traffic (views attaching, input).
    pub clients_seen: u64,
    pub activity_seq: u64,
}

/// Decides when to trim: once after each spell of activity, when quiet.
#[derive(Debug, Default)]
pub(super) struct Trimmer {
    done_for: Option<Mark>,
}

impl Trimmer {
    /// True when the job should give memory back now (and it is then
    /// counted as done for `mark`).
    pub(super) fn due(&mut self, mark: Mark, now: Millis) -> bool {
        let quiet = mark.last_output.is_none_or(|t| now - t >= QUIET_MS);
        if !quiet || self.done_for == Some(mark) {
            return false;
        }
        self.done_for = Some(mark);
        true
    }
}

/// Returns free heap pages and the unused part of the stack to the system.
pub(super) fn give_back() {
    trim_heap();
    #[cfg(target_os = "linux")]
    release_stack_below_here();
}

/// Returns the allocator's free pages to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim_heap() {
    // SAFETY: malloc_trim only releases free memory the allocator holds;
    // it touches no live allocation and is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators (musl's) return free memory by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}

#[cfg(target_os = "linux")]
/// Room left below the caller's frame: the frames of `madvise` itself and
/// anything the compiler keeps just below the stack pointer.
const STACK_MARGIN: usize = 4 << 10;

/// Drops the pages of the main thread's stack below the current frame:
/// start-up (parsing the spec, spawning the shell) runs deeper than an idle
/// job ever does again, and the kernel never takes touched stack pages
/// back by itself. Pages dropped read as zeros when touched again.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn release_stack_below_here() {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    let Some((low, end)) = main_stack() else {
        return;
    };
    // Pages are 4 KiB or a multiple of it: rounding down to 4 KiB may leave
    // a partial larger page, which madvise then refuses, harmlessly.
    let high = here.saturating_sub(STACK_MARGIN) & !0xfff;
    // Not on the main thread's stack, or nothing below the margin.
    if !(low..end).contains(&here) || high <= low {
        return;
    }
    // SAFETY: [low, high) lies in this thread's stack mapping and below
    // the live frames (with a margin); what is there is dead. MADV_DONTNEED
    // keeps the mapping and gives zero-filled pages on the next touch.
    unsafe {
        libc::madvise(low as *mut libc::c_void, high - low, libc::MADV_DONTNEED);
    }
}

/// The main thread's stack mapping, from /proc.
#[cfg(target_os = "linux")]
fn main_stack() -> Option<(usize, usize)> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let line = maps.lines().find(|l| l.ends_with("[stack]"))?;
    let range = line.split(' ').next()?;
    let (start, end) = range.split_once('-')?;
    Some((
        usize::from_str_radix(start, 16).ok()?,
        usize::from_str_radix(end, 16).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(last_output: Option<Millis>, clients_seen: u64) -> Mark {
        Mark {
            last_output,
            clients_seen,
            activity_seq: 0,
        }
    }

    #[test]
    fn memory_goes_back_once_per_spell_of_activity_when_quiet() {
        let mut t = Trimmer::default();
        // start-up's garbage, before any output
        assert!(t.due(mark(None, 0), 1_000));
        assert!(!t.due(mark(None, 0), 6_000));
        // output: not while it flows
        assert!(!t.due(mark(Some(10_000), 0), 11_000));
        assert!(t.due(mark(Some(10_000), 0), 15_000));
        assert!(!t.due(mark(Some(10_000), 0), 20_000));
        // a view came and went with no output
        assert!(t.due(mark(Some(10_000), 1), 25_000));
        assert!(!t.due(mark(Some(10_000), 1), 30_000));
    }
}
