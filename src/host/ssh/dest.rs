//! From what a user types (`db1`, `me@db1:2222`, `ssh://me@db1`) to where and
//! how to connect, with `~/.ssh/config` applied the way OpenSSH applies it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::algorithms::Lists;
use super::error::SshError;
use super::ssh_config::{self, Query, Tokens};

/// A destination as typed: the host part is an alias or a real host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// `StrictHostKeyChecking`: what to do with a host whose key is not on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strict {
    /// Ask a person (the default); `--accept-new-host-key` answers yes.
    Ask,
    /// Refuse: keys are added by hand only.
    Yes,
    /// Learn new keys without asking (`accept-new`, and `no`).
    AcceptNew,
}

/// Which login methods the config allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Methods {
    pub publickey: bool,
    pub keyboard_interactive: bool,
    pub password: bool,
}

/// Where agent keys come from (`IdentityAgent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentChoice {
    /// `$SSH_AUTH_SOCK`.
    Env,
    /// No agent.
    None,
    Socket(PathBuf),
}

/// `ForwardAgent` for a host: whether the remote side may use an agent of
/// this machine while connected, and which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardAgent {
    /// Not set for the host: sessui's own `ssh.forward_agent` decides.
    Unset,
    /// `no`, or an agent that is not there.
    Off,
    /// `yes` (the agent that logs in, as IdentityAgent says), or a socket
    /// named by path or by `$VARIABLE`.
    To(PathBuf),
}

/// Everything needed to reach one host, after the ssh config was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name the user gave (the alias when it is one).
    pub alias: String,
    /// What to resolve and connect to.
    pub host_name: String,
    pub port: u16,
    pub user: String,
    /// Keys to offer, in order; OpenSSH's defaults unless IdentityFile is set.
    pub identity_files: Vec<PathBuf>,
    /// Offer only `identity_files`, even agent keys that are not among them.
    pub identities_only: bool,
    /// Hosts to hop through first, outermost first (`ProxyJump`).
    pub proxy_jump: Vec<String>,
    pub keepalive_interval: Option<Duration>,
    pub keepalive_max: Option<usize>,
    pub connect_timeout: Option<Duration>,
    /// Where host keys are checked (`UserKnownHostsFile`); new ones are
    /// learned into the first.
    pub known_hosts: Vec<PathBuf>,
    /// System-wide files (`GlobalKnownHostsFile`): checked, never written.
    pub global_known_hosts: Vec<PathBuf>,
    /// The name keys are recorded under: `HostKeyAlias`, else the host
    /// name (`[host]:port` off port 22).
    pub host_key_name: String,
    pub strict: Strict,
    /// `HashKnownHosts`: learn keys under hashed names.
    pub hash_known_hosts: bool,
    pub algorithms: Lists,
    pub methods: Methods,
    /// `BatchMode yes`: never ask a person anything.
    pub batch_mode: bool,
    pub agent: AgentChoice,
    /// What `ForwardAgent` says for this host.
    pub forward_agent: ForwardAgent,
    /// Security settings in the config that sessui does not honour, for
    /// the user to see (never only a log line).
    pub warnings: Vec<String>,
}

impl Target {
    /// The agent socket to forward, if any; `default` is sessui's own
    /// `ssh.forward_agent`, used where the ssh config says nothing.
    pub fn forwarded_agent(&self, default: bool) -> Option<PathBuf> {
        match &self.forward_agent {
            ForwardAgent::To(path) => Some(path.clone()),
            ForwardAgent::Off => None,
            ForwardAgent::Unset if default => agent_socket(&self.agent),
            ForwardAgent::Unset => None,
        }
    }

    /// Every known_hosts file this host is looked up in: the user's, then
    /// the system's.
    pub fn known_hosts_files(&self) -> Vec<PathBuf> {
        self.known_hosts
            .iter()
            .chain(&self.global_known_hosts)
            .cloned()
            .collect()
    }

