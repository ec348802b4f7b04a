//! What can go wrong on the way to a remote host, one variant per step, so a
//! message says which step failed and why (DNS, refused, timeout, auth, host key).

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error("invalid destination '{0}': {1}")]
    Destination(String, String),
    #[error("cannot read {path}: {message}")]
    Config { path: String, message: String },
    #[error("DNS lookup failed: {0}")]
    Resolve(String),
    #[error("connection refused (is sshd running on that port?)")]
    Refused,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("timed out after {} s while {step}", after.as_secs())]
    Timeout { step: String, after: Duration },
    #[error("SSH handshake failed: {0}")]
    Handshake(String),
    #[error(
        "the host key is not known ({key_type} {fingerprint}) and was not accepted{why}; \
         to trust it run `sessui --accept-new-host-key ...` once, or add it with \
         `ssh {destination}`"
    )]
    HostKeyNotAccepted {
        key_type: String,
        fingerprint: String,
        destination: String,
        why: String,
    },
    #[error(
        "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The {key_type} host key is now \
         {fingerprint}, but {file} line {line} holds another one. Someone could be eavesdropping \
         on you right now (man-in-the-middle attack), or the host key was just changed. \
         sessui refuses to connect; if the change is expected, remove that line \
         (`ssh-keygen -R '{known_as}' -f {file}`) and connect again"
    )]
    HostKeyChanged {
        key_type: String,
        fingerprint: String,
        file: String,
        line: usize,
        known_as: String,
    },
    #[error("{0}")]
    HostKeyTypeChanged(Box<TypeChange>),
    #[error(
        "the host key is not known ({key_type} {fingerprint}) and StrictHostKeyChecking is \
         yes for this host, so it is never learned here: add it to known_hosts yourself \
         (for instance by checking it and connecting once with `ssh {destination}`)"
    )]
    HostKeyStrict {
        key_type: String,
        fingerprint: String,
        destination: String,
    },
    #[error("cannot update {file}: {message}")]
    KnownHostsWrite { file: String, message: String },
    #[error("authentication failed; tried: {tried}{accepts}")]
    Auth { tried: String, accepts: String },
    #[error("{0}")]
    Deploy(String),
    #[error(
        "the remote host runs {remote}, this sessui is built for {local}: install sessui {version} \
         built for {remote} on that host and set `ssh.remote_path` in {config} to its path"
    )]
    Platform {
        remote: String,
        local: String,
        version: String,
        config: String,
    },
    #[error("cannot start sessui on the remote host: {0}")]
    Agent(String),
    #[error("{0}")]
    Channel(String),
    #[error("connection lost: {0}")]
    Lost(String),
}

impl SshError {
    /// Errors that retrying cannot fix without a person acting (a key, a
    /// password, an install); the host waits for `retry_now` instead.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            SshError::Destination(..)
                | SshError::Config { .. }
                | SshError::HostKeyNotAccepted { .. }
                | SshError::HostKeyChanged { .. }
                | SshError::HostKeyTypeChanged(_)
                | SshError::HostKeyStrict { .. }
                | SshError::KnownHostsWrite { .. }
                | SshError::Auth { .. }
                | SshError::Platform { .. }
        )
    }
}

/// A known host offering a key of a type it is not known by.
#[derive(Debug, thiserror::Error)]
#[error(
    "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The server now offers a {key_type} \
     host key ({fingerprint}), but {file} line {line} holds its {recorded} key and no \
     {key_type} key: the host is known, and this is not one of its keys. Someone could be \
     eavesdropping on you right now (man-in-the-middle attack), or the host's keys were \
     just replaced. sessui refuses to connect; if the change is expected, remove the \
     host's lines (`ssh-keygen -R '{known_as}' -f {file}`) and connect again"
)]
pub struct TypeChange {
    pub key_type: String,
    pub fingerprint: String,
    pub recorded: String,
    pub file: String,
    pub line: usize,
    pub known_as: String,
}

/// An error with the context of the host it happened on:
/// "connecting to 'db1' (10.0.0.5:22): authentication failed; tried: ...".
#[derive(Debug, thiserror::Error)]
#[error("connecting to '{host}' ({addr}): {source}")]
pub struct HostFailure {
    pub host: String,
    pub addr: String,
    #[source]
    pub source: SshError,
}
