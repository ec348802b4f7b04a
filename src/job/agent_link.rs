//! The session's stable `SSH_AUTH_SOCK`: a link beside the job's socket (in
//! the 0700 runtime directory) that the shell is given, repointed at the
//! agent of whichever client attached last, so a running shell never keeps
//! a dead agent socket after a reattach from another login.

use std::io;
use std::path::{Path, PathBuf};

/// Longest socket path a client may name: `sun_path` holds 108 bytes.
const MAX_SOCKET_PATH: usize = 107;

/// The link for the job listening on `socket`: `<job>.agent` beside `<job>.sock`.
pub fn link_path(socket: &Path) -> PathBuf {
    socket.with_extension("agent")
}

/// Points `link` at `target`, replacing what it pointed at in one step (a
/// new link renamed over the old one): a program in the shell never finds
/// it missing.
pub fn repoint(link: &Path, target: &Path) -> io::Result<()> {
    if !target.is_absolute() || target.as_os_str().len() > MAX_SOCKET_PATH {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "agent socket {} is not an absolute socket path",
                target.display()
            ),
        ));
    }
    let mut fresh = link.as_os_str().to_owned();
    fresh.push(format!(".new{}", std::process::id()));
    let fresh = PathBuf::from(fresh);
    let _ = std::fs::remove_file(&fresh);
    std::os::unix::fs::symlink(target, &fresh)?;
    std::fs::rename(&fresh, link).inspect_err(|_| {
        let _ = std::fs::remove_file(&fresh);
    })
}

/// The link goes with the job.
pub fn remove(link: &Path) {
    let _ = std::fs::remove_file(link);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_repointed_in_place_and_refuses_relative_targets() {
        let dir = tempfile::tempdir().unwrap();
        let link = link_path(&dir.path().join("j1.sock"));
        assert_eq!(link, dir.path().join("j1.agent"));
        repoint(&link, Path::new("/run/a/agent.1")).unwrap();
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("/run/a/agent.1")
        );
        repoint(&link, Path::new("/run/b/agent.2")).unwrap();
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("/run/b/agent.2")
        );
        let err = repoint(&link, Path::new("agent.3")).unwrap_err();
        assert!(err.to_string().contains("agent.3"), "{err}");
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("/run/b/agent.2")
        );
        remove(&link);
        assert!(std::fs::symlink_metadata(&link).is_err());
        // only the link is left behind by a repoint: no temporary names
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
