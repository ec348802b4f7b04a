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

/// After a character in the last column the next one wraps; meanwhile the
/// cursor shows on that last column, as in xterm (vt100 reports it one
/// column past the screen).
#[test]
fn the_cursor_after_the_last_column_stays_on_screen() {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    let mut e = Emulator::new(10, 3, 10);
    e.process(b"0123456789");
    assert_eq!(e.cursor_position(), (0, 9));
    let mut buf = Buffer::empty(Rect::new(0, 0, 10, 3));
    let drawn = crate::ui::render::draw_session(&e, &mut buf, Rect::new(0, 0, 10, 3), 0);
    assert_eq!(drawn, Some((9, 0)));
    let mut out = Vec::new();
    let dirty = e.take_dirty();
    crate::ui::render::Painted::new(Rect::new(0, 0, 10, 3)).paint(&e, dirty, &mut out);
    assert!(out.ends_with(b"\x1b[1;10H\x1b[?25h"), "{out:?}");
    e.process(b"x");
    assert_eq!(e.cursor_position(), (1, 1));
    // a 1x1 screen is all last column
    let mut tiny = Emulator::new(1, 1, 0);
    tiny.process(b" ");
    assert_eq!(tiny.cursor_position(), (0, 0));
}

/// A view that attached after output scrolled, then a taller window: the
/// job and the view must still show the same. vt100 counts every row that
/// ever scrolled away and, growing, pulls that many back as blank rows at
/// the top, which a view loaded from a snapshot (which scrolled nothing)
/// did not: every row and the cursor differed.
#[test]
fn a_taller_screen_after_a_reattach_shows_the_same_on_job_and_view() {
    let mut job = Emulator::new(20, 3, 100);
    for i in 0..6 {
        job.process(format!("line {i}\r\n").as_bytes());
    }
    job.process(b"$ ");
    let mut view = copy(&job);
    job.resize(20, 6);
    view.resize(20, 6);
    assert_same(&job, &view);
    assert_eq!(job.row_text(0), "line 4");

    // the same with the alternate screen up while the window grows
    let mut job = Emulator::new(20, 3, 100);
    for i in 0..6 {
        job.process(format!("line {i}\r\n").as_bytes());
    }
    job.process(b"\x1b[?1049h\x1b[Hfull screen");
    let mut view = copy(&job);
    job.resize(20, 6);
    view.resize(20, 6);
    assert_same(&job, &view);
    job.process(b"\x1b[?1049l");
    view.process(b"\x1b[?1049l");
    assert_same(&job, &view);
}

/// A scroll region and the cursor just past the last column (the next
/// character wraps): the snapshot puts the cursor back after setting the
/// region, and must keep the pending wrap, or the next character lands
/// on the last column in the view and on the next row in the job.
#[test]
fn a_pending_wrap_survives_a_snapshot_with_a_scroll_region() {
    let mut a = Emulator::new(10, 5, 100);
    a.process(b"\x1b[1;4r\x1b[2;1H\x1b[1;31m0123456789");
    let mut b = copy(&a);
    assert_same(&a, &b);
    for e in [&mut a, &mut b] {
        e.process(b"wrapped");
    }
    assert_eq!(a.row_text(2), "wrapped");
    assert_same(&a, &b);
}

/// What a program saved with `ESC 7` (or `CSI ? 1049 h`), where the cursor
/// was and its pen, is restored the same by the job and by a view that
/// attached in between: a progress bar that saves the cursor, draws on the
/// bottom row and restores it must not draw elsewhere in the view.
#[test]
fn the_saved_cursor_survives_a_snapshot() {
    let mut a = Emulator::new(20, 6, 100);
    a.process(b"prompt\x1b[1;32m\x1b7\x1b[m\x1b[6;1H[ 40%]");
    let mut b = copy(&a);
    for e in [&mut a, &mut b] {
        e.process(b"\x1b8after");
    }
    assert_eq!(a.row_text(0), "promptafter");
    assert_same(&a, &b);
    assert!(b.cell(0, 6).unwrap().bold());

    // each screen keeps its own saved position; the pen saved last is shared
    let mut a = Emulator::new(20, 6, 100);
    a.process(b"\x1b[3;4H\x1b[4m\x1b7\x1b[m\x1b[?47h\x1b[5;5H\x1b7alt\x1b[H");
    let mut b = copy(&a);
    for e in [&mut a, &mut b] {
        e.process(b"\x1b8x\x1b[?47l\x1b8y");
    }
    assert_eq!(a.row_text(2), "   y");
    assert_same(&a, &b);
}

