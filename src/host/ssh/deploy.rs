//! Our own binary on the remote host: `~/.local/share/sessui/bin/sessui-<id>`,
//! where the id changes whenever the executable does. Missing, or not our
//! bytes (a file of that name is trusted only if its size and SHA-256 are
//! ours) -> upload over an exec channel, verify its SHA-256 there, install
//! with rename (atomic). Remote output is bounded in size and time.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use russh::client::Handle;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::connect::Client;
use super::error::SshError;
use super::pump;

/// Where binaries go on the remote host, under its `$HOME`.
pub const REMOTE_BIN_DIR: &str = ".local/share/sessui/bin";
/// Marks our lines in remote output, which may start with shell start-up noise.
const MARK: &str = "SESSUI-";

/// The executable we run, as the remote host will know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exe {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

impl Exe {
    /// Crate version plus the start of the content hash: a rebuilt binary is a new version.
    pub fn version_id(&self) -> String {
        format!(
            "{}-{}",
            env!("CARGO_PKG_VERSION"),
            &self.sha256[..16.min(self.sha256.len())]
        )
    }
}

/// The hash cache entry: valid while the file is the same inode, size and mtime.
#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    sha256: String,
}

/// Hashes `path` (an 80 MB debug build takes a moment, so the hash is cached
/// in `cache`, keyed by inode, size and mtime). Blocking.
pub fn identify(path: &Path, cache: &Path) -> std::io::Result<Exe> {
    let meta = std::fs::metadata(path)?;
    let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    if let Ok(text) = std::fs::read(cache)
        && let Ok(c) = serde_json::from_slice::<Cached>(&text)
        && (c.dev, c.ino, c.size, c.mtime_ns) == (meta.dev(), meta.ino(), meta.size(), mtime_ns)
    {
        return Ok(Exe {
            path: path.to_path_buf(),
            size: meta.size(),
            sha256: c.sha256,
        });
    }
    let sha256 = sha256_file(path)?;
    let entry = Cached {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.size(),
        mtime_ns,
        sha256: sha256.clone(),
    };
    if let Ok(json) = serde_json::to_vec(&entry) {
        let _ = crate::paths::write_private(cache, &json);
    }
    Ok(Exe {
        path: path.to_path_buf(),
        size: meta.size(),
        sha256,
    })
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

pub use crate::text::sh_quote;

/// The remote login shell runs our command; wrap it in `sh -c` so the script
/// means the same under bash, zsh or fish.
pub fn sh_command(script: &str) -> String {
    format!("sh -c {}", sh_quote(script))
}

/// A remote path as a shell word: `~/x` becomes `"$HOME"/'x'`.
pub fn remote_path_word(path: &str) -> String {
    match path.strip_prefix("~/") {
        Some(rest) => format!("\"$HOME\"/{}", sh_quote(rest)),
        None => sh_quote(path),
    }
}

/// The default install path of version `id`, as a shell word.
pub fn default_bin_word(id: &str) -> String {
    remote_path_word(&format!("~/{REMOTE_BIN_DIR}/sessui-{id}"))
}

/// What the remote host is and whether our binary is already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub os: String,
    pub arch: String,
    /// Our binary is there: the same size and SHA-256 as ours (or, for a
    /// binary installed by hand, there and executable).
    pub present: bool,
    /// Directories on the way to the binary that other users can write to.
    pub open_dirs: Vec<String>,
}

/// Remote output kept at most: a probe or an install prints a few lines,
/// and a login shell that prints without end must not fill our memory.
const MAX_OUTPUT: usize = 1 << 20;
/// How long the remote side has to answer once our input is sent: a slow
/// login shell (a heavy `.bashrc`) is part of it.
const ANSWER_WAIT: Duration = Duration::from_secs(20);
/// An upload that moves no data for this long has stalled.
const UPLOAD_STALL: Duration = Duration::from_secs(60);

