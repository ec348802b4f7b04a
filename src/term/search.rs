//! Searching a session's history and screen: a query (literal text or a
//! regular expression, with or without case) and the lines that match it,
//! soft-wrapped rows joined into the line the program printed.

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};

pub use crate::protocol::search::{Hits, LineHit, QuerySpec};

/// Longest pattern accepted: a search is typed or scripted, never a file.
pub const MAX_PATTERN: usize = 1024;
/// Matching lines reported per session; beyond these only a count is sent,
/// so one noisy session cannot flood a frame or a slow link.
pub const MAX_HITS: usize = 1000;
/// Bytes of a matching line's text reported: a joined line can be a whole
/// unbroken megabyte of output, of which the user needs the match.
pub const MAX_TEXT: usize = 2048;
/// Compiled size a pattern may take: patterns come over the wire and must
/// not cost a job much memory.
const REGEX_SIZE: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the search pattern is empty")]
    Empty,
    #[error("the search pattern is {len} bytes; at most {MAX_PATTERN} are accepted")]
    TooLong { len: usize },
    #[error("invalid regular expression '{pattern}': {why}")]
    Regex { pattern: String, why: String },
}

/// A compiled query.
#[derive(Debug, Clone)]
pub struct Query {
    re: Regex,
}

impl Query {
    pub fn new(spec: QuerySpec) -> Result<Query, QueryError> {
        if spec.pattern.is_empty() {
            return Err(QueryError::Empty);
        }
        if spec.pattern.len() > MAX_PATTERN {
            return Err(QueryError::TooLong {
                len: spec.pattern.len(),
            });
        }
        // Literal text goes through the same engine escaped: the regex
        // crate finds plain needles with a SIMD substring search anyway.
        let source = if spec.regex {
            Cow::Borrowed(spec.pattern.as_str())
        } else {
            Cow::Owned(regex::escape(&spec.pattern))
        };
        let re = RegexBuilder::new(&source)
            .case_insensitive(spec.ignore_case)
            .size_limit(REGEX_SIZE)
            .dfa_size_limit(REGEX_SIZE)
            .build()
            .map_err(|e| QueryError::Regex {
                pattern: spec.pattern.clone(),
                why: first_line(&e.to_string()),
            })?;
        Ok(Query { re })
    }

    /// Byte ranges of the non-empty matches in `text`.
    pub fn find_in(&self, text: &str) -> Vec<(usize, usize)> {
        self.re
            .find_iter(text)
            .filter(|m| !m.is_empty())
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

/// The regex crate's errors draw the pattern with a caret over several
/// lines; the last line says what is wrong.
fn first_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

impl LineHit {
    /// The text in pieces, each saying whether it is a match. Ranges from
    /// another host are not trusted: out of order, overlapping, out of
    /// bounds or inside a character, they are skipped.
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        let mut at = 0usize;
        for &(s, e) in &self.ranges {
            let (s, e) = (s as usize, e as usize);
            let (Some(before), Some(matched)) = (self.text.get(at..s), self.text.get(s..e)) else {
                continue;
            };
            if s < at || matched.is_empty() {
                continue;
            }
            if !before.is_empty() {
                out.push((before, false));
            }
            out.push((matched, true));
            at = e;
        }
        if let Some(rest) = self.text.get(at..).filter(|r| !r.is_empty()) {
            out.push((rest, false));
        }
        out
    }

    /// The matches as character ranges, for people and JSON.
    pub fn char_ranges(&self) -> Vec<(usize, usize)> {
        let col = |b: u32| {
            let b = (b as usize).min(self.text.len());
            self.text
                .get(..b)
                .map(|s| s.chars().count())
                .unwrap_or_default()
        };
        self.ranges.iter().map(|&(s, e)| (col(s), col(e))).collect()
    }
}

/// Searches `rows` (plain text, oldest first, each with whether it wraps
/// onto the next) for `query`.
pub fn search<'a>(query: &Query, rows: impl IntoIterator<Item = (Cow<'a, str>, bool)>) -> Hits {
    let mut hits = Hits::default();
    let mut joined = String::new();
    let mut first = 0u32;
    let mut count = 0u32;
    let mut row = 0u32;
    for (text, wrapped) in rows {
        if count == 0 {
            first = row;
        }
        row = row.saturating_add(1);
        count += 1;
        if count == 1 && !wrapped {
            // The common case: one row, no copy.
            check(query, &text, first, 1, &mut hits);
            count = 0;
            continue;
        }
        joined.push_str(&text);
        if !wrapped {
            check(query, &joined, first, count, &mut hits);
            joined.clear();
            count = 0;
        }
    }
    if count > 0 {
        check(query, &joined, first, count, &mut hits);
    }
    hits.total_rows = row;
    hits
}

fn check(query: &Query, text: &str, line: u32, rows: u32, hits: &mut Hits) {
    let found = query.find_in(text);
    if found.is_empty() {
        return;
    }
    if hits.lines.len() >= MAX_HITS {
        hits.more = hits.more.saturating_add(1);
        return;
    }
    let (text, offset) = window(text, found[0]);
    let end = offset + text.len();
    let ranges = found
        .into_iter()
        .filter(|&(s, e)| s >= offset && e <= end)
        .map(|(s, e)| ((s - offset) as u32, (e - offset) as u32))
        .collect();
    hits.lines.push(LineHit {
        line,
        rows,
        text: text.to_string(),
        ranges,
    });
}

