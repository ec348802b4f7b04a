//! Property tests: random inputs, a bounded number of cases each, through
//! the same checks the fuzz targets run (`sessui::fuzzing`, `fuzz/`).
//! `PROPTEST_CASES=N` runs N cases of each instead (docs/fuzzing.md).

mod arb;

use std::cell::Cell;
use std::sync::Once;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use sessui::fuzzing::{self, Follow, PeakAlloc, Session};
use sessui::testing::protocol::agent::{Reply, ReplyBody, WireSummary};
use sessui::testing::protocol::{HistoryLine, MAGIC, MAX_FRAME, ServerMsg, encode_frame};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// `cases`, unless `PROPTEST_CASES` asks for another number.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        // A failure prints its smallest input; make it a unit test.
        failure_persistence: None,
        ..Config::default()
    }
}

/// The same cases on every run, so the test command passes or fails alike
/// everywhere; `PROPTEST_RANDOM=1` draws new ones (long searches belong to
/// the fuzz targets).
fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value)) {
    let mut runner = if std::env::var_os("PROPTEST_RANDOM").is_some() {
        TestRunner::new(config(cases))
    } else {
        let rng = proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        );
        TestRunner::new_with_rng(config(cases), rng)
    };
    let result = runner.run(&strategy, |value| {
        test(value);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn over_a_hundred_thousand_random_frames_read_back_as_sent() {
    let frames = Cell::new(0usize);
    let per_case = 100;
    run(
        256,
        (
            vec(arb::client_msg(), per_case),
            vec(arb::server_msg(), per_case),
            vec(arb::request(), per_case),
            vec(arb::reply(), per_case),
        ),
        |(clients, servers, requests, replies)| {
            fuzzing::round_trip_client(&clients);
            fuzzing::round_trip_server(&servers);
            fuzzing::round_trip_agent(&requests, &replies);
            frames.set(frames.get() + 4 * per_case);
        },
    );
    if std::env::var_os("PROPTEST_CASES").is_none() {
        assert!(frames.get() >= 100_000, "only {} frames", frames.get());
    }
}

/// A valid stream of frames, then damaged: bytes overwritten, cut short.
fn damaged(frames: Vec<Vec<u8>>, hits: Vec<(usize, u8)>, cut: usize) -> Vec<u8> {
    let mut stream = frames.concat();
    for (at, byte) in hits {
        if !stream.is_empty() {
            let at = at % stream.len();
            stream[at] = byte;
        }
    }
    stream.truncate(stream.len().saturating_sub(cut));
    stream
}

#[test]
fn damaged_streams_decode_to_messages_or_typed_errors_within_the_frame_limit() {
    let frames = prop_oneof![
        arb::server_msg().prop_map(|m| encode_frame(&m).map(|f| f.to_vec()).unwrap_or_default()),
        arb::client_msg().prop_map(|m| encode_frame(&m).map(|f| f.to_vec()).unwrap_or_default()),
        arb::request().prop_map(|m| encode_frame(&m).map(|f| f.to_vec()).unwrap_or_default()),
        arb::reply().prop_map(|m| encode_frame(&m).map(|f| f.to_vec()).unwrap_or_default()),
    ];
    let hello = prop_oneof![
        Just(Vec::new()),
        Just([&MAGIC[..], &[0, 1, 0, 2]].concat()),
        Just([&b"Welcome!\n"[..], &MAGIC[..], &[0, 2, 0, 1, 0, 2]].concat()),
    ];
    run(
        2000,
        (
            hello,
            vec(frames, 1..8),
            vec((any::<usize>(), any::<u8>()), 0..4),
            0usize..8,
        ),
        |(hello, frames, hits, cut)| {
            let stream = [hello, damaged(frames, hits, cut)].concat();
            fuzzing::frames(&stream);
            fuzzing::agent_wire(&stream);
        },
    );
    run(2000, vec(any::<u8>(), 0..200), |bytes| {
        fuzzing::frames(&bytes);
        fuzzing::agent_wire(&bytes);
    });
}

/// Postcard says how many items a list holds; small items on the wire can
/// be big in memory (an empty history line is 2 bytes sent, 32 kept).
#[test]
fn a_frame_claiming_millions_of_small_items_allocates_no_more_than_the_frame_limit() {
    let n = (MAX_FRAME - 16) / 2;
    let lines = vec![
        HistoryLine {
            text: String::new(),
            wrapped: false,
        };
        n
    ];
    let frame = encode_frame(&ServerMsg::History { lines }).unwrap();
    assert!(frame.len() - 4 <= MAX_FRAME);
    fuzzing::frames(&frame);

    // Fourteen bytes each on the wire: empty strings, zeros and absent options.
    let n = (MAX_FRAME - 16) / 14;
    let jobs = vec![
        WireSummary {
            job: String::new(),
            session: String::new(),
            pid: 0,
            start_token: String::new(),
            alive: false,
            idle_deadline: None,
            facts: None,
            last_output_at: None,
            started_at: 0,
            activity: Default::default(),
        };
        n
    ];
    let reply = Reply {
        id: 1,
        body: ReplyBody::Jobs(jobs),
    };
    let hello = [&MAGIC[..], &[0, 2, 0, 1, 0, 2]].concat();
    let stream = [hello, encode_frame(&reply).unwrap().to_vec()].concat();
    fuzzing::agent_wire(&stream);
}

/// Panics vt100 raised inside the emulator, which catches them and rebuilds
/// its screen: losing the screen is a bug too.
fn count_emulator_panics() -> impl Fn() -> usize {
    thread_local! {
        static PANICS: Cell<usize> = const { Cell::new(0) };
    }
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if sessui::testing::term::in_emulator() {
                PANICS.with(|p| p.set(p.get() + 1));
            }
            default(info);
        }));
    });
    PANICS.with(|p| p.set(0));
    || PANICS.with(Cell::get)
}