/// Runs a short script and returns its marked output lines and exit
/// status, bounded in size and time.
async fn run(
    handle: &Handle<Client>,
    script: &str,
    input: Option<&Path>,
    step: &str,
) -> Result<(Vec<String>, Option<u32>, String), SshError> {
    let ch = handle
        .channel_open_session()
        .await
        .map_err(|e| SshError::Channel(format!("cannot open a channel: {e}")))?;
    ch.exec(true, sh_command(script))
        .await
        .map_err(|e| SshError::Channel(format!("cannot run a command: {e}")))?;
    let pumped = pump::pump(ch, "deploy".into());
    let mut writer = pumped.writer;
    let mut reader = pumped.reader;
    let (sent_tx, sent_rx) = tokio::sync::oneshot::channel::<()>();
    // Read while writing: the output must be drained even if the upload
    // stalls. Once the input is all sent, the answer has ANSWER_WAIT.
    let read = async move {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 16 << 10];
        let mut sent = Some(sent_rx);
        let mut deadline: Option<tokio::time::Instant> = None;
        loop {
            let n = tokio::select! {
                r = reader.read(&mut buf) => r,
                _ = async { if let Some(rx) = sent.as_mut() { let _ = rx.await; } }, if sent.is_some() => {
                    sent = None;
                    deadline = Some(tokio::time::Instant::now() + ANSWER_WAIT);
                    continue;
                }
                _ = sleep_until(deadline), if deadline.is_some() => {
                    return Err(SshError::Timeout { step: step.to_string(), after: ANSWER_WAIT });
                }
            };
            match n {
                Ok(0) | Err(_) => return Ok(out),
                Ok(n) if out.len() + n > MAX_OUTPUT => {
                    return Err(SshError::Deploy(format!(
                        "the remote host sent more than {} KiB while {step}: does something in \
                         its shell start-up (~/.bashrc, ~/.profile) print without end?",
                        MAX_OUTPUT >> 10
                    )));
                }
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    let write = async move {
        if let Some(path) = input {
            let mut file = tokio::fs::File::open(path)
                .await
                .map_err(|e| SshError::Deploy(format!("cannot read {}: {e}", path.display())))?;
            let mut chunk = vec![0u8; 32 << 10];
            loop {
                let n = file.read(&mut chunk).await.map_err(|e| {
                    SshError::Deploy(format!("cannot read {}: {e}", path.display()))
                })?;
                if n == 0 {
                    break;
                }
                match tokio::time::timeout(UPLOAD_STALL, writer.write_all(&chunk[..n])).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(SshError::Deploy(format!("upload interrupted: {e}"))),
                    Err(_) => {
                        return Err(SshError::Timeout {
                            step: format!(
                                "uploading (no progress for {} s)",
                                UPLOAD_STALL.as_secs()
                            ),
                            after: UPLOAD_STALL,
                        });
                    }
                }
            }
        }
        let _ = writer.shutdown().await;
        let _ = sent_tx.send(());
        // Keep the writer until the output ends: dropping it closes the channel.
        Ok::<_, SshError>(writer)
    };
    let (out, written) = tokio::join!(read, write);
    drop(written?);
    let out = out?;
    let report = pumped
        .report
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let lines = String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| {
            l.find(MARK)
                .map(|i| l[i + MARK.len()..].trim_end().to_string())
        })
        .collect();
    Ok((lines, report.exit_status, report.stderr))
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The remote shell's way to the SHA-256 of `$1`, whichever tool it has.
const SHA256_OF: &str = "if command -v sha256sum >/dev/null 2>&1; then s=$(sha256sum \"$1\"); \
     elif command -v shasum >/dev/null 2>&1; then s=$(shasum -a 256 \"$1\"); \
     else s=$(openssl dgst -sha256 -r \"$1\"); fi; s=${s%% *}";

/// Asks the host for its OS, architecture, whether `bin` (a shell word) is
/// our binary (same size and SHA-256 as `ours`; a binary installed by hand
/// has no `ours` and only needs to be there), and who can write to the
/// directories on the way to it. Warns about the last through `prompter`.
pub async fn probe(
    handle: &Handle<Client>,
    bin: &str,
    ours: Option<&Exe>,
    prompter: &dyn crate::host::Prompter,
    host: &str,
) -> Result<Probe, SshError> {
    let script = format!(
        "printf '{MARK}PROBE %s %s\\n' \"$(uname -s)\" \"$(uname -m)\"; b={bin}; \
         if [ -f \"$b\" ] && [ -x \"$b\" ]; then set -- \"$b\"; {SHA256_OF}; \
         echo {MARK}PRESENT $(wc -c < \"$b\") \"$s\"; fi; \
         d=$(dirname \"$b\"); while [ -d \"$d\" ]; do set -- $(ls -ldn \"$d\"); \
         echo \"{MARK}DIR $1 $3 $d\"; if [ \"$d\" = \"$HOME\" ] || [ \"$d\" = / ] || \
         [ \"$d\" = . ]; then break; fi; d=$(dirname \"$d\"); done"
    );
    let (lines, _, stderr) = run(handle, &script, None, "checking sessui on the host").await?;
    let mut probe = None;
    let mut found: Option<(u64, String)> = None;
    let mut open_dirs = Vec::new();
    for l in &lines {
        if let Some(rest) = l.strip_prefix("PROBE ") {
            let mut f = rest.split_whitespace();
            probe = Some((
                f.next().unwrap_or_default().to_string(),
                f.next().unwrap_or_default().to_string(),
            ));
        } else if let Some(rest) = l.strip_prefix("PRESENT ") {
            let mut f = rest.split_whitespace();
            let size = f.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            found = Some((size, f.next().unwrap_or_default().to_string()));
        } else if let Some(rest) = l.strip_prefix("DIR ") {
            let mut f = rest.splitn(3, ' ');
            let (mode, _owner, dir) = (
                f.next().unwrap_or_default(),
                f.next().unwrap_or_default(),
                f.next().unwrap_or_default(),
            );
            let m = mode.as_bytes();
            let others_write = m.get(5) == Some(&b'w') || m.get(8) == Some(&b'w');
            if others_write {
                open_dirs.push(crate::text::ingest(dir, 300));
            }
        }
    }
    let (os, arch) = probe.ok_or_else(|| {
        SshError::Deploy(format!(
            "cannot run commands on the remote host (no answer to `uname`){}",
            stderr_hint(&stderr)
        ))
    })?;
    let present = match (ours, &found) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(exe), Some((size, sha))) => {
            let same = *size == exe.size && sha.eq_ignore_ascii_case(&exe.sha256);
            if !same {
                tracing::warn!(
                    host,
                    "the binary at {bin} is not this sessui (size {size}, SHA-256 {}): replacing it",
                    crate::text::ingest(sha, 64)
                );
            }
            same
        }
    };
    for dir in &open_dirs {
        prompter
            .warn(
                host,
                &format!(
                    "{dir} on the remote host is writable by other users: any of them could \
                     replace the sessui binary in it with their own program. Fix it there: \
                     chmod go-w '{dir}'"
                ),
            )
            .await;
    }
    Ok(Probe {
        os,
        arch,
        present,
        open_dirs,
    })
}

