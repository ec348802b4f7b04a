//! The whole event loop on a test backend: a real manager over a real
//! SQLite file and the in-memory host, keys fed as a stream, the screen read
//! back after each frame, as a person would see it.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::SinkExt;
use futures::channel::mpsc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::watch;

use super::keymap::Keymap;
use super::state::Ui;
use super::{Context, Screen, run_loop};
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

fn press(code: KeyCode) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Start, the list shows, create a session, type into it, detach: the
/// loop does each as a user at a terminal would see it, and the detach is
/// on record when the UI has quit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_create_type_detach_quit() {
    let dir = tempfile::tempdir().unwrap();
    let host = Arc::new(FakeHost::default());
    let manager = Arc::new(
        Manager::new(
            Store::open(&dir.path().join("sessions.db")).unwrap(),
            Config::default(),
            vec![host.clone() as Arc<dyn Host>],
            None,
        )
        .unwrap(),
    );
    let (frames_tx, mut frames) = watch::channel(String::new());
    let mut screen = Watched {
        term: Terminal::new(TestBackend::new(80, 24)).unwrap(),
        frames: frames_tx,
    };
    let (mut keys, events) = mpsc::channel::<io::Result<Event>>(64);
    let ctx = Context {
        manager: manager.clone(),
        keymap: Keymap::defaults(),
        status_on_top: false,
        max_fps: 60,
        history_lines: 100,
        reaper_interval: Duration::from_secs(60),
        attach: None,
        prompter: None,
        facts: Default::default(),
    };
    let ui = tokio::spawn(async move { run_loop(&mut screen, events, ctx).await });

    shows(&mut frames, super::strings::FIRST_RUN).await;
    keys.send(press(KeyCode::Char('n'))).await.unwrap();
    shows(&mut frames, "New session").await;
    for c in "api".chars() {
        keys.send(press(KeyCode::Char(c))).await.unwrap();
    }
    keys.send(press(KeyCode::Enter)).await.unwrap();
    // Attached: the job's screen, under the status bar naming the session.
    let frame = shows(&mut frames, "fake screen").await;
    assert!(
        frame.lines().last().unwrap_or("").contains("api"),
        "{frame}"
    );
    for c in "hi".chars() {
        keys.send(press(KeyCode::Char(c))).await.unwrap();
    }
    shows(&mut frames, "fake screenhi").await;
    let views = manager.list().unwrap()[0].views;
    assert_eq!(views, 1, "the view is on record while attached");

    keys.send(Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('b'),
        KeyModifiers::CONTROL,
    ))))
    .await
    .unwrap();
    keys.send(press(KeyCode::Char('d'))).await.unwrap();
    let list = shows(&mut frames, "1 session").await;
    assert!(
        list.contains("api") && !list.contains("fake screen"),
        "{list}"
    );
    keys.send(press(KeyCode::Char('q'))).await.unwrap();
    let ended = tokio::time::timeout(PATIENCE, ui).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "the loop did not end well");
    assert_eq!(manager.list().unwrap()[0].views, 0, "the detach was lost");
    assert_eq!(host.alive_count(), 1, "detaching ended the session");
}
