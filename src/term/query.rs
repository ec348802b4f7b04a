//! The questions programs ask their terminal (device attributes, cursor
//! position, modes, colours, sizes) and the answers, made from the screen's
//! own state at the point of the question. Only the job answers: it owns the
//! PTY, and answers whether or not anyone is looking; views see the same
//! questions and stay silent.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::protocol::TerminalFacts;

/// A question, as read from the output stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// DA1 `CSI c`.
    PrimaryAttributes,
    /// DA2 `CSI > c`.
    SecondaryAttributes,
    /// DA3 `CSI = c`.
    TertiaryAttributes,
    /// DSR `CSI 5 n`.
    Status,
    /// CPR `CSI 6 n`, or DECXCPR `CSI ? 6 n` when `extended`.
    CursorPosition { extended: bool },
    /// DECRQM `CSI ? Ps $ p` (`private`) or `CSI Ps $ p`.
    Mode { private: bool, mode: u16 },
    /// XTVERSION `CSI > q`.
    Version,
    /// XTWINOPS `CSI 14 t`: the text area in pixels.
    WindowPixels,
    /// XTWINOPS `CSI 16 t`: a cell in pixels.
    CellPixels,
    /// XTWINOPS `CSI 18 t`: the text area in cells.
    WindowChars,
    /// DECRQSS `DCS $ q Pt ST`: the setting named `Pt`.
    Setting(Vec<u8>),
    /// XTGETTCAP `DCS + q Pt ST`: hex-encoded capability names.
    Capabilities(Vec<u8>),
}

/// How DECRQM reports a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeState {
    NotRecognized = 0,
    Set = 1,
    Reset = 2,
    /// Known, and never set here (DECRQM's "permanently reset").
    PermanentlyReset = 4,
}

impl From<bool> for ModeState {
    fn from(on: bool) -> ModeState {
        if on { ModeState::Set } else { ModeState::Reset }
    }
}

/// The version DA2 and XTVERSION report.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// xterm's default 16 colours, reported when the outer terminal's are unknown.
pub const DEFAULT_PALETTE: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];
/// Light grey on black, the commonest terminal default, when unknown.
pub const DEFAULT_FOREGROUND: (u8, u8, u8) = (0xe5, 0xe5, 0xe5);
pub const DEFAULT_BACKGROUND: (u8, u8, u8) = (0x00, 0x00, 0x00);
/// A cell's size in pixels when the outer terminal does not say.
pub const DEFAULT_CELL_PIXELS: (u16, u16) = (8, 16);

/// A colour a program can ask about (OSC 4, 10, 11, 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Palette(u8),
    Foreground,
    Background,
    Cursor,
}

/// Colour `i` of the 256-colour palette as xterm defines 16..=255.
fn cube(i: u8) -> (u8, u8, u8) {
    if i >= 232 {
        let v = 8 + (i - 232) * 10;
        return (v, v, v);
    }
    let i = i - 16;
    let level = |n: u8| if n == 0 { 0 } else { 55 + n * 40 };
    (level(i / 36), level((i / 6) % 6), level(i % 6))
}

/// What the job answers with: the outer terminal's facts (or defaults), and
/// the colours the program itself set.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub facts: TerminalFacts,
    /// Colours set by the program (OSC 4/10/11/12), which its questions then report.
    set: Vec<(Slot, (u8, u8, u8))>,
    /// Replies not yet written to the PTY.
    pub replies: Vec<u8>,
}

impl Answers {
    pub fn color(&self, slot: Slot) -> (u8, u8, u8) {
        if let Some((_, c)) = self.set.iter().rev().find(|(s, _)| *s == slot) {
            return *c;
        }
        let f = &self.facts;
        match slot {
            Slot::Foreground => f.foreground.unwrap_or(DEFAULT_FOREGROUND),
            Slot::Background => f.background.unwrap_or(DEFAULT_BACKGROUND),
            Slot::Cursor => f.cursor.or(f.foreground).unwrap_or(DEFAULT_FOREGROUND),
            Slot::Palette(i) if i < 16 => f
                .palette
                .get(usize::from(i))
                .copied()
                .flatten()
                .unwrap_or(DEFAULT_PALETTE[usize::from(i)]),
            Slot::Palette(i) => cube(i),
        }
    }

    /// The program set a colour.
    pub fn set_color(&mut self, slot: Slot, rgb: (u8, u8, u8)) {
        self.set.retain(|(s, _)| *s != slot);
        self.set.push((slot, rgb));
    }

    /// The program reset a colour (OSC 104/110/111/112); `None`: the whole palette.
    pub fn reset_color(&mut self, slot: Option<Slot>) {
        match slot {
            Some(slot) => self.set.retain(|(s, _)| *s != slot),
            None => self.set.retain(|(s, _)| !matches!(s, Slot::Palette(_))),
        }
    }

    /// Appends the reply to a colour question, ending as the question ended.
    pub fn reply_color(&mut self, code: &str, slot: Slot, bel: bool) {
        let (r, g, b) = self.color(slot);
        let end = if bel { "\x07" } else { "\x1b\\" };
        let _ = write!(
            self.replies,
            "\x1b]{code};rgb:{r:02x}{r:02x}/{g:02x}{g:02x}/{b:02x}{b:02x}{end}"
        );
    }
}

