//! Control sequences (`ESC [ …`) from the terminal: cursor and function
//! keys with their modifiers, modifyOtherKeys (`CSI 27;m;c~`), kitty and
//! fixterms keys (`CSI c;m u`), mouse reports, focus reports, the start of
//! a bracketed paste, and replies to drop.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};

use super::decode::{Step, code_point_key, cursor_key, kind, modifiers, press};

/// Longest escape sequence kept while it waits for its end: real ones are
/// far shorter, and a stray `ESC [` must not swallow what follows for long.
const MAX_SEQUENCE: usize = 256;

/// The sequence at the front of `b`, which starts `ESC [`.
pub(super) fn csi(b: &[u8]) -> Step {
    match b.get(2) {
        None => return Step::Incomplete,
        // The Linux console's F1-F5: `ESC [ [ A`.
        Some(b'[') => {
            return match b.get(3) {
                None => Step::Incomplete,
                Some(c @ b'A'..=b'E') => {
                    Step::Event(press(KeyCode::F(c - b'A' + 1), KeyModifiers::NONE), 4)
                }
                Some(_) => Step::Skip(3),
            };
        }
        // A legacy (X10) mouse report: `ESC [ M` and three raw bytes.
        Some(b'M') => {
            return match b.get(3..6) {
                None => Step::Incomplete,
                Some(&[cb, x, y]) => mouse_step(
                    u32::from(cb).saturating_sub(32),
                    u32::from(x).saturating_sub(32),
                    u32::from(y).saturating_sub(32),
                    false,
                    6,
                ),
                Some(_) => Step::Skip(6),
            };
        }
        Some(_) => {}
    }
    let mut i = 2;
    loop {
        match b.get(i) {
            None if b.len() > MAX_SEQUENCE => return Step::Skip(b.len()),
            None => return Step::Incomplete,
            Some(0x20..=0x3f) => i += 1,
            Some(0x40..=0x7e) => break,
            // A control byte inside: the sequence was cut short; what
            // follows is read afresh from that byte.
            Some(_) => return Step::Skip(i),
        }
    }
    let len = i + 1;
    let last = b[i];
    let (private, body) = match b[2..i].split_first() {
        Some((c @ (b'<' | b'=' | b'>' | b'?'), rest)) => (Some(*c), rest),
        _ => (None, &b[2..i]),
    };
    // Intermediate bytes only come in replies (mode reports and the like).
    let Some(params) = Params::parse(body) else {
        return Step::Skip(len);
    };
    match (private, last) {
        (Some(b'<'), b'M' | b'm') => match (params.get(0), params.get(1), params.get(2)) {
            (Some(cb), Some(x), Some(y)) => mouse_step(cb, x, y, last == b'm', len),
            _ => Step::Skip(len),
        },
        // Device attributes, keyboard-protocol flags: answers to queries.
        (Some(_), _) => Step::Skip(len),
        (None, b'I') if body.is_empty() => Step::Event(Event::FocusGained, len),
        (None, b'O') if body.is_empty() => Step::Event(Event::FocusLost, len),
        // urxvt's mouse report: `CSI cb;x;y M`.
        (None, b'M') => match (params.get(0), params.get(1), params.get(2)) {
            (Some(cb), Some(x), Some(y)) => mouse_step(cb.saturating_sub(32), x, y, false, len),
            _ => Step::Skip(len),
        },
        (None, b'~' | b'^' | b'@') => tilde(&params, last, len),
        (None, b'u') => kitty(&params, len),
        (None, _) => letter(&params, last, len),
    }
}

/// `CSI n ~` keys: editing keys, F5 and up, modifyOtherKeys, paste start.
/// rxvt ends them with `^` for Ctrl and `@` for Ctrl-Shift.
fn tilde(params: &Params, last: u8, len: usize) -> Step {
    let Some(number) = params.get(0) else {
        return Step::Skip(len);
    };
    let (mut mods, state) = modifiers(params.get(1).unwrap_or(1));
    let kind = kind(params.sub(1, 1));
    match last {
        b'^' => mods |= KeyModifiers::CONTROL,
        b'@' => mods |= KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        _ => {}
    }
    let code = match number {
        200 => return Step::PasteStart(len),
        // xterm's modifyOtherKeys: `CSI 27 ; modifiers ; code ~`.
        27 => {
            return match params.get(2).and_then(|c| code_point_key(c, None, mods)) {
                Some((code, mods, extra)) => key_step(code, mods, kind, state | extra, len),
                None => Step::Skip(len),
            };
        }
        1 | 7 => KeyCode::Home,
        2 => KeyCode::Insert,
        3 => KeyCode::Delete,
        4 | 8 => KeyCode::End,
        5 => KeyCode::PageUp,
        6 => KeyCode::PageDown,
        11..=15 => KeyCode::F(fkey(number - 10)),
        17..=21 => KeyCode::F(fkey(number - 11)),
        23..=26 => KeyCode::F(fkey(number - 12)),
        28 | 29 => KeyCode::F(fkey(number - 15)),
        31..=34 => KeyCode::F(fkey(number - 17)),
        _ => return Step::Skip(len),
    };
    key_step(code, mods, kind, state, len)
}

