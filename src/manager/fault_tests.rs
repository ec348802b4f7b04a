//! The manager when starts are slow, deletes race creates, and the database
//! refuses a write halfway through: records stay true and no shell is lost.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::tests::{fixture, job_of, named};
use super::*;

/// Waits (briefly, on the real clock) until the session `name` is on record.
async fn row_of(mgr: &Manager, name: &str) -> SessionRow {
    for _ in 0..400 {
        if let Ok(s) = mgr.resolve(name) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("session {name} never showed");
}

fn gate(f: &super::tests::Fixture) -> Arc<tokio::sync::Semaphore> {
    let g = Arc::new(tokio::sync::Semaphore::new(0));
    *f.host.start_gate.lock().unwrap() = Some(g.clone());
    g
}

/// Makes a session look as if it was last touched long ago.
fn backdate(db: &std::path::Path, id: &SessionId) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute(
        "UPDATE sessions SET last_active_at = 0, created_at = 0 WHERE id = ?1",
        [id.as_str()],
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_start_owned_by_a_live_process_is_not_interrupted() {
    let f = Arc::new(fixture());
    let gate = gate(&f);
    let creating = {
        let f = f.clone();
        tokio::spawn(async move { f.mgr.create(named("slow")).await })
    };
    let s = row_of(&f.mgr, "slow").await;
    assert_eq!(s.status, Status::Init);
    // a host-key question goes unanswered for minutes meanwhile
    backdate(&f.db, &s.id);
    f.mgr.reconcile().await.unwrap();
    assert_eq!(f.mgr.get(&s.id).unwrap().unwrap().status, Status::Init);
    gate.add_permits(1);
    let made = creating.await.unwrap();
    assert!(made.is_ok(), "{:?}", made.err());
    assert_eq!(f.mgr.get(&s.id).unwrap().unwrap().status, Status::Running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attach_never_takes_over_a_start_a_live_process_owns() {
    let f = Arc::new(fixture());
    let gate = gate(&f);
    let creating = {
        let f = f.clone();
        tokio::spawn(async move { f.mgr.create(named("slow")).await })
    };
    row_of(&f.mgr, "slow").await;
    let attach = tokio::time::timeout(
        START_WAIT + Duration::from_secs(5),
        f.mgr.attach("slow", 80, 24),
    )
    .await;
    gate.add_permits(2);
    let err = match attach {
        Ok(Ok(_)) => panic!("attached before the start finished"),
        Ok(Err(e)) => e.to_string(),
        Err(_) => panic!("the attach took the start over and waited on it"),
    };
    assert!(err.contains("being started"), "{err}");
    assert!(creating.await.unwrap().is_ok());
    assert_eq!(f.host.starts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_abandoned_start_is_cleaned_up_and_one_whose_job_runs_is_kept() {
    let f = fixture();
    let dead = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let id = ProcIdentity::of(child.id()).unwrap();
        child.wait().unwrap();
        id
    };
    // two starts whose process died: one before its job ran, one after
    let never = f.mgr.create(named("never")).await.unwrap();
    let ran = f.mgr.create(named("ran")).await.unwrap();
    f.host.exit(&job_of(&never), 0);
    f.host.jobs.lock().unwrap().remove(&job_of(&never));
    for s in [&never, &ran] {
        let c = rusqlite::Connection::open(&f.db).unwrap();
        c.execute(
            "UPDATE sessions SET status = 'init', job_pid = NULL, job_start = NULL,
             starter_pid = ?2, starter_start = ?3 WHERE id = ?1",
            rusqlite::params![s.id.as_str(), dead.pid, dead.start_token()],
        )
        .unwrap();
    }
    f.mgr.reconcile().await.unwrap();
    let never = f.mgr.get(&never.id).unwrap().unwrap();
    assert_eq!(never.status, Status::Done);
    assert!(never.exit.unwrap().description.contains("interrupted"));
    let ran = f.mgr.get(&ran.id).unwrap().unwrap();
    assert_eq!(ran.status, Status::Running, "its shell runs: adopted");
    assert_eq!(f.host.alive_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_racing_kill_of_the_same_name_tells_the_truth() {
    let f = Arc::new(fixture());
    let gate = gate(&f);
    let creating = {
        let f = f.clone();
        tokio::spawn(async move { f.mgr.create(named("nX")).await })
    };
    row_of(&f.mgr, "nX").await;
    let mut killing = {
        let f = f.clone();
        tokio::spawn(async move { f.mgr.kill("nX", false).await })
    };
    // the kill either waits for the start or is done at once
    let early = tokio::time::timeout(Duration::from_millis(300), &mut killing).await;
    gate.add_permits(1);
    let made = creating.await.unwrap();
    let killed = match early {
        Ok(k) => k.unwrap(),
        Err(_) => killing.await.unwrap(),
    };
    if let Err(e) = &made {
        assert!(!e.to_string().contains("no session named"), "{e}");
    }
    assert!(killed.is_ok(), "{killed:?}");
    assert_eq!(f.host.alive_count(), 0, "a shell was left running");
    assert!(f.mgr.list().unwrap().is_empty());
}

/// The shell stops, then the database stays locked: the message must not
/// claim nothing changed, and the list catches up once the lock is gone.
#[tokio::test]
async fn a_kill_whose_record_cannot_be_written_after_the_stop_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    let host = Arc::new(super::fake::FakeHost::default());
    let mgr = Manager::new(
        Store::open_with(&db, Duration::from_millis(200)).unwrap(),
        Config::default(),
        vec![host.clone() as Arc<dyn Host>],
        None,
    )
    .unwrap();
    let s = mgr.create(named("a")).await.unwrap();
    let holder = Arc::new(std::sync::Mutex::new(
        rusqlite::Connection::open(&db).unwrap(),
    ));
    {
        let holder = holder.clone();
        *host.on_stop.lock().unwrap() = Some(Box::new(move || {
            holder
                .lock()
                .unwrap()
                .execute_batch("BEGIN EXCLUSIVE; DELETE FROM pending_stops WHERE host = 'x';")
                .unwrap();
        }));
    }
    let killed = mgr.kill("a", false).await;
    holder.lock().unwrap().execute_batch("ROLLBACK").unwrap();
    assert!(!host.alive(&job_of(&s)), "the stop went through");
    let said = match &killed {
        Ok(d) => format!("{d:?}"),
        Err(e) => e.to_string(),
    };
    assert!(!said.contains("nothing was changed"), "{said}");
    mgr.reconcile().await.unwrap();
    assert!(mgr.list().unwrap().is_empty(), "the list catches up");
}
