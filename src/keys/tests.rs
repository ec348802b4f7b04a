//! Against xterm's own sequences (xterm ctlseqs, "PC-Style Function Keys").

use super::*;

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn enc(code: KeyCode, mods: KeyModifiers) -> Vec<u8> {
    encode(&key(code, mods), false)
}

fn enc_app(code: KeyCode, mods: KeyModifiers) -> Vec<u8> {
    encode(&key(code, mods), true)
}

const N: KeyModifiers = KeyModifiers::NONE;
const C: KeyModifiers = KeyModifiers::CONTROL;
const A: KeyModifiers = KeyModifiers::ALT;
const S: KeyModifiers = KeyModifiers::SHIFT;

#[test]
fn printable_and_control_characters() {
    assert_eq!(enc(KeyCode::Char('a'), N), b"a");
    assert_eq!(enc(KeyCode::Char('é'), N), "é".as_bytes());
    assert_eq!(enc(KeyCode::Char('A'), S), b"A");
    assert_eq!(enc(KeyCode::Char('c'), C), b"\x03");
    assert_eq!(enc(KeyCode::Char('C'), C | S), b"\x03");
    assert_eq!(enc(KeyCode::Char(' '), C), b"\x00");
    assert_eq!(enc(KeyCode::Char('['), C), b"\x1b");
    assert_eq!(enc(KeyCode::Char('\\'), C), b"\x1c");
    assert_eq!(enc(KeyCode::Char(']'), C), b"\x1d");
    assert_eq!(enc(KeyCode::Char('_'), C), b"\x1f");
    assert_eq!(enc(KeyCode::Char('?'), C), b"\x7f");
}

#[test]
fn alt_prefixes_escape() {
    assert_eq!(enc(KeyCode::Char('x'), A), b"\x1bx");
    assert_eq!(enc(KeyCode::Char('c'), A | C), b"\x1b\x03");
    assert_eq!(enc(KeyCode::Enter, A), b"\x1b\r");
    assert_eq!(enc(KeyCode::Backspace, A), b"\x1b\x7f");
}

#[test]
fn editing_keys() {
    assert_eq!(enc(KeyCode::Enter, N), b"\r");
    assert_eq!(enc(KeyCode::Tab, N), b"\t");
    assert_eq!(enc(KeyCode::BackTab, S), b"\x1b[Z");
    assert_eq!(enc(KeyCode::Backspace, N), b"\x7f");
    assert_eq!(enc(KeyCode::Backspace, C), b"\x08");
    assert_eq!(enc(KeyCode::Esc, N), b"\x1b");
    assert_eq!(enc(KeyCode::Insert, N), b"\x1b[2~");
    assert_eq!(enc(KeyCode::Delete, N), b"\x1b[3~");
    assert_eq!(enc(KeyCode::PageUp, N), b"\x1b[5~");
    assert_eq!(enc(KeyCode::PageDown, N), b"\x1b[6~");
    assert_eq!(enc(KeyCode::Delete, C), b"\x1b[3;5~");
    assert_eq!(enc(KeyCode::PageUp, S), b"\x1b[5;2~");
}

#[test]
fn cursor_keys_in_normal_and_application_mode() {
    assert_eq!(enc(KeyCode::Up, N), b"\x1b[A");
    assert_eq!(enc(KeyCode::Down, N), b"\x1b[B");
    assert_eq!(enc(KeyCode::Right, N), b"\x1b[C");
    assert_eq!(enc(KeyCode::Left, N), b"\x1b[D");
    assert_eq!(enc(KeyCode::Home, N), b"\x1b[H");
    assert_eq!(enc(KeyCode::End, N), b"\x1b[F");
    assert_eq!(enc_app(KeyCode::Up, N), b"\x1bOA");
    assert_eq!(enc_app(KeyCode::Left, N), b"\x1bOD");
    assert_eq!(enc_app(KeyCode::Home, N), b"\x1bOH");
    assert_eq!(enc_app(KeyCode::End, N), b"\x1bOF");
    // modified cursor keys use the CSI 1;m form in both modes
    assert_eq!(enc(KeyCode::Up, C), b"\x1b[1;5A");
    assert_eq!(enc_app(KeyCode::Right, S), b"\x1b[1;2C");
    assert_eq!(enc(KeyCode::Left, A), b"\x1b[1;3D");
    assert_eq!(enc(KeyCode::Down, C | S), b"\x1b[1;6B");
}

