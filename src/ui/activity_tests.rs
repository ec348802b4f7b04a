//! What runs in each session, in the list: program, title, the bell mark
//! and CPU and memory, laid out at each width; a bell announced once.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::state::Ui;
use super::tests::{NOW, draw, ui, update};
use super::update::UiEvent;
use crate::protocol::Activity;
use crate::store::SessionRow;

fn line(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

fn doing(program: &str, title: &str, cpu_ms: u64, mb: u64) -> Activity {
    Activity {
        program: Some(program.into()),
        title: title.into(),
        bell_at: None,
        cpu_ms,
        rss_bytes: mb << 20,
    }
}

/// `ui()`'s sessions, each with something running in it; the anonymous
/// one rang the bell unseen. The finished one still holds its job's last
/// report, which the list must not show.
fn busy_rows() -> Vec<SessionRow> {
    let mut rows = ui().sessions;
    let acts = [
        doing("vim", "notes.md (~/src/sessui)", 12_900, 48),
        Activity {
            bell_at: Some(NOW - 1000),
            ..doing("sleep", "tailing logs", 300, 3)
        },
        doing("top", "top - db1", 192_000, 5),
        doing("cargo", "stale", 1000, 900),
    ];
    for (n, (s, a)) in rows.iter_mut().zip(acts).enumerate() {
        s.number = Some(n as u32);
        s.activity = a;
    }
    rows
}

fn busy(cols: u16, rows: u16) -> Ui {
    let mut ui = ui();
    listed(&mut ui, busy_rows());
    ui.size = (cols, rows);
    ui
}

fn listed(ui: &mut Ui, sessions: Vec<SessionRow>) {
    let reap_at = ui.reap_at.clone();
    let hosts = ui.hosts.clone();
    update(
        ui,
        UiEvent::Listed {
            sessions,
            reap_at,
            hosts,
        },
    );
}

#[test]
fn list_at_140_shows_program_title_cpu_and_memory() {
    let ui = busy(140, 10);
    let t = draw(&ui);
    let header = line(&t, 1);
    for title in ["PROGRAM", "TITLE", "CPU", "MEM", "ID", "JOB"] {
        assert!(header.contains(title), "{header}");
    }
    let build = line(&t, 2);
    assert!(build.contains("vim") && build.contains("12s") && build.contains("48M"));
    let anonymous = line(&t, 3);
    assert!(anonymous.contains("tailing logs"), "{anonymous}");
    assert!(anonymous.contains("! running"), "{anonymous}");
    let done = line(&t, 5);
    assert!(!done.contains("cargo") && !done.contains("stale"), "{done}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn list_at_100_gives_up_job_id_and_usage_before_what_runs() {
    let ui = busy(100, 10);
    let t = draw(&ui);
    let header = line(&t, 1);
    for gone in ["JOB", " ID ", "CPU", "MEM"] {
        assert!(!header.contains(gone), "{header}");
    }
    for kept in ["PROGRAM", "TITLE", "STATE", "LAST ACTIVE", "REAPED IN"] {
        assert!(header.contains(kept), "{header}");
    }
    insta::assert_snapshot!(t.backend());
}

#[test]
fn list_at_80x24_keeps_the_program_and_a_short_title_with_state_and_times() {
    let ui = busy(80, 24);
    let t = draw(&ui);
    let header = line(&t, 1);
    for kept in ["PROG", "TITLE", "STATE", "ACTIVE"] {
        assert!(header.contains(kept), "{header}");
    }
    assert!(line(&t, 3).contains("! running"), "{}", line(&t, 3));
    assert!(line(&t, 5).contains("done (exit 3)"), "{}", line(&t, 5));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn list_at_60x20_keeps_state_and_times_whole() {
    let ui = busy(60, 20);
    let t = draw(&ui);
    let header = line(&t, 1);
    for kept in ["NAME", "STATE", "ACTIVE"] {
        assert!(header.contains(kept), "{header}");
    }
    assert!(line(&t, 5).contains("done (exit 3)"), "{}", line(&t, 5));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn a_bell_in_a_session_not_shown_is_announced_once() {
    let mut ui = ui();
    let mut rows = busy_rows();
    rows[1].activity.bell_at = None;
    listed(&mut ui, rows.clone());
    ui.notice = None;
    rows[1].activity.bell_at = Some(NOW);
    listed(&mut ui, rows.clone());
    let notice = ui.notice.take().map(|n| n.text);
    assert_eq!(notice.as_deref(), Some("bell in #1 (sleep)"));
    // The same bell again is not news.
    listed(&mut ui, rows.clone());
    assert!(ui.notice.is_none());
    // A finished session's old report rings nothing.
    rows[3].activity.bell_at = Some(NOW);
    listed(&mut ui, rows);
    assert!(ui.notice.is_none());
}
