//! What sessui's integration tests, test kit and benchmark may reach inside
//! the library, and nothing more: each module here names the few items of
//! the module of the same name that those drive directly.
//!
//! Not part of sessui's API. It exists only with the `test-hooks` feature,
//! which the test kit turns on, so a user's build keeps every internal
//! module private and the compiler reports what nothing uses. Adding a name
//! here is a decision: prefer driving the real binary.

/// The session list's record: the database file and its rows.
pub mod store {
    pub use crate::store::{ExitRow, IdleSetting, SessionRow, Status, Store};
}

/// The session manager a sessui process runs.
pub mod manager {
    pub use crate::manager::{CreateOpts, Deleted, HostFactory, Manager};
}

/// Where jobs live: this machine, or an SSH host.
pub mod host {
    pub use crate::host::{Host, HostState, JobConn, Local, NoPrompter, Prompter, StartJob};

    /// Remote hosts over SSH.
    pub mod ssh {
        pub use crate::host::ssh::{REMOTE_BIN_DIR, SshFactory, identify};
    }
}

/// The job process's records on disk and its command line.
pub mod job {
    pub use crate::job::{JobSpec, SessionFacts, read_job_records, write_exit_record};
}

/// Wire frames between sessui and its jobs and agents.
pub mod protocol {
    pub use crate::protocol::{
        ClientMsg, ExitInfo, ExitReason, HistoryLine, JobInfo, MAGIC, MAX_FRAME, QuerySpec,
        RESYNC_APPENDS, SCREEN_FIRST, ServerMsg, encode_frame,
    };

    /// The agent's requests and replies.
    pub mod agent {
        pub use crate::protocol::agent::{
            Activity, FailKind, Reply, ReplyBody, Request, RequestBody, StartJob, WireJob,
            WireLiveness, WireSummary,
        };
    }
}

/// The terminal model every view and job keeps.
pub mod term {
    pub use crate::term::{Emulator, Snapshot, attr, in_emulator};

    /// Search through a screen and its history.
    pub mod search {
        pub use crate::term::search::Query;
    }
}

/// Settings read from `config.toml`.
pub mod config {
    pub use crate::config::{Config, DEFAULT_SCROLLBACK, JOB_BACKSTOP};
}

/// Typed ids of sessions and jobs.
pub mod ids {
    pub use crate::ids::{JobId, SessionId};
}

pub use crate::clock::now_millis;
pub use crate::duration::Timeout;
pub use crate::paths::Paths;
