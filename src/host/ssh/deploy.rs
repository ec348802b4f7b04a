//! Our own binary on the remote host: `~/.local/share/sessui/bin/sessui-<id>`,
//! where the id changes whenever the executable does. Missing -> upload over
//! an exec channel, verify its SHA-256 there, install with rename (atomic).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use russh::client::Handle;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

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
        let tmp = cache.with_extension("tmp");
        if std::fs::write(&tmp, json).is_ok() {
            let _ = std::fs::rename(&tmp, cache);
        }
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

/// Quotes for a POSIX shell: the text arrives as one word, whatever it holds.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

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
    pub present: bool,
}

/// Runs a short script and returns its marked output lines and exit status.
async fn run(
    handle: &Handle<Client>,
    script: &str,
    input: Option<&Path>,
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
    // Read while writing: the output must be drained even if the upload stalls.
    let read = async move {
        let mut out = Vec::new();
        let _ = reader.read_to_end(&mut out).await;
        out
    };
    let write = async move {
        if let Some(path) = input {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| SshError::Deploy(format!("cannot read {}: {e}", path.display())))?;
            let mut file = BufReader::with_capacity(32 << 10, file);
            tokio::io::copy_buf(&mut file, &mut writer)
                .await
                .map_err(|e| SshError::Deploy(format!("upload interrupted: {e}")))?;
        }
        let _ = writer.shutdown().await;
        // Keep the writer until the output ends: dropping it closes the channel.
        Ok::<_, SshError>(writer)
    };
    let (out, written) = tokio::join!(read, write);
    drop(written?);
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

/// Asks the host for its OS, architecture and whether `bin` (a shell word) is installed.
pub async fn probe(handle: &Handle<Client>, bin: &str) -> Result<Probe, SshError> {
    let script = format!(
        "printf '{MARK}PROBE %s %s\\n' \"$(uname -s)\" \"$(uname -m)\"; \
         if [ -x {bin} ]; then echo {MARK}PRESENT; fi"
    );
    let (lines, _, stderr) = run(handle, &script, None).await?;
    let mut probe = None;
    let mut present = false;
    for l in &lines {
        if let Some(rest) = l.strip_prefix("PROBE ") {
            let mut f = rest.split_whitespace();
            probe = Some((
                f.next().unwrap_or_default().to_string(),
                f.next().unwrap_or_default().to_string(),
            ));
        } else if l == "PRESENT" {
            present = true;
        }
    }
    let (os, arch) = probe.ok_or_else(|| {
        SshError::Deploy(format!(
            "cannot run commands on the remote host (no answer to `uname`){}",
            stderr_hint(&stderr)
        ))
    })?;
    Ok(Probe { os, arch, present })
}

/// Whether a binary built for this machine runs there.
pub fn same_platform(p: &Probe) -> bool {
    p.os.eq_ignore_ascii_case(std::env::consts::OS) && p.arch == std::env::consts::ARCH
}

/// Uploads `exe` as version `id`, checks its SHA-256 on the remote side, and
/// moves it into place only if it matches.
pub async fn upload(handle: &Handle<Client>, exe: &Exe, id: &str) -> Result<(), SshError> {
    let script = format!(
        "set -e; umask 077; d=\"$HOME\"/{dir}; mkdir -p \"$d\"; t=\"$d/.sessui-{id}.$$.tmp\"; \
         trap 'rm -f \"$t\"' EXIT; cat > \"$t\"; \
         if command -v sha256sum >/dev/null 2>&1; then s=$(sha256sum \"$t\"); \
         elif command -v shasum >/dev/null 2>&1; then s=$(shasum -a 256 \"$t\"); \
         else s=$(openssl dgst -sha256 -r \"$t\"); fi; s=${{s%% *}}; \
         if [ \"$s\" != {sum} ]; then echo {MARK}BADSUM \"$s\"; exit 3; fi; \
         chmod 755 \"$t\"; mv -f \"$t\" \"$d/sessui-{id}\"; trap - EXIT; echo {MARK}INSTALLED",
        dir = sh_quote(REMOTE_BIN_DIR),
        sum = sh_quote(&exe.sha256),
    );
    let (lines, status, stderr) = run(handle, &script, Some(&exe.path)).await?;
    if lines.iter().any(|l| l == "INSTALLED") {
        return Ok(());
    }
    if let Some(got) = lines.iter().find_map(|l| l.strip_prefix("BADSUM ")) {
        return Err(SshError::Deploy(format!(
            "the uploaded binary arrived damaged (SHA-256 {got}, expected {}); nothing was installed",
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
