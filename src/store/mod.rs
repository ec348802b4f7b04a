//! The SQLite store: schema, migrations, typed rows. No business rules here;
//! the manager decides, the store records atomically.

mod activity;
mod error;
mod events;
mod exec;
mod health;
mod model;
mod pending;
mod schema;
mod views;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};
use rusqlite_migration::Migrations;

pub use error::StoreError;
use error::classify;
pub use events::EventRow;
pub use exec::StoreExec;
pub use model::{ExitRow, IdleSetting, JobRow, PendingStop, SessionRow, Starter, Status, ViewRow};
pub use schema::EVENTS_KEPT;

use crate::clock::Millis;
use crate::ids::{JobId, SessionId};

/// How long a writer waits for another process's write to finish, unless
/// configured. Writes are tiny, so waiting this long means something is wrong.
#[cfg(any(test, feature = "test-hooks"))]
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Store {
    conn: Connection,
    path: PathBuf,
    busy: Duration,
    /// This open made the database from nothing (it was missing or empty).
    created: bool,
}

/// How long a write that may be skipped (recording activity) waits for
/// another writer: never long enough to hold up what the user is doing.
const BEST_EFFORT_BUSY: Duration = Duration::from_millis(100);

const SESSION_COLUMNS: &str = "s.id, s.name, s.host, s.status, s.job_id, s.job_pid, s.job_start,
    s.idle_timeout_secs, s.exit_code, s.exit_signal, s.exit_description, s.exit_at, s.cwd,
    s.command, s.created_at, s.last_active_at, s.idle_since, s.done_at, s.starter_pid,
    s.starter_start, s.job_outdated,
    (SELECT COUNT(*) FROM views v WHERE v.session_id = s.id), s.number, s.program, s.title,
    s.bell_at, s.cpu_ms, s.rss_bytes";

/// The smallest session number no session has: 0 if free, else one past a
/// number whose successor is free. Evaluated inside the insert, so two
/// processes creating at once (SQLite serialises writers) never share one.
const NEXT_NUMBER: &str = "(CASE WHEN NOT EXISTS (SELECT 1 FROM sessions WHERE number = 0) THEN 0
    ELSE (SELECT MIN(a.number + 1) FROM sessions a WHERE a.number IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM sessions b WHERE b.number = a.number + 1)) END)";

