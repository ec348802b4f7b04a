use super::clipboard::{base64, osc52};
use super::search::{find_in_line, matches, next_match};
use super::text::{Line, Lines, Pos, Shape, extract, selected};
use super::*;
use crate::term::Emulator;

/// Lines from plain text; `|` at a line's end marks a soft wrap. The last
/// `rows` lines are the screen; the first is numbered `first`.
struct Fake {
    lines: Vec<Line>,
    first: u64,
    rows: u16,
}

fn fake(text: &[&str], rows: u16) -> Fake {
    let lines = text
        .iter()
        .map(|t| match t.strip_suffix('|') {
            Some(t) => Line::plain(t, true),
            None => Line::plain(t, false),
        })
        .collect();
    Fake {
        lines,
        first: 100,
        rows,
    }
}

impl Lines for Fake {
    fn first(&self) -> u64 {
        self.first
    }
    fn end(&self) -> u64 {
        self.first + self.lines.len() as u64
    }
    fn rows(&self) -> u16 {
        self.rows
    }
    fn line(&self, n: u64) -> Line {
        n.checked_sub(self.first)
            .and_then(|i| self.lines.get(i as usize))
            .cloned()
            .unwrap_or_default()
    }
}

fn keys(c: &mut CopyMode, l: &dyn Lines, actions: &[CopyAction]) -> Outcome {
    let mut out = Outcome::Stay;
    for a in actions {
        out = c.key(l, Some(*a), None, PromptEdit::None);
    }
    out
}

fn type_search(c: &mut CopyMode, l: &dyn Lines, forward: bool, text: &str) {
    let a = if forward {
        CopyAction::SearchForward
    } else {
        CopyAction::SearchBackward
    };
    c.key(l, Some(a), None, PromptEdit::None);
    for ch in text.chars() {
        c.key(l, None, Some(ch), PromptEdit::None);
    }
    c.key(l, None, None, PromptEdit::Done);
}

use CopyAction as A;

#[test]
fn entering_puts_the_cursor_after_the_last_text_and_the_view_at_the_screen() {
    let l = fake(&["old one", "old two", "$ ls", "a b", "$ ", ""], 3);
    let c = CopyMode::enter(&l, ModeKeys::Vi);
    assert_eq!(c.top, 103);
    assert_eq!(c.cursor, Pos::new(104, 1), "after '$', on the prompt line");
    assert_eq!(c.scroll(&l), 0);
}

#[test]
fn vi_motions_move_by_character_word_and_line() {
    let l = fake(&["foo.bar  baz", "  qux-1 end", "x"], 3);
    let mut c = CopyMode::enter(&l, ModeKeys::Vi);
    keys(&mut c, &l, &[A::Top]);
    assert_eq!(c.cursor, Pos::new(100, 0));
    keys(&mut c, &l, &[A::WordNext]);
    assert_eq!(c.cursor.col, 3, "w stops at punctuation");
    keys(&mut c, &l, &[A::WordNext, A::WordNext]);
    assert_eq!(c.cursor, Pos::new(100, 9), "over blanks to baz");
    keys(&mut c, &l, &[A::WordNext]);
    assert_eq!(c.cursor, Pos::new(101, 2), "across the line end");
    keys(&mut c, &l, &[A::WordEnd]);
    assert_eq!(c.cursor, Pos::new(101, 4));
    keys(&mut c, &l, &[A::WordBack, A::WordBack]);
    assert_eq!(c.cursor, Pos::new(100, 9), "b goes back over the line end");
    keys(&mut c, &l, &[A::LineEnd]);
    assert_eq!(c.cursor.col, 11);
    keys(&mut c, &l, &[A::LineStart, A::Down, A::FirstNonBlank]);
    assert_eq!(c.cursor, Pos::new(101, 2));
    keys(&mut c, &l, &[A::Right, A::Right, A::Left]);
    assert_eq!(c.cursor.col, 3);
    keys(&mut c, &l, &[A::Down]);
    assert_eq!(
        c.cursor,
        Pos::new(102, 0),
        "a short line takes the column in"
    );
    keys(&mut c, &l, &[A::Up]);
    assert_eq!(c.cursor, Pos::new(101, 3), "and gives it back");
    keys(&mut c, &l, &[A::Bottom]);
    assert_eq!(c.cursor.line, 102);
}

