use super::*;
use crate::duration::Timeout;
use crate::ids::ViewId;

pub(super) fn session(name: Option<&str>, at: Millis) -> SessionRow {
    SessionRow {
        id: SessionId::new(),
        name: name.map(str::to_string),
        host: "local".into(),
        status: Status::Init,
        job: None,
        idle: IdleSetting::Default,
        exit: None,
        cwd: None,
        command: None,
        created_at: at,
        last_active_at: at,
        idle_since: Some(at),
        done_at: None,
        starter: None,
        job_outdated: false,
        number: None,
        activity: Default::default(),
        views: 0,
    }
}

fn me() -> Starter {
    Starter {
        pid: 1,
        start_token: "boot:1".into(),
    }
}

fn file_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sessions.db")).unwrap();
    (dir, store)
}

#[test]
fn sessions_round_trip_in_a_real_file() {
    let (_dir, store) = file_store();
    let mut s = session(Some("build"), 10);
    s.idle = IdleSetting::Own(Timeout::Never);
    s.cwd = Some("/tmp".into());
    store.insert_session(&s).unwrap();
    // The store numbers the session as it goes in.
    s.number = Some(0);
    assert_eq!(store.get(&s.id).unwrap(), Some(s.clone()));
    assert_eq!(store.lookup("build").unwrap(), vec![s.clone()]);
    assert_eq!(store.lookup(s.id.short()).unwrap(), vec![s.clone()]);
    assert_eq!(store.lookup(&s.id.as_str()[..3]).unwrap(), vec![]);
}

#[test]
fn list_is_newest_activity_first() {
    let store = Store::in_memory().unwrap();
    let a = session(Some("a"), 1);
    let b = session(Some("b"), 2);
    store.insert_session(&a).unwrap();
    store.insert_session(&b).unwrap();
    let names: Vec<_> = store.list().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, [Some("b".into()), Some("a".into())]);
    store.touch(&a.id, 5).unwrap();
    let names: Vec<_> = store.list().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, [Some("a".into()), Some("b".into())]);
}

#[test]
fn names_are_unique_and_anonymous_sessions_are_many() {
    let store = Store::in_memory().unwrap();
    store.insert_session(&session(Some("x"), 1)).unwrap();
    let err = store.insert_session(&session(Some("x"), 2)).unwrap_err();
    assert!(
        matches!(err, StoreError::NameTaken(ref n) if n == "x"),
        "{err}"
    );
    store.insert_session(&session(None, 3)).unwrap();
    store.insert_session(&session(None, 4)).unwrap();
    let y = session(Some("y"), 5);
    store.insert_session(&y).unwrap();
    assert!(matches!(
        store.rename(&y.id, Some("x")),
        Err(StoreError::NameTaken(_))
    ));
    assert!(store.rename(&y.id, None).unwrap());
    assert_eq!(store.get(&y.id).unwrap().unwrap().name, None);
}

#[test]
fn transitions_are_compare_and_set() {
    let store = Store::in_memory().unwrap();
    let s = session(None, 1);
    store.insert_session(&s).unwrap();
    let job = JobId::new();
    assert!(
        store
            .claim_start(&s.id, &[Status::Init], None, &job, &me(), 2)
            .unwrap()
    );
    assert_eq!(store.get(&s.id).unwrap().unwrap().starter, Some(me()));
    let row = JobRow {
        id: job.clone(),
        pid: Some(7),
        start_token: Some("b:1".into()),
    };
    assert!(store.set_running(&s.id, &row, None).unwrap());
    assert_eq!(store.get(&s.id).unwrap().unwrap().starter, None);
    // a second claimer loses
    assert!(
        !store
            .claim_start(
                &s.id,
                &[Status::Init, Status::Done],
                None,
                &JobId::new(),
                &me(),
                3
            )
            .unwrap()
    );
    assert!(
        store
            .transition(&s.id, &[Status::Running], Status::Disconnected, 4)
            .unwrap()
    );
    assert!(
        !store
            .transition(&s.id, &[Status::Running], Status::Done, 5)
            .unwrap()
    );
    let exit = ExitRow {
        code: Some(3),
        signal: None,
        description: "exit 3".into(),
        at: 6,
    };
    // only the job it runs may end it
    assert!(!store.set_done(&s.id, Some(&JobId::new()), &exit).unwrap());
    assert!(store.set_done(&s.id, Some(&job), &exit).unwrap());
    let got = store.get(&s.id).unwrap().unwrap();
    assert_eq!(got.status, Status::Done);
    assert_eq!(got.exit, Some(exit));
    assert_eq!(got.done_at, Some(6));
}

