//! Scrollback kept as compact SGR-formatted text, one entry per row that left
//! the screen: a tenth of the memory of vt100's own cell rows, and readable
//! while the alternate screen is up.

use std::collections::VecDeque;

pub use crate::protocol::HistoryLine;

#[derive(Debug, Clone)]
struct Row {
    text: Box<str>,
    wrapped: bool,
}

/// Bounded history, oldest first.
#[derive(Debug, Clone, Default)]
pub struct History {
    rows: VecDeque<Row>,
    cap: usize,
    /// Rows ever pushed: tells which rows arrived after a given moment.
    pushed: u64,
}

impl History {
    pub fn new(cap: usize) -> History {
        History {
            rows: VecDeque::new(),
            cap,
            pushed: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Rows pushed since the history began (cleared or not).
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    pub fn push(&mut self, text: &str, wrapped: bool) {
        if self.cap == 0 {
            return;
        }
        self.pushed += 1;
        if self.rows.len() >= self.cap {
            self.rows.pop_front();
        }
        self.rows.push_back(Row {
            text: text.into(),
            wrapped,
        });
    }

    /// Pushes `count` unwrapped lines at once; those the capacity would
    /// drop at once are only counted.
    pub fn push_lines<'a>(&mut self, lines: impl Iterator<Item = &'a str>, count: usize) {
        if self.cap == 0 {
            return;
        }
        let dropped = count.saturating_sub(self.cap);
        self.pushed += dropped as u64;
        for line in lines.skip(dropped) {
            self.push(line, false);
        }
    }

    pub fn clear(&mut self) {
        self.rows.clear();
        self.rows.shrink_to_fit();
    }

    /// The newest `n` lines, oldest first, as sent on the wire.
    pub fn tail(&self, n: usize) -> Vec<HistoryLine> {
        let skip = self.rows.len().saturating_sub(n);
        self.rows
            .iter()
            .skip(skip)
            .map(|r| HistoryLine {
                text: r.text.to_string(),
                wrapped: r.wrapped,
            })
            .collect()
    }

    /// Text of line `i` counted from the newest (0 = the row just above the screen).
    pub fn nth_newest(&self, i: usize) -> Option<&str> {
        let len = self.rows.len();
        (i < len).then(|| &*self.rows[len - 1 - i].text)
    }

    /// Every row's text, oldest first.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|r| &*r.text)
    }

    /// Line `i` counted from the newest, with whether it runs on into the
    /// next (soft-wrapped).
    pub fn line_from_newest(&self, i: usize) -> Option<(&str, bool)> {
        let len = self.rows.len();
        (i < len).then(|| {
            let row = &self.rows[len - 1 - i];
            (&*row.text, row.wrapped)
        })
    }

    /// Every row, oldest first, with whether it wraps onto the next.
    pub fn rows(&self) -> impl Iterator<Item = (&str, bool)> {
        self.rows.iter().map(|r| (&*r.text, r.wrapped))
    }

    /// Puts `lines` (oldest first) at row `at`, before the rows from there
    /// on: history that arrived after the screen it led up to, and so after
    /// rows that left that screen since. Past capacity the oldest rows go.
    /// They count as pushed, as they would have been loaded before the
    /// screen: line numbers (`pushed` minus the rows held) stay in range.
    /// Returns where the next lines of the same run go.
    pub fn insert_older(
        &mut self,
        at: usize,
        lines: impl IntoIterator<Item = HistoryLine>,
    ) -> usize {
        let mut at = at.min(self.rows.len());
        if self.cap == 0 {
            return at;
        }
        let before = self.rows.len();
        for l in lines {
            self.rows.insert(
                at,
                Row {
                    text: l.text.into(),
                    wrapped: l.wrapped,
                },
            );
            at += 1;
            if self.rows.len() > self.cap {
                self.rows.pop_front();
                at -= 1;
            }
        }
        self.pushed += (self.rows.len() - before) as u64;
        at
    }

    pub fn extend(&mut self, lines: impl IntoIterator<Item = HistoryLine>) {
        for l in lines {
            self.push(&l.text, l.wrapped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_rows_go_before_newer_ones_and_the_oldest_make_room() {
        let line = |t: &str| HistoryLine {
            text: t.into(),
            wrapped: false,
        };
        let mut h = History::new(4);
        h.push("new", false);
        let at = h.insert_older(0, [line("a"), line("b")]);
        let at = h.insert_older(at, [line("c"), line("d")]);
        assert_eq!(at, 3);
        let texts: Vec<_> = h.texts().collect();
        assert_eq!(texts, ["b", "c", "d", "new"]);
        assert!(
            h.pushed() >= h.len() as u64,
            "lines are numbered from pushed"
        );
        assert_eq!(h.insert_older(0, [line("x")]), 0, "full of newer rows");
        assert_eq!(h.texts().next(), Some("b"));
    }

    #[test]
    fn keeps_the_newest_up_to_capacity() {
        let mut h = History::new(3);
        for i in 0..5 {
            h.push(&i.to_string(), false);
        }
        assert_eq!(h.len(), 3);
        let tail: Vec<_> = h.tail(10).into_iter().map(|l| l.text).collect();
        assert_eq!(tail, ["2", "3", "4"]);
        assert_eq!(h.nth_newest(0), Some("4"));
        assert_eq!(h.nth_newest(3), None);
        assert_eq!(h.tail(1)[0].text, "4");
    }

    #[test]
    fn lines_pushed_at_once_are_kept_and_counted_like_one_by_one() {
        let lines = ["a", "b", "c", "d", "e"];
        for cap in [0, 2, 5, 9] {
            let (mut one, mut all) = (History::new(cap), History::new(cap));
            one.push("x", true);
            all.push("x", true);
            for l in lines {
                one.push(l, false);
            }
            all.push_lines(lines.into_iter(), lines.len());
            assert_eq!(one.tail(10), all.tail(10), "capacity {cap}");
            assert_eq!(one.pushed(), all.pushed(), "capacity {cap}");
        }
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut h = History::new(0);
        h.push("x", false);
        assert_eq!(h.len(), 0);
    }
}
