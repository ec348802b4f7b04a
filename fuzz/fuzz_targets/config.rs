//! Fuzz target: see `sessui::fuzzing::config` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessui::fuzzing::config(data));
