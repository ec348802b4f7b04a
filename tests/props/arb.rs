//! Generators: every wire message with random fields, and terminal output
//! that is mostly the escape sequences programs really send.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use sessui::fuzzing::Op;
use sessui::testing::Timeout;
use sessui::testing::ids::{JobId, SessionId};
use sessui::testing::job::SessionFacts;
use sessui::testing::protocol::agent::StartJob;
use sessui::testing::protocol::agent::{
    Activity, FailKind, Reply, ReplyBody, Request, RequestBody, WireJob, WireLiveness, WireSummary,
};
use sessui::testing::protocol::{ClientMsg, ExitInfo, ExitReason, HistoryLine, JobInfo, ServerMsg};

/// Short text of any characters; cheaper than a regex strategy.
pub fn text() -> impl Strategy<Value = String> {
    vec(any::<char>(), 0..10).prop_map(String::from_iter)
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..48)
}

pub fn client_msg() -> impl Strategy<Value = ClientMsg> {
    prop_oneof![
        (any::<u16>(), any::<u16>(), any::<u32>()).prop_map(|(cols, rows, scrollback)| {
            ClientMsg::Attach {
                cols,
                rows,
                scrollback,
            }
        }),
        bytes().prop_map(ClientMsg::Input),
        (any::<u16>(), any::<u16>()).prop_map(|(cols, rows)| ClientMsg::Resize { cols, rows }),
        Just(ClientMsg::Focus),
        (any::<u32>(), any::<bool>())
            .prop_map(|(scrollback, ansi)| ClientMsg::Capture { scrollback, ansi }),
        Just(ClientMsg::Info),
        option::of(any::<u64>()).prop_map(|secs| ClientMsg::SetIdleTimeout { secs }),
        Just(ClientMsg::Stop),
        any::<u64>().prop_map(ClientMsg::Ping),
    ]
}

fn exit_info() -> impl Strategy<Value = ExitInfo> {
    let reason = prop_oneof![
        Just(ExitReason::ShellExited),
        Just(ExitReason::Stopped),
        Just(ExitReason::IdleTimeout),
        text().prop_map(ExitReason::Failed),
    ];
    (
        option::of(any::<i32>()),
        option::of(text()),
        reason,
        any::<i64>(),
    )
        .prop_map(|(code, signal, reason, at)| ExitInfo {
            code,
            signal,
            reason,
            at,
        })
}

fn job_info() -> impl Strategy<Value = JobInfo> {
    (
        (text(), text(), any::<u32>(), any::<u32>(), any::<i64>()),
        (text(), text(), any::<u16>(), any::<u16>(), any::<u32>()),
        (
            option::of(any::<i64>()),
            option::of(any::<u64>()),
            any::<u32>(),
            text(),
            text(),
        ),
    )
        .prop_map(
            |(
                (job_id, session_id, pid, shell_pid, started_at),
                (command, cwd, cols, rows, clients),
                (idle_since, idle_timeout_secs, history_lines, title, version),
            )| JobInfo {
                job_id,
                session_id,
                pid,
                shell_pid,
                started_at,
                command,
                cwd,
                cols,
                rows,
                clients,
                idle_since,
                idle_timeout_secs,
                history_lines,
                title,
                version,
            },
        )
}

pub fn server_msg() -> impl Strategy<Value = ServerMsg> {
    let line = (text(), any::<bool>()).prop_map(|(text, wrapped)| HistoryLine { text, wrapped });
    prop_oneof![
        vec(line, 0..4).prop_map(|lines| ServerMsg::History { lines }),
        (any::<u16>(), any::<u16>(), bytes(), text()).prop_map(|(cols, rows, state, title)| {
            ServerMsg::Screen {
                cols,
                rows,
                state,
                title,
            }
        }),
        bytes().prop_map(ServerMsg::Output),
        (any::<u16>(), any::<u16>()).prop_map(|(cols, rows)| ServerMsg::Resized { cols, rows }),
        text().prop_map(|text| ServerMsg::Captured { text }),
        job_info().prop_map(ServerMsg::Info),
        exit_info().prop_map(ServerMsg::Exited),
        any::<u64>().prop_map(|dropped_bytes| ServerMsg::Lagged { dropped_bytes }),
        any::<u64>().prop_map(ServerMsg::Pong),
        text().prop_map(|message| ServerMsg::Error { message }),
    ]
}

fn wire_job() -> impl Strategy<Value = WireJob> {
    (text(), option::of(any::<u32>()), option::of(text())).prop_map(|(id, pid, start_token)| {
        WireJob {
            id,
            pid,
            start_token,
        }
    })
}

fn facts() -> impl Strategy<Value = SessionFacts> {
    (
        (option::of(text()), text(), option::of(text())),
        (option::of(text()), any::<i64>(), option::of(any::<i64>())),
    )
        .prop_map(
            |((name, host, cwd), (command, created_at, idle_secs))| SessionFacts {
                name,
                host,
                cwd,
                command,
                created_at,
                idle_secs,
            },
        )
}

