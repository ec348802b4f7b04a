//! What goes to the outer terminal besides the session's screen: the
//! session's title, its bell, its clipboard copies, focus reports back to
//! the program, and when to hold a frame the program is still drawing
//! (synchronized output). Each is checked here: nothing a program sends
//! reaches the terminal unread.

use std::time::{Duration, Instant};

use crate::term::Emulator;

/// Longest a program may hold the view with synchronized output (mode
/// 2026) before what it drew so far is shown: a program that stops
/// mid-frame must not freeze the view.
pub const HOLD_LIMIT: Duration = Duration::from_millis(500);

/// Longest clipboard copy passed on, in base64: a large paste's worth.
const MAX_CLIPBOARD: usize = 1 << 20;

/// Longest title passed on; terminals show far less.
const MAX_TITLE: usize = 256;

/// What the outer terminal was last told.
#[derive(Debug, Default)]
pub struct Outer {
    title: Option<String>,
    held_since: Option<Instant>,
}

impl Outer {
    /// Whether to leave the screen as it is: the attached program is in
    /// the middle of a synchronized frame, for less than `HOLD_LIMIT`.
    pub fn hold(&mut self, emu: Option<&Emulator>, now: Instant) -> bool {
        if !emu.is_some_and(|e| e.extra_modes().synchronized) {
            self.held_since = None;
            return false;
        }
        let since = *self.held_since.get_or_insert(now);
        now.duration_since(since) < HOLD_LIMIT
    }

    /// Appends what the outer terminal must hear about the attached session
    /// (`None`: no session shown) since the last call: its title, when it
    /// changed; clipboard copies; the bell.
    pub fn take(&mut self, emu: Option<&mut Emulator>, out: &mut Vec<u8>) {
        let Some(emu) = emu else {
            if self.title.take().is_some() {
                out.extend_from_slice(b"\x1b]2;sessui\x1b\\");
            }
            return;
        };
        let title = sanitise(emu.title());
        if self.title.as_deref() != Some(title.as_str())
            && !(self.title.is_none() && title.is_empty())
        {
            out.extend_from_slice(b"\x1b]2;");
            out.extend_from_slice(title.as_bytes());
            out.extend_from_slice(b"\x1b\\");
            self.title = Some(title);
        }
        for (selection, data) in emu.take_clipboard() {
            let alphabet = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
            if data.len() <= MAX_CLIPBOARD
                && data.iter().all(alphabet)
                && selection.iter().all(u8::is_ascii_alphanumeric)
            {
                out.extend_from_slice(b"\x1b]52;");
                out.extend_from_slice(&selection);
                out.push(b';');
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\x1b\\");
            }
        }
        if emu.take_bell() {
            out.push(0x07);
        }
    }
}

/// What to tell the program when the outer terminal gains or loses focus,
/// if it asked to know (mode 1004).
pub fn focus_report(emu: &Emulator, gained: bool) -> Option<&'static [u8]> {
    emu.extra_modes()
        .focus_events
        .then_some(if gained { b"\x1b[I" } else { b"\x1b[O" })
}

/// A title with no control characters (which could end the sequence it is
/// sent in and start another), at most `MAX_TITLE` characters.
fn sanitise(title: &str) -> String {
    title
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TITLE)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passed(outer: &mut Outer, emu: &mut Emulator) -> String {
        let mut out = Vec::new();
        outer.take(Some(emu), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn titles_bells_and_copies_pass_through_sanitised() {
        let mut emu = Emulator::new(20, 4, 0);
        let mut outer = Outer::default();
        assert_eq!(passed(&mut outer, &mut emu), "", "no title yet: left alone");
        emu.process(b"\x1b]2;make test\x07\x07");
        assert_eq!(passed(&mut outer, &mut emu), "\x1b]2;make test\x1b\\\x07");
        assert_eq!(sanitise("a\u{9b}31m\u{1b}]0;b\u{7}"), "a31m]0;b");
        assert_eq!(passed(&mut outer, &mut emu), "", "told once");
        emu.process(b"\x1b]52;c;aGVsbG8=\x07\x1b]52;c;?\x07");
        assert_eq!(passed(&mut outer, &mut emu), "\x1b]52;c;aGVsbG8=\x1b\\");
        // Not base64: not passed.
        emu.process(b"\x1b]52;c;a$b\x07");
        assert_eq!(passed(&mut outer, &mut emu), "");
        let mut out = Vec::new();
        outer.take(None, &mut out);
        assert_eq!(out, b"\x1b]2;sessui\x1b\\");
    }

    #[test]
    fn a_synchronized_frame_is_held_until_it_ends_or_too_long() {
        let mut emu = Emulator::new(20, 4, 0);
        let mut outer = Outer::default();
        let t = Instant::now();
        assert!(!outer.hold(Some(&emu), t));
        emu.process(b"\x1b[?2026hhalf");
        assert!(outer.hold(Some(&emu), t));
        assert!(outer.hold(Some(&emu), t + HOLD_LIMIT / 2));
        assert!(!outer.hold(Some(&emu), t + HOLD_LIMIT));
        emu.process(b" frame\x1b[?2026l");
        assert!(!outer.hold(Some(&emu), t + HOLD_LIMIT));
        emu.process(b"\x1b[?2026h");
        assert!(
            outer.hold(Some(&emu), t + HOLD_LIMIT * 3),
            "a new frame, a new limit"
        );
    }

    #[test]
    fn focus_is_reported_only_to_programs_that_asked() {
        let mut emu = Emulator::new(20, 4, 0);
        assert_eq!(focus_report(&emu, true), None);
        emu.process(b"\x1b[?1004h");
        assert_eq!(focus_report(&emu, true), Some(&b"\x1b[I"[..]));
        assert_eq!(focus_report(&emu, false), Some(&b"\x1b[O"[..]));
    }
}
