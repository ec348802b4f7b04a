//! Entry points for the fuzz targets (`fuzz/`) and the property tests
//! (`tests/props.rs`): each takes untrusted input and drives one parser the
//! way sessui does, panicking when a property it states does not hold.
//!
//! Not part of sessui's API: it exists so the fuzz targets and property
//! tests keep compiling when the library's own API is narrowed. Every
//! function here must accept any input; a panic is a finding.

mod alloc;
mod config;
#[cfg(test)]
mod found;
mod keys;
mod terminal;
mod wire;

pub use alloc::{PeakAlloc, largest_allocation};
pub use config::config;
pub use keys::keys;
pub use terminal::{Follow, Op, Session, ops_from_bytes, terminal};
pub use wire::{agent_wire, frames, round_trip_agent, round_trip_client, round_trip_server};

/// Reads typed values off the front of fuzz input; once it runs dry every
/// value is zero, so any input decodes to something.
pub(crate) struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    pub(crate) fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// Up to `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        taken
    }
}

/// Runs a future that never waits (its reader is a byte slice) to its end.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}
