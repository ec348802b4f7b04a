//! Predictive local echo through a slow link: a real sshd on 127.0.0.1
//! behind a proxy that delays each direction by 100 ms, the real binary in
//! a real PTY. What counts is what a person sees, and when.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/delay.rs"]
mod delay;
#[path = "common/remote.rs"]
mod remote;
#[path = "common/sshd.rs"]
mod sshd;

use std::time::{Duration, Instant};

use common::pty::{Terminal, Tui, terminal};
use common::{PATIENCE, Sandbox, wait_until};
use delay::{DelayProxy, Dir};
use remote::{FAST_KEEPALIVE, sessui};
use sessui::testing::term::{Emulator, attr};
use sshd::Sshd;

/// Each way: a 200 ms round trip, a transatlantic link and then some.
const DELAY: Duration = Duration::from_millis(100);
const ROWS: u16 = 30;

struct Slow {
    sb: Sandbox,
    _sshd: Sshd,
    proxy: DelayProxy,
    tui: Tui,
}

/// sessui with session `slow` on host `box`, reached through the proxy, at
/// a plain `R> ` prompt, the round trip measured (the status line shows it).
fn slow_session() -> Slow {
    let sb = Sandbox::new();
    let sshd = Sshd::start(&sb);
    sshd.preinstall();
    let proxy = DelayProxy::start(&format!("{}:{}", sshd.addr, sshd.port), DELAY);
    // The client knows the server by the proxy's address.
    let block = sshd.host_block(&sb, "box", &sshd.user_key).replace(
        &format!("Port {}", sshd.port),
        &format!("Port {}", proxy.port),
    );
    let ssh = sb.home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(ssh.join("config"), block).unwrap();
    std::fs::write(
        sshd.known_hosts(&sb),
        format!("[{}]:{} {}\n", sshd.addr, proxy.port, sshd.host_key_pub),
    )
    .unwrap();
    sb.write_config(&format!("{FAST_KEEPALIVE}\n[ui]\npredict = \"adaptive\"\n"));
    let mut tui = Tui::start_with(&sb, &[], 100, ROWS, &[("SSH_AUTH_SOCK", "")]);
    tui.wait_for("press n");
    tui.keys("n");
    tui.wait_for("New session");
    tui.keys("slow\tbox\r");
    tui.wait_for(" slow ");
    tui.type_line("PS1='R''> '");
    tui.wait_for("R> ");
    // The status line shows the round trip once prediction is on.
    let ok = wait_until(PATIENCE, || status(&tui).contains(" ms "));
    assert!(ok, "the round trip never showed:\n{}", tui.screen());
    Slow {
        sb,
        _sshd: sshd,
        proxy,
        tui,
    }
}

fn status(t: &Tui) -> String {
    t.row(ROWS - 1)
}

/// The row the cursor is on, and the cursor's column.
fn cursor_row(t: &Tui) -> (u16, String) {
    t.with_screen(|e| {
        let (r, _) = e.cursor_position();
        (r, e.row_text(r))
    })
}

fn underlined(t: &Tui, row: u16, col: u16) -> bool {
    t.with_screen(|e| {
        e.cell_view(row, col)
            .is_some_and(|c| c.pen.has(attr::UNDERLINE))
    })
}

/// Waits until the view's rows are the session's screen as the job has it
/// (`sessui capture`), with nothing left underlined.
fn wait_view_equals_session(s: &Slow) {
    let mut last = (String::new(), String::new());
    let ok = wait_until(PATIENCE, || {
        let out = sessui(&s.sb, &["capture", "slow"]).output().unwrap();
        let truth = String::from_utf8_lossy(&out.stdout).to_string();
        let truth: Vec<&str> = truth.lines().map(str::trim_end).collect();
        let view: Vec<String> = (0..ROWS - 1)
            .map(|r| s.tui.row(r).trim_end().to_string())
            .collect();
        let same = (0..view.len()).all(|i| view[i] == truth.get(i).copied().unwrap_or(""));
        let marked = (0..ROWS - 1).any(|r| (0..100).any(|c| underlined(&s.tui, r, c)));
        last = (view.join("\n"), truth.join("\n"));
        same && !marked
    });
    assert!(
        ok,
        "the view never equalled the session:\nview:\n{}\nsession:\n{}",
        last.0, last.1
    );
}

