//! The state machine and rules, against an in-memory host and a real SQLite file.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::fake::FakeHost;
use super::*;
use crate::config::Config;
use crate::protocol::ServerMsg;
use crate::store::ViewRow;

pub(super) struct Fixture {
    pub _dir: tempfile::TempDir,
    pub host: Arc<FakeHost>,
    pub mgr: Manager,
    pub db: std::path::PathBuf,
}

pub(super) fn fixture() -> Fixture {
    fixture_with(Config::default())
}

pub(super) fn fixture_with(config: Config) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    let host = Arc::new(FakeHost::default());
    let mgr = Manager::new(
        Store::open(&db).unwrap(),
        config,
        vec![host.clone() as Arc<dyn Host>],
        None,
    )
    .unwrap();
    Fixture {
        _dir: dir,
        host,
        mgr,
        db,
    }
}

pub(super) fn named(name: &str) -> CreateOpts {
    CreateOpts {
        name: name.into(),
        ..Default::default()
    }
}

pub(super) fn job_of(s: &SessionRow) -> JobId {
    s.job.as_ref().unwrap().id.clone()
}

#[tokio::test]
async fn create_makes_a_running_session_with_a_job() {
    let f = fixture();
    let s = f.mgr.create(named("build")).await.unwrap();
    assert_eq!(s.status, Status::Running);
    assert_eq!(s.name.as_deref(), Some("build"));
    assert!(f.host.alive(&job_of(&s)));
    let anon = f.mgr.create(named("   ")).await.unwrap();
    assert_eq!(anon.name, None);
    assert_eq!(f.mgr.list().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_or_taken_names_start_nothing() {
    let f = fixture();
    f.mgr.create(named("x")).await.unwrap();
    let err = f.mgr.create(named("x")).await.unwrap_err();
    assert!(matches!(err, ManagerError::NameTaken(_)), "{err}");
    let err = f.mgr.create(named("a/b")).await.unwrap_err();
    assert!(err.to_string().contains("'/'"), "{err}");
    let err = f.mgr.create(named(&"n".repeat(65))).await.unwrap_err();
    assert!(err.to_string().contains("64"), "{err}");
    assert_eq!(f.host.starts.load(Ordering::SeqCst), 1);
    assert_eq!(f.mgr.list().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_start_leaves_no_record() {
    let f = fixture();
    f.host.fail_start.store(true, Ordering::SeqCst);
    let err = f.mgr.create(named("x")).await.unwrap_err();
    assert!(err.to_string().contains("/nope"), "{err}");
    assert!(f.mgr.list().unwrap().is_empty());
}

#[tokio::test]
async fn sessions_resolve_by_name_id_and_unique_prefix() {
    let f = fixture();
    let s = f.mgr.create(named("web")).await.unwrap();
    assert_eq!(f.mgr.resolve("web").unwrap().id, s.id);
    assert_eq!(f.mgr.resolve(s.id.as_str()).unwrap().id, s.id);
    assert_eq!(f.mgr.resolve(&s.id.as_str()[..6]).unwrap().id, s.id);
    assert!(matches!(
        f.mgr.resolve(&s.id.as_str()[..3]),
        Err(ManagerError::NotFound(_))
    ));
    assert!(matches!(
        f.mgr.resolve("nope"),
        Err(ManagerError::NotFound(_))
    ));
    // two sessions sharing a prefix: ambiguous, and the error lists both
    f.mgr.with_store(|st| {
        for (id, name) in [("abcd1111-x", "one"), ("abcd2222-y", "two")] {
            let mut row = st.get(&s.id).unwrap().unwrap();
            row.id = SessionId::from_string(id);
            row.name = Some(name.into());
            st.insert_session(&row).unwrap();
        }
    });
    let err = f.mgr.resolve("abcd").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("one") && text.contains("two"), "{text}");
    assert_eq!(f.mgr.resolve("abcd1").unwrap().name.as_deref(), Some("one"));
}

#[tokio::test]
async fn attach_and_detach_record_views_and_idleness() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    let mut att = f.mgr.attach("a", 100, 30).await.unwrap();
    assert_eq!(att.session.views, 1);
    assert_eq!(att.session.idle_since, None);
    match att.conn.recv().await.unwrap() {
        ServerMsg::Screen { cols, rows, .. } => assert_eq!((cols, rows), (100, 30)),
        other => panic!("expected a screen, got {other:?}"),
    }
    f.mgr.detach(&att.view).unwrap();
    let s = f.mgr.get(&s.id).unwrap().unwrap();
    assert_eq!(s.views, 0);
    assert!(s.idle_since.is_some());
}

#[tokio::test]
async fn a_dead_job_makes_the_session_done_and_attach_starts_a_fresh_one() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    let first = job_of(&s);
    f.host.exit(&first, 3);
    let report = f.mgr.reconcile().await.unwrap();
    assert_eq!(report.marked_done, 1);
    let done = f.mgr.get(&s.id).unwrap().unwrap();
    assert_eq!(done.status, Status::Done);
    assert_eq!(done.exit.as_ref().unwrap().code, Some(3));
    assert_eq!(done.exit.as_ref().unwrap().description, "exit 3");
    // sending to it says it ended, with the code
    let err = f.mgr.send("a", b"x".to_vec()).await.unwrap_err();
    assert!(err.to_string().contains("exit 3"), "{err}");
    // attaching again: same session, new job
    let att = f.mgr.attach("a", 80, 24).await.unwrap();
    assert_eq!(att.session.id, s.id);
    assert_eq!(att.session.status, Status::Running);
    assert_ne!(job_of(&att.session), first);
    assert!(att.session.exit.is_none());
}

#[tokio::test]
async fn sending_exit_succeeds_when_the_shell_ends_before_the_job_answers() {
    let f = fixture();
    f.mgr.create(named("two")).await.unwrap();
    // the job takes the input, the shell ends, and the job says so before
    // it can answer the ping that confirms the input was taken
    f.mgr.send("two", b"exit 3\n".to_vec()).await.unwrap();
}

#[tokio::test]
async fn a_jobs_end_is_forgotten_on_its_host_only_once_recorded() {
    // Two paths finding one job gone at once (a host's watcher and a command,
    // or two sessui processes) must both read how it ended: had the first
    // forgotten it before recording it, the second would record "job gone".
    let f = fixture();
    let s = f.mgr.create(named("racer")).await.unwrap();
    f.host.exit(&job_of(&s), 3);
    let checked = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let (db, id, seen) = (f.db.clone(), s.id.clone(), checked.clone());
    *f.host.on_take.lock().unwrap() = Some(Box::new(move |_| {
        let row = Store::open(&db).unwrap().get(&id).unwrap().unwrap();
        assert_eq!(
            row.exit.map(|e| e.description).as_deref(),
            Some("exit 3"),
            "the host forgot the job's end before the database had it"
        );
        seen.fetch_add(1, Ordering::SeqCst);
    }));
    assert_eq!(f.mgr.reconcile().await.unwrap().marked_done, 1);
    assert_eq!(checked.load(Ordering::SeqCst), 1);
    // the host's word is gone now; the database answers
    let err = f.mgr.send("racer", b"x".to_vec()).await.unwrap_err();
    assert!(err.to_string().contains("exit 3"), "{err}");
}

#[tokio::test]
async fn attach_to_a_job_found_gone_says_it_ended() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    f.host.exit(&job_of(&s), 0);
    let err = f.mgr.attach("a", 80, 24).await.err().unwrap();
    assert!(matches!(err, ManagerError::Ended { .. }), "{err}");
    assert_eq!(f.mgr.get(&s.id).unwrap().unwrap().status, Status::Done);
}