/// A view can attach between two reads of a program's output, in the
/// middle of an escape sequence or a character: the view must carry on
/// from there as the job does, not print the rest as text (and miss,
/// say, the switch to the alternate screen).
#[test]
fn a_snapshot_in_the_middle_of_a_sequence_or_character_carries_on_alike() {
    for (before, after) in [
        (&b"red \x1b[3"[..], &b"1mtext"[..]),
        (b"\x1b[?10", b"49hfull screen"),
        (b"\x1b]0;ti", b"tle\x07after"),
        (b"\x1b", b"[2Jcleared"),
        (b"\x1b(", b"0qqq\x1b(B"),
        (b"\xe6", b"\x97\xa5 sun"),
        (b"\xe6\x97", b"\xa5 sun"),
        // where a sequence ends is where vt100 ends it: CAN cancels a
        // string, ESC starts a new sequence inside one, BEL ends only OSC
        (b"\x1b^\x18E", b"x"),
        (b"\x1b]0;t\x1b[3", b"1mred"),
        (b"\x1bP1q\x07not yet", b"\x1b\\shown"),
        // controls inside a sequence are obeyed at once, and only once
        (b"\x1b\x0c", b"x"),
        (b"\x1b[1\n\x08", b"mbold"),
        (b"\x1b(\r", b"0q"),
    ] {
        let mut a = Emulator::new(20, 4, 10);
        a.process(b"$ ");
        a.process(before);
        let mut b = copy(&a);
        for e in [&mut a, &mut b] {
            e.process(after);
        }
        assert_same(&a, &b);
    }
    // a character split over two reads before the snapshot
    let mut a = Emulator::new(20, 4, 10);
    a.process(b"\xe6");
    a.process(b"\x97");
    let mut b = copy(&a);
    for e in [&mut a, &mut b] {
        e.process(b"\xa5");
    }
    assert_eq!(b.row_text(0), "日");
    assert_same(&a, &b);
}

/// `CSI ? 1049 h` cut in two by the reads of a program's output: the
/// alternate screen comes up as when it arrives whole. Its mark pointed
/// into the previous read's bytes, and slicing past the end panicked:
/// in the job, that ended the session.
#[test]
fn an_alternate_screen_switch_split_across_reads_is_taken_whole() {
    let mut e = Emulator::new(40, 5, 10);
    e.process(b"$ a long enough prompt before it\x1b[?10");
    e.process(b"49hvim");
    assert!(e.alternate_screen());
    assert_eq!(e.row_text(0), "vim");
    e.process(b"\x1b[?1049l");
    assert_eq!(e.row_text(0), "$ a long enough prompt before it");
}

/// Reads cut a program's output anywhere: cut in two at any byte, it
/// shows as it does in one piece.
#[test]
fn output_cut_anywhere_shows_as_output_in_one_piece() {
    let corpus = [
        "$ \x1b[1;31mred\x1b[m 日本\x1b(0lqk\x1b(B\r\n",
        "a\tb\x1b[2Ic\x1b[Zd\x1b[3Ge\r\n",
        "\x1b]0;title\x07\x1b]2;other\x1b\\",
        "\x1b[2;4r\x1b[4;1Hin region\n\n\x1b[r",
        "\x1b[?1049h\x1b[Hfull\x1b[?1049l back",
        // C1 controls written in UTF-8, which vt100 obeys when whole
        "x\u{85}y\u{9b}z é",
        // a sequence cut short by a tab sequence (found by the fuzzer)
        "\x1b[\x1b[2I:x\x1b[3\x1b[Zy",
    ]
    .concat();
    let bytes = corpus.as_bytes();
    let mut whole = Emulator::new(30, 6, 10);
    whole.process(bytes);
    for cut in 0..bytes.len() {
        let mut e = Emulator::new(30, 6, 10);
        e.process(&bytes[..cut]);
        e.process(&bytes[cut..]);
        assert_same(&whole, &e);
    }
}

