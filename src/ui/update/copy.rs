//! Copy mode's hooks in the attached view: keys, the wheel and mouse drags
//! go to the copy-mode model; a copy goes to the terminal's clipboard, the
//! paste buffer and the copy command; the prefix's paste sends it back.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::*;
use crate::ui::copy::{self, CopyAction, CopyMode, EmuLines, Outcome, Pos, PromptEdit};

/// Turns copy mode on in the attached view, if it is not on already.
pub(super) fn enter(ui: &mut Ui, by_mouse: bool) {
    let keys = ui.keymap.mode_keys;
    let Some(v) = &mut ui.view else {
        return;
    };
    if v.copy.is_none() {
        let mut c = CopyMode::enter(&EmuLines::new(&v.emu), keys);
        c.by_mouse = by_mouse;
        v.copy = Some(c);
    }
}

/// The action a key has in copy mode: copy mode's own table first, then
/// keys the config added under `[keys.scroll]`.
fn action(keymap: &crate::ui::keymap::Keymap, chord: &Chord) -> Option<CopyAction> {
    copy::keys::action(keymap.mode_keys, chord).or_else(|| {
        keymap.scroll(chord).map(|a| match a {
            ScrollAction::Up => CopyAction::Up,
            ScrollAction::Down => CopyAction::Down,
            ScrollAction::PageUp => CopyAction::PageUp,
            ScrollAction::PageDown => CopyAction::PageDown,
            ScrollAction::Top => CopyAction::Top,
            ScrollAction::Bottom => CopyAction::Bottom,
            ScrollAction::Exit => CopyAction::Exit,
            ScrollAction::NextMatch => CopyAction::SearchNext,
            ScrollAction::PrevMatch => CopyAction::SearchPrev,
        })
    })
}

/// A key while copy mode is on.
pub(super) fn key(ui: &mut Ui, key: KeyEvent, fx: &mut Vec<Effect>) {
    let chord = Chord::of(&key);
    let action = action(&ui.keymap, &chord);
    let Some(v) = &mut ui.view else {
        return;
    };
    let Some(c) = &mut v.copy else {
        return;
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let typed = match key.code {
        KeyCode::Char(ch) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => Some(ch),
        _ => None,
    };
    let edit = match key.code {
        KeyCode::Enter => PromptEdit::Done,
        KeyCode::Esc => PromptEdit::Cancel,
        KeyCode::Char('g') if ctrl => PromptEdit::Cancel,
        KeyCode::Backspace => PromptEdit::Backspace,
        _ => PromptEdit::None,
    };
    let lines = EmuLines::new(&v.emu);
    match c.key(&lines, action, typed, edit) {
        Outcome::Stay => {}
        Outcome::Leave => v.copy = None,
        Outcome::Copied(text) => {
            v.copy = None;
            copied(ui, text, fx);
        }
    }
}

/// The wheel without a program that takes the mouse: up enters copy mode
/// and scrolls; down scrolls back, and leaves copy mode the wheel started
/// once at the live screen.
pub(super) fn wheel(ui: &mut Ui, up: bool) {
    if up {
        enter(ui, true);
    }
    let Some(v) = &mut ui.view else {
        return;
    };
    let Some(c) = &mut v.copy else {
        return;
    };
    let lines = EmuLines::new(&v.emu);
    let rows = WHEEL_ROWS as i64;
    c.scroll_by(&lines, if up { -rows } else { rows });
    if !up && c.by_mouse && c.anchor.is_none() && c.scroll(&lines) == 0 {
        v.copy = None;
    }
}

/// The left button when the program has not taken the mouse: a press
/// marks where a selection starts, a drag selects (entering copy mode),
/// the release copies and leaves. `row` is on the session's screen.
pub(super) fn select(ui: &mut Ui, m: &MouseEvent, row: u16, fx: &mut Vec<Effect>) {
    let Some(v) = &mut ui.view else {
        return;
    };
    let lines = EmuLines::new(&v.emu);
    let top = v
        .copy
        .as_ref()
        .map_or(copy::Lines::live_top(&lines), |c| c.top);
    let at = Pos::new(
        (top + u64::from(row)).min(copy::Lines::last(&lines)),
        m.column,
    );
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => v.press = Some(at),
        MouseEventKind::Drag(MouseButton::Left) => {
            let Some(from) = v.press else {
                return;
            };
            if v.copy.is_none() {
                enter(ui, true);
            }
            let Some(v) = &mut ui.view else {
                return;
            };
            let lines = EmuLines::new(&v.emu);
            if let Some(c) = &mut v.copy {
                c.drag(&lines, from, at);
            }
        }
        MouseEventKind::Up(MouseButton::Left) => {
            let dragged = v.press.take().is_some_and(|from| from != at);
            let text = v
                .copy
                .as_ref()
                .filter(|_| dragged)
                .and_then(|c| c.selection_text(&lines));
            if let Some(text) = text {
                v.copy = None;
                copied(ui, text, fx);
            }
        }
        _ => {}
    }
}

/// A copy is made: kept for pasting, put on the clipboard through the outer
/// terminal (OSC 52), and piped to the copy command if one is set.
fn copied(ui: &mut Ui, text: String, fx: &mut Vec<Effect>) {
    if text.is_empty() {
        ui.notify("nothing copied: the selection is blank");
        return;
    }
    let chars = text.chars().count();
    match copy::clipboard::osc52(&text) {
        Some(seq) => {
            ui.to_terminal.extend_from_slice(&seq);
            ui.notify(strings::copied(chars, &ui.keymap.prefix.label()));
        }
        None => ui.error(strings::copied_too_long(chars)),
    }
    if let Some(command) = &ui.keymap.copy_command {
        fx.push(Effect::CopyCommand {
            command: command.clone(),
            text: text.clone(),
        });
    }
    ui.paste_buffer = Some(text);
}

/// The prefix's paste: the last copy, into the session, bracketed when the
/// program asked for pastes so.
pub(super) fn paste(ui: &mut Ui, fx: &mut Vec<Effect>) {
    let Some(v) = &ui.view else {
        return;
    };
    let Some(text) = &ui.paste_buffer else {
        ui.notify(strings::NOTHING_TO_PASTE);
        return;
    };
    let bytes = encode_paste(text, v.emu.modes().bracketed_paste);
    view::send_input(ui, bytes, fx);
}
