//! sessui: a terminal session manager whose shells outlive the UI, locally and over SSH.
//!
//! The library's public surface is deliberately small: [`run`], the whole
//! command line, which the `sessui` executable calls; [`run_job`], the
//! job process alone, which the slim `sessui-job` executable calls; `fuzzing`, entry points
//! for the fuzz targets and property tests; and, only with the `test-hooks`
//! feature, `testing`, the few internals the integration tests and the
//! benchmark drive. Every other module is private to the crate, so the
//! compiler reports code that nothing uses.

pub(crate) mod agent;
pub(crate) mod app;
pub(crate) mod cli;
pub(crate) mod clock;
pub(crate) mod config;
pub(crate) mod duration;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod host;
pub(crate) mod ids;
pub(crate) mod job;
pub(crate) mod keys;
pub(crate) mod logging;
pub(crate) mod manager;
pub(crate) mod paths;
pub(crate) mod proc;
pub(crate) mod protocol;
pub(crate) mod runtime;
pub(crate) mod store;
pub(crate) mod term;
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub mod testing;
pub(crate) mod text;
pub(crate) mod ui;

/// Runs the `sessui` command line (the TUI, a subcommand, or an internal
/// job or agent) and returns the process exit code.
pub use cli::main as run;

/// Runs a job process alone (`sessui-job job ...`, started by sessui) and
/// returns its exit code. Nothing else of sessui is reached from here, so
/// an executable calling only this links only the job.
pub use job::slim_main as run_job;
