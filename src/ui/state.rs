//! What the UI knows and shows. Plain data: `update` changes it, `render`
//! draws it, neither does I/O.

use std::time::{Duration, Instant};

use crate::clock::Millis;
use crate::host::HostState;
use crate::ids::{SessionId, ViewId};
use crate::protocol::HistoryLine;
use crate::store::SessionRow;
use crate::term::Emulator;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::copy::{CopyMode, EmuLines};
use super::keymap::Keymap;

/// How long a short notice stays on screen; any key dismisses it sooner.
pub const NOTICE_TIME: Duration = Duration::from_secs(5);
/// Reading time added per this many characters of a longer notice (a
/// reading pace of about 20 characters a second).
const CHARS_PER_SECOND: usize = 20;
/// The longest a notice stays, however long it is.
const NOTICE_MAX: Duration = Duration::from_secs(30);

/// How long a notice of `text` stays: errors twice as long, as they say
/// what to do next; long texts get time to be read.
fn notice_time(text: &str, error: bool) -> Duration {
    let base = if error { NOTICE_TIME * 2 } else { NOTICE_TIME };
    let reading = Duration::from_secs((text.chars().count() / CHARS_PER_SECOND) as u64);
    base.max(reading).min(NOTICE_MAX)
}

pub struct Ui {
    pub keymap: Keymap,
    pub status_on_top: bool,
    pub history_lines: usize,
    /// The outer terminal's size.
    pub size: (u16, u16),
    /// Every session, newest activity first.
    pub sessions: Vec<SessionRow>,
    /// When each listed session will be reaped if nobody attaches.
    pub reap_at: Vec<(SessionId, Millis)>,
    pub hosts: Vec<(String, HostState)>,
    /// The highlighted session, kept by id across refreshes.
    pub selected: Option<SessionId>,
    /// The filter being typed (None: no filter).
    pub filter: Option<TextArea<'static>>,
    pub view: Option<View>,
    pub popup: Option<Popup>,
    /// A popup put aside while a host's question is asked.
    pub stacked: Option<Popup>,
    pub notice: Option<Notice>,
    /// An attach or create under way.
    pub pending: Option<Pending>,
    /// Input while `pending`, for the session once it shows: keys go
    /// through the view's bindings then, so a prefix typed ahead still works.
    pub early: Vec<Early>,
    /// Order for next/previous, fixed while cycling so switching (which
    /// records activity) does not reorder the cycle.
    pub cycle: Option<Vec<SessionId>>,
    /// Where next/previous last went: a session it could not show (it had
    /// ended) is stepped over by the next press, not tried again.
    pub cycle_at: Option<SessionId>,
    /// The database could not be read: the list shows what was read before
    /// (if anything), under this warning, until a read works again.
    pub db_error: Option<String>,
    pub quit: bool,
    /// Opened for one session (`sessui attach`, `new --attach`): detaching
    /// returns to the shell sessui was started from, as `tmux attach` does.
    pub detach_quits: bool,
    /// The list's search mode, while open.
    pub search: Option<super::update::search::SearchMode>,
    /// Where the view being attached should open (chosen in search mode).
    pub landing: Option<super::update::search::Landing>,
    /// Wall clock for relative times, updated on ticks.
    pub now: Millis,
    pub spinner: usize,
    /// The generation the next attached view gets: messages are matched to
    /// the connection they came on.
    pub next_generation: u64,
    /// Answer programs' clipboard queries (`ui.clipboard_read`).
    pub clipboard_read: bool,
    /// The last copy, for pasting into a session.
    pub paste_buffer: Option<String>,
    /// Bytes for the outer terminal itself (a clipboard copy), written with
    /// the next frame.
    pub to_terminal: Vec<u8>,
    /// Predictive local echo, for each view attached.
    pub predict: super::predict::Settings,
    /// The list's live preview of the selected session.
    pub preview: super::preview::Previews,
    /// Sessions marked on the list (`space`), in the order marked.
    pub marked: Vec<SessionId>,
    /// A delete of several sessions under way: its answers are gathered
    /// and told once.
    pub bulk: Option<super::marks::BulkDelete>,
    /// How the list is sorted and grouped.
    pub order: super::order::ListOrder,
}

pub struct Notice {
    pub text: String,
    pub error: bool,
    pub until: Instant,
}

/// Input that came while a session was being created or attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Early {
    Key(KeyEvent),
    Paste(Vec<u8>),
}

