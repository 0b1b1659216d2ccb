-- ingest-service's own tables (versions V10..V19 belong to ingest).

-- Ground-truth pairs this service has announced. The pair id is derived from the frame and the checksums of its
-- images, so a resubmission finds its row here and enqueues nothing new.
CREATE TABLE ingest_pairs (
    id             uuid PRIMARY KEY,
    frame_id       uuid,
    job_id         text NOT NULL,
    show           text NOT NULL,
    shot           text NOT NULL,
    frame_number   integer NOT NULL,
    beauty_sha256  char(64) NOT NULL,
    albedo_sha256  char(64),
    mask_sha256    char(64),
    via            text NOT NULL,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (albedo_sha256 IS NOT NULL OR mask_sha256 IS NOT NULL)
);
CREATE INDEX ingest_pairs_frame ON ingest_pairs (frame_id);

-- What the watch folder has done with each file it saw complete, so a restart neither resubmits nor forgets.
-- A file is looked at again only when its size or modification time changes (a re-render in place).
CREATE TABLE ingest_watch_files (
    path          text PRIMARY KEY,
    size_bytes    bigint NOT NULL,
    modified_ms   bigint NOT NULL,
    role          text NOT NULL CHECK (role IN ('beauty', 'albedo', 'mask')),
    outcome       text NOT NULL CHECK (outcome IN ('submitted', 'refused')),
    sha256        char(64),
    frame_id      uuid,
    pair_id       uuid,
    reason        text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Status queries ask whether a frame's or pair's event has left the outbox yet.
CREATE INDEX ingest_outbox_frame ON outbox ((payload->>'frameId')) WHERE payload ? 'frameId';
CREATE INDEX ingest_outbox_pair ON outbox ((payload->>'pairId')) WHERE payload ? 'pairId';
