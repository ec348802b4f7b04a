//! Mouse events for programs that asked for them, in the protocol and
//! encoding they asked for (X10/normal, UTF-8 or SGR).

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use vt100::{MouseProtocolEncoding, MouseProtocolMode};

use crate::term::InputModes;

/// The bytes for `m` at (col, row) in the session, or `None` if the
/// program's mouse mode does not report this kind of event.
pub fn encode(m: &MouseEvent, col: u16, row: u16, modes: InputModes) -> Option<Vec<u8>> {
    let button = |b: MouseButton| match b {
        MouseButton::Left => 0u16,
        MouseButton::Middle => 1,
        MouseButton::Right => 2,
    };
    let (mut code, release, wanted) = match m.kind {
        MouseEventKind::Down(b) => (button(b), false, true),
        MouseEventKind::Up(b) => (button(b), true, modes.mouse != MouseProtocolMode::Press),
        MouseEventKind::Drag(b) => (
            button(b) + 32,
            false,
            matches!(
                modes.mouse,
                MouseProtocolMode::ButtonMotion | MouseProtocolMode::AnyMotion
            ),
        ),
        MouseEventKind::Moved => (35, false, modes.mouse == MouseProtocolMode::AnyMotion),
        MouseEventKind::ScrollUp => (64, false, true),
        MouseEventKind::ScrollDown => (65, false, true),
        MouseEventKind::ScrollLeft => (66, false, true),
        MouseEventKind::ScrollRight => (67, false, true),
    };
    if !wanted || modes.mouse == MouseProtocolMode::None {
        return None;
    }
    if m.modifiers.contains(KeyModifiers::SHIFT) {
        code += 4;
    }
    if m.modifiers.contains(KeyModifiers::ALT) {
        code += 8;
    }
    if m.modifiers.contains(KeyModifiers::CONTROL) {
        code += 16;
    }
    let (x, y) = (u32::from(col) + 1, u32::from(row) + 1);
    match modes.mouse_encoding {
        MouseProtocolEncoding::Sgr => {
            Some(format!("\x1b[<{code};{x};{y}{}", if release { 'm' } else { 'M' }).into_bytes())
        }
        encoding => {
            // Older encodings cannot say which button was released.
            let code = if release { 3 + (code & !3) } else { code };
            let mut out = b"\x1b[M".to_vec();
            out.push(u8::try_from(32 + code).ok()?);
            for v in [x, y] {
                let v = v + 32;
                if encoding == MouseProtocolEncoding::Utf8 {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(char::from_u32(v)?.encode_utf8(&mut buf).as_bytes());
                } else {
                    out.push(u8::try_from(v).ok()?);
                }
            }
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modes(mouse: MouseProtocolMode, enc: MouseProtocolEncoding) -> InputModes {
        InputModes {
            mouse,
            mouse_encoding: enc,
            ..Default::default()
        }
    }

    fn ev(kind: MouseEventKind) -> MouseEvent {
        MouseEvent {
            kind,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        }
    }

    #[test]
    fn sgr_press_and_release() {
        let m = modes(MouseProtocolMode::PressRelease, MouseProtocolEncoding::Sgr);
        let down = encode(&ev(MouseEventKind::Down(MouseButton::Left)), 9, 4, m).unwrap();
        assert_eq!(down, b"\x1b[<0;10;5M");
        let up = encode(&ev(MouseEventKind::Up(MouseButton::Left)), 9, 4, m).unwrap();
        assert_eq!(up, b"\x1b[<0;10;5m");
        let wheel = encode(&ev(MouseEventKind::ScrollUp), 0, 0, m).unwrap();
        assert_eq!(wheel, b"\x1b[<64;1;1M");
    }

    #[test]
    fn normal_encoding_and_modes() {
        let m = modes(
            MouseProtocolMode::PressRelease,
            MouseProtocolEncoding::Default,
        );
        let down = encode(&ev(MouseEventKind::Down(MouseButton::Right)), 0, 0, m).unwrap();
        assert_eq!(down, vec![0x1b, b'[', b'M', 32 + 2, 33, 33]);
        let up = encode(&ev(MouseEventKind::Up(MouseButton::Right)), 0, 0, m).unwrap();
        assert_eq!(up[3], 32 + 3);
        // motion only when asked
        assert!(encode(&ev(MouseEventKind::Drag(MouseButton::Left)), 0, 0, m).is_none());
        let drag = modes(MouseProtocolMode::ButtonMotion, MouseProtocolEncoding::Sgr);
        assert!(encode(&ev(MouseEventKind::Drag(MouseButton::Left)), 0, 0, drag).is_some());
        // press-only mode reports no release
        let press = modes(MouseProtocolMode::Press, MouseProtocolEncoding::Sgr);
        assert!(encode(&ev(MouseEventKind::Up(MouseButton::Left)), 0, 0, press).is_none());
        // far columns cannot be sent in the old encoding
        assert!(encode(&ev(MouseEventKind::Down(MouseButton::Left)), 300, 0, m).is_none());
    }
}
