//! Faults a user's machine throws at sessui, each with the real binary, real
//! jobs and a real SQLite file: a lost or damaged database, a locked, full or
//! read-only one, an outage on an SSH host, switching into trouble, an upgrade.
//! The rule they share: nothing a user does or the machine does loses a
//! running shell, and every message is true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/remote.rs"]
mod remote;
#[path = "../common/sshd.rs"]
mod sshd;

mod database;
mod disk;
mod figures;
mod outage;
mod output;
mod upgrade;
mod views;
