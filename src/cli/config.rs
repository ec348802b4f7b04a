//! `sessui config check|path|default`: the configuration file, found,
//! checked whole, or written out with every default and what it means.

use crate::config::Config;
use crate::paths::Paths;

use super::{CmdResult, Failure};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check the whole file (values, key names, keys bound twice): exit 0
    /// when it is valid, 1 with what to fix.
    Check,
    /// Print where the configuration file is (it may not exist yet).
    Path,
    /// Print a commented configuration with every default.
    Default,
}

/// Every setting with its default and a comment: also what `check` accepts.
pub const DEFAULT_TEXT: &str = include_str!("../../assets/config.toml");

pub fn run(cmd: Command) -> CmdResult {
    let paths = Paths::from_env().map_err(|e| Failure::from(e.to_string()))?;
    let file = paths.config_file();
    match cmd {
        Command::Path => super::out_line(&file.display().to_string()),
        Command::Default => {
            print!("{DEFAULT_TEXT}");
            Ok(())
        }
        Command::Check => {
            crate::paths::check_file(&file).map_err(|e| Failure::from(e.to_string()))?;
            Config::load(&file).map_err(|e| Failure::from(e.to_string()))?;
            if file.exists() {
                super::out_line(&format!("{}: valid", file.display()))
            } else {
                super::out_line(&format!(
                    "{}: no such file; every setting has its default (see `sessui config default`)",
                    file.display()
                ))
            }
        }
    }
}