/// What a question needs to know of the screen at the moment it was asked.
pub struct State {
    /// 1-based, relative to the scroll region's top in origin mode.
    pub cursor: (u16, u16),
    pub size: (u16, u16),
    /// DECRQSS answers for `m`, `r` and ` q`, as their parameters.
    pub sgr: String,
    pub region: (u16, u16),
    pub cursor_style: u8,
}

/// Appends the answer to `asked` to `out`, if a terminal answers it.
pub fn answer(
    asked: &Asked,
    state: &State,
    mode: impl Fn(bool, u16) -> ModeState,
    a: &Answers,
    out: &mut Vec<u8>,
) {
    let (row, col) = state.cursor;
    let (cols, rows) = state.size;
    let (cw, ch) = if a.facts.cell_width > 0 && a.facts.cell_height > 0 {
        (a.facts.cell_width, a.facts.cell_height)
    } else {
        DEFAULT_CELL_PIXELS
    };
    let _ = match asked {
        // A VT220 with ANSI colour: what programs check for, nothing we lack.
        Asked::PrimaryAttributes => write!(out, "\x1b[?62;22c"),
        Asked::SecondaryAttributes => write!(out, "\x1b[>1;{};0c", version_number()),
        Asked::TertiaryAttributes => write!(out, "\x1bP!|00000000\x1b\\"),
        Asked::Status => write!(out, "\x1b[0n"),
        Asked::CursorPosition { extended: false } => write!(out, "\x1b[{row};{col}R"),
        Asked::CursorPosition { extended: true } => write!(out, "\x1b[?{row};{col};1R"),
        Asked::Mode { private, mode: m } => {
            let state = mode(*private, *m) as u8;
            let p = if *private { "?" } else { "" };
            write!(out, "\x1b[{p}{m};{state}$y")
        }
        Asked::Version => write!(out, "\x1bP>|sessui {VERSION}\x1b\\"),
        Asked::WindowPixels => write!(out, "\x1b[4;{};{}t", rows * ch, cols * cw),
        Asked::CellPixels => write!(out, "\x1b[6;{ch};{cw}t"),
        Asked::WindowChars => write!(out, "\x1b[8;{rows};{cols}t"),
        Asked::Setting(name) => match name.as_slice() {
            b"m" => write!(out, "\x1bP1$r{}m\x1b\\", state.sgr),
            b"r" => write!(out, "\x1bP1$r{};{}r\x1b\\", state.region.0, state.region.1),
            b" q" => write!(out, "\x1bP1$r{} q\x1b\\", state.cursor_style),
            _ => write!(out, "\x1bP0$r\x1b\\"),
        },
        Asked::Capabilities(names) => {
            for name in names.split(|&b| b == b';') {
                let value = match decode_hex(name).as_deref() {
                    Some(b"TN" | b"name") => Some("xterm-256color"),
                    Some(b"Co" | b"colors") => Some("256"),
                    _ => None,
                };
                let name = String::from_utf8_lossy(name);
                let _ = match value {
                    Some(v) => write!(out, "\x1bP1+r{name}={}\x1b\\", encode_hex(v.as_bytes())),
                    None => write!(out, "\x1bP0+r{name}\x1b\\"),
                };
            }
            Ok(())
        }
    };
}

/// `1.2.3` as 10203, the form DA2 carries.
fn version_number() -> u32 {
    let mut parts = VERSION.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b, c) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    a * 10_000 + b * 100 + c
}

fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    hex.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// Reads `rgb:RR/GG/BB` (1 to 4 hex digits each) or `#RRGGBB`.
pub fn parse_color(spec: &[u8]) -> Option<(u8, u8, u8)> {
    let spec = std::str::from_utf8(spec).ok()?;
    if let Some(hex) = spec.strip_prefix('#') {
        if hex.len() != 6 {
            return None;
        }
        let v = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        return Some((v(0)?, v(2)?, v(4)?));
    }
    let mut parts = spec.strip_prefix("rgb:")?.split('/').map(|p| {
        let n = u32::from_str_radix(p, 16).ok()?;
        let max = (1u32 << (4 * p.len().clamp(1, 4))) - 1;
        Some((n * 255 / max) as u8)
    });
    Some((parts.next()??, parts.next()??, parts.next()??))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_both_forms_and_every_width() {
        assert_eq!(parse_color(b"rgb:ffff/8080/0000"), Some((255, 128, 0)));
        assert_eq!(parse_color(b"rgb:f/8/0"), Some((255, 136, 0)));
        assert_eq!(parse_color(b"#102030"), Some((16, 32, 48)));
        assert_eq!(parse_color(b"red"), None);
    }

    #[test]
    fn the_palette_beyond_16_is_xterms() {
        assert_eq!(cube(16), (0, 0, 0));
        assert_eq!(cube(196), (255, 0, 0));
        assert_eq!(cube(231), (255, 255, 255));
        assert_eq!(cube(232), (8, 8, 8));
        assert_eq!(cube(255), (238, 238, 238));
    }
}
