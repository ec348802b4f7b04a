use super::*;

/// Two emulators show the same thing: every cell (text and attributes), the
/// cursor and the input modes.
fn assert_same(a: &Emulator, b: &Emulator) {
    assert_eq!(a.size(), b.size(), "size");
    let (cols, rows) = a.size();
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (a.cell(r, c).unwrap(), b.cell(r, c).unwrap());
            assert_eq!(x, y, "cell at row {r} col {c}");
        }
    }
    assert_eq!(a.cursor_position(), b.cursor_position(), "cursor");
    assert_eq!(a.hide_cursor(), b.hide_cursor(), "cursor visibility");
    assert_eq!(a.modes(), b.modes(), "input modes");
    assert_eq!(
        a.alternate_screen(),
        b.alternate_screen(),
        "alternate screen"
    );
    assert_eq!(a.title(), b.title(), "title");
}

fn copy(a: &Emulator) -> Emulator {
    Emulator::from_snapshot(a.snapshot(usize::MAX), 1000)
}

#[test]
fn text_colours_and_wide_characters() {
    let mut e = Emulator::new(20, 5, 100);
    e.process("\x1b[1;31mred\x1b[m 世界".as_bytes());
    assert_eq!(e.row_text(0), "red 世界");
    let cell = e.cell(0, 0).unwrap();
    assert!(cell.bold());
    assert_eq!(cell.fgcolor(), vt100::Color::Idx(1));
    assert!(e.cell(0, 4).unwrap().is_wide());
    assert_eq!(e.cursor_position(), (0, 8));
}

#[test]
fn rows_leaving_the_screen_become_history() {
    let mut e = Emulator::new(10, 3, 100);
    for i in 0..6 {
        e.process(format!("line{i}\r\n").as_bytes());
    }
    assert_eq!(e.history_len(), 4);
    let lines: Vec<_> = e.history().tail(10).into_iter().map(|l| l.text).collect();
    assert_eq!(lines, ["line0", "line1", "line2", "line3"]);
    // a long line wraps; the history knows
    e.process(b"abcdefghijKLM\r\n\r\n\r\n");
    let tail = e.history().tail(3);
    assert_eq!(tail[1].text, "abcdefghij");
    assert!(tail[1].wrapped);
    assert!(!tail[2].wrapped);
}

#[test]
fn colours_survive_into_history_and_capture() {
    let mut e = Emulator::new(10, 2, 100);
    e.process(b"\x1b[32mgreen\x1b[m\r\nx\r\ny");
    assert_eq!(e.history().tail(1)[0].text, "\x1b[32mgreen");
    assert_eq!(e.capture(10, false), "green\nx\ny\n");
    assert!(e.capture(10, true).contains("\x1b[32mgreen"));
    assert_eq!(e.capture(0, false), "x\ny\n");
}

#[test]
fn snapshot_restores_screen_cursor_and_modes() {
    let mut a = Emulator::new(40, 10, 100);
    a.process(b"$ ls\r\n\x1b[44mblue bg\x1b[m\r\n\x1b[?1h\x1b[?2004h\x1b[?1000h\x1b[?1006h");
    a.process(b"\x1b]2;my title\x07\x1b[5;7H\x1b[1mX");
    let b = copy(&a);
    assert_same(&a, &b);
    assert!(b.modes().application_cursor);
    assert!(b.modes().bracketed_paste);
    assert_eq!(b.title(), "my title");
}

#[test]
fn snapshot_carries_history() {
    let mut a = Emulator::new(10, 3, 100);
    for i in 0..20 {
        a.process(format!("\x1b[3{}m{i}\x1b[m\r\n", i % 8).as_bytes());
    }
    let b = copy(&a);
    assert_eq!(a.history().tail(100), b.history().tail(100));
    assert_same(&a, &b);
    let limited = Emulator::from_snapshot(a.snapshot(5), 1000);
    assert_eq!(limited.history_len(), 5);
}

#[test]
fn alternate_screen_restores_both_screens() {
    let mut a = Emulator::new(30, 6, 100);
    a.process(b"prompt$ echo hi\r\nhi\r\nprompt$ vim");
    a.process(b"\x1b[?1049h\x1b[H\x1b[2Jvim screen\x1b[6;1H-- INSERT --\x1b[2;3H");
    let mut b = copy(&a);
    assert!(b.alternate_screen());
    assert_same(&a, &b);
    // leaving vim shows the shell's screen again in both
    a.process(b"\x1b[?1049l");
    b.process(b"\x1b[?1049l");
    assert_eq!(a.row_text(2), "prompt$ vim");
    assert_same(&a, &b);
}

#[test]
fn scroll_region_survives_a_snapshot() {
    let mut a = Emulator::new(20, 8, 100);
    a.process(b"top\x1b[8;1Hstatus line\x1b[1;7r\x1b[7;1H");
    let mut b = copy(&a);
    assert_same(&a, &b);
    // scrolling inside the region must leave the status line alone in both
    for e in [&mut a, &mut b] {
        e.process(b"one\r\ntwo\r\nthree\r\n");
    }
    assert_eq!(a.row_text(7), "status line");
    assert_same(&a, &b);
}

#[test]
fn dec_line_drawing_shows_as_box_characters() {
    let mut e = Emulator::new(20, 3, 0);
    e.process(b"\x1b(0lqqk\x1b(B\r\n\x1b)0\x0ex\x0f x");
    assert_eq!(e.row_text(0), "┌──┐");
    assert_eq!(e.row_text(1), "│ x");
}

