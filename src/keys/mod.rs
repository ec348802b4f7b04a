//! Keys as the session's program expects them (xterm's encodings, honouring
//! application cursor mode), and key specs as users write them in config
//! (`C-b`, `M-a`, `Enter`, `F5`).

pub(crate) mod map;
mod spec;

pub use spec::{KeySpecs, KeysConfig, ModeKeys};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with the modifiers that matter for matching bindings. Lock keys
/// (Caps, Num) and the kind (press/repeat) never matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const MATCHED_MODS: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SHIFT);

impl Chord {
    #[cfg(test)]
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Chord {
        Chord { code, mods }
    }

    #[cfg(test)]
    pub const fn plain(c: char) -> Chord {
        Chord::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// The chord a key event means, normalised: Shift is folded into the
    /// character (`Shift+a` is `A`), and a control character sent as a bare
    /// byte equals its Ctrl form.
    pub fn of(ev: &KeyEvent) -> Chord {
        let mut mods = ev.modifiers & MATCHED_MODS;
        let code = match ev.code {
            KeyCode::Char(c) => {
                if mods.contains(KeyModifiers::CONTROL) {
                    // Ctrl+B and Ctrl+b are the same key on a legacy terminal.
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::Char(c.to_ascii_lowercase())
                } else if mods.contains(KeyModifiers::SHIFT) && c.is_alphabetic() {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::Char(c.to_uppercase().next().unwrap_or(c))
                } else {
                    if !c.is_alphabetic() {
                        mods.remove(KeyModifiers::SHIFT);
                    }
                    KeyCode::Char(c)
                }
            }
            other => other,
        };
        Chord { code, mods }
    }

    /// Parses `C-b`, `Ctrl-b`, `M-a`, `Alt-x`, `S-Tab`, `Enter`, `Esc`, `F5`,
    /// `Space`, `Up` (or `↑`), `PgUp`, or a single character.
    pub fn parse(spec: &str) -> Result<Chord, String> {
        let bad = || format!("'{spec}' is not a key: write e.g. C-b, M-a, Enter, F5 or q");
        let mut mods = KeyModifiers::NONE;
        let mut rest = spec.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("c-") {
                (KeyModifiers::CONTROL, 2)
            } else if lower.starts_with("ctrl-") || lower.starts_with("ctrl+") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("m-") || lower.starts_with("a-") {
                (KeyModifiers::ALT, 2)
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("s-") {
                (KeyModifiers::SHIFT, 2)
            } else if lower.starts_with("shift-") || lower.starts_with("shift+") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break; // "C-" alone: the key is '-'
            }
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" | "ret" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" | "spc" => KeyCode::Char(' '),
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            // The arrows too: help shows these keys so, and its labels
            // must read back as the keys they show.
            "up" | "↑" => KeyCode::Up,
            "down" | "↓" => KeyCode::Down,
            "left" | "←" => KeyCode::Left,
            "right" | "→" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            f if f.starts_with('f')
                && f.len() > 1
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                let n: u8 = f[1..].parse().map_err(|_| bad())?;
                if !(1..=24).contains(&n) {
                    return Err(bad());
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(bad()),
                }
            }
        };
        let ev = KeyEvent::new(code, mods);
        Ok(Chord::of(&ev))
    }

    /// How help texts show it: `C-b`, `M-x`, `Enter`.
    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("C-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("M-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("S-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("Space"),
            KeyCode::Char(c) => s.push(c),
            KeyCode::Enter => s.push_str("Enter"),
            KeyCode::Esc => s.push_str("Esc"),
            KeyCode::Tab => s.push_str("Tab"),
            KeyCode::BackTab => s.push_str("BackTab"),
            KeyCode::Backspace => s.push_str("Backspace"),
            KeyCode::Delete => s.push_str("Delete"),
            KeyCode::Insert => s.push_str("Insert"),
            KeyCode::Up => s.push('↑'),
            KeyCode::Down => s.push('↓'),
            KeyCode::Left => s.push('←'),
            KeyCode::Right => s.push('→'),
            KeyCode::Home => s.push_str("Home"),
            KeyCode::End => s.push_str("End"),
            KeyCode::PageUp => s.push_str("PgUp"),
            KeyCode::PageDown => s.push_str("PgDn"),
            KeyCode::F(n) => s.push_str(&format!("F{n}")),
            other => s.push_str(&format!("{other:?}")),
        }
        s
    }
}

