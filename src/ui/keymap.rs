//! Keys to actions, as data: the defaults live here, `[keys.*]` tables in the
//! config override them per action.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyModifiers};

use super::keys::Chord;

/// What a key does on the session list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListAction {
    Up,
    Down,
    Top,
    Bottom,
    Attach,
    New,
    Rename,
    Delete,
    Filter,
    Help,
    Quit,
    Retry,
    Search,
}

/// What a key does after the prefix in an attached view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrefixAction {
    Detach,
    Switch,
    Next,
    Prev,
    New,
    Rename,
    Scroll,
    Help,
    SendPrefix,
    Retry,
}

/// What a key does in scrollback mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrollAction {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Exit,
    NextMatch,
    PrevMatch,
}

const LIST: &[(ListAction, &str, &[&str])] = &[
    (ListAction::Up, "up", &["Up", "k"]),
    (ListAction::Down, "down", &["Down", "j"]),
    (ListAction::Top, "top", &["Home", "g"]),
    (ListAction::Bottom, "bottom", &["End", "G"]),
    (ListAction::Attach, "attach", &["Enter"]),
    (ListAction::New, "new", &["n"]),
    (ListAction::Rename, "rename", &["r"]),
    (ListAction::Delete, "delete", &["d", "Delete"]),
    (ListAction::Filter, "filter", &["/"]),
    (ListAction::Help, "help", &["?"]),
    (ListAction::Quit, "quit", &["q"]),
    (ListAction::Retry, "retry", &["R"]),
    (ListAction::Search, "search", &["S"]),
];

const PREFIX: &[(PrefixAction, &str, &[&str])] = &[
    (PrefixAction::Detach, "detach", &["d"]),
    (PrefixAction::Switch, "switch", &["s", "w"]),
    (PrefixAction::Next, "next", &["n"]),
    (PrefixAction::Prev, "prev", &["p"]),
    (PrefixAction::New, "new", &["c"]),
    (PrefixAction::Rename, "rename", &["r"]),
    (PrefixAction::Scroll, "scroll", &["["]),
    (PrefixAction::Help, "help", &["?"]),
    (PrefixAction::Retry, "retry", &["R"]),
];

const SCROLL: &[(ScrollAction, &str, &[&str])] = &[
    (ScrollAction::Up, "up", &["Up", "k"]),
    (ScrollAction::Down, "down", &["Down", "j"]),
    (ScrollAction::PageUp, "page-up", &["PgUp", "C-b", "C-u"]),
    (
        ScrollAction::PageDown,
        "page-down",
        &["PgDn", "C-f", "C-d", "Space"],
    ),
    (ScrollAction::Top, "top", &["Home", "g"]),
    (ScrollAction::Bottom, "bottom", &["End", "G"]),
    (ScrollAction::Exit, "exit", &["q", "Esc"]),
    (ScrollAction::NextMatch, "next-match", &["n"]),
    (ScrollAction::PrevMatch, "prev-match", &["N"]),
];

pub use crate::config::{KeySpecs, KeysConfig};

#[derive(Debug, Clone)]
pub struct Keymap {
    pub prefix: Chord,
    list: Table<ListAction>,
    prefixed: Table<PrefixAction>,
    scroll: Table<ScrollAction>,
}

