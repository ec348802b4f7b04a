//! `config.toml`: any text is a configuration sessui runs with, or an
//! error that says what is wrong; never a panic, never a setting that
//! quietly means something else.

use crate::config::Config;
use crate::duration::{Timeout, format_duration, parse_duration, parse_timeout};
use crate::ui::keymap::Keymap;

/// `data` as a whole config file, and each of its lines as a duration.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text) {
        Ok(config) => accepted(&config),
        Err(e) => assert!(!e.is_empty()),
    }
    for line in text.lines() {
        duration(line);
    }
}

/// What the config promises once it parsed.
fn accepted(config: &Config) {
    // Written out (as the documented defaults file is) and read back: the same.
    let written =
        toml::to_string(config).unwrap_or_else(|e| panic!("cannot write {config:?} out: {e}"));
    match Config::parse(&written) {
        Ok(again) => assert_eq!(&again, config, "{written}"),
        Err(e) => panic!("{config:?} written out does not read back: {e}\n{written}"),
    }
    // Nothing accepted is quietly read as something else, or unusable.
    // (status_bar is an enum of its two places: nothing else reads.)
    assert!(
        (1..=1000).contains(&config.ui.max_fps),
        "max_fps {} accepted",
        config.ui.max_fps
    );
    assert!(
        !config.timeouts.reaper_interval.is_zero(),
        "a zero reaper_interval accepted"
    );
    // The UI's keys are checked with the rest: a file that parses starts the UI.
    if let Err(e) = Keymap::new(&config.ui.prefix, &config.keys) {
        panic!("the config parsed, but its keys do not: {e}");
    }
    for t in [
        config.timeouts.anonymous_idle,
        config.timeouts.named_idle,
        config.timeouts.job_backstop,
        config.ssh.remote_idle,
    ] {
        timeout_travels(t);
    }
}

/// A timeout survives the trip through the database and the wire (whole
/// seconds, `None` for never).
fn timeout_travels(t: Timeout) {
    assert_eq!(
        Timeout::from_secs(t.as_secs()),
        t,
        "{t} changes on the wire"
    );
}

fn duration(text: &str) {
    if let Ok(d) = parse_duration(text) {
        let shown = format_duration(d);
        assert_eq!(parse_duration(&shown), Ok(d), "'{text}' shows as '{shown}'");
    }
    match parse_timeout(text) {
        Ok(t) => {
            timeout_travels(t);
            assert_eq!(parse_timeout(&t.to_string()), Ok(t), "'{text}'");
        }
        Err(e) => assert!(e.contains("30m"), "'{text}': {e}"),
    }
}
