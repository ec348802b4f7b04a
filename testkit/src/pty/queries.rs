//! The questions programs ask their terminal and wait on (cursor position,
//! status, device attributes), found in the output stream and answered as
//! xterm does, for models that do not answer by themselves.

/// A request a program makes of its terminal and waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Query {
    /// `CSI 6 n`: where is the cursor.
    CursorPosition,
    /// `CSI 5 n`: are you well.
    Status,
    /// `CSI c`: what are you (primary device attributes).
    Attributes,
    /// `CSI > c`: which version (secondary device attributes).
    Version,
}

impl Query {
    /// What xterm answers, with the cursor at `cursor` (row, column from 0).
    pub(crate) fn answer(self, cursor: (u16, u16)) -> String {
        match self {
            Query::CursorPosition => {
                let (row, col) = cursor;
                format!("\x1b[{};{}R", row + 1, col + 1)
            }
            Query::Status => "\x1b[0n".into(),
            Query::Attributes => "\x1b[?62;22c".into(),
            Query::Version => "\x1b[>41;379;0c".into(),
        }
    }
}

/// Finds queries in the output stream, across reads.
#[derive(Default)]
pub(crate) struct Queries {
    /// Inside `ESC [`: the parameter bytes so far (None: not in a CSI).
    csi: Option<Vec<u8>>,
    escape: bool,
}

impl Queries {
    /// The end (exclusive) of the first query in `bytes`, if any.
    pub(crate) fn next(&mut self, bytes: &[u8]) -> Option<(usize, Query)> {
        for (i, &b) in bytes.iter().enumerate() {
            if let Some(params) = &mut self.csi {
                match b {
                    0x30..=0x3f if params.len() < 16 => params.push(b),
                    0x20..=0x3f => {}
                    _ => {
                        let query = match (params.as_slice(), b) {
                            (b"6" | b"?6", b'n') => Some(Query::CursorPosition),
                            (b"5", b'n') => Some(Query::Status),
                            (b"" | b"0", b'c') => Some(Query::Attributes),
                            (b">" | b">0", b'c') => Some(Query::Version),
                            _ => None,
                        };
                        self.csi = None;
                        self.escape = b == 0x1b;
                        if let Some(q) = query {
                            return Some((i + 1, q));
                        }
                    }
                }
                continue;
            }
            if self.escape && b == b'[' {
                self.csi = Some(Vec::new());
            }
            self.escape = b == 0x1b;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_split_across_reads_is_found_where_it_ends() {
        let mut q = Queries::default();
        assert_eq!(q.next(b"ab\x1b["), None);
        assert_eq!(q.next(b"6nrest"), Some((2, Query::CursorPosition)));
        assert_eq!(q.next(b"\x1b[>c"), Some((4, Query::Version)));
        assert_eq!(q.next(b"\x1b[1;2H"), None);
    }
}
