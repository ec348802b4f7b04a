//! The UI without a terminal: screens drawn into ratatui's TestBackend and
//! compared with snapshots, and key handling checked through `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use tokio::sync::mpsc;

use super::keymap::Keymap;
use super::render::render;
use super::screen::Screen;
use super::state::*;
use super::update::{Effect, UiEvent};
use crate::host::HostState;
use crate::ids::{JobId, SessionId, ViewId};
use crate::manager::ManagerError;
use crate::protocol::{ClientMsg, ServerMsg};
use crate::store::{ExitRow, IdleSetting, JobRow, SessionRow, Status};
use crate::term::Emulator;

pub(super) const NOW: i64 = 1_800_000_000_000;

/// `update`'s effects, which is what these tests look at.
pub(super) fn update(ui: &mut Ui, ev: UiEvent) -> Vec<Effect> {
    super::update::update(ui, ev).effects
}

/// The messages the effects send to the attached view's job.
pub(super) fn sent(fx: &[Effect]) -> Vec<ClientMsg> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn row(
    id: &str,
    name: Option<&str>,
    host: &str,
    status: Status,
    ago_s: i64,
) -> SessionRow {
    SessionRow {
        id: SessionId::from_string(format!("{id}-0000-4000-8000-000000000000")),
        name: name.map(str::to_string),
        host: host.into(),
        status,
        job: Some(JobRow {
            id: JobId::from_string(format!("beef{id}")),
            pid: Some(1),
            start_token: None,
        }),
        idle: IdleSetting::Default,
        exit: (status == Status::Done).then(|| ExitRow {
            code: Some(3),
            signal: None,
            description: "exit 3".into(),
            at: NOW,
        }),
        cwd: None,
        command: None,
        created_at: NOW - ago_s * 1000,
        last_active_at: NOW - ago_s * 1000,
        idle_since: None,
        done_at: None,
        starter: None,
        job_outdated: false,
        number: None,
        activity: Default::default(),
        views: 0,
    }
}

pub(super) fn sessions() -> Vec<SessionRow> {
    let mut build = row("1a2b3c4d", Some("build"), "local", Status::Running, 5);
    build.views = 2;
    vec![
        build,
        row("5e6f7a8b", None, "local", Status::Running, 130),
        row(
            "9c0d1e2f",
            Some("db-shell"),
            "db1",
            Status::Disconnected,
            3600,
        ),
        row("33334444", Some("old"), "local", Status::Done, 90_000),
    ]
}

pub(super) fn ui() -> Ui {
    let mut ui = Ui::new(Keymap::defaults(), false, 1000, (100, 16));
    ui.now = NOW;
    update(
        &mut ui,
        UiEvent::Listed {
            sessions: sessions(),
            reap_at: vec![(sessions()[1].id.clone(), NOW + 42 * 60 * 1000)],
            hosts: vec![(
                "db1".into(),
                HostState::Reconnecting {
                    error: "connection refused".into(),
                    retry_at: NOW + 4000,
                },
            )],
        },
    );
    ui
}

pub(super) fn draw(ui: &Ui) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(ui.size.0, ui.size.1)).unwrap();
    t.draw(|f| render(ui, f)).unwrap();
    t
}

