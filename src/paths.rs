//! Where sessui keeps its files: database, logs, config, job records and sockets.
//! `SESSUI_HOME` puts everything under one directory (tests use it); otherwise XDG.
//!
//! Nothing here is used as found. Like OpenSSH's StrictModes, every directory
//! and the files that steer sessui (`config.toml`, `sessions.db`) must belong
//! to the user and be writable by nobody else, and every directory above
//! them must belong to the user or root: a directory another user made first
//! (a shared `/tmp` path), or a link planted in its place, is refused with
//! the fix, never followed, chmod'ed or read.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The directories one sessui installation uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `sessions.db` lives here.
    pub data_dir: PathBuf,
    /// Logs and job records (state and exit files) live here; they survive reboots.
    pub state_dir: PathBuf,
    /// `config.toml` lives here.
    pub config_dir: PathBuf,
    /// Job sockets live here (0700). Prefer `$XDG_RUNTIME_DIR`: `/tmp` gets cleaned.
    pub runtime_dir: PathBuf,
}

/// Why a path cannot be trusted, with the fix in the message.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error(
        "{} is owned by {}, not by you ({}): another user may have made it to take \
         over sessui. Remove it (as its owner or root), or set SESSUI_HOME to a directory \
         of your own",
        path.display(), who(*uid), who(*me)
    )]
    Owner { path: PathBuf, uid: u32, me: u32 },
    #[error(
        "{} can be written by other users (mode {mode:04o}): they could change what sessui \
         runs. Fix: chmod go-w '{}'",
        path.display(), path.display()
    )]
    Writable { path: PathBuf, mode: u32 },
    #[error(
        "{} is a symbolic link (to {}), which sessui does not follow for this {what}. \
         Remove the link (rm '{}') and run sessui again",
        path.display(), target.display(), path.display()
    )]
    Symlink {
        path: PathBuf,
        target: PathBuf,
        what: &'static str,
    },
    #[error(
        "{} lies inside {}, which {why}: whoever can change that directory can \
         swap sessui's files. Use a directory of your own (SESSUI_HOME)",
        path.display(), ancestor.display()
    )]
    Ancestor {
        path: PathBuf,
        ancestor: PathBuf,
        why: String,
    },
    #[error("{} is not a {what}", path.display())]
    Kind { path: PathBuf, what: &'static str },
    #[error("cannot use {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl PathError {
    /// The path (or one above it) does not exist.
    pub fn is_missing(&self) -> bool {
        matches!(self, PathError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    fn io(path: &Path, source: io::Error) -> PathError {
        PathError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// `uid 1000 (alice)`, for messages.
fn who(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(u)) => format!("uid {uid} ({})", u.name),
        _ => format!("uid {uid}"),
    }
}

fn me() -> u32 {
    nix::unistd::geteuid().as_raw()
}

impl Paths {
    /// Resolves the directories from the environment without creating them.
    pub fn from_env() -> io::Result<Paths> {
        if let Some(home) = std::env::var_os("SESSUI_HOME").filter(|h| !h.is_empty()) {
            return Ok(Paths::under(&std::path::absolute(Path::new(&home))?));
        }
        let dirs = directories::ProjectDirs::from("", "", "sessui").ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "cannot find a home directory: set HOME or SESSUI_HOME",
            )
        })?;
        let data_dir = dirs.data_dir().to_path_buf();
        let state_dir = dirs
            .state_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| data_dir.join("state"));
        let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty() && Path::new(d).is_dir())
            .map(|d| PathBuf::from(d).join("sessui"))
            .unwrap_or_else(|| data_dir.join("run"));
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir,
            state_dir,
            runtime_dir,
        })
    }

    /// Every directory under one root, as `SESSUI_HOME` asks.
    pub fn under(root: &Path) -> Paths {
        Paths {
            data_dir: root.to_path_buf(),
            state_dir: root.join("state"),
            config_dir: root.to_path_buf(),
            runtime_dir: root.join("run"),
        }
    }

    pub fn db_file(&self) -> PathBuf {
        self.data_dir.join("sessions.db")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }

    /// Job records: `<job>.json` (who the job is) and `<job>.exit` (how it ended).
    pub fn jobs_dir(&self) -> PathBuf {
        self.state_dir.join("jobs")
    }

    /// Checks every directory (creating the missing ones, mode 0700) and the
    /// config file, refusing what is not the user's alone.
    pub fn create_all(&self) -> Result<(), PathError> {
        for dir in [
            &self.data_dir,
            &self.state_dir,
            &self.config_dir,
            &self.log_dir(),
            &self.jobs_dir(),
        ] {
            ensure_dir(dir)?;
        }
        ensure_runtime_dir(&self.runtime_dir)?;
        check_file(&self.config_file())?;
        Ok(())
    }
}

