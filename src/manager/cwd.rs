//! Where a new session's shell starts: one rule for the command line and
//! the UI alike.

use std::path::PathBuf;

use super::host_key;

/// A directory asked for on this machine that is not one.
#[derive(Debug, thiserror::Error)]
#[error("{} is not a directory", .0.display())]
pub struct NotADirectory(pub PathBuf);

/// The working directory for a new session on `host`, from the one `asked`
/// for, if any.
///
/// On this machine: the directory asked for (made absolute, and it must be
/// one), else the current directory, as a shell started here would. On
/// another host a local path means nothing: the directory asked for is
/// passed on as written (that host checks it), else the shell starts in the
/// remote home.
pub fn new_session_cwd(
    host: &str,
    asked: Option<PathBuf>,
) -> Result<Option<PathBuf>, NotADirectory> {
    if host_key(host) != crate::host::LOCAL {
        return Ok(asked);
    }
    match asked {
        Some(dir) => {
            let abs = std::path::absolute(&dir).unwrap_or(dir);
            if !abs.is_dir() {
                return Err(NotADirectory(abs));
            }
            Ok(Some(abs))
        }
        None => Ok(std::env::current_dir().ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sessions_start_here_and_remote_ones_at_home() {
        let here = std::env::current_dir().ok();
        assert_eq!(new_session_cwd("", None).unwrap(), here);
        assert_eq!(new_session_cwd("local", None).unwrap(), here);
        assert_eq!(new_session_cwd("db1", None).unwrap(), None);
        let remote = Some(PathBuf::from("/srv/app"));
        assert_eq!(new_session_cwd("db1", remote.clone()).unwrap(), remote);
        let err = new_session_cwd("local", Some("/no/such/dir".into())).unwrap_err();
        assert_eq!(err.to_string(), "/no/such/dir is not a directory");
    }
}