pub(super) fn key(code: KeyCode) -> UiEvent {
    UiEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn ctrl(c: char) -> UiEvent {
    UiEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn chars(ui: &mut Ui, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(ui, key(KeyCode::Char(c))))
        .collect()
}

/// Bytes the attached view's job printed.
pub(super) fn output(bytes: &[u8]) -> UiEvent {
    UiEvent::Session {
        generation: 7,
        msg: ServerMsg::Output(bytes.to_vec()),
    }
}

/// An attached view whose job has sent `screen` as its snapshot.
pub(super) fn attach(ui: &mut Ui, session: SessionRow, screen: &[u8]) {
    let mut emu = Emulator::new(100, 15, 100);
    emu.process(screen);
    let mut view = View::new(session, ViewId::from_string("v"), 7, emu);
    view.loaded = true;
    ui.view = Some(view);
}

/// The manager's answer to an attach: `session` is live on a new view
/// (its connection's other ends are not kept: `update` only returns effects).
pub(super) fn attached(session: SessionRow) -> UiEvent {
    let (tx, _) = mpsc::channel(64);
    let (_, rx) = mpsc::channel(4);
    UiEvent::Attached {
        result: Box::new(Ok(super::update::Attached {
            session,
            view: ViewId::from_string("v"),
            tx,
            rx,
            version: crate::protocol::PROTOCOL_VERSION,
        })),
        reattach: false,
    }
}

/// Every byte of input the effects send to a session, in order.
fn input_sent(fx: &[Effect]) -> Vec<u8> {
    sent(fx)
        .into_iter()
        .flat_map(|m| match m {
            ClientMsg::Input(b) => b,
            _ => Vec::new(),
        })
        .collect()
}

/// What a watched job sends the list's preview: its (cleared) screen at
/// `cols`x`rows`, then `output`.
pub(super) fn preview_of(generation: u64, cols: u16, rows: u16, output: &[u8]) -> UiEvent {
    UiEvent::Preview {
        generation,
        msgs: vec![
            ServerMsg::Screen {
                cols,
                rows,
                state: b"\x1b[H\x1b[2J".to_vec(),
                title: String::new(),
            },
            ServerMsg::Output(output.to_vec()),
        ],
    }
}

#[test]
fn list_screen() {
    let ui = ui();
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn first_run_hint() {
    let mut ui = Ui::new(Keymap::defaults(), false, 1000, (90, 10));
    ui.now = NOW;
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn create_prompt_keeps_text_and_shows_why_a_name_is_refused() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('n')));
    chars(&mut ui, "a/b");
    let fx = update(&mut ui, key(KeyCode::Enter));
    assert!(fx.is_empty(), "an invalid name creates nothing");
    insta::assert_snapshot!(draw(&ui).backend());
    // Tab moves to the host field
    update(&mut ui, key(KeyCode::Tab));
    chars(&mut ui, "db1");
    match &ui.popup {
        Some(Popup::Create(p)) => {
            assert_eq!(input_text(&p.name), "a/b");
            assert_eq!(input_text(&p.host), "db1");
        }
        _ => panic!("the prompt closed"),
    }
}

#[test]
fn create_prompt_submits_name_and_host() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('n')));
    chars(&mut ui, "api");
    let fx = update(&mut ui, key(KeyCode::Enter));
    assert!(matches!(&fx[..], [Effect::Create { name, host }] if name == "api" && host.is_empty()));
    // the name was taken meanwhile: the reason shows and the text stays
    update(
        &mut ui,
        UiEvent::Created(Box::new(Err(ManagerError::NameTaken("api".into())))),
    );
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn inline_rename() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('r')));
    chars(&mut ui, "-ci");
    insta::assert_snapshot!(draw(&ui).backend());
    let fx = update(&mut ui, key(KeyCode::Enter));
    assert!(matches!(&fx[..], [Effect::Rename { name, .. }] if name == "build-ci"));
    update(
        &mut ui,
        UiEvent::Renamed(Box::new(Err(ManagerError::NameTaken("build-ci".into())))),
    );
    // Ctrl-U clears back to the start, as in a shell; Tab is not text
    update(&mut ui, ctrl('u'));
    update(&mut ui, key(KeyCode::Tab));
    chars(&mut ui, "ci");
    let fx = update(&mut ui, key(KeyCode::Enter));
    assert!(matches!(&fx[..], [Effect::Rename { name, .. }] if name == "ci"));
}

#[test]
fn delete_confirmation() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('j')));
    update(&mut ui, key(KeyCode::Char('d')));
    insta::assert_snapshot!(draw(&ui).backend());
    // any key but y keeps it
    assert!(update(&mut ui, key(KeyCode::Char('x'))).is_empty());
    update(&mut ui, key(KeyCode::Delete));
    let fx = update(&mut ui, key(KeyCode::Char('y')));
    assert!(matches!(&fx[..], [Effect::Delete { label, .. }] if label == "5e6f7a8b"));
}