/// The bytes a key sends to the program in the session, as xterm sends them.
/// `app_cursor`: the program asked for application cursor keys (DECCKM).
pub fn encode(ev: &KeyEvent, app_cursor: bool) -> Vec<u8> {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let alt = ev.modifiers.contains(KeyModifiers::ALT);
    let shift = ev.modifiers.contains(KeyModifiers::SHIFT);
    // xterm's modifier parameter: 1 + shift + 2*alt + 4*ctrl.
    let param = 1 + u8::from(shift) + 2 * u8::from(alt) + 4 * u8::from(ctrl);
    let csi_mod =
        |final_byte: char| -> Vec<u8> { format!("\x1b[1;{param}{final_byte}").into_bytes() };
    let tilde = |n: u8| -> Vec<u8> {
        if param > 1 {
            format!("\x1b[{n};{param}~").into_bytes()
        } else {
            format!("\x1b[{n}~").into_bytes()
        }
    };
    let cursor = |final_byte: char| -> Vec<u8> {
        if param > 1 {
            csi_mod(final_byte)
        } else if app_cursor {
            format!("\x1bO{final_byte}").into_bytes()
        } else {
            format!("\x1b[{final_byte}").into_bytes()
        }
    };
    let with_alt = |mut bytes: Vec<u8>| -> Vec<u8> {
        if alt {
            bytes.insert(0, 0x1b);
        }
        bytes
    };
    match ev.code {
        KeyCode::Char(c) => {
            if ctrl {
                if let Some(b) = ctrl_byte(c) {
                    return with_alt(vec![b]);
                }
            }
            let mut buf = [0u8; 4];
            with_alt(c.encode_utf8(&mut buf).as_bytes().to_vec())
        }
        KeyCode::Enter => with_alt(vec![b'\r']),
        KeyCode::Tab => with_alt(vec![b'\t']),
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Backspace => with_alt(vec![if ctrl { 0x08 } else { 0x7f }]),
        KeyCode::Esc => with_alt(vec![0x1b]),
        KeyCode::Up => cursor('A'),
        KeyCode::Down => cursor('B'),
        KeyCode::Right => cursor('C'),
        KeyCode::Left => cursor('D'),
        KeyCode::Home => cursor('H'),
        KeyCode::End => cursor('F'),
        KeyCode::Insert => tilde(2),
        KeyCode::Delete => tilde(3),
        KeyCode::PageUp => tilde(5),
        KeyCode::PageDown => tilde(6),
        KeyCode::F(n @ 1..=4) => {
            let final_byte = (b'P' + n - 1) as char;
            if param > 1 {
                csi_mod(final_byte)
            } else {
                format!("\x1bO{final_byte}").into_bytes()
            }
        }
        KeyCode::F(n @ 5..=12) => {
            const CODES: [u8; 8] = [15, 17, 18, 19, 20, 21, 23, 24];
            tilde(CODES[usize::from(n - 5)])
        }
        _ => Vec::new(),
    }
}

/// Ctrl plus a character, as the control byte a terminal sends.
fn ctrl_byte(c: char) -> Option<u8> {
    Some(match c.to_ascii_lowercase() {
        c @ 'a'..='z' => c as u8 - b'a' + 1,
        '@' | ' ' | '2' => 0x00,
        '[' | '3' => 0x1b,
        '\\' | '4' => 0x1c,
        ']' | '5' => 0x1d,
        '^' | '6' => 0x1e,
        '_' | '-' | '7' => 0x1f,
        '?' | '8' => 0x7f,
        _ => return None,
    })
}

/// Pasted text as the program should get it: CR line ends, as typed Enter
/// sends, and bracketed if the program asked for bracketed paste.
pub fn encode_paste(text: &str, bracketed: bool) -> Vec<u8> {
    let body = text.replace("\r\n", "\r").replace('\n', "\r");
    if bracketed {
        format!("\x1b[200~{}{PASTE_END}", without_paste_end(&body)).into_bytes()
    } else {
        body.into_bytes()
    }
}

const PASTE_END: &str = "\x1b[201~";

/// `text` with no end-of-paste marker in it, so a paste cannot end its
/// bracket early (and run the rest as typed). Removing a marker can join
/// the text around it into a new one (`ESC[20` `ESC[201~` `1~`): each is
/// removed the moment it forms, so none is left, in one pass.
fn without_paste_end(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        out.push(c);
        if c == '~' && out.ends_with(PASTE_END) {
            out.truncate(out.len() - PASTE_END.len());
        }
    }
    out
}

#[cfg(test)]
mod tests;