#[test]
fn views_count_and_idle_since_follow_attach_and_detach() {
    let (_dir, mut store) = file_store();
    let s = session(None, 1);
    store.insert_session(&s).unwrap();
    let v = ViewRow {
        id: ViewId::new(),
        session: s.id.clone(),
        pid: 1,
        start_token: "b:1".into(),
        attached_at: 10,
    };
    assert!(store.add_view(&v).unwrap());
    let got = store.get(&s.id).unwrap().unwrap();
    assert_eq!(
        (got.views, got.idle_since, got.last_active_at),
        (1, None, 10)
    );
    store.remove_view(&v.id, 20).unwrap();
    let got = store.get(&s.id).unwrap().unwrap();
    assert_eq!((got.views, got.idle_since), (0, Some(20)));
    // a view of a deleted session is refused, and deleting drops views
    assert!(store.add_view(&v).unwrap());
    store.delete(&s.id).unwrap();
    assert!(store.list_views().unwrap().is_empty());
    assert!(!store.add_view(&v).unwrap());
}

#[test]
fn other_connections_changes_bump_data_version() {
    let (dir, store) = file_store();
    let other = Store::open(&dir.path().join("sessions.db")).unwrap();
    let before = store.data_version().unwrap();
    other.insert_session(&session(None, 1)).unwrap();
    assert_ne!(store.data_version().unwrap(), before);
    assert_eq!(store.list().unwrap().len(), 1);
}

#[test]
fn reopening_migrates_nothing_twice() {
    let (dir, store) = file_store();
    store.insert_session(&session(Some("keep"), 1)).unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("sessions.db")).unwrap();
    assert_eq!(store.lookup("keep").unwrap().len(), 1);
}

#[test]
fn a_corrupt_file_is_named_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let junk =
        b"this is not sqlite at all, but it is long enough to look like a header..".repeat(50);
    std::fs::write(&path, &junk).unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&path.display().to_string()));
    assert_eq!(std::fs::read(&path).unwrap(), junk);
}

#[test]
fn pending_stops_are_kept_per_host() {
    let store = Store::in_memory().unwrap();
    let p = PendingStop {
        host: "db1".into(),
        job: JobRow {
            id: JobId::new(),
            pid: Some(5),
            start_token: None,
        },
        session: Some(SessionId::new()),
        since: 1,
    };
    store.add_pending_stop(&p).unwrap();
    assert_eq!(store.pending_stops("db1").unwrap(), vec![p.clone()]);
    assert!(store.pending_stops("local").unwrap().is_empty());
    store.remove_pending_stop("db1", &p.job.id).unwrap();
    assert!(store.pending_stops("db1").unwrap().is_empty());
}

#[test]
fn an_abandoned_start_is_ended_only_while_it_is_still_that_start() {
    let store = Store::in_memory().unwrap();
    let s = session(None, 1);
    store.insert_session(&s).unwrap();
    let (first, second) = (JobId::new(), JobId::new());
    assert!(
        store
            .claim_start(&s.id, &[Status::Init], None, &first, &me(), 2)
            .unwrap()
    );
    let exit = ExitRow {
        code: None,
        signal: None,
        description: "failed: its start was interrupted".into(),
        at: 3,
    };
    // taken over by another start meanwhile: neither a stale takeover nor
    // the clean-up touches it
    assert!(
        store
            .claim_start(&s.id, &[Status::Init], Some(&first), &second, &me(), 3)
            .unwrap()
    );
    assert!(
        !store
            .claim_start(
                &s.id,
                &[Status::Init],
                Some(&first),
                &JobId::new(),
                &me(),
                3
            )
            .unwrap()
    );
    assert!(!store.abandon_start(&s.id, &first, &exit).unwrap());
    // started meanwhile: running stays running
    let row = JobRow {
        id: second.clone(),
        pid: Some(7),
        start_token: Some("b:1".into()),
    };
    assert!(store.set_running(&s.id, &row, None).unwrap());
    assert!(!store.abandon_start(&s.id, &second, &exit).unwrap());
    assert_eq!(store.get(&s.id).unwrap().unwrap().status, Status::Running);
}

