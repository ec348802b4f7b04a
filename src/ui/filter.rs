//! Fuzzy filtering of the list by name, host and id, as you type.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::store::SessionRow;

/// Indexes of the sessions matching `query`, best first (ties keep list order).
pub fn matches(sessions: &[SessionRow], query: &str) -> Vec<usize> {
    let query = query.trim();
    if query.is_empty() {
        return (0..sessions.len()).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = sessions
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let hay = format!(
                "{} {} {}",
                s.name.as_deref().unwrap_or(""),
                s.host,
                s.id.as_str()
            );
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|score| (score, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}