fn wire_start() -> impl Strategy<Value = StartJob> {
    (
        (
            text(),
            text(),
            any::<u16>(),
            any::<u16>(),
            option::of(any::<u64>()),
        ),
        (any::<u64>(), text(), option::of(text())),
        (option::of(text()), option::of(text()), facts()),
    )
        .prop_map(
            |((session, job, cols, rows, idle_secs), (history, term, cwd), (shell, cmd, facts))| {
                StartJob {
                    session: SessionId::from_string(session),
                    job: JobId::from_string(job),
                    cols,
                    rows,
                    // 0 is never on the wire, as no limit is.
                    idle_timeout: Timeout::from_secs(idle_secs.filter(|&s| s > 0)),
                    history: history as usize,
                    term,
                    cwd: cwd.map(std::path::PathBuf::from),
                    shell,
                    cmd,
                    facts,
                }
            },
        )
}

pub fn request() -> impl Strategy<Value = Request> {
    let body = prop_oneof![
        wire_start().prop_map(RequestBody::StartJob),
        wire_job().prop_map(RequestBody::Liveness),
        (wire_job(), any::<bool>()).prop_map(|(job, force)| RequestBody::Stop { job, force }),
        Just(RequestBody::ListJobs),
        wire_job().prop_map(RequestBody::TakeExit),
        Just(RequestBody::Ping),
        Just(RequestBody::Where),
        wire_job().prop_map(RequestBody::PeekExit),
        (wire_job(), facts()).prop_map(|(job, facts)| RequestBody::Describe { job, facts }),
    ];
    (any::<u64>(), body).prop_map(|(id, body)| Request { id, body })
}

pub fn reply() -> impl Strategy<Value = Reply> {
    let summary = (
        (text(), text(), any::<u32>()),
        (text(), any::<bool>(), option::of(any::<i64>())),
        (option::of(facts()), option::of(any::<i64>()), any::<i64>()),
        (
            option::of(text()),
            text(),
            option::of(any::<i64>()),
            any::<u64>(),
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                (job, session, pid),
                (start_token, alive, idle_deadline),
                (facts, last_output_at, started_at),
                (program, title, bell_at, cpu_ms, rss_bytes),
            )| WireSummary {
                job,
                session,
                pid,
                start_token,
                alive,
                idle_deadline,
                facts,
                last_output_at,
                started_at,
                activity: Activity {
                    program,
                    title,
                    bell_at,
                    cpu_ms,
                    rss_bytes,
                },
            },
        );
    let kind = prop_oneof![
        Just(FailKind::JobGone),
        Just(FailKind::Unreachable),
        Just(FailKind::Launch),
        Just(FailKind::StopFailed),
    ];
    let liveness = prop_oneof![
        Just(WireLiveness::Alive),
        Just(WireLiveness::Dead),
        text().prop_map(WireLiveness::Unknown),
    ];
    let body = prop_oneof![
        (any::<u32>(), text())
            .prop_map(|(pid, start_token)| ReplyBody::Started { pid, start_token }),
        liveness.prop_map(ReplyBody::Liveness),
        (any::<bool>(), option::of(exit_info()))
            .prop_map(|(already, exit)| ReplyBody::Stopped { already, exit }),
        vec(summary, 0..3).prop_map(ReplyBody::Jobs),
        option::of(exit_info()).prop_map(ReplyBody::Exit),
        Just(ReplyBody::Pong),
        text().prop_map(|runtime_dir| ReplyBody::Where { runtime_dir }),
        (kind, text()).prop_map(|(kind, message)| ReplyBody::Failed { kind, message }),
    ];
    (any::<u64>(), body).prop_map(|(id, body)| Reply { id, body })
}

/// A number as programs write them in parameters: small mostly, sometimes
/// zero, huge or missing.
fn param() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u32..30).prop_map(|n| n.to_string()),
        2 => (0u32..300).prop_map(|n| n.to_string()),
        1 => any::<u32>().prop_map(|n| n.to_string()),
        1 => Just(String::new()),
    ]
}

fn params() -> impl Strategy<Value = String> {
    vec(param(), 0..4).prop_map(|p| p.join(";"))
}

