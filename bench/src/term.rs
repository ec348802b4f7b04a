//! The harness's terminal: the test kit's real PTY read through sessui's
//! emulator, answering queries as xterm does and stamping on its reader
//! thread the moment a probe first holds (see `sessui_testkit::pty`).

pub use sessui_testkit::pty::{Terminal as Term, near_cursor, row_text};
