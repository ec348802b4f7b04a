//! Every encoding the decoder reads, whole and split at every byte.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};

use super::decode::Decoder;
use crate::keys::{Chord, encode};

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const ALT: KeyModifiers = KeyModifiers::ALT;

fn key(code: KeyCode, mods: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, mods))
}

fn ch(c: char) -> Event {
    key(KeyCode::Char(c), NONE)
}

/// `bytes` fed whole, then split in two at every byte, then one byte at a
/// time, each followed by the timeout: the events are `expected` every time.
fn decodes(bytes: &[u8], expected: &[Event]) {
    for split in 0..=bytes.len() {
        let mut d = Decoder::default();
        let mut got = d.feed(&bytes[..split]);
        got.extend(d.feed(&bytes[split..]));
        got.extend(d.flush());
        assert_eq!(got, expected, "{bytes:?} split at {split}");
    }
    let mut d = Decoder::default();
    let mut got = Vec::new();
    for b in bytes {
        got.extend(d.feed(std::slice::from_ref(b)));
    }
    got.extend(d.flush());
    assert_eq!(got, expected, "{bytes:?} a byte at a time");
}

#[test]
fn text_in_utf8_with_capitals_shifted() {
    decodes(
        "aZ é😀".as_bytes(),
        &[
            ch('a'),
            key(KeyCode::Char('Z'), SHIFT),
            ch(' '),
            ch('é'),
            ch('😀'),
        ],
    );
}

#[test]
fn control_bytes_are_ctrl_keys() {
    decodes(
        b"\x02\r\t\x7f\x00\x1c\x08\x1f",
        &[
            key(KeyCode::Char('b'), CTRL),
            key(KeyCode::Enter, NONE),
            key(KeyCode::Tab, NONE),
            key(KeyCode::Backspace, NONE),
            key(KeyCode::Char(' '), CTRL),
            key(KeyCode::Char('4'), CTRL),
            key(KeyCode::Char('h'), CTRL),
            key(KeyCode::Char('7'), CTRL),
        ],
    );
}

#[test]
fn esc_before_a_key_is_alt() {
    decodes(
        "\x1bb\x1bB\x1b\x02\x1bé\x1b\r".as_bytes(),
        &[
            key(KeyCode::Char('b'), ALT),
            key(KeyCode::Char('B'), ALT | SHIFT),
            key(KeyCode::Char('b'), ALT | CTRL),
            key(KeyCode::Char('é'), ALT),
            key(KeyCode::Enter, ALT),
        ],
    );
}

/// A lone ESC waits for the timeout, then is the Esc key; ESC and `[` or
/// `O` with nothing after are Alt and that key; two ESCs are two Escs.
#[test]
fn a_lone_esc_is_the_esc_key_after_the_timeout() {
    let mut d = Decoder::default();
    assert_eq!(d.feed(b"\x1b"), []);
    assert!(d.pending(), "a lone ESC must wait for the timeout");
    assert_eq!(d.flush(), [key(KeyCode::Esc, NONE)]);
    assert!(!d.pending());
    assert_eq!(d.flush(), []);
    decodes(b"\x1b[", &[key(KeyCode::Char('['), ALT)]);
    decodes(b"\x1bO", &[key(KeyCode::Char('O'), ALT | SHIFT)]);
    decodes(b"\x1b]", &[key(KeyCode::Char(']'), ALT)]);
    decodes(
        b"\x1b\x1b",
        &[key(KeyCode::Esc, NONE), key(KeyCode::Esc, NONE)],
    );
    // ESC ESC [A: Esc then Up, the same bytes for the session.
    decodes(
        b"\x1b\x1b[A",
        &[key(KeyCode::Esc, NONE), key(KeyCode::Up, NONE)],
    );
    // An unfinished sequence does not wait for the timeout.
    let mut d = Decoder::default();
    d.feed(b"\x1b[1;5");
    assert!(!d.pending());
}

