//! `sessui grep` across hosts, against a real OpenSSH server: a remote
//! session is searched on its host by the agent (only matches cross the
//! link, counted here), and a host that stops answering is reported
//! without holding the other hosts' results.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/remote.rs"]
mod remote;
#[path = "common/sshd.rs"]
mod sshd;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::Sandbox;
use remote::*;
use sshd::Sshd;

/// A TCP relay in front of sshd that counts the bytes coming back from the
/// server, and can go silent (accept, then never answer) like a host whose
/// link is gone.
struct Relay {
    port: u16,
    down_bytes: Arc<AtomicU64>,
    silent: Arc<AtomicBool>,
}

impl Relay {
    fn start(target: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let down_bytes = Arc::new(AtomicU64::new(0));
        let silent = Arc::new(AtomicBool::new(false));
        let (count, quiet) = (down_bytes.clone(), silent.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                if quiet.load(Ordering::SeqCst) {
                    // held open, never answered
                    std::thread::spawn(move || {
                        let mut c = client;
                        let mut sink = [0u8; 4096];
                        while matches!(c.read(&mut sink), Ok(n) if n > 0) {}
                    });
                    continue;
                }
                let server = TcpStream::connect(("127.0.0.1", target)).unwrap();
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || copy(client, server, None));
                let count = count.clone();
                std::thread::spawn(move || copy(s2, c2, Some(count)));
            }
        });
        Relay {
            port,
            down_bytes,
            silent,
        }
    }
}

fn copy(mut from: TcpStream, mut to: TcpStream, count: Option<Arc<AtomicU64>>) {
    let mut buf = [0u8; 16 << 10];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Some(c) = &count {
                    c.fetch_add(n as u64, Ordering::SeqCst);
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// `via` reaches the server through the relay.
fn via_relay(sb: &Sandbox, sshd: &Sshd, relay: &Relay) {
    let block = sshd.host_block(sb, "via", &sshd.user_key).replace(
        &format!("Port {}", sshd.port),
        &format!("Port {}", relay.port),
    );
    std::fs::write(sb.home.join(".ssh/config"), block).unwrap();
    let line = format!("[{}]:{} {}\n", sshd.addr, relay.port, sshd.host_key_pub);
    std::fs::write(sshd.known_hosts(sb), line).unwrap();
}

#[test]
fn a_remote_session_is_searched_by_its_agent_and_a_silent_host_holds_nothing() {
    let (sb, sshd) = setup();
    let relay = Relay::start(sshd.port);
    via_relay(&sb, &sshd, &relay);
    run_ok(&sb, &["new", "--host", "via", "--name", "far"]);
    // about 1 MB of history on the remote host, one line of which matters
    run_ok(
        &sb,
        &[
            "send",
            "far",
            "for i in $(seq 1 10000); do printf 'filler %05d %080d\\n' $i 0; done; \
             echo needle-$((6*7))\\n",
        ],
    );
    wait_screen(&sb, "far", "\nneedle-42");

    let before = relay.down_bytes.load(Ordering::SeqCst);
    let out = run_ok(&sb, &["grep", "needle-42", "--json"]);
    let down = relay.down_bytes.load(Ordering::SeqCst) - before;
    let hit = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|o| o["text"] == "needle-42")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        (hit["session"].as_str(), hit["host"].as_str()),
        (Some("far"), Some("via"))
    );
    // the whole connection (key exchange, login, agent start, the answer)
    // is a few kB; the history it searched is about a megabyte
    println!("grep over SSH: {down} bytes from the server for ~1 MB of remote history");
    assert!(down < 64 << 10, "{down} bytes crossed the link");

    // the host goes silent; a local session still answers at once
    relay.silent.store(true, Ordering::SeqCst);
    run_ok(&sb, &["new", "--name", "near"]);
    run_ok(&sb, &["send", "near", "echo needle-$((6*7)) here\\n"]);
    wait_screen(&sb, "near", "\nneedle-42 here");
    let t = Instant::now();
    let out = sessui(&sb, &["grep", "needle-42"]).output().unwrap();
    let took = t.elapsed();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("near:2: needle-42 here"), "{stdout}");
    assert!(
        stderr.contains("far on via: not searched (host unreachable)"),
        "{stderr}"
    );
    // the connect timeout here is 3 s: the silent host costs that, not more
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let out = sessui(&sb, &["grep", "needle-42", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let missed = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|o| o["session"] == "far")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(missed["error"], "not searched (host unreachable)");
}
