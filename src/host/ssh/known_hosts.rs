//! known_hosts files as OpenSSH keeps them: plain and hashed (`|1|salt|hash`)
//! host patterns, `[host]:port` for other ports, markers; the user's files
//! and the system-wide ones. Keys are learned under a lock, hashed when the
//! file hashes its names.

use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use data_encoding::BASE64;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::{Algorithm, PublicKey};

use super::ssh_config::wildcard;

/// One key on record for a host.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    pub key: PublicKey,
    pub revoked: bool,
}

/// What the files on record say about the key a server offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    Known,
    /// Nothing is on record for the host.
    Unknown,
    /// Another key of the same type is on record (file, line).
    Changed {
        file: PathBuf,
        line: usize,
    },
    /// Only keys of other types are on record: the host is known, and this
    /// is not one of its keys. The first of them (file, line, type).
    OtherTypes {
        file: PathBuf,
        line: usize,
        key_type: String,
    },
    /// The key is marked `@revoked` (file, line).
    Revoked {
        file: PathBuf,
        line: usize,
    },
}

/// The name OpenSSH records a host under: `host`, or `[host]:port` off port 22.
pub fn host_entry(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Every key recorded for `name` in `files`, in order; missing files know
/// nothing, unreadable ones are an error (a check must not pass by failing).
pub fn lookup(files: &[PathBuf], name: &str) -> std::io::Result<Vec<Recorded>> {
    let mut out = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", file.display()),
                ));
            }
        };
        out.extend(
            lookup_text(&text, name)
                .into_iter()
                .map(|(line, key, revoked)| Recorded {
                    file: file.clone(),
                    line,
                    key,
                    revoked,
                }),
        );
    }
    Ok(out)
}

fn lookup_text(text: &str, name: &str) -> Vec<(usize, PublicKey, bool)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let mut first = fields.next().unwrap_or_default();
        let marker = if first.starts_with('@') {
            let m = first;
            first = fields.next().unwrap_or_default();
            Some(m)
        } else {
            None
        };
        let (Some(_key_type), Some(blob)) = (fields.next(), fields.next()) else {
            continue;
        };
        // Certificate authorities vouch for certificates, which sessui does not take.
        if marker == Some("@cert-authority") || !hosts_match(first, name) {
            continue;
        }
        // A line with a key type this build cannot parse says nothing about ours.
        let Ok(key) = russh::keys::parse_public_key_base64(blob) else {
            continue;
        };
        out.push((i + 1, key, marker == Some("@revoked")));
    }
    out
}

/// Judges the offered key against what is on record, as OpenSSH does.
pub fn judge(recorded: &[Recorded], key: &PublicKey) -> KeyStatus {
    if let Some(r) = recorded
        .iter()
        .find(|r| r.revoked && r.key.key_data() == key.key_data())
    {
        return KeyStatus::Revoked {
            file: r.file.clone(),
            line: r.line,
        };
    }
    let live: Vec<&Recorded> = recorded.iter().filter(|r| !r.revoked).collect();
    if live.iter().any(|r| r.key.key_data() == key.key_data()) {
        return KeyStatus::Known;
    }
    if let Some(r) = live.iter().find(|r| r.key.algorithm() == key.algorithm()) {
        return KeyStatus::Changed {
            file: r.file.clone(),
            line: r.line,
        };
    }
    match live.first() {
        Some(r) => KeyStatus::OtherTypes {
            file: r.file.clone(),
            line: r.line,
            key_type: r.key.algorithm().as_str().to_string(),
        },
        None => KeyStatus::Unknown,
    }
}

/// The key types on record, first seen first: offered first in the handshake.
pub fn recorded_types(recorded: &[Recorded]) -> Vec<Algorithm> {
    let mut types: Vec<Algorithm> = Vec::new();
    for r in recorded.iter().filter(|r| !r.revoked) {
        let a = r.key.algorithm();
        if !types.contains(&a) {
            types.push(a);
        }
    }
    types
}

/// A comma-separated pattern list: any positive match and no negated one.
fn hosts_match(patterns: &str, entry: &str) -> bool {
    let mut matched = false;
    for p in patterns.split(',') {
        if let Some(hashed) = p.strip_prefix("|1|") {
            if hashed_match(hashed, entry) {
                matched = true;
            }
        } else if let Some(neg) = p.strip_prefix('!') {
            if wildcard(neg, entry) {
                return false;
            }
        } else if wildcard(p, entry) {
            matched = true;
        }
    }
    matched
}

