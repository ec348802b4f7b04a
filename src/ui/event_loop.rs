//! The event loop: terminal events first (keys never wait behind output),
//! then session output, then results of effects; it draws when the pacer
//! says so, and carries out what `update` asks for.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Context;
use super::background;
use super::effects::{self, Effects};
use super::pacing::{DRAIN_BATCH, Pacer};
use super::screen::Screen;
use super::state::{Pending, Ui};
use super::update::{Effect, UiEvent, update};
use crate::protocol::{ClientMsg, ServerMsg};

/// How often relative times tick and host states are looked at: well
/// inside the "within a second" promise.
const TICK: Duration = Duration::from_millis(250);

/// The current view's connection to its job.
struct Conn {
    generation: u64,
    tx: mpsc::Sender<ClientMsg>,
    rx: mpsc::Receiver<ServerMsg>,
}

fn translate(ev: Event) -> Option<UiEvent> {
    Some(match ev {
        Event::Key(k) => UiEvent::Key(k),
        Event::Paste(p) => UiEvent::Paste(p),
        Event::Mouse(m) => UiEvent::Mouse(m),
        Event::Resize(c, r) => UiEvent::Resize(c, r),
        Event::FocusGained => UiEvent::Focus,
        Event::FocusLost => UiEvent::FocusLost,
    })
}