#[test]
fn cursor_and_function_keys_in_csi_and_ss3() {
    let cases: &[(&[u8], KeyCode, KeyModifiers)] = &[
        (b"\x1b[A", KeyCode::Up, NONE),
        (b"\x1b[B", KeyCode::Down, NONE),
        (b"\x1b[C", KeyCode::Right, NONE),
        (b"\x1b[D", KeyCode::Left, NONE),
        (b"\x1b[H", KeyCode::Home, NONE),
        (b"\x1b[F", KeyCode::End, NONE),
        (b"\x1bOA", KeyCode::Up, NONE),
        (b"\x1bOH", KeyCode::Home, NONE),
        (b"\x1bOP", KeyCode::F(1), NONE),
        (b"\x1bOS", KeyCode::F(4), NONE),
        (b"\x1b[1;5A", KeyCode::Up, CTRL),
        (b"\x1b[1;3D", KeyCode::Left, ALT),
        (b"\x1b[1;2P", KeyCode::F(1), SHIFT),
        (b"\x1b[1;5R", KeyCode::F(3), CTRL),
        (b"\x1b[1;8H", KeyCode::Home, SHIFT | ALT | CTRL),
        (b"\x1b[2~", KeyCode::Insert, NONE),
        (b"\x1b[3~", KeyCode::Delete, NONE),
        (b"\x1b[3;5~", KeyCode::Delete, CTRL),
        (b"\x1b[1~", KeyCode::Home, NONE),
        (b"\x1b[4~", KeyCode::End, NONE),
        (b"\x1b[5~", KeyCode::PageUp, NONE),
        (b"\x1b[6;2~", KeyCode::PageDown, SHIFT),
        (b"\x1b[11~", KeyCode::F(1), NONE),
        (b"\x1b[15;5~", KeyCode::F(5), CTRL),
        (b"\x1b[24~", KeyCode::F(12), NONE),
        (b"\x1b[Z", KeyCode::BackTab, SHIFT),
        (b"\x1b[[A", KeyCode::F(1), NONE),
        (b"\x1b[E", KeyCode::KeypadBegin, NONE),
        (b"\x1bOM", KeyCode::Enter, NONE),
        (b"\x1b[a", KeyCode::Up, SHIFT),
        (b"\x1b[3^", KeyCode::Delete, CTRL),
    ];
    for (bytes, code, mods) in cases {
        decodes(bytes, &[key(*code, *mods)]);
    }
}

/// xterm's modifyOtherKeys level 2: the prefix `C-b` arrives as
/// `CSI 27;5;98~`, and is the prefix.
#[test]
fn modify_other_keys() {
    decodes(b"\x1b[27;5;98~", &[key(KeyCode::Char('b'), CTRL)]);
    decodes(b"\x1b[27;6;66~", &[key(KeyCode::Char('B'), CTRL | SHIFT)]);
    decodes(b"\x1b[27;5;13~", &[key(KeyCode::Enter, CTRL)]);
    decodes(b"\x1b[27;5;9~", &[key(KeyCode::Tab, CTRL)]);
    decodes(b"\x1b[27;2;9~", &[key(KeyCode::BackTab, SHIFT)]);
    decodes(b"\x1b[27;3;97~", &[key(KeyCode::Char('a'), ALT)]);
    decodes(b"\x1b[27;2;33~", &[key(KeyCode::Char('!'), SHIFT)]);
    decodes(b"\x1b[27;5;32~", &[key(KeyCode::Char(' '), CTRL)]);
    let prefix = Chord::parse("C-b").unwrap();
    for bytes in [&b"\x1b[27;5;98~"[..], b"\x1b[27;6;66~", b"\x02"] {
        let Event::Key(k) = &Decoder::default().feed(bytes)[0] else {
            panic!("no key from {bytes:?}");
        };
        assert_eq!(Chord::of(k), prefix, "{bytes:?}");
    }
}

