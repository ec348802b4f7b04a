//! The whole event loop on a test backend: a real manager over a real
//! SQLite file and the in-memory host, keys fed as a stream, the screen read
//! back after each frame, as a person would see it.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::SinkExt;
use futures::channel::mpsc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::watch;

use super::Context;
use super::event_loop::run_loop;
use super::keymap::Keymap;
use super::screen::Screen;
use super::state::Ui;
use crate::config::Config;
use crate::host::Host;
use crate::manager::Manager;
use crate::manager::fake::FakeHost;
use crate::store::Store;

/// Generous: a loaded machine; a passing test never waits this long.
const PATIENCE: Duration = Duration::from_secs(30);

/// A test backend that shows each frame it draws to the test.
struct Watched {
    term: Terminal<TestBackend>,
    frames: watch::Sender<String>,
    /// Each frame drawn while attached: whether it showed the session's
    /// screen, and the lines of history the view held then.
    attached: Arc<std::sync::Mutex<Vec<(bool, usize)>>>,
}

impl Screen for Watched {
    fn draw_ui(&mut self, ui: &mut Ui) -> io::Result<()> {
        self.term.draw_ui(ui)?;
        let buf = self.term.backend().buffer();
        let mut text = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                text.push_str(buf[(x, y)].symbol());
            }
            text.push('\n');
        }
        if let Some(v) = &ui.view {
            let shown = text.contains("fake screen");
            let held = v.emu.history_len();
            self.attached.lock().unwrap().push((shown, held));
        }
        self.frames.send_replace(text);
        Ok(())
    }
    fn size(&self) -> (u16, u16) {
        Screen::size(&self.term)
    }
}

async fn shows(frames: &mut watch::Receiver<String>, text: &str) -> String {
    let seen = tokio::time::timeout(PATIENCE, async {
        loop {
            let frame = frames.borrow_and_update().clone();
            if frame.contains(text) {
                return frame;
            }
            if frames.changed().await.is_err() {
                return frame;
            }
        }
    })
    .await;
    match seen {
        Ok(frame) if frame.contains(text) => frame,
        Ok(frame) => panic!("the loop ended without showing '{text}':\n{frame}"),
        Err(_) => panic!("'{text}' never showed:\n{}", *frames.borrow()),
    }
}

/// A UI running its loop on a watched test backend.
struct Running {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    host: Arc<FakeHost>,
    manager: Arc<Manager>,
    frames: watch::Receiver<String>,
    attached: Arc<std::sync::Mutex<Vec<(bool, usize)>>>,
    keys: mpsc::Sender<io::Result<Event>>,
    ui: tokio::task::JoinHandle<Result<(), String>>,
}

/// Starts the loop over a fresh database that waits up to `busy` for a lock.
fn start(busy: Duration) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    let host = Arc::new(FakeHost::default());
    let manager = Arc::new(
        Manager::new(
            Store::open_with(&db, busy).unwrap(),
            Config::default(),
            vec![host.clone() as Arc<dyn Host>],
            None,
        )
        .unwrap(),
    );
    let (frames_tx, frames) = watch::channel(String::new());
    let attached = Arc::default();
    let mut screen = Watched {
        term: Terminal::new(TestBackend::new(80, 24)).unwrap(),
        frames: frames_tx,
        attached: Arc::clone(&attached),
    };
    let (keys, events) = mpsc::channel::<io::Result<Event>>(64);
    let ctx = Context {
        manager: manager.clone(),
        keymap: Keymap::defaults(),
        status_on_top: false,
        max_fps: 60,
        history_lines: 100,
        // Only the start-up pass: a later one would write a detach the
        // database refused, hiding that it was refused.
        reaper_interval: Duration::from_secs(3600),
        attach: None,
        prompter: None,
        facts: Default::default(),
        clipboard_read: false,
        predict: Default::default(),
        order: Default::default(),
    };
    let ui = tokio::spawn(async move { run_loop(&mut screen, events, ctx).await });
    Running {
        _dir: dir,
        db,
        host,
        manager,
        frames,
        attached,
        keys,
        ui,
    }
}

