//! The variables that follow the user: what the attaching client's login
//! says of its display, agent and connection, recorded beside the job on
//! every attach so `sessui env` can hand them to a running shell.

use std::io;
use std::path::{Path, PathBuf};

/// Variables a session follows, as tmux's `update-environment` does: each
/// says where the person is now (their display, their connection), so the
/// value of the login that attached last is the right one. `SSH_AUTH_SOCK`
/// is followed through the session's own link instead (see `agent_link`).
pub const FOLLOWED: &[&str] = &[
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "SSH_CONNECTION",
    "KRB5CCNAME",
];

/// Most variables kept from one client: a newer client may follow a few
/// more; nobody needs hundreds.
const MAX_VARS: usize = 32;
/// Longest value kept: a display or a ticket path is far shorter.
const MAX_VALUE: usize = 4096;

/// One followed variable: its value in the attaching client, `None` where
/// that client did not have it (a running shell should drop it then).
pub type Var = (String, Option<String>);

/// The followed variables as this process has them.
pub fn from_env() -> Vec<Var> {
    FOLLOWED
        .iter()
        .map(|name| {
            let value = std::env::var(name).ok().filter(|v| !v.is_empty());
            (name.to_string(), value)
        })
        .collect()
}

/// Where the job listening on `socket` keeps them: `<job>.env` beside it,
/// in the private runtime directory.
pub fn env_path(socket: &Path) -> PathBuf {
    socket.with_extension("env")
}

/// A name a shell takes as a variable, and nothing else: these end up in
/// `eval`.
pub fn is_var_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.len() <= 64
}

/// Keeps what a client sent that can be kept: proper names, bounded values.
pub fn sanitized(vars: Vec<Var>) -> Vec<Var> {
    vars.into_iter()
        .filter(|(name, value)| {
            is_var_name(name)
                && value
                    .as_ref()
                    .is_none_or(|v| v.len() <= MAX_VALUE && !v.contains('\0'))
        })
        .take(MAX_VARS)
        .collect()
}

/// Records `vars` for the job on `socket`, replacing the last record in one
/// step (a reader never sees half of it). Readable by the user alone.
pub fn record(socket: &Path, vars: &[Var]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = env_path(socket);
    let mut fresh = path.as_os_str().to_owned();
    fresh.push(format!(".new{}", std::process::id()));
    let fresh = PathBuf::from(fresh);
    let text = serde_json::to_vec(vars).map_err(io::Error::other)?;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&fresh)
        .and_then(|mut f| f.write_all(&text));
    written
        .and_then(|()| std::fs::rename(&fresh, &path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&fresh);
        })
}

/// What was recorded for the job on `socket`; `NotFound` when nothing was
/// (a job of an older sessui).
pub fn read(socket: &Path) -> io::Result<Vec<Var>> {
    let text = std::fs::read(env_path(socket))?;
    let vars: Vec<Var> =
        serde_json::from_slice(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(sanitized(vars))
}

/// The record goes with the job.
pub fn remove(socket: &Path) {
    let _ = std::fs::remove_file(env_path(socket));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_replaced_whole_and_read_back_without_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("j1.sock");
        assert_eq!(read(&socket).unwrap_err().kind(), io::ErrorKind::NotFound);
        record(&socket, &[("DISPLAY".into(), Some(":1".into()))]).unwrap();
        let hostile = "x'; touch pwned; echo '\n$(id)`id`\u{1b}[2J";
        record(
            &socket,
            &[
                ("DISPLAY".into(), Some(hostile.into())),
                ("WAYLAND_DISPLAY".into(), None),
                ("A;B".into(), Some("1".into())),
                ("1X".into(), Some("1".into())),
            ],
        )
        .unwrap();
        assert_eq!(
            read(&socket).unwrap(),
            vec![
                ("DISPLAY".to_string(), Some(hostile.to_string())),
                ("WAYLAND_DISPLAY".to_string(), None),
            ]
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env_path(&socket))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        remove(&socket);
        // nothing left behind: no temporary names
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn only_shell_variable_names_pass() {
        for good in ["DISPLAY", "_X", "a1_b"] {
            assert!(is_var_name(good), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "$A", "A\n"] {
            assert!(!is_var_name(bad), "{bad:?}");
        }
        let many: Vec<Var> = (0..100).map(|i| (format!("V{i}"), None)).collect();
        assert_eq!(sanitized(many).len(), MAX_VARS);
        let long = vec![("V".to_string(), Some("x".repeat(MAX_VALUE + 1)))];
        assert!(sanitized(long).is_empty());
    }
}
