//! The benchmark harness (`sessui-bench`) runs end to end in its
//! quick mode on every test run, so it never rots. No thresholds: figures
//! from a debug build on a loaded CI machine mean nothing.

use std::process::Command;

#[test]
fn the_bench_harness_runs_every_measurement_in_quick_mode_and_prints_a_table() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let md = dir.path().join("PERFORMANCE.md");
    let sessui = sessui_testkit::bin();
    assert!(
        sessui.exists(),
        "no sessui binary at {}: build the workspace first (cargo build --workspace)",
        sessui.display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sessui-bench"))
        .arg("--quick")
        .arg("--sessui")
        .arg(&sessui)
        .arg("--out")
        .arg(&md)
        .env_remove("SESSUI_SESSION")
        .env_remove("TMUX")
        .output()
        .expect("sessui-bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sessui-bench --quick failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for figure in [
        "MB/s",
        "p99",
        "reattach",
        "idle session",
        "scrollback",
        "`sessui ls`",
        "first list frame",
        "filter keystroke",
        "new session",
    ] {
        assert!(
            stdout.contains(figure) || stdout.contains(&figure.replace("reattach", "full screen")),
            "no '{figure}' in the table:\n{stdout}"
        );
    }
    let text = std::fs::read_to_string(&md).expect("the markdown was written");
    assert!(text.contains("| measurement |"), "{text}");
    assert!(text.contains("sessui-bench"), "{text}");
}
