//! Finding text in copy mode: literal, smart-case matching in one line,
//! and the next match before or after a place in the whole history.

use super::text::{Line, Lines, Pos};

/// Where `needle` occurs in `haystack`, as byte ranges, left to right and
/// not overlapping. Smart case: a needle with no capital letter matches any
/// case; one with a capital matches exactly.
pub fn find_in_line(haystack: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    if needle.is_empty() {
        return found;
    }
    let exact = needle.chars().any(char::is_uppercase);
    let same = |a: char, b: char| {
        if exact {
            a == b
        } else {
            a == b || a.to_lowercase().eq(b.to_lowercase())
        }
    };
    let mut from = 0;
    while from < haystack.len() {
        let mut hay = haystack[from..].char_indices();
        let mut end = None;
        let mut ok = true;
        for n in needle.chars() {
            match hay.next() {
                Some((_, h)) if same(h, n) => {}
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            end = Some(hay.next().map_or(haystack.len(), |(i, _)| from + i));
        }
        match end {
            Some(e) => {
                found.push((from, e));
                from = e;
            }
            None => {
                let step = haystack[from..].chars().next().map_or(1, char::len_utf8);
                from += step;
            }
        }
    }
    found
}

/// The matches of `needle` in `line`, as column ranges (both ends included).
pub fn matches(line: &Line, needle: &str) -> Vec<(u16, u16)> {
    let (text, cols) = line.text_with_columns();
    find_in_line(&text, needle)
        .into_iter()
        .filter(|(s, e)| e > s)
        .filter_map(|(s, e)| {
            let first = *cols.get(s)?;
            let last = *cols.get(e - 1)?;
            // The last byte's column is where its character starts; a wide
            // character covers the next one too.
            let last = if line.cells.get(usize::from(last)).is_some_and(|c| c.wide) {
                last + 1
            } else {
                last
            };
            Some((first, last))
        })
        .collect()
}

/// The first match after `from` (`forward`) or before it, going round the
/// ends of the history once, as tmux does.
pub fn next_match(lines: &dyn Lines, needle: &str, from: Pos, forward: bool) -> Option<Pos> {
    let (first, last) = (lines.first(), lines.last());
    let count = last - first + 1;
    let from_line = from.line.clamp(first, last);
    for step in 0..=count {
        let n = if forward {
            first + (from_line - first + step) % count
        } else {
            first + (from_line - first + count - step % count) % count
        };
        if !lines.may_contain(n, needle) {
            continue;
        }
        let found = matches(&lines.line(n), needle);
        let pick = if forward {
            found
                .iter()
                .map(|m| m.0)
                .find(|&c| step > 0 || c > from.col)
        } else {
            found
                .iter()
                .rev()
                .map(|m| m.0)
                .find(|&c| step > 0 || c < from.col)
        };
        if let Some(col) = pick {
            return Some(Pos::new(n, col));
        }
    }
    None
}
