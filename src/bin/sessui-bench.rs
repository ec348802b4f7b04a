//! `sessui-bench`: the benchmark harness of issue 5; everything lives in
//! `sessui::bench`. Run: `cargo run --release --bin sessui-bench -- --out docs/PERFORMANCE.md`.

fn main() {
    std::process::exit(sessui::bench::main());
}