impl Running {
    async fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
                .await;
        }
    }

    /// A key for the loop; a loop that stops reading keys fails the test.
    async fn key(&mut self, key: KeyEvent) {
        let sent = tokio::time::timeout(PATIENCE, self.keys.send(Ok(Event::Key(key)))).await;
        assert!(matches!(sent, Ok(Ok(()))), "the loop stopped reading keys");
    }

    /// Creates a session named `name` from the list and waits for its screen.
    async fn create(&mut self, name: &str) -> String {
        shows(&mut self.frames, super::strings::FIRST_RUN).await;
        self.typed("n").await;
        shows(&mut self.frames, "New session").await;
        self.typed(name).await;
        self.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
            .await;
        shows(&mut self.frames, "fake screen").await
    }

    async fn detach(&mut self) {
        self.key(KeyEvent::new(KeyCode::Char('b'), KeyModifiers::CONTROL))
            .await;
        self.typed("d").await;
    }
}

/// Start, the list shows, create a session, type into it, detach: the
/// loop does each as a user at a terminal would see it, and the detach is
/// on record when the UI has quit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_create_type_detach_quit() {
    let mut r = start(Duration::from_secs(10));
    // Attached: the job's screen, under the status bar naming the session.
    let frame = r.create("api").await;
    assert!(
        frame.lines().last().unwrap_or("").contains("api"),
        "{frame}"
    );
    r.typed("hi").await;
    shows(&mut r.frames, "fake screenhi").await;
    let views = r.manager.list().unwrap()[0].views;
    assert_eq!(views, 1, "the view is on record while attached");

    r.detach().await;
    let list = shows(&mut r.frames, "1 session").await;
    assert!(
        list.contains("api") && !list.contains("fake screen"),
        "{list}"
    );
    r.typed("q").await;
    let ended = tokio::time::timeout(PATIENCE, r.ui).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "the loop did not end well");
    assert_eq!(r.manager.list().unwrap()[0].views, 0, "the detach was lost");
    assert_eq!(r.host.alive_count(), 1, "detaching ended the session");
}

/// A view's screen is drawn before the history behind it is taken in:
/// thousands of lines of it would otherwise hold the first frame.
#[tokio::test(flavor = "current_thread")]
async fn the_screen_is_drawn_before_the_history_behind_it_is_taken_in() {
    let mut r = start(Duration::from_secs(10));
    r.host.attach_history.store(5000, Ordering::SeqCst);
    r.create("api").await;
    let held = || {
        let log = r.attached.lock().unwrap();
        log.iter().find(|(shown, _)| *shown).map(|&(_, held)| held)
    };
    assert_eq!(held(), Some(0), "{:?}", r.attached.lock().unwrap());
    // And the history did come in after it.
    let took_in = || {
        r.attached
            .lock()
            .unwrap()
            .last()
            .is_some_and(|&(_, n)| n > 0)
    };
    let all_in = tokio::time::timeout(PATIENCE, async {
        while !took_in() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(all_in.is_ok(), "{:?}", r.attached.lock().unwrap().last());
}

/// Another process holding the database's write lock never holds the
/// screen: a detach shows the list at once, and is recorded when the lock
/// is let go. (The database here waits longer than the test does for a
/// frame: a detach written on the event loop would hold the screen, then
/// fail, and never be recorded.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_never_holds_the_screen() {
    let mut r = start(Duration::from_secs(60));
    r.create("api").await;
    let lock = rusqlite::Connection::open(&r.db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    r.detach().await;
    let list = shows(&mut r.frames, "1 session").await;
    assert!(list.contains("api"), "{list}");
    // Typing in the list still works while the lock is held.
    r.typed("?").await;
    shows(&mut r.frames, "Session list").await;
    lock.execute_batch("COMMIT").unwrap();
    drop(lock);
    r.typed("q").await;
    r.typed("q").await;
    let ended = tokio::time::timeout(PATIENCE, r.ui).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "the loop did not end well");
    assert_eq!(r.manager.list().unwrap()[0].views, 0, "the detach was lost");
}