#[test]
fn help_overlay() {
    let mut ui = ui();
    ui.size = (100, 40);
    update(&mut ui, key(KeyCode::Char('?')));
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn filter_as_you_type() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('/')));
    chars(&mut ui, "db");
    insta::assert_snapshot!(draw(&ui).backend());
    // Enter attaches the best match
    let fx = update(&mut ui, key(KeyCode::Enter));
    assert!(matches!(&fx[..], [Effect::Attach { label, .. }] if label == "db-shell"));
}

#[test]
fn attached_view_with_colours_and_wide_characters() {
    let mut ui = ui();
    attach(
        &mut ui,
        sessions()[0].clone(),
        "$ ls\r\n\x1b[1;34mdir\x1b[m  \x1b[38;2;255;128;0mtruecolor\x1b[m  \x1b[7minverse\x1b[m\r\n日本語 ok 🦀\r\n$ "
            .as_bytes(),
    );
    let t = draw(&ui);
    insta::assert_snapshot!(t.backend());
    let buf = t.backend().buffer();
    assert_eq!(buf[(0, 1)].fg, Color::Indexed(4));
    assert!(
        buf[(0, 1)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
    assert_eq!(buf[(5, 1)].fg, Color::Rgb(255, 128, 0));
    assert_eq!(buf[(0, 2)].symbol(), "日");
    assert_eq!(buf[(2, 2)].symbol(), "本");
    // the cursor is where the program left it
    let mut t = t;
    assert_eq!(t.get_cursor_position().unwrap(), (2, 3).into());
}

#[test]
fn too_small_a_terminal_says_so() {
    let mut ui = ui();
    ui.size = (20, 4);
    insta::assert_snapshot!(draw(&ui).backend());
}

#[test]
fn typed_keys_go_to_the_session_encoded() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ ");
    let mut got = sent(&update(&mut ui, key(KeyCode::Char('l'))));
    got.extend(sent(&update(&mut ui, key(KeyCode::Up))));
    got.extend(sent(&update(&mut ui, ctrl('c'))));
    assert_eq!(
        got,
        vec![
            ClientMsg::Input(b"l".to_vec()),
            ClientMsg::Input(b"\x1b[A".to_vec()),
            ClientMsg::Input(b"\x03".to_vec())
        ]
    );
    // the program switches to application cursor keys: arrows follow
    update(&mut ui, output(b"\x1b[?1h"));
    assert_eq!(
        sent(&update(&mut ui, key(KeyCode::Up))),
        [ClientMsg::Input(b"\x1bOA".to_vec())]
    );
}

#[test]
fn prefix_detaches_and_prefix_twice_sends_it() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ ");
    update(&mut ui, ctrl('b'));
    assert!(ui.view.as_ref().unwrap().prefix_armed);
    insta::assert_snapshot!(
        draw(&ui)
            .backend()
            .buffer()
            .content()
            .iter()
            .skip(100 * 15)
            .map(|c| c.symbol())
            .collect::<String>()
    );
    assert_eq!(
        sent(&update(&mut ui, ctrl('b'))),
        [ClientMsg::Input(vec![0x02])]
    );
    update(&mut ui, ctrl('b'));
    let fx = update(&mut ui, key(KeyCode::Char('d')));
    assert!(ui.view.is_none());
    assert!(fx.iter().any(|e| matches!(e, Effect::Detach { .. })));
    assert_eq!(ui.selected, Some(sessions()[0].id.clone()));
}

