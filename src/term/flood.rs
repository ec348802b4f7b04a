//! A shortcut for floods of short plain lines (`seq`, `yes`, uncoloured
//! logs): rows that would scroll in at the bottom and out at the top within
//! one read go to history as they are, without passing through vt100.
//!
//! vt100 formats each row that leaves the screen by comparing every one of
//! its cells with the empty cell; for a row holding a few characters that is
//! nearly all of the cost of a line. A plain line of printable ASCII written
//! to a fresh row, shorter than the screen, formats as its own text, so the
//! emulator can push it to history itself, and feed vt100 only the lines
//! that end up on the screen.

use super::Emulator;

/// The pen vt100 reports when no attribute is set: the rows this module
/// writes hold exactly their text only under it.
const PLAIN_PEN: &str = "\x1b[m";

/// Where the shortcut splits one piece of output: vt100 takes
/// `..fresh` (after which every screen row is one of these lines) and
/// `skipped..`; the lines in `fresh..skipped` go to history directly.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    fresh: usize,
    skipped: usize,
    /// Where the plain lines end; what follows goes through the shortcut again.
    end: usize,
    /// Lines in `fresh..skipped`.
    lines: usize,
}

/// Lines at the start of `bytes` that are printable ASCII ended by CR LF
/// (or LF at the first column), each (the first from column `col`)
/// narrower than `cols`: the offsets just past each line's end go to
/// `ends`. Stops at anything else.
fn plain_lines(bytes: &[u8], col: usize, cols: usize, ends: &mut Vec<usize>) {
    ends.clear();
    let mut width = col;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if (0x20..0x7f).contains(&b) {
            width += 1;
            if width >= cols {
                return;
            }
            i += 1;
        } else if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 2;
            ends.push(i);
            width = 0;
        } else if b == b'\n' && width == 0 {
            // At the first column a line feed alone ends a line too (a read
            // can end between CR and LF).
            i += 1;
            ends.push(i);
        } else {
            return;
        }
    }
}

/// How to take `ends` (from `plain_lines`) on a screen of `rows` rows with
/// the cursor on row `row`, if enough lines pass through the whole screen
/// to be worth it.
fn plan(ends: &[usize], row: usize, rows: usize) -> Option<Plan> {
    if rows < 2 || row >= rows {
        return None;
    }
    // Newlines that move the cursor down to the last row, then as many
    // that scroll a fresh row in under each screen row.
    let fresh_after = (rows - 1 - row) + rows;
    // The last `rows - 1` lines stay on the screen: vt100 writes those.
    let kept_from = ends.len().checked_sub(rows - 1)?;
    let lines = kept_from.checked_sub(fresh_after)?;
    // Below a screenful the saving does not pay for the scan.
    if lines < rows {
        return None;
    }
    Some(Plan {
        fresh: ends[fresh_after - 1],
        skipped: ends[kept_from - 1],
        end: *ends.last()?,
        lines,
    })
}

/// The lines of `text`, which `plain_lines` found.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split_terminator('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

impl Emulator {
    /// Hands `bytes` to vt100, taking floods of plain lines through the
    /// shortcut; history and screen end up as vt100 alone would leave them.
    pub(super) fn feed(&mut self, mut bytes: &[u8]) {
        let mut ends = std::mem::take(&mut self.line_ends);
        while let Some(plan) = self.flood_plan(bytes, &mut ends) {
            self.guarded_process(&bytes[..plan.fresh]);
            bytes = &bytes[plan.fresh..];
            let (rows, _) = self.parser.screen().size();
            if self.parser.screen().cursor_position() != (rows.get() - 1, 0) {
                // Not the screen the plan counted on (never seen): no shortcut.
                break;
            }
            // vt100 writes the lines that stay and pushes the screen's rows
            // out, then the lines that passed through go after them.
            let (passed, kept) = (plan.skipped - plan.fresh, plan.end - plan.fresh);
            self.guarded_process(&bytes[passed..kept]);
            // Printable ASCII, checked by `plain_lines`.
            let text = std::str::from_utf8(&bytes[..passed]).unwrap_or("");
            self.parser
                .callbacks_mut()
                .history
                .push_lines(lines(text), plan.lines);
            bytes = &bytes[kept..];
        }
        self.line_ends = ends;
        self.guarded_process(bytes);
    }

    fn flood_plan(&self, bytes: &[u8], ends: &mut Vec<usize>) -> Option<Plan> {
        // A keystroke's echo or a prompt: not a flood.
        const MIN_BYTES: usize = 1024;
        let screen = self.parser.screen();
        if bytes.len() < MIN_BYTES
            || screen.alternate_screen()
            || self.regions[0].is_some()
            || screen.attributes_formatted() != PLAIN_PEN
        {
            return None;
        }
        let (rows, cols) = screen.size();
        let (row, col) = screen.cursor_position();
        plain_lines(bytes, usize::from(col), usize::from(cols.get()), ends);
        let plan = plan(ends, usize::from(row), usize::from(rows.get()))?;
        // A repeat (`CSI b`) later repeats the last character written; it
        // must be one vt100 saw.
        let written = bytes[plan.skipped..plan.end]
            .iter()
            .any(|&b| b != b'\r' && b != b'\n');
        written.then_some(plan)
    }
}

#[cfg(test)]
mod tests;
