//! The full-screen app: the session list, prompts, and attached views.
//! Keys become actions (`keymap`), `update` changes state, `render` draws;
//! the event loop here is generic over its input so tests drive it without a terminal.

mod effects;
mod filter;
mod input;
pub mod keymap;
pub mod keys;
pub(crate) mod mouse;
mod outer;
mod probe;
mod prompter;
pub(crate) mod render;
mod state;
mod strings;
mod terminal;
mod update;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod tests;

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

pub use render::render;
pub use state::{Popup, Ui};
pub use update::{Effect, UiEvent, update};

use crate::app::App;
use crate::manager::{Manager, ManagerError};
use crate::protocol::ServerMsg;
use effects::Effects;
use keymap::Keymap;
pub use prompter::UiPrompter;

/// How often the list checks the database for changes by other processes
/// and relative times tick: well inside the "within a second" promise.
const TICK: Duration = Duration::from_millis(250);
/// How often the list learns when detached sessions last printed: jobs
/// record it every 5 s, so more often finds nothing new.
const ACTIVITY_EVERY: Duration = Duration::from_secs(5);

/// Session messages applied before the screen is drawn again, at most: a
/// flood is parsed in big bites, but keys are read between bites.
const DRAIN_BATCH: usize = 64;

/// Output frames that may follow each other at once before the frame cap
/// applies: a command's echo, its output and the next prompt come as separate
/// bites a few milliseconds apart, and none should wait a frame; a flood
/// spends the burst at once and is then drawn max_fps times a second.
const OUTPUT_BURST: f64 = 4.0;

/// A key that only went to the session is drawn with the session's reply
/// (its echo), which comes well within this; drawing at once would put a
/// whole frame between the key and its echo. A session that does not answer
/// (a password prompt) is drawn after this, well under a 60 Hz frame.
const ECHO_WAIT: Duration = Duration::from_millis(10);

/// The outer screen: a real terminal, or a test backend.
pub trait Screen {
    /// Draws a frame. The screen takes the attached session's changed rows
    /// from its model (`Emulator::take_dirty`), hence `&mut`; drawing itself
    /// reads the state only.
    fn draw_ui(&mut self, ui: &mut Ui) -> io::Result<()>;
    fn size(&self) -> (u16, u16);
    /// The cursor shape the session's program asked for.
    fn cursor_style(&mut self, _style: vt100::CursorStyle) {}
}

impl<B: Backend> Screen for Terminal<B> {
    fn draw_ui(&mut self, ui: &mut Ui) -> io::Result<()> {
        let ui = &*ui;
        self.draw(|f| render(ui, f))
            .map(|_| ())
            .map_err(|e| io::Error::other(e.to_string()))
    }
    fn size(&self) -> (u16, u16) {
        Terminal::size(self)
            .map(|s| (s.width, s.height))
            .unwrap_or((80, 24))
    }
}

