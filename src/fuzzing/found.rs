//! Inputs the fuzz targets found failing, kept as they were found: each
//! once broke the property its target checks (the fix has a test of its
//! own beside the code it changed).

/// A CSI cut short by a CSI I (which the filter replaces with tabs), cut in
/// two by a read: vt100 kept the first CSI open when the input came whole.
#[test]
fn terminal_a_sequence_cut_short_by_a_tab_sequence() {
    super::terminal(&[100, 129, 27, 91, 27, 91, 50, 73, 58, 31, 254]);
}
