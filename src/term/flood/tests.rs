use proptest::prelude::*;

use super::super::Emulator;
use super::*;

/// `seq 1 n` as a PTY sends it.
fn seq(n: usize) -> Vec<u8> {
    (1..=n)
        .flat_map(|i| format!("{i}\r\n").into_bytes())
        .collect()
}

/// Reads below the shortcut's threshold: vt100 sees every byte.
fn slowly(e: &mut Emulator, bytes: &[u8]) {
    for piece in bytes.chunks(MIN_PIECE) {
        e.process(piece);
    }
}

const MIN_PIECE: usize = 700;

/// Same screen, cursor, pen, history and counts, and the same state for
/// what comes next (a repeat of the last character, a taller screen).
fn assert_same(fast: &mut Emulator, slow: &mut Emulator) {
    assert_eq!(
        fast.history().tail(usize::MAX),
        slow.history().tail(usize::MAX),
        "history"
    );
    assert_eq!(
        fast.history().pushed(),
        slow.history().pushed(),
        "rows pushed"
    );
    assert_eq!(fast.snapshot(0), slow.snapshot(0), "screen state");
    for e in [&mut *fast, &mut *slow] {
        e.process(b"\x1b[2b!");
    }
    let (cols, rows) = fast.size();
    assert_eq!(
        fast.capture(0, true),
        slow.capture(0, true),
        "after a repeat"
    );
    for e in [&mut *fast, &mut *slow] {
        e.resize(cols + 3, rows + 2);
    }
    assert_eq!(fast.snapshot(0), slow.snapshot(0), "after growing");
}

#[test]
fn a_flood_of_short_lines_formats_only_the_rows_it_shows() {
    let bytes = seq(20_000);
    let mut fast = Emulator::new(120, 39, 10_000);
    for chunk in bytes.chunks(64 << 10) {
        fast.process(chunk);
    }
    let formatted = fast.parser.callbacks().formatted;
    let reads = bytes.len().div_ceil(64 << 10);
    assert!(
        formatted <= reads * 3 * 39,
        "vt100 formatted {formatted} rows of 20000 in {reads} reads"
    );
    let mut slow = Emulator::new(120, 39, 10_000);
    slowly(&mut slow, &bytes);
    assert_eq!(fast.history_len(), 10_000);
    assert_same(&mut fast, &mut slow);
}

#[test]
fn lines_are_found_up_to_the_first_that_is_not_plain() {
    let mut ends = Vec::new();
    plain_lines(b"ab\r\n\r\ncd\r\nx\x1b[m\r\n", 0, 10, &mut ends);
    assert_eq!(ends, [4, 6, 10]);
    // The first line starts at the cursor: 8 + 2 columns fill a 10-wide row.
    plain_lines(b"ab\r\ncd\r\n", 8, 10, &mut ends);
    assert!(ends.is_empty());
    plain_lines(b"abcdefghij\r\n", 0, 10, &mut ends);
    assert!(ends.is_empty(), "a full row may wrap");
    plain_lines(b"ab\ncd\r\n", 0, 10, &mut ends);
    assert!(ends.is_empty(), "a bare line feed keeps the column");
    // A read that ended between CR and LF.
    plain_lines(b"\nab\r\n\n", 0, 10, &mut ends);
    assert_eq!(ends, [1, 5, 6]);
    assert_eq!(lines("\nab\r\n\n").collect::<Vec<_>>(), ["", "ab", ""]);
}

#[test]
fn the_plan_keeps_a_screenful_on_each_side() {
    let ends: Vec<usize> = (1..=20).map(|i| i * 3).collect();
    // Cursor on the last of 4 rows: 4 newlines make the screen fresh, the
    // last 3 lines stay on it, 13 pass through.
    let p = plan(&ends, 3, 4).unwrap();
    assert_eq!(p.lines, 13);
    assert_eq!((p.fresh, p.skipped, p.end), (12, 51, 60));
    // From the top row it takes 3 more to reach the bottom.
    assert_eq!(plan(&ends, 0, 4).unwrap().lines, 10);
    assert_eq!(plan(&ends[..9], 3, 4), None, "too few to pay");
    assert_eq!(plan(&ends, 0, 1), None);
}

/// Pieces of output: mostly short lines, with what must stop the shortcut.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (0usize..12, 1usize..60).prop_map(|(len, n)| {
            (0..n).flat_map(|i| format!("{:len$}\r\n", i % 1000).into_bytes()).collect()
        }),
        1 => "[a-z ]{0,40}".prop_map(String::into_bytes),
        1 => prop_oneof![
            Just(b"\x1b[31m".to_vec()),
            Just(b"\x1b[m".to_vec()),
            Just(b"\x1b[2;4r".to_vec()),
            Just(b"\x1b[r".to_vec()),
            Just(b"\x1b[?1049h".to_vec()),
            Just(b"\x1b[?1049l".to_vec()),
            Just(b"\x1b[H".to_vec()),
            Just(b"\x1b[3;5H".to_vec()),
            Just(b"\x1b[4b".to_vec()),
            Just("世界\r\n".as_bytes().to_vec()),
            Just(b"\n\n".to_vec()),
            Just(b"ab\r".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\t|".to_vec()),
            Just(b"\x1b[5A\x1b[K".to_vec()),
            Just(b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\r\n".to_vec()),
            Just(b"\x1b[44m  \r\n\r\n".to_vec()),
        ],
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_shortcut_leaves_what_vt100_alone_leaves(
        pieces in proptest::collection::vec(piece(), 1..40),
        read in 1024usize..6000,
        cols in 14u16..40,
        rows in 2u16..8,
        cap in prop_oneof![Just(0usize), Just(7), Just(1000)],
    ) {
        let bytes = pieces.concat();
        let mut fast = Emulator::new(cols, rows, cap);
        for chunk in bytes.chunks(read) {
            fast.process(chunk);
        }
        let mut slow = Emulator::new(cols, rows, cap);
        slowly(&mut slow, &bytes);
        assert_same(&mut fast, &mut slow);
    }
}
