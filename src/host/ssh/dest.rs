//! From what a user types (`db1`, `me@db1:2222`, `ssh://me@db1`) to where and
//! how to connect, with `~/.ssh/config` applied the way OpenSSH applies it.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ssh2_config::{ParseRule, SshConfig};

use super::error::SshError;

/// A destination as typed: the host part is an alias or a real host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
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
    /// Where host keys are checked and learned (`UserKnownHostsFile`).
    pub known_hosts: PathBuf,
}

impl Target {
    /// `host:port` as shown in messages.
    pub fn addr(&self) -> String {
        if self.host_name.contains(':') {
            format!("[{}]:{}", self.host_name, self.port)
        } else {
            format!("{}:{}", self.host_name, self.port)
        }
    }
}

/// Splits `user@host:port`, `ssh://user@host:port`, `[v6]:port`, or a bare alias.
pub fn parse_destination(text: &str) -> Result<Destination, SshError> {
    let bad = |why: &str| SshError::Destination(text.to_string(), why.to_string());
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
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == '\'' || c == '"')
    {
        return Err(bad("host names cannot hold spaces, quotes or '/'"));
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

/// Directives we read ourselves, beyond what the parser models.
const HANDLED_EXTRA: &[&str] = &[
    "identitiesonly",
    "serveralivecountmax",
    "userknownhostsfile",
];

/// Reads the ssh config (a missing file is an empty one) and resolves `dest`.
pub fn resolve(dest: &Destination, config_file: Option<&Path>) -> Result<Target, SshError> {
    let home = home_dir();
    let path = config_file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| home.join(".ssh").join("config"));
    let config = match std::fs::File::open(&path) {
        Ok(f) => SshConfig::default()
            .home_dir(&home)
            .parse(
                &mut BufReader::new(f),
                ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
            )
            .map_err(|e| SshError::Config {
                path: path.display().to_string(),
                message: e.to_string(),
            })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SshConfig::default(),
        Err(e) => {
            return Err(SshError::Config {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    let params = config.query(&dest.host);
    let mut extra: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in params
        .unsupported_fields
        .iter()
        .chain(&params.ignored_fields)
    {
        let key = k.to_ascii_lowercase();
        if HANDLED_EXTRA.contains(&key.as_str()) {
            extra.insert(key, v.clone());
        } else {
            tracing::info!(
                host = %dest.host,
                "ssh config: '{k}' is not supported by sessui and is ignored"
            );
        }
    }
    let first = |key: &str| extra.get(key).and_then(|v| v.first()).cloned();

    let host_name = params
        .host_name
        .map(|h| h.replace("%h", &dest.host))
        .unwrap_or_else(|| dest.host.clone());
    let identity_files = match params.identity_file {
        Some(files) if !files.is_empty() => {
            files.into_iter().map(|f| expand_tilde(&f, &home)).collect()
        }
        _ => [
            "id_rsa",
            "id_ecdsa",
            "id_ecdsa_sk",
            "id_ed25519",
            "id_ed25519_sk",
            "id_dsa",
        ]
        .iter()
        .map(|n| home.join(".ssh").join(n))
        .collect(),
    };
    let proxy_jump = params
        .proxy_jump
        .unwrap_or_default()
        .into_iter()
        .flat_map(|j| {
            j.split(',')
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|j| !j.is_empty() && !j.eq_ignore_ascii_case("none"))
        .collect();
    let known_hosts = first("userknownhostsfile")
        .map(|f| expand_tilde(Path::new(&f), &home))
        .unwrap_or_else(|| home.join(".ssh").join("known_hosts"));
    Ok(Target {
        alias: dest.host.clone(),
        host_name,
        port: dest.port.or(params.port).unwrap_or(22),
        user: dest.user.clone().or(params.user).unwrap_or_else(local_user),
        identity_files,
        identities_only: first("identitiesonly").is_some_and(|v| v.eq_ignore_ascii_case("yes")),
        proxy_jump,
        keepalive_interval: params.server_alive_interval.filter(|d| !d.is_zero()),
        keepalive_max: first("serveralivecountmax").and_then(|v| v.parse().ok()),
        connect_timeout: params.connect_timeout.filter(|d| !d.is_zero()),
        known_hosts,
    })
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
        for bad in ["", "@db1", "me@", "db1:0", "db1:x", "a b", "[::1"] {
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
        assert_eq!(t.known_hosts, PathBuf::from("/k/known"));
        let t = resolve(&parse_destination("root@db1:22").unwrap(), Some(&cfg)).unwrap();
        assert_eq!((t.user.as_str(), t.port), ("root", 22));
        let other = resolve(&parse_destination("plain").unwrap(), Some(&cfg)).unwrap();
        assert_eq!(other.host_name, "plain");
        assert_eq!(other.port, 22);
        assert!(other.proxy_jump.is_empty());
        assert!(other.identity_files.len() > 3);
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
