//! `search`: how fast a search of every session's history answers, and how
//! few bytes its answer takes on the wire. Prints figures; asserts nothing.
//!
//! Run: `cargo run --release -p sessui-bench --bin search [SESSIONS] [LINES]`
//! (default 100 sessions x 10,000 lines of history each).

use std::time::{Duration, Instant};

use sessui::testing::protocol::{QuerySpec, ServerMsg, encode_frame};
use sessui::testing::term::Emulator;
use sessui::testing::term::search::Query;

fn main() {
    let mut args = std::env::args().skip(1);
    let sessions: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let lines: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    println!("building {sessions} sessions x {lines} lines of history (120x40)...");
    let emus: Vec<Emulator> = (0..sessions).map(|s| session(s, lines)).collect();
    let history_bytes: usize = emus.iter().map(|e| e.capture(lines, false).len()).sum();

    for (what, spec) in [
        ("literal", spec("migration 0042", false, false)),
        ("-i", spec("MIGRATION 0042", false, true)),
        ("--regex", spec(r"migration \d{4} ran", true, false)),
        ("none", spec("no such text", false, false)),
    ] {
        let query = Query::new(spec).unwrap_or_else(|e| panic!("{e}"));
        // Each session's job searches on its own: the first answer is one
        // session's search; all of them in parallel is the slowest job.
        let t = Instant::now();
        let first = emus[0].search(&query);
        let to_first = t.elapsed();
        let t = Instant::now();
        let mut found = 0;
        let mut wire = 0;
        for e in &emus {
            let hits = e.search(&query);
            found += hits.lines.len();
            wire += encode_frame(&ServerMsg::Found(hits)).map_or(0, |b| b.len());
        }
        let serial = t.elapsed();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let t = Instant::now();
        std::thread::scope(|s| {
            for chunk in emus.chunks(sessions.div_ceil(threads)) {
                let q = &query;
                s.spawn(move || chunk.iter().map(|e| e.search(q).lines.len()).sum::<usize>());
            }
        });
        let parallel = t.elapsed();
        println!(
            "{what:>8}: first result {} | all {sessions} one after another {} | on {threads} threads {} | \
             {found} lines found ({} in the first) | answers {wire} bytes on the wire vs {} MB of history",
            ms(to_first),
            ms(serial),
            ms(parallel),
            first.lines.len(),
            history_bytes / 1_000_000,
        );
    }
}

fn spec(pattern: &str, regex: bool, ignore_case: bool) -> QuerySpec {
    QuerySpec {
        pattern: pattern.into(),
        regex,
        ignore_case,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A session's history: build output in colour, log lines, a few long
/// wrapped lines, and one `migration 0042 ran` in every tenth session.
fn session(n: usize, lines: usize) -> Emulator {
    let mut e = Emulator::new(120, 40, lines);
    let mut out = String::with_capacity(lines * 80);
    for i in 0..lines {
        match i % 7 {
            0 => out.push_str(&format!(
                "\x1b[32m   Compiling\x1b[m crate-{i} v0.{n}.{i} (/src/crate-{i})\r\n"
            )),
            1 => out.push_str(&format!(
                "2026-12-04T12:{:02}:{:02}Z INFO request id={i} path=/api/v1/items/{n} status=200\r\n",
                i % 60,
                n % 60
            )),
            2 if i % 700 == 2 => out.push_str(&"wrapped ".repeat(40)),
            _ => out.push_str(&format!("line {i} of session {n}: nothing to see here\r\n")),
        }
        if n % 10 == 0 && i == lines / 2 {
            out.push_str("migration 0042 ran\r\n");
        }
    }
    e.process(out.as_bytes());
    e
}