/// Types one key and returns when the cursor's row (blanks at its end
/// left out) ended with `expect`: checked on every read of the screen, so
/// a guess shown only until the echo corrects it is never missed.
fn type_and_see(t: &mut Tui, key: &str, expect: &str) -> Instant {
    let want = expect.to_string();
    let before = Instant::now();
    let took = t.timed(key.as_bytes(), PATIENCE, move |e| {
        let (r, _) = e.cursor_position();
        e.row_text(r).trim_end().ends_with(&want)
    });
    match took {
        Ok(took) => before + took,
        Err(e) => panic!("'{expect}' never showed ({e}):\n{}", t.screen()),
    }
}

/// By the proxy's log, the soonest the echo of a key typed at `typed` could
/// have reached sessui: the key went up in the first chunk read after it was
/// typed, so its echo is in a chunk the server sent after that chunk reached
/// it, and arrived when the proxy delivered that chunk. Call once the echo
/// is on screen.
fn soonest_echo(proxy: &DelayProxy, typed: Instant) -> Instant {
    let log = proxy.log();
    let up = log
        .iter()
        .find(|c| c.dir == Dir::Up && c.received >= typed)
        .expect("the key went up");
    log.iter()
        .filter(|c| c.dir == Dir::Down && c.received >= up.delivered)
        .map(|c| c.delivered)
        .min()
        .expect("the echo came down")
}

#[test]
fn a_typed_character_shows_before_its_echo_can_arrive_and_the_echo_leaves_the_true_screen() {
    let mut s = slow_session();
    // The first key of a line waits for its echo: it proves the line echoes.
    s.tui.keys("e");
    s.tui.wait_for("R> e");
    let typed = Instant::now();
    let seen = type_and_see(&mut s.tui, "c", "R> ec");
    let (row, _) = cursor_row(&s.tui);
    let col = s
        .tui
        .with_screen(|e| e.row_text(row).find("ec").unwrap() as u16 + 1);
    let marked = underlined(&s.tui, row, col);
    wait_view_equals_session(&s);
    let echo = soonest_echo(&s.proxy, typed);
    assert!(
        seen < echo,
        "shown {:?} after typing, the echo could arrive no sooner than {:?}",
        seen - typed,
        echo - typed
    );
    assert!(echo - typed >= 2 * DELAY, "the link was not slow");
    assert!(marked, "a character not yet confirmed is underlined");
    // Backspace shows at once too, and the truth follows.
    let typed = Instant::now();
    let seen = type_and_see(&mut s.tui, "\x7f", "R> e");
    wait_view_equals_session(&s);
    assert!(
        seen < soonest_echo(&s.proxy, typed),
        "backspace waited for its echo"
    );
}

#[test]
fn nothing_typed_at_a_prompt_that_does_not_echo_ever_shows() {
    let mut s = slow_session();
    // A line that echoes first, so prediction is on when the prompt comes.
    s.tui.type_line("read -s -p 'secret: ' x; echo got-${#x}");
    s.tui.wait_for("secret: ");
    let before = s.tui.raw_output().len();
    for c in "hunter2".chars() {
        s.tui.keys(&c.to_string());
        let (_, row) = cursor_row(&s.tui);
        assert!(!row.contains('h'), "a typed secret showed: {row}");
    }
    s.tui.keys("\r");
    s.tui.wait_for("got-7");
    // Nothing was ever drawn as a guess: a predicted cell is written underlined.
    let raw = s.tui.raw_output();
    let drawn = String::from_utf8_lossy(&raw[before..]);
    for c in "hunter2".chars() {
        assert!(
            !drawn.contains(&format!("\x1b[0;4m{c}")),
            "'{c}' was drawn as a guess: {drawn:?}"
        );
    }
    wait_view_equals_session(&s);
}

#[test]
fn a_guess_the_program_contradicts_is_replaced_by_what_it_printed() {
    let mut s = slow_session();
    // Echoes what is typed, except x as X.
    s.tui.type_line(
        "stty -echo; printf 'go> '; while IFS= read -rn1 c; do \
         [ \"$c\" = x ] && c=X; printf %s \"$c\"; done",
    );
    s.tui.wait_for("go> ");
    s.tui.keys("1");
    s.tui.wait_for("go> 1");
    let typed = Instant::now();
    let shown = type_and_see(&mut s.tui, "x", "go> 1x");
    s.tui.wait_for("go> 1X");
    let corrected = Instant::now();
    let echo = soonest_echo(&s.proxy, typed);
    assert!(shown < echo, "the guess waited for the echo");
    wait_view_equals_session(&s);
    let (_, row) = cursor_row(&s.tui);
    assert!(row.contains("go> 1X") && !row.contains("1x"), "{row}");
    eprintln!(
        "guess shown {:?}, echo in {:?}, corrected {:?} after typing",
        shown - typed,
        echo - typed,
        corrected - typed
    );
    s.tui.keys("\x03");
}

