//! sessui: a terminal session manager whose shells outlive the UI, locally and over SSH.

pub mod clock;
pub mod config;
pub mod duration;
pub mod ids;
pub mod paths;
pub mod protocol;
pub mod term;