#[tokio::test]
async fn delete_stops_the_job_then_removes_the_record() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    assert_eq!(f.mgr.kill("a", false).await.unwrap(), Deleted::Done);
    assert!(!f.host.alive(&job_of(&s)));
    assert!(f.mgr.list().unwrap().is_empty());
}

#[tokio::test]
async fn delete_is_refused_while_the_job_will_not_stop() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    f.host.unstoppable.store(true, Ordering::SeqCst);
    let err = f.mgr.kill("a", false).await.unwrap_err();
    assert!(matches!(err, ManagerError::StopRefused { .. }), "{err}");
    assert_eq!(f.mgr.list().unwrap().len(), 1);
    // the job dies on its own: now delete goes through
    f.host.exit(&job_of(&s), 1);
    assert_eq!(f.mgr.kill("a", false).await.unwrap(), Deleted::Done);
    assert!(f.mgr.list().unwrap().is_empty());
}

#[tokio::test]
async fn delete_on_an_unreachable_host_needs_force_and_stops_later() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    f.host.unreachable.store(true, Ordering::SeqCst);
    let err = f.mgr.kill("a", false).await.unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(f.mgr.list().unwrap().len(), 1);
    assert_eq!(f.mgr.kill("a", true).await.unwrap(), Deleted::StopPending);
    assert!(f.mgr.list().unwrap().is_empty());
    assert!(f.host.alive(&job_of(&s)));
    // the host comes back: the next pass stops the job
    f.host.unreachable.store(false, Ordering::SeqCst);
    let report = f.mgr.reconcile().await.unwrap();
    assert_eq!(report.pending_stopped, 1);
    assert!(!f.host.alive(&job_of(&s)));
}