#[test]
fn pages_and_screen_moves_scroll_the_view_within_the_history() {
    let text: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = text.iter().map(String::as_str).collect();
    let l = fake(&refs, 10);
    let mut c = CopyMode::enter(&l, ModeKeys::Vi);
    assert_eq!((c.top, c.scroll(&l)), (130, 0));
    keys(&mut c, &l, &[A::HalfPageUp]);
    assert_eq!((c.top, c.scroll(&l)), (125, 5));
    keys(&mut c, &l, &[A::PageUp, A::PageUp, A::PageUp]);
    assert_eq!(c.top, 100, "not past the oldest line");
    keys(&mut c, &l, &[A::ScreenBottom]);
    assert_eq!(c.cursor.line, 109);
    keys(&mut c, &l, &[A::ScreenMiddle]);
    assert_eq!(c.cursor.line, 104);
    keys(
        &mut c,
        &l,
        &[A::PageDown, A::PageDown, A::PageDown, A::PageDown],
    );
    assert_eq!(c.top, 130, "not past the live screen");
    keys(&mut c, &l, &[A::Top]);
    assert_eq!((c.top, c.cursor), (100, Pos::new(100, 0)));
}

#[test]
fn wide_characters_are_one_stop_and_copied_once() {
    let l = fake(&["a世界b", "x"], 2);
    let mut c = CopyMode::enter(&l, ModeKeys::Vi);
    keys(&mut c, &l, &[A::Top, A::Right]);
    assert_eq!(c.cursor.col, 1);
    keys(&mut c, &l, &[A::Right]);
    assert_eq!(c.cursor.col, 3, "the second half is skipped");
    keys(&mut c, &l, &[A::Left]);
    assert_eq!(c.cursor.col, 1);
    assert_eq!(
        extract(&l, Pos::new(100, 2), Pos::new(100, 4), Shape::Char),
        "世界"
    );
    assert_eq!(l.line(100).last_used(), Some(5));
}

#[test]
fn a_soft_wrapped_line_copies_as_one_line() {
    // A wrapped row is full to its last column; here the wrap fell after a blank.
    let l = fake(&["echo hello |", "world  ", "next", "x"], 2);
    let text = extract(&l, Pos::new(100, 5), Pos::new(101, 4), Shape::Char);
    assert_eq!(text, "hello world");
    let text = extract(&l, Pos::new(100, 0), Pos::new(102, 0), Shape::Line);
    assert_eq!(text, "echo hello world\nnext");
    // Backwards (anchor after cursor) is the same text.
    let text = extract(&l, Pos::new(101, 4), Pos::new(100, 5), Shape::Char);
    assert_eq!(text, "hello world");
}

#[test]
fn character_line_and_rectangle_selections_copy_what_they_show() {
    let l = fake(&["one two three", "four five six  ", "seven", "x"], 4);
    let mut c = CopyMode::enter(&l, ModeKeys::Vi);
    keys(&mut c, &l, &[A::Top, A::WordNext, A::SelectChar, A::Down]);
    assert_eq!(c.size, Some((2, 14)));
    assert_eq!(
        keys(&mut c, &l, &[A::Copy]),
        Outcome::Copied("two three\nfour".into())
    );
    keys(&mut c, &l, &[A::SelectLine]);
    assert_eq!(
        c.selection_text(&l).unwrap(),
        "one two three\nfour five six"
    );
    keys(&mut c, &l, &[A::SelectRect, A::Right, A::Right]);
    assert_eq!(c.selection_text(&l).unwrap(), "two\n fi");
    keys(&mut c, &l, &[A::Down]);
    // The cursor stops at the short line's end: the rectangle narrows to it.
    assert_eq!(c.selection_text(&l).unwrap(), "t\n\nn");
    keys(&mut c, &l, &[A::SelectRect]);
    assert_eq!(c.anchor.map(|a| a.1), Some(Shape::Char), "r toggles back");
    keys(&mut c, &l, &[A::Cancel]);
    assert_eq!(c.anchor, None, "Esc clears a selection first");
    assert_eq!(keys(&mut c, &l, &[A::Cancel]), Outcome::Leave);
    assert!(selected(
        Pos::new(1, 5),
        Pos::new(3, 2),
        Shape::Rect,
        Pos::new(2, 3)
    ));
    assert!(!selected(
        Pos::new(1, 5),
        Pos::new(3, 2),
        Shape::Rect,
        Pos::new(2, 6)
    ));
    assert!(selected(
        Pos::new(1, 5),
        Pos::new(3, 2),
        Shape::Char,
        Pos::new(2, 60)
    ));
}

