//! `sessui info`: everything known about one session.

use crate::app::App;
use crate::clock::rfc3339;

use super::{CmdResult, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name, number, id or id prefix.
    #[arg(add = super::complete::sessions())]
    pub session: String,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(app: &App, args: Args) -> CmdResult {
    let (s, job) = app.manager.info(&args.session).await?;
    let mut json = super::ls::session_json(&app.manager, &s);
    if let Some(info) = &job
        && let Some(obj) = json.as_object_mut()
    {
        obj.insert("job_pid".into(), info.pid.into());
        obj.insert("shell_pid".into(), info.shell_pid.into());
        obj.insert("size".into(), format!("{}x{}", info.cols, info.rows).into());
        obj.insert("clients".into(), info.clients.into());
        obj.insert("history_lines".into(), info.history_lines.into());
        obj.insert("job_started_at".into(), rfc3339(info.started_at).into());
        obj.insert("job_command".into(), info.command.clone().into());
        obj.insert("title".into(), info.title.clone().into());
        obj.insert("job_version".into(), info.version.clone().into());
        // The shell's own report of where it is (OSC 7) beats where it started.
        if !info.cwd.is_empty() {
            obj.insert("cwd".into(), info.cwd.clone().into());
        }
        obj.insert(
            "job_idle_timeout".into(),
            crate::duration::Timeout::from_secs(info.idle_timeout_secs)
                .to_string()
                .into(),
        );
    }
    // A local job's processes, as they are now: what runs in the
    // foreground, and what the job and all under it use.
    if s.host == crate::host::LOCAL
        && s.status == crate::store::Status::Running
        && let Some(pid) = job.as_ref().map(|j| j.pid)
        && let Some(u) = crate::proc::tree::usage(pid)
        && let Some(obj) = json.as_object_mut()
    {
        obj.insert("program".into(), u.program.into());
        obj.insert(
            "cpu_seconds".into(),
            ((u.cpu_secs * 100.0).round() / 100.0).into(),
        );
        obj.insert("memory_bytes".into(), u.rss_bytes.into());
        obj.insert("processes".into(), u.processes.into());
    }
    if args.json {
        let text = crate::text::json_pretty(&json).map_err(|e| Failure::from(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    // The title is whatever a program set, the command and cwd whatever a
    // script gave, the state may carry a remote exit reason: print none raw.
    use crate::text::terminal_safe as safe;
    println!("session      {}", s.id);
    if let Some(n) = s.number {
        println!("number       {n}");
    }
    println!(
        "name         {}",
        safe(s.name.as_deref().unwrap_or("(anonymous)"))
    );
    println!("host         {}", safe(&s.host));
    println!("state        {}", safe(&s.state_text()));
    if let Some(j) = &s.job {
        println!("job          {}", j.id);
    }
    if let Some(obj) = json.as_object_mut() {
        if let Some(b) = obj.get("memory_bytes").and_then(|v| v.as_u64()) {
            obj.insert(
                "memory_text".into(),
                format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)).into(),
            );
        }
        for (label, key) in [
            ("job pid", "job_pid"),
            ("shell pid", "shell_pid"),
            ("size", "size"),
            ("views", "views"),
            ("history", "history_lines"),
            ("command", "job_command"),
            ("cwd", "cwd"),
            ("title", "title"),
            ("program", "program"),
            ("cpu seconds", "cpu_seconds"),
            ("memory", "memory_text"),
            ("processes", "processes"),
            ("created", "created_at"),
            ("last active", "last_active_at"),
            ("idle since", "idle_since"),
            ("idle timeout", "idle_timeout"),
            ("job timeout", "job_idle_timeout"),
            ("reaped at", "reaped_at"),
            ("exit code", "exit_code"),
        ] {
            match obj.get(key) {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::String(v)) if v.is_empty() => {}
                Some(serde_json::Value::String(v)) => println!("{label:<13}{}", safe(v)),
                Some(v) => println!("{label:<13}{v}"),
            }
        }
    }
    Ok(())
}