/// Makes sure `dir` is a directory of the user's own, creating it (and the
/// missing ones above it) with mode 0700. A link the user made to a
/// directory of theirs is accepted (dotfile managers make such links).
pub fn ensure_dir(dir: &Path) -> Result<(), PathError> {
    ensure(dir, false)
}

/// As `ensure_dir` for the directory of job sockets, which is stricter:
/// never a link, and always 0700 (it is tightened if it is looser), since
/// its sockets take input for shells.
pub fn ensure_runtime_dir(dir: &Path) -> Result<(), PathError> {
    ensure(dir, true)
}

/// The same checks on an existing socket directory, before connecting to a
/// socket in it: it may have been swapped since the process started.
pub fn check_runtime_dir(dir: &Path) -> Result<(), PathError> {
    check_existing_dir(dir, true)?;
    check_ancestors(dir)
}

fn ensure(dir: &Path, runtime: bool) -> Result<(), PathError> {
    match fs::symlink_metadata(dir) {
        Ok(_) => check_existing_dir(dir, runtime)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                if fs::symlink_metadata(parent).is_err() {
                    ensure(parent, false)?;
                }
            }
            match fs::DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => {}
                // Made meanwhile by someone: judged like any existing one.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(PathError::io(dir, e)),
            }
            check_existing_dir(dir, runtime)?;
        }
        Err(e) => return Err(PathError::io(dir, e)),
    }
    check_ancestors(dir)
}

