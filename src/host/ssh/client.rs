//! russh's handler for every connection sessui opens: it checks the host
//! key against known_hosts (asking the user when told to) and notices when
//! the connection ends. Shared by connecting and logging in.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, DisconnectReason};
use russh::keys::{HashAlg, PublicKeyOrCertificate};

use tokio_util::sync::CancellationToken;

use super::dest::{self, Strict, Target};
use super::error::{SshError, TypeChange};
use super::known_hosts::{self, KeyStatus};
use crate::host::Prompter;

/// How long a learned key waits for another process's lock on known_hosts.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// russh's handler: checks the host key and notices the end of the connection.
pub struct Client {
    pub(super) target: Target,
    pub(super) prompter: Arc<dyn Prompter>,
    pub(super) prompting: Arc<AtomicBool>,
    /// Why the host key was refused, for a better message than russh's.
    pub(super) verdict: Arc<Mutex<Option<SshError>>>,
    pub(super) lost: Lost,
    /// The local agent socket the server may reach through this
    /// connection (`ForwardAgent`); `None` refuses it.
    pub(super) forward_agent: Option<std::path::PathBuf>,
}

/// Fires when the connection ends, with the reason.
#[derive(Clone, Default)]
pub struct Lost {
    pub token: CancellationToken,
    pub reason: Arc<Mutex<Option<String>>>,
}

impl Lost {
    fn set(&self, why: String) {
        let mut r = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        if r.is_none() {
            *r = Some(why);
        }
        self.token.cancel();
    }

    pub fn reason(&self) -> String {
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| "the connection closed".into())
    }
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            self.refuse(SshError::Handshake(
                "the server offered a host certificate, which sessui does not check".into(),
            ));
            return Ok(false);
        };
        let key = key.clone();
        let t = &self.target;
        let files = t.known_hosts_files();
        let name = t.host_key_name.clone();
        let status = tokio::task::spawn_blocking(move || known_hosts::lookup(&files, &name))
            .await
            .map_err(|e| russh::Error::IO(std::io::Error::other(e.to_string())))?
            .map(|recorded| known_hosts::judge(&recorded, &key));
        let key_type = key.algorithm().as_str().to_string();
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let learn_file = t.known_hosts.first().cloned();
        let shown = |f: &std::path::Path| dest::tilde(f);
        match status {
            Ok(KeyStatus::Known) => Ok(true),
            Ok(KeyStatus::Changed { file, line }) => {
                self.refuse(SshError::HostKeyChanged {
                    key_type,
                    fingerprint,
                    file: shown(&file),
                    line,
                    known_as: t.host_key_name.clone(),
                });
                Ok(false)
            }
            Ok(KeyStatus::OtherTypes {
                file,
                line,
                key_type: recorded,
            }) => {
                // Known by another key type, and this is none of its keys:
                // a changed identity, never a first visit to ask about.
                self.refuse(SshError::HostKeyTypeChanged(Box::new(TypeChange {
                    key_type,
                    fingerprint,
                    recorded,
                    file: shown(&file),
                    line,
                    known_as: t.host_key_name.clone(),
                })));
                Ok(false)
            }
            Ok(KeyStatus::Revoked { file, line }) => {
                self.refuse(SshError::HostKeyNotAccepted {
                    key_type,
                    fingerprint,
                    destination: t.alias.clone(),
                    why: format!(": it is marked @revoked in {} line {line}", shown(&file)),
                });
                Ok(false)
            }
            Err(e) => {
                self.refuse(SshError::KnownHostsWrite {
                    file: t.known_hosts.first().map(|f| shown(f)).unwrap_or_default(),
                    message: format!("cannot read it: {e}"),
                });
                Ok(false)
            }
            Ok(KeyStatus::Unknown) => {
                let yes = match t.strict {
                    Strict::Yes => {
                        self.refuse(SshError::HostKeyStrict {
                            key_type,
                            fingerprint,
                            destination: t.alias.clone(),
                        });
                        return Ok(false);
                    }
                    Strict::AcceptNew => true,
                    // BatchMode: nobody may be asked.
                    Strict::Ask if t.batch_mode => false,
                    Strict::Ask => {
                        self.prompting.store(true, Ordering::SeqCst);
                        let yes = self
                            .prompter
                            .confirm_host_key(&t.label(), &key_type, &fingerprint)
                            .await;
                        self.prompting.store(false, Ordering::SeqCst);
                        yes
                    }
                };
                if !yes {
                    self.refuse(SshError::HostKeyNotAccepted {
                        key_type,
                        fingerprint,
                        destination: t.alias.clone(),
                        why: String::new(),
                    });
                    return Ok(false);
                }
                let Some(path) = learn_file else {
                    self.refuse(SshError::KnownHostsWrite {
                        file: "UserKnownHostsFile none".into(),
                        message: "no file to record the key in".into(),
                    });
                    return Ok(false);
                };
                let file = shown(&path);
                let (name, hash) = (t.host_key_name.clone(), t.hash_known_hosts);
                let learning = tokio::task::spawn_blocking(move || {
                    known_hosts::learn(&path, &name, &key, hash)
                });
                let learned = match tokio::time::timeout(LOCK_WAIT, learning).await {
                    Ok(Ok(r)) => r.map_err(|e| e.to_string()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err(format!(
                        "another process held its lock for {} s",
                        LOCK_WAIT.as_secs()
                    )),
                };
                match learned {
                    Ok(()) => {
                        tracing::info!(host = %t.alias, "added {key_type} {fingerprint} to {file}");
                        Ok(true)
                    }
                    Err(message) => {
                        self.refuse(SshError::KnownHostsWrite { file, message });
                        Ok(false)
                    }
                }
            }
        }
    }

    /// The remote side uses our agent (`ForwardAgent`): each channel it
    /// opens is joined to the local agent socket; refused if not asked for,
    /// or if the agent cannot be reached (the program there is told at once).
    async fn server_channel_open_agent_forward(
        &mut self,
        channel: russh::Channel<client::Msg>,
        reply: client::ChannelOpenHandle,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        let Some(path) = self.forward_agent.clone() else {
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        };
        let mut local = match tokio::net::UnixStream::connect(&path).await {
            Ok(local) => local,
            Err(e) => {
                tracing::info!("cannot reach the local agent {}: {e}", path.display());
                reply.reject(russh::ChannelOpenFailure::ConnectFailed).await;
                return Ok(());
            }
        };
        reply.accept().await;
        // Its own task, always reading: an unread channel stalls the
        // whole connection.
        tokio::spawn(async move {
            let mut remote = channel.into_stream();
            let _ = tokio::io::copy_bidirectional(&mut local, &mut remote).await;
        });
        Ok(())
    }

    async fn disconnected(
        &mut self,
        reason: DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        match reason {
            DisconnectReason::ReceivedDisconnect(info) => {
                self.lost.set(format!(
                    "the server closed the connection: {}",
                    info.message
                ));
                Ok(())
            }
            DisconnectReason::Error(e) => {
                let why = match &e {
                    russh::Error::KeepaliveTimeout => {
                        "no answer to keepalives (network down or host asleep)".to_string()
                    }
                    russh::Error::IO(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                        "the connection was closed by the other end".to_string()
                    }
                    other => other.to_string(),
                };
                self.lost.set(why);
                Err(e)
            }
        }
    }
}

impl Client {
    fn refuse(&self, e: SshError) {
        *self.verdict.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
    }
}