#[test]
fn charset_state_survives_a_snapshot() {
    let mut a = Emulator::new(20, 3, 0);
    a.process(b"\x1b(0q");
    let mut b = copy(&a);
    assert_same(&a, &b);
    a.process(b"qq");
    b.process(b"qq");
    assert_eq!(b.row_text(0), "───");
    assert_same(&a, &b);
}

#[test]
fn tab_sequences_vt100_lacks() {
    let mut e = Emulator::new(40, 2, 0);
    e.process(b"ab\x1b[2IX");
    assert_eq!(e.cursor_position(), (0, 17));
    // back one tab stop from column 17 is column 16: Y overwrites X, as in xterm
    e.process(b"\x1b[ZY");
    assert_eq!(e.row_text(0), "ab              Y");
    e.process(b"\x1b[2Z");
    assert_eq!(e.cursor_position(), (0, 8));
}

#[test]
fn resize_keeps_the_bottom_and_feeds_history() {
    let mut e = Emulator::new(20, 6, 100);
    for i in 0..6 {
        e.process(format!("r{i}\r\n").as_bytes());
    }
    e.process(b"$ ");
    e.resize(20, 3);
    assert_eq!(e.size(), (20, 3));
    assert_eq!(e.row_text(2).trim_end(), "$");
    assert_eq!(e.history().tail(1)[0].text, "r3");
    // absurd sizes are clamped, not allocated
    e.resize(u16::MAX, u16::MAX);
    assert_eq!(e.size(), (MAX_COLS, MAX_ROWS));
    e.resize(0, 0);
    assert_eq!(e.size(), (1, 1));
}

#[test]
fn clear_history_sequence_forgets_history() {
    let mut e = Emulator::new(10, 2, 100);
    e.process(b"a\r\nb\r\nc\r\n");
    assert!(e.history_len() > 0);
    e.process(b"\x1b[3J");
    assert_eq!(e.history_len(), 0);
}

#[test]
fn a_resync_adds_the_missed_history_and_takes_the_screen() {
    let mut view = Emulator::new(20, 3, 100);
    view.process(b"1\r\n2\r\n3\r\n4");
    assert_eq!(view.history_len(), 1);
    // The job went on while the view was behind: two more rows left the screen.
    let mut job = Emulator::new(20, 3, 100);
    job.process(b"1\r\n2\r\n3\r\n4\r\n5\r\n6");
    let missed = job.history().pushed() - view.history().pushed();
    view.load_snapshot_after(job.snapshot(missed as usize));
    assert_eq!(view.capture(100, false), job.capture(100, false));
    assert_eq!(view.history_len(), 3);
}

#[test]
fn rows_that_change_are_reported_once() {
    let mut e = Emulator::new(20, 4, 0);
    assert_eq!(e.take_dirty(), Dirty::All, "a new screen is unknown");
    assert_eq!(e.take_dirty(), Dirty::None);
    e.process(b"\x1b[3;1H");
    e.take_dirty();
    // An echo changes only the cursor's row.
    e.process(b"ab");
    assert_eq!(e.take_dirty(), Dirty::Rows(2, 2));
    e.process(b"\r\nnext");
    assert_eq!(e.take_dirty(), Dirty::All);
    e.resize(10, 4);
    assert_eq!(e.take_dirty(), Dirty::All);
}

/// Strikethrough, blink, hidden, underline styles and colour, and links are
/// kept with each cell: they move with it, and a snapshot carries them.
#[test]
fn extras_move_with_their_cells_and_survive_a_snapshot() {
    let mut e = Emulator::new(20, 4, 10);
    e.process(b"\x1b[9;4:3;58;5;1mab\x1b[m \x1b]8;;https://x/\x1b\\l\x1b]8;;\x1b\\");
    e.process("\x1b[5;8m日\x1b[m".as_bytes());
    let look = |e: &Emulator, r, c| {
        let v = e.cell_view(r, c).unwrap();
        (v.text.into_owned(), v.pen, v.link.map(str::to_string))
    };
    let strike = look(&e, 0, 0);
    assert_eq!(strike.0, "a");
    assert!(strike.1.has(attr::STRIKE) && strike.1.has(attr::UNDERLINE));
    assert_eq!(
        (strike.1.underline, strike.1.underline_color),
        (3, Color::Idx(1))
    );
    assert_eq!(look(&e, 0, 3).2.as_deref(), Some("https://x/"));
    assert!(look(&e, 0, 4).1.has(attr::HIDDEN) && look(&e, 0, 4).1.has(attr::BLINK));
    assert_eq!(e.row_text(0), "ab l日");
    // Moved right by an insert, then down by a line inserted above.
    e.process(b"\x1b[1;1H\x1b[2@\x1b[L");
    assert_eq!(look(&e, 1, 2), strike);
    let snap = e.snapshot(10);
    let f = Emulator::from_snapshot(snap, 10);
    for c in 0..8 {
        assert_eq!(look(&f, 1, c), look(&e, 1, c), "col {c}");
    }
    // Into history and back, when scrolled to.
    let mut g = f;
    g.process(b"\x1b[4;1H\r\n\r\n\r\n");
    let past = g.history_screen(3).unwrap();
    assert_eq!(look(&past, 1, 2), strike);
    assert!(!g.capture(10, false).contains('\u{e0201}'));
}

/// Pixel mouse positions (1016) are refused: a program that asks learns the
/// mode is permanently reset, and gets cells.
#[test]
fn sgr_pixel_mouse_is_reported_as_refused() {
    let mut e = Emulator::new(20, 4, 0).answering();
    e.process(b"\x1b[?1006h\x1b[?1016h\x1b[?1016$p\x1b[?1006$p");
    assert_eq!(e.take_replies(), b"\x1b[?1016;4$y\x1b[?1006;1$y");
}
