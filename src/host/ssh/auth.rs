//! User authentication in OpenSSH's order: agent keys, identity files
//! (asking for passphrases), keyboard-interactive, password. Secrets go from
//! the prompter straight to the server; they are never logged or kept.
//!
//! Every question says whose it is: a passphrase for a local key stays on
//! this machine, while the server's own questions (keyboard-interactive)
//! are labelled as the server's and shown escaped, so a server cannot pose
//! as sessui asking for a local secret.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use russh::client::{AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKey};
use russh::{MethodKind, MethodSet};

use super::client::Client;
use super::dest::{AgentChoice, Target, tilde};
use super::error::SshError;
use crate::host::Prompter;

/// Passphrase and password prompts each get this many tries, as with OpenSSH.
const TRIES: usize = 3;
/// Keyboard-interactive rounds before we give up on a server that keeps asking.
const MAX_ROUNDS: usize = 10;

struct Attempts {
    tried: Vec<String>,
    notes: Vec<String>,
    methods: MethodSet,
}

/// Logs `target.user` in, or fails listing what was tried.
pub async fn authenticate(
    handle: &mut Handle<Client>,
    target: &Target,
    prompter: &dyn Prompter,
    prompting: &AtomicBool,
) -> Result<(), SshError> {
    let lost = |e: russh::Error| SshError::Lost(format!("during authentication: {e}"));
    let user = target.user.clone();
    let methods = match handle.authenticate_none(&user).await.map_err(lost)? {
        AuthResult::Success => return Ok(()),
        AuthResult::Failure {
            remaining_methods, ..
        } => remaining_methods,
    };
    let mut a = Attempts {
        tried: Vec::new(),
        notes: Vec::new(),
        methods,
    };
    let ask = |prompt: String, echo: bool| async move {
        // BatchMode: nobody may be asked.
        if target.batch_mode {
            return None;
        }
        prompting.store(true, Ordering::SeqCst);
        let answer = prompter.ask(&target.label(), &prompt, echo).await;
        prompting.store(false, Ordering::SeqCst);
        answer
    };
    let allowed = target.methods;
    if !allowed.publickey {
        a.methods.remove(MethodKind::PublicKey);
    }
    if !allowed.keyboard_interactive {
        a.methods.remove(MethodKind::KeyboardInteractive);
    }
    if !allowed.password {
        a.methods.remove(MethodKind::Password);
    }
    let server = server_label(target);

    if a.methods.contains(&MethodKind::PublicKey) {
        let rsa_hash = handle
            .best_supported_rsa_hash()
            .await
            .ok()
            .flatten()
            .flatten();
        let wanted: Vec<PublicKey> = target
            .identity_files
            .iter()
            .filter_map(|p| russh::keys::load_public_key(pub_path(p)).ok())
            .collect();
        let mut offered: Vec<PublicKey> = Vec::new();
        if try_agent(handle, target, rsa_hash, &wanted, &mut offered, &mut a).await? {
            return Ok(());
        }
        for path in &target.identity_files {
            if !a.methods.contains(&MethodKind::PublicKey) {
                break;
            }
            if !path.exists() {
                continue;
            }
            let shown = tilde(path);
            if let Ok(public) = russh::keys::load_public_key(pub_path(path))
                && offered.iter().any(|k| k.key_data() == public.key_data())
            {
                continue;
            }
            let Some(key) = load_key(path, &shown, &ask, &mut a).await else {
                continue;
            };
            let key = PrivateKeyWithHashAlg::new(Arc::new(key), rsa_hash);
            match handle
                .authenticate_publickey(&user, key)
                .await
                .map_err(lost)?
            {
                AuthResult::Success => return Ok(()),
                AuthResult::Failure {
                    remaining_methods, ..
                } => {
                    a.tried.push(format!("publickey ({shown})"));
                    a.methods = remaining_methods;
                }
            }
        }
    }

    if a.methods.contains(&MethodKind::KeyboardInteractive) {
        let mut reply = handle
            .authenticate_keyboard_interactive_start(&user, None)
            .await
            .map_err(lost)?;
        let mut outcome = "keyboard-interactive".to_string();
        for _ in 0..MAX_ROUNDS {
            match reply {
                KeyboardInteractiveAuthResponse::Success => return Ok(()),
                KeyboardInteractiveAuthResponse::Failure {
                    remaining_methods, ..
                } => {
                    a.methods = remaining_methods;
                    break;
                }
                KeyboardInteractiveAuthResponse::InfoRequest {
                    instructions,
                    prompts,
                    ..
                } => {
                    let mut answers = Vec::with_capacity(prompts.len());
                    // The server's words, labelled as its own and unable to
                    // act on the terminal.
                    let says = if instructions.trim().is_empty() {
                        String::new()
                    } else {
                        format!(
                            "server {server} says: {}\n",
                            crate::text::ingest(instructions.trim(), 500)
                        )
                    };
                    for p in &prompts {
                        let question = format!(
                            "{says}server {server} asks: {}",
                            crate::text::ingest(&p.prompt, 200)
                        );
                        match ask(question, p.echo).await {
                            Some(ans) => answers.push(ans),
                            None => break,
                        }
                    }
                    if answers.len() < prompts.len() {
                        outcome = "keyboard-interactive (nobody could answer)".into();
                        break;
                    }
                    reply = handle
                        .authenticate_keyboard_interactive_respond(answers)
                        .await
                        .map_err(lost)?;
                }
            }
        }
        a.tried.push(outcome);
    }

    if a.methods.contains(&MethodKind::Password) {
        let mut outcome = "password (nobody could be asked)".to_string();
        for _ in 0..TRIES {
            let Some(password) = ask(
                format!("password for {server} (sent to that server): "),
                false,
            )
            .await
            else {
                break;
            };
            outcome = "password".into();
            match handle
                .authenticate_password(&user, password)
                .await
                .map_err(lost)?
            {
                AuthResult::Success => return Ok(()),
                AuthResult::Failure {
                    remaining_methods, ..
                } => {
                    a.methods = remaining_methods;
                    if !a.methods.contains(&MethodKind::Password) {
                        break;
                    }
                }
            }
        }
        a.tried.push(outcome);
    }

    let mut tried = if a.tried.is_empty() {
        "nothing the server accepts".to_string()
    } else {
        a.tried.join(", ")
    };
    for note in &a.notes {
        tried.push_str("; ");
        tried.push_str(note);
    }
    let accepts: Vec<&str> = a.methods.iter().map(<&str>::from).collect();
    Err(SshError::Auth {
        tried,
        accepts: if accepts.is_empty() {
            String::new()
        } else {
            format!("; the server accepts: {}", accepts.join(","))
        },
    })
}

