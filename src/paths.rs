//! Where sessui keeps its files: database, logs, config, job records and sockets.
//! `SESSUI_HOME` puts everything under one directory (tests use it); otherwise XDG.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
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

impl Paths {
    /// Resolves the directories from the environment without creating them.
    pub fn from_env() -> io::Result<Paths> {
        if let Some(home) = std::env::var_os("SESSUI_HOME").filter(|h| !h.is_empty()) {
            return Ok(Paths::under(Path::new(&home)));
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

    /// Creates every directory, the private ones with mode 0700.
    pub fn create_all(&self) -> io::Result<()> {
        for dir in [&self.data_dir, &self.state_dir, &self.config_dir] {
            fs::create_dir_all(dir)?;
        }
        for dir in [self.log_dir(), self.jobs_dir(), self.runtime_dir.clone()] {
            create_private_dir(&dir)?;
        }
        Ok(())
    }
}

/// Creates `dir` with mode 0700 (and tightens an existing one): sockets in it
/// accept input for a shell, so nobody else may even look.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = fs::metadata(dir)?;
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessui_home_puts_everything_under_one_root() {
        let paths = Paths::under(Path::new("/x"));
        assert_eq!(paths.db_file(), Path::new("/x/sessions.db"));
        assert_eq!(paths.config_file(), Path::new("/x/config.toml"));
        assert!(paths.runtime_dir.starts_with("/x"));
        assert!(paths.jobs_dir().starts_with("/x"));
    }

    #[test]
    fn private_dirs_are_0700() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&dir).unwrap();
        let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