/// `salt|hash`, both base64: HMAC-SHA1 of the entry keyed with the salt.
fn hashed_match(hashed: &str, entry: &str) -> bool {
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (
        BASE64.decode(salt.as_bytes()),
        BASE64.decode(hash.as_bytes()),
    ) else {
        return false;
    };
    match Hmac::<sha1::Sha1>::new_from_slice(&salt) {
        Ok(mac) => mac
            .chain_update(entry.as_bytes())
            .verify_slice(&hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// `|1|salt|hash`, as `ssh-keygen -H` writes a name.
fn hashed_name(name: &str) -> String {
    let salt: [u8; 20] = rand::random();
    let hash = match Hmac::<sha1::Sha1>::new_from_slice(&salt) {
        Ok(mac) => mac
            .chain_update(name.as_bytes())
            .finalize()
            .into_bytes()
            .to_vec(),
        // HMAC takes a key of any length.
        Err(_) => Vec::new(),
    };
    format!("|1|{}|{}", BASE64.encode(&salt), BASE64.encode(&hash))
}

/// Appends the host's key to `path` in OpenSSH's format, creating the
/// directory (0700) and file (0600) if needed. Written under an exclusive
/// `flock`, so two sessui processes never interleave; hashed when asked
/// (`HashKnownHosts yes`) or when the file already hashes its names. Blocking.
pub fn learn(path: &Path, name: &str, key: &PublicKey, hash: bool) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let mut file = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| std::io::Error::from(e))?;
    let mut text = String::new();
    file.rewind()?;
    file.read_to_string(&mut text)?;
    let hash = hash
        || text.lines().any(|l| {
            l.trim_start()
                .trim_start_matches("@revoked ")
                .starts_with("|1|")
        });
    let openssh = key
        .to_openssh()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    // The server's key carries no comment worth keeping: type and blob only.
    let mut parts = openssh.split_whitespace();
    let mut line = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        line.push('\n');
    }
    line.push_str(&format!(
        "{} {} {}\n",
        if hash {
            hashed_name(name)
        } else {
            name.to_string()
        },
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default()
    ));
    file.write_all(line.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF";
    const E: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBImn2SyO1HciCuchHFKNCSZAdEZLFfxB2RFq8VEDIG+B3R28bypFSJ9jsDwAd0C4F3qeNT+fkzalfZPtPXnnARc=";

    fn key(b64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(b64).unwrap()
    }

    fn judged(text: &str, name: &str, k: &PublicKey) -> KeyStatus {
        let recorded: Vec<Recorded> = lookup_text(text, name)
            .into_iter()
            .map(|(line, key, revoked)| Recorded {
                file: "/kh".into(),
                line,
                key,
                revoked,
            })
            .collect();
        judge(&recorded, k)
    }

    #[test]
    fn plain_wildcard_and_port_entries() {
        let text = format!(
            "# comment\n\n[localhost]:2222 ssh-ed25519 {A}\n*.example.com,!bad.example.com ssh-ed25519 {B}\n"
        );
        assert_eq!(judged(&text, "[localhost]:2222", &key(A)), KeyStatus::Known);
        assert_eq!(
            judged(&text, "[localhost]:2222", &key(B)),
            KeyStatus::Changed {
                file: "/kh".into(),
                line: 3
            }
        );
        assert_eq!(judged(&text, "localhost", &key(A)), KeyStatus::Unknown);
        assert_eq!(judged(&text, "db.example.com", &key(B)), KeyStatus::Known);
        assert_eq!(
            judged(&text, "bad.example.com", &key(B)),
            KeyStatus::Unknown
        );
    }

    #[test]
    fn a_key_of_another_type_on_record_is_no_stranger() {
        let text = format!("h ecdsa-sha2-nistp256 {E}\n");
        assert_eq!(
            judged(&text, "h", &key(A)),
            KeyStatus::OtherTypes {
                file: "/kh".into(),
                line: 1,
                key_type: "ecdsa-sha2-nistp256".into()
            }
        );
        let recorded: Vec<Recorded> = lookup_text(&text, "h")
            .into_iter()
            .map(|(line, key, revoked)| Recorded {
                file: "/kh".into(),
                line,
                key,
                revoked,
            })
            .collect();
        assert_eq!(recorded_types(&recorded)[0].as_str(), "ecdsa-sha2-nistp256");
    }

    #[test]
    fn hashed_entries_match() {
        let name = hashed_name("[localhost]:2222");
        let text = format!("{name} ssh-ed25519 {A}\n");
        assert_eq!(judged(&text, "[localhost]:2222", &key(A)), KeyStatus::Known);
        assert_eq!(
            judged(&text, "[localhost]:2223", &key(A)),
            KeyStatus::Unknown
        );
    }

    #[test]
    fn revoked_and_unparsable_lines() {
        let text = format!("@revoked * ssh-ed25519 {A}\nh ssh-foo notbase64\n");
        assert_eq!(
            judged(&text, "h", &key(A)),
            KeyStatus::Revoked {
                file: "/kh".into(),
                line: 1
            }
        );
        assert_eq!(judged(&text, "h", &key(B)), KeyStatus::Unknown);
    }

    #[test]
    fn learned_keys_are_found_again_hashed_when_the_file_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".ssh/known_hosts");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "other ssh-ed25519 ".to_string() + B).unwrap();
        learn(&path, "[127.0.0.1]:2222", &key(A), false).unwrap();
        let found = lookup(std::slice::from_ref(&path), "[127.0.0.1]:2222").unwrap();
        assert_eq!(judge(&found, &key(A)), KeyStatus::Known);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with(&format!("\n[127.0.0.1]:2222 ssh-ed25519 {A}\n")),
            "{text}"
        );
        let hashed = dir.path().join("hashed");
        std::fs::write(&hashed, format!("{} ssh-ed25519 {B}\n", hashed_name("x"))).unwrap();
        learn(&hashed, "db1", &key(A), false).unwrap();
        let text = std::fs::read_to_string(&hashed).unwrap();
        assert!(!text.contains("db1"), "{text}");
        assert_eq!(
            judge(&lookup(&[hashed], "db1").unwrap(), &key(A)),
            KeyStatus::Known
        );
    }
}
