//! Fuzz target: see `sessui::fuzzing::agent_wire` for what it feeds and checks.
#![no_main]

// Lets the target check that no frame makes the reader allocate more than
// the frame limit at once.
#[global_allocator]
static ALLOC: sessui::fuzzing::PeakAlloc = sessui::fuzzing::PeakAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessui::fuzzing::agent_wire(data));
