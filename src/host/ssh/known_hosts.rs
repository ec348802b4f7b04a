//! `~/.ssh/known_hosts` as OpenSSH keeps it: plain and hashed (`|1|salt|hash`)
//! host patterns, `[host]:port` for other ports, markers; append in its format.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use data_encoding::BASE64;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::PublicKey;

/// What known_hosts says about a host's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    Known,
    /// No key of this type is recorded for the host.
    Unknown,
    /// A different key of the same type is recorded, on this line (1-based).
    Changed {
        line: usize,
    },
    /// The key is marked `@revoked`, on this line.
    Revoked {
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

/// Checks `key` for `host`/`port` against the file (a missing file knows nothing).
pub fn check(path: &Path, host: &str, port: u16, key: &PublicKey) -> std::io::Result<KeyStatus> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyStatus::Unknown),
        Err(e) => return Err(e),
    };
    Ok(check_text(&text, &host_entry(host, port), key))
}

fn check_text(text: &str, entry: &str, key: &PublicKey) -> KeyStatus {
    let mut changed = None;
    let mut known = false;
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
        if marker == Some("@cert-authority") || !hosts_match(first, entry) {
            continue;
        }
        // A line with a key type this build cannot parse says nothing about ours.
        let Ok(recorded) = russh::keys::parse_public_key_base64(blob) else {
            continue;
        };
        let same = recorded.key_data() == key.key_data();
        if marker == Some("@revoked") {
            if same {
                return KeyStatus::Revoked { line: i + 1 };
            }
            continue;
        }
        if same {
            known = true;
        } else if recorded.algorithm() == key.algorithm() && changed.is_none() {
            changed = Some(i + 1);
        }
    }
    match (known, changed) {
        (true, _) => KeyStatus::Known,
        (false, Some(line)) => KeyStatus::Changed { line },
        (false, None) => KeyStatus::Unknown,
    }
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

/// `*` and `?` globbing, case-insensitive as host names are.
fn wildcard(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Appends the host's key in OpenSSH's format, creating `~/.ssh` (0700) and
/// the file (0600) if needed.
pub fn learn(path: &Path, host: &str, port: u16, key: &PublicKey) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let ends_in_newline = match std::fs::read(path) {
        Ok(b) => b.is_empty() || b.ends_with(b"\n"),
        Err(_) => true,
    };
    let mut line = String::new();
    if !ends_in_newline {
        line.push('\n');
    }
    let openssh = key
        .to_openssh()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    // The server's key carries no comment worth keeping: type and blob only.
    let mut parts = openssh.split_whitespace();
    line.push_str(&format!(
        "{} {} {}\n",
        host_entry(host, port),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default()
    ));
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(line.as_bytes())?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF";

    fn key(b64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(b64).unwrap()
    }

    #[test]
    fn plain_wildcard_and_port_entries() {
        let text = format!(
            "# comment\n\n[localhost]:2222 ssh-ed25519 {A}\n*.example.com,!bad.example.com ssh-ed25519 {B}\n"
        );
        assert_eq!(
            check_text(&text, "[localhost]:2222", &key(A)),
            KeyStatus::Known
        );
        assert_eq!(
            check_text(&text, "[localhost]:2222", &key(B)),
            KeyStatus::Changed { line: 3 }
        );
        assert_eq!(check_text(&text, "localhost", &key(A)), KeyStatus::Unknown);
        assert_eq!(
            check_text(&text, "db.example.com", &key(B)),
            KeyStatus::Known
        );
        assert_eq!(
            check_text(&text, "bad.example.com", &key(B)),
            KeyStatus::Unknown
        );
    }

    #[test]
    fn hashed_entries_match() {
        // `ssh-keygen -H` of "[localhost]:2222"; the hash is HMAC-SHA1(salt, name).
        let salt = [7u8; 20];
        let mac = Hmac::<sha1::Sha1>::new_from_slice(&salt)
            .unwrap()
            .chain_update(b"[localhost]:2222")
            .finalize()
            .into_bytes();
        let text = format!(
            "|1|{}|{} ssh-ed25519 {A}\n",
            BASE64.encode(&salt),
            BASE64.encode(&mac)
        );
        assert_eq!(
            check_text(&text, "[localhost]:2222", &key(A)),
            KeyStatus::Known
        );
        assert_eq!(
            check_text(&text, "[localhost]:2223", &key(A)),
            KeyStatus::Unknown
        );
    }

    #[test]
    fn revoked_and_unparsable_lines() {
        let text = format!("@revoked * ssh-ed25519 {A}\nh ssh-foo notbase64\n");
        assert_eq!(
            check_text(&text, "h", &key(A)),
            KeyStatus::Revoked { line: 1 }
        );
        assert_eq!(check_text(&text, "h", &key(B)), KeyStatus::Unknown);
    }

    #[test]
    fn learned_keys_are_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".ssh/known_hosts");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "other ssh-ed25519 ".to_string() + B).unwrap();
        learn(&path, "127.0.0.1", 2222, &key(A)).unwrap();
        assert_eq!(
            check(&path, "127.0.0.1", 2222, &key(A)).unwrap(),
            KeyStatus::Known
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with(&format!("\n[127.0.0.1]:2222 ssh-ed25519 {A}\n")),
            "{text}"
        );
    }
}
