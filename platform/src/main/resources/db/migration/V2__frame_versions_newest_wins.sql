-- A re-render back to earlier bytes (A -> B -> A) is a new version: the newest submission wins. The same bytes as the
-- newest version are still the same row (ingest checks the newest version; frames_version_once settles races).
ALTER TABLE frames DROP CONSTRAINT frames_same_bytes_once;