/// A function key's number, known to be small by the match that found it.
fn fkey(n: u32) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// kitty's and fixterms' `CSI code[:shifted[:base]] ; mods[:kind] ; text u`.
fn kitty(params: &Params, len: usize) -> Step {
    let Some(code) = params.get(0) else {
        return Step::Skip(len);
    };
    let (mods, state) = modifiers(params.get(1).unwrap_or(1));
    match code_point_key(code, params.sub(0, 1), mods) {
        Some((key, mods, extra)) => key_step(key, mods, kind(params.sub(1, 1)), state | extra, len),
        None => Step::Skip(len),
    }
}

/// Keys ending in a letter: `CSI A` and `CSI 1;5A` (arrows, Home, End,
/// keypad 5, F1-F4, back tab), and rxvt's Shift-arrows (`CSI a`).
fn letter(params: &Params, last: u8, len: usize) -> Step {
    let (mut mods, state) = modifiers(params.get(1).unwrap_or(1));
    let code = match cursor_key(last) {
        Some(code) => code,
        None => match last {
            b'P' => KeyCode::F(1),
            b'Q' => KeyCode::F(2),
            // Also the shape of a cursor position report (`CSI row;col R`);
            // sessui never asks for one, so only F3's own form is read.
            b'R' if params.get(0).unwrap_or(1) == 1 => KeyCode::F(3),
            b'S' => KeyCode::F(4),
            b'Z' => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::BackTab
            }
            b'a'..=b'd' if params.is_empty() => {
                mods |= KeyModifiers::SHIFT;
                [KeyCode::Up, KeyCode::Down, KeyCode::Right, KeyCode::Left]
                    [usize::from(last - b'a')]
            }
            _ => return Step::Skip(len),
        },
    };
    key_step(code, mods, kind(params.sub(1, 1)), state, len)
}

fn key_step(
    code: KeyCode,
    mods: KeyModifiers,
    kind: KeyEventKind,
    state: KeyEventState,
    len: usize,
) -> Step {
    Step::Event(
        Event::Key(KeyEvent::new_with_kind_and_state(code, mods, kind, state)),
        len,
    )
}

/// A mouse report: button byte `cb` (xterm's layout), 1-based cell.
fn mouse_step(cb: u32, x: u32, y: u32, released: bool, len: usize) -> Step {
    let button = (cb & 0b11) | ((cb & 0b1100_0000) >> 4);
    let dragging = cb & 0b10_0000 != 0;
    let kind = match (button, dragging) {
        (0, false) => MouseEventKind::Down(MouseButton::Left),
        (1, false) => MouseEventKind::Down(MouseButton::Middle),
        (2, false) => MouseEventKind::Down(MouseButton::Right),
        (0, true) => MouseEventKind::Drag(MouseButton::Left),
        (1, true) => MouseEventKind::Drag(MouseButton::Middle),
        (2, true) => MouseEventKind::Drag(MouseButton::Right),
        // Legacy reports say "released" without saying which button.
        (3, false) => MouseEventKind::Up(MouseButton::Left),
        (3..=5, true) => MouseEventKind::Moved,
        (4, false) => MouseEventKind::ScrollUp,
        (5, false) => MouseEventKind::ScrollDown,
        (6, false) => MouseEventKind::ScrollLeft,
        (7, false) => MouseEventKind::ScrollRight,
        _ => return Step::Skip(len),
    };
    let kind = match kind {
        MouseEventKind::Down(b) if released => MouseEventKind::Up(b),
        k => k,
    };
    let mut modifiers = KeyModifiers::NONE;
    for (bit, m) in [
        (0b100, KeyModifiers::SHIFT),
        (0b1000, KeyModifiers::ALT),
        (0b1_0000, KeyModifiers::CONTROL),
    ] {
        if cb & bit != 0 {
            modifiers |= m;
        }
    }
    let cell = |n: u32| u16::try_from(n.saturating_sub(1)).unwrap_or(u16::MAX);
    Step::Event(
        Event::Mouse(MouseEvent {
            kind,
            column: cell(x),
            row: cell(y),
            modifiers,
        }),
        len,
    )
}

/// A sequence's numeric parameters: `;` between parameters, `:` between
/// a parameter's parts; an empty part is absent.
struct Params(Vec<Vec<Option<u32>>>);

impl Params {
    /// `None` when the body holds anything but digits, `;` and `:`.
    fn parse(body: &[u8]) -> Option<Params> {
        if body.is_empty() {
            return Some(Params(Vec::new()));
        }
        let mut out = Vec::new();
        for param in body.split(|&c| c == b';') {
            let mut parts = Vec::new();
            for part in param.split(|&c| c == b':') {
                if part.is_empty() {
                    parts.push(None);
                    continue;
                }
                if !part.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                // Digits only: parses unless it overflows, which is malformed.
                parts.push(Some(std::str::from_utf8(part).ok()?.parse().ok()?));
            }
            out.push(parts);
        }
        Some(Params(out))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first part of parameter `i`.
    fn get(&self, i: usize) -> Option<u32> {
        self.sub(i, 0)
    }

    /// Part `j` of parameter `i`.
    fn sub(&self, i: usize, j: usize) -> Option<u32> {
        self.0.get(i)?.get(j).copied().flatten()
    }
}
