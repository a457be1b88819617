-- Turn archive, version 4: the session listing's turn filters checked from indexes alone.
-- Listing sessions newest first with a turn filter (speaker, agent, time, q) either probes each candidate session's
-- turns or starts from a speaker's turns. With the filter columns and the search vector in these indexes, both read a
-- few index pages instead of turn rows scattered over the table (a cold probe of 500 turn rows cost ~30 ms).
-- Built once (a few seconds per million archived turns); appends wait meanwhile.

CREATE INDEX IF NOT EXISTS archive_turns_session_probe
    ON archive_turns (session_id, committed_at) INCLUDE (speaker_id, agent, search);

-- Replaces archive_turns_speaker (same key), which the covering index makes redundant.
CREATE INDEX IF NOT EXISTS archive_turns_speaker_probe
    ON archive_turns (speaker_id, session_id) INCLUDE (search);
DROP INDEX IF EXISTS archive_turns_speaker;
