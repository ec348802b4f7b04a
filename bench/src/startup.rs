//! Start-up: `sessui` to its first frame; a new session to a shell that
//! runs a command (`sessui new --attach`, `tmux new-session`, bare bash);
//! and `sessui new` alone against `tmux new-session -d`.

use std::time::Instant;

use super::term::Term;
use super::world::{PATIENCE, Sandbox, Sessui, Tmux, bare_bash};
use super::{Ctx, Row, Target, Unit, ms};

/// Types a command as soon as the program shows its screen, and returns
/// the time from starting the program to the command's output.
fn to_prompt(term: &mut Term, wait_screen: bool) -> Result<f64, String> {
    if wait_screen {
        // Typed after the program took the screen: keys typed before that
        // belong to the outer shell, not the session.
        term.wait(PATIENCE, |e| e.alternate_screen())?;
    }
    term.send(b"echo READY-$((40+2))\r")?;
    let at = term.wait_text(PATIENCE, "READY-42")?;
    Ok(ms(at.saturating_duration_since(term.spawned)))
}

pub fn run(ctx: &mut Ctx) -> Result<(), String> {
    let runs = ctx.sizes.runs;
    let s = Sessui::new(&ctx.exe)?;
    // The database exists from here on, as it does for a user's every start but the first.
    s.run(&["ls"])?;
    let mut first = Vec::new();
    for _ in 0..runs {
        let mut ui = s.pty(&[])?;
        let at = ui.wait_text(PATIENCE, "No sessions yet")?;
        first.push(ms(at.saturating_duration_since(ui.spawned)));
        ui.terminate();
    }
    ctx.rows
        .push(Row::new("start-up", "`sessui` to first list frame", Unit::Ms).sessui(&first));

    let (mut s_new, mut s_cli) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let start = Instant::now();
        s.run(&["new", "--name", &format!("cli{i}")])?;
        s_cli.push(ms(start.elapsed()));
        // One command, as a user starts a session (and as `tmux new-session`).
        let mut ui = s.pty(&["new", "--name", &format!("st{i}"), "--attach"])?;
        s_new.push(to_prompt(&mut ui, true)?);
        ui.terminate();
    }

    let (mut t_new, mut t_cli) = (Vec::new(), Vec::new());
    let tmux = if ctx.tmux { Some(Tmux::new()?) } else { None };
    if let Some(t) = &tmux {
        // A running server, as sessui's jobs are already there for it.
        t.run(&["new-session", "-d", "-s", "keep"])?;
        for i in 0..runs {
            let mut c = t.pty(&["new-session", "-s", &format!("st{i}")])?;
            t_new.push(to_prompt(&mut c, true)?);
            c.terminate();
            let at = Instant::now();
            t.run(&["new-session", "-d", "-s", &format!("cli{i}")])?;
            t_cli.push(ms(at.elapsed()));
        }
    }

    let sb = Sandbox::try_new()?;
    let mut bare = Vec::new();
    for _ in 0..runs {
        let mut b = bare_bash(&sb)?;
        bare.push(to_prompt(&mut b, false)?);
    }
    ctx.rows.push(
        Row::new(
            "start-up",
            "new session, attached, to a command's output",
            Unit::Ms,
        )
        .sessui(&s_new)
        .tmux(&t_new)
        .bare(&bare)
        .target(Target::TimesTmux(1.0)),
    );
    ctx.rows.push(
        Row::new("start-up", "`sessui new` (tmux new -d) returns", Unit::Ms)
            .sessui(&s_cli)
            .tmux(&t_cli),
    );
    ctx.note(
        "Start-up: first frame from starting `sessui` (database already created) to the \
         empty list's hint on screen. New session: `sessui new --name X --attach`, \
         `tmux new-session -s X` (server running), or bare `bash --login`; then \
         `echo READY-$((40+2))` typed once the screen is taken, until `READY-42` shows.",
    );
    Ok(())
}
