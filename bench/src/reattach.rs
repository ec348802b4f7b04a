//! Reattach: from pressing Enter on a session whose screen is full (after
//! `seq`) to every row of its screen being back. sessui: Enter on the list;
//! tmux: Enter on `switch-client -t full` typed at its command prompt.

use std::time::Duration;

use super::term::row_text;
use super::world::{PATIENCE, ROWS, Sessui, Tmux, poll, ready, unique};
use super::{Ctx, Row, Target, Unit, ms};
use sessui::testing::term::Emulator;

/// Whether the screen's first rows are exactly `expected`'s lines.
fn shows(e: &Emulator, expected: &[String]) -> bool {
    expected
        .iter()
        .enumerate()
        .all(|(r, line)| row_text(e, r as u16) == *line)
}

fn lines(capture: &str) -> Vec<String> {
    let mut v: Vec<String> = capture.lines().map(|l| l.trim_end().to_string()).collect();
    while v.last().is_some_and(String::is_empty) {
        v.pop();
    }
    v
}

fn sessui_runs(ctx: &Ctx) -> Result<Vec<f64>, String> {
    let s = Sessui::new(&ctx.exe)?;
    s.new_session("full")?;
    let seq = ctx.sizes.seq_lines;
    s.run(&[
        "send",
        "full",
        &format!("clear; seq 1 {seq}; echo SEQ-$((1+1))\\n"),
    ])?;
    s.wait_capture("full", "SEQ-2")?;
    let mut ui = s.pty(&[])?;
    ui.wait_text(PATIENCE, "1 session")?;
    // A first attach gives the job the view's size; the screen to expect is
    // the one it has at that size.
    ui.send(b"\r")?;
    // The list's preview shows `SEQ-2` too: wait for the view itself.
    ui.wait(PATIENCE, |e| {
        let text = e.screen_text();
        text.contains("SEQ-2") && !text.contains("1 session")
    })?;
    ui.send(b"\x02d")?;
    ui.wait_text(PATIENCE, "1 session")?;
    let expected = lines(&s.run(&["capture", "full"])?);
    // The list's live preview would show the session's screen before Enter.
    ui.send(b"p")?;
    let hidden = expected.clone();
    ui.wait(PATIENCE, move |e| !shows(e, &hidden))?;
    let mut samples = Vec::new();
    for _ in 0..ctx.sizes.runs {
        let exp = expected.clone();
        let took = ui.timed(b"\r", PATIENCE, move |e| shows(e, &exp))?;
        samples.push(ms(took));
        ui.send(b"\x02d")?;
        ui.wait_text(PATIENCE, "1 session")?;
    }
    ui.terminate();
    Ok(samples)
}

fn tmux_runs(ctx: &Ctx) -> Result<Vec<f64>, String> {
    let t = Tmux::new()?;
    let mut client = t.pty(&["new-session", "-s", "home"])?;
    ready(&mut client)?;
    let home = format!("HOME-{}", 100 + unique());
    client.send(format!("clear; echo {home}\r").as_bytes())?;
    client.wait_text(PATIENCE, &home)?;
    t.run(&["new-session", "-d", "-s", "full", "-x", "120", "-y", "39"])?;
    let seq = ctx.sizes.seq_lines;
    t.run(&[
        "send-keys",
        "-t",
        "full",
        &format!("clear; seq 1 {seq}; echo SEQ-$((1+1))"),
        "Enter",
    ])?;
    let done = poll(PATIENCE, Duration::from_millis(50), || {
        t.capture("full").unwrap_or_default().contains("SEQ-2")
    });
    if !done {
        return Err("tmux: seq never finished".into());
    }
    let expected = lines(&t.capture("full")?);
    let mut samples = Vec::new();
    for _ in 0..ctx.sizes.runs {
        // Typed like a person: tmux takes keys that come faster than
        // `assume-paste-time` for a paste and binds none of them.
        client.send(b"\x02")?;
        std::thread::sleep(Duration::from_millis(20));
        client.send(b":")?;
        client.wait(PATIENCE, |e| row_text(e, ROWS - 1).starts_with(':'))?;
        client.send(b"switch-client -t full")?;
        client.wait_text(PATIENCE, "switch-client -t full")?;
        let exp = expected.clone();
        let took = client.timed(b"\r", PATIENCE, move |e| shows(e, &exp))?;
        samples.push(ms(took));
        client.send(b"\x02")?;
        std::thread::sleep(Duration::from_millis(20));
        client.send(b":")?;
        client.wait(PATIENCE, |e| row_text(e, ROWS - 1).starts_with(':'))?;
        client.send(b"switch-client -t home\r")?;
        client.wait_text(PATIENCE, &home)?;
    }
    Ok(samples)
}

