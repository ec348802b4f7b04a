//! Keys: names users write in the config, the terminal's raw input bytes
//! (as sessui decodes them), the key events they become (as the view
//! encodes them for the session), pastes and mouse events.

use std::collections::HashMap;

use crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MediaKeyCode, MouseButton, MouseEvent, MouseEventKind,
};

use crossterm::event::Event;

use super::Input;
use crate::term::InputModes;
use crate::ui::input::Decoder;
use crate::ui::keymap::{KeySpecs, Keymap, KeysConfig};
use crate::ui::keys::{Chord, encode, encode_paste};

/// `data` as key names (one a line), as a `[keys]` configuration, as a
/// paste, and as a run of key and mouse events.
pub fn keys(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        key_name(line);
    }
    keymap(&text);
    paste(&text);
    raw_input(data);
    let mut input = Input::new(data);
    while !input.is_empty() {
        if input.flag() {
            key_event(&mut input);
        } else {
            mouse_event(&mut input);
        }
    }
}

/// A key name either fails with an error that says how to write one, or
/// names a chord whose label (as help shows it) names the same chord again.
fn key_name(spec: &str) {
    match Chord::parse(spec) {
        Ok(chord) => {
            let label = chord.label();
            assert_eq!(
                Chord::parse(&label),
                Ok(chord),
                "'{spec}' shows as '{label}', which names another key"
            );
            let again = Chord::of(&KeyEvent::new(chord.code, chord.mods));
            assert_eq!(again, chord, "'{spec}' is not normalised");
        }
        Err(e) => assert!(e.contains("C-b"), "'{spec}': {e}"),
    }
}

/// The terminal's bytes decode without a panic, to the same events whether
/// they come in one read or two, and every key decoded encodes for the
/// session.
fn raw_input(data: &[u8]) {
    let whole = decoded(&[data]);
    // Longer input reaches the decoder's length limits, which cut a
    // sequence where the same bytes in one piece would not be cut.
    if data.len() <= 200 {
        let at = usize::from(data.first().copied().unwrap_or(0)) % (data.len() + 1);
        let split = decoded(&[&data[..at], &data[at..]]);
        assert_eq!(split, whole, "{data:?} read split at {at}");
    }
    for ev in &whole {
        if let Event::Key(k) = ev {
            let chord = Chord::of(k);
            assert_eq!(Chord::of(&KeyEvent::new(chord.code, chord.mods)), chord);
            encode(k, false);
        }
    }
}

fn decoded(reads: &[&[u8]]) -> Vec<Event> {
    let mut decoder = Decoder::default();
    let mut events = Vec::new();
    for read in reads {
        events.extend(decoder.feed(read));
    }
    events.extend(decoder.flush());
    events
}

/// First line the prefix, each further line `section action key...`.
fn keymap(text: &str) {
    let mut lines = text.lines();
    let prefix = lines.next().unwrap_or("C-b");
    let mut keys = KeysConfig::default();
    for line in lines {
        let mut words = line.split_whitespace();
        let (Some(section), Some(action)) = (words.next(), words.next()) else {
            continue;
        };
        let table: &mut HashMap<String, KeySpecs> = match section {
            "list" => &mut keys.list,
            "prefix" => &mut keys.prefix,
            _ => &mut keys.scroll,
        };
        table.insert(
            action.to_string(),
            KeySpecs::Many(words.map(str::to_string).collect()),
        );
    }
    match Keymap::new(prefix, &keys) {
        Ok(map) => {
            // Pressing the prefix twice always sends it through.
            assert_eq!(
                map.prefixed(&map.prefix),
                Some(crate::ui::keymap::PrefixAction::SendPrefix)
            );
        }
        Err(e) => assert!(!e.is_empty()),
    }
}

/// A paste reaches the program as one paste: it cannot end the bracket
/// early, and unbracketed it has no bare line feeds.
fn paste(text: &str) {
    const START: &str = "\x1b[200~";
    const END: &str = "\x1b[201~";
    let bracketed = String::from_utf8_lossy(&encode_paste(text, true)).into_owned();
    let body = bracketed
        .strip_prefix(START)
        .and_then(|b| b.strip_suffix(END))
        .unwrap_or_else(|| panic!("{text:?} pasted as {bracketed:?}"));
    assert!(
        !body.contains(END),
        "{text:?} ends its bracket early: {bracketed:?}"
    );
    assert!(!body.contains('\n'), "{text:?} pasted with a line feed");
    let plain = encode_paste(text, false);
    assert!(!plain.contains(&b'\n'), "{text:?} pasted with a line feed");
}

