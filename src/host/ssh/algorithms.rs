//! What sessui offers in the SSH handshake: russh's defaults without SHA-1
//! RSA host-key signatures (as OpenSSH 8.8+), the ssh_config algorithm lists
//! (`HostKeyAlgorithms`, `KexAlgorithms`, `Ciphers`, `MACs`) applied as
//! OpenSSH applies them, and the host key types already on record first.

use std::borrow::Cow;

use russh::Preferred;
use russh::keys::Algorithm;

use super::error::SshError;
use super::ssh_config::{Entry, wildcard};

/// Host key algorithms offered when the config says nothing: every kind
/// russh checks, strongest first, without `ssh-rsa` (RSA signed with SHA-1).
fn default_host_keys() -> Vec<Algorithm> {
    Preferred::DEFAULT
        .key
        .iter()
        .filter(|a| !is_sha1_rsa(a))
        .cloned()
        .collect()
}

/// `ssh-rsa`: an RSA signature over SHA-1, which can be forged.
pub fn is_sha1_rsa(a: &Algorithm) -> bool {
    matches!(a, Algorithm::Rsa { hash: None })
}

/// The lists as the config writes them, each with where it was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lists {
    pub host_key: Option<Entry>,
    pub kex: Option<Entry>,
    pub cipher: Option<Entry>,
    pub mac: Option<Entry>,
}

/// The handshake's preferences for a host whose recorded key types are
/// `recorded` (most trusted first).
pub fn preferred(lists: &Lists, recorded: &[Algorithm]) -> Result<Preferred, SshError> {
    let d = Preferred::DEFAULT;
    let host_keys = apply(
        lists.host_key.as_ref(),
        "HostKeyAlgorithms",
        &default_host_keys(),
        Preferred::DEFAULT.key.as_ref(),
        |a| a.as_str().to_string(),
    )?;
    // As OpenSSH: unless the user ordered them, the types already on record
    // for this host go first, so a host known by its ECDSA key is asked for
    // that key and not taken for a stranger with an ed25519 one.
    let host_keys = if lists.host_key.is_none() {
        recorded_first(host_keys, recorded)
    } else {
        host_keys
    };
    let kex_defaults: Vec<_> = d
        .kex
        .iter()
        .filter(|k| !is_extension(k.as_ref()))
        .cloned()
        .collect();
    let mut kex = apply(
        lists.kex.as_ref(),
        "KexAlgorithms",
        &kex_defaults,
        russh::kex::ALL_KEX_ALGORITHMS
            .iter()
            .map(|k| **k)
            .filter(|k| !is_extension(k.as_ref()) && k.as_ref() != "none")
            .collect::<Vec<_>>()
            .as_slice(),
        |k| k.as_ref().to_string(),
    )?;
    // The protocol extensions (ext-info, strict kex) always go along.
    kex.extend(d.kex.iter().filter(|k| is_extension(k.as_ref())).cloned());
    let cipher = apply(
        lists.cipher.as_ref(),
        "Ciphers",
        d.cipher.as_ref(),
        russh::cipher::ALL_CIPHERS
            .iter()
            .map(|c| **c)
            .filter(|c| !matches!(c.as_ref(), "none" | "clear"))
            .collect::<Vec<_>>()
            .as_slice(),
        |c| c.as_ref().to_string(),
    )?;
    let mac = apply(
        lists.mac.as_ref(),
        "MACs",
        d.mac.as_ref(),
        russh::mac::ALL_MAC_ALGORITHMS
            .iter()
            .map(|m| **m)
            .filter(|m| m.as_ref() != "none")
            .collect::<Vec<_>>()
            .as_slice(),
        |m| m.as_ref().to_string(),
    )?;
    Ok(Preferred {
        kex: Cow::Owned(kex),
        key: Cow::Owned(host_keys),
        host_key_certificates: Cow::Borrowed(&[]),
        cipher: Cow::Owned(cipher),
        mac: Cow::Owned(mac),
        compression: d.compression,
    })
}

fn is_extension(name: &str) -> bool {
    name.starts_with("ext-info-") || name.starts_with("kex-strict-")
}

