//! Identifiers as types: a session outlives its jobs, a view is one place on screen.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A session: stable for its whole life, across fresh jobs and reconnects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

/// One `sessui job` process; a session gets a new one each time its shell restarts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

/// One attached view in one sessui process.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ViewId(String);

/// How many characters of an id the list shows; enough to be unique in practice
/// and to type as a prefix (the CLI accepts >= 4).
pub const SHORT_ID_LEN: usize = 8;

impl SessionId {
    pub fn new() -> SessionId {
        SessionId(uuid::Uuid::new_v4().to_string())
    }
}

impl JobId {
    /// 12 hex digits: short enough that socket paths stay far below the
    /// 108-byte limit of a unix socket address.
    pub fn new() -> JobId {
        JobId(format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff))
    }
}

impl ViewId {
    pub fn new() -> ViewId {
        ViewId(uuid::Uuid::new_v4().to_string())
    }
}

macro_rules! id_common {
    ($t:ident) => {
        impl $t {
            /// Wraps an id read back from the database or the wire.
            pub fn from_string(s: impl Into<String>) -> $t {
                $t(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The first characters, as lists show them (views are never listed).
            #[allow(dead_code)]
            pub fn short(&self) -> &str {
                let end = self.0.len().min(SHORT_ID_LEN);
                &self.0[..end]
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Default for $t {
            fn default() -> Self {
                $t::new()
            }
        }
    };
}

id_common!(SessionId);
id_common!(JobId);
id_common!(ViewId);

/// Job ids become file names; anything else is refused before it reaches a path.
pub fn is_valid_job_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_short_form_is_a_prefix() {
        let a = SessionId::new();
        let b = SessionId::new();
        assert_ne!(a, b);
        assert!(a.as_str().starts_with(a.short()));
        assert_eq!(a.short().len(), SHORT_ID_LEN);
        let j = JobId::new();
        assert_eq!(j.as_str().len(), 12);
        assert!(is_valid_job_id(j.as_str()));
        assert!(!is_valid_job_id("../etc"));
    }
}
