//! One SSH connection up to the point it is usable: DNS, TCP (or a hop through
//! ProxyJump hosts over direct-tcpip), handshake, host key check, login.
//! Each step has a deadline and says what failed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};
use tokio::time::Instant;

pub use super::client::{Client, Lost};
use super::dest::{self, Target};
use super::error::SshError;
use super::known_hosts;
use crate::host::Prompter;

/// ProxyJump chains longer than this are surely a loop in the config.
const MAX_HOPS: usize = 8;

/// How a connection is tuned: keepalives and how long each step may take.
#[derive(Debug, Clone)]
pub struct Tuning {
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    pub connect_timeout: Duration,
    pub config_file: Option<std::path::PathBuf>,
    /// sessui's `ssh.forward_agent`: forward the agent to hosts whose ssh
    /// config says nothing of `ForwardAgent`.
    pub forward_agent: bool,
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
    let files = t.known_hosts_files();
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
        forward_agent: t.forwarded_agent(tuning.forward_agent),
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
            prompter.warn(&t.label(), w).await;
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
