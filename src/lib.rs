//! sessui: a terminal session manager whose shells outlive the UI, locally and over SSH.

pub mod agent;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod duration;
#[doc(hidden)]
pub mod fuzzing;
pub mod host;
pub mod ids;
pub mod job;
pub mod logging;
pub mod manager;
pub mod paths;
pub mod proc;
pub mod protocol;
pub mod runtime;
pub mod store;
pub mod term;
pub mod text;
pub mod ui;
