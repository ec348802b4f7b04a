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

/// The change feed `sessui events` follows: triggers record every change to
/// sessions and views, whichever process made it, in one append-only table
/// read with a cursor (`seq`). Only the newest `EVENTS_KEPT` rows are kept.
pub(super) const V3: &str = "CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        session_id TEXT NOT NULL,
        name TEXT,
        host TEXT,
        state TEXT,
        detail TEXT
    );
    CREATE TRIGGER events_created AFTER INSERT ON sessions BEGIN
        INSERT INTO events (at, kind, session_id, name, host, state)
        VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'created', new.id, new.name,
                new.host, new.status);
    END;
    CREATE TRIGGER events_renamed AFTER UPDATE OF name ON sessions
    WHEN old.name IS NOT new.name BEGIN
        INSERT INTO events (at, kind, session_id, name, host, state, detail)
        VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'renamed', new.id, new.name,
                new.host, new.status, old.name);
    END;
    CREATE TRIGGER events_state AFTER UPDATE OF status ON sessions
    WHEN old.status IS NOT new.status BEGIN
        INSERT INTO events (at, kind, session_id, name, host, state, detail)
        VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'state-changed', new.id, new.name,
                new.host, new.status, old.status);
    END;
    CREATE TRIGGER events_removed AFTER DELETE ON sessions BEGIN
        INSERT INTO events (at, kind, session_id, name, host, state)
        VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'removed', old.id, old.name,
                old.host, old.status);
    END;
    CREATE TRIGGER events_attached AFTER INSERT ON views BEGIN
        INSERT INTO events (at, kind, session_id, name, host, state, detail)
        SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'attached', s.id, s.name, s.host,
               s.status, new.pid
        FROM sessions s WHERE s.id = new.session_id;
    END;
    CREATE TRIGGER events_detached AFTER DELETE ON views BEGIN
        INSERT INTO events (at, kind, session_id, name, host, state, detail)
        SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'detached', s.id, s.name, s.host,
               s.status, old.pid
        FROM sessions s WHERE s.id = old.session_id;
    END;
    CREATE TRIGGER events_kept AFTER INSERT ON events BEGIN
        DELETE FROM events WHERE seq <= new.seq - 10000;
    END;";

/// How many events the feed keeps (the `events_kept` trigger above): days of
/// ordinary use, a few megabytes at most.
pub const EVENTS_KEPT: i64 = 10_000;

/// Each session's number: short, shown in lists and accepted wherever a
/// name is, the smallest one free when it is created (as tmux numbers its
/// sessions), never reused while the session exists. Sessions of earlier
/// releases are numbered by age.
pub(super) const V4: &str = "ALTER TABLE sessions ADD COLUMN number INTEGER;
    UPDATE sessions SET number = (SELECT COUNT(*) FROM sessions t
        WHERE t.created_at < sessions.created_at
           OR (t.created_at = sessions.created_at AND t.id < sessions.id));
    CREATE UNIQUE INDEX sessions_by_number ON sessions (number);";

/// What runs in each session, as its job last said: the list and `ls`
/// show it even when the job's host cannot be reached.
pub(super) const V5: &str = "ALTER TABLE sessions ADD COLUMN program TEXT;
    ALTER TABLE sessions ADD COLUMN title TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN bell_at INTEGER;
    ALTER TABLE sessions ADD COLUMN cpu_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN rss_bytes INTEGER NOT NULL DEFAULT 0;";

pub(super) const MIGRATIONS: &[M<'static>] =
    &[M::up(V1), M::up(V2), M::up(V3), M::up(V4), M::up(V5)];
