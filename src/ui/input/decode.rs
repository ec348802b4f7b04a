//! The terminal's input bytes as key, mouse, focus and paste events: every
//! encoding a terminal may use for a key (legacy control bytes, ESC-prefixed
//! Alt, CSI/SS3 cursor and function keys with modifiers, xterm's
//! modifyOtherKeys, kitty/fixterms `CSI u`), SGR and legacy mouse reports,
//! focus reports and bracketed paste. Replies to sessui's own queries (OSC
//! colours, device attributes) are swallowed, never read as keys.
//!
//! A pure decoder: bytes in, events out, split anywhere between reads.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, ModifierKeyCode,
};

/// Longest terminal reply string (OSC, DCS) kept while it waits for its
/// terminator: a colour or version answer is tens of bytes.
const MAX_STRING: usize = 4096;

const ESC: u8 = 0x1b;
const PASTE_END: &[u8] = b"\x1b[201~";

/// Turns the terminal's bytes into crossterm events.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes of a sequence or character not yet complete.
    held: Vec<u8>,
    /// Inside a bracketed paste: what was pasted so far.
    paste: Option<Vec<u8>>,
}

/// What the bytes at the front of the input are.
pub(super) enum Step {
    /// An event, and how many bytes it took.
    Event(Event, usize),
    /// Bytes that mean nothing to sessui (a reply, a malformed sequence).
    Skip(usize),
    /// The start of a bracketed paste, and its marker's length.
    PasteStart(usize),
    /// A sequence that needs more bytes.
    Incomplete,
}