#[test]
fn random_output_and_resizes_keep_the_cursor_on_screen_and_snapshots_exact() {
    let panics = count_emulator_panics();
    run(
        32,
        (arb::ops(false), 1u16..100, 1u16..40, 0usize..200),
        |(ops, cols, rows, history)| {
            let mut session = Session::new(cols, rows, history, Follow::AtSnapshots);
            for op in &ops {
                session.apply(op);
            }
            assert_eq!(panics(), 0, "vt100 panicked inside the emulator");
        },
    );
}

#[test]
fn a_view_that_attached_keeps_showing_what_the_job_shows() {
    let panics = count_emulator_panics();
    run(
        32,
        (arb::ops(true), 1u16..100, 1u16..40, 0usize..200),
        |(ops, cols, rows, history)| {
            let mut session = Session::new(cols, rows, history, Follow::Always);
            for op in &ops {
                session.apply(op);
            }
            assert_eq!(panics(), 0, "vt100 panicked inside the emulator");
        },
    );
}

#[test]
fn random_bytes_and_resizes_through_the_terminal_path_never_panic() {
    let panics = count_emulator_panics();
    run(256, vec(any::<u8>(), 0..2000), |bytes| {
        fuzzing::terminal(&bytes);
        assert_eq!(panics(), 0, "vt100 panicked inside the emulator");
    });
}

#[test]
fn key_names_keymaps_pastes_and_mouse_events_hold_their_promises() {
    let key_name = prop_oneof![
        Just(String::new()),
        (
            prop::sample::select(vec![
                "", "C-", "M-", "S-", "Ctrl+", "alt-", "A-", "C-M-", "shift-"
            ]),
            prop_oneof![
                prop::sample::select(vec![
                    "Enter", "esc", "Tab", "BackTab", "Space", "BS", "Delete", "Ins", "Up", "down",
                    "Left", "Right", "Home", "End", "PgUp", "PageDown", "F1", "F12", "F24", "F25",
                    "F0", "-", "↑", "←", "a", "B", "ß", "é", " ", "C-", "?",
                ])
                .prop_map(str::to_string),
                any::<char>().prop_map(String::from),
                arb::text(),
            ]
        )
            .prop_map(|(m, k)| format!("{m}{k}")),
    ];
    let keys_text = vec(key_name, 1..6).prop_map(|names| names.join("\n"));
    let paste = vec(
        prop::sample::select(vec![
            "\x1b[201~",
            "\x1b[20",
            "1~",
            "\x1b",
            "[",
            "\r\n",
            "\n",
            "x",
            "\x1b[200~",
            // What terminals send for keys, mouse, focus and replies.
            "\x1b[27;5;98~",
            "\x1b[98;69u",
            "\x1b[97:65;2u",
            "\x1b[1;5A",
            "\x1bO",
            "\x1b[<0;3;4M",
            "\x1b[M",
            "\x1b[I",
            "\x1b]11;rgb:0/0/0",
            "\x07",
            "\x1b\\",
            "\x1b[?62;22c",
            "\u{e9}",
            "\u{1f600}",
            "0",
            ";",
        ]),
        0..12,
    )
    .prop_map(|p| p.concat());
    run(3000, prop_oneof![keys_text, paste], |text| {
        fuzzing::keys(text.as_bytes());
    });
    run(1000, vec(any::<u8>(), 0..100), |bytes| {
        fuzzing::keys(&bytes)
    });
}

#[test]
fn any_config_text_is_a_working_config_or_a_clear_error() {
    let setting = prop_oneof![
        Just("scrollback_lines = 5000".to_string()),
        Just("scrollback_lines = 99999999999".to_string()),
        Just("term = \"xterm\"".to_string()),
        (
            prop::sample::select(vec![
                "[timeouts]\nanonymous_idle",
                "[timeouts]\nnamed_idle",
                "[timeouts]\njob_backstop",
                "[timeouts]\nreaper_interval",
                "[timeouts]\ndone_retention",
                "[timeouts]\ndb_busy",
                "[ssh]\nkeepalive_interval",
                "[ssh]\nconnect_timeout",
                "[ssh]\nremote_idle",
            ]),
            prop::sample::select(vec![
                "0",
                "0s",
                "never",
                "1h30m",
                "90",
                "2d",
                "1w",
                "18446744073709551615",
                "99999999999999999999d",
                "1h30",
                "-5m",
                "",
                "none",
                "0m0s",
            ]),
        )
            .prop_map(|(key, value)| format!("{key} = \"{value}\"")),
        (
            prop::sample::select(vec!["prefix", "status_bar"]),
            prop::sample::select(vec![
                "C-b", "C-a", "M-space", "Hyper-x", "top", "bottom", "left", ""
            ]),
        )
            .prop_map(|(key, value)| format!("[ui]\n{key} = \"{value}\"")),
        Just("[ui]\nmax_fps = 0".to_string()),
        (
            prop::sample::select(vec!["list", "prefix", "scroll"]),
            prop::sample::select(vec!["up", "detach", "quit", "page-up", "explode"]),
            prop::sample::select(vec!["\"x\"", "[\"C-d\", \"F5\"]", "\"Hyper-q\"", "[]"]),
        )
            .prop_map(|(s, a, k)| format!("[keys.{s}]\n{a} = {k}")),
        arb::text(),
    ];
    run(2000, vec(setting, 0..4), |settings| {
        // Each table once: TOML refuses a table defined twice, which is
        // a fine error but would hide the others.
        let text = settings.join("\n");
        fuzzing::config(text.as_bytes());
    });
    run(1000, vec(any::<u8>(), 0..100), |bytes| {
        fuzzing::config(&bytes)
    });
}