pub enum Pending {
    Creating,
    Attaching { label: String },
}

/// The attached session.
pub struct View {
    pub session: SessionRow,
    pub view_id: ViewId,
    /// Bumped on every (re)attach; messages from an older connection are
    /// ignored, and what goes out is sent only on this connection.
    pub generation: u64,
    pub emu: Emulator,
    pub history: Vec<HistoryLine>,
    /// The job's snapshot has arrived; until then keys are held in `early_keys`.
    pub loaded: bool,
    pub early_keys: Vec<Vec<u8>>,
    /// Copy mode (history, cursor, selection, search), when it is on.
    pub copy: Option<CopyMode>,
    /// Where the left button went down, for a drag that selects.
    pub press: Option<crate::ui::copy::Pos>,
    pub prefix_armed: bool,
    pub link: Link,
    /// The shell ended: how.
    pub ended: Option<String>,
    pub last_touch: Instant,
    /// The job resyncs a view that fell behind with only the history it
    /// missed (protocol 2), to be added to what the view has.
    pub resync_appends: bool,
    /// A resync is on its way (`Lagged` came): its snapshot adds history.
    pub resyncing: bool,
    /// The job sends the screen before the history (protocol 7).
    pub screen_first: bool,
    /// History is coming after the screen: it goes in at this row, before
    /// what left the screen since. Ends with the first other message.
    pub older_at: Option<usize>,
    /// A search's match to land on, tried again as that history comes.
    pub landing: Option<super::update::search::Landing>,
    /// Typed keys shown before their echo, and the link's round trip.
    pub predict: super::predict::Predictor,
    /// Opened from a search: its matches here and the one highlighted,
    /// which the painter marks and `n`/`N` move.
    pub found: Option<super::update::search::Found>,
}

impl View {
    /// Rows the view is scrolled back into history (copy mode), if it is.
    pub fn scroll(&self) -> Option<usize> {
        let copy = self.copy.as_ref()?;
        Some(copy.scroll(&EmuLines::new(&self.emu)))
    }

    /// A view just attached: nothing loaded, nothing sent, not scrolled.
    pub fn new(session: SessionRow, view_id: ViewId, generation: u64, emu: Emulator) -> View {
        View {
            session,
            view_id,
            generation,
            emu,
            history: Vec::new(),
            loaded: false,
            early_keys: Vec::new(),
            copy: None,
            press: None,
            prefix_armed: false,
            link: Link::Live,
            ended: None,
            last_touch: Instant::now(),
            resync_appends: false,
            resyncing: false,
            screen_first: false,
            older_at: None,
            landing: None,
            predict: Default::default(),
            found: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Live,
    /// The connection dropped; trying again (attempt number, next try).
    Reconnecting {
        attempt: u32,
        reason: String,
    },
}

/// The one popup over the screen, if any.
pub enum Popup {
    Create(Box<CreatePrompt>),
    Rename(Box<RenamePrompt>),
    /// Delete these sessions (one, or every marked one)?
    ConfirmDelete {
        targets: Vec<Target>,
    },
    /// A delete was refused (the job did not stop, or its host is down):
    /// offers what `sessui kill --force` does.
    ConfirmForce {
        targets: Vec<Target>,
        why: String,
    },
    /// The keys, scrolled down this many rows (it is longer than 24 rows).
    Help {
        scroll: u16,
    },
    /// The session list over an attached view, to switch.
    Switcher,
    /// A question from a host while connecting (host key, passphrase).
    Question(Box<Question>),
}

/// A session a popup acts on, with the label it is shown by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: SessionId,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Host,
}

pub struct CreatePrompt {
    pub name: TextArea<'static>,
    pub host: TextArea<'static>,
    pub focus: Field,
    pub error: Option<String>,
    pub busy: bool,
}

pub struct RenamePrompt {
    pub target: SessionId,
    pub input: TextArea<'static>,
    pub error: Option<String>,
    /// Drawn in the list row (list screen) rather than as a centred box.
    pub inline: bool,
    /// Keys typed after Enter, while the new name is being saved: they go
    /// where they would have gone once the answer is in.
    pub typed_while_saving: Option<Vec<KeyEvent>>,
}

pub struct Question {
    pub host: String,
    pub text: String,
    pub kind: QuestionKind,
    pub input: TextArea<'static>,
    pub answer: Option<tokio::sync::oneshot::Sender<Option<String>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// y/n
    YesNo,
    /// A secret: masked.
    Secret,
    /// An answer shown as typed.
    Text,
}

pub fn text_input(placeholder: &str, initial: &str, masked: bool) -> TextArea<'static> {
    let mut t = TextArea::new(vec![initial.to_string()]);
    t.set_placeholder_text(placeholder.to_string());
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.move_cursor(ratatui_textarea::CursorMove::End);
    if masked {
        t.set_mask_char('•');
    }
    t
}