impl Store {
    /// Opens (creating if needed) and migrates the database file.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens with a given wait for other writers.
    pub fn open_with(path: &Path, busy: Duration) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            crate::paths::ensure_dir(dir).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        }
        private_db_files(path)?;
        let conn = Connection::open(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Store::setup(conn, path.to_path_buf(), busy)
    }

    /// A private in-memory database, for unit tests beside the real file.
    #[cfg(test)]
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| StoreError::Open {
            path: ":memory:".into(),
            message: e.to_string(),
        })?;
        Store::setup(conn, ":memory:".into(), DEFAULT_BUSY_TIMEOUT)
    }

    fn setup(mut conn: Connection, path: PathBuf, busy: Duration) -> Result<Store, StoreError> {
        let err = |e: rusqlite::Error| classify(&path, e);
        conn.busy_timeout(busy).map_err(err)?;
        // WAL lets readers (every list refresh) run beside one writer.
        let _: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(err)?;
        // The last connection to close would checkpoint the log into the
        // database and delete it: two fsyncs on the way out of every command
        // (tens of ms on a busy disk), then a synced header for the new log
        // on the next open. The log stays instead; SQLite's automatic
        // checkpoint (every 1000 pages) still folds it in during writes.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(err)?;
        let migrations = Migrations::from_slice(schema::MIGRATIONS);
        // Two sessui processes opening a new database at once would both
        // migrate it; a lock file beside it makes the second wait and find it done.
        let _lock = if path.as_os_str() == ":memory:" {
            None
        } else {
            Some(migration_lock(&path)?)
        };
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| classify(&path, e))?;
        migrations.to_latest(&mut conn).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err: inner, .. } => classify(&path, inner),
            other => StoreError::Other {
                path: path.clone(),
                message: other.to_string(),
            },
        })?;
        Ok(Store {
            conn,
            path,
            busy,
            created: version == 0,
        })
    }

    /// Whether this open made the database from nothing: a lost or replaced
    /// one, when sessions already ran (their jobs are then listed again).
    pub fn created(&self) -> bool {
        self.created
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every later write fail, as a full disk or a revoked permission
    /// would (tests of "a failed write changes nothing").
    #[cfg(test)]
    pub fn refuse_writes(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("PRAGMA query_only = ON;")
            .map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    /// Changes whenever another connection commits: cheap to poll, so every
    /// sessui process notices the others' changes without a repair sweep.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    pub fn insert_session(&self, s: &SessionRow) -> Result<(), StoreError> {
        self.insert(s, "").map(|_| ())
    }

    /// Inserts a session unless one with its id is there already (another
    /// process rebuilt it first): true if this call inserted it.
    pub fn insert_session_if_absent(&self, s: &SessionRow) -> Result<bool, StoreError> {
        self.insert(s, "ON CONFLICT (id) DO NOTHING")
            .map(|n| n == 1)
    }

    fn insert(&self, s: &SessionRow, on_conflict: &str) -> Result<usize, StoreError> {
        let r = self.conn.execute(
            &format!(
                "INSERT INTO sessions (id, name, host, status, job_id, job_pid, job_start,
                idle_timeout_secs, exit_code, exit_signal, exit_description, exit_at, cwd, command,
                created_at, last_active_at, idle_since, done_at, starter_pid, starter_start,
                job_outdated, number)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20, ?21, {NEXT_NUMBER}) {on_conflict}"
            ),
            params![
                s.id.as_str(),
                s.name,
                s.host,
                s.status.as_str(),
                s.job.as_ref().map(|j| j.id.as_str()),
                s.job.as_ref().and_then(|j| j.pid),
                s.job.as_ref().and_then(|j| j.start_token.clone()),
                s.idle.to_column(),
                s.exit.as_ref().and_then(|e| e.code),
                s.exit.as_ref().and_then(|e| e.signal.clone()),
                s.exit.as_ref().map(|e| e.description.clone()),
                s.exit.as_ref().map(|e| e.at),
                s.cwd,
                s.command,
                s.created_at,
                s.last_active_at,
                s.idle_since,
                s.done_at,
                s.starter.as_ref().map(|p| p.pid),
                s.starter.as_ref().map(|p| p.start_token.clone()),
                s.job_outdated,
            ],
        );
        self.name_checked(r, s.name.as_deref())
    }

    fn name_checked(
        &self,
        r: rusqlite::Result<usize>,
        name: Option<&str>,
    ) -> Result<usize, StoreError> {
        match r {
            Err(rusqlite::Error::SqliteFailure(f, Some(msg)))
                if f.code == ErrorCode::ConstraintViolation && msg.contains("sessions.name") =>
            {
                Err(StoreError::NameTaken(name.unwrap_or_default().to_string()))
            }
            other => other.map_err(|e| self.err(e)),
        }
    }

    pub fn get(&self, id: &SessionId) -> Result<Option<SessionRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.id = ?1"),
                [id.as_str()],
                session_from_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every session, most recently active first.
    pub fn list(&self) -> Result<Vec<SessionRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s ORDER BY s.last_active_at DESC, s.created_at DESC"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map([], session_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// The session named `key`; else the one numbered `key`; else those
    /// whose id equals or starts with it (4 characters at least). A name
    /// wins over a number, and a number over an id prefix, so what a user
    /// typed never means two sessions at once.
    pub fn lookup(&self, key: &str) -> Result<Vec<SessionRow>, StoreError> {
        let number = key
            .parse::<u32>()
            .ok()
            .filter(|_| key.bytes().all(|b| b.is_ascii_digit()));
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s
                 WHERE s.name = ?1
                    OR (NOT EXISTS (SELECT 1 FROM sessions n WHERE n.name = ?1)
                        AND (s.number = ?2
                             OR (NOT EXISTS (SELECT 1 FROM sessions l WHERE l.number = ?2)
                                 AND (s.id = ?1
                                      OR (length(?1) >= 4 AND substr(s.id, 1, length(?1)) = ?1)))))
                 ORDER BY s.last_active_at DESC"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![key, number], session_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Moves a session from one of `from` to `to`, atomically: false if it was
    /// not in one of `from` (someone else changed it first).
    pub fn transition(
        &self,
        id: &SessionId,
        from: &[Status],
        to: Status,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let list = from
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(",");
        let done_at = if to == Status::Done { Some(now) } else { None };
        let n = self
            .conn
            .execute(
                &format!(
                    "UPDATE sessions SET status = ?2, done_at = ?3 WHERE id = ?1 AND status IN ({list})"
                ),
                params![id.as_str(), to.as_str(), done_at],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Claims a session to start a new job in it: only one process wins.
    /// Returns false if the session is no longer in one of `from` (or, with
    /// `expected`, no longer has that job: someone else took it over first).
    pub fn claim_start(
        &self,
        id: &SessionId,
        from: &[Status],
        expected: Option<&JobId>,
        job: &JobId,
        starter: &Starter,
        now: Millis,
    ) -> Result<bool, StoreError> {
        let list = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        let n = self
            .conn
            .execute(
                &format!(
                    "UPDATE sessions SET status = 'init', job_id = ?2, job_pid = NULL, job_start = NULL,
                     last_active_at = ?3, done_at = NULL, starter_pid = ?4, starter_start = ?5
                     WHERE id = ?1 AND status IN ({list}) AND (?6 IS NULL OR job_id = ?6)"
                ),
                params![
                    id.as_str(),
                    job.as_str(),
                    now,
                    starter.pid,
                    starter.start_token,
                    expected.map(|j| j.as_str())
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// A start whose process is gone and whose job never ran: the session is
    /// done, if it is still in that start (`init` with that job) and nothing else.
    pub fn abandon_start(
        &self,
        id: &SessionId,
        job: &JobId,
        exit: &ExitRow,
    ) -> Result<bool, StoreError> {
        self.mark_done(id, Some(job), exit, "job_id = ?2 AND status = 'init'")
    }

    /// A `done` session whose shell runs after all (a restored database):
    /// it is running that job again.
    pub fn revive(&self, id: &SessionId, job: &JobRow) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE sessions SET status = 'running', job_id = ?2, job_pid = ?3, job_start = ?4,
                 exit_code = NULL, exit_signal = NULL, exit_description = NULL, exit_at = NULL,
                 done_at = NULL, starter_pid = NULL, starter_start = NULL
                 WHERE id = ?1 AND status = 'done'",
                params![id.as_str(), job.id.as_str(), job.pid, job.start_token],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Marks whether the session's job still has to hear of a change.
    pub fn set_job_outdated(&self, id: &SessionId, outdated: bool) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET job_outdated = ?2 WHERE id = ?1",
                params![id.as_str(), outdated],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a started job and makes the session running, if it is still
    /// ours to start (status init with this job id).
    pub fn set_running(
        &self,
        id: &SessionId,
        job: &JobRow,
        cwd: Option<&str>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE sessions SET status = 'running', job_pid = ?3, job_start = ?4,
                 exit_code = NULL, exit_signal = NULL, exit_description = NULL, exit_at = NULL,
                 cwd = COALESCE(?5, cwd), done_at = NULL, starter_pid = NULL, starter_start = NULL
                 WHERE id = ?1 AND job_id = ?2 AND status = 'init'",
                params![id.as_str(), job.id.as_str(), job.pid, job.start_token, cwd],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Marks a session done with how its job ended, if that job is still its job.
    pub fn set_done(
        &self,
        id: &SessionId,
        job: Option<&JobId>,
        exit: &ExitRow,
    ) -> Result<bool, StoreError> {
        self.mark_done(
            id,
            job,
            exit,
            "(?2 IS NULL OR job_id = ?2) AND status != 'done'",
        )
    }

    /// Records the session's end (`exit`) where `condition` holds of its row
    /// (`?2` is `job`); whether it did.
    fn mark_done(
        &self,
        id: &SessionId,
        job: Option<&JobId>,
        exit: &ExitRow,
        condition: &str,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE sessions SET status = 'done', exit_code = ?3, exit_signal = ?4,
             exit_description = ?5, exit_at = ?6, done_at = ?6, starter_pid = NULL,
             starter_start = NULL
             WHERE id = ?1 AND {condition}"
        );
        let n = self
            .conn
            .execute(
                &sql,
                params![
                    id.as_str(),
                    job.map(|j| j.as_str()),
                    exit.code,
                    exit.signal,
                    exit.description,
                    exit.at
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Renames a session; `None` makes it anonymous.
    pub fn rename(&self, id: &SessionId, name: Option<&str>) -> Result<bool, StoreError> {
        let r = self.conn.execute(
            "UPDATE sessions SET name = ?2 WHERE id = ?1",
            params![id.as_str(), name],
        );
        self.name_checked(r, name).map(|n| n == 1)
    }

    #[cfg(feature = "test-hooks")]
    pub fn set_idle(&self, id: &SessionId, idle: IdleSetting) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET idle_timeout_secs = ?2 WHERE id = ?1",
                params![id.as_str(), idle.to_column()],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records activity (focus, input, output): the list sorts by it. A
    /// record that may be skipped: it waits for other writers only briefly.
    pub fn touch(&self, id: &SessionId, now: Millis) -> Result<(), StoreError> {
        let _ = self.conn.busy_timeout(BEST_EFFORT_BUSY);
        let r = self
            .conn
            .execute(
                "UPDATE sessions SET last_active_at = MAX(last_active_at, ?2) WHERE id = ?1",
                params![id.as_str(), now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e));
        let _ = self.conn.busy_timeout(self.busy);
        r
    }

    /// Sets when a session was last active and since when it has been
    /// idle, as an earlier process would have written them (tests of the
    /// reaper's clock; `touch` only ever moves activity forward).
    #[cfg(test)]
    pub fn set_clock(
        &self,
        id: &SessionId,
        last_active_at: Millis,
        idle_since: Option<Millis>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET last_active_at = ?2, idle_since = ?3 WHERE id = ?1",
                params![id.as_str(), last_active_at, idle_since],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub fn delete(&self, id: &SessionId) -> Result<bool, StoreError> {
        self.conn
            .execute("DELETE FROM sessions WHERE id = ?1", [id.as_str()])
            .map(|n| n == 1)
            .map_err(|e| self.err(e))
    }

    /// The last step of a delete, at once: the session's row goes, and so
    /// does the pending stop that recorded the user's intent.
    pub fn finish_delete(
        &mut self,
        id: &SessionId,
        host: &str,
        job: &JobId,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, e))?;
        tx.execute("DELETE FROM sessions WHERE id = ?1", [id.as_str()])
            .map_err(|e| classify(&path, e))?;
        tx.execute(
            "DELETE FROM pending_stops WHERE host = ?1 AND job_id = ?2",
            params![host, job.as_str()],
        )
        .map_err(|e| classify(&path, e))?;
        tx.commit().map_err(|e| classify(&path, e))
    }
}

/// The database holds commands and working directories: its files are the
/// user's alone (0600) and nobody else's. SQLite makes `-wal` and `-shm`
/// with the database file's mode, so the file is made 0600 before SQLite
/// first opens it, and files an older sessui left looser are tightened.
fn private_db_files(db: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let err = |message: String| StoreError::Open {
        path: db.to_path_buf(),
        message,
    };
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut file = db.as_os_str().to_owned();
        file.push(suffix);
        crate::paths::check_private_file(Path::new(&file)).map_err(|e| err(e.to_string()))?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(db)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(err(e.to_string())),
    }
}

fn migration_lock(db: &Path) -> Result<nix::fcntl::Flock<std::fs::File>, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut lock_path = db.as_os_str().to_owned();
    lock_path.push(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| StoreError::Open {
            path: db.to_path_buf(),
            message: format!("cannot create the lock file: {e}"),
        })?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| {
        StoreError::Open {
            path: db.to_path_buf(),
            message: format!("cannot lock for migration: {e}"),
        }
    })
}

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let status: String = r.get(3)?;
    let job_id: Option<String> = r.get(4)?;
    let exit_description: Option<String> = r.get(10)?;
    Ok(SessionRow {
        id: SessionId::from_string(r.get::<_, String>(0)?),
        name: r.get(1)?,
        host: r.get(2)?,
        status: status.parse().map_err(|e: String| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })?,
        job: job_id
            .map(|id| {
                Ok::<_, rusqlite::Error>(JobRow {
                    id: JobId::from_string(id),
                    pid: r.get(5)?,
                    start_token: r.get(6)?,
                })
            })
            .transpose()?,
        idle: IdleSetting::from_column(r.get(7)?),
        exit: match exit_description {
            Some(description) => Some(ExitRow {
                code: r.get(8)?,
                signal: r.get(9)?,
                description,
                at: r.get::<_, Option<i64>>(11)?.unwrap_or(0),
            }),
            None => None,
        },
        cwd: r.get(12)?,
        command: r.get(13)?,
        created_at: r.get(14)?,
        last_active_at: r.get(15)?,
        idle_since: r.get(16)?,
        done_at: r.get(17)?,
        starter: match (
            r.get::<_, Option<u32>>(18)?,
            r.get::<_, Option<String>>(19)?,
        ) {
            (Some(pid), Some(start_token)) => Some(Starter { pid, start_token }),
            _ => None,
        },
        job_outdated: r.get(20)?,
        views: r.get(21)?,
        number: r.get(22)?,
        activity: crate::protocol::Activity {
            program: r.get(23)?,
            title: r.get(24)?,
            bell_at: r.get(25)?,
            cpu_ms: r.get::<_, i64>(26)?.max(0) as u64,
            rss_bytes: r.get::<_, i64>(27)?.max(0) as u64,
        },
    })
}

#[cfg(test)]
mod tests;