#[tokio::test]
async fn unknown_liveness_changes_nothing() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    f.host.unreachable.store(true, Ordering::SeqCst);
    let report = f.mgr.reconcile().await.unwrap();
    assert_eq!(report, ReapReport::default());
    assert_eq!(f.mgr.get(&s.id).unwrap().unwrap().status, Status::Running);
}

#[tokio::test]
async fn reaper_stops_idle_sessions_and_removes_old_finished_ones() {
    let mut config = Config::default();
    config.timeouts.done_retention = Duration::from_secs(0);
    let f = fixture_with(config);
    let idle = f
        .mgr
        .create(CreateOpts {
            name: "idle".into(),
            idle: Some(Timeout::After(Duration::from_secs(1))),
            ..Default::default()
        })
        .await
        .unwrap();
    let kept = f.mgr.create(named("kept")).await.unwrap();
    // Idle for 10 s by the database's clock (whoever wrote it), both of them:
    // only the one with a limit of 1 s is overdue.
    let long_ago = now_millis() - 10_000;
    f.mgr.with_store(|st| {
        st.set_clock(&idle.id, long_ago, Some(long_ago)).unwrap();
        st.set_clock(&kept.id, long_ago, Some(long_ago)).unwrap();
    });
    let report = f.mgr.reap().await.unwrap();
    assert_eq!(report.stopped_idle, 1);
    let idle_row = f.mgr.get(&idle.id).unwrap().unwrap();
    assert_eq!(idle_row.status, Status::Done);
    assert_eq!(
        idle_row.exit.unwrap().description,
        "stopped after idle timeout"
    );
    // named sessions have no idle timeout by default
    assert_eq!(
        f.mgr.get(&kept.id).unwrap().unwrap().status,
        Status::Running
    );
    // the next pass removes the finished one (retention 0 here)
    let report = f.mgr.reap().await.unwrap();
    assert_eq!(report.removed, 1);
    assert!(f.mgr.get(&idle.id).unwrap().is_none());
}

#[tokio::test]
async fn a_session_with_a_view_is_never_idle() {
    let f = fixture();
    f.mgr
        .create(CreateOpts {
            idle: Some(Timeout::After(Duration::from_secs(1))),
            ..Default::default()
        })
        .await
        .unwrap();
    let s = f.mgr.list().unwrap().remove(0);
    let _att = f.mgr.attach(s.id.as_str(), 80, 24).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(f.mgr.reap().await.unwrap().stopped_idle, 0);
}

#[tokio::test]
async fn a_restart_is_not_idleness() {
    // sessui quits while attached to a session last active long ago, and
    // starts again: the idle clock runs from when its view left, not from
    // the last activity, so the new process does not stop the session.
    let f = fixture();
    let s = f
        .mgr
        .create(CreateOpts {
            idle: Some(Timeout::After(Duration::from_secs(60))),
            ..Default::default()
        })
        .await
        .unwrap();
    let att = f.mgr.attach(s.id.as_str(), 80, 24).await.unwrap();
    let long_ago = now_millis() - 3_600_000;
    f.mgr
        .with_store(|st| st.set_clock(&s.id, long_ago, None))
        .unwrap();
    // The old process quits: its view leaves.
    f.mgr.detach(&att.view).unwrap();
    drop(att);
    let Fixture {
        mgr,
        host,
        db,
        _dir,
    } = f;
    drop(mgr);
    let restarted = Manager::new(
        Store::open(&db).unwrap(),
        Config::default(),
        vec![host.clone() as Arc<dyn Host>],
        None,
    )
    .unwrap();
    let report = restarted.reap().await.unwrap();
    assert_eq!(report.stopped_idle, 0);
    assert_eq!(
        restarted.get(&s.id).unwrap().unwrap().status,
        Status::Running
    );
}

