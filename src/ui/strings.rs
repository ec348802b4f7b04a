//! Every sentence the UI shows, in one place.

pub const APP: &str = "sessui";
pub const NAME_PLACEHOLDER: &str = "Session name (optional)";
pub const HOST_PLACEHOLDER: &str = "Host (empty = this machine; alias, user@host:port)";
pub const RENAME_PLACEHOLDER: &str = "New name (empty = anonymous)";
pub const FILTER_PLACEHOLDER: &str = "filter by name, host or id";
pub const FIRST_RUN: &str = "No sessions yet — press n to start your first session.";
pub const FIRST_RUN_DETAIL: &str =
    "Sessions keep running when you quit sessui; come back any time with `sessui`.";
pub const NO_MATCH: &str = "No session matches the filter (Esc clears it).";
pub const ANONYMOUS: &str = "(anonymous)";
pub const TOO_SMALL: &str = "terminal too small";
pub const CREATING: &str = "creating…";
pub const ATTACHING: &str = "attaching…";
pub const NOT_SENT_OFFLINE: &str = "input not sent: the session is reconnecting";
pub const NOT_SENT_BUSY: &str = "input not sent: the session is not reading input";

pub fn ended(label: &str, exit: &str) -> String {
    format!("Session '{label}' ended ({exit}).")
}

pub fn delete_question(label: &str) -> String {
    format!("Delete session '{label}'? Its shell is stopped.")
}

pub fn deleted(label: &str) -> String {
    format!("deleted '{label}'")
}

pub fn lagged(bytes: u64) -> String {
    format!(
        "output skipped: {bytes} bytes arrived faster than this view could draw; screen resynced"
    )
}
