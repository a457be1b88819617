-- Turn archive, version 1: every committed turn (append-only), one row per session kept in step with it, and an FTS5
-- index over transcript and answer. Times are microseconds since the Unix epoch (UTC). Idempotent: creates only what
-- is missing. Applied by SqliteArchiveMigrator, which records it in archive_schema_version.

CREATE TABLE IF NOT EXISTS archive_turns
(
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id        TEXT NOT NULL,
    turn_id           TEXT NOT NULL,
    guild_id          TEXT NULL,
    speaker_id        TEXT NOT NULL,
    transcript        TEXT NOT NULL,
    agent             TEXT NOT NULL,
    route_reason      TEXT NULL,
    route_detail      TEXT NULL,
    response_text     TEXT NOT NULL,
    interrupted       INTEGER NOT NULL,
    error             TEXT NULL,
    timings           TEXT NULL,
    tool_calls        TEXT NULL,
    answer_audio_ref  TEXT NULL,
    source            TEXT NOT NULL,
    answered_ahead    INTEGER NOT NULL,
    speech_started_at INTEGER NULL,
    committed_at      INTEGER NOT NULL,
    UNIQUE (session_id, turn_id)
);

CREATE INDEX IF NOT EXISTS archive_turns_session_committed ON archive_turns (session_id, committed_at, turn_id);
CREATE INDEX IF NOT EXISTS archive_turns_committed ON archive_turns (committed_at);
CREATE INDEX IF NOT EXISTS archive_turns_speaker ON archive_turns (speaker_id, session_id);
CREATE INDEX IF NOT EXISTS archive_turns_agent ON archive_turns (agent, session_id);

CREATE VIRTUAL TABLE IF NOT EXISTS archive_turns_fts USING fts5
(
    transcript,
    response_text,
    content = 'archive_turns',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER IF NOT EXISTS archive_turns_fts_insert AFTER INSERT ON archive_turns
BEGIN
    INSERT INTO archive_turns_fts (rowid, transcript, response_text) VALUES (new.seq, new.transcript, new.response_text);
END;

CREATE TRIGGER IF NOT EXISTS archive_turns_fts_delete AFTER DELETE ON archive_turns
BEGIN
    INSERT INTO archive_turns_fts (archive_turns_fts, rowid, transcript, response_text) VALUES ('delete', old.seq, old.transcript, old.response_text);
END;

CREATE TABLE IF NOT EXISTS archive_sessions
(
    session_id        TEXT PRIMARY KEY,
    guild_id          TEXT NULL,
    turn_count        INTEGER NOT NULL,
    first_activity_at INTEGER NOT NULL,
    last_activity_at  INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS archive_sessions_last_activity ON archive_sessions (last_activity_at DESC, session_id DESC);
CREATE INDEX IF NOT EXISTS archive_sessions_guild ON archive_sessions (guild_id, last_activity_at DESC, session_id DESC);