/// Offers the agent's keys (only those named by IdentityFile when
/// IdentitiesOnly is set). True once one is accepted.
async fn try_agent(
    handle: &mut Handle<Client>,
    target: &Target,
    rsa_hash: Option<HashAlg>,
    wanted: &[PublicKey],
    offered: &mut Vec<PublicKey>,
    a: &mut Attempts,
) -> Result<bool, SshError> {
    let connected = match &target.agent {
        AgentChoice::None => {
            a.notes.push("no ssh-agent (IdentityAgent none)".into());
            return Ok(false);
        }
        AgentChoice::Env if std::env::var_os("SSH_AUTH_SOCK").is_none_or(|s| s.is_empty()) => {
            a.notes
                .push("no ssh-agent (SSH_AUTH_SOCK is not set)".into());
            return Ok(false);
        }
        AgentChoice::Env => AgentClient::connect_env().await,
        AgentChoice::Socket(path) => AgentClient::connect_uds(path).await,
    };
    let mut agent = match connected {
        Ok(agent) => agent,
        Err(e) => {
            a.notes.push(format!("ssh-agent unreachable ({e})"));
            return Ok(false);
        }
    };
    let identities = match agent.request_identities().await {
        Ok(ids) => ids,
        Err(e) => {
            a.notes
                .push(format!("ssh-agent did not list its keys ({e})"));
            return Ok(false);
        }
    };
    if identities.is_empty() {
        a.notes.push("ssh-agent holds no keys".into());
    }
    for id in identities {
        let public = id.public_key().into_owned();
        if target.identities_only && !wanted.iter().any(|w| w.key_data() == public.key_data()) {
            continue;
        }
        if !a.methods.contains(&MethodKind::PublicKey) {
            break;
        }
        let hash = if public.algorithm().is_rsa() {
            rsa_hash
        } else {
            None
        };
        let label = if id.comment().is_empty() {
            public.fingerprint(HashAlg::Sha256).to_string()
        } else {
            id.comment().to_string()
        };
        offered.push(public.clone());
        match handle
            .authenticate_publickey_with(&target.user, public, hash, &mut agent)
            .await
        {
            Ok(AuthResult::Success) => return Ok(true),
            Ok(AuthResult::Failure {
                remaining_methods, ..
            }) => {
                a.tried.push(format!("publickey (agent: {label})"));
                a.methods = remaining_methods;
            }
            Err(e) => a.tried.push(format!("publickey (agent: {label}: {e})")),
        }
    }
    Ok(false)
}

/// Loads a private key, asking for its passphrase if it is encrypted.
async fn load_key<F, Fut>(path: &Path, shown: &str, ask: &F, a: &mut Attempts) -> Option<PrivateKey>
where
    F: Fn(String, bool) -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    let read = |pass: Option<String>| {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || russh::keys::load_secret_key(&path, pass.as_deref()))
    };
    match read(None).await {
        Ok(Ok(key)) => return Some(key),
        Ok(Err(russh::keys::Error::KeyIsEncrypted)) => {}
        Ok(Err(e)) => {
            a.tried
                .push(format!("publickey ({shown}: unreadable: {e})"));
            return None;
        }
        Err(_) => return None,
    }
    for _ in 0..TRIES {
        let Some(pass) = ask(
            format!("Enter passphrase for your local key {shown} (it stays on this machine): "),
            false,
        )
        .await
        else {
            a.tried.push(format!(
                "publickey ({shown}: encrypted, nobody could be asked for its passphrase)"
            ));
            return None;
        };
        match read(Some(pass)).await {
            Ok(Ok(key)) => return Some(key),
            Ok(Err(_)) => continue,
            Err(_) => return None,
        }
    }
    a.tried
        .push(format!("publickey ({shown}: wrong passphrase)"));
    None
}

/// `user@host`, with `:port` off port 22: whose questions these are.
fn server_label(t: &Target) -> String {
    if t.port == 22 {
        format!("{}@{}", t.user, t.host_name)
    } else {
        format!("{}@{}:{}", t.user, t.host_name, t.port)
    }
}

fn pub_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}
