//! Asking the outer terminal what it is like (its colours, its cell size)
//! once at start-up, so jobs answer their programs' colour questions as this
//! terminal would. Done before the UI reads the terminal, so the answers
//! come back here, while the UI's reader skips any that come late.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use crossterm::event::Event;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::protocol::TerminalFacts;
use crate::term::parse_color;

/// Long enough for a terminal across an SSH link; a terminal that answers
/// (nearly all answer DA1) ends the wait as soon as its answers are in.
const WAIT: Duration = Duration::from_millis(400);

/// What the terminal said, and keys typed meanwhile (typed ahead of sessui),
/// which must not be lost.
pub struct Probed {
    pub facts: TerminalFacts,
    pub typed: Vec<Event>,
}

/// Asks the terminal on `tty` (in raw mode) for its colours, then DA1, whose
/// answer says every answer the terminal had is in.
pub fn outer_terminal(tty: &impl AsFd) -> Probed {
    let mut facts = TerminalFacts {
        palette: vec![None; 16],
        ..TerminalFacts::default()
    };
    if let Ok(size) = crossterm::terminal::window_size()
        && size.columns > 0
        && size.rows > 0
    {
        facts.cell_width = size.width / size.columns;
        facts.cell_height = size.height / size.rows;
    }
    // Keys already waiting: asking now could mix answers into them.
    if readable(tty, Duration::ZERO) {
        return Probed {
            facts,
            typed: Vec::new(),
        };
    }
    let mut ask = String::from("\x1b]10;?\x1b\\\x1b]11;?\x1b\\\x1b]12;?\x1b\\");
    for i in 0..16 {
        ask.push_str(&format!("\x1b]4;{i};?\x1b\\"));
    }
    ask.push_str("\x1b[c");
    let mut out = io::stdout();
    if out
        .write_all(ask.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return Probed {
            facts,
            typed: Vec::new(),
        };
    }
    let deadline = Instant::now() + WAIT;
    let mut input = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || !readable(tty, left) {
            break;
        }
        match nix::unistd::read(tty.as_fd(), &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => input.extend_from_slice(&buf[..n]),
        }
        if answered(&input) {
            break;
        }
    }
    let typed = read_answers(&input, &mut facts);
    Probed { facts, typed }
}

fn readable(tty: &impl AsFd, wait: Duration) -> bool {
    let mut fds = [PollFd::new(tty.as_fd(), PollFlags::POLLIN)];
    let ms = u16::try_from(wait.as_millis()).unwrap_or(u16::MAX);
    matches!(poll(&mut fds, PollTimeout::from(ms)), Ok(n) if n > 0)
}

/// The DA1 answer (`CSI ? ... c`) came: nothing more will.
fn answered(input: &[u8]) -> bool {
    input.windows(3).enumerate().any(|(i, w)| {
        w == b"\x1b[?" && input[i + 3..].iter().find(|b| !b"0123456789;".contains(b)) == Some(&b'c')
    })
}

/// Takes the colour answers out of `input` into `facts`; the rest is keys
/// typed meanwhile (the decoder drops the answers themselves).
fn read_answers(input: &[u8], facts: &mut TerminalFacts) -> Vec<Event> {
    let mut i = 0;
    while let Some(start) = input[i..].windows(2).position(|w| w == b"\x1b]") {
        // OSC answer, ended by BEL or ST.
        let body = &input[i + start + 2..];
        let (end, skip) = match (
            body.iter().position(|&b| b == 0x07),
            body.windows(2).position(|w| w == b"\x1b\\"),
        ) {
            (Some(a), Some(b)) if a < b => (a, 1),
            (_, Some(b)) => (b, 2),
            (Some(a), None) => (a, 1),
            (None, None) => break,
        };
        colour_answer(&body[..end], facts);
        i += start + 2 + end + skip;
    }
    let mut decoder = super::input::Decoder::default();
    let mut typed = decoder.feed(input);
    typed.extend(decoder.flush());
    typed
}

fn colour_answer(body: &[u8], facts: &mut TerminalFacts) {
    let mut parts = body.split(|&b| b == b';');
    let code = parts.next().unwrap_or_default();
    let rest: Vec<&[u8]> = parts.collect();
    match (code, rest.as_slice()) {
        (b"10", [spec]) => facts.foreground = parse_color(spec),
        (b"11", [spec]) => facts.background = parse_color(spec),
        (b"12", [spec]) => facts.cursor = parse_color(spec),
        (b"4", [index, spec]) => {
            if let Some(slot) = std::str::from_utf8(index)
                .ok()
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| facts.palette.get_mut(i))
            {
                *slot = parse_color(spec);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyCode;

    #[test]
    fn answers_are_read_and_keys_typed_meanwhile_kept() {
        let input = b"\x1b]10;rgb:1010/2020/3030\x1b\\l\x1b]11;rgb:f0f0/e8e8/d0d0\x07\x1b]4;1;rgb:ff/00/00\x1b\\s\r\x1b[?62;22c";
        assert!(answered(input));
        let mut facts = TerminalFacts {
            palette: vec![None; 16],
            ..Default::default()
        };
        let typed = read_answers(input, &mut facts);
        assert_eq!(facts.foreground, Some((0x10, 0x20, 0x30)));
        assert_eq!(facts.background, Some((0xf0, 0xe8, 0xd0)));
        assert_eq!(facts.palette[1], Some((255, 0, 0)));
        let keys: Vec<_> = typed
            .iter()
            .map(|e| match e {
                Event::Key(k) => k.code,
                _ => KeyCode::Null,
            })
            .collect();
        assert_eq!(
            keys,
            [KeyCode::Char('l'), KeyCode::Char('s'), KeyCode::Enter]
        );
    }

    #[test]
    fn a_terminal_that_knows_no_colours_still_ends_the_wait() {
        assert!(answered(b"\x1b[?1;2c"));
        assert!(!answered(b"\x1b]11;rgb:0/0/0\x07"));
    }
}