/// One piece of what a program writes to its terminal. `carried`: only
/// what a snapshot carries to a view (see `ops`).
fn piece(carried: bool) -> impl Strategy<Value = Vec<u8>> {
    let finals: &[u8] = if carried {
        b"@ABCDEFGHIJKLMPSTXZ`acdefgmnpqrstu"
    } else {
        b"@ABCDEFGHIJKLMPSTXZ`abcdefghlmnpqrstu"
    };
    let mut modes = vec![
        "?1049",
        "?1",
        "?25",
        "?2004",
        "?1000",
        "?1002",
        "?1003",
        "?1006",
        "?1005",
        "?7",
        "4",
        "?5",
        "?1;25",
        "?1000;1006",
    ];
    if !carried {
        modes.extend(["?47", "?1047", "?6"]);
    }
    let anything = if carried { 0 } else { 1 };
    prop_oneof![
        // text, wide and combining characters, emoji
        4 => "[a-z0-9 ]{1,30}".prop_map(String::into_bytes),
        1 => prop::sample::select(vec!["日本語", "é", "e\u{301}", "😀", "한", "\u{200b}", "ｗ"])
            .prop_map(|s| s.as_bytes().to_vec()),
        // line and cursor controls
        3 => prop::sample::select(vec![&b"\r\n"[..], b"\n", b"\r", b"\t", b"\x08", b"\x07", b"\x0e", b"\x0f", b"\x0b", b"\x0c"])
            .prop_map(<[u8]>::to_vec),
        // CSI with any final byte a program might use
        6 => (prop::sample::select(vec!["", "?", ">", "!", "="]), params(),
              prop::sample::select(finals.to_vec()))
            .prop_map(|(lead, p, f)| format!("\x1b[{lead}{p}{}", f as char).into_bytes()),
        // modes programs switch: alternate screen, cursor keys, mouse, paste,
        // wrap, insert, cursor visibility, origin
        3 => (prop::sample::select(modes), prop::sample::select(vec!['h', 'l']))
            .prop_map(|(m, hl)| format!("\x1b[{m}{hl}").into_bytes()),
        // colours and attributes
        3 => prop_oneof![
                params(),
                (0u8..=255).prop_map(|n| format!("38;5;{n}")),
                (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(r, g, b)| format!("48;2;{r};{g};{b}")),
                Just("58;5;1".to_string()),
                Just("4:3".to_string()),
             ].prop_map(|p| format!("\x1b[{p}m").into_bytes()),
        // scroll regions with real numbers
        2 => (1u16..40, 1u16..40).prop_map(|(t, b)| format!("\x1b[{t};{b}r").into_bytes()),
        // escapes: save/restore, index, reset, keypad, charsets
        2 => prop::sample::select(vec!["\x1b7", "\x1b8", "\x1bD", "\x1bE", "\x1bM", "\x1bc", "\x1b=",
                                       "\x1b>", "\x1b(0", "\x1b(B", "\x1b)0", "\x1b#8", "\x1bH"])
            .prop_map(|s| s.as_bytes().to_vec()),
        // titles and other strings
        1 => ("[ -~]{0,20}", prop::sample::select(vec!["\x07", "\x1b\\"]))
            .prop_map(|(t, end)| format!("\x1b]{}{t}{end}", osc_kind(&t)).into_bytes()),
        // anything at all
        anything => vec(any::<u8>(), 1..16),
    ]
}

fn osc_kind(t: &str) -> &'static str {
    match t.len() % 4 {
        0 => "0;",
        1 => "2;",
        2 => "52;c;",
        _ => "8;;",
    }
}

/// Output cut into reads anywhere, inside sequences and characters too.
fn reads(carried: bool) -> impl Strategy<Value = Vec<Op>> {
    (
        vec(piece(carried), 1..12),
        vec(any::<prop::sample::Index>(), 0..3),
    )
        .prop_map(|(pieces, cuts)| {
            let bytes = pieces.concat();
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len())).collect();
            at.sort_unstable();
            at.dedup();
            let mut ops = Vec::new();
            let mut from = 0;
            for cut in at.into_iter().chain([bytes.len()]) {
                if cut > from {
                    ops.push(Op::Output(bytes[from..cut].to_vec()));
                    from = cut;
                }
            }
            ops
        })
}

/// A session's life: mostly output, with resizes, attaches, lags and
/// resyncs, drawing and painting between. `carried`: only output that a
/// snapshot carries whole to a view, which leaves out REP (`CSI b`: the
/// character it repeats is not on the screen), origin mode and the
/// alternate screen kept behind `CSI ? 47` (vt100 shows neither).
pub fn ops(carried: bool) -> impl Strategy<Value = Vec<Op>> {
    let size = prop_oneof![
        8 => (1u16..120, 1u16..50),
        1 => (0u16..3, 0u16..3),
        1 => (any::<u16>(), any::<u16>()),
    ];
    let op = prop_oneof![
        12 => reads(carried),
        3 => size.prop_map(|(cols, rows)| vec![Op::Resize { cols, rows }]),
        2 => (0u16..100).prop_map(|history| vec![Op::Attach { history }]),
        1 => Just(vec![Op::Lag]),
        1 => (0u16..100).prop_map(|history| vec![Op::Resync { history }]),
        1 => (1u16..150, 1u16..60, 0u16..40)
            .prop_map(|(cols, rows, scroll)| vec![Op::Draw { cols, rows, scroll }]),
        2 => (1u16..60, any::<bool>()).prop_map(|(rows, top)| vec![Op::Paint { rows, top }]),
        1 => (0u16..50, any::<bool>())
            .prop_map(|(history, ansi)| vec![Op::Capture { history, ansi }]),
    ];
    vec(op, 1..40).prop_map(|ops| ops.concat())
}
