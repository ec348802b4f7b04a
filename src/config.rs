//! `config.toml`: every setting with its default in one place, so help text,
//! docs and code agree.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::duration::Timeout;

pub use crate::keys::{KeysConfig, ModeKeys};

/// Default scrollback a job keeps: what tmux keeps by default times five, cheap
/// because rows are stored as compact formatted text.
pub const DEFAULT_SCROLLBACK: usize = 10_000;

/// How long a job with no limit of its own lives with no client attached:
/// long enough for a weekend away, short enough that forgotten shells end.
/// The default of `timeouts.job_backstop` and `ssh.remote_idle`, and what a
/// job is given when nothing says otherwise.
pub const JOB_BACKSTOP: Timeout = Timeout::After(Duration::from_secs(2 * 86_400));

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Lines of history each job keeps.
    pub scrollback_lines: usize,
    /// `TERM` inside sessions.
    pub term: String,
    /// Shell for new local sessions; empty means `$SHELL`, then `/bin/sh`.
    pub shell: String,
    pub timeouts: Timeouts,
    pub ui: UiConfig,
    pub ssh: SshConfig,
    /// Key overrides per action: `[keys.list]`, `[keys.prefix]`, `[keys.scroll]`.
    pub keys: KeysConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// How long an anonymous session may sit with no view before it is stopped.
    pub anonymous_idle: Timeout,
    /// The same for named sessions.
    pub named_idle: Timeout,
    /// A job's own limit when its session has none: no client for this long and it exits.
    pub job_backstop: Timeout,
    /// How often the reaper looks for idle, dead and finished sessions.
    #[serde(with = "duration_text")]
    pub reaper_interval: Duration,
    /// How long a finished session with no view stays in the list.
    #[serde(with = "duration_text")]
    pub done_retention: Duration,
    /// How long to wait for another sessui process's database write before
    /// reporting the database as locked.
    #[serde(with = "duration_text")]
    pub db_busy: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// The prefix key, tmux style: `C-b`, `C-a`, `C-space`, `M-a`.
    pub prefix: String,
    /// Where the one-line status bar sits in an attached view: `bottom` or `top`.
    pub status_bar: StatusBar,
    /// Frames per second at most when output floods.
    pub max_fps: u32,
    /// Take mouse events: the wheel scrolls history and programs that ask get
    /// clicks. Hold Shift to select text in your terminal meanwhile.
    pub mouse: bool,
    /// Answer a program's clipboard query (`OSC 52 ; c ; ?`) with what that
    /// session last copied. Off: a program may not read back copies.
    pub clipboard_read: bool,
    /// Copy-mode keys: `vi` or `emacs`, as tmux's `mode-keys`.
    pub mode_keys: ModeKeys,
    /// A command each copy is piped to besides the terminal's clipboard
    /// (`wl-copy`, `xclip -selection clipboard`, `pbcopy`); empty for none.
    pub copy_command: String,
    /// Predictive local echo in an attached view: `adaptive` (when the
    /// link's round trip is above `predict_threshold_ms`), `always`, `never`.
    pub predict: PredictMode,
    /// The round trip above which `adaptive` predicts.
    pub predict_threshold_ms: u64,
    /// The list's order when the UI opens: `activity`, `name`, `created` or
    /// `number` (a key cycles it while the UI runs).
    pub sort: Sort,
    /// Group the list by host when the UI opens (a key toggles it).
    pub group_by_host: bool,
}

/// When typed keys are shown before the session echoes them.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PredictMode {
    #[default]
    Adaptive,
    Always,
    Never,
}

/// What the list is sorted by (`ui.sort`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Most recently used first, as the manager lists them.
    #[default]
    Activity,
    /// By name; anonymous sessions after named ones, by number.
    Name,
    /// Newest first.
    Created,
    /// By the short number each session is given, lowest first.
    Number,
}

impl Sort {
    /// The next sort in the cycle.
    pub fn next(self) -> Sort {
        match self {
            Sort::Activity => Sort::Name,
            Sort::Name => Sort::Created,
            Sort::Created => Sort::Number,
            Sort::Number => Sort::Activity,
        }
    }