#[test]
fn a_rectangle_through_wide_characters_takes_them_whole() {
    let l = fake(&["ab世c", "abcde", "x"], 3);
    assert_eq!(
        extract(&l, Pos::new(100, 1), Pos::new(101, 2), Shape::Rect),
        "b世\nbc"
    );
    assert_eq!(
        extract(&l, Pos::new(100, 3), Pos::new(101, 4), Shape::Rect),
        "世c\nde"
    );
}

#[test]
fn copy_with_nothing_selected_says_how_to_select() {
    let l = fake(&["a"], 1);
    let mut c = CopyMode::enter(&l, ModeKeys::Emacs);
    assert_eq!(keys(&mut c, &l, &[A::Copy]), Outcome::Stay);
    assert!(c.message.as_deref().unwrap().contains("C-Space"));
}

#[test]
fn line_matching_is_literal_and_smart_case() {
    assert_eq!(
        find_in_line("Error error ERROR", "error"),
        [(0, 5), (6, 11), (12, 17)]
    );
    assert_eq!(find_in_line("Error error ERROR", "Error"), [(0, 5)]);
    assert_eq!(
        find_in_line("a.b a*b", "*"),
        [(5, 6)],
        "no pattern characters"
    );
    assert_eq!(find_in_line("aaaa", "aa"), [(0, 2), (2, 4)]);
    assert!(find_in_line("abc", "").is_empty());
    assert_eq!(find_in_line("世界 世", "世"), [(0, 3), (7, 10)]);
    // Columns: a wide character takes two.
    assert_eq!(
        matches(&Line::plain("世界 x世", false), "世"),
        [(0, 1), (6, 7)]
    );
}

#[test]
fn search_finds_matches_both_ways_in_all_the_history_and_goes_round() {
    let l = fake(
        &["make: error 1", "ok", "warning", "ERROR again", "ok", "$ "],
        3,
    );
    let mut c = CopyMode::enter(&l, ModeKeys::Vi);
    type_search(&mut c, &l, false, "error");
    assert_eq!(
        c.cursor,
        Pos::new(103, 0),
        "backward from the prompt, any case"
    );
    keys(&mut c, &l, &[A::SearchNext]);
    assert_eq!(c.cursor, Pos::new(100, 6));
    assert_eq!(c.top, 100, "the view follows into history");
    keys(&mut c, &l, &[A::SearchNext]);
    assert_eq!(c.cursor, Pos::new(103, 0), "round the top to the bottom");
    keys(&mut c, &l, &[A::SearchPrev]);
    assert_eq!(c.cursor, Pos::new(100, 6), "N goes the other way");
    type_search(&mut c, &l, true, "nothing");
    assert_eq!(c.message.as_deref(), Some("no match for \"nothing\""));
    assert_eq!(c.cursor, Pos::new(100, 6));
    assert_eq!(
        next_match(&l, "ok", Pos::new(101, 0), true),
        Some(Pos::new(104, 0))
    );
    assert_eq!(
        next_match(&l, "ok", Pos::new(101, 0), false),
        Some(Pos::new(104, 0))
    );
}

