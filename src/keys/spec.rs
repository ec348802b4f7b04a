//! How keys are written in `config.toml`: the `[keys]` tables and the
//! copy-mode key set, parsed by serde and checked by the keymap.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Which copy-mode keys: tmux's `mode-keys`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModeKeys {
    #[default]
    Vi,
    Emacs,
}

/// One action's keys in the config: a key or a list of keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeySpecs {
    One(String),
    Many(Vec<String>),
}

impl KeySpecs {
    pub(crate) fn specs(&self) -> Vec<&str> {
        match self {
            KeySpecs::One(s) => vec![s.as_str()],
            KeySpecs::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// `[keys.list]`, `[keys.prefix]`, `[keys.scroll]`: action name = key(s).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    pub list: HashMap<String, KeySpecs>,
    pub prefix: HashMap<String, KeySpecs>,
    pub scroll: HashMap<String, KeySpecs>,
}
