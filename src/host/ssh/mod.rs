//! Hosts reached over SSH (russh): one connection per host shared by all its
//! sessions, kept up by a supervisor task that reconnects with backoff.
//!
//! Over the connection, `sessui agent` (our own binary, deployed on first use)
//! is the control endpoint: it starts jobs and says where their sockets are.
//! Each view opens a direct-streamlocal channel to its job's socket (no extra
//! process on the host per view). Where sshd refuses that forwarding
//! (`DisableForwarding`, `AllowStreamLocalForwarding no`, common hardening),
//! the first refusal switches the host to an exec channel running
//! `sessui agent attach JOB`, a stdio bridge to the socket, for the rest of
//! that connection.

mod agent_link;
mod algorithms;
mod auth;
mod client;
mod connect;
mod deploy;
pub mod dest;
mod error;
mod gate;
mod known_hosts;
mod network;
mod pump;
mod ssh_config;
mod supervisor;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use deploy::Exe;
#[cfg(feature = "test-hooks")]
pub use deploy::{REMOTE_BIN_DIR, identify};
pub use supervisor::SshHost;

use crate::config::Config;
use crate::duration::Timeout;
use crate::host::{Host, HostFactory, Prompter};
use crate::paths::Paths;

/// What every SSH host of one sessui process shares.
#[derive(Clone)]
pub struct Settings {
    pub tuning: connect::Tuning,
    pub remote_idle: Timeout,
    /// `ssh.remote_path`: a binary installed by hand instead of uploading ours.
    pub remote_path: String,
    /// Keeps this installation's remote job records apart from other machines'.
    pub client_id: String,
    /// The executable to upload (our own, or the one tests name).
    pub exe: PathBuf,
    /// Where the executable's hash is cached.
    pub exe_cache: PathBuf,
    /// The config file, named in messages that point at a setting.
    pub config_file: PathBuf,
    pub prompter: Arc<dyn Prompter>,
    /// Computed once per process, on the first connection that needs it.
    pub exe_identity: Arc<tokio::sync::OnceCell<Exe>>,
}

/// Makes SSH hosts for the manager when a session first needs one.
pub struct SshFactory {
    settings: Settings,
}

impl SshFactory {
    pub fn new(paths: &Paths, config: &Config, prompter: Arc<dyn Prompter>) -> SshFactory {
        let ssh = &config.ssh;
        let config_file = (!ssh.config_file.is_empty()).then(|| PathBuf::from(&ssh.config_file));
        SshFactory {
            settings: Settings {
                tuning: connect::Tuning {
                    keepalive_interval: ssh.keepalive_interval.max(Duration::from_millis(100)),
                    keepalive_max: ssh.keepalive_max.max(1),
                    connect_timeout: ssh.connect_timeout.max(Duration::from_secs(1)),
                    config_file,
                    forward_agent: ssh.forward_agent,
                },
                remote_idle: ssh.remote_idle,
                remote_path: ssh.remote_path.clone(),
                client_id: client_id(paths),
                exe: crate::job::self_exe(),
                exe_cache: paths.state_dir.join("exe-sha256.json"),
                config_file: paths.config_file(),
                prompter,
                exe_identity: Arc::new(tokio::sync::OnceCell::new()),
            },
        }
    }

    /// Uploads another sessui executable (tests run the library from their own binary).
    #[cfg(feature = "test-hooks")]
    pub fn with_exe(mut self, exe: PathBuf) -> SshFactory {
        self.settings.exe = exe;
        self
    }
}

impl HostFactory for SshFactory {
    fn make(&self, name: &str) -> Result<Arc<dyn Host>, String> {
        dest::parse_destination(name).map_err(|e| e.to_string())?;
        Ok(Arc::new(SshHost::new(name, self.settings.clone())))
    }
}

/// This installation's id, made once and kept in the data directory.
fn client_id(paths: &Paths) -> String {
    let file = paths.data_dir.join("client-id");
    if let Ok(id) = std::fs::read_to_string(&file) {
        let id = id.trim().to_string();
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return id;
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    if let Err(e) = crate::paths::write_private(&file, id.as_bytes()) {
        tracing::warn!(
            "cannot save {}: {e}; remote jobs will be this process's only",
            file.display()
        );
    }
    id
}
