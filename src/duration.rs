//! Human durations as users write them in flags and config: `90s`, `30m`, `2h`,
//! `2d`, `1h30m`, and `never` or `0` (in any unit) for "no timeout".

use std::fmt;
use std::time::Duration;

/// A timeout that may be switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeout {
    Never,
    After(Duration),
}

impl Timeout {
    pub fn as_duration(self) -> Option<Duration> {
        match self {
            Timeout::Never => None,
            Timeout::After(d) => Some(d),
        }
    }

    /// Seconds, or `None` for never; how the database and the wire carry it.
    pub fn as_secs(self) -> Option<u64> {
        self.as_duration().map(|d| d.as_secs())
    }

    pub fn from_secs(secs: Option<u64>) -> Timeout {
        match secs {
            None | Some(0) => Timeout::Never,
            Some(s) => Timeout::After(Duration::from_secs(s)),
        }
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeout::Never => f.write_str("never"),
            Timeout::After(d) => f.write_str(&format_duration(*d)),
        }
    }
}

impl std::str::FromStr for Timeout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_timeout(s)
    }
}

impl serde::Serialize for Timeout {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Timeout {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_timeout(&text).map_err(serde::de::Error::custom)
    }
}

/// Parses `never`, or a sum of `<n><unit>` terms (units s, m, h, d, w);
/// zero in any unit (`0`, `0s`, `0m`) is `never` too.
pub fn parse_timeout(text: &str) -> Result<Timeout, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("never") || t.eq_ignore_ascii_case("none") {
        return Ok(Timeout::Never);
    }
    parse_duration(t).map(|d| Timeout::from_secs(Some(d.as_secs())))
}

/// Parses a sum of `<n><unit>` terms; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad =
        || format!("'{text}' is not a duration: write e.g. 90s, 30m, 2h, 2d or 1h30m (or 'never')");
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// Formats a duration compactly, largest units first: `1h30m`, `2d`, `45s`.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// "2m ago"-style age, coarse on purpose: one unit is enough in a list.
pub fn format_age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=9 => "just now".into(),
        10..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// "in 42m"-style countdown, one unit.
pub fn format_countdown(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        // Whole minutes left, rounded down: 59m40s is `59m`, so a session
        // detached a few seconds ago does not look untouched at `60m`.
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// CPU time as a list shows it: `0.4s`, `12s`, `3m12s`, `2h05m`.
pub fn format_cpu(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..=9 => format!("{}.{}s", s, (ms % 1000) / 100),
        10..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Memory as a list shows it, in binary units: `640K`, `12M`, `1.5G`.
pub fn format_bytes(bytes: u64) -> String {
    const K: u64 = 1 << 10;
    const M: u64 = 1 << 20;
    const G: u64 = 1 << 30;
    match bytes {
        0..M => format!("{}K", bytes.div_ceil(K)),
        M..G => format!("{}M", bytes / M),
        _ => format!("{:.1}G", bytes as f64 / G as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_and_memory_read_short() {
        assert_eq!(format_cpu(0), "0.0s");
        assert_eq!(format_cpu(420), "0.4s");
        assert_eq!(format_cpu(12_900), "12s");
        assert_eq!(format_cpu(192_000), "3m12s");
        assert_eq!(format_cpu(7_500_000), "2h05m");
        assert_eq!(format_bytes(1000), "1K");
        assert_eq!(format_bytes(640 << 10), "640K");
        assert_eq!(format_bytes(12 << 20), "12M");
        assert_eq!(format_bytes(3 << 29), "1.5G");
    }

    #[test]
    fn parses_units_and_sums() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
    }

    #[test]
    fn never_and_zero_switch_off() {
        assert_eq!(parse_timeout("never"), Ok(Timeout::Never));
        assert_eq!(parse_timeout("0"), Ok(Timeout::Never));
        assert_eq!(
            parse_timeout("1h"),
            Ok(Timeout::After(Duration::from_secs(3600)))
        );
    }

    /// "0" switches a timeout off, so every spelling of zero must: a zero
    /// limit read as "stop at once" would let the reaper end every
    /// session the moment its last view left.
    #[test]
    fn zero_in_any_unit_is_never() {
        for zero in ["0s", "0m", "0m0s", "00", "0d0h"] {
            assert_eq!(parse_timeout(zero), Ok(Timeout::Never), "{zero}");
        }
    }

    #[test]
    fn rejects_garbage_with_an_example() {
        for bad in ["", "m", "10x", "1h30", "-5m", "1.5h"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("30m"), "{bad}: {err}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for text in ["1h30m", "2d", "45s", "1d2h3m4s"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(format_duration(d), text);
        }
        assert_eq!(format_age(Duration::from_secs(125)), "2m ago");
        assert_eq!(format_countdown(Duration::from_secs(41 * 60 + 5)), "41m");
        // Detached 40 s ago with an hour's timeout: not the whole hour.
        assert_eq!(format_countdown(Duration::from_secs(3600 - 40)), "59m");
    }
}
