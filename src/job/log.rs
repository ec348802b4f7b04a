//! The job's log: lines appended to the log file, filtered by `SESSUI_LOG`
//! as a list of `target=level` directives (e.g. `info,sessui::job=debug`).
//!
//! tracing-subscriber's `fmt` subscriber keeps a span registry (32 KiB of
//! slots allocated up front) that a job, which opens no spans, never uses;
//! this one keeps nothing but the file and the filter.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::Targets;

/// Sends the job's logs to `path` (appending). `None` if the file cannot
/// be opened: the job then runs without logs rather than fail.
pub(super) fn to_file(path: &Path) -> Option<()> {
    let log = JobLog::open(path, std::env::var("SESSUI_LOG").ok().as_deref())?;
    tracing::subscriber::set_global_default(log).ok()
}

struct JobLog {
    file: Mutex<std::fs::File>,
    filter: Targets,
}

impl JobLog {
    /// Opens `path` for appending, filtered by `filter` (`info` when it is
    /// missing or not a list of `target=level` directives).
    fn open(path: &Path, filter: Option<&str>) -> Option<JobLog> {
        if let Some(dir) = path.parent() {
            crate::paths::ensure_dir(dir).ok()?;
        }
        // Logs name commands and directories: the user's alone.
        let file = crate::paths::append_private(path).ok()?;
        let filter = filter
            .and_then(|f| f.parse::<Targets>().ok())
            .unwrap_or_else(|| Targets::new().with_default(Level::INFO));
        Some(JobLog {
            file: Mutex::new(file),
            filter,
        })
    }
}

impl Subscriber for JobLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter
            .would_enable(metadata.target(), metadata.level())
    }

    // Spans are not kept: every one gets the same id and records nothing.
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let line = format_line(event);
        if let Ok(mut file) = self.file.lock() {
            // A full disk loses a log line, never the session.
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// One line as tracing-subscriber's `fmt` writes it without colour:
/// `2026-01-02T03:04:05.678901Z  INFO target: message key=value`.
fn format_line(event: &Event<'_>) -> String {
    let meta = event.metadata();
    let now = time::OffsetDateTime::now_utc();
    let mut line = String::with_capacity(128);
    let _ = write!(
        line,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z {:>5} {}: ",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond(),
        meta.level(),
        meta.target()
    );
    let mut fields = Fields {
        line: &mut line,
        first: true,
    };
    event.record(&mut fields);
    line.push('\n');
    line
}

struct Fields<'a> {
    line: &'a mut String,
    first: bool,
}

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.first {
            self.line.push(' ');
        }
        self.first = false;
        if field.name() == "message" {
            let _ = write!(self.line, "{value:?}");
        } else {
            let _ = write!(self.line, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_as_the_rest_of_the_log_and_the_filter_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs").join("sessui.log");
        let log = JobLog::open(&path, Some("info,sessui::job::log=warn")).unwrap();
        tracing::subscriber::with_default(log, || {
            tracing::warn!(job = %"j1", shell = 42, "socket was gone: {}", "recreated it");
            tracing::info!("not at info for this target");
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let (stamp, rest) = lines[0].split_once(' ').unwrap();
        assert!(stamp.ends_with('Z') && stamp.len() == 27, "{stamp}");
        assert_eq!(
            rest,
            " WARN sessui::job::log::tests: socket was gone: recreated it job=j1 shell=42"
        );
    }

    #[test]
    fn a_filter_it_cannot_read_means_info() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessui.log");
        let log = JobLog::open(&path, Some("sessui=loud")).unwrap();
        tracing::subscriber::with_default(log, || {
            tracing::info!("kept");
            tracing::debug!("dropped");
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("kept") && !text.contains("dropped"), "{text}");
    }
}
