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
pub const TOO_SMALL: &str = "terminal too small";
pub const CREATING: &str = "creating…";
pub const ATTACHING: &str = "attaching…";
pub const NOT_SENT_OFFLINE: &str = "input not sent: the session is reconnecting (trying now)";
pub const PREVIEW_NO_ROOM: &str =
    "preview on: it shows beside the list from 140 columns, or below it when 10 rows are free";
pub const TYPE_YES_OR_NO: &str = "type yes or no, then Enter";
pub const NOT_SENT_BUSY: &str = "input not sent: the session is not reading input";

/// A bell rang in a session nobody is looking at.
pub fn bell_in(label: &str) -> String {
    format!("bell in {label}")
}

pub fn ended(label: &str, exit: &str) -> String {
    format!("Session '{label}' ended ({exit}).")
}

pub fn delete_question(label: &str) -> String {
    format!("Delete session '{label}'? Its shell is stopped.")
}

/// Several sessions at once, named (a popup wraps a long list).
pub fn delete_many_question(labels: &[String]) -> String {
    let names: Vec<String> = labels.iter().map(|l| format!("'{l}'")).collect();
    format!(
        "Delete {} sessions ({})? Their shells are stopped.",
        labels.len(),
        names.join(", ")
    )
}

pub fn deleted_many(deleted: usize, total: usize) -> String {
    if deleted == total {
        format!("deleted {total} sessions")
    } else {
        format!("deleted {deleted} of {total} sessions")
    }
}

pub fn sorted(by: &str) -> String {
    format!("sorted by {by}")
}

pub fn deleted(label: &str) -> String {
    format!("deleted '{label}'")
}

pub fn deleted_later(label: &str, host: &str) -> String {
    format!("deleted '{label}'; its shell on {host} is stopped when the host is back")
}

pub fn stopped_list_later(label: &str) -> String {
    format!("stopped the shell of '{label}'; it stays listed until the database can be written")
}

pub fn deleted_elsewhere(label: &str) -> String {
    format!("session '{label}' was deleted (in another window or by `sessui kill`)")
}

pub fn force_question(label: &str, why: &str) -> String {
    format!(
        "Session '{label}' was not deleted: {why}\n\nDelete it by force? Its job is killed, or \
         stopped when its host is back."
    )
}

pub fn force_many_question(count: usize, why: &str) -> String {
    format!(
        "{count} sessions were not deleted:\n{why}\n\nDelete them by force? Their jobs are \
         killed, or stopped when their hosts are back."
    )
}

pub fn switching(label: &str) -> String {
    format!("switching to '{label}'…")
}

pub fn db_unreadable(why: &str) -> String {
    format!("cannot read the session list: {why}")
}

pub const SEARCH_TITLE: &str = "search every session";
pub const SEARCH_PLACEHOLDER: &str = "text to find in every session's screen and history";
pub const SEARCH_HINT: &str = " type to search; lower case ignores case, a capital makes it exact";
pub const NOT_SEARCHED_UNREACHABLE: &str = "not searched (host unreachable)";

pub fn lagged(bytes: u64) -> String {
    format!(
        "output skipped: {bytes} bytes arrived faster than this view could draw; screen resynced"
    )
}

pub const NOTHING_TO_PASTE: &str = "nothing copied yet: prefix [ enters copy mode to copy";

pub fn copied(chars: usize, prefix: &str) -> String {
    format!("copied {chars} characters to the clipboard ({prefix} ] pastes)")
}

pub fn copied_too_long(chars: usize) -> String {
    format!(
        "copied {chars} characters for pasting here only: too long for the terminal's clipboard"
    )
}

pub fn copy_command_failed(command: &str, why: &str) -> String {
    format!("copy_command '{command}' failed: {why} (set ui.copy_command in config.toml)")
}