#[test]
fn keys_typed_while_attaching_reach_the_session_in_order_and_never_the_list() {
    let mut ui = ui();
    let fx = update(&mut ui, key(KeyCode::Enter));
    assert!(matches!(&fx[..], [Effect::Attach { .. }]));
    // "q" and "d" would quit and delete on the list: here they are typed text
    for c in "qd ls".chars() {
        assert!(update(&mut ui, key(KeyCode::Char(c))).is_empty());
    }
    assert!(!ui.quit && ui.popup.is_none());
    update(&mut ui, attached(sessions()[0].clone()));
    // more keys before the screen arrives, then the screen
    update(&mut ui, key(KeyCode::Enter));
    let generation = ui.view.as_ref().unwrap().generation;
    let fx = update(
        &mut ui,
        UiEvent::Session {
            generation,
            msg: ServerMsg::Screen {
                cols: 100,
                rows: 15,
                state: b"$ ".to_vec(),
                title: String::new(),
            },
        },
    );
    // each on the new view's connection, in order
    assert!(
        fx.iter()
            .all(|e| !matches!(e, Effect::Send { generation: g, .. } if *g != generation))
    );
    let typed = input_sent(&fx);
    assert_eq!(typed, b"qd ls\r");
}

#[test]
fn a_prefix_typed_while_attaching_is_a_prefix_once_the_view_is_there() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Enter));
    // `ls` for the shell, then prefix d: typed ahead of the attach, as a
    // quick hand (or a script) does
    for c in "ls".chars() {
        update(&mut ui, key(KeyCode::Char(c)));
    }
    update(&mut ui, ctrl('b'));
    update(&mut ui, key(KeyCode::Char('d')));
    let fx = update(&mut ui, attached(sessions()[0].clone()));
    // the view came and went: back on the list, `ls` in the shell, the
    // prefix and `d` not
    assert!(ui.view.is_none(), "prefix d typed ahead did not detach");
    assert!(fx.iter().any(|e| matches!(e, Effect::Detach { .. })));
    let typed = input_sent(&fx);
    assert_eq!(typed, b"ls", "only the text typed ahead reaches the shell");
}

#[test]
fn next_and_previous_stay_on_the_host_and_cycle() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ ");
    update(&mut ui, ctrl('b'));
    let fx = update(&mut ui, key(KeyCode::Char('n')));
    // the next session on "local" (db1's is skipped); the current view stays
    // until the next one is live, and no ended session gets a new shell by it
    assert!(
        matches!(&fx[..], [Effect::Attach { label, restart: false, .. }] if label == "5e6f7a8b")
    );
    assert!(ui.view.is_some());
    let cycle = ui.cycle.clone().unwrap();
    assert_eq!(cycle.len(), 3);
    assert!(!cycle.contains(&sessions()[2].id));
}

#[test]
fn the_wheel_scrolls_history_unless_the_program_wants_the_mouse() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let mut ui = ui();
    let mut lines = String::new();
    for i in 0..40 {
        lines.push_str(&format!("line {i}\r\n"));
    }
    attach(&mut ui, sessions()[0].clone(), lines.as_bytes());
    let wheel = |kind| {
        UiEvent::Mouse(MouseEvent {
            kind,
            column: 3,
            row: 2,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut ui, wheel(MouseEventKind::ScrollUp));
    assert_eq!(ui.view.as_ref().unwrap().scroll(), Some(3));
    insta::assert_snapshot!(draw(&ui).backend());
    update(&mut ui, wheel(MouseEventKind::ScrollDown));
    assert_eq!(ui.view.as_ref().unwrap().scroll(), None);
    // the program asks for SGR mouse reports: the wheel goes to it
    update(&mut ui, output(b"\x1b[?1000h\x1b[?1006h"));
    assert_eq!(
        sent(&update(&mut ui, wheel(MouseEventKind::ScrollUp))),
        [ClientMsg::Input(b"\x1b[<64;4;3M".to_vec())]
    );
}

#[test]
fn a_shell_exit_is_shown_and_any_key_returns_to_the_list() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"$ exit 3\r\n");
    let fx = update(
        &mut ui,
        UiEvent::Session {
            generation: 7,
            msg: ServerMsg::Exited(crate::protocol::ExitInfo {
                code: Some(3),
                signal: None,
                reason: crate::protocol::ExitReason::ShellExited,
                at: NOW,
            }),
        },
    );
    assert!(matches!(&fx[..], [Effect::JobGone { .. }]));
    insta::assert_snapshot!(draw(&ui).backend());
    update(&mut ui, key(KeyCode::Char('x')));
    assert!(ui.view.is_none());
}

