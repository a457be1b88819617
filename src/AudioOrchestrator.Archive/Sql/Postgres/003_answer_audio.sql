-- Turn archive, version 3: answer audio (WAV bytes) kept for a while, so any node can serve a turn's responseAudioUrl.
-- Idempotent: creates only what is missing. (Version 2 belongs to another part of the archive; versions apply in order
-- and each is recorded on its own, so a database may see 1, 3 and later 2.)

CREATE TABLE IF NOT EXISTS archive_answer_audio
(
    session_id text COLLATE "C" NOT NULL,
    turn_id    text COLLATE "C" NOT NULL,
    kept_at    timestamptz NOT NULL,
    audio      bytea NOT NULL,
    CONSTRAINT archive_answer_audio_pkey PRIMARY KEY (session_id, turn_id)
);

-- PCM does not compress: keep it out of line without trying.
ALTER TABLE archive_answer_audio ALTER COLUMN audio SET STORAGE EXTERNAL;

-- Retention.
CREATE INDEX IF NOT EXISTS archive_answer_audio_kept ON archive_answer_audio (kept_at);