/// Whether a binary built for this machine runs there.
pub fn same_platform(p: &Probe) -> bool {
    p.os.eq_ignore_ascii_case(std::env::consts::OS) && p.arch == std::env::consts::ARCH
}

/// Uploads `exe` as version `id`, checks its SHA-256 on the remote side, and
/// moves it into place only if it matches (replacing whatever was there).
pub async fn upload(handle: &Handle<Client>, exe: &Exe, id: &str) -> Result<(), SshError> {
    let script = format!(
        "set -e; umask 077; d=\"$HOME\"/{dir}; mkdir -p \"$d\"; t=\"$d/.sessui-{id}.$$.tmp\"; \
         trap 'rm -f \"$t\"' EXIT; cat > \"$t\"; set -- \"$t\"; {SHA256_OF}; \
         if [ \"$s\" != {sum} ]; then echo {MARK}BADSUM \"$s\"; exit 3; fi; \
         chmod 755 \"$t\"; mv -f \"$t\" \"$d/sessui-{id}\"; trap - EXIT; echo {MARK}INSTALLED",
        dir = sh_quote(REMOTE_BIN_DIR),
        sum = sh_quote(&exe.sha256),
    );
    let (lines, status, stderr) =
        run(handle, &script, Some(&exe.path), "installing sessui").await?;
    if lines.iter().any(|l| l == "INSTALLED") {
        return Ok(());
    }
    if let Some(got) = lines.iter().find_map(|l| l.strip_prefix("BADSUM ")) {
        return Err(SshError::Deploy(format!(
            "the uploaded binary arrived damaged (SHA-256 {}, expected {}); nothing was installed",
            crate::text::ingest(got, 64),
            exe.sha256
        )));
    }
    Err(SshError::Deploy(format!(
        "installing sessui in ~/{REMOTE_BIN_DIR} failed (exit status {}){}",
        status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".into()),
        stderr_hint(&stderr)
    )))
}

fn stderr_hint(stderr: &str) -> String {
    let last = stderr.trim().lines().last().unwrap_or_default().trim();
    if last.is_empty() {
        String::new()
    } else {
        format!(": {last}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_home() {
        assert_eq!(sh_quote("a'b"), r"'a'\''b'");
        assert_eq!(remote_path_word("~/x y"), "\"$HOME\"/'x y'");
        assert_eq!(remote_path_word("/opt/s"), "'/opt/s'");
    }

    #[test]
    fn identity_is_cached_and_changes_with_content() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("exe");
        let cache = dir.path().join("cache.json");
        std::fs::write(&exe, b"one").unwrap();
        let a = identify(&exe, &cache).unwrap();
        assert_eq!(a.size, 3);
        assert!(cache.exists());
        assert_eq!(identify(&exe, &cache).unwrap(), a);
        std::fs::write(&exe, b"one more").unwrap();
        let b = identify(&exe, &cache).unwrap();
        assert_ne!(a.version_id(), b.version_id());
        assert!(b.version_id().starts_with(env!("CARGO_PKG_VERSION")));
    }
}
