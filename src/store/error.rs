//! What went wrong with the database, said so a person can act on it: the
//! file (and its companions), what happened, and what to run.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error(
        "the database {path} is damaged or is not a sessui database ({message}); nothing was \
         changed. Move it and its -wal and -shm files aside to start afresh (running shells \
         keep running and are listed again); run: {moves}"
    )]
    Corrupt {
        path: PathBuf,
        message: String,
        /// The command that sets it (and its -wal and -shm files) aside.
        moves: String,
    },
    #[error(
        "the database {path} stayed locked by another process; nothing was changed. Is a sessui \
         process stuck? (fuser -v '{path}')"
    )]
    Locked { path: PathBuf },
    #[error(
        "cannot write the database {path}: the disk holding it is full; nothing was changed. \
         Free some space there (df -h '{}')",
        parent(path).display()
    )]
    DiskFull { path: PathBuf },
    #[error("cannot write the database {path}: it is read-only; nothing was changed. {advice}")]
    ReadOnly {
        path: PathBuf,
        /// Which files are in the way and the command that fixes them.
        advice: String,
    },
    #[error("the name '{0}' is taken by another session")]
    NameTaken(String),
    #[error("database error in {path}: {message}")]
    Other { path: PathBuf, message: String },
}

impl StoreError {
    /// Why a write did not happen, without the advice and without claiming
    /// what else did or did not change (for a message that says that itself).
    pub fn cause(&self) -> String {
        match self {
            StoreError::Locked { path } => {
                format!(
                    "the database {} stays locked by another process",
                    path.display()
                )
            }
            StoreError::DiskFull { path } => {
                format!("the disk holding {} is full", path.display())
            }
            StoreError::ReadOnly { path, .. } => {
                format!("the database {} is read-only", path.display())
            }
            StoreError::Corrupt { path, .. } => {
                format!("the database {} is damaged", path.display())
            }
            StoreError::Open { path, message } | StoreError::Other { path, message } => {
                format!("{}: {message}", path.display())
            }
            StoreError::NameTaken(n) => format!("the name '{n}' is taken"),
        }
    }
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("/"))
}

/// The database file and the two SQLite keeps beside it in WAL mode.
fn companions(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

fn quote(p: &Path) -> String {
    crate::text::sh_quote(&p.display().to_string())
}

/// One command that moves the database and whichever of its -wal and -shm
/// files exist when it runs (they come and go with the processes that have
/// it open) into a `damaged` directory beside it.
fn corrupt_moves(db: &Path) -> String {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "sessions.db".into());
    format!(
        "cd {} && mkdir -p damaged && mv --backup=numbered {}* damaged/",
        quote(parent(db)),
        quote(Path::new(&name))
    )
}

fn writable(p: &Path) -> Result<(), nix::errno::Errno> {
    nix::unistd::access(p, nix::unistd::AccessFlags::W_OK)
}

/// Which of the database's files (and its directory) this user cannot
/// write, and the one command that fixes it. SQLite creates the -wal and
/// -shm files with the database's mode, so fixing only the file an error
/// names leaves the others read-only: the advice names them all.
fn read_only_advice(db: &Path) -> String {
    let dir = parent(db);
    let files: Vec<PathBuf> = companions(db).into_iter().filter(|p| p.exists()).collect();
    let mut blocked: Vec<&Path> = files
        .iter()
        .map(PathBuf::as_path)
        .filter(|p| writable(p).is_err())
        .collect();
    let dir_blocked = writable(dir).is_err();
    if dir_blocked {
        blocked.push(dir);
    }
    if files
        .iter()
        .map(PathBuf::as_path)
        .chain([dir])
        .any(|p| writable(p) == Err(nix::errno::Errno::EROFS))
    {
        return format!(
            "The file system holding {} is mounted read-only: remount it read-write, or set \
             SESSUI_HOME to a directory you can write",
            dir.display()
        );
    }
    let names = |ps: &[&Path]| ps.iter().map(|p| quote(p)).collect::<Vec<_>>().join(" ");
    // The -wal and -shm files come and go with the processes that have the
    // database open: the command names them by a pattern, not one by one.
    let pattern = format!("{}*", quote(db));
    let all: Vec<&Path> = files
        .iter()
        .map(PathBuf::as_path)
        .chain(dir_blocked.then_some(dir))
        .collect();
    let listed = if blocked.is_empty() {
        format!(
            "SQLite refused to write although {} look writable",
            names(&all)
        )
    } else {
        format!("Not writable for you: {}", names(&blocked))
    };
    let me = nix::unistd::getuid();
    let others = all
        .iter()
        .any(|p| std::fs::metadata(p).is_ok_and(|m| m.uid() != me.as_raw()));
    let fix = if others {
        let user = nix::unistd::User::from_uid(me)
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| me.to_string());
        let dir = if dir_blocked {
            format!(" {}", quote(dir))
        } else {
            String::new()
        };
        format!("sudo chown {user}: {pattern}{dir} && chmod u+w {pattern}{dir}")
    } else if dir_blocked {
        format!("chmod u+w {pattern} {}", quote(dir))
    } else {
        format!("chmod u+w {pattern}")
    };
    format!(
        "{listed} (SQLite makes the -wal and -shm files with the database's mode, so they \
         all need it); run: {fix}"
    )
}

/// Whether the file system holding `path` has no room left: SQLite reports
/// some writes on a full disk as plain I/O errors.
fn disk_full(path: &Path) -> bool {
    nix::sys::statvfs::statvfs(parent(path)).is_ok_and(|s| s.blocks_available() == 0)
}

/// Turns SQLite's codes into errors that name the file and say what to do.
pub(super) fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        let message = msg.clone().unwrap_or_else(|| f.to_string());
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return StoreError::Locked { path };
            }
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                let moves = corrupt_moves(&path);
                return StoreError::Corrupt {
                    path,
                    message,
                    moves,
                };
            }
            ErrorCode::DiskFull => return StoreError::DiskFull { path },
            ErrorCode::SystemIoFailure if disk_full(&path) => {
                return StoreError::DiskFull { path };
            }
            ErrorCode::ReadOnly => {
                let advice = read_only_advice(&path);
                return StoreError::ReadOnly { path, advice };
            }
            ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                return StoreError::Open { path, message };
            }
            _ => {}
        }
    }
    StoreError::Other {
        path,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_move_for_a_damaged_database_takes_whatever_files_it_has() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sessions.db");
        std::fs::write(&db, "x").unwrap();
        std::fs::write(dir.path().join("sessions.db-wal"), "x").unwrap();
        let status = std::process::Command::new("sh")
            .args(["-c", &corrupt_moves(&db)])
            .status()
            .unwrap();
        assert!(status.success());
        let damaged = dir.path().join("damaged");
        assert!(damaged.join("sessions.db").exists() && damaged.join("sessions.db-wal").exists());
        assert!(!db.exists());
    }

    #[test]
    fn quotes_survive_a_quote_in_the_path() {
        assert_eq!(quote(Path::new("/a/it's")), r"'/a/it'\''s'");
    }
}
