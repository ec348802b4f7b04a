//! One SSH connection up to the point it is usable: DNS, TCP (or a hop through
//! ProxyJump hosts over direct-tcpip), handshake, host key check, login.
//! Each step has a deadline and says what failed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, DisconnectReason, Handle};
use russh::keys::{HashAlg, PublicKeyOrCertificate};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::dest::{self, Strict, Target};
use super::error::{SshError, TypeChange};
use super::known_hosts::{self, KeyStatus};
use crate::host::Prompter;

/// How long a learned key waits for another process's lock on known_hosts.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// ProxyJump chains longer than this are surely a loop in the config.
const MAX_HOPS: usize = 8;

/// How a connection is tuned: keepalives and how long each step may take.
#[derive(Debug, Clone)]
pub struct Tuning {
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    pub connect_timeout: Duration,
    pub config_file: Option<std::path::PathBuf>,
}

/// russh's handler: checks the host key and notices the end of the connection.
pub struct Client {
    target: Target,
    prompter: Arc<dyn Prompter>,
    prompting: Arc<AtomicBool>,
    /// Why the host key was refused, for a better message than russh's.
    verdict: Arc<Mutex<Option<SshError>>>,
    lost: Lost,
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
        let files: Vec<std::path::PathBuf> = t
            .known_hosts
            .iter()
            .chain(&t.global_known_hosts)
            .cloned()
            .collect();
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
                            .confirm_host_key(&t.alias, &key_type, &fingerprint)
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

/// A logged-in connection and the hops it runs through.
pub struct Session {
    pub handle: Handle<Client>,
    /// Jump host connections: held (never read) so they stay open as long as the session.
    #[allow(dead_code)]
    pub hops: Vec<Handle<Client>>,
    pub lost: Lost,
}

/// Connects and logs in to `target`, through its ProxyJump hosts if any.
/// `step` is told what is happening, for the progress display.
pub async fn open(
    target: &Target,
    tuning: &Tuning,
    prompter: Arc<dyn Prompter>,
    step: &(dyn Fn(String) + Send + Sync),
) -> Result<Session, SshError> {
    let mut hops: Vec<Handle<Client>> = Vec::new();
    let mut hop_targets = Vec::new();
    for jump in &target.proxy_jump {
        let d = dest::parse_destination(jump)?;
        let file = tuning.config_file.clone();
        let mut t = tokio::task::spawn_blocking(move || dest::resolve(&d, file.as_deref()))
            .await
            .map_err(|e| SshError::Config {
                path: "ssh config".into(),
                message: e.to_string(),
            })??;
        // The chain is the outer host's; a hop's own ProxyJump is not followed.
        t.proxy_jump.clear();
        hop_targets.push(t);
    }
    if hop_targets.len() > MAX_HOPS {
        return Err(SshError::Config {
            path: "ssh config".into(),
            message: format!("ProxyJump chain longer than {MAX_HOPS} hosts"),
        });
    }
    for t in hop_targets.iter() {
        step(format!("connecting to jump host {}", t.addr()));
        let hop = async {
            match hops.last() {
                None => login(t, tuning, prompter.clone(), tcp(t, tuning).await?, step).await,
                Some(prev) => {
                    login(t, tuning, prompter.clone(), tunnel(prev, t).await?, step).await
                }
            }
        };
        let s = hop.await.map_err(|e| hop_error(t, e))?;
        tracing::info!("logged in to jump host '{}' ({})", t.alias, t.addr());
        hops.push(s.handle);
    }
    step(format!("connecting to {}", target.addr()));
    let session = match hops.last() {
        None => login(target, tuning, prompter, tcp(target, tuning).await?, step).await?,
        Some(prev) => login(target, tuning, prompter, tunnel(prev, target).await?, step).await?,
    };
    Ok(Session {
        handle: session.handle,
        hops,
        lost: session.lost,
    })
}

fn hop_error(t: &Target, e: SshError) -> SshError {
    SshError::Connect(format!(
        "through jump host '{}' ({}): {e}",
        t.alias,
        t.addr()
    ))
}

/// DNS, then TCP to each address in turn.
async fn tcp(t: &Target, tuning: &Tuning) -> Result<tokio::net::TcpStream, SshError> {
    let limit = t.connect_timeout.unwrap_or(tuning.connect_timeout);
    let addrs: Vec<std::net::SocketAddr> = match tokio::time::timeout(
        limit,
        tokio::net::lookup_host((t.host_name.as_str(), t.port)),
    )
    .await
    {
        Err(_) => {
            return Err(SshError::Timeout {
                step: format!("looking up '{}'", t.host_name),
                after: limit,
            });
        }
        Ok(Err(e)) => return Err(SshError::Resolve(format!("'{}': {e}", t.host_name))),
        Ok(Ok(a)) => a.collect(),
    };
    let mut last = SshError::Resolve(format!("'{}' has no address", t.host_name));
    for addr in addrs {
        match tokio::time::timeout(limit, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = SshError::Refused
            }
            Ok(Err(e)) => last = SshError::Connect(format!("{addr}: {e}")),
            Err(_) => {
                last = SshError::Timeout {
                    step: format!("connecting to {addr}"),
                    after: limit,
                }
            }
        }
    }
    Err(last)
}