struct RealScreen {
    guard: terminal::Guard,
    cursor_style: Option<vt100::CursorStyle>,
    /// Title, bell, clipboard and synchronized frames: what else the outer terminal hears.
    outer: outer::Outer,
    /// The attached session as painted on the terminal, with the status
    /// line ratatui last drew beside it; `None` after a frame ratatui drew whole.
    direct: Option<(render::Painted, ratatui::text::Line<'static>)>,
}

impl Screen for RealScreen {
    fn draw_ui(&mut self, ui: &mut Ui) -> io::Result<()> {
        use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        if self
            .outer
            .hold(ui.view.as_ref().map(|v| &v.emu), Instant::now())
        {
            return Ok(());
        }
        let mut passed = Vec::new();
        self.outer
            .take(ui.view.as_mut().map(|v| &mut v.emu), &mut passed);
        // Rows that changed since the last frame, whichever way it was drawn:
        // a frame drawn through ratatui leaves the painted rows unknown anyway.
        let dirty = ui.view.as_mut().map(|v| v.emu.take_dirty());
        let ui = &*ui;
        let term = &mut self.guard.terminal;
        let (cols, rows) = ui.size;
        let area = ratatui::layout::Rect::new(0, 0, cols, rows);
        let resized = term.get_frame().area() != area;
        if resized {
            // ratatui clears the terminal: nothing painted is there any more.
            term.resize(area)?;
        }
        // Terminals that know synchronized output (mode 2026) show the
        // frame at once, never half; others ignore the two sequences.
        crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
        let last = self.direct.take();
        match (render::direct(ui), &ui.view) {
            (Some((session, status)), Some(v)) => {
                // A session row costs a compare to repaint-or-not; a ratatui
                // frame costs every cell of the screen: it only runs when
                // what it draws (the status line) changed, or the area did.
                let (mut painted, drawn) = match last {
                    Some((p, s)) if !resized && p.area() == session => (p, Some(s)),
                    _ => (render::Painted::new(session), None),
                };
                if drawn.as_ref() != Some(&status) {
                    term.draw(|f| render::render_around_session(ui, f))?;
                }
                let mut out = Vec::new();
                painted.paint(&v.emu, dirty.unwrap_or_default(), &mut out);
                term.backend_mut().write_all(&out)?;
                self.direct = Some((painted, status));
            }
            _ => {
                if last.is_some() && !resized {
                    // ratatui believes the session's area blank: whatever it
                    // would skip as unchanged may show painted text. Resizing
                    // to the same size clears and forgets what it drew,
                    // without asking the terminal where its cursor is (as
                    // `clear` does, a round trip some terminals never answer).
                    term.resize(area)?;
                }
                term.draw(|f| render(ui, f))?;
            }
        }
        term.backend_mut().write_all(&passed)?;
        crossterm::queue!(term.backend_mut(), EndSynchronizedUpdate)?;
        self.guard.out.send()
    }
    fn size(&self) -> (u16, u16) {
        Screen::size(&self.guard.terminal)
    }
    fn cursor_style(&mut self, style: vt100::CursorStyle) {
        use crossterm::cursor::SetCursorStyle as S;
        if self.cursor_style == Some(style) {
            return;
        }
        self.cursor_style = Some(style);
        let cs = match style {
            vt100::CursorStyle::Default => S::DefaultUserShape,
            vt100::CursorStyle::BlinkBlock => S::BlinkingBlock,
            vt100::CursorStyle::SteadyBlock => S::SteadyBlock,
            vt100::CursorStyle::BlinkUnderline => S::BlinkingUnderScore,
            vt100::CursorStyle::SteadyUnderline => S::SteadyUnderScore,
            vt100::CursorStyle::BlinkVerticalBar => S::BlinkingBar,
            vt100::CursorStyle::SteadyVerticalBar => S::SteadyBar,
        };
        let _ = crossterm::execute!(io::stdout(), cs);
    }
}

/// Opens the UI on this terminal; returns when the user quits. `prompter`
/// is the one the app's SSH hosts ask; the UI answers it with popups.
pub fn run(app: App, prompter: Arc<UiPrompter>, attach: Option<String>) -> Result<(), String> {
    let keymap = Keymap::new(&app.config.ui.prefix, &app.config.keys)
        .map_err(|e| format!("{}: {e}", app.paths.config_file().display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        // What the command line would say goes to the terminal as it is,
        // before the screen is taken: a damaged database, or no such session.
        app.manager.list().map_err(|e| e.to_string())?;
        if let Some(key) = &attach {
            let (_, adopted) = app
                .manager
                .resolve_or_adopt(key)
                .await
                .map_err(|e| e.to_string())?;
            crate::cli::tell_adopted(&adopted);
        }
        let mut guard = terminal::setup(app.config.ui.mouse)
            .map_err(|e| format!("cannot set up the terminal: {e}"))?;
        let typed = std::mem::take(&mut guard.probed.typed);
        let facts = guard.probed.facts.clone();
        let mut screen = RealScreen {
            outer: outer::Outer::default(),
            guard,
            cursor_style: None,
            direct: None,
        };
        let events = input::events(typed).map_err(|e| format!("cannot read the terminal: {e}"))?;
        let ctx = Context {
            manager: app.manager.clone(),
            keymap,
            status_on_top: app.config.ui.status_bar == "top",
            max_fps: app.config.ui.max_fps.clamp(1, 1000),
            history_lines: app.config.scrollback_lines,
            reaper_interval: app.config.timeouts.reaper_interval,
            attach,
            prompter: Some(prompter),
            facts,
        };
        // The loop runs on a worker, not on this thread: the tasks that carry
        // a key to the session and its echo back wake it on the same thread
        // they run on, where this thread would need waking from another.
        let ui = tokio::spawn(async move {
            let result = run_loop(&mut screen, events, ctx).await;
            drop(screen);
            result
        });
        ui.await
            .unwrap_or_else(|e| Err(format!("the UI stopped: {e}")))
    })
}

pub struct Context {
    pub manager: Arc<Manager>,
    pub keymap: Keymap,
    pub status_on_top: bool,
    pub max_fps: u32,
    pub history_lines: usize,
    pub reaper_interval: Duration,
    /// Open attached to this session.
    pub attach: Option<String>,
    /// Gets the event channel so host questions become popups.
    pub prompter: Option<Arc<UiPrompter>>,
    /// The outer terminal's colours and cell size, told to each job attached.
    pub facts: crate::protocol::TerminalFacts,
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

async fn recv_view(rx: &mut Option<(u64, mpsc::Receiver<ServerMsg>)>) -> (u64, Option<ServerMsg>) {
    match rx {
        Some((g, r)) => (*g, r.recv().await),
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The event loop: terminal events first (keys never wait behind output),
/// then session output, then results of effects; draws at most `max_fps`
/// times a second and only when something changed.
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
    let mut fx = Effects {
        manager: ctx.manager.clone(),
        events: ev_tx.clone(),
        size: ui.view_size(),
        facts: ctx.facts.clone(),
    };
    let mut view_rx: Option<(u64, mpsc::Receiver<ServerMsg>)> = None;
    if let Some(p) = &ctx.prompter {
        p.connect(ev_tx.clone());
    }
    spawn_background(&ctx.manager, ctx.reaper_interval, &ev_tx);

    // Load the list before the first frame, so it never flashes empty, and
    // never shows an empty list it could not read.
    match ctx.manager.list() {
        Ok(sessions) => {
            let reap_at = sessions
                .iter()
                .filter_map(|s| ctx.manager.reap_deadline(s).map(|t| (s.id.clone(), t)))
                .collect();
            update(
                &mut ui,
                UiEvent::Listed {
                    sessions,
                    reap_at,
                    hosts: Vec::new(),
                },
            );
        }
        Err(e) => {
            update(&mut ui, UiEvent::ListFailed(e.to_string()));
        }
    }
    if let Some(key) = &ctx.attach
        && let Ok(s) = ctx.manager.resolve(key)
    {
        ui.pending = Some(state::Pending::Attaching { label: s.label() });
        // `sessui attach NAME` asks for that session: one that ended gets a new shell.
        fx.run(Effect::Attach {
            id: s.id.clone(),
            label: s.label(),
            restart: true,
        });
    }

    let frame = Duration::from_secs(1) / ctx.max_fps;
    // The cap is for output floods: frames that show session output spend
    // a budget that refills max_fps times a second. Anything else (a key, a
    // reply, a tick, a snapshot) draws at once and spends nothing, so the
    // echo of a key is never held back behind the frame the key caused.
    let mut budget = OUTPUT_BURST;
    let mut budget_at = Instant::now();
    let mut dirty = true;
    let mut output_dirty = false;
    // When a key that went to the session is drawn if its echo has not come.
    let mut echo_due: Option<Instant> = None;
    let mut version = ctx.manager.data_version().ok();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    loop {
        let now = Instant::now();
        budget = (budget + now.duration_since(budget_at).as_secs_f64() * f64::from(ctx.max_fps))
            .min(OUTPUT_BURST);
        budget_at = now;
        if dirty || (output_dirty && budget >= 1.0) || echo_due.is_some_and(|t| now >= t) {
            screen
                .draw_ui(&mut ui)
                .map_err(|e| format!("cannot draw: {e}"))?;
            if let Some(v) = &ui.view {
                screen.cursor_style(v.emu.cursor_style());
            }
            if output_dirty {
                budget = (budget - 1.0).max(0.0);
            }
            dirty = false;
            output_dirty = false;
            echo_due = None;
            debug_panic_hook();
        }
        // The next output frame is due when the budget holds one again.
        let draw_at = output_dirty
            .then(|| Instant::now() + frame.mul_f64((1.0 - budget).max(0.0)))
            .into_iter()
            .chain(echo_due)
            .min();
        let mut handled: Vec<UiEvent> = Vec::new();
        tokio::select! {
            biased;
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    if let Some(e) = translate(ev) {
                        handled.push(e);
                    }
                }
                Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                None => handled.push(UiEvent::Quit),
            },
            (generation, msg) = recv_view(&mut view_rx) => match msg {
                Some(msg) => {
                    handled.push(UiEvent::Session { generation, msg });
                    // Take what else is waiting, then draw once.
                    if let Some((_, rx)) = &mut view_rx {
                        while handled.len() < DRAIN_BATCH {
                            match rx.try_recv() {
                                Ok(msg) => handled.push(UiEvent::Session { generation, msg }),
                                Err(_) => break,
                            }
                        }
                    }
                }
                None => {
                    view_rx = None;
                    handled.push(UiEvent::SessionClosed { generation });
                }
            },
            Some(ev) = ev_rx.recv() => handled.push(ev),
            _ = sleep_until(draw_at) => {}
            _ = tick.tick() => {
                handled.push(UiEvent::Tick);
                // crossterm drops a resize that comes in the same wakeup as
                // a key (its reader returns on the key, and the signal's
                // edge-triggered readiness is not reported again): catch up.
                let size = screen.size();
                if size != ui.size {
                    handled.push(UiEvent::Resize(size.0, size.1));
                }
                let now = ctx.manager.data_version().ok();
                if now != version {
                    version = now;
                    fx.refresh();
                }
                // Connection states change without the database: follow them here.
                let hosts = effects::host_states(&ctx.manager);
                if hosts != ui.hosts {
                    handled.push(UiEvent::Hosts(hosts));
                }
            }
        }
        for ev in handled {
            let input = matches!(ev, UiEvent::Key(_) | UiEvent::Paste(_) | UiEvent::Mouse(_));
            let sent = |ui: &Ui| ui.view.as_ref().map(|v| (v.generation, v.sent));
            let sent_before = sent(&ui);
            match &ev {
                // A snapshot is a whole screen (attach, resync), not a bite
                // of a flood: it shows at once.
                UiEvent::Session {
                    msg: ServerMsg::Screen { .. },
                    ..
                } => dirty = true,
                UiEvent::Session { .. } => output_dirty = true,
                _ if input => {}
                _ => dirty = true,
            }
            if let UiEvent::Resize(c, r) = &ev {
                fx.size = (*c, r.saturating_sub(1).max(1));
            }
            for effect in update(&mut ui, ev) {
                if let Some(listen) = fx.run(effect) {
                    view_rx = Some(listen);
                }
            }
            if input {
                if sent_before.is_some() && sent(&ui) != sent_before {
                    echo_due.get_or_insert_with(|| Instant::now() + ECHO_WAIT);
                } else {
                    dirty = true;
                }
            }
        }
        // A view that is gone takes its connection with it.
        match (&ui.view, &view_rx) {
            (None, Some(_)) => view_rx = None,
            (Some(v), Some((g, _))) if v.generation != *g => view_rx = None,
            _ => {}
        }
        if ui.quit {
            return Ok(());
        }
    }
}

/// Test hook (debug builds only): `SESSUI_DEBUG_PANIC=after-first-frame`
/// panics once the screen is up, so tests can check the terminal comes back.
fn debug_panic_hook() {
    #[cfg(debug_assertions)]
    if std::env::var("SESSUI_DEBUG_PANIC").as_deref() == Ok("after-first-frame") {
        panic!("SESSUI_DEBUG_PANIC asked for a panic");
    }
}

/// The reaper, start-up reconciliation, and signals that end the UI politely.
fn spawn_background(manager: &Arc<Manager>, interval: Duration, events: &mpsc::Sender<UiEvent>) {
    let mgr = manager.clone();
    let tx = events.clone();
    tokio::spawn(async move {
        // Hosts with live sessions (or deletes to carry out) connect now, each
        // on its own task, so their sessions come back without a key press.
        if let Err(e) = mgr.connect_hosts() {
            tracing::warn!("connecting hosts: {e}");
        }
        let mut first = true;
        loop {
            let result = if first {
                mgr.reconcile().await
            } else {
                mgr.reap().await
            };
            match result {
                Ok(report) => {
                    if report != Default::default() {
                        tracing::info!(?report, "reaper pass");
                    }
                    if !report.adopted.is_empty() {
                        let _ = tx.send(UiEvent::Adopted(report.adopted)).await;
                    }
                }
                Err(e) => {
                    tracing::warn!("reaper pass failed: {e}");
                    // The database itself failed: the list shown may be stale.
                    if let ManagerError::Store(e) = e {
                        let _ = tx.send(UiEvent::ListFailed(e.to_string())).await;
                    }
                }
            }
            if first {
                let _ = tx.send(UiEvent::Tick).await;
                first = false;
            }
            tokio::time::sleep(interval).await;
        }
    });
    // Output is activity: LAST ACTIVE follows sessions that print, seen or not.
    let mgr = manager.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(ACTIVITY_EVERY).await;
            mgr.refresh_activity().await;
        }
    });
    let tx = events.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(UiEvent::Quit).await;
    });
}