/// The measurement behind docs/PERFORMANCE.md's "Typing on a slow link":
/// time from key to visible character with 50, 100 and 250 ms of added round
/// trip, sessui predicting and not, beside plain `ssh` through the same
/// proxy. Prints figures, asserts nothing about time; run with
/// `cargo test --release --test predict -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement: prints figures"]
fn key_to_visible_character_on_slow_links() {
    const KEYS: usize = 15;
    let sb = Sandbox::new();
    let sshd = Sshd::start(&sb);
    sshd.preinstall();
    println!("| added round trip | plain ssh | sessui, no prediction | sessui, predicting |");
    println!("|---|---|---|---|");
    for each_way in [25u64, 50, 125] {
        let proxy = DelayProxy::start(
            &format!("{}:{}", sshd.addr, sshd.port),
            Duration::from_millis(each_way),
        );
        let block = sshd.host_block(&sb, "box", &sshd.user_key).replace(
            &format!("Port {}", sshd.port),
            &format!("Port {}", proxy.port),
        );
        let ssh = sb.home.join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::write(ssh.join("config"), &block).unwrap();
        std::fs::write(
            sshd.known_hosts(&sb),
            format!("[{}]:{} {}\n", sshd.addr, proxy.port, sshd.host_key_pub),
        )
        .unwrap();
        let config = ssh.join("config").display().to_string();
        let t = plain_ssh(
            &sb,
            &["-F", &config, "-tt", "box", "env PS1='R> ' bash --norc"],
        );
        let plain = median(&t, KEYS);
        drop(t);
        let mut figures = Vec::new();
        for mode in ["never", "adaptive"] {
            sb.write_config(&format!("{FAST_KEEPALIVE}\n[ui]\npredict = \"{mode}\"\n"));
            let mut tui = Tui::start_with(&sb, &[], 100, ROWS, &[("SSH_AUTH_SOCK", "")]);
            tui.wait_for("quit");
            tui.keys("n");
            tui.wait_for("New session");
            let name = format!("m{each_way}{mode}");
            tui.keys(&format!("{name}\tbox\r"));
            tui.wait_for(&format!(" {name} "));
            tui.type_line("PS1='R''> '");
            tui.wait_for("R> ");
            if mode == "adaptive" {
                assert!(wait_until(PATIENCE, || status(&tui).contains(" ms ")));
            }
            figures.push(median(&tui, KEYS));
        }
        println!(
            "| {} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            2 * each_way,
            plain,
            figures[0],
            figures[1]
        );
    }
}

/// ssh (not sessui) in a PTY, read through the same emulator.
fn plain_ssh(sb: &Sandbox, args: &[&str]) -> Terminal {
    let mut cmd = sb.pty_command(std::path::Path::new("ssh"));
    cmd.args(args);
    cmd.env_remove("SSH_AUTH_SOCK");
    let t = terminal("ssh", cmd, 100, ROWS);
    assert!(
        t.until(PATIENCE, |e| e.screen_text().contains("R> "))
            .is_ok()
    );
    t
}

/// The cursor's row (blanks at its end left out), and whether any cell of
/// it is underlined.
fn row_of(e: &Emulator) -> (String, bool) {
    let (r, _) = e.cursor_position();
    let marked = (0..100).any(|c| {
        e.cell_view(r, c)
            .is_some_and(|v| v.pen.has(attr::UNDERLINE))
    });
    (e.row_text(r).trim_end().to_string(), marked)
}

/// Types `keys` characters after a fresh prompt, one at a time, each after
/// the last one's echo, and returns the median time in milliseconds from key
/// to the character on screen.
fn median(t: &Terminal, keys: usize) -> f64 {
    // A line that echoed: the next keys are in a confirmed line.
    t.send(b"x").unwrap();
    assert!(t.until(PATIENCE, |e| row_of(e).0.ends_with("R> x")).is_ok());
    let mut times = Vec::new();
    let mut line = String::from("R> x");
    for i in 0..keys {
        let c = b'a' + (i % 26) as u8;
        line.push(char::from(c));
        // Checked on the reader as each output arrives: the moment the
        // character could first be seen.
        let shown = line.clone();
        let took = t
            .timed(&[c], PATIENCE, move |e| row_of(e).0.ends_with(&shown))
            .unwrap();
        times.push(took.as_secs_f64() * 1000.0);
        // The echo too, so each key starts from the session's truth.
        let echoed = t.until(PATIENCE, |e| {
            let (row, marked) = row_of(e);
            row.ends_with(&line) && !marked
        });
        assert!(echoed.is_ok(), "'{line}' was never echoed");
    }
    t.send(b"\x15").unwrap();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
