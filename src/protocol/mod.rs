//! Wire frames between sessui and its jobs and agents: a fixed-format hello that
//! negotiates a version, then length-prefixed postcard frames of bounded size.
//!
//! Compatibility rule: variants are only ever appended, and a peer only sends
//! what the negotiated version knows, so a newer sessui keeps talking to jobs
//! started by an older one.

pub mod agent;
pub(crate) mod bounded;
mod frame;
mod hello;
mod messages;
pub(crate) mod search;
pub mod socket;

pub use agent::{Activity, SessionFacts};
pub use frame::{FrameReader, FrameWriter, encode_frame};
pub use hello::{accept_hello, client_hello};
pub use messages::*;

/// The version this build speaks best.
///
/// 2: a view that fell behind (`Lagged`) is resynced with only the history
/// lines it missed, which it appends to its own; in version 1 the whole
/// history comes again and replaces it.
/// 3: a view tells the job what its terminal is like (`ClientMsg::Terminal`).
/// 4: a client may watch without being a view (`ClientMsg::Watch`), and a
/// view tells the job its agent socket (`ClientMsg::Environment`).
/// 5: a job searches its history and screen (`ClientMsg::Search`).
/// 6: a view tells the job the variables that follow the user
/// (`ClientMsg::Follow`).
/// 7: a job answers `Attach` with the screen first and the history after
/// it, so a view is drawn without waiting for its scrollback.
pub const PROTOCOL_VERSION: u16 = 7;
/// The first version whose resync carries only the missed history.
pub const RESYNC_APPENDS: u16 = 2;
/// The first version that takes `ClientMsg::Terminal`; an older job would
/// drop the connection on a message it cannot read, so it is not sent one.
pub const TERMINAL_FACTS: u16 = 3;
/// The first version that takes `ClientMsg::Watch`.
pub const WATCH: u16 = 4;
/// The first version that takes `ClientMsg::Environment`.
pub const ENVIRONMENT: u16 = 4;
/// The first version that takes `ClientMsg::Search`; an older job is not
/// sent one, and its session is reported as not searchable.
pub const SEARCH: u16 = 5;
/// The first version that takes `ClientMsg::Follow`; an older job is sent
/// `Environment` instead.
pub const FOLLOW: u16 = 6;
/// The first version whose `Attach` is answered screen first.
pub const SCREEN_FIRST: u16 = 7;
/// The oldest version this build still speaks.
pub const MIN_PROTOCOL_VERSION: u16 = 1;

/// Marks the start of a hello; a reader scans for it so banner text or a chatty
/// `.bashrc` ahead of it on an SSH channel does no harm.
pub const MAGIC: &[u8; 8] = b"\x00SESSUI\x01";

/// Largest frame either side accepts: a snapshot is sent in chunks well below
/// this, so a bigger length prefix can only be corruption.
pub const MAX_FRAME: usize = 8 << 20;

/// History lines per `History` frame, keeping frames far below `MAX_FRAME`
/// even for very wide, very colourful lines.
pub const HISTORY_CHUNK_LINES: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the peer closed the connection")]
    Closed,
    #[error("frame of {size} bytes is over the {max}-byte limit (corrupt stream?)")]
    FrameTooLarge { size: usize, max: usize },
    #[error("cannot decode a frame: {0}")]
    Decode(String),
    #[error("cannot encode a frame: {0}")]
    Encode(String),
    #[error("the peer is not a sessui job or agent (no hello received)")]
    NoHello,
    #[error(
        "protocol versions do not overlap: this sessui speaks {ours_min}..={ours_max}, the peer \
         {theirs_min}..={theirs_max}; run the same sessui version on both sides"
    )]
    VersionMismatch {
        ours_min: u16,
        ours_max: u16,
        theirs_min: u16,
        theirs_max: u16,
    },
}