impl Decoder {
    /// The events in `bytes`, following whatever earlier bytes left unfinished.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        let mut input = std::mem::take(&mut self.held);
        input.extend_from_slice(bytes);
        let mut at = 0;
        while at < input.len() {
            if let Some(paste) = &mut self.paste {
                // The end marker may have begun in the bytes held before.
                let from = at;
                match find(&input[from..], PASTE_END) {
                    Some(n) => {
                        paste.extend_from_slice(&input[from..from + n]);
                        let text = String::from_utf8_lossy(paste).into_owned();
                        events.push(Event::Paste(text));
                        self.paste = None;
                        at = from + n + PASTE_END.len();
                    }
                    None => {
                        // Keep back what could be the start of the end marker.
                        let keep = partial_suffix(&input[from..], PASTE_END);
                        let end = input.len() - keep;
                        paste.extend_from_slice(&input[from..end]);
                        self.held = input[end..].to_vec();
                        return events;
                    }
                }
                continue;
            }
            match step(&input[at..]) {
                Step::Event(ev, n) => {
                    events.push(ev);
                    at += n;
                }
                Step::Skip(n) => at += n.max(1),
                Step::PasteStart(n) => {
                    self.paste = Some(Vec::new());
                    at += n;
                }
                Step::Incomplete => {
                    self.held = input[at..].to_vec();
                    return events;
                }
            }
        }
        events
    }

    /// Whether held bytes wait for a timeout to say what they are: a lone
    /// ESC (the Esc key, or the start of a sequence), or ESC and one byte
    /// (Alt with `[`, `O`, `]`, `P`, `_`, or the start of a sequence).
    pub fn pending(&self) -> bool {
        self.paste.is_none() && matches!(self.held.as_slice(), [ESC] | [ESC, _])
    }

    /// Whether a bracketed paste is open: its end marker has not come yet.
    pub fn in_paste(&self) -> bool {
        self.paste.is_some()
    }

    /// Ends a paste whose end marker never came: what arrived is the paste,
    /// and what is typed next is read as keys again, never swallowed.
    pub fn end_paste(&mut self) -> Vec<Event> {
        match self.paste.take() {
            Some(mut paste) => {
                paste.append(&mut self.held);
                vec![Event::Paste(String::from_utf8_lossy(&paste).into_owned())]
            }
            None => Vec::new(),
        }
    }

    /// What the held bytes mean once no more came in time: a lone ESC is
    /// the Esc key, ESC and a byte are Alt and that key. Anything else held
    /// (an unfinished sequence or paste) waits on.
    pub fn flush(&mut self) -> Vec<Event> {
        if !self.pending() {
            return Vec::new();
        }
        let held = std::mem::take(&mut self.held);
        match held.as_slice() {
            [ESC] => vec![press(KeyCode::Esc, KeyModifiers::NONE)],
            [ESC, b] => match plain(*b) {
                Some(Event::Key(k)) => vec![Event::Key(with_alt(k))],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How many bytes at the end of `hay` are a proper prefix of `needle`.
fn partial_suffix(hay: &[u8], needle: &[u8]) -> usize {
    (1..needle.len())
        .rev()
        .find(|&n| hay.len() >= n && hay.ends_with(&needle[..n]))
        .unwrap_or(0)
}

pub(super) fn press(code: KeyCode, mods: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, mods))
}

fn with_alt(mut k: KeyEvent) -> KeyEvent {
    k.modifiers |= KeyModifiers::ALT;
    k
}

/// The event at the front of `b` (not empty).
fn step(b: &[u8]) -> Step {
    if b[0] != ESC {
        return text(b);
    }
    let Some(&second) = b.get(1) else {
        return Step::Incomplete;
    };
    match second {
        b'[' => super::csi::csi(b),
        b'O' => ss3(b),
        // Two ESCs: the first is the Esc key; the second starts anew, so
        // `ESC ESC [A` reaches the session as the same bytes.
        ESC => Step::Event(press(KeyCode::Esc, KeyModifiers::NONE), 1),
        // OSC (colour answers), DCS (version answers), APC (graphics
        // answers): a reply, when what follows looks like one. Alt-] typed
        // alone stays a key (it waits for the timeout).
        b']' | b'P' | b'_' => match b.get(2) {
            None => Step::Incomplete,
            Some(c) if reply_start(second, *c) => terminal_string(b),
            Some(_) => alt(b),
        },
        _ => alt(b),
    }
}

/// Whether `ESC intro c` opens a reply rather than being Alt and a key
/// followed by `c`.
fn reply_start(intro: u8, c: u8) -> bool {
    match intro {
        b']' => c.is_ascii_digit(),
        b'P' => c.is_ascii_digit() || c == b'>' || c == b'!',
        _ => c == b'G',
    }
}

/// ESC and the key after it: that key with Alt.
fn alt(b: &[u8]) -> Step {
    match text(&b[1..]) {
        Step::Event(Event::Key(k), n) => Step::Event(Event::Key(with_alt(k)), n + 1),
        Step::Incomplete => Step::Incomplete,
        // ESC before a byte that is no key: the Esc key, then that byte.
        _ => Step::Event(press(KeyCode::Esc, KeyModifiers::NONE), 1),
    }
}

/// A reply string (`ESC ] … BEL`, `ESC P … ESC \`) swallowed whole.
fn terminal_string(b: &[u8]) -> Step {
    for (i, &c) in b.iter().enumerate().skip(2) {
        match c {
            0x07 => return Step::Skip(i + 1),
            ESC => {
                return match b.get(i + 1) {
                    Some(b'\\') => Step::Skip(i + 2),
                    // Not a terminator: the reply was cut short; what
                    // follows is read afresh.
                    Some(_) => Step::Skip(i),
                    None => Step::Incomplete,
                };
            }
            // Replies hold no other control bytes: this is typing.
            0..=0x1f => return Step::Skip(i),
            _ => {}
        }
    }
    if b.len() > MAX_STRING {
        Step::Skip(b.len())
    } else {
        Step::Incomplete
    }
}

/// One key from a byte that is not ESC: text (UTF-8) or a control byte.
fn text(b: &[u8]) -> Step {
    let first = b[0];
    if first < 0x80 {
        return match plain(first) {
            Some(ev) => Step::Event(ev, 1),
            None => Step::Skip(1),
        };
    }
    let len = match first {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Step::Skip(1),
    };
    let have = b.len().min(len);
    if let Some(bad) = b[1..have].iter().position(|c| c & 0xc0 != 0x80) {
        // A broken character: drop what was of it, read on from there.
        return Step::Skip(bad + 1);
    }
    if have < len {
        return Step::Incomplete;
    }
    match std::str::from_utf8(&b[..len])
        .ok()
        .and_then(|s| s.chars().next())
    {
        Some(c) => Step::Event(char_key(c), len),
        None => Step::Skip(len),
    }
}

/// An ASCII byte as crossterm reads it.
fn plain(b: u8) -> Option<Event> {
    let ctrl = |c: char| press(KeyCode::Char(c), KeyModifiers::CONTROL);
    Some(match b {
        b'\r' => press(KeyCode::Enter, KeyModifiers::NONE),
        b'\t' => press(KeyCode::Tab, KeyModifiers::NONE),
        0x7f => press(KeyCode::Backspace, KeyModifiers::NONE),
        ESC => press(KeyCode::Esc, KeyModifiers::NONE),
        0x00 => ctrl(' '),
        0x01..=0x1a => ctrl(char::from(b - 1 + b'a')),
        0x1c..=0x1f => ctrl(char::from(b - 0x1c + b'4')),
        0x20..=0x7e => char_key(char::from(b)),
        _ => return None,
    })
}

/// A typed character; capitals carry Shift, as crossterm reports them.
fn char_key(c: char) -> Event {
    let mods = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    press(KeyCode::Char(c), mods)
}

/// `ESC O x`: cursor and F1-F4 keys in application mode, and the keypad.
fn ss3(b: &[u8]) -> Step {
    // Some terminals put a modifier digit between: `ESC O 5 P`.
    let mut i = 2;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let Some(&last) = b.get(i) else {
        return Step::Incomplete;
    };
    let mods = std::str::from_utf8(&b[2..i])
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .map_or(KeyModifiers::NONE, |m| modifiers(m).0);
    let code = match cursor_key(last) {
        Some(code) => code,
        None => match last {
            b'P'..=b'S' => KeyCode::F(last - b'P' + 1),
            b'M' => KeyCode::Enter,
            b'j' => KeyCode::Char('*'),
            b'k' => KeyCode::Char('+'),
            b'l' => KeyCode::Char(','),
            b'm' => KeyCode::Char('-'),
            b'n' => KeyCode::Char('.'),
            b'o' => KeyCode::Char('/'),
            b'X' => KeyCode::Char('='),
            b'p'..=b'y' => KeyCode::Char(char::from(last - b'p' + b'0')),
            // Not SS3 after all: Alt-O (Shift-Alt-o), then what follows.
            _ if i == 2 => {
                return Step::Event(
                    press(KeyCode::Char('O'), KeyModifiers::ALT | KeyModifiers::SHIFT),
                    2,
                );
            }
            _ => return Step::Skip(i + 1),
        },
    };
    Step::Event(press(code, mods), i + 1)
}

/// The cursor keys CSI and SS3 both end with the same letter.
pub(super) fn cursor_key(last: u8) -> Option<KeyCode> {
    Some(match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'E' => KeyCode::KeypadBegin,
        _ => return None,
    })
}

