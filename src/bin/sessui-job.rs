//! `sessui-job`: the job process alone, for local sessions. It links the
//! PTY, the emulator and the job protocol but none of the UI, SSH, SQLite
//! or command line, so each of the many idle jobs holds less memory.

fn main() {
    std::process::exit(sessui::run_job());
}
