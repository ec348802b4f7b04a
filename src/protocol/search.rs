//! What a search is and finds, as it travels between sessui, jobs and
//! agents; the searching itself is the terminal model's (`term::search`).

use serde::{Deserialize, Serialize};

/// A search as typed, and as it travels to jobs and agents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuerySpec {
    pub pattern: String,
    /// The pattern is a regular expression (else literal text).
    pub regex: bool,
    pub ignore_case: bool,
}

/// One line (its soft-wrapped rows joined) with at least one match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineHit {
    /// The line's first row, counted from the oldest history row kept (0).
    pub line: u32,
    /// Rows the line takes on the screen.
    pub rows: u32,
    /// The line's text, cut at `MAX_TEXT` bytes.
    pub text: String,
    /// Byte ranges of the matches in `text`.
    pub ranges: Vec<(u32, u32)>,
}

/// What one session's search found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hits {
    /// Rows searched (history + screen): with `line`, where a hit sits
    /// counted from the newest row, which new output does not change.
    pub total_rows: u32,
    #[serde(deserialize_with = "super::bounded::vec")]
    pub lines: Vec<LineHit>,
    /// Further matching lines left out past `MAX_HITS`.
    pub more: u32,
}