/// A byte stream to `t` through an already logged-in hop (ProxyJump).
async fn tunnel(
    hop: &Handle<Client>,
    t: &Target,
) -> Result<russh::ChannelStream<client::Msg>, SshError> {
    let ch = hop
        .channel_open_direct_tcpip(t.host_name.clone(), u32::from(t.port), "127.0.0.1", 0)
        .await
        .map_err(|e| SshError::Connect(format!("the jump host cannot reach {}: {e}", t.addr())))?;
    // russh's session task reads this stream without pause, so it is drained.
    Ok(ch.into_stream())
}

/// Handshake and login over `stream`.
async fn login<S>(
    t: &Target,
    tuning: &Tuning,
    prompter: Arc<dyn Prompter>,
    stream: S,
    step: &(dyn Fn(String) + Send + Sync),
) -> Result<Session, SshError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    warn_once(&*prompter, t).await;
    // The key types on record for the host go first in the handshake.
    let files: Vec<std::path::PathBuf> = t
        .known_hosts
        .iter()
        .chain(&t.global_known_hosts)
        .cloned()
        .collect();
    let name = t.host_key_name.clone();
    let recorded = tokio::task::spawn_blocking(move || known_hosts::lookup(&files, &name))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|r| known_hosts::recorded_types(&r))
        .unwrap_or_default();
    let preferred = super::algorithms::preferred(&t.algorithms, &recorded)?;
    let config = Arc::new(client::Config {
        keepalive_interval: Some(t.keepalive_interval.unwrap_or(tuning.keepalive_interval)),
        keepalive_max: t.keepalive_max.unwrap_or(tuning.keepalive_max),
        nodelay: true,
        inactivity_timeout: None,
        preferred,
        ..Default::default()
    });
    let prompting = Arc::new(AtomicBool::new(false));
    let verdict = Arc::new(Mutex::new(None));
    let lost = Lost::default();
    let handler = Client {
        target: t.clone(),
        prompter: prompter.clone(),
        prompting: prompting.clone(),
        verdict: verdict.clone(),
        lost: lost.clone(),
    };
    let limit = t.connect_timeout.unwrap_or(tuning.connect_timeout);
    let handshake = within(
        client::connect_stream(config, stream, handler),
        limit,
        &prompting,
        "in the SSH handshake",
    )
    .await?;
    let mut handle = match handshake {
        Ok(h) => h,
        Err(e) => {
            if let Some(why) = verdict.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return Err(why);
            }
            if let russh::Error::NoCommonAlgo { kind, ours, theirs } = &e {
                return Err(SshError::Handshake(super::algorithms::no_common(
                    kind, ours, theirs,
                )));
            }
            return Err(SshError::Handshake(e.to_string()));
        }
    };
    step(format!("authenticating as {}", t.user));
    within(
        super::auth::authenticate(&mut handle, t, &*prompter, &prompting),
        limit,
        &prompting,
        "authenticating",
    )
    .await??;
    Ok(Session {
        handle,
        hops: Vec::new(),
        lost,
    })
}

/// Shows the config's security settings that sessui does not honour, once
/// per process and host (a reconnect does not repeat them).
async fn warn_once(prompter: &dyn Prompter, t: &Target) {
    static SHOWN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    for w in &t.warnings {
        let new = {
            let mut shown = SHOWN.lock().unwrap_or_else(|p| p.into_inner());
            let key = format!("{}\0{w}", t.alias);
            !shown.contains(&key) && {
                shown.push(key);
                true
            }
        };
        if new {
            prompter.warn(&t.alias, w).await;
        }
    }
}

/// Runs `fut` with a deadline that does not count time spent waiting for a
/// person to answer a prompt.
async fn within<F: Future>(
    fut: F,
    limit: Duration,
    prompting: &AtomicBool,
    step: &str,
) -> Result<F::Output, SshError> {
    tokio::pin!(fut);
    let mut deadline = Instant::now() + limit;
    loop {
        tokio::select! {
            out = &mut fut => return Ok(out),
            _ = tokio::time::sleep_until(deadline) => {
                if prompting.load(Ordering::SeqCst) {
                    deadline = Instant::now() + limit;
                    continue;
                }
                return Err(SshError::Timeout { step: step.to_string(), after: limit });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_deadline_waits_while_a_person_is_asked() {
        let limit = Duration::from_millis(50);
        let slow = tokio::time::sleep(Duration::from_millis(200));
        let asking = AtomicBool::new(false);
        let err = within(slow, limit, &asking, "testing").await.unwrap_err();
        assert!(err.to_string().contains("while testing"), "{err}");
        let asking = AtomicBool::new(true);
        let slow = tokio::time::sleep(Duration::from_millis(200));
        assert!(within(slow, limit, &asking, "testing").await.is_ok());
    }
}