/// kitty's keyboard protocol and fixterms: `CSI code ; mods u`, with lock
/// keys, event types and alternate (shifted) keys.
#[test]
fn kitty_and_fixterms_keys() {
    decodes(b"\x1b[98;5u", &[key(KeyCode::Char('b'), CTRL)]);
    decodes(b"\x1b[97u", &[ch('a')]);
    decodes(b"\x1b[97;2u", &[key(KeyCode::Char('A'), SHIFT)]);
    decodes(b"\x1b[97:65;2u", &[key(KeyCode::Char('A'), NONE)]);
    decodes(b"\x1b[49:33;2u", &[key(KeyCode::Char('!'), NONE)]);
    decodes(b"\x1b[27u", &[key(KeyCode::Esc, NONE)]);
    decodes(b"\x1b[13;5u", &[key(KeyCode::Enter, CTRL)]);
    decodes(b"\x1b[127;3u", &[key(KeyCode::Backspace, ALT)]);
    decodes(b"\x1b[1;5A", &[key(KeyCode::Up, CTRL)]);
    decodes(b"\x1b[57376u", &[key(KeyCode::F(13), NONE)]);
    let with = |code, mods, kind, state| {
        Event::Key(KeyEvent::new_with_kind_and_state(code, mods, kind, state))
    };
    decodes(
        b"\x1b[98;69u",
        &[with(
            KeyCode::Char('b'),
            CTRL,
            KeyEventKind::Press,
            KeyEventState::CAPS_LOCK,
        )],
    );
    decodes(
        b"\x1b[98;133u",
        &[with(
            KeyCode::Char('b'),
            CTRL,
            KeyEventKind::Press,
            KeyEventState::NUM_LOCK,
        )],
    );
    decodes(
        b"\x1b[98;5:3u",
        &[with(
            KeyCode::Char('b'),
            CTRL,
            KeyEventKind::Release,
            KeyEventState::NONE,
        )],
    );
    decodes(
        b"\x1b[57399u",
        &[with(
            KeyCode::Char('0'),
            NONE,
            KeyEventKind::Press,
            KeyEventState::KEYPAD,
        )],
    );
    decodes(
        b"\x1b[3;5:2~",
        &[with(
            KeyCode::Delete,
            CTRL,
            KeyEventKind::Repeat,
            KeyEventState::NONE,
        )],
    );
    let prefix = Chord::parse("C-b").unwrap();
    for bytes in [
        &b"\x1b[98;5u"[..],
        b"\x1b[98;69u",
        b"\x1b[98;133u",
        b"\x1b[98;197u",
    ] {
        let Event::Key(k) = &Decoder::default().feed(bytes)[0] else {
            panic!("no key from {bytes:?}");
        };
        assert_eq!(Chord::of(k), prefix, "{bytes:?}");
    }
}

fn mouse(kind: MouseEventKind, column: u16, row: u16, modifiers: KeyModifiers) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers,
    })
}

#[test]
fn sgr_and_legacy_mouse_reports() {
    let left = MouseButton::Left;
    decodes(
        b"\x1b[<0;10;5M",
        &[mouse(MouseEventKind::Down(left), 9, 4, NONE)],
    );
    decodes(
        b"\x1b[<0;10;5m",
        &[mouse(MouseEventKind::Up(left), 9, 4, NONE)],
    );
    decodes(
        b"\x1b[<2;1;1M",
        &[mouse(MouseEventKind::Down(MouseButton::Right), 0, 0, NONE)],
    );
    decodes(
        b"\x1b[<32;3;4M",
        &[mouse(MouseEventKind::Drag(left), 2, 3, NONE)],
    );
    decodes(
        b"\x1b[<35;3;4M",
        &[mouse(MouseEventKind::Moved, 2, 3, NONE)],
    );
    decodes(
        b"\x1b[<64;200;100M",
        &[mouse(MouseEventKind::ScrollUp, 199, 99, NONE)],
    );
    decodes(
        b"\x1b[<65;1;1M",
        &[mouse(MouseEventKind::ScrollDown, 0, 0, NONE)],
    );
    decodes(
        b"\x1b[<20;1;1M",
        &[mouse(MouseEventKind::Down(left), 0, 0, SHIFT | CTRL)],
    );
    // X10: ESC [ M and three bytes, each 32 more than its value.
    decodes(
        &[0x1b, b'[', b'M', 32, 32 + 10, 32 + 5],
        &[mouse(MouseEventKind::Down(left), 9, 4, NONE)],
    );
    // urxvt: CSI cb;x;y M.
    decodes(
        b"\x1b[32;10;5M",
        &[mouse(MouseEventKind::Down(left), 9, 4, NONE)],
    );
}

#[test]
fn focus_reports() {
    decodes(b"\x1b[I\x1b[O", &[Event::FocusGained, Event::FocusLost]);
}

