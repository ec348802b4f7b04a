//! sessui's executable: everything lives in the library.

fn main() {
    std::process::exit(sessui::run());
}
