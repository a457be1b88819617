-- Turn archive, version 1: every committed turn (append-only) and one row per session kept in step with it.
-- Idempotent: creates only what is missing. Applied by PostgresArchiveMigrator, which records it in archive_schema_version.

CREATE TABLE IF NOT EXISTS archive_turns
(
    seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id        text COLLATE "C" NOT NULL,
    turn_id           text COLLATE "C" NOT NULL,
    guild_id          text COLLATE "C" NULL,
    speaker_id        text COLLATE "C" NOT NULL,
    transcript        text NOT NULL,
    agent             text COLLATE "C" NOT NULL,
    route_reason      text NULL,
    route_detail      text NULL,
    response_text     text NOT NULL,
    interrupted       boolean NOT NULL,
    error             text NULL,
    timings           jsonb NULL,
    tool_calls        jsonb NULL,
    answer_audio_ref  text NULL,
    source            text NOT NULL,
    answered_ahead    boolean NOT NULL,
    speech_started_at timestamptz NULL,
    committed_at      timestamptz NOT NULL,
    search            tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, transcript || ' ' || response_text)) STORED,
    CONSTRAINT archive_turns_session_turn UNIQUE (session_id, turn_id)
);

-- A session's turns in order (paging), and the key of its keyset cursor.
CREATE INDEX IF NOT EXISTS archive_turns_session_committed ON archive_turns (session_id, committed_at, turn_id);
-- Retention.
CREATE INDEX IF NOT EXISTS archive_turns_committed ON archive_turns (committed_at);
-- Session filters on turns (EXISTS per session); the guild filter uses archive_sessions.
CREATE INDEX IF NOT EXISTS archive_turns_speaker ON archive_turns (speaker_id, session_id);
CREATE INDEX IF NOT EXISTS archive_turns_agent ON archive_turns (agent, session_id);
-- Full-text search over transcript and answer.
CREATE INDEX IF NOT EXISTS archive_turns_search ON archive_turns USING GIN (search);

CREATE TABLE IF NOT EXISTS archive_sessions
(
    session_id        text COLLATE "C" PRIMARY KEY,
    guild_id          text COLLATE "C" NULL,
    turn_count        bigint NOT NULL,
    first_activity_at timestamptz NOT NULL,
    last_activity_at  timestamptz NOT NULL
);

-- Listing: newest activity first, and by guild.
CREATE INDEX IF NOT EXISTS archive_sessions_last_activity ON archive_sessions (last_activity_at DESC, session_id DESC);
CREATE INDEX IF NOT EXISTS archive_sessions_guild ON archive_sessions (guild_id, last_activity_at DESC, session_id DESC);