/// At most `MAX_TEXT` bytes of `text` around its first match (on character
/// boundaries), and where they start.
fn window(text: &str, first: (usize, usize)) -> (&str, usize) {
    if text.len() <= MAX_TEXT {
        return (text, 0);
    }
    let mut start = first.0.saturating_sub(MAX_TEXT / 4);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + MAX_TEXT).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[start..end], start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pattern: &str, regex: bool, ignore_case: bool) -> Query {
        Query::new(QuerySpec {
            pattern: pattern.into(),
            regex,
            ignore_case,
        })
        .unwrap()
    }

    fn rows<'a>(lines: &[(&'a str, bool)]) -> Vec<(Cow<'a, str>, bool)> {
        lines.iter().map(|&(t, w)| (Cow::Borrowed(t), w)).collect()
    }

    #[test]
    fn literal_by_default_so_regex_characters_are_plain() {
        let hits = search(
            &q("a.c", false, false),
            rows(&[("abc", false), ("x a.c y", false)]),
        );
        assert_eq!(hits.lines.len(), 1);
        assert_eq!(hits.lines[0].line, 1);
        assert_eq!(hits.lines[0].ranges, vec![(2, 5)]);
        assert_eq!(hits.total_rows, 2);
    }

    #[test]
    fn regex_and_ignore_case() {
        let lines = [("Migration 0042 done", false), ("migration 7", false)];
        let hits = search(&q(r"migration \d+", true, false), rows(&lines));
        assert_eq!(hits.lines.len(), 1);
        assert_eq!(hits.lines[0].line, 1);
        let hits = search(&q(r"migration \d+", true, true), rows(&lines));
        assert_eq!(hits.lines.len(), 2);
        assert_eq!(hits.lines[0].text, "Migration 0042 done");
        assert_eq!(hits.lines[0].ranges, vec![(0, 14)]);
        let hits = search(&q("MIGRATION", false, true), rows(&lines));
        assert_eq!(hits.lines.len(), 2);
    }

    #[test]
    fn every_match_on_a_line_is_reported_once_per_line() {
        let hits = search(&q("ab", false, false), rows(&[("ab ab ab", false)]));
        assert_eq!(hits.lines.len(), 1);
        assert_eq!(hits.lines[0].ranges, vec![(0, 2), (3, 5), (6, 8)]);
    }

    #[test]
    fn soft_wrapped_rows_are_joined_so_a_match_across_the_edge_is_found() {
        let lines = [
            ("before", false),
            ("the migra", true),
            ("tion ran", true),
            (" fine", false),
            ("after", false),
        ];
        let hits = search(&q("migration ran", false, false), rows(&lines));
        assert_eq!(hits.lines.len(), 1);
        let hit = &hits.lines[0];
        assert_eq!((hit.line, hit.rows), (1, 3));
        assert_eq!(hit.text, "the migration ran fine");
        assert_eq!(hits.total_rows, 5);
        // a wrapped line at the very end (the screen's last row) still counts
        let hits = search(
            &q("tail", false, false),
            rows(&[("x", true), ("tail", true)]),
        );
        assert_eq!((hits.lines[0].line, hits.lines[0].rows), (0, 2));
    }

    #[test]
    fn empty_matches_do_not_count() {
        let hits = search(&q("z*", true, false), rows(&[("abc", false), ("", false)]));
        assert!(hits.lines.is_empty());
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        let err = Query::new(QuerySpec {
            pattern: "(unclosed".into(),
            regex: true,
            ignore_case: false,
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("(unclosed") && text.contains("unclosed group"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
        assert_eq!(
            Query::new(QuerySpec::default()).unwrap_err(),
            QueryError::Empty
        );
        let long = QuerySpec {
            pattern: "x".repeat(MAX_PATTERN + 1),
            ..QuerySpec::default()
        };
        assert!(matches!(
            Query::new(long).unwrap_err(),
            QueryError::TooLong { .. }
        ));
    }

    #[test]
    fn hits_are_capped_and_the_rest_counted() {
        let many: Vec<(Cow<'_, str>, bool)> = (0..MAX_HITS + 5)
            .map(|_| (Cow::Borrowed("hit"), false))
            .collect();
        let hits = search(&q("hit", false, false), many);
        assert_eq!(hits.lines.len(), MAX_HITS);
        assert_eq!(hits.more, 5);
    }

    #[test]
    fn a_huge_line_reports_a_window_around_its_match() {
        let line = format!("{}é needle {}", "a".repeat(10_000), "b".repeat(10_000));
        let hits = search(&q("needle", false, false), rows(&[(&line, false)]));
        let hit = &hits.lines[0];
        assert!(hit.text.len() <= MAX_TEXT);
        let (s, e) = hit.ranges[0];
        assert_eq!(&hit.text[s as usize..e as usize], "needle");
    }

    #[test]
    fn pieces_split_at_matches_and_survive_nonsense_ranges() {
        let hit = LineHit {
            line: 0,
            rows: 1,
            text: "a needle b needle".into(),
            ranges: vec![(2, 8), (11, 17)],
        };
        assert_eq!(
            hit.pieces(),
            vec![
                ("a ", false),
                ("needle", true),
                (" b ", false),
                ("needle", true)
            ]
        );
        let odd = LineHit {
            text: "é x".into(),
            ranges: vec![(1, 2), (3, 4), (0, 99), (3, 1)],
            ..hit
        };
        assert_eq!(odd.pieces(), vec![("é ", false), ("x", true)]);
    }

    #[test]
    fn char_ranges_count_characters_not_bytes() {
        let hits = search(&q("ß", false, false), rows(&[("éé ß", false)]));
        assert_eq!(hits.lines[0].char_ranges(), vec![(3, 4)]);
    }
}