#[test]
fn a_rebuilt_session_is_inserted_once_and_a_delete_finishes_at_once() {
    let (_dir, mut store) = file_store();
    let s = session(Some("a"), 1);
    assert!(store.insert_session_if_absent(&s).unwrap());
    assert!(!store.insert_session_if_absent(&s).unwrap());
    let other = SessionRow {
        id: SessionId::new(),
        ..s.clone()
    };
    assert!(matches!(
        store.insert_session_if_absent(&other),
        Err(StoreError::NameTaken(_))
    ));
    let job = JobRow {
        id: JobId::new(),
        pid: None,
        start_token: None,
    };
    store
        .add_pending_stop(&PendingStop {
            host: "local".into(),
            job: job.clone(),
            session: Some(s.id.clone()),
            since: 1,
        })
        .unwrap();
    store.finish_delete(&s.id, "local", &job.id).unwrap();
    assert!(store.get(&s.id).unwrap().is_none());
    assert!(store.pending_stops("local").unwrap().is_empty());
}

#[test]
fn a_database_of_the_previous_release_is_migrated_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    {
        let c = Connection::open(&db).unwrap();
        c.execute_batch(schema::V1).unwrap();
        c.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO sessions (id, name, status, created_at, last_active_at)
             VALUES ('s1', 'old', 'running', 1, 1);
             INSERT INTO pending_stops (host, job_id, since) VALUES ('h', 'j', 1);",
        )
        .unwrap();
    }
    let store = Store::open(&db).unwrap();
    let rows = store.list().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name.as_deref(), Some("old"));
    assert_eq!(rows[0].starter, None);
    assert!(!rows[0].job_outdated);
    assert_eq!(store.pending_stops("h").unwrap()[0].session, None);
}

#[test]
fn sessions_are_numbered_with_the_smallest_free_number_never_shared() {
    let (_dir, store) = file_store();
    let rows: Vec<SessionRow> = (0..4).map(|i| session(None, i)).collect();
    for r in &rows {
        store.insert_session(r).unwrap();
    }
    let number = |id: &SessionId| store.get(id).unwrap().unwrap().number;
    let numbers: Vec<_> = rows.iter().map(|r| number(&r.id)).collect();
    assert_eq!(numbers, [Some(0), Some(1), Some(2), Some(3)]);
    // A number is free again only once its session is gone; the others keep theirs.
    store.delete(&rows[1].id).unwrap();
    let next = session(None, 9);
    store.insert_session(&next).unwrap();
    assert_eq!(number(&next.id), Some(1));
    assert_eq!(number(&rows[2].id), Some(2));
    let last = session(None, 10);
    store.insert_session(&last).unwrap();
    assert_eq!(number(&last.id), Some(4));
}

