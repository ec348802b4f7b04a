//! The database schema, as a list of migrations: a database of any earlier
//! release is brought up to date on open, keeping every row.

use rusqlite_migration::M;

/// The first release's schema.
pub(super) const V1: &str = "CREATE TABLE sessions (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT UNIQUE,
        host TEXT NOT NULL DEFAULT 'local',
        status TEXT NOT NULL CHECK (status IN ('init', 'running', 'disconnected', 'done')),
        job_id TEXT,
        job_pid INTEGER,
        job_start TEXT,
        idle_timeout_secs INTEGER,
        exit_code INTEGER,
        exit_signal TEXT,
        exit_description TEXT,
        exit_at INTEGER,
        cwd TEXT,
        command TEXT,
        created_at INTEGER NOT NULL,
        last_active_at INTEGER NOT NULL,
        idle_since INTEGER,
        done_at INTEGER
    );
    CREATE INDEX sessions_by_activity ON sessions (last_active_at DESC);
    CREATE INDEX sessions_by_host ON sessions (host);
    CREATE TABLE views (
        id TEXT PRIMARY KEY NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        pid INTEGER NOT NULL,
        start_token TEXT NOT NULL,
        attached_at INTEGER NOT NULL
    );
    CREATE INDEX views_by_session ON views (session_id);
    CREATE TABLE pending_stops (
        host TEXT NOT NULL,
        job_id TEXT NOT NULL,
        job_pid INTEGER,
        job_start TEXT,
        since INTEGER NOT NULL,
        PRIMARY KEY (host, job_id)
    );";

/// Who is starting a session (a start is owned, not timed out); changes the
/// job has yet to hear of; which session a pending stop deleted.
pub(super) const V2: &str = "ALTER TABLE sessions ADD COLUMN starter_pid INTEGER;
    ALTER TABLE sessions ADD COLUMN starter_start TEXT;
    ALTER TABLE sessions ADD COLUMN job_outdated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE pending_stops ADD COLUMN session_id TEXT;";

/// Each session's number: short, shown in lists and accepted wherever a
/// name is, the smallest one free when it is created (as tmux numbers its
/// sessions), never reused while the session exists. Sessions of earlier
/// releases are numbered by age.
pub(super) const V3: &str = "ALTER TABLE sessions ADD COLUMN number INTEGER;
    UPDATE sessions SET number = (SELECT COUNT(*) FROM sessions t
        WHERE t.created_at < sessions.created_at
           OR (t.created_at = sessions.created_at AND t.id < sessions.id));
    CREATE UNIQUE INDEX sessions_by_number ON sessions (number);";

pub(super) const MIGRATIONS: &[M<'static>] = &[M::up(V1), M::up(V2), M::up(V3)];
