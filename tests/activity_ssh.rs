//! What runs in a remote session reaches the list through the agent: the
//! job on the SSH host records it, the agent lists it to a running list,
//! and `ls` and `info` show it from the database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/remote.rs"]
mod remote;
#[path = "common/sshd.rs"]
mod sshd;

use common::pty::Tui;
use remote::*;

#[test]
fn a_remote_sessions_program_title_bell_and_usage_come_through_the_agent() {
    let (sb, _sshd) = setup();
    run_ok(&sb, &["new", "--host", "box", "--name", "far"]);
    run_ok(
        &sb,
        &[
            "send",
            "-l",
            "far",
            "printf '\\033]2;remote build\\007\\a'; sleep 300\n",
        ],
    );
    // A fresh `ls` does not wait for the connection; a running list keeps
    // asking the agent and stores what it hears.
    // Too small for a preview to show (and see) the session: narrower than
    // 140 columns, and less than ten rows free below the list.
    let t = Tui::start(&sb, &[], 120, 14);
    let screen = t.wait_for("remote build");
    assert!(screen.contains("sleep"), "{screen}");
    t.wait_for("! running");
    let ls: Vec<serde_json::Value> = serde_json::from_str(&run_ok(&sb, &["ls", "--json"])).unwrap();
    let far = &ls[0];
    assert!(far["bell_at"].is_string(), "{far:#}");
    assert!(far["memory_bytes"].as_u64().unwrap() > 0, "{far:#}");
    let ls = run_ok(&sb, &["ls"]);
    assert!(
        ls.contains("! running") && ls.contains("remote build"),
        "{ls}"
    );
    let info = run_ok(&sb, &["info", "far"]);
    assert!(info.contains("program      sleep"), "{info}");
    assert!(info.contains("memory"), "{info}");
}
