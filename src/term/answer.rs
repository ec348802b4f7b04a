//! How the emulator reads what a program tells or asks its terminal beyond
//! the screen: its questions (answered in the job only), the colours it sets,
//! and the directory its shell reports.

use super::query::{self, Asked, ModeState, Slot};
use super::{Emulator, parse_color};

impl Emulator {
    /// Answers a question into `answers`, in the job only.
    pub(super) fn answer(&mut self, asked: &Asked) {
        let Some(answers) = &self.answers else {
            return;
        };
        let screen = self.parser.screen();
        let (cols, rows) = self.size();
        let alt = usize::from(screen.alternate_screen());
        let (top, bottom) = match self.regions[alt] {
            Some((top, 0)) => (top, rows),
            Some((top, bottom)) => (top, bottom.min(rows)),
            None => (1, rows),
        };
        let (row, col) = screen.cursor_position();
        let row = if self.modes.origin {
            (row + 1).saturating_sub(top - 1)
        } else {
            row + 1
        };
        let state = query::State {
            cursor: (row, col.min(cols - 1) + 1),
            size: (cols, rows),
            sgr: current_sgr(screen),
            region: (top, bottom),
            cursor_style: screen.cursor_style() as u8,
        };
        let modes = self.modes;
        let mode = |private: bool, m: u16| -> ModeState {
            let mouse = screen.mouse_protocol_mode();
            let enc = screen.mouse_protocol_encoding();
            use vt100::{MouseProtocolEncoding as E, MouseProtocolMode as M};
            match (private, m) {
                (true, 1) => screen.application_cursor().into(),
                (true, 6) => modes.origin.into(),
                (true, 7) => (!modes.no_autowrap).into(),
                (true, 9) => (mouse == M::Press).into(),
                (true, 25) => (!screen.hide_cursor()).into(),
                (true, 47 | 1047 | 1049) => screen.alternate_screen().into(),
                (true, 1000) => (mouse == M::PressRelease).into(),
                (true, 1002) => (mouse == M::ButtonMotion).into(),
                (true, 1003) => (mouse == M::AnyMotion).into(),
                (true, 1004) => modes.focus_events.into(),
                (true, 1005) => (enc == E::Utf8).into(),
                (true, 1006) => (enc == E::Sgr).into(),
                // Mouse positions go to programs in cells only: a program
                // that asks learns pixels are refused, and uses cells.
                (true, 1016) => ModeState::PermanentlyReset,
                (true, 2004) => screen.bracketed_paste().into(),
                (true, 2026) => modes.synchronized.into(),
                // Insert and newline modes: vt100 has neither.
                (false, 4 | 20) => ModeState::Reset,
                _ => ModeState::NotRecognized,
            }
        };
        let mut out = Vec::new();
        query::answer(asked, &state, mode, answers, &mut out);
        if let Some(a) = &mut self.answers {
            a.replies.extend_from_slice(&out);
        }
    }

    /// An OSC string the filter passed up: colours, the working directory.
    pub(super) fn osc(&mut self) {
        let text = self.filter.osc().to_vec();
        let bel = self.filter.bel;
        let mut parts = text.split(|&b| b == b';');
        let number = parts.next().unwrap_or_default();
        match number {
            b"7" => {
                let rest = &text[2.min(text.len())..];
                self.cwd = cwd_of(rest);
            }
            b"4" => {
                while let (Some(index), Some(spec)) = (parts.next(), parts.next()) {
                    let Some(i) = std::str::from_utf8(index)
                        .ok()
                        .and_then(|i| i.parse::<u8>().ok())
                    else {
                        break;
                    };
                    self.color_request(&format!("4;{i}"), Slot::Palette(i), spec, bel);
                }
            }
            b"10" | b"11" | b"12" => {
                // `OSC 10 ; a ; b` sets or asks 10 then 11: each part the next slot.
                let first = match number {
                    b"10" => 10,
                    b"11" => 11,
                    _ => 12,
                };
                for (code, spec) in (first..=12).zip(parts) {
                    let slot = match code {
                        10 => Slot::Foreground,
                        11 => Slot::Background,
                        _ => Slot::Cursor,
                    };
                    self.color_request(&code.to_string(), slot, spec, bel);
                }
            }
            b"104" | b"110" | b"111" | b"112" => {
                if let Some(a) = &mut self.answers {
                    match number {
                        b"110" => a.reset_color(Some(Slot::Foreground)),
                        b"111" => a.reset_color(Some(Slot::Background)),
                        b"112" => a.reset_color(Some(Slot::Cursor)),
                        _ => {
                            let indexes: Vec<u8> = parts
                                .filter_map(|p| std::str::from_utf8(p).ok()?.parse().ok())
                                .collect();
                            if indexes.is_empty() {
                                a.reset_color(None);
                            }
                            for i in indexes {
                                a.reset_color(Some(Slot::Palette(i)));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `spec` is `?` (a question) or a colour the program sets.
    fn color_request(&mut self, code: &str, slot: Slot, spec: &[u8], bel: bool) {
        let Some(a) = &mut self.answers else {
            return;
        };
        if spec == b"?" {
            a.reply_color(code, slot, bel);
        } else if let Some(rgb) = parse_color(spec) {
            a.set_color(slot, rgb);
        }
    }
}

/// The current SGR attributes as DECRQSS reports them.
fn current_sgr(screen: &vt100::Screen) -> String {
    use std::fmt::Write;
    let mut sgr = String::from("0");
    for (on, code) in [
        (screen.bold(), "1"),
        (screen.dim(), "2"),
        (screen.italic(), "3"),
        (screen.underline(), "4"),
        (screen.inverse(), "7"),
    ] {
        if on {
            sgr.push(';');
            sgr.push_str(code);
        }
    }
    for (color, base) in [(screen.fgcolor(), 30u8), (screen.bgcolor(), 40u8)] {
        let _ = match color {
            vt100::Color::Default => Ok(()),
            vt100::Color::Idx(i) if i < 8 => write!(sgr, ";{}", base + i),
            vt100::Color::Idx(i) if i < 16 => write!(sgr, ";{}", base + 52 + i),
            vt100::Color::Idx(i) => write!(sgr, ";{};5;{i}", base + 8),
            vt100::Color::Rgb(r, g, b) => write!(sgr, ";{};2;{r};{g};{b}", base + 8),
        };
    }
    sgr
}

/// The path of an OSC 7 report, `file://host/path` with %-escapes.
fn cwd_of(url: &[u8]) -> Option<String> {
    let rest = url.strip_prefix(b"file://")?;
    let path = &rest[rest.iter().position(|&b| b == b'/')?..];
    let mut out = Vec::with_capacity(path.len());
    let mut i = 0;
    while i < path.len() {
        if path[i] == b'%'
            && let Some(byte) = path
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(path[i]);
        i += 1;
    }
    let path = String::from_utf8(out).ok()?;
    // A path is shown to people and stored: no control characters.
    (!path.chars().any(char::is_control) && path.len() <= 4096).then_some(path)
}