async fn recv_view(conn: &mut Option<Conn>) -> (u64, Option<ServerMsg>) {
    match conn {
        Some(c) => (c.generation, c.rx.recv().await),
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Runs the UI until the user quits (or the terminal goes away), reading
/// terminal events from `events` and drawing on `screen`.
pub async fn run_loop<S, E>(screen: &mut S, mut events: E, ctx: Context) -> Result<(), String>
where
    S: Screen,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    let (ev_tx, mut ev_rx) = mpsc::channel::<UiEvent>(256);
    let mut ui = Ui::new(
        ctx.keymap,
        ctx.status_on_top,
        ctx.history_lines,
        screen.size(),
    );
    ui.clipboard_read = ctx.clipboard_read;
    ui.predict = ctx.predict;
    ui.order = ctx.order;
    let mut fx = Effects::new(ctx.manager.clone(), ev_tx.clone(), ctx.facts.clone());
    fx.size = ui.view_size();
    let mut conn: Option<Conn> = None;
    if let Some(p) = &ctx.prompter {
        p.connect(ev_tx.clone());
    }
    background::spawn(&ctx.manager, ctx.reaper_interval, TICK, &ev_tx);

    // Load the list before the first frame, so it never flashes empty, and
    // never shows an empty list it could not read.
    let (listed, attach) = fx.first_load(ctx.attach.clone()).await;
    ui.detach_quits = ctx.attach.is_some();
    if let Some(s) = attach {
        ui.pending = Some(Pending::Attaching { label: s.label() });
        // `sessui attach NAME` asks for that session: one that ended gets a
        // new shell. Started first: nothing else is on its way to the screen.
        fx.run(Effect::Attach {
            id: s.id.clone(),
            label: s.label(),
            restart: true,
        });
    }
    // What the first list asks for (the preview of the selected session,
    // unless a view is coming) starts now.
    for effect in update(&mut ui, listed).effects {
        fx.run(effect);
    }

    let mut pacer = Pacer::new(ctx.max_fps, Instant::now());
    let mut ticks = spawn_ticks();
    let mut queue: VecDeque<UiEvent> = VecDeque::new();

    loop {
        if pacer.due(Instant::now()) {
            screen
                .draw_ui(&mut ui)
                .map_err(|e| format!("cannot draw: {e}"))?;
            if let Some(v) = &ui.view {
                screen.cursor_style(v.emu.cursor_style());
            }
            pacer.drawn();
            debug_panic_hook();
        }
        let draw_at = pacer.next_at(Instant::now());
        // Events left over from a pass that stopped to draw come first.
        if queue.is_empty() {
            tokio::select! {
                biased;
                ev = events.next() => match ev {
                    Some(Ok(ev)) => queue.extend(translate(ev)),
                    Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                    None => queue.push_back(UiEvent::Quit),
                },
                (generation, msg) = recv_view(&mut conn) => match msg {
                    Some(msg) => {
                        queue.push_back(UiEvent::Session { generation, msg });
                        // Take what else is waiting, then draw once.
                        if let Some(c) = &mut conn {
                            while queue.len() < DRAIN_BATCH {
                                match c.rx.try_recv() {
                                    Ok(msg) => queue.push_back(UiEvent::Session { generation, msg }),
                                    Err(_) => break,
                                }
                            }
                        }
                    }
                    None => {
                        conn = None;
                        queue.push_back(UiEvent::SessionClosed { generation });
                    }
                },
                Some(ev) = ev_rx.recv() => queue.push_back(ev),
                _ = sleep_until(draw_at) => {}
                Some(()) = ticks.recv() => {
                    queue.push_back(UiEvent::Tick);
                    // crossterm drops a resize that comes in the same wakeup as
                    // a key (its reader returns on the key, and the signal's
                    // edge-triggered readiness is not reported again): catch up.
                    let size = screen.size();
                    if size != ui.size {
                        queue.push_back(UiEvent::Resize(size.0, size.1));
                    }
                    // Connection states change without the database: follow them here.
                    let hosts = effects::host_states(&ctx.manager);
                    if hosts != ui.hosts {
                        queue.push_back(UiEvent::Hosts(hosts));
                    }
                }
            }
        }
        // Events, and events the effects of events give (a message the
        // outbox could not deliver), until none is left.
        while let Some(ev) = queue.pop_front() {
            if let UiEvent::Resize(c, r) = &ev {
                fx.size = (*c, r.saturating_sub(1).max(1));
            }
            let screen = matches!(
                ev,
                UiEvent::Session {
                    msg: ServerMsg::Screen { .. },
                    ..
                }
            );
            let step = update(&mut ui, ev);
            pacer.note(step.redraw, Instant::now());
            for effect in step.effects {
                match effect {
                    Effect::Listen { generation, tx, rx } => {
                        conn = Some(Conn { generation, tx, rx });
                    }
                    // Sent only on the connection it was meant for, if that
                    // is still the current one.
                    Effect::Send { generation, msg } => {
                        let delivered = conn
                            .as_ref()
                            .filter(|c| c.generation == generation)
                            .map(|c| c.tx.try_send(msg).is_ok());
                        if delivered == Some(false) {
                            queue.push_back(UiEvent::NotSent { generation });
                        }
                    }
                    Effect::Answer { to, answer } => {
                        // The host stopped waiting: nothing to answer.
                        let _ = to.send(answer);
                    }
                    other => fx.run(other),
                }
            }
            // A view's screen is drawn before the history that came behind
            // it (thousands of lines) is taken in.
            if screen {
                break;
            }
        }
        // A view that is gone takes its connection with it.
        match (&ui.view, &conn) {
            (None, Some(_)) => conn = None,
            (Some(v), Some(c)) if v.generation != c.generation => conn = None,
            _ => {}
        }
        if ui.quit {
            // Views this window had are recorded as gone before it closes;
            // what the work would report has nobody to read it now.
            drop(ev_rx);
            fx.settle().await;
            return Ok(());
        }
    }
}

/// The clock's ticks, from a task of their own: an interval polled in the
/// loop's `select!` re-arms its timer at every pass, and each re-arming
/// wakes the runtime's driver once more (a write and an extra `epoll_wait`
/// per key and per echo, seen with gdb on the eventfd).
fn spawn_ticks() -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            // A tick the loop has not taken yet stands for this one too.
            match tx.try_send(()) {
                Err(mpsc::error::TrySendError::Closed(())) => return,
                _ => continue,
            }
        }
    });
    rx
}

/// Test hook (debug builds only): `SESSUI_DEBUG_PANIC=after-first-frame`
/// panics once the screen is up, so tests can check the terminal comes back.
fn debug_panic_hook() {
    #[cfg(debug_assertions)]
    if std::env::var("SESSUI_DEBUG_PANIC").as_deref() == Ok("after-first-frame") {
        panic!("SESSUI_DEBUG_PANIC asked for a panic");
    }
}