    /// As the title shows it.
    pub fn word(self) -> &'static str {
        match self {
            Sort::Activity => "activity",
            Sort::Name => "name",
            Sort::Created => "created",
            Sort::Number => "number",
        }
    }
}

/// Where an attached view's status bar sits. Spelled in lower case; any
/// other value is refused by name rather than read as the default.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StatusBar {
    Top,
    Bottom,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SshConfig {
    /// Time between keepalives; a dead link is noticed after about
    /// `interval * (max + 1)` (60 s with the defaults). The ssh config's
    /// ServerAliveInterval and ServerAliveCountMax win for their hosts.
    #[serde(with = "duration_text")]
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    #[serde(with = "duration_text")]
    pub connect_timeout: Duration,
    /// Remote jobs with no client exit after this long.
    pub remote_idle: Timeout,
    /// Where the remote sessui binary lives; empty means the default
    /// `~/.local/share/sessui/bin/sessui-<version>`, uploaded on first use.
    pub remote_path: String,
    /// The ssh config file to read; empty means `~/.ssh/config`.
    pub config_file: String,
    /// Forward the ssh-agent to hosts whose ssh config does not set
    /// `ForwardAgent` (off by default, as in OpenSSH: whoever is root on the
    /// host can use the agent while sessui is connected).
    pub forward_agent: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            scrollback_lines: DEFAULT_SCROLLBACK,
            term: "xterm-256color".into(),
            shell: String::new(),
            timeouts: Timeouts::default(),
            ui: UiConfig::default(),
            ssh: SshConfig::default(),
            keys: Default::default(),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            anonymous_idle: Timeout::After(Duration::from_secs(3600)),
            named_idle: Timeout::Never,
            job_backstop: JOB_BACKSTOP,
            reaper_interval: Duration::from_secs(60),
            done_retention: Duration::from_secs(300),
            db_busy: Duration::from_secs(10),
        }
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            prefix: "C-b".into(),
            status_bar: StatusBar::Bottom,
            max_fps: 60,
            mouse: true,
            clipboard_read: false,
            mode_keys: ModeKeys::Vi,
            copy_command: String::new(),
            predict: PredictMode::Adaptive,
            // Below this a round trip is hardly felt (mosh's choice too).
            predict_threshold_ms: 30,
            sort: Sort::Activity,
            group_by_host: false,
        }
    }
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            keepalive_interval: Duration::from_secs(15),
            keepalive_max: 3,
            connect_timeout: Duration::from_secs(15),
            remote_idle: JOB_BACKSTOP,
            remote_path: String::new(),
            config_file: String::new(),
            forward_agent: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Parse { path: String, message: String },
}

impl Config {
    /// Reads the file if it exists; a missing file means all defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        Config::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        if config.scrollback_lines > 1_000_000 {
            return Err("scrollback_lines is at most 1000000".into());
        }
        if !(1..=1000).contains(&config.ui.max_fps) {
            return Err(format!(
                "ui.max_fps is between 1 and 1000, not {}",
                config.ui.max_fps
            ));
        }
        if config.timeouts.reaper_interval.is_zero() {
            // With no pause the reaper would query every host in a loop.
            return Err("timeouts.reaper_interval must be more than 0s (default 1m)".into());
        }
        crate::keys::map::Keymap::new(&config.ui.prefix, &config.keys)?;
        Ok(config)
    }

    /// The idle timeout a session gets when it was not given its own.
    pub fn default_idle(&self, named: bool) -> Timeout {
        if named {
            self.timeouts.named_idle
        } else {
            self.timeouts.anonymous_idle
        }
    }
}