/// Types on record first (in the default order), the rest after. An RSA
/// key on record brings its SHA-2 signature types forward.
fn recorded_first(all: Vec<Algorithm>, recorded: &[Algorithm]) -> Vec<Algorithm> {
    let on_record = |a: &Algorithm| {
        recorded.iter().any(|r| match (r, a) {
            (Algorithm::Rsa { .. }, Algorithm::Rsa { .. }) => true,
            (r, a) => r == a,
        })
    };
    let (mut first, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(on_record);
    first.extend(rest);
    first
}

/// OpenSSH's list syntax: `a,b` replaces the defaults, `+a` appends, `-a*`
/// removes (wildcards allowed), `^a` puts first. Names this build cannot
/// speak are skipped; a list left empty is an error naming the line.
fn apply<T: Clone + PartialEq>(
    entry: Option<&Entry>,
    what: &str,
    defaults: &[T],
    known: &[T],
    name: impl Fn(&T) -> String,
) -> Result<Vec<T>, SshError> {
    let Some(entry) = entry else {
        return Ok(defaults.to_vec());
    };
    let text = entry.args.join(",");
    let lookup = |list: &str| -> Vec<T> {
        list.split(',')
            .filter(|n| !n.is_empty())
            .filter_map(|n| known.iter().find(|k| name(k) == n).cloned())
            .collect()
    };
    let mut out: Vec<T> = if let Some(rest) = text.strip_prefix('+') {
        let mut v = defaults.to_vec();
        v.extend(lookup(rest).into_iter().filter(|k| !defaults.contains(k)));
        v
    } else if let Some(rest) = text.strip_prefix('-') {
        defaults
            .iter()
            .filter(|k| !rest.split(',').any(|p| wildcard(p, &name(k))))
            .cloned()
            .collect()
    } else if let Some(rest) = text.strip_prefix('^') {
        let first = lookup(rest);
        let rest: Vec<T> = defaults
            .iter()
            .filter(|k| !first.contains(k))
            .cloned()
            .collect();
        first.into_iter().chain(rest).collect()
    } else {
        lookup(&text)
    };
    out.dedup();
    if out.is_empty() {
        return Err(SshError::Config {
            path: entry.place(),
            message: format!(
                "{what} {text} leaves nothing sessui can use; it speaks {}",
                known.iter().map(&name).collect::<Vec<_>>().join(",")
            ),
        });
    }
    Ok(out)
}

/// Says which list the server and sessui had nothing in common on, in
/// words a person can act on.
pub fn no_common(kind: &russh::AlgorithmKind, ours: &[String], theirs: &[String]) -> String {
    use russh::AlgorithmKind as K;
    let what = match kind {
        K::Kex => "key exchange method",
        K::Key => "host key type",
        K::Cipher => "cipher",
        K::Mac => "MAC",
        K::Compression => "compression",
    };
    let sha1_only =
        matches!(kind, K::Key) && !theirs.is_empty() && theirs.iter().all(|t| t == "ssh-rsa");
    if sha1_only {
        return "the server signs its host key only with ssh-rsa (RSA with SHA-1, which can be \
                forged); sessui refuses it, as OpenSSH 8.8 and later do. Update the server's \
                sshd (it then offers rsa-sha2-256/512), or, knowing the risk, add \
                `HostKeyAlgorithms +ssh-rsa` for this host in ~/.ssh/config"
            .to_string();
    }
    format!(
        "no {what} in common: the server offers {}; sessui offers {} (see the {} list \
         in ~/.ssh/config, if set)",
        theirs.join(","),
        ours.iter()
            .filter(|o| !is_extension(o))
            .cloned()
            .collect::<Vec<_>>()
            .join(","),
        match kind {
            K::Kex => "KexAlgorithms",
            K::Key => "HostKeyAlgorithms",
            K::Cipher => "Ciphers",
            K::Mac => "MACs",
            K::Compression => "Compression",
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::keys::EcdsaCurve;

    fn entry(text: &str) -> Option<Entry> {
        Some(Entry {
            args: vec![text.to_string()],
            file: "/c".into(),
            line: 3,
        })
    }

    fn names(p: &Preferred) -> Vec<String> {
        p.key.iter().map(|a| a.as_str().to_string()).collect()
    }

    #[test]
    fn sha1_rsa_is_not_offered_unless_asked_for() {
        let p = preferred(&Lists::default(), &[]).unwrap();
        assert!(
            !names(&p).contains(&"ssh-rsa".to_string()),
            "{:?}",
            names(&p)
        );
        assert!(names(&p).contains(&"rsa-sha2-512".to_string()));
        let lists = Lists {
            host_key: entry("+ssh-rsa"),
            ..Default::default()
        };
        let p = preferred(&lists, &[]).unwrap();
        assert_eq!(names(&p).last().unwrap(), "ssh-rsa");
    }

    #[test]
    fn recorded_types_go_first() {
        let ecdsa = Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        };
        let p = preferred(&Lists::default(), &[ecdsa]).unwrap();
        assert_eq!(names(&p)[0], "ecdsa-sha2-nistp256");
        let p = preferred(&Lists::default(), &[Algorithm::Rsa { hash: None }]).unwrap();
        assert_eq!(&names(&p)[..2], &["rsa-sha2-512", "rsa-sha2-256"]);
    }

    #[test]
    fn lists_replace_add_remove_and_prepend() {
        let c = |text: &str| {
            let lists = Lists {
                cipher: entry(text),
                ..Default::default()
            };
            preferred(&lists, &[]).map(|p| {
                p.cipher
                    .iter()
                    .map(|c| c.as_ref().to_string())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(c("aes128-ctr,nonesuch").unwrap(), vec!["aes128-ctr"]);
        assert!(!c("-aes*").unwrap().iter().any(|n| n.starts_with("aes")));
        assert_eq!(c("^aes128-ctr").unwrap()[0], "aes128-ctr");
        assert!(
            c("+aes128-cbc")
                .unwrap()
                .contains(&"aes128-cbc".to_string())
        );
        let err = c("nonesuch").unwrap_err().to_string();
        assert!(
            err.contains("/c line 3") && err.contains("Ciphers"),
            "{err}"
        );
        let lists = Lists {
            kex: entry("curve25519-sha256"),
            ..Default::default()
        };
        let kex: Vec<String> = preferred(&lists, &[])
            .unwrap()
            .kex
            .iter()
            .map(|k| k.as_ref().to_string())
            .collect();
        assert_eq!(kex[0], "curve25519-sha256");
        assert!(kex.iter().any(|k| k.starts_with("kex-strict-c")), "{kex:?}");
    }
}