#[derive(Debug, Clone)]
struct Table<A> {
    by_chord: HashMap<Chord, A>,
    /// Keys per action in the order given, for hints and help.
    keys: Vec<(A, &'static str, Vec<Chord>)>,
}

impl<A: Copy + Eq + std::hash::Hash> Table<A> {
    fn build(
        section: &str,
        defaults: &[(A, &'static str, &[&str])],
        overrides: &HashMap<String, KeySpecs>,
    ) -> Result<Table<A>, String> {
        for name in overrides.keys() {
            if !defaults.iter().any(|(_, n, _)| n == name) {
                let known: Vec<&str> = defaults.iter().map(|(_, n, _)| *n).collect();
                return Err(format!(
                    "[keys.{section}] has no action '{name}'; actions: {}",
                    known.join(", ")
                ));
            }
        }
        let mut table = Table {
            by_chord: HashMap::new(),
            keys: Vec::new(),
        };
        for (action, name, default_keys) in defaults {
            let specs: Vec<&str> = match overrides.get(*name) {
                Some(o) => o.specs(),
                None => default_keys.to_vec(),
            };
            let mut chords = Vec::new();
            for spec in specs {
                let chord =
                    Chord::parse(spec).map_err(|e| format!("[keys.{section}] {name}: {e}"))?;
                table.by_chord.insert(chord, *action);
                chords.push(chord);
            }
            table.keys.push((*action, name, chords));
        }
        Ok(table)
    }

    fn get(&self, chord: &Chord) -> Option<A> {
        self.by_chord.get(chord).copied()
    }

    fn first_key(&self, action: A) -> String {
        self.keys
            .iter()
            .find(|(a, _, _)| *a == action)
            .and_then(|(_, _, c)| c.first())
            .map(Chord::label)
            .unwrap_or_else(|| "(unbound)".into())
    }

    fn all_keys(&self, action: A) -> String {
        self.keys
            .iter()
            .find(|(a, _, _)| *a == action)
            .map(|(_, _, c)| c.iter().map(Chord::label).collect::<Vec<_>>().join("/"))
            .unwrap_or_default()
    }
}

impl Keymap {
    pub fn new(prefix: &str, keys: &KeysConfig) -> Result<Keymap, String> {
        let prefix = Chord::parse(prefix).map_err(|e| format!("ui.prefix: {e}"))?;
        let mut prefixed = Table::build("prefix", PREFIX, &keys.prefix)?;
        // The prefix pressed twice sends it through, as tmux's send-prefix.
        prefixed.by_chord.insert(prefix, PrefixAction::SendPrefix);
        prefixed
            .keys
            .push((PrefixAction::SendPrefix, "send-prefix", vec![prefix]));
        Ok(Keymap {
            prefix,
            list: Table::build("list", LIST, &keys.list)?,
            prefixed,
            scroll: Table::build("scroll", SCROLL, &keys.scroll)?,
        })
    }

    pub fn defaults() -> Keymap {
        // The built-in table parses: a unit test proves it.
        Keymap::new("C-b", &KeysConfig::default()).unwrap_or_else(|_| Keymap {
            prefix: Chord::new(KeyCode::Char('b'), KeyModifiers::CONTROL),
            list: Table {
                by_chord: HashMap::new(),
                keys: Vec::new(),
            },
            prefixed: Table {
                by_chord: HashMap::new(),
                keys: Vec::new(),
            },
            scroll: Table {
                by_chord: HashMap::new(),
                keys: Vec::new(),
            },
        })
    }

    pub fn list(&self, chord: &Chord) -> Option<ListAction> {
        self.list.get(chord)
    }

    pub fn prefixed(&self, chord: &Chord) -> Option<PrefixAction> {
        self.prefixed.get(chord)
    }

    pub fn scroll(&self, chord: &Chord) -> Option<ScrollAction> {
        self.scroll.get(chord)
    }

    pub fn list_key(&self, a: ListAction) -> String {
        self.list.first_key(a)
    }

    pub fn list_keys(&self, a: ListAction) -> String {
        self.list.all_keys(a)
    }

    pub fn prefix_key(&self, a: PrefixAction) -> String {
        self.prefixed.first_key(a)
    }

    pub fn prefix_keys(&self, a: PrefixAction) -> String {
        self.prefixed.all_keys(a)
    }

    pub fn scroll_keys(&self, a: ScrollAction) -> String {
        self.scroll.all_keys(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_match() {
        let k = Keymap::new("C-b", &KeysConfig::default()).unwrap();
        assert_eq!(k.list(&Chord::plain('n')), Some(ListAction::New));
        assert_eq!(k.list(&Chord::plain('j')), Some(ListAction::Down));
        assert_eq!(k.prefixed(&Chord::plain('d')), Some(PrefixAction::Detach));
        assert_eq!(k.prefixed(&k.prefix), Some(PrefixAction::SendPrefix));
        assert_eq!(k.list_keys(ListAction::Delete), "d/Delete");
    }

    #[test]
    fn config_overrides_one_action_and_names_mistakes() {
        let mut keys = KeysConfig::default();
        keys.prefix
            .insert("detach".into(), KeySpecs::One("x".into()));
        let k = Keymap::new("C-a", &keys).unwrap();
        assert_eq!(k.prefixed(&Chord::plain('x')), Some(PrefixAction::Detach));
        assert_eq!(k.prefixed(&Chord::plain('d')), None);
        assert_eq!(k.prefix.label(), "C-a");
        keys.list
            .insert("explode".into(), KeySpecs::One("e".into()));
        let err = Keymap::new("C-b", &keys).unwrap_err();
        assert!(err.contains("explode") && err.contains("attach"), "{err}");
        let err = Keymap::new("Hyper-b", &KeysConfig::default()).unwrap_err();
        assert!(err.contains("ui.prefix"), "{err}");
    }
}
