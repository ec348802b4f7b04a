//! Output as activity, and output a view could not keep.

use crate::common::{PATIENCE, Sandbox, TestView, db_row, now_ms, wait_until};
use sessui::testing::config::Config;

/// A session that prints is active, whether or not anyone types.
#[test]
fn output_counts_as_activity() {
    let s = Sandbox::new();
    s.ok(&["new", "--name", "talks"]);
    s.ok(&["send", "talks", "sleep 2; echo late-$((3*3))\\n"]);
    let typed = db_row(&s, "talks").last_active_at;
    s.wait_screen("talks", "late-9");
    let printed = now_ms();
    assert!(printed - typed >= 1500, "the output came after the input");
    let mut last = 0;
    let ok = wait_until(PATIENCE, || {
        s.ok(&["ls"]);
        last = db_row(&s, "talks").last_active_at;
        last >= typed + 1500
    });
    assert!(
        ok,
        "LAST ACTIVE stayed at the last key: {} ms before the output",
        printed - last
    );
}

/// A view that fell behind by more than its history holds is told how many
/// lines it did not get, where they would have been.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_past_the_history_limit_says_how_many_lines_were_not_kept() {
    let s = Sandbox::new();
    s.write_config("scrollback_lines = 200\n");
    s.ok(&["new", "--name", "flood"]);
    let mgr = s.manager(Config {
        scrollback_lines: 200,
        ..Default::default()
    });
    let mut view = TestView::new(mgr.attach("flood", 80, 24).await.unwrap().conn);
    view.ready().await;
    view.type_text("seq 1 3000000; echo end-$((2+2))\r").await;
    // not reading while the flood runs: the job skips this view's output
    assert!(wait_until(PATIENCE, || s
        .capture("flood")
        .contains("end-4")));
    assert!(
        !view.catch_up("end-4").await.is_empty(),
        "never told of the lag"
    );
    let history = view.emu.capture(10_000, false);
    let marker = history
        .lines()
        .find(|l| l.contains("lines not kept"))
        .unwrap_or_else(|| panic!("no marker where lines were lost:\n{history}"));
    let n: u64 = marker
        .split_whitespace()
        .find_map(|w| w.replace(',', "").parse().ok())
        .unwrap_or(0);
    assert!(n > 100_000, "{marker}");
}