/// Owner, type and mode of an existing directory (through a link of the
/// user's own, unless `runtime`).
fn check_existing_dir(dir: &Path, runtime: bool) -> Result<(), PathError> {
    let link = fs::symlink_metadata(dir).map_err(|e| PathError::io(dir, e))?;
    let meta = if link.file_type().is_symlink() {
        let target = fs::read_link(dir).unwrap_or_default();
        if runtime || link.uid() != me() {
            return Err(PathError::Symlink {
                path: dir.to_path_buf(),
                target,
                what: if runtime {
                    "socket directory"
                } else {
                    "directory (it is not yours)"
                },
            });
        }
        fs::metadata(dir).map_err(|e| PathError::io(dir, e))?
    } else {
        link
    };
    if !meta.is_dir() {
        return Err(PathError::Kind {
            path: dir.to_path_buf(),
            what: "directory",
        });
    }
    if meta.uid() != me() {
        return Err(PathError::Owner {
            path: dir.to_path_buf(),
            uid: meta.uid(),
            me: me(),
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if runtime && mode & 0o077 != 0 {
        // Ours, and nothing in it is anyone else's business: tighten.
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| PathError::io(dir, e))?;
    } else if others_can_write(&meta) {
        return Err(PathError::Writable {
            path: dir.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Writable by someone besides its owner: by others, or by a group that
/// is not the owner's own. As OpenSSH judges, a group-writable file is fine
/// when its group is the owner's private group (one member, the owner), as
/// systems with user private groups and umask 002 make them.
fn others_can_write(meta: &fs::Metadata) -> bool {
    let mode = meta.permissions().mode();
    if mode & 0o002 != 0 {
        return true;
    }
    mode & 0o020 != 0 && !private_group(meta.uid(), meta.gid())
}

fn private_group(uid: u32, gid: u32) -> bool {
    use nix::unistd::{Gid, Group, Uid, User};
    let (Ok(Some(user)), Ok(Some(group))) = (
        User::from_uid(Uid::from_raw(uid)),
        Group::from_gid(Gid::from_raw(gid)),
    ) else {
        return false;
    };
    // A user private group: named after the user, the user's primary group,
    // nobody else in it (listed as a member, or having it as their primary
    // group, as a shared `users` group has).
    let shared = std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .any(|l| {
            let f: Vec<&str> = l.split(':').collect();
            f.len() > 3 && f[3] == gid.to_string() && f[2] != uid.to_string()
        });
    group.name == user.name
        && user.gid.as_raw() == gid
        && group.mem.iter().all(|m| *m == user.name)
        && !shared
}

/// Every directory above `path` belongs to the user or root, and is
/// writable by others only with the sticky bit (as `/tmp` is), where
/// nobody can rename or remove another user's entries.
fn check_ancestors(path: &Path) -> Result<(), PathError> {
    let mut ancestor = path.parent();
    while let Some(dir) = ancestor.filter(|d| !d.as_os_str().is_empty()) {
        let bad = |why: String| PathError::Ancestor {
            path: path.to_path_buf(),
            ancestor: dir.to_path_buf(),
            why,
        };
        let link = fs::symlink_metadata(dir).map_err(|e| PathError::io(dir, e))?;
        if link.file_type().is_symlink() && link.uid() != me() && link.uid() != 0 {
            return Err(bad(format!("is a link owned by {}", who(link.uid()))));
        }
        let meta = fs::metadata(dir).map_err(|e| PathError::io(dir, e))?;
        if meta.uid() != me() && meta.uid() != 0 {
            return Err(bad(format!("is owned by {}", who(meta.uid()))));
        }
        let mode = meta.permissions().mode();
        if others_can_write(&meta) && mode & 0o1000 == 0 {
            return Err(bad(format!(
                "other users can write to (mode {:04o}); fix: chmod go-w '{}'",
                mode & 0o7777,
                dir.display()
            )));
        }
        ancestor = dir.parent();
    }
    Ok(())
}

/// A file that steers sessui (config, database): absent, or a regular file
/// of the user's own that nobody else may write. True if it exists.
pub fn check_file(path: &Path) -> Result<bool, PathError> {
    let link = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(PathError::io(path, e)),
    };
    let meta = if link.file_type().is_symlink() {
        if link.uid() != me() {
            return Err(PathError::Symlink {
                path: path.to_path_buf(),
                target: fs::read_link(path).unwrap_or_default(),
                what: "file (the link is not yours)",
            });
        }
        fs::metadata(path).map_err(|e| PathError::io(path, e))?
    } else {
        link
    };
    if !meta.is_file() {
        return Err(PathError::Kind {
            path: path.to_path_buf(),
            what: "regular file",
        });
    }
    if meta.uid() != me() {
        return Err(PathError::Owner {
            path: path.to_path_buf(),
            uid: meta.uid(),
            me: me(),
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if others_can_write(&meta) {
        return Err(PathError::Writable {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(true)
}

/// As `check_file`, and readable by the user alone from now on: a file that
/// holds commands and directories (the database) loses every bit for others.
pub fn check_private_file(path: &Path) -> Result<(), PathError> {
    if !check_file(path)? {
        return Ok(());
    }
    // Another process may remove the file meanwhile (SQLite deletes `-shm`
    // and `-wal` as the last connection closes): a file gone is nothing to
    // tighten.
    let gone = |e: &io::Error| e.kind() == io::ErrorKind::NotFound;
    let mode = match fs::metadata(path) {
        Ok(m) => m.permissions().mode(),
        Err(e) if gone(&e) => return Ok(()),
        Err(e) => return Err(PathError::io(path, e)),
    };
    if mode & 0o077 != 0 {
        // Only others' bits go: a file the user made read-only stays so
        // (sessui then says it cannot write, rather than undo the choice).
        match fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o700)) {
            Err(e) if !gone(&e) => return Err(PathError::io(path, e)),
            _ => {}
        }
    }
    Ok(())
}

/// Creates `dir` with mode 0700 (and tightens an existing one): sockets in it
/// accept input for a shell, so nobody else may even look. Kept for callers
/// that expect `io::Error`.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    ensure_runtime_dir(dir)
        .map_err(|e| io::Error::new(io::ErrorKind::PermissionDenied, e.to_string()))
}

/// Writes `bytes` to `path` readable by the user alone, via a temporary
/// file and a rename, so a reader never sees half of it.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes));
    match written.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Opens `path` for appending (a log), creating it readable by the user alone.
pub fn append_private(path: &Path) -> io::Result<fs::File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // A log made by an older sessui may be 0644.
    if file.metadata()?.permissions().mode() & 0o077 != 0 {
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private_tmp() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("paths")
            .tempdir_in("/tmp")
            .unwrap()
    }

    #[test]
    fn sessui_home_puts_everything_under_one_root() {
        let paths = Paths::under(Path::new("/x"));
        assert_eq!(paths.db_file(), Path::new("/x/sessions.db"));
        assert_eq!(paths.config_file(), Path::new("/x/config.toml"));
        assert!(paths.runtime_dir.starts_with("/x"));
        assert!(paths.jobs_dir().starts_with("/x"));
    }

    #[test]
    fn directories_are_made_0700_and_a_loose_socket_dir_is_tightened() {
        let tmp = private_tmp();
        let paths = Paths::under(&tmp.path().join("a/b"));
        paths.create_all().unwrap();
        for dir in [
            &paths.data_dir,
            &paths.state_dir,
            &paths.jobs_dir(),
            &paths.runtime_dir,
        ] {
            let mode = fs::metadata(dir).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", dir.display());
        }
        fs::set_permissions(&paths.runtime_dir, fs::Permissions::from_mode(0o755)).unwrap();
        paths.create_all().unwrap();
        let mode = fs::metadata(&paths.runtime_dir)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn writable_by_others_is_refused_with_the_fix() {
        let tmp = private_tmp();
        let root = tmp.path().join("home");
        fs::create_dir(&root).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o757)).unwrap();
        let err = Paths::under(&root).create_all().unwrap_err().to_string();
        assert!(
            err.contains(&format!("chmod go-w '{}'", root.display())),
            "{err}"
        );
        // a directory below a writable one is refused for its ancestor
        let below = root.join("s");
        fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
        fs::create_dir(&below).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o777)).unwrap();
        let err = ensure_dir(&below).unwrap_err().to_string();
        assert!(err.contains("lies inside"), "{err}");
    }

    #[test]
    fn links_are_followed_only_where_allowed() {
        let tmp = private_tmp();
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o700)).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        ensure_dir(&link).unwrap();
        let err = ensure_runtime_dir(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        let file = tmp.path().join("config.toml");
        assert!(!check_file(&file).unwrap());
        fs::write(&file, "").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(check_file(&file).is_err());
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        check_private_file(&file).unwrap();
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn tightening_a_read_only_file_keeps_it_read_only() {
        let tmp = private_tmp();
        let file = tmp.path().join("sessions.db");
        fs::write(&file, "").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o444)).unwrap();
        check_private_file(&file).unwrap();
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
    }

    #[test]
    fn group_writable_is_fine_only_for_the_owners_private_group() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("NOT RUN: needs root to give a file another group");
            return;
        }
        let tmp = private_tmp();
        let file = tmp.path().join("config.toml");
        fs::write(&file, "").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o664)).unwrap();
        // root's own group (as a user private group would be) may write
        std::os::unix::fs::chown(&file, Some(0), Some(0)).unwrap();
        assert!(check_file(&file).is_ok());
        // a group others share (Debian's `users`, gid 100) may not
        std::os::unix::fs::chown(&file, Some(0), Some(100)).unwrap();
        let err = check_file(&file).unwrap_err().to_string();
        assert!(err.contains("chmod go-w"), "{err}");
    }

    #[test]
    fn private_writes_are_0600_and_whole() {
        let tmp = private_tmp();
        let path = tmp.path().join("x.json");
        write_private(&path, b"{}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let log = tmp.path().join("x.log");
        fs::write(&log, "old\n").unwrap();
        fs::set_permissions(&log, fs::Permissions::from_mode(0o644)).unwrap();
        append_private(&log).unwrap();
        assert_eq!(
            fs::metadata(&log).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