mod duration_text {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::duration::format_duration(*d))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        crate::duration::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn overrides_parse_and_unknown_keys_are_named() {
        let c = Config::parse(
            "scrollback_lines = 500\n[timeouts]\nanonymous_idle = \"30m\"\nnamed_idle = \"never\"\n",
        )
        .unwrap();
        assert_eq!(c.scrollback_lines, 500);
        assert_eq!(
            c.timeouts.anonymous_idle,
            Timeout::After(Duration::from_secs(1800))
        );
        let err = Config::parse("scrolback = 1").unwrap_err();
        assert!(err.contains("scrolback"), "{err}");
    }

    /// Every command reads the config: a mistake in the keys is reported
    /// by `sessui ls` as by the UI, not only when the UI starts.
    #[test]
    fn keys_are_checked_with_the_rest_of_the_file() {
        let err = Config::parse("[keys.list]\ndetach = \"x\"\n").unwrap_err();
        assert!(
            err.contains("[keys.list]") && err.contains("detach"),
            "{err}"
        );
        let err = Config::parse("[ui]\nprefix = \"Hyper-b\"\n").unwrap_err();
        assert!(
            err.contains("ui.prefix") && err.contains("Hyper-b"),
            "{err}"
        );
        let c = Config::parse("[ui]\nprefix = \"C-a\"\n[keys.prefix]\ndetach = \"x\"\n").unwrap();
        assert_eq!(c.ui.prefix, "C-a");
    }

    #[test]
    fn predictive_echo_is_adaptive_at_30_ms_unless_told_otherwise() {
        let c = Config::default();
        assert_eq!(
            (c.ui.predict, c.ui.predict_threshold_ms),
            (PredictMode::Adaptive, 30)
        );
        let c = Config::parse("[ui]\npredict = \"never\"\npredict_threshold_ms = 80").unwrap();
        assert_eq!(
            (c.ui.predict, c.ui.predict_threshold_ms),
            (PredictMode::Never, 80)
        );
        let err = Config::parse("[ui]\npredict = \"sometimes\"").unwrap_err();
        assert!(
            err.contains("predict") && err.contains("sometimes"),
            "{err}"
        );
    }

    #[test]
    fn the_list_order_is_read_and_a_sort_it_does_not_know_is_named() {
        let c = Config::default();
        assert_eq!((c.ui.sort, c.ui.group_by_host), (Sort::Activity, false));
        let c = Config::parse("[ui]\nsort = \"name\"\ngroup_by_host = true").unwrap();
        assert_eq!((c.ui.sort, c.ui.group_by_host), (Sort::Name, true));
        let err = Config::parse("[ui]\nsort = \"cpu\"").unwrap_err();
        assert!(err.contains("sort") && err.contains("cpu"), "{err}");
    }

    /// A value sessui would quietly read as another (any status bar but
    /// `top` was `bottom`; 0 fps was 1) or could not run with (a reaper
    /// with no pause between passes) is an error naming the setting.
    #[test]
    fn values_that_would_mean_something_else_are_refused() {
        for (text, names) in [
            // (status_bar: its own test below)
            ("[ui]\nmax_fps = 0", "ui.max_fps"),
            ("[ui]\nmax_fps = 5000", "ui.max_fps"),
            (
                "[timeouts]\nreaper_interval = \"0s\"",
                "timeouts.reaper_interval",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(names), "{text}: {err}");
        }
        let c = Config::parse("[ui]\nstatus_bar = \"top\"\nmax_fps = 1000").unwrap();
        assert_eq!((c.ui.status_bar, c.ui.max_fps), (StatusBar::Top, 1000));
    }

    #[test]
    fn a_status_bar_place_other_than_top_or_bottom_is_refused_by_name() {
        let top = Config::parse("[ui]\nstatus_bar = \"top\"\n").unwrap();
        assert_eq!(
            toml::to_string(&top.ui).unwrap().lines().nth(1),
            Some("status_bar = \"top\"")
        );
        for bad in ["Top", "left", ""] {
            let err = Config::parse(&format!("[ui]\nstatus_bar = \"{bad}\"\n")).unwrap_err();
            assert!(
                err.contains("status_bar") && err.contains("`top`") && err.contains("`bottom`"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_documented_example_is_exactly_the_defaults() {
        let text = include_str!("../assets/config.toml");
        assert_eq!(Config::parse(text).unwrap(), Config::default());
    }

    #[test]
    fn defaults_written_out_read_back_the_same() {
        let text = toml::to_string(&Config::default()).unwrap();
        assert_eq!(Config::parse(&text).unwrap(), Config::default());
    }
}
