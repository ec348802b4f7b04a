//! Copy mode's keys, as tmux binds them: a vi table and an emacs table,
//! chosen by `ui.mode_keys`.

use crate::ui::keys::Chord;

pub use crate::config::ModeKeys;

/// What a key does in copy mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyAction {
    Left,
    Right,
    Up,
    Down,
    WordNext,
    WordBack,
    WordEnd,
    LineStart,
    FirstNonBlank,
    LineEnd,
    Top,
    Bottom,
    ScreenTop,
    ScreenMiddle,
    ScreenBottom,
    HalfPageUp,
    HalfPageDown,
    PageUp,
    PageDown,
    SelectChar,
    SelectLine,
    /// Starts a rectangle, or turns the selection into one and back.
    SelectRect,
    ClearSelection,
    Copy,
    SearchForward,
    SearchBackward,
    SearchNext,
    SearchPrev,
    /// Esc: clears a selection if there is one, else leaves.
    Cancel,
    Exit,
}

use CopyAction as A;

const SHARED: &[(&str, CopyAction)] = &[
    ("Left", A::Left),
    ("Right", A::Right),
    ("Up", A::Up),
    ("Down", A::Down),
    ("Home", A::LineStart),
    ("End", A::LineEnd),
    ("PgUp", A::PageUp),
    ("PgDn", A::PageDown),
    ("q", A::Exit),
    ("Esc", A::Cancel),
];

const VI: &[(&str, CopyAction)] = &[
    ("h", A::Left),
    ("l", A::Right),
    ("k", A::Up),
    ("j", A::Down),
    ("w", A::WordNext),
    ("b", A::WordBack),
    ("e", A::WordEnd),
    ("0", A::LineStart),
    ("^", A::FirstNonBlank),
    ("$", A::LineEnd),
    ("g", A::Top),
    ("G", A::Bottom),
    ("H", A::ScreenTop),
    ("M", A::ScreenMiddle),
    ("L", A::ScreenBottom),
    ("C-u", A::HalfPageUp),
    ("C-d", A::HalfPageDown),
    ("C-b", A::PageUp),
    ("C-f", A::PageDown),
    ("v", A::SelectChar),
    ("Space", A::SelectChar),
    ("V", A::SelectLine),
    ("C-v", A::SelectRect),
    ("r", A::SelectRect),
    ("y", A::Copy),
    ("Enter", A::Copy),
    ("/", A::SearchForward),
    ("?", A::SearchBackward),
    ("n", A::SearchNext),
    ("N", A::SearchPrev),
];

const EMACS: &[(&str, CopyAction)] = &[
    ("C-b", A::Left),
    ("C-f", A::Right),
    ("C-p", A::Up),
    ("C-n", A::Down),
    ("M-f", A::WordNext),
    ("M-b", A::WordBack),
    ("C-a", A::LineStart),
    ("M-m", A::FirstNonBlank),
    ("C-e", A::LineEnd),
    ("M-<", A::Top),
    ("M->", A::Bottom),
    ("M-R", A::ScreenTop),
    ("C-v", A::PageDown),
    ("M-v", A::PageUp),
    ("C-Space", A::SelectChar),
    ("C-@", A::SelectChar),
    ("R", A::SelectRect),
    ("r", A::SelectRect),
    ("C-g", A::ClearSelection),
    ("M-w", A::Copy),
    ("C-w", A::Copy),
    ("C-s", A::SearchForward),
    ("C-r", A::SearchBackward),
    ("n", A::SearchNext),
    ("N", A::SearchPrev),
];

/// The action `chord` has in copy mode with `keys`, if any.
pub fn action(keys: ModeKeys, chord: &Chord) -> Option<CopyAction> {
    let table = match keys {
        ModeKeys::Vi => VI,
        ModeKeys::Emacs => EMACS,
    };
    table
        .iter()
        .chain(SHARED)
        .find(|(spec, _)| Chord::parse(spec).is_ok_and(|c| c == *chord))
        .map(|(_, a)| *a)
}