/// The modifiers and lock-key state in an xterm/kitty modifier parameter
/// (1 + a bit mask; 0 or absent means none).
pub(super) fn modifiers(param: u32) -> (KeyModifiers, KeyEventState) {
    let bits = param.saturating_sub(1);
    let mut mods = KeyModifiers::NONE;
    let mut state = KeyEventState::NONE;
    for (bit, m) in [
        (1, KeyModifiers::SHIFT),
        (2, KeyModifiers::ALT),
        (4, KeyModifiers::CONTROL),
        (8, KeyModifiers::SUPER),
        (16, KeyModifiers::HYPER),
        (32, KeyModifiers::META),
    ] {
        if bits & bit != 0 {
            mods |= m;
        }
    }
    if bits & 64 != 0 {
        state |= KeyEventState::CAPS_LOCK;
    }
    if bits & 128 != 0 {
        state |= KeyEventState::NUM_LOCK;
    }
    (mods, state)
}

/// A kitty event-type sub-parameter: 1 press, 2 repeat, 3 release.
pub(super) fn kind(n: Option<u32>) -> KeyEventKind {
    match n {
        Some(2) => KeyEventKind::Repeat,
        Some(3) => KeyEventKind::Release,
        _ => KeyEventKind::Press,
    }
}

/// A key given as a code point (kitty `CSI u`, modifyOtherKeys), with
/// its modifiers: the control keys by name, kitty's private-use function
/// keys, else the character (Shift on a letter makes it a capital, as a
/// legacy terminal would send it).
pub(super) fn code_point_key(
    code: u32,
    shifted: Option<u32>,
    mut mods: KeyModifiers,
) -> Option<(KeyCode, KeyModifiers, KeyEventState)> {
    let mut state = KeyEventState::NONE;
    let key = match code {
        27 => KeyCode::Esc,
        13 => KeyCode::Enter,
        9 if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        9 => KeyCode::Tab,
        8 | 127 => KeyCode::Backspace,
        57399..=57408 => {
            state = KeyEventState::KEYPAD;
            // In range: the digit is 0..=9.
            KeyCode::Char(char::from_digit(code - 57399, 10)?)
        }
        57409..=57427 => {
            state = KeyEventState::KEYPAD;
            match code {
                57409 => KeyCode::Char('.'),
                57410 => KeyCode::Char('/'),
                57411 => KeyCode::Char('*'),
                57412 => KeyCode::Char('-'),
                57413 => KeyCode::Char('+'),
                57414 => KeyCode::Enter,
                57415 => KeyCode::Char('='),
                57416 => KeyCode::Char(','),
                57417 => KeyCode::Left,
                57418 => KeyCode::Right,
                57419 => KeyCode::Up,
                57420 => KeyCode::Down,
                57421 => KeyCode::PageUp,
                57422 => KeyCode::PageDown,
                57423 => KeyCode::Home,
                57424 => KeyCode::End,
                57425 => KeyCode::Insert,
                57426 => KeyCode::Delete,
                _ => KeyCode::KeypadBegin,
            }
        }
        57358 => KeyCode::CapsLock,
        57359 => KeyCode::ScrollLock,
        57360 => KeyCode::NumLock,
        57361 => KeyCode::PrintScreen,
        57362 => KeyCode::Pause,
        57363 => KeyCode::Menu,
        // F13..F35: in range, so the number fits.
        57376..=57398 => KeyCode::F(u8::try_from(code - 57376 + 13).ok()?),
        57441..=57452 => {
            use ModifierKeyCode as M;
            const KEYS: [ModifierKeyCode; 12] = [
                M::LeftShift,
                M::LeftControl,
                M::LeftAlt,
                M::LeftSuper,
                M::LeftHyper,
                M::LeftMeta,
                M::RightShift,
                M::RightControl,
                M::RightAlt,
                M::RightSuper,
                M::RightHyper,
                M::RightMeta,
            ];
            KeyCode::Modifier(*KEYS.get(usize::try_from(code - 57441).ok()?)?)
        }
        _ => {
            let c = char::from_u32(code)?;
            if c.is_control() {
                return None;
            }
            match shifted.and_then(char::from_u32) {
                // The layout's shifted key (kitty's alternate key): Shift
                // is in the character now.
                Some(s) if mods.contains(KeyModifiers::SHIFT) => {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::Char(s)
                }
                _ if mods.contains(KeyModifiers::SHIFT) && c.is_lowercase() => {
                    KeyCode::Char(c.to_uppercase().next().unwrap_or(c))
                }
                _ => KeyCode::Char(c),
            }
        }
    };
    Some((key, mods, state))
}
