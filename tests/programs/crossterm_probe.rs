//! A tiny crossterm program for the conformance suite: it asks the terminal
//! where its cursor is, as crossterm programs do when they start (and wait
//! up to 2 s for the answer), then draws in colours and prints the answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::{Duration, Instant};

use crossterm::cursor::{MoveTo, position};
use crossterm::style::{
    Attribute, Color, Print, ResetColor, SetAttribute, SetBackgroundColor, SetForegroundColor,
    SetUnderlineColor,
};
use crossterm::terminal::{self, Clear, ClearType};
use crossterm::{execute, queue};

fn main() -> std::io::Result<()> {
    let mut out = std::io::stdout();
    execute!(out, Clear(ClearType::All), MoveTo(7, 3))?;
    terminal::enable_raw_mode()?;
    let asked = Instant::now();
    let answer = position();
    // A terminal that answers does so at once; crossterm gives up after 2 s.
    let quick = asked.elapsed() < Duration::from_secs(1);
    terminal::disable_raw_mode()?;
    queue!(
        out,
        MoveTo(0, 5),
        SetForegroundColor(Color::Red),
        SetAttribute(Attribute::Bold),
        Print("crossterm"),
        SetAttribute(Attribute::Reset),
        Print(" "),
        SetBackgroundColor(Color::Rgb {
            r: 10,
            g: 90,
            b: 200
        }),
        SetForegroundColor(Color::AnsiValue(214)),
        Print("truecolor bg"),
        ResetColor,
        Print(" "),
        SetAttribute(Attribute::Undercurled),
        SetUnderlineColor(Color::Green),
        Print("undercurl"),
        SetAttribute(Attribute::Reset),
        Print(" "),
        SetAttribute(Attribute::CrossedOut),
        Print("crossed"),
        SetAttribute(Attribute::Reset),
        MoveTo(0, 7),
        Print(format!("position={answer:?} quick={quick}\r\n")),
        Print("crossterm-done\r\n"),
    )?;
    out.flush()
}