#[test]
fn screen_trait_reports_test_backend_size() {
    let t = Terminal::new(TestBackend::new(33, 7)).unwrap();
    assert_eq!(Screen::size(&t), (33, 7));
}

#[test]
fn a_host_question_comes_first_and_the_prompt_returns_after_the_answer() {
    let mut ui = ui();
    update(&mut ui, key(KeyCode::Char('n')));
    chars(&mut ui, "r1");
    update(&mut ui, key(KeyCode::Tab));
    chars(&mut ui, "db1");
    update(&mut ui, key(KeyCode::Enter));
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    update(
        &mut ui,
        UiEvent::Question(Box::new(Question {
            host: "db1".into(),
            text: "Enter passphrase for key '/k':".into(),
            kind: QuestionKind::Secret,
            input: text_input("", "", true),
            answer: Some(tx),
        })),
    );
    // the answer is typed into the question, masked, not into the session or list
    chars(&mut ui, "s3cret");
    insta::assert_snapshot!(draw(&ui).backend());
    let fx = update(&mut ui, key(KeyCode::Enter));
    let Some(Effect::Answer { to, answer }) = fx.into_iter().next() else {
        panic!("no answer");
    };
    assert_eq!(answer.as_deref(), Some("s3cret"));
    to.send(answer).unwrap();
    assert_eq!(rx.try_recv().unwrap(), Some("s3cret".to_string()));
    assert!(matches!(ui.popup, Some(Popup::Create(_))));
}

/// A job that speaks protocol 2 resyncs a lagging view with the rows it
/// missed: they are added to its history, and nothing was lost to report.
#[test]
fn a_resync_adds_to_the_views_history_without_a_notice() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"old-1\r\nold-2\r\n");
    let v = ui.view.as_mut().unwrap();
    v.resync_appends = true;
    v.emu.process(&b"x\r\n".repeat(20));
    let before = v.emu.history_len();
    let generation = v.generation;
    let msg = |msg| UiEvent::Session { generation, msg };
    update(
        &mut ui,
        msg(ServerMsg::Lagged {
            dropped_bytes: 5000,
        }),
    );
    update(
        &mut ui,
        msg(ServerMsg::History {
            lines: vec![crate::term::HistoryLine {
                text: "missed".into(),
                wrapped: false,
            }],
        }),
    );
    update(
        &mut ui,
        msg(ServerMsg::Screen {
            cols: 100,
            rows: 15,
            state: b"now".to_vec(),
            title: String::new(),
        }),
    );
    assert!(ui.notice.is_none(), "a lossless resync needs no notice");
    let v = ui.view.as_ref().unwrap();
    assert_eq!(v.emu.history_len(), before + 1);
    assert!(v.emu.capture(1, false).starts_with("missed\nnow"));
}

/// History that keeps coming with no screen after it (a broken or hostile
/// job) is held only up to what the view keeps.
#[test]
fn history_waiting_for_its_screen_is_capped_at_the_scrollback_limit() {
    let mut ui = ui();
    attach(&mut ui, sessions()[0].clone(), b"x");
    let limit = ui.history_lines;
    let generation = ui.view.as_ref().unwrap().generation;
    let line = |i: usize| crate::term::HistoryLine {
        text: format!("line {i}"),
        wrapped: false,
    };
    for chunk in 0..5 {
        update(
            &mut ui,
            UiEvent::Session {
                generation,
                msg: ServerMsg::History {
                    lines: (0..limit).map(|i| line(chunk * limit + i)).collect(),
                },
            },
        );
    }
    let v = ui.view.as_ref().unwrap();
    assert_eq!(
        v.history.len(),
        limit,
        "pending history grew past the limit"
    );
    assert_eq!(v.history[limit - 1].text, format!("line {}", 5 * limit - 1));
}
