//! Inputs the fuzz targets found failing, kept as they were found: each
//! once broke the property its target checks (the fix has a test of its
//! own beside the code it changed).

/// A CSI cut short by a CSI I (which the filter replaces with tabs), cut in
/// two by a read: vt100 kept the first CSI open when the input came whole.
#[test]
fn terminal_a_sequence_cut_short_by_a_tab_sequence() {
    super::terminal(&[100, 129, 27, 91, 27, 91, 50, 73, 58, 31, 254]);
}

/// A view attaching right after ESC FF: the form feed, obeyed inside the
/// unfinished escape, was replayed from the snapshot and moved the view's
/// cursor down a second row.
#[test]
fn terminal_a_control_inside_an_unfinished_escape() {
    super::terminal(&[
        152, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 27, 94, 120, 27, 92, 6, 6, 6, 6, 6, 6,
        6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 12, 42, 99, 253,
    ]);
}
