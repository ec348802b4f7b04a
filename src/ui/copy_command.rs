//! Piping a copy to the user's `copy_command` (`wl-copy`, `xclip`,
//! `pbcopy`): run by `sh -c`, the text on its standard input.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a copy command may take to exit before sessui stops waiting
/// (it is left to run): clipboard tools hand the text to a daemon at once.
const COMMAND_WAIT: Duration = Duration::from_secs(5);

/// Runs `command` with `text` on its input; the error says why it failed.
/// Blocks: run it off the event loop.
pub fn run(command: &str, text: &str) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        // Not read: a tool that forks a daemon keeps its output open.
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // On a thread of its own: a command that does not read its input
        // must not hold this one. A closed pipe is the command's business.
        let text = text.to_string();
        std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("it exited with {status}")),
            Ok(None) if started.elapsed() >= COMMAND_WAIT => return Ok(()),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_gets_the_text_and_failures_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("got");
        run(&format!("cat > '{}'", file.display()), "héllo\nworld").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "héllo\nworld");
        let err = run("exit 3", "x").unwrap_err();
        assert!(err.contains("exit status: 3"), "{err}");
    }
}
