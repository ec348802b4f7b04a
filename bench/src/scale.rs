//! Scale: `sessui ls` and the TUI's first list frame with thousands of
//! sessions in the database, and the time a filter keystroke takes to show.
//!
//! The rows are finished sessions (`done`, exit 0, `done_at` now, no job, no
//! views) written with the library's `Store`: nothing for `ls`'s reconcile or
//! the UI's first reaper pass to repair, and none old enough to be reaped.

use std::time::{Duration, Instant};

use super::term::row_text;
use super::world::{PATIENCE, Sessui};
use super::{Ctx, Row, Target, Unit, ms};
use sessui::testing::ids::SessionId;
use sessui::testing::now_millis;
use sessui::testing::store::{ExitRow, IdleSetting, SessionRow, Status, Store};

/// The one session the filter keys find: letters in no other name, no uuid
/// (hex) and not in `local`.
const NEEDLE: &str = "zqwy-needle";
/// The most recently active session: first in the list.
const NEWEST: &str = "newest-session";

fn fill(s: &Sessui, n: usize) -> Result<(), String> {
    let paths = s.paths();
    paths.create_all().map_err(|e| e.to_string())?;
    let store = Store::open(&paths.db_file()).map_err(|e| e.to_string())?;
    let now = now_millis();
    for i in 0..n {
        let name = match i {
            0 => Some(NEWEST.to_string()),
            _ if i == n / 2 => Some(NEEDLE.to_string()),
            _ if i % 2 == 0 => Some(format!("proj-{i:05}")),
            _ => None,
        };
        let active = now - i as i64 * 60_000;
        store
            .insert_session(&SessionRow {
                id: SessionId::new(),
                name,
                host: "local".into(),
                status: Status::Done,
                job: None,
                idle: IdleSetting::Default,
                exit: Some(ExitRow {
                    code: Some(0),
                    signal: None,
                    description: "exit 0".into(),
                    at: now,
                }),
                cwd: Some("/home/user/src".into()),
                starter: None,
                job_outdated: false,
                command: None,
                created_at: active - 1000,
                last_active_at: active,
                idle_since: None,
                done_at: Some(now),
                number: None,
                activity: Default::default(),
                views: 0,
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The first session row, under the title and the header.
const FIRST_ROW: u16 = 2;

pub fn run(ctx: &mut Ctx) -> Result<(), String> {
    let mut filter_ms = Vec::new();
    for n in ctx.sizes.scale_counts.clone() {
        let s = Sessui::new(&ctx.exe)?;
        fill(&s, n)?;
        let mut ls = Vec::new();
        let mut first = Vec::new();
        for _ in 0..ctx.sizes.runs {
            let t = Instant::now();
            let out = s.run(&["ls"])?;
            ls.push(ms(t.elapsed()));
            if out.lines().count() != n + 1 {
                return Err(format!("sessui ls listed {} lines", out.lines().count()));
            }
        }
        for _ in 0..ctx.sizes.runs {
            let mut ui = s.pty(&[])?;
            let title = format!("{n} sessions");
            let at = ui.wait(PATIENCE, move |e| {
                row_text(e, 0).contains(&title) && row_text(e, FIRST_ROW).contains(NEWEST)
            })?;
            first.push(ms(at.saturating_duration_since(ui.spawned)));
            if n == ctx.sizes.filter_count {
                filter_ms.extend(filter_keys(&mut ui, ctx.sizes.key_gap)?);
            }
            ui.terminate();
        }
        ctx.rows
            .push(Row::new("scale", format!("`sessui ls`, {n} sessions"), Unit::Ms).sessui(&ls));
        let mut row =
            Row::new("scale", format!("first list frame, {n} sessions"), Unit::Ms).sessui(&first);
        if n == 1000 {
            row = row.target(Target::AtMost(100.0));
        }
        ctx.rows.push(row);
    }
    if !filter_ms.is_empty() {
        ctx.rows.push(
            Row::new(
                "scale",
                format!(
                    "filter keystroke to list, {} sessions",
                    ctx.sizes.filter_count
                ),
                Unit::Ms,
            )
            .sessui(&filter_ms),
        );
    }
    ctx.note(format!(
        "Scale: rows inserted with the library's `Store` as finished sessions (done, exit 0, \
         done_at = now, no job, no views), half named, so `ls`'s reconcile and the UI's first \
         reaper pass have nothing to repair. First frame: from starting `sessui` to the title \
         and the newest row on screen. Filter: `/` then `{NEEDLE}`'s first four letters one \
         at a time, each timed until the input and the matching row show; the figure is over \
         every keystroke of every run."
    ));
    Ok(())
}

/// The filter's input line: below the list, which is not the screen's
/// bottom when a preview shares the screen.
fn filter_row(e: &sessui::testing::term::Emulator) -> Option<String> {
    (0..super::world::ROWS)
        .map(|r| row_text(e, r))
        .find(|t| t.starts_with(" /"))
}

/// Times each of four filter keystrokes; leaves the filter cleared.
fn filter_keys(ui: &mut super::term::Term, gap: Duration) -> Result<Vec<f64>, String> {
    ui.send(b"/")?;
    ui.wait(PATIENCE, |e| filter_row(e).is_some())
        .map_err(|e| format!("the filter did not open: {e}"))?;
    let mut typed = String::new();
    let mut out = Vec::new();
    for c in NEEDLE.chars().take(4) {
        // A typist's pace: the previous frame is not what a key waits for.
        std::thread::sleep(gap);
        typed.push(c);
        let input = format!("/ {typed}");
        let took = ui.timed(c.to_string().as_bytes(), PATIENCE, move |e| {
            filter_row(e).is_some_and(|r| r.contains(&input))
                && row_text(e, FIRST_ROW).contains(NEEDLE)
        })?;
        out.push(ms(took));
    }
    ui.send(b"\x1b")?;
    ui.wait(PATIENCE, |e| filter_row(e).is_none())
        .map_err(|e| format!("the filter did not close: {e}"))?;
    Ok(out)
}