#[test]
fn lookup_takes_a_name_before_a_number_and_a_number_before_an_id() {
    let (_dir, store) = file_store();
    let zero = session(Some("web"), 1);
    let one = session(None, 2);
    // A session literally named "0": the name wins over session number 0.
    let named_zero = session(Some("0"), 3);
    for r in [&zero, &one, &named_zero] {
        store.insert_session(r).unwrap();
    }
    let ids = |key: &str| -> Vec<SessionId> {
        store
            .lookup(key)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(ids("1"), vec![one.id.clone()]);
    assert_eq!(ids("0"), vec![named_zero.id.clone()]);
    assert_eq!(ids("2"), vec![named_zero.id.clone()], "it is number 2");
    assert_eq!(ids("web"), vec![zero.id.clone()]);
    assert_eq!(ids(one.id.short()), vec![one.id.clone()]);
    assert!(ids("7").is_empty());
    assert!(ids("+1").is_empty(), "only plain digits are numbers");
}

#[test]
fn an_older_database_gets_numbers_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::from_slice(&super::schema::MIGRATIONS[..3])
            .to_latest(&mut conn)
            .unwrap();
        for (id, at) in [("b", 20), ("a", 10), ("c", 30)] {
            conn.execute(
                "INSERT INTO sessions (id, status, created_at, last_active_at) VALUES (?1, 'done', ?2, ?2)",
                rusqlite::params![id, at],
            )
            .unwrap();
        }
    }
    let store = Store::open(&path).unwrap();
    let numbers: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|id| {
            store
                .get(&SessionId::from_string(id.to_string()))
                .unwrap()
                .unwrap()
                .number
        })
        .collect();
    assert_eq!(numbers, [Some(0), Some(1), Some(2)]);
}

/// The change feed holds every change, in order, with what a script needs
/// to act on it; a reader on another connection sees them all.
#[test]
fn every_change_lands_in_the_feed_in_order() {
    let (dir, mut store) = file_store();
    let reader = Store::open(&dir.path().join("sessions.db")).unwrap();
    let start = reader.last_event().unwrap();
    let s = session(Some("feed"), 1);
    store.insert_session(&s).unwrap();
    store.rename(&s.id, Some("fed")).unwrap();
    assert!(
        store
            .transition(&s.id, &[Status::Init], Status::Running, 5)
            .unwrap()
    );
    let v = ViewRow {
        id: ViewId::new(),
        session: s.id.clone(),
        pid: 77,
        start_token: "b:1".into(),
        attached_at: 10,
    };
    store.add_view(&v).unwrap();
    store.remove_view(&v.id, 20).unwrap();
    store.delete(&s.id).unwrap();
    let got = reader.events_after(start).unwrap();
    let kinds: Vec<(&str, Option<&str>, Option<&str>)> = got
        .iter()
        .map(|e| (e.kind.as_str(), e.name.as_deref(), e.detail.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created", Some("feed"), None),
            ("renamed", Some("fed"), Some("feed")),
            ("state-changed", Some("fed"), Some("init")),
            ("attached", Some("fed"), Some("77")),
            ("detached", Some("fed"), Some("77")),
            ("removed", Some("fed"), None),
        ]
    );
    assert!(got.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(got.iter().all(|e| e.session_id == s.id.as_str()));
    assert_eq!(got[2].state.as_deref(), Some("running"));
    assert_eq!(reader.last_event().unwrap(), got[5].seq);
    assert!(reader.events_after(got[5].seq).unwrap().is_empty());
}

/// The feed keeps the newest events only: it never grows without bound.
#[test]
fn the_feed_keeps_only_the_newest_events() {
    let (_dir, store) = file_store();
    let s = session(None, 1);
    store.insert_session(&s).unwrap();
    for i in 0..(EVENTS_KEPT + 50) {
        store.rename(&s.id, Some(&format!("n{i}"))).unwrap();
    }
    let all = store.events_after(0).unwrap();
    let last = store.last_event().unwrap();
    assert_eq!(all.first().map(|e| e.seq), Some(last - EVENTS_KEPT + 1));
}

#[test]
fn closing_the_last_connection_leaves_the_checkpoint_to_a_later_write() {
    // A command that wrote one row and exits must not pay for a checkpoint
    // (two fsyncs, and a new log's header synced on the next open) on its way
    // out: the log stays, and the next writer appends to it.
    let (dir, store) = file_store();
    store.insert_session(&session(Some("one"), 10)).unwrap();
    drop(store);
    let wal = dir.path().join("sessions.db-wal");
    assert!(
        wal.exists(),
        "the write-ahead log was checkpointed and removed on close"
    );
    let store = Store::open(&dir.path().join("sessions.db")).unwrap();
    store.insert_session(&session(Some("two"), 20)).unwrap();
    assert_eq!(store.list().unwrap().len(), 2);
}