/// The start of a character cut short by a tab sequence (which the
/// emulator takes out of the output and applies itself): held back past
/// that point, it was applied out of order, and its place in the output
/// could lie past the output's end (a panic).
#[test]
fn a_character_cut_short_by_a_tab_sequence_shows_alike_in_any_reads() {
    for bytes in [
        &b"abcdefghij\xc2\x1b[Zc"[..],
        b"ab\xe6\x97\x1b[2Ix\x1b]52;c;a\x07\0\xc2\x1b[Z",
    ] {
        let mut whole = Emulator::new(20, 3, 0);
        whole.process(bytes);
        assert_eq!(whole.row_text(0).chars().next(), Some('a'));
        for cut in 0..bytes.len() {
            let mut e = Emulator::new(20, 3, 0);
            e.process(&bytes[..cut]);
            e.process(&bytes[cut..]);
            assert_same(&whole, &e);
        }
    }
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

/// An underline colour with no underline is an extra of its own: a view
/// loaded from the snapshot takes the same pen, not an underline.
#[test]
fn an_underline_colour_alone_survives_a_snapshot_as_it_is() {
    let mut job = Emulator::new(10, 2, 10);
    job.process(b"\x1b[58;5;1m0");
    let mut view = copy(&job);
    assert_same(&job, &view);
    for e in [&mut job, &mut view] {
        e.process(b"1");
    }
    assert_same(&job, &view);
}

/// A curly underline is an extra (a mark), a plain one vt100's own: a view
/// loaded from a snapshot, whose text repeats the plain underline, marks
/// nothing anew.
#[test]
fn a_snapshot_of_a_curly_underline_marks_its_cells_once() {
    let mut job = Emulator::new(4, 1, 0);
    job.process(b"\x1b[4:3m");
    job.process(b"0");
    let view = copy(&job);
    assert_same(&job, &view);
}

/// The pen's extras are saved and restored with the cursor, by the job and
/// by a view that attached in between, as vt100 saves the pen's colours.
#[test]
fn extras_saved_with_the_cursor_come_back_alike_after_a_snapshot() {
    let mut job = Emulator::new(6, 2, 0);
    job.process(b"\x1b[58;5;1m\x1b7\x1b[m");
    let mut view = copy(&job);
    for e in [&mut job, &mut view] {
        e.process(b"\x1b8 \x1b[?1049h\x1b[?1049l!");
    }
    assert_same(&job, &view);
    assert_eq!(
        job.cell_view(0, 0).unwrap().pen.underline_color,
        Color::Idx(1)
    );
}

/// REP (`CSI Ps b`) repeats the last character with the pen's extras, as if
/// it were printed again: strikethrough, underline style and colour, links.
#[test]
fn a_repeated_character_keeps_its_extras() {
    let mut e = Emulator::new(20, 4, 10);
    e.process(b"\x1b[9;4:3;58;5;1mx\x1b[3b");
    for c in 0..4 {
        let v = e.cell_view(0, c).unwrap();
        assert_eq!(v.text, "x", "col {c}");
        assert!(v.pen.has(attr::STRIKE), "col {c} lost its strikethrough");
        assert_eq!((v.pen.underline, v.pen.underline_color), (3, Color::Idx(1)));
    }
    // Printed before the extras were set: repeated with the pen's extras now.
    e.process(b"\x1b[m\r\ny\x1b[9m\x1b[2b\x1b[mz");
    assert_eq!(e.row_text(1), "yyyz");
    assert!(!e.cell_view(1, 0).unwrap().pen.has(attr::STRIKE));
    assert!(e.cell_view(1, 2).unwrap().pen.has(attr::STRIKE));
    assert!(!e.cell_view(1, 3).unwrap().pen.has(attr::STRIKE));
    // A link, a wide character and a line-drawing character.
    e.process("\r\n\x1b]8;;https://x/\x1b\\日\x1b[b\x1b]8;;\x1b\\\x1b(0q\x1b[2b\x1b(B".as_bytes());
    assert_eq!(e.row_text(2), "日日───");
    assert_eq!(e.cell_view(2, 2).unwrap().link, Some("https://x/"));
    // Split across reads.
    e.process(b"\r\n\x1b[9mw\x1b[");
    e.process(b"2b");
    assert!(e.cell_view(3, 2).unwrap().pen.has(attr::STRIKE));
    assert_eq!(e.row_text(3), "www");
}

/// Plain text repeats as vt100 repeats it, and the job's snapshot agrees.
#[test]
fn repeated_plain_text_is_unchanged() {
    let mut e = Emulator::new(20, 2, 10);
    e.process(b"ab\x1b[3b");
    assert_eq!(e.row_text(0), "abbbb");
}

/// A long session shows far more different looks than there are marks
/// (every hyperlink is its own): marks no cell names any more are reused,
/// so the newest text keeps its extras however many came before.
#[test]
fn extras_never_run_out_over_a_long_session() {
    let mut e = Emulator::new(40, 5, 20);
    let looks = 3 * marks::MAX_MARKS;
    for i in 0..looks {
        e.process(format!("\x1b]8;;https://x/{i}\x1b\\L\x1b]8;;\x1b\\\r\n").as_bytes());
    }
    e.process(b"\x1b]8;;https://x/last\x1b\\Z\x1b]8;;\x1b\\");
    let (row, _) = e.cursor_position();
    assert_eq!(e.cell_view(row, 0).unwrap().link, Some("https://x/last"));
    // Rows still in history keep theirs: the line just above the cursor.
    assert_eq!(
        e.cell_view(row - 1, 0).unwrap().link.map(str::to_string),
        Some(format!("https://x/{}", looks - 1))
    );
    // A fresh emulator loading the snapshot agrees.
    let copy = Emulator::from_snapshot(e.snapshot(20), 20);
    assert_eq!(copy.cell_view(row, 0).unwrap().link, Some("https://x/last"));
}

/// With every mark on screen at once, a new look shows its text without
/// its extras (the documented bound) and nothing else changes.
#[test]
fn more_looks_at_once_than_marks_lose_only_their_extras() {
    let mut e = Emulator::new(100, 40, 0);
    for i in 0..marks::MAX_MARKS {
        e.process(format!("\x1b]8;;https://x/{i}\x1b\\L").as_bytes());
    }
    e.process(b"\x1b]8;;https://x/over\x1b\\O\x1b]8;;\x1b\\");
    let last = marks::MAX_MARKS as u16;
    let (row, col) = (last / 100, last % 100);
    let over = e.cell_view(row, col).unwrap();
    assert_eq!((over.text.as_ref(), over.link), ("O", None));
    assert_eq!(e.cell_view(0, 0).unwrap().link, Some("https://x/0"));
    assert_eq!(
        e.cell_view(row, col - 1).unwrap().link.map(str::to_string),
        Some(format!("https://x/{}", marks::MAX_MARKS - 1))
    );
}