    /// `host:port` as shown in messages.
    pub fn addr(&self) -> String {
        if self.host_name.contains(':') {
            format!("[{}]:{}", self.host_name, self.port)
        } else {
            format!("{}:{}", self.host_name, self.port)
        }
    }

    /// The host as a person wrote it, with where that leads: `db1 (10.0.0.5:22)`,
    /// so a question or an error about an alias says which machine it means.
    pub fn label(&self) -> String {
        label(&self.alias, &self.addr())
    }
}

/// `alias (host:port)`, or just `host:port` when the alias says no more.
pub fn label(alias: &str, addr: &str) -> String {
    if alias == addr {
        addr.to_string()
    } else {
        format!("{alias} ({addr})")
    }
}

/// Splits `user@host:port`, `ssh://user@host:port`, `[v6]:port`, or a bare alias.
pub fn parse_destination(text: &str) -> Result<Destination, SshError> {
    let bad = |why: &str| {
        SshError::Destination(
            crate::text::terminal_safe(text).into_owned(),
            why.to_string(),
        )
    };
    let t = text.trim();
    let rest = t.strip_prefix("ssh://").unwrap_or(t);
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Err(bad("no host"));
    }
    let (user, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u.to_string()), h),
        Some(_) => return Err(bad("empty user name before '@'")),
        None => (None, rest),
    };
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (h, after) = inner
            .split_once(']')
            .ok_or_else(|| bad("unclosed '[' around an IPv6 address"))?;
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(bad("unexpected text after ']'")),
        }
    } else if hostport.matches(':').count() > 1 {
        // A bare IPv6 address: no port unless bracketed.
        (hostport, None)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    check_host_name(host).map_err(|why| bad(&why))?;
    if let Some(u) = &user
        && u.chars().any(|c| {
            crate::text::is_unsafe(c) || c.is_whitespace() || matches!(c, '\'' | '"' | '/')
        })
    {
        return Err(bad(
            "user names cannot hold spaces, quotes, '/' or control characters",
        ));
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        ),
    };
    Ok(Destination {
        user,
        host: host.to_string(),
        port,
    })
}

/// The current user's home directory: `$HOME`, else the password database.
pub fn home_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.dir)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn local_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
        })
        .unwrap_or_else(|| "root".into())
}

/// Security settings sessui does not carry out, with what that means; each
/// is shown to the user when set (with the value that asks for it).
const UNHONOURED: &[(&str, &str, &str)] = &[
    (
        "verifyhostkeydns",
        "VerifyHostKeyDNS",
        "host keys are not checked against SSHFP records in DNS",
    ),
    (
        "checkhostip",
        "CheckHostIP",
        "the host's address is not checked in known_hosts",
    ),
    (
        "proxycommand",
        "ProxyCommand",
        "sessui connects directly (ProxyJump is supported)",
    ),
    (
        "revokedhostkeys",
        "RevokedHostKeys",
        "that revocation list is not read (@revoked lines in known_hosts are)",
    ),
    (
        "casignaturealgorithms",
        "CASignatureAlgorithms",
        "host certificates are not accepted at all",
    ),
    (
        "certificatefile",
        "CertificateFile",
        "user certificates are not offered",
    ),
    (
        "pkcs11provider",
        "PKCS11Provider",
        "keys on tokens are only used through ssh-agent",
    ),
    (
        "securitykeyprovider",
        "SecurityKeyProvider",
        "security keys are only used through ssh-agent",
    ),
    (
        "pubkeyacceptedalgorithms",
        "PubkeyAcceptedAlgorithms",
        "every key type is offered",
    ),
    (
        "pubkeyacceptedkeytypes",
        "PubkeyAcceptedKeyTypes",
        "every key type is offered",
    ),
    (
        "requiredrsasize",
        "RequiredRSASize",
        "RSA keys are not checked for size",
    ),
    (
        "canonicalizehostname",
        "CanonicalizeHostname",
        "names are not canonicalised, so blocks for canonical names do not match",
    ),
    (
        "knownhostscommand",
        "KnownHostsCommand",
        "the command is not run; only known_hosts files are read",
    ),
];