#[test]
fn the_search_prompt_edits_and_cancels() {
    let l = fake(&["abc", "x"], 2);
    let mut c = CopyMode::enter(&l, ModeKeys::Vi);
    c.key(&l, Some(A::SearchForward), None, PromptEdit::None);
    c.key(&l, None, Some('q'), PromptEdit::None);
    assert_eq!(
        c.prompt.as_ref().unwrap().text,
        "q",
        "q is text while typing"
    );
    c.key(&l, None, None, PromptEdit::Backspace);
    c.key(&l, None, None, PromptEdit::Backspace);
    assert_eq!(c.prompt, None, "backspace on nothing closes it");
    c.key(&l, Some(A::SearchForward), None, PromptEdit::None);
    c.key(&l, None, None, PromptEdit::Cancel);
    assert_eq!((c.prompt.clone(), c.search.clone()), (None, None));
}

#[test]
fn keys_follow_the_mode_keys_setting() {
    use crate::ui::keys::Chord;
    let vi = |s: &str| keys::action(ModeKeys::Vi, &Chord::parse(s).unwrap());
    let emacs = |s: &str| keys::action(ModeKeys::Emacs, &Chord::parse(s).unwrap());
    assert_eq!(vi("C-b"), Some(A::PageUp));
    assert_eq!(emacs("C-b"), Some(A::Left));
    assert_eq!(vi("v"), Some(A::SelectChar));
    assert_eq!(emacs("C-Space"), Some(A::SelectChar));
    assert_eq!(emacs("M-w"), Some(A::Copy));
    assert_eq!(vi("y"), Some(A::Copy));
    assert_eq!(emacs("C-s"), Some(A::SearchForward));
    assert_eq!(emacs("M-<"), Some(A::Top));
    assert_eq!(vi("C-v"), Some(A::SelectRect));
    assert_eq!(emacs("C-v"), Some(A::PageDown));
    assert_eq!(vi("q"), Some(A::Exit));
    assert_eq!(emacs("Up"), Some(A::Up));
}

#[test]
fn an_emulators_history_and_screen_read_as_numbered_lines() {
    let mut emu = Emulator::new(10, 3, 100);
    emu.process("l1\r\n\x1b[31ml2\x1b[m\r\n0123456789abc\r\n世x\r\nlast".as_bytes());
    let l = EmuLines::new(&emu);
    assert_eq!((l.first(), l.end(), l.live_top()), (0, 6, 3));
    assert_eq!(l.line(1).text(0, 9).trim_end(), "l2");
    assert!(l.line(2).wrapped, "a history row that wrapped says so");
    assert!(!l.line(1).wrapped);
    assert_eq!(
        extract(&l, Pos::new(2, 0), Pos::new(3, 2), Shape::Char),
        "0123456789abc"
    );
    assert_eq!(
        extract(&l, Pos::new(4, 0), Pos::new(4, 9), Shape::Char),
        "世x"
    );
    assert!(l.line(4).cells[1].tail);
    assert_eq!(l.line(3).cells[1].text.as_ref(), "b");
    assert_eq!(
        next_match(&l, "L2", Pos::new(4, 0), true),
        None,
        "capitals match exactly"
    );
    assert_eq!(
        next_match(&l, "l2", Pos::new(4, 0), true),
        Some(Pos::new(1, 0))
    );
    let mut c = CopyMode::enter(&l, ModeKeys::Vi);
    assert_eq!(c.cursor, Pos::new(5, 4));
    keys(&mut c, &l, &[A::Top]);
    assert_eq!(c.scroll(&l), 3);
}

#[test]
fn base64_and_osc52_are_what_terminals_read() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64("héllo\n".as_bytes()), "aMOpbGxvCg==");
    assert_eq!(osc52("hi").unwrap(), b"\x1b]52;c;aGk=\x1b\\");
    assert!(
        osc52(&"x".repeat(1 << 20)).is_none(),
        "too long for a terminal"
    );
}