/// A key for a one-line input, taken as a shell's line editor would:
/// `Ctrl-U` clears back to the start (the text area's own binding is undo),
/// and `Tab` and `Ctrl-M` are not text.
pub fn edit(t: &mut TextArea<'_>, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => {
            t.delete_line_by_head();
        }
        KeyCode::Char('m') if ctrl => {}
        KeyCode::Tab | KeyCode::Enter => {}
        _ => {
            t.input(key);
        }
    }
}

pub fn input_text(t: &TextArea<'_>) -> String {
    t.lines().first().cloned().unwrap_or_default()
}

impl Ui {
    pub fn new(keymap: Keymap, status_on_top: bool, history_lines: usize, size: (u16, u16)) -> Ui {
        Ui {
            keymap,
            status_on_top,
            history_lines,
            size,
            sessions: Vec::new(),
            reap_at: Vec::new(),
            hosts: Vec::new(),
            selected: None,
            filter: None,
            view: None,
            popup: None,
            stacked: None,
            notice: None,
            pending: None,
            early: Vec::new(),
            cycle: None,
            cycle_at: None,
            db_error: None,
            quit: false,
            detach_quits: false,
            search: None,
            landing: None,
            now: crate::clock::now_millis(),
            spinner: 0,
            next_generation: 1,
            clipboard_read: false,
            paste_buffer: None,
            to_terminal: Vec::new(),
            predict: Default::default(),
            preview: Default::default(),
            marked: Vec::new(),
            bulk: None,
            order: Default::default(),
        }
    }

    /// A generation no view of this UI had before.
    pub fn new_generation(&mut self) -> u64 {
        let g = self.next_generation;
        self.next_generation += 1;
        g
    }

    /// The size a view's session gets: the whole terminal but the status bar.
    pub fn view_size(&self) -> (u16, u16) {
        (self.size.0.max(1), self.size.1.saturating_sub(1).max(1))
    }

    pub fn notify(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.notice = Some(Notice {
            until: Instant::now() + notice_time(&text, false),
            text,
            error: false,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.notice = Some(Notice {
            until: Instant::now() + notice_time(&text, true),
            text,
            error: true,
        });
    }

    /// Indexes into `sessions` that the filter lets through, best match first
    /// when filtering, else in the chosen sort; grouped by host if asked.
    pub fn visible(&self) -> Vec<usize> {
        let rows = match &self.filter {
            Some(f) => super::filter::matches(&self.sessions, &input_text(f)),
            None => self.order.sort(&self.sessions),
        };
        self.order.group(&self.sessions, rows)
    }

    /// Position of the selection among the visible rows.
    pub fn selected_index(&self, visible: &[usize]) -> Option<usize> {
        let id = self.selected.as_ref()?;
        visible.iter().position(|&i| &self.sessions[i].id == id)
    }

    pub fn selected_session(&self) -> Option<&SessionRow> {
        let id = self.selected.as_ref()?;
        self.sessions.iter().find(|s| &s.id == id)
    }

    /// Keeps the selection on a visible row: the same session if it still
    /// shows, else the nearest row, else the first.
    pub fn fix_selection(&mut self) {
        let visible = self.visible();
        if visible.is_empty() {
            return;
        }
        if self.selected_index(&visible).is_none() {
            self.selected = Some(self.sessions[visible[0]].id.clone());
        }
    }

    pub fn session(&self, id: &SessionId) -> Option<&SessionRow> {
        self.sessions.iter().find(|s| &s.id == id)
    }

    pub fn reap_deadline(&self, id: &SessionId) -> Option<Millis> {
        self.reap_at.iter().find(|(s, _)| s == id).map(|(_, t)| *t)
    }

    pub fn host_state(&self, host: &str) -> Option<&HostState> {
        self.hosts.iter().find(|(h, _)| h == host).map(|(_, s)| s)
    }
}