#[tokio::test]
async fn views_of_dead_processes_are_cleaned_and_idle_starts_then() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    f.mgr.with_store(|st| {
        st.add_view(&ViewRow {
            id: ViewId::new(),
            session: s.id.clone(),
            pid: 999_999,
            start_token: "gone-boot:1".into(),
            attached_at: 1,
        })
        .unwrap()
    });
    assert_eq!(f.mgr.get(&s.id).unwrap().unwrap().views, 1);
    let cleaned_from = now_millis();
    let report = f.mgr.reconcile().await.unwrap();
    assert_eq!(report.dead_views, 1);
    let row = f.mgr.get(&s.id).unwrap().unwrap();
    assert_eq!(row.views, 0);
    // The idle clock starts when the dead view is cleaned up, not before.
    let since = row.idle_since.expect("idle once the view is gone");
    assert!(
        since >= cleaned_from,
        "idle since {since}, before the clean-up at {cleaned_from}"
    );
}

#[tokio::test]
async fn a_job_without_a_row_is_adopted_not_stopped() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    // its record vanishes behind the manager's back (a new or replaced database)
    f.mgr.with_store(|st| st.delete(&s.id).unwrap());
    f.mgr.reconcile().await.unwrap();
    assert_eq!(f.host.alive_count(), 1, "a running shell was stopped");
    let row = f.mgr.get(&s.id).unwrap().expect("the row is rebuilt");
    assert_eq!(row.status, Status::Running);
    assert_eq!(row.name.as_deref(), Some("a"));
    assert_eq!(row.job.map(|j| j.id), Some(job_of(&s)));
}

#[tokio::test]
async fn a_failed_write_changes_nothing() {
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    f.mgr.with_store(|st| st.refuse_writes().unwrap());
    let err = f.mgr.rename("a", "b").await.unwrap_err();
    assert!(matches!(err, ManagerError::Store(_)), "{err}");
    assert_eq!(
        f.mgr.get(&s.id).unwrap().unwrap().name.as_deref(),
        Some("a")
    );
    assert!(f.mgr.create(named("c")).await.is_err());
    // no shell was left running for the session that could not be recorded
    assert_eq!(f.host.alive_count(), 1);
    // A delete whose intent cannot be recorded stops nothing and removes nothing.
    assert!(f.mgr.kill("a", false).await.is_err());
    assert!(f.host.alive(&job_of(&s)), "the shell was stopped");
    assert!(f.mgr.get(&s.id).unwrap().is_some(), "the record went");
}

#[tokio::test]
async fn renaming_pushes_the_new_default_timeout_to_the_job() {
    let f = fixture();
    let s = f.mgr.create(named("")).await.unwrap();
    // anonymous: the job was started with the 1 h default
    let started = f.host.jobs.lock().unwrap()[&job_of(&s)].idle_timeout;
    assert_eq!(started, Timeout::After(Duration::from_secs(3600)));
    let renamed = f.mgr.rename(s.id.as_str(), "keep").await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("keep"));
    assert_eq!(f.mgr.effective_idle(&renamed), Timeout::Never);
    let cleared = f.mgr.rename("keep", "  ").await.unwrap();
    assert_eq!(cleared.name, None);
    // named: no limit of its own, so the job falls back to its 2-day backstop;
    // anonymous again: back to 1 h
    assert_eq!(*f.host.pushed_idle.lock().unwrap(), vec![172_800, 3600]);
}

#[tokio::test]
async fn stale_init_is_marked_done() {
    // A row of a release that kept no starter, whose start died before its job ran.
    let f = fixture();
    let s = f.mgr.create(named("a")).await.unwrap();
    f.host.jobs.lock().unwrap().remove(&job_of(&s));
    f.mgr.with_store(|st| {
        st.delete(&s.id).unwrap();
        let mut row = s.clone();
        row.status = Status::Init;
        row.job.as_mut().unwrap().pid = None;
        row.last_active_at = 0;
        st.insert_session(&row).unwrap();
    });
    f.mgr.reconcile().await.unwrap();
    let row = f.mgr.get(&s.id).unwrap().unwrap();
    assert_eq!(row.status, Status::Done);
    assert!(row.exit.unwrap().description.contains("interrupted"));
}