/// A paste is one event whatever it holds (line ends, escape sequences)
/// and however it is split.
#[test]
fn bracketed_paste() {
    decodes(
        "a\x1b[200~echo hi\r\nthere \x1b[A é\x1b[201~b".as_bytes(),
        &[
            ch('a'),
            Event::Paste("echo hi\r\nthere \x1b[A é".into()),
            ch('b'),
        ],
    );
    decodes(b"\x1b[200~\x1b[201~", &[Event::Paste(String::new())]);
    // Almost an end marker, inside the paste.
    decodes(
        b"\x1b[200~x\x1b[201\x1b[20~\x1b[201~",
        &[Event::Paste("x\x1b[201\x1b[20~".into())],
    );
    // An unfinished paste is not flushed by the timeout.
    let mut d = Decoder::default();
    assert_eq!(d.feed(b"\x1b[200~abc\x1b"), []);
    assert!(!d.pending());
    assert_eq!(d.flush(), []);
    assert_eq!(d.feed(b"[201~"), [Event::Paste("abc".into())]);
}

/// A paste whose end marker never comes ends after a pause: what came is
/// the paste, and the keys typed next are keys, not more paste.
#[test]
fn a_paste_that_never_ends_gives_the_keyboard_back() {
    let mut d = Decoder::default();
    assert_eq!(d.feed(b"\x1b[200~half a paste\x1b[20"), []);
    assert!(d.in_paste());
    assert_eq!(d.end_paste(), [Event::Paste("half a paste\x1b[20".into())]);
    assert!(!d.in_paste());
    assert_eq!(d.feed(b"q"), [ch('q')]);
    assert_eq!(d.end_paste(), [], "nothing to end");
}

/// Answers to sessui's own questions (colours, device attributes, the
/// version) are no keys, even when they come late.
#[test]
fn terminal_replies_are_swallowed() {
    decodes(
        b"\x1b]11;rgb:0000/0000/0000\x07a\x1b]10;rgb:ffff/ffff/ffff\x1b\\\x1b[?62;22cb\x1b[>1;10;0c\x1bP>|xterm(390)\x1b\\c\x1b[?1u\x1b[?2026;2$yd\x1b_Gi=1;OK\x1b\\",
        &[ch('a'), ch('b'), ch('c'), ch('d')],
    );
}

#[test]
fn broken_input_is_dropped_and_what_follows_is_read() {
    decodes(b"\x1b[1;\x02", &[key(KeyCode::Char('b'), CTRL)]);
    decodes(b"\xffa\xc3b", &[ch('a'), ch('b')]);
    decodes(b"\x1b[99~x", &[ch('x')]);
    decodes(b"\x1b[1;5Xy", &[ch('y')]);
    decodes(b"\x1b[201~z", &[ch('z')]);
    // A reply cut short by typing.
    decodes(b"\x1b]11;rgb\rq", &[key(KeyCode::Enter, NONE), ch('q')]);
    // A sequence that never ends is dropped, not kept forever.
    let mut d = Decoder::default();
    let mut long = b"\x1b[".to_vec();
    long.extend(std::iter::repeat_n(b'1', 300));
    assert_eq!(d.feed(&long), []);
    assert_eq!(d.feed(b"k"), [ch('k')]);
}

/// What a terminal sends without any keyboard protocol reaches the
/// session as the same bytes, after decoding and encoding for it.
#[test]
fn legacy_keys_reach_the_session_as_sent() {
    let sent: &[&[u8]] = &[
        b"a",
        "é".as_bytes(),
        b"Z",
        b"\x02",
        b"\r",
        b"\t",
        b"\x7f",
        b"\x00",
        b"\x1bx",
        b"\x1b[A",
        b"\x1b[D",
        b"\x1b[H",
        b"\x1b[F",
        b"\x1b[1;5A",
        b"\x1b[1;3C",
        b"\x1b[2~",
        b"\x1b[3~",
        b"\x1b[5~",
        b"\x1b[6~",
        b"\x1b[3;5~",
        b"\x1bOP",
        b"\x1bOS",
        b"\x1b[1;2P",
        b"\x1b[15~",
        b"\x1b[24;5~",
        b"\x1b[Z",
    ];
    for bytes in sent {
        let mut d = Decoder::default();
        let events = d.feed(bytes);
        let [Event::Key(k)] = events.as_slice() else {
            panic!("{bytes:?} gave {events:?}");
        };
        assert_eq!(&encode(k, false), bytes, "{bytes:?} as {k:?}");
    }
}