#[test]
fn function_keys() {
    assert_eq!(enc(KeyCode::F(1), N), b"\x1bOP");
    assert_eq!(enc(KeyCode::F(4), N), b"\x1bOS");
    assert_eq!(enc(KeyCode::F(5), N), b"\x1b[15~");
    assert_eq!(enc(KeyCode::F(6), N), b"\x1b[17~");
    assert_eq!(enc(KeyCode::F(10), N), b"\x1b[21~");
    assert_eq!(enc(KeyCode::F(11), N), b"\x1b[23~");
    assert_eq!(enc(KeyCode::F(12), N), b"\x1b[24~");
    assert_eq!(enc(KeyCode::F(1), S), b"\x1b[1;2P");
    assert_eq!(enc(KeyCode::F(5), C), b"\x1b[15;5~");
}

#[test]
fn paste_is_bracketed_only_when_asked() {
    assert_eq!(encode_paste("a\nb", false), b"a\rb");
    assert_eq!(encode_paste("a\r\nb", true), b"\x1b[200~a\rb\x1b[201~");
    assert_eq!(
        encode_paste("evil\x1b[201~rm -rf", true),
        b"\x1b[200~evilrm -rf\x1b[201~"
    );
}

#[test]
fn chords_parse_and_match_however_the_key_arrives() {
    let prefix = Chord::parse("C-b").unwrap();
    assert_eq!(prefix, Chord::parse("Ctrl-b").unwrap());
    assert_eq!(prefix, Chord::parse("ctrl+B").unwrap());
    // legacy byte 0x02 decodes as Ctrl+b; CSI u may add Shift or lock state
    assert_eq!(Chord::of(&key(KeyCode::Char('b'), C)), prefix);
    assert_eq!(Chord::of(&key(KeyCode::Char('B'), C | S)), prefix);
    let mut locked = key(KeyCode::Char('b'), C);
    locked.state =
        crossterm::event::KeyEventState::CAPS_LOCK | crossterm::event::KeyEventState::NUM_LOCK;
    assert_eq!(Chord::of(&locked), prefix);
    assert_eq!(
        Chord::parse("M-a").unwrap(),
        Chord::of(&key(KeyCode::Char('a'), A))
    );
    assert_eq!(Chord::parse("F5").unwrap().code, KeyCode::F(5));
    assert_eq!(Chord::parse("Enter").unwrap().code, KeyCode::Enter);
    assert_eq!(
        Chord::parse("?").unwrap(),
        Chord::of(&key(KeyCode::Char('?'), S))
    );
    assert_eq!(
        Chord::parse("N").unwrap(),
        Chord::of(&key(KeyCode::Char('n'), S))
    );
    assert_eq!(Chord::parse("C--").unwrap().code, KeyCode::Char('-'));
    assert!(Chord::parse("C-").is_err());
    assert!(Chord::parse("Hyper-x").is_err());
    assert_eq!(prefix.label(), "C-b");
}

/// Help shows keys by their labels; a label copied into the config must
/// name the same key.
#[test]
fn every_label_names_its_key_again() {
    for spec in [
        "Up", "Down", "Left", "Right", "S-Up", "C-Left", "M-Down", "Enter", "S-Enter", "Esc",
        "Tab", "BackTab", "Space", "C-Space", "BS", "Delete", "Insert", "Home", "End", "PgUp",
        "PgDn", "F1", "F24", "C-b", "M-x", "C--", "q", "Q", "?", "↑",
    ] {
        let chord = Chord::parse(spec).unwrap();
        let label = chord.label();
        assert_eq!(Chord::parse(&label), Ok(chord), "{spec} shows as {label}");
    }
}

/// Taking the end marker out must not make a new one from the pieces
/// around it: the rest of the paste would run as typed commands.
#[test]
fn a_paste_cannot_end_its_bracket_by_nesting_the_end_marker() {
    let pasted = encode_paste("\x1b[20\x1b[201~1~rm -rf ~\n", true);
    assert_eq!(pasted, b"\x1b[200~rm -rf ~\r\x1b[201~");
    let pasted = encode_paste("a\x1b[2\x1b[20\x1b[201~1~01~~b", true);
    assert_eq!(pasted, b"\x1b[200~a~b\x1b[201~");
}