/// Values of those settings that ask for nothing (the defaults).
fn asks_for_nothing(key: &str, value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    match key {
        "verifyhostkeydns" | "checkhostip" | "canonicalizehostname" => v == "no",
        "proxycommand" | "pkcs11provider" | "knownhostscommand" | "revokedhostkeys" => v == "none",
        _ => false,
    }
}

/// The agent that logs in (`IdentityAgent`, else `$SSH_AUTH_SOCK`), which
/// is also the one `ForwardAgent yes` forwards, as in OpenSSH.
fn agent_socket(agent: &AgentChoice) -> Option<PathBuf> {
    match agent {
        AgentChoice::Env => env_socket("SSH_AUTH_SOCK"),
        AgentChoice::Socket(path) => Some(path.clone()),
        AgentChoice::None => None,
    }
}

/// A socket path held in an environment variable; unset or empty is none.
fn env_socket(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

/// Reads the ssh config (a missing file is an empty one) and resolves `dest`.
pub fn resolve(dest: &Destination, config_file: Option<&Path>) -> Result<Target, SshError> {
    let home = home_dir();
    let path = config_file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| home.join(".ssh").join("config"));
    let query = Query {
        original: dest.host.clone(),
        user: dest.user.clone(),
        port: dest.port,
        local_user: local_user(),
        home: home.clone(),
    };
    let c = ssh_config::read(&path, &query)?;
    let bad = |entry: Option<&ssh_config::Entry>, why: String| SshError::Config {
        path: entry
            .map(|e| e.place())
            .unwrap_or_else(|| path.display().to_string()),
        message: why,
    };

    let host_name = c
        .first("hostname")
        .map(|h| h.replace("%h", &dest.host).replace("%%", "%"))
        .unwrap_or_else(|| dest.host.clone());
    check_host_name(&host_name).map_err(|why| bad(c.get("hostname"), why))?;
    let port = match dest.port {
        Some(p) => p,
        None => match c.first("port") {
            Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                bad(
                    c.get("port"),
                    format!("Port {p} is not a number from 1 to 65535"),
                )
            })?,
            None => 22,
        },
    };
    let user = dest
        .user
        .clone()
        .or_else(|| c.first("user").map(str::to_string))
        .unwrap_or_else(local_user);
    let host_key_alias = c.first("hostkeyalias").map(str::to_string);
    let tokens = Tokens {
        host: host_name.clone(),
        original: dest.host.clone(),
        port,
        user: user.clone(),
        local_user: local_user(),
        home: home.clone(),
        alias: host_key_alias.clone(),
        jump: c.first("proxyjump").map(str::to_string),
    };
    // A file name from the config: `%` tokens, then `~`.
    let file = |entry: &ssh_config::Entry, raw: &str| -> Result<PathBuf, SshError> {
        let expanded = ssh_config::expand(raw, &tokens).map_err(|why| bad(Some(entry), why))?;
        Ok(expand_tilde(Path::new(&expanded), &home))
    };
    let files = |key: &str, default: &[&str]| -> Result<Vec<PathBuf>, SshError> {
        match c.get(key) {
            Some(entry) => entry
                .args
                .iter()
                .filter(|a| !a.eq_ignore_ascii_case("none"))
                .map(|a| file(entry, a))
                .collect(),
            None => Ok(default
                .iter()
                .map(|d| expand_tilde(Path::new(d), &home))
                .collect()),
        }
    };

    let mut identity_files = Vec::new();
    for entry in c.all("identityfile") {
        for a in &entry.args {
            identity_files.push(file(entry, a)?);
        }
    }
    if identity_files.is_empty() {
        identity_files = [
            "id_rsa",
            "id_ecdsa",
            "id_ecdsa_sk",
            "id_ed25519",
            "id_ed25519_sk",
            "id_dsa",
        ]
        .iter()
        .map(|n| home.join(".ssh").join(n))
        .collect();
    }
    let proxy_jump = c
        .first("proxyjump")
        .map(|j| {
            j.split(',')
                .map(|s| s.trim().to_string())
                .filter(|j| !j.is_empty() && !j.eq_ignore_ascii_case("none"))
                .collect()
        })
        .unwrap_or_default();
    let seconds = |key: &str| -> Result<Option<Duration>, SshError> {
        match c.first(key) {
            None => Ok(None),
            Some(v) => crate::duration::parse_duration(v)
                .or_else(|_| {
                    v.parse::<u64>()
                        .map(Duration::from_secs)
                        .map_err(|e| e.to_string())
                })
                .map(|d| Some(d).filter(|d| !d.is_zero()))
                .map_err(|_| bad(c.get(key), format!("'{v}' is not a number of seconds"))),
        }
    };
    let strict = match c
        .first("stricthostkeychecking")
        .map(str::to_ascii_lowercase)
    {
        None => Strict::Ask,
        Some(v) => match v.as_str() {
            "yes" | "true" => Strict::Yes,
            "accept-new" | "no" | "off" | "false" => Strict::AcceptNew,
            "ask" => Strict::Ask,
            other => {
                return Err(bad(
                    c.get("stricthostkeychecking"),
                    format!("StrictHostKeyChecking {other}: use yes, accept-new, no or ask"),
                ));
            }
        },
    };
    let preferred = c.get("preferredauthentications").map(|e| {
        e.args
            .join(",")
            .split(',')
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
    });
    let allowed = |method: &str, keys: &[&str]| {
        preferred
            .as_ref()
            .is_none_or(|p| p.iter().any(|m| m == method))
            && keys.iter().all(|k| c.flag(k) != Some(false))
    };
    let methods = Methods {
        publickey: allowed("publickey", &["pubkeyauthentication"]),
        keyboard_interactive: allowed(
            "keyboard-interactive",
            &[
                "kbdinteractiveauthentication",
                "challengeresponseauthentication",
            ],
        ),
        password: allowed("password", &["passwordauthentication"]),
    };
    let agent = match c.get("identityagent") {
        None => AgentChoice::Env,
        Some(entry) => match entry.args.first().map(String::as_str) {
            Some(v) if v.eq_ignore_ascii_case("none") => AgentChoice::None,
            Some("SSH_AUTH_SOCK") | Some("$SSH_AUTH_SOCK") | None => AgentChoice::Env,
            Some(v) => match v.strip_prefix('$') {
                Some(var) => std::env::var_os(var.trim_matches(['{', '}']))
                    .map(|s| AgentChoice::Socket(PathBuf::from(s)))
                    .unwrap_or(AgentChoice::None),
                None => AgentChoice::Socket(file(entry, v)?),
            },
        },
    };
    // As ssh_config(5): yes, no, a socket path, or `$VARIABLE` naming one.
    let forward_agent = match c.get("forwardagent") {
        None => ForwardAgent::Unset,
        Some(entry) => match entry.args.first().map(String::as_str) {
            None => ForwardAgent::Off,
            Some(_) if c.flag("forwardagent") == Some(true) => {
                agent_socket(&agent).map_or(ForwardAgent::Off, ForwardAgent::To)
            }
            Some(v) if ["no", "false", "off"].contains(&v.to_ascii_lowercase().as_str()) => {
                ForwardAgent::Off
            }
            Some(v) => match v.strip_prefix('$') {
                Some(var) => env_socket(var.trim_matches(['{', '}']))
                    .map_or(ForwardAgent::Off, ForwardAgent::To),
                None => ForwardAgent::To(file(entry, v)?),
            },
        },
    };
    let mut warnings = Vec::new();
    for (key, name, means) in UNHONOURED {
        if let Some(entry) = c.get(key) {
            let value = entry.args.join(" ");
            if !asks_for_nothing(key, &value) {
                warnings.push(format!(
                    "{}: {name} {value} is not honoured by sessui: {means}",
                    entry.place()
                ));
            }
        }
    }
    Ok(Target {
        alias: dest.host.clone(),
        host_key_name: host_key_alias
            .clone()
            .unwrap_or_else(|| super::known_hosts::host_entry(&host_name, port)),
        host_name,
        port,
        user,
        identity_files,
        identities_only: c.flag("identitiesonly") == Some(true),
        proxy_jump,
        keepalive_interval: seconds("serveraliveinterval")?,
        keepalive_max: c.first("serveralivecountmax").and_then(|v| v.parse().ok()),
        connect_timeout: seconds("connecttimeout")?,
        known_hosts: files(
            "userknownhostsfile",
            &["~/.ssh/known_hosts", "~/.ssh/known_hosts2"],
        )?,
        global_known_hosts: files(
            "globalknownhostsfile",
            &["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"],
        )?,
        strict,
        hash_known_hosts: c.flag("hashknownhosts") == Some(true),
        algorithms: Lists {
            host_key: c.get("hostkeyalgorithms").cloned(),
            kex: c.get("kexalgorithms").cloned(),
            cipher: c.get("ciphers").cloned(),
            mac: c.get("macs").cloned(),
        },
        methods,
        batch_mode: c.flag("batchmode") == Some(true),
        forward_agent,
        agent,
        warnings,
    })
}

