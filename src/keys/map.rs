//! Keys to actions, as data: the defaults live here, `[keys.*]` tables in the
//! config override them per action.

use std::collections::HashMap;

#[cfg(test)]
use crossterm::event::{KeyCode, KeyModifiers};

use super::Chord;

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
    /// Show or hide the selected session's live preview.
    Preview,
    Search,
    /// Mark or unmark the selected session, for deleting several at once.
    Mark,
    /// Clear every mark.
    Unmark,
    /// The next sort: activity, name, created, number.
    Sort,
    /// Group the list by host, or stop.
    Group,
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
    /// Pastes the last copy into the session.
    Paste,
    Help,
    SendPrefix,
    Retry,
    /// The session takes this view's size (another view had set a larger one).
    Fit,
}

/// Keys added to copy mode's own table (`[keys.scroll]`, from when copy
/// mode only scrolled): each moves as its name says.
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
    (ListAction::Preview, "preview", &["p"]),
    (ListAction::Search, "search", &["S"]),
    (ListAction::Mark, "mark", &["Space"]),
    (ListAction::Unmark, "unmark-all", &["Esc"]),
    (ListAction::Sort, "sort", &["o"]),
    (ListAction::Group, "group-by-host", &["H"]),
];

const PREFIX: &[(PrefixAction, &str, &[&str])] = &[
    (PrefixAction::Detach, "detach", &["d"]),
    (PrefixAction::Switch, "switch", &["s", "w"]),
    (PrefixAction::Next, "next", &["n"]),
    (PrefixAction::Prev, "prev", &["p"]),
    (PrefixAction::New, "new", &["c"]),
    (PrefixAction::Rename, "rename", &["r"]),
    (PrefixAction::Scroll, "scroll", &["["]),
    (PrefixAction::Paste, "paste", &["]"]),
    (PrefixAction::Help, "help", &["?"]),
    (PrefixAction::Retry, "retry", &["R"]),
    (PrefixAction::Fit, "fit", &["F"]),
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

pub use super::{KeySpecs, KeysConfig};

#[derive(Debug, Clone)]
pub struct Keymap {
    pub prefix: Chord,
    list: Table<ListAction>,
    prefixed: Table<PrefixAction>,
    scroll: Table<ScrollAction>,
    /// Copy mode's key table (`ui.mode_keys`).
    pub mode_keys: super::ModeKeys,
    /// A command each copy is piped to as well (`ui.copy_command`). Kept
    /// here as it travels with the keys from the config to the UI.
    pub copy_command: Option<String>,
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
                // One key, one action: a second binding would silently win
                // or lose depending on the order of the table.
                if let Some(other) = table.by_chord.insert(chord, *action)
                    && other != *action
                {
                    let other = defaults
                        .iter()
                        .find(|(a, _, _)| *a == other)
                        .map_or("another action", |(_, n, _)| *n);
                    // Name first the binding the user wrote: the other one
                    // may be a default they never saw.
                    let (mine, theirs) = if overrides.contains_key(other) {
                        (other, *name)
                    } else {
                        (*name, other)
                    };
                    return Err(format!(
                        "[keys.{section}] {mine} = \"{spec}\": {spec} is also the key of \
                         {theirs}; pick another key for {mine}, or give {theirs} other keys \
                         in [keys.{section}]"
                    ));
                }
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
        if let Some(taken) = prefixed.by_chord.insert(prefix, PrefixAction::SendPrefix) {
            let name = PREFIX
                .iter()
                .find(|(a, _, _)| *a == taken)
                .map_or("an action", |(_, n, _)| *n);
            return Err(format!(
                "ui.prefix {}: after the prefix, the prefix itself sends it through, but \
                 [keys.prefix] gives it to {name}; pick another key for {name}",
                prefix.label()
            ));
        }
        prefixed
            .keys
            .push((PrefixAction::SendPrefix, "send-prefix", vec![prefix]));
        Ok(Keymap {
            prefix,
            list: Table::build("list", LIST, &keys.list)?,
            prefixed,
            scroll: Table::build("scroll", SCROLL, &keys.scroll)?,
            mode_keys: Default::default(),
            copy_command: None,
        })
    }

    #[cfg(test)]
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
            mode_keys: Default::default(),
            copy_command: None,
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

    /// A key bound to two actions was accepted and one of them silently
    /// did nothing: it is refused, naming both actions and the fix.
    #[test]
    fn a_key_given_to_two_actions_is_refused_with_both_names() {
        let mut keys = KeysConfig::default();
        keys.prefix
            .insert("detach".into(), KeySpecs::One("s".into()));
        let err = Keymap::new("C-b", &keys).unwrap_err();
        assert!(
            err.contains("[keys.prefix] detach = \"s\"") && err.contains("switch"),
            "{err}"
        );
        // moving the other action away settles it
        keys.prefix
            .insert("switch".into(), KeySpecs::One("w".into()));
        let k = Keymap::new("C-b", &keys).unwrap();
        assert_eq!(k.prefixed(&Chord::plain('s')), Some(PrefixAction::Detach));
        // the list's newer keys are checked as the others are
        let mut list = KeysConfig::default();
        list.list.insert("sort".into(), KeySpecs::One("d".into()));
        let err = Keymap::new("C-b", &list).unwrap_err();
        assert!(
            err.contains("[keys.list] sort = \"d\"") && err.contains("delete"),
            "{err}"
        );
        // the same key twice for one action is no clash
        keys.list
            .insert("up".into(), KeySpecs::Many(vec!["k".into(), "k".into()]));
        assert!(Keymap::new("C-b", &keys).is_ok());
        // the prefix after itself is send-prefix
        let mut keys = KeysConfig::default();
        keys.prefix
            .insert("detach".into(), KeySpecs::One("C-a".into()));
        let err = Keymap::new("C-a", &keys).unwrap_err();
        assert!(
            err.contains("ui.prefix C-a") && err.contains("detach"),
            "{err}"
        );
    }
}
