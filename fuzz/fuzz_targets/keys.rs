//! Fuzz target: see `sessui::fuzzing::keys` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessui::fuzzing::keys(data));