fn modifiers(input: &mut Input) -> KeyModifiers {
    KeyModifiers::from_bits_truncate(input.byte())
}

fn key_event(input: &mut Input) {
    let code = match input.byte() % 24 {
        0..=5 => {
            let c = u32::from(input.u16()) | (u32::from(input.byte() & 0x1f) << 16);
            KeyCode::Char(char::from_u32(c).unwrap_or('x'))
        }
        6 => KeyCode::Char(char::from(input.byte())),
        7 => KeyCode::F(input.byte()),
        8 => KeyCode::Enter,
        9 => KeyCode::Esc,
        10 => KeyCode::Tab,
        11 => KeyCode::BackTab,
        12 => KeyCode::Backspace,
        13 => KeyCode::Delete,
        14 => KeyCode::Insert,
        15 => KeyCode::Up,
        16 => KeyCode::Down,
        17 => KeyCode::Left,
        18 => KeyCode::Right,
        19 => KeyCode::Home,
        20 => KeyCode::End,
        21 => KeyCode::PageUp,
        22 => KeyCode::PageDown,
        _ => KeyCode::Media(MediaKeyCode::Play),
    };
    let ev = KeyEvent::new(code, modifiers(input));
    let chord = Chord::of(&ev);
    assert_eq!(Chord::of(&KeyEvent::new(chord.code, chord.mods)), chord);
    let app_cursor = input.flag();
    let bytes = encode(&ev, app_cursor);
    let alt = ev.modifiers.contains(KeyModifiers::ALT);
    match ev.code {
        KeyCode::Char(c) if ev.modifiers.is_empty() => {
            assert_eq!(bytes, c.to_string().into_bytes());
        }
        KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab | KeyCode::Esc => {
            assert!(!bytes.is_empty(), "{ev:?} sends nothing");
            assert!(!alt || bytes[0] == 0x1b, "{ev:?} sends {bytes:?}");
        }
        _ => {}
    }
}

fn mouse_event(input: &mut Input) {
    let button = match input.byte() % 3 {
        0 => MouseButton::Left,
        1 => MouseButton::Middle,
        _ => MouseButton::Right,
    };
    let kind = match input.byte() % 8 {
        0 => MouseEventKind::Down(button),
        1 => MouseEventKind::Up(button),
        2 => MouseEventKind::Drag(button),
        3 => MouseEventKind::Moved,
        4 => MouseEventKind::ScrollUp,
        5 => MouseEventKind::ScrollDown,
        6 => MouseEventKind::ScrollLeft,
        _ => MouseEventKind::ScrollRight,
    };
    let m = MouseEvent {
        kind,
        column: 0,
        row: 0,
        modifiers: modifiers(input),
    };
    let modes = InputModes {
        mouse: match input.byte() % 5 {
            0 => vt100::MouseProtocolMode::None,
            1 => vt100::MouseProtocolMode::Press,
            2 => vt100::MouseProtocolMode::PressRelease,
            3 => vt100::MouseProtocolMode::ButtonMotion,
            _ => vt100::MouseProtocolMode::AnyMotion,
        },
        mouse_encoding: match input.byte() % 3 {
            0 => vt100::MouseProtocolEncoding::Default,
            1 => vt100::MouseProtocolEncoding::Utf8,
            _ => vt100::MouseProtocolEncoding::Sgr,
        },
        ..InputModes::default()
    };
    let (col, row) = (input.u16(), input.u16());
    let Some(bytes) = crate::ui::mouse::encode(&m, col, row, modes) else {
        return;
    };
    assert!(bytes.starts_with(b"\x1b["), "{m:?} sends {bytes:?}");
    if modes.mouse_encoding == vt100::MouseProtocolEncoding::Sgr {
        let text = String::from_utf8(bytes).unwrap_or_default();
        let expected = format!(";{};{}", u32::from(col) + 1, u32::from(row) + 1);
        assert!(
            text.contains(&expected),
            "{m:?} at {col},{row} sends {text:?}"
        );
    }
}