/// What a host name (or address) can hold: letters, digits, `.`, `-`,
/// `_`, and for IPv6 `:` and a `%zone`. Anything else in a name is a
/// mistake or a trick (it is shown in lists and messages).
fn check_host_name(host: &str) -> Result<(), String> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{}' is not a host name: a host name holds letters, digits, '.', '-' and '_' \
             (and ':' in IPv6 addresses)",
            crate::text::terminal_safe(host)
        ))
    }
}

fn expand_tilde(p: &Path, home: &Path) -> PathBuf {
    match p.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => p.to_path_buf(),
    }
}

/// `~/...` for paths under the home directory, as messages show them.
pub fn tilde(p: &Path) -> String {
    let home = home_dir();
    match p.strip_prefix(&home) {
        Ok(rest) if home != Path::new("/") => format!("~/{}", rest.display()),
        _ => p.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(user: Option<&str>, host: &str, port: Option<u16>) -> Destination {
        Destination {
            user: user.map(str::to_string),
            host: host.into(),
            port,
        }
    }

    #[test]
    fn destinations_parse_like_ssh_takes_them() {
        assert_eq!(parse_destination("db1").unwrap(), d(None, "db1", None));
        assert_eq!(
            parse_destination("me@db1").unwrap(),
            d(Some("me"), "db1", None)
        );
        assert_eq!(
            parse_destination("me@db1:2222").unwrap(),
            d(Some("me"), "db1", Some(2222))
        );
        assert_eq!(
            parse_destination("ssh://me@db1:2222").unwrap(),
            d(Some("me"), "db1", Some(2222))
        );
        assert_eq!(
            parse_destination("ssh://db1").unwrap(),
            d(None, "db1", None)
        );
        assert_eq!(
            parse_destination("me@[::1]:22").unwrap(),
            d(Some("me"), "::1", Some(22))
        );
        assert_eq!(
            parse_destination("fe80::1").unwrap(),
            d(None, "fe80::1", None)
        );
        for bad in [
            "",
            "@db1",
            "me@",
            "db1:0",
            "db1:x",
            "a b",
            "[::1",
            "db\x1b]0;x\x07",
            "db1\u{202e}",
            "ev\u{9b}il@db1",
            "a;b",
        ] {
            assert!(parse_destination(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ssh_config_is_applied_and_the_destination_wins() {
        let dir = tempfile::tempdir().unwrap();
        let inc = dir.path().join("extra.conf");
        std::fs::write(&inc, "Host db1\n  ServerAliveCountMax 5\n").unwrap();
        let cfg = dir.path().join("config");
        std::fs::write(
            &cfg,
            format!(
                "Include {}\nHost db1\n  HostName 10.0.0.5\n  User admin\n  Port 2200\n  \
                 IdentityFile /k/id_test\n  IdentitiesOnly yes\n  ServerAliveInterval 7\n  \
                 ConnectTimeout 4\n  ProxyJump jump1,jump2\n  ForwardX11 yes\n  \
                 UserKnownHostsFile /k/known\n",
                inc.display()
            ),
        )
        .unwrap();
        let t = resolve(&parse_destination("db1").unwrap(), Some(&cfg)).unwrap();
        assert_eq!(t.host_name, "10.0.0.5");
        assert_eq!((t.user.as_str(), t.port), ("admin", 2200));
        assert_eq!(t.identity_files, vec![PathBuf::from("/k/id_test")]);
        assert!(t.identities_only);
        assert_eq!(t.keepalive_interval, Some(Duration::from_secs(7)));
        assert_eq!(t.keepalive_max, Some(5));
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(4)));
        assert_eq!(t.proxy_jump, vec!["jump1", "jump2"]);
        assert_eq!(t.known_hosts, vec![PathBuf::from("/k/known")]);
        assert_eq!(t.host_key_name, "[10.0.0.5]:2200");
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        let t = resolve(&parse_destination("root@db1:22").unwrap(), Some(&cfg)).unwrap();
        assert_eq!((t.user.as_str(), t.port), ("root", 22));
        let other = resolve(&parse_destination("plain").unwrap(), Some(&cfg)).unwrap();
        assert_eq!(other.host_name, "plain");
        assert_eq!(other.port, 22);
        assert!(other.proxy_jump.is_empty());
        assert!(other.identity_files.len() > 3);
    }

    /// `ForwardAgent` as ssh_config(5) reads it; unset, sessui's own
    /// `ssh.forward_agent` decides, and it is off by default.
    #[test]
    fn forward_agent_is_read_like_openssh_and_off_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config");
        std::fs::write(
            &cfg,
            "Host yes\n  ForwardAgent yes\nHost no\n  ForwardAgent no\n\
             Host path\n  ForwardAgent ~/a.sock\nHost var\n  ForwardAgent $SESSUI_NO_SUCH_VAR\n\
             Host unagented\n  IdentityAgent none\n  ForwardAgent yes\n\
             Host *\n  IdentityAgent /run/agent.sock\n",
        )
        .unwrap();
        let forwarded = |host: &str, default: bool| {
            resolve(&parse_destination(host).unwrap(), Some(&cfg))
                .unwrap()
                .forwarded_agent(default)
        };
        let agent = Some(PathBuf::from("/run/agent.sock"));
        assert_eq!(forwarded("yes", false), agent);
        assert_eq!(forwarded("no", true), None);
        assert_eq!(forwarded("path", false), Some(home_dir().join("a.sock")));
        assert_eq!(forwarded("var", true), None);
        assert_eq!(forwarded("unagented", true), None);
        assert_eq!(forwarded("other", false), None);
        assert_eq!(forwarded("other", true), agent);
        assert!(!crate::config::SshConfig::default().forward_agent);
    }

    #[test]
    fn a_missing_config_file_means_defaults() {
        let t = resolve(
            &parse_destination("me@h").unwrap(),
            Some(Path::new("/nonexistent/config")),
        )
        .unwrap();
        assert_eq!(
            (t.host_name.as_str(), t.user.as_str(), t.port),
            ("h", "me", 22)
        );
    }
}
