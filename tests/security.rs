//! The trust boundary on this machine, tried the way an attacker would:
//! directories squatted by another user, text made to drive the terminal
//! (from programs and from remote hosts), other users at a job's socket, a
//! flooding client, inherited descriptors, a deleted socket directory. Each
//! test fails on a sessui that trusts too much. The SSH side is in
//! security_ssh.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/remote.rs"]
mod remote;
#[path = "common/sshd.rs"]
mod sshd;

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{PATIENCE, Sandbox, pid_alive, wait_until};
use remote::*;
use sessui::testing::protocol::{ClientMsg, MAGIC, encode_frame};

/// An unprivileged uid no test user owns anything as: the "other user".
const OTHER_UID: u32 = 65534;

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Says loudly why a test that needs a second uid did not run.
fn needs_root(test: &str) -> bool {
    if is_root() {
        return true;
    }
    eprintln!("NOT RUN: {test} needs root to act as a second user (uid {OTHER_UID})");
    false
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn job_of(sb: &Sandbox, name: &str) -> (String, u32) {
    let s = sb.session_json(name);
    (
        s["job_id"].as_str().unwrap().to_string(),
        s["job_pid"].as_u64().unwrap() as u32,
    )
}

fn socket_of(sb: &Sandbox, name: &str) -> PathBuf {
    let (job, _) = job_of(sb, name);
    sb.paths().runtime_dir.join(format!("{job}.sock"))
}

/// Runs sessui expecting a failure; returns stderr.
fn refused(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.run(args);
    assert!(
        !out.status.success(),
        "sessui {args:?} should fail; stdout {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A session with a shell that reads commands.
fn ready_session(sb: &Sandbox, name: &str) {
    sb.ok(&["new", "--name", name]);
    sb.ok(&["send", name, "echo ready-$((6*7))\\n"]);
    sb.wait_screen(name, "ready-42");
}

// ---------------------------------------------------------------------------
// Text from programs and hosts never drives the terminal

#[test]
fn a_title_with_a_c1_control_is_shown_escaped_by_info() {
    let sb = Sandbox::new();
    ready_session(&sb, "t");
    // OSC 2 whose text holds U+009B (CSI as a UTF-8 C1 control) and a bidi override
    sb.ok(&[
        "send",
        "t",
        // (`sessui send` reads `\\` as one backslash, for printf)
        "printf '\\\\033]2;ti\\\\302\\\\2332Jtle\\\\342\\\\200\\\\256x\\\\007'; echo set-$((2+3))\\n",
    ]);
    sb.wait_screen("t", "set-5");
    let mut text = String::new();
    assert!(
        wait_until(PATIENCE, || {
            text = sb.ok(&["info", "t"]);
            text.contains("title")
        }),
        "no title in: {text}"
    );
    assert!(
        !text.contains('\u{9b}') && !text.contains('\u{202e}'),
        "raw control in info: {text:?}"
    );
    assert!(
        text.contains("ti\\u{9b}2Jtle\\u{202e}x"),
        "title shown escaped: {text}"
    );
    let json = sb.ok(&["info", "t", "--json"]);
    assert!(
        !json.contains('\u{9b}') && !json.contains('\u{202e}'),
        "{json:?}"
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["title"].as_str().unwrap().contains("2Jtle"), "{v}");
}

#[test]
fn capture_shows_bidi_overrides_escaped_and_keeps_only_colours_with_ansi() {
    let sb = Sandbox::new();
    ready_session(&sb, "c");
    sb.ok(&[
        "send",
        "c",
        "printf 'abc\\\\342\\\\200\\\\256def \\\\033[31mred\\\\033[0m\\\\n'; echo done-$((1+1))\\n",
    ]);
    let plain = sb.wait_screen("c", "done-2");
    assert!(!plain.contains('\u{202e}'), "{plain:?}");
    assert!(plain.contains("abc\\u{202e}def"), "{plain}");
    let ansi = sb.ok(&["capture", "c", "--ansi"]);
    assert!(!ansi.contains('\u{202e}'), "{ansi:?}");
    assert!(ansi.contains("\x1b["), "colours are kept: {ansi:?}");
}

#[test]
fn names_with_invisible_characters_and_hosts_with_controls_are_refused() {
    let sb = Sandbox::new();
    let err = refused(&sb, &["new", "--name", "invoice\u{202e}fdp.exe"]);
    assert!(err.contains("U+202E"), "{err}");
    let err = refused(&sb, &["new", "--name", "zero\u{200b}width"]);
    assert!(err.contains("U+200B"), "{err}");
    let out = sb.run(&["new", "--host", "db1\x1b]0;pwned\x07"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains('\x1b'), "raw escape in: {err:?}");
    assert!(err.contains("host"), "{err}");
    assert!(
        sb.ok(&["ls"]).contains("no sessions"),
        "nothing half-made is left"
    );
}

#[test]
fn a_crafted_remote_exit_record_is_stored_and_listed_harmless() {
    let (sb, sshd) = setup();
    run_ok(&sb, &["new", "--host", "box", "--name", "x"]);
    run_ok(&sb, &["send", "x", "echo up-$((3*3))\\n"]);
    wait_screen(&sb, "x", "up-9");
    let (job, pid) = job_of(&sb, "x");
    // The job dies without a word, and the remote host (or whoever owns
    // it) leaves an exit record meant for our terminal.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(wait_until(PATIENCE, || !pid_alive(pid)));
    let clients = sshd.remote_home.join(".local/state/sessui/clients");
    let client = std::fs::read_dir(&clients)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let evil = sessui::testing::protocol::ExitInfo {
        code: None,
        signal: Some("\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}".into()),
        reason: sessui::testing::protocol::ExitReason::ShellExited,
        at: 0,
    };
    sessui::testing::job::write_exit_record(&client.path().join("jobs"), &job, &evil).unwrap();

    // the next look at the job finds it dead and records how the host says it ended
    assert!(
        wait_until(PATIENCE, || {
            let _ = sessui(&sb, &["info", "x"]).output();
            sb.session_json("x")["state"] == "done"
        }),
        "never marked done"
    );
    let ls = run_ok(&sb, &["ls"]);
    assert!(ls.contains("done (killed by"), "{ls}");
    assert!(
        !ls.contains('\x1b') && !ls.contains('\u{9b}') && !ls.contains('\u{202e}'),
        "raw control in ls: {ls:?}"
    );
    assert!(ls.contains("\\x1b]0;pwned"), "{ls}");
    // stored made safe: the database itself holds no control
    let row = sb.session_json("x");
    let exit = row["exit"].as_str().unwrap();
    assert!(!exit.chars().any(sessui_control), "stored raw: {exit:?}");
    let info = run_ok(&sb, &["info", "x"]);
    assert!(
        !info.chars().any(|c| sessui_control(c) && c != '\n'),
        "{info:?}"
    );
}

/// A control or invisible character, by the same definition as sessui's.
fn sessui_control(c: char) -> bool {
    c.is_control()
        || matches!(u32::from(c), 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

#[test]
fn a_remote_stderr_line_in_an_error_is_escaped() {
    let (sb, sshd) = setup();
    let evil = sshd.remote_home.join("evil.sh");
    std::fs::write(
        &evil,
        "#!/bin/sh\nprintf '\\033[2J\\033]0;pwned\\007EVIL\\302\\233\\n' >&2\nexit 1\n",
    )
    .unwrap();
    chmod(&evil, 0o755);
    sb.write_config(&format!("{FAST_KEEPALIVE}remote_path = \"~/evil.sh\"\n"));
    let err = run_fails(&sb, &["new", "--host", "box"]);
    assert!(err.contains("EVIL"), "the remote's words are kept: {err}");
    assert!(
        !err.contains('\x1b') && !err.contains('\u{9b}'),
        "raw escape in: {err:?}"
    );
    assert!(err.contains("\\x1b]0;pwned"), "{err}");
}

// ---------------------------------------------------------------------------
// Directories and files are trusted only if they are the user's

/// An evil `shell` for config.toml: leaves a mark if it ever runs.
fn evil_shell(sb: &Sandbox) -> (PathBuf, PathBuf) {
    let mark = sb.dir.path().join("evil-ran");
    let script = sb.dir.path().join("evil-shell");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\nexec /bin/bash\n", mark.display()),
    )
    .unwrap();
    chmod(&script, 0o755);
    (script, mark)
}

#[test]
fn a_sessui_home_made_by_another_user_is_refused_and_its_config_never_runs() {
    if !needs_root("a_sessui_home_made_by_another_user_is_refused") {
        return;
    }
    let sb = Sandbox::new();
    let (script, mark) = evil_shell(&sb);
    // another user made the directory first (a shared /tmp path) and left a config
    std::fs::write(
        sb.sessui_home.join("config.toml"),
        format!("shell = \"{}\"\n", script.display()),
    )
    .unwrap();
    chown(&sb.sessui_home.join("config.toml"), OTHER_UID);
    chown(&sb.sessui_home, OTHER_UID);
    chmod(&sb.sessui_home, 0o755);
    let err = refused(&sb, &["new", "--name", "victim"]);
    let home = sb.sessui_home.display().to_string();
    assert!(err.contains(&home), "names the path: {err}");
    assert!(
        err.contains(&format!("uid {OTHER_UID}")),
        "says whose: {err}"
    );
    assert!(!mark.exists(), "the other user's shell ran as us");
    let err = refused(&sb, &["ls"]);
    assert!(err.contains(&home), "{err}");
}

#[test]
fn a_home_or_config_others_can_write_is_refused_with_the_fix() {
    let sb = Sandbox::new();
    let (script, mark) = evil_shell(&sb);
    chmod(&sb.sessui_home, 0o777);
    let err = refused(&sb, &["new", "--name", "a"]);
    let home = sb.sessui_home.display().to_string();
    assert!(err.contains(&format!("chmod go-w '{home}'")), "{err}");
    chmod(&sb.sessui_home, 0o700);
    // a config file anyone may edit is someone else's code
    let config = sb.sessui_home.join("config.toml");
    std::fs::write(&config, format!("shell = \"{}\"\n", script.display())).unwrap();
    chmod(&config, 0o666);
    let err = refused(&sb, &["new", "--name", "b"]);
    assert!(
        err.contains(&format!("chmod go-w '{}'", config.display())),
        "{err}"
    );
    assert!(!mark.exists(), "the writable config was used");
    chmod(&config, 0o600);
    sb.ok(&["new", "--name", "c"]);
    assert!(
        wait_until(PATIENCE, || mark.exists()),
        "our own config is used"
    );
}

#[test]
fn files_of_another_user_inside_the_home_are_refused() {
    if !needs_root("files_of_another_user_inside_the_home_are_refused") {
        return;
    }
    let sb = Sandbox::new();
    let (script, mark) = evil_shell(&sb);
    let config = sb.sessui_home.join("config.toml");
    std::fs::write(&config, format!("shell = \"{}\"\n", script.display())).unwrap();
    chown(&config, OTHER_UID);
    let err = refused(&sb, &["new"]);
    assert!(err.contains(&config.display().to_string()), "{err}");
    assert!(err.contains(&format!("uid {OTHER_UID}")), "{err}");
    assert!(!mark.exists());
    std::fs::remove_file(&config).unwrap();
    sb.ok(&["ls"]);
    let db = sb.paths().db_file();
    chown(&db, OTHER_UID);
    let err = refused(&sb, &["ls"]);
    assert!(err.contains(&db.display().to_string()), "{err}");
}

#[test]
fn a_symlinked_runtime_dir_is_refused_not_followed() {
    let sb = Sandbox::new();
    sb.ok(&["ls"]);
    let run = sb.paths().runtime_dir;
    std::fs::remove_dir(&run).unwrap();
    let elsewhere = sb.dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    chmod(&elsewhere, 0o755);
    if is_root() {
        chown(&elsewhere, OTHER_UID);
    }
    std::os::unix::fs::symlink(&elsewhere, &run).unwrap();
    let err = refused(&sb, &["new", "--name", "s"]);
    assert!(err.contains(&run.display().to_string()), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(mode(&elsewhere), 0o755, "chmod went through the link");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

/// The runtime dir is checked again before each connection: a process that
/// is already running never talks to a socket someone else put in its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_dir_is_checked_again_before_each_connect() {
    let sb = Sandbox::new();
    let mgr = sb.manager(sessui::testing::config::Config::default());
    let s = mgr
        .create(sessui::testing::manager::CreateOpts {
            name: "r".into(),
            cols: 80,
            rows: 24,
            ..Default::default()
        })
        .await
        .unwrap();
    let id = s.id.to_string();
    let job = mgr.resolve(&id).unwrap().job.unwrap().id.to_string();
    let run = sb.paths().runtime_dir;
    // the real directory moves away; an impostor socket waits behind a link
    let moved = sb.dir.path().join("run-moved");
    let fake = sb.dir.path().join("fake");
    std::fs::create_dir(&fake).unwrap();
    let impostor =
        std::os::unix::net::UnixListener::bind(fake.join(format!("{job}.sock"))).unwrap();
    impostor.set_nonblocking(true).unwrap();
    // The link is made first and swapped in at once: a job remakes its
    // missing directory within a second, which would take the name.
    let link = sb.dir.path().join("run-link");
    std::os::unix::fs::symlink(&fake, &link).unwrap();
    std::fs::rename(&run, &moved).unwrap();
    std::fs::rename(&link, &run).unwrap();
    let err = mgr.capture(&id, 0, false).await.unwrap_err().to_string();
    assert!(err.contains(&run.display().to_string()), "{err}");
    assert!(
        impostor.accept().is_err(),
        "sessui connected to the impostor's socket"
    );
    // the real one back: all is well again. The job checks its socket every
    // second and remakes a missing directory: if it did so between the
    // link's removal and the rename, its socket is in the one it made.
    std::fs::remove_file(&run).unwrap();
    if let Err(e) = std::fs::rename(&moved, &run) {
        assert!(run.is_dir(), "putting the directory back: {e}");
    }
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while let Err(e) = mgr.capture(&id, 0, false).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job is not reached again: {e}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------
// Private files and arguments

#[test]
fn every_file_is_private_and_the_command_is_not_in_the_jobs_argv() {
    let sb = Sandbox::new();
    let cwd = sb.dir.path().join("cwd-SECRET2");
    std::fs::create_dir(&cwd).unwrap();
    sb.ok(&[
        "new",
        "--name",
        "p",
        "--cwd",
        cwd.to_str().unwrap(),
        "--cmd",
        "echo run-$((5*5)); sleep 600 # tok-SECRET1",
    ]);
    sb.wait_screen("p", "run-25");
    sb.ok(&["ls"]);
    let (_, pid) = job_of(&sb, "p");
    let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let argv = String::from_utf8_lossy(&argv).replace('\0', " ");
    assert!(argv.contains("job"), "{argv}");
    assert!(!argv.contains("SECRET1"), "the command is in ps: {argv}");
    assert!(!argv.contains("SECRET2"), "the cwd is in ps: {argv}");
    // the job still knows both
    let info = sb.ok(&["info", "p"]);
    assert!(
        info.contains("tok-SECRET1") && info.contains("cwd-SECRET2"),
        "{info}"
    );

    let mut seen = Vec::new();
    let mut todo = vec![sb.sessui_home.clone()];
    while let Some(dir) = todo.pop() {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path);
            } else {
                assert_eq!(
                    meta.permissions().mode() & 0o077,
                    0,
                    "{} is {:o}",
                    path.display(),
                    meta.permissions().mode() & 0o777
                );
                seen.push(path.file_name().unwrap().to_string_lossy().to_string());
            }
        }
    }
    for name in ["sessions.db", "sessui.log"] {
        assert!(
            seen.iter().any(|s| s == name),
            "{name} missing from {seen:?}"
        );
    }
    // SQLite's own files exist while the database is open, with its mode
    let store = sessui::testing::store::Store::open(&sb.paths().db_file()).unwrap();
    store.data_version().unwrap();
    for name in ["sessions.db-wal", "sessions.db-shm"] {
        let path = sb.sessui_home.join(name);
        assert_eq!(mode(&path) & 0o077, 0, "{name} is {:o}", mode(&path));
    }
    drop(store);
}

// ---------------------------------------------------------------------------
// Jobs keep nothing they inherited

#[test]
fn a_job_keeps_no_descriptor_it_inherited() {
    let sb = Sandbox::new();
    let leaked = sb.dir.path().join("leaked-file");
    let file = std::fs::File::create(&leaked).unwrap();
    // as a careless parent would pass it on: no close-on-exec
    nix::fcntl::fcntl(
        &file,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
    )
    .unwrap();
    sb.ok(&["new", "--name", "fd"]);
    drop(file);
    let (_, pid) = job_of(&sb, "fd");
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        !fds.iter().any(|f| f.contains("leaked-file")),
        "the job holds an inherited descriptor: {fds:?}"
    );
}

// ---------------------------------------------------------------------------
// A job's socket: only its user, bounded clients, no starvation

/// Connects as another user (even with the socket opened up to everyone)
/// and returns how many bytes of the job's hello came back.
fn hello_bytes_as_other_user(sock: &Path) -> String {
    // (a write to a socket the job already closed must not kill perl)
    let script = "$SIG{PIPE} = 'IGNORE'; use Socket; \
                  socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die \"socket: $!\"; \
                  connect($s, pack_sockaddr_un($ARGV[0])) or die \"connect: $!\"; \
                  syswrite($s, \"\\x00SESSUI\\x01\\x00\\x01\\x00\\x02\"); \
                  my $n = sysread($s, my $buf, 14); print defined $n ? $n : -1;";
    let out = Command::new("setpriv")
        .args([
            &format!("--reuid={OTHER_UID}"),
            &format!("--regid={OTHER_UID}"),
            "--clear-groups",
            "perl",
            "-e",
            script,
        ])
        .arg(sock)
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn another_user_at_a_jobs_socket_is_refused() {
    if !needs_root("another_user_at_a_jobs_socket_is_refused") {
        return;
    }
    let sb = Sandbox::new();
    ready_session(&sb, "u");
    let sock = socket_of(&sb, "u");
    // a mistake opens every door on the way; the job itself still says no
    for dir in [sb.dir.path(), &sb.sessui_home, &sb.paths().runtime_dir] {
        chmod(dir, 0o711);
    }
    chmod(&sock, 0o777);
    let got = hello_bytes_as_other_user(&sock);
    chmod(&sb.paths().runtime_dir, 0o700);
    chmod(&sock, 0o600);
    // (the job closes at once: an end of file, or a reset for the hello it never read)
    assert!(
        matches!(got.trim(), "0" | "-1"),
        "another uid got an answer: {got}"
    );
    // its own user still gets in
    sb.ok(&["send", "u", "echo still-$((7*7))\\n"]);
    sb.wait_screen("u", "still-49");
}

/// A client that asks for big captures as fast as it can and never reads.
struct Flood {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<usize>>,
}

impl Flood {
    fn start(sock: &Path) -> Flood {
        let mut s = std::os::unix::net::UnixStream::connect(sock).unwrap();
        let mut hello = MAGIC.to_vec();
        hello.extend_from_slice(&[0, 1, 0, 2]);
        s.write_all(&hello).unwrap();
        let mut answer = [0u8; 14];
        s.read_exact(&mut answer).unwrap();
        s.set_write_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let frame = encode_frame(&ClientMsg::Capture {
            scrollback: 10_000,
            ansi: true,
        })
        .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut sent = 0;
            while !flag.load(Ordering::Relaxed) {
                if s.write_all(&frame).is_ok() {
                    sent += 1;
                }
            }
            sent
        });
        Flood {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[test]
fn a_client_flooding_captures_without_reading_neither_stalls_the_session_nor_grows_the_job() {
    let sb = Sandbox::new();
    ready_session(&sb, "f");
    // a long history makes every capture big and slow
    sb.ok(&[
        "send",
        "f",
        "seq -f 'line %06g of a long history' 1 20000; echo filled\\n",
    ]);
    sb.wait_screen("f", "filled");
    let (_, pid) = job_of(&sb, "f");
    let before = rss_kib(pid);
    let flood = Flood::start(&socket_of(&sb, "f"));
    let mut peak = 0;
    // output keeps flowing to everyone else meanwhile
    sb.ok(&["send", "f", "echo through-$((8*8))\\n"]);
    let ok = wait_until(PATIENCE, || {
        peak = peak.max(rss_kib(pid));
        let out = sb.run(&["capture", "f"]);
        String::from_utf8_lossy(&out.stdout).contains("through-64")
    });
    peak = peak.max(rss_kib(pid));
    drop(flood);
    assert!(ok, "the session stalled while one client flooded");
    assert!(
        peak < before + 32 * 1024,
        "the job grew from {before} KiB to {peak} KiB for a client that does not read"
    );
}

fn raw_hello(sock: &Path) -> Option<std::os::unix::net::UnixStream> {
    let mut s = std::os::unix::net::UnixStream::connect(sock).ok()?;
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut hello = MAGIC.to_vec();
    hello.extend_from_slice(&[0, 1, 0, 2]);
    s.write_all(&hello).ok()?;
    let mut answer = [0u8; 14];
    s.read_exact(&mut answer).ok()?;
    Some(s)
}

#[test]
fn a_job_serves_a_bounded_number_of_clients() {
    let sb = Sandbox::new();
    ready_session(&sb, "m");
    let sock = socket_of(&sb, "m");
    let held: Vec<_> = (0..80).filter_map(|_| raw_hello(&sock)).collect();
    assert!(
        held.len() <= 64,
        "{} clients were let in at once",
        held.len()
    );
    drop(held);
    // the room comes back as they leave
    sb.ok(&["send", "m", "echo room-$((9*9))\\n"]);
    sb.wait_screen("m", "room-81");
}

#[test]
fn a_client_that_never_attaches_or_asks_is_dropped() {
    let sb = Sandbox::new();
    ready_session(&sb, "i");
    let mut s = raw_hello(&socket_of(&sb, "i")).unwrap();
    s.set_read_timeout(Some(PATIENCE + Duration::from_secs(15)))
        .unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf);
    assert!(
        matches!(n, Ok(0)),
        "an idle client is still connected: {n:?}"
    );
}

// ---------------------------------------------------------------------------
// A deleted socket directory comes back by itself

#[test]
fn a_job_recreates_its_deleted_socket_directory_by_itself() {
    let sb = Sandbox::new();
    ready_session(&sb, "d");
    let sock = socket_of(&sb, "d");
    let run = sb.paths().runtime_dir;
    // what a /tmp cleaner or a logout does
    std::fs::remove_dir_all(&run).unwrap();
    // no sessui command runs meanwhile: the job alone must bring it back
    assert!(
        wait_until(PATIENCE, || sock.exists()),
        "the job did not recreate {}",
        run.display()
    );
    assert_eq!(mode(&run), 0o700);
    assert_eq!(
        std::fs::metadata(&run).unwrap().uid(),
        nix::unistd::geteuid().as_raw()
    );
    // the first command after that works at once
    let out = sb.run(&["capture", "d"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ready-42"));
}