/// Whether a row of `base64`'s output (76 characters) is on screen: the
/// flood is under way.
fn flooding(e: &Emulator) -> bool {
    (0..ROWS).any(|r| row_text(e, r).len() == 76)
}

/// The flood every detach is timed in: as fast as the machine makes text.
const FLOOD: &str = "cat /dev/urandom | base64\r";

/// Prefix `d` while the attached session floods, until the list is back.
fn sessui_detach(ctx: &Ctx) -> Result<Vec<f64>, String> {
    let s = Sessui::new(&ctx.exe)?;
    s.new_session("flood")?;
    let mut ui = s.pty(&[])?;
    ui.wait_text(PATIENCE, "1 session")?;
    let mut samples = Vec::new();
    for _ in 0..ctx.sizes.runs {
        ui.send(b"\r")?;
        ui.wait(PATIENCE, |e| !e.screen_text().contains("1 session"))?;
        ui.send(FLOOD.as_bytes())?;
        ui.wait(PATIENCE, flooding)?;
        ui.send(b"\x02")?;
        std::thread::sleep(Duration::from_millis(20));
        let took = ui.timed(b"d", PATIENCE, |e| e.screen_text().contains("1 session"))?;
        samples.push(ms(took));
        s.run(&["send", "flood", "\\x03"])?;
    }
    ui.terminate();
    Ok(samples)
}

/// The same in tmux: prefix `d` until its client says it detached.
fn tmux_detach(ctx: &Ctx) -> Result<Vec<f64>, String> {
    let t = Tmux::new()?;
    t.run(&["new-session", "-d", "-s", "flood", "-x", "120", "-y", "39"])?;
    let mut samples = Vec::new();
    for _ in 0..ctx.sizes.runs {
        let mut client = t.pty(&["attach-session", "-t", "flood"])?;
        ready(&mut client)?;
        client.send(FLOOD.as_bytes())?;
        client.wait(PATIENCE, flooding)?;
        // Typed like a person: tmux binds no key of a paste.
        client.send(b"\x02")?;
        std::thread::sleep(Duration::from_millis(20));
        let took = client.timed(b"d", PATIENCE, |e| e.screen_text().contains("[detached"))?;
        samples.push(ms(took));
        t.run(&["send-keys", "-t", "flood", "C-c"])?;
        client.terminate();
    }
    Ok(samples)
}

pub fn run(ctx: &mut Ctx) -> Result<(), String> {
    let sessui = sessui_runs(ctx)?;
    let tmux = if ctx.tmux {
        tmux_runs(ctx)?
    } else {
        Vec::new()
    };
    ctx.rows.push(
        Row::new(
            "reattach",
            format!("full screen after seq 1 {}", ctx.sizes.seq_lines),
            Unit::Ms,
        )
        .sessui(&sessui)
        .tmux(&tmux)
        .target(Target::TimesTmux(1.0)),
    );
    let sessui = sessui_detach(ctx)?;
    // tmux's own detach under this flood sometimes never shows: that is
    // tmux's figure missing, not sessui's.
    let tmux = if ctx.tmux {
        tmux_detach(ctx).unwrap_or_else(|e| {
            let why = e.lines().next().unwrap_or_default().trim_end_matches(':');
            ctx.note(format!(
                "Detach under the flood: tmux not measured in this run ({why})."
            ));
            Vec::new()
        })
    } else {
        Vec::new()
    };
    ctx.rows.push(
        Row::new(
            "reattach",
            "detach (prefix d) while the session floods (`base64` of /dev/urandom)",
            Unit::Ms,
        )
        .sessui(&sessui)
        .tmux(&tmux)
        .target(Target::AtMost(50.0)),
    );
    ctx.note(
        "Reattach: sessui from Enter on the list to every row of the session's screen \
         (as `sessui capture` gives it) on the outer terminal; tmux from Enter on \
         `switch-client -t full` at its command prompt to the same. Detach: from \
         writing the `d` of prefix `d` (the prefix 20 ms before) during `cat /dev/urandom | base64` to the list (sessui) or \
         tmux's `[detached` line.",
    );
    Ok(())
}
