-- Turn archive, version 2: an answer interrupted after it was archived is amended (interrupted, only what was heard
-- kept); the FTS5 index follows such an update of transcript or answer. PostgreSQL needs no script: its search column
-- is generated from the row. Idempotent: creates only what is missing.

CREATE TRIGGER IF NOT EXISTS archive_turns_fts_update AFTER UPDATE OF transcript, response_text ON archive_turns
BEGIN
    INSERT INTO archive_turns_fts (archive_turns_fts, rowid, transcript, response_text) VALUES ('delete', old.seq, old.transcript, old.response_text);
    INSERT INTO archive_turns_fts (rowid, transcript, response_text) VALUES (new.seq, new.transcript, new.response_text);
END;
