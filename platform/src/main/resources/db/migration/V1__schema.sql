-- Prism schema, version 1. One migration history for all services: they share this database.

CREATE TABLE jobs (
    id            text PRIMARY KEY,
    show          text NOT NULL,
    shot          text NOT NULL,
    attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_show_shot ON jobs (show, shot);
CREATE INDEX jobs_created ON jobs (created_at);

-- One row per version of a rendered frame. A re-render with new bytes is a new version; the same bytes again are
-- the same row (idempotent submission).
CREATE TABLE frames (
    id             uuid PRIMARY KEY,
    job_id         text NOT NULL REFERENCES jobs (id),
    show           text NOT NULL,
    shot           text NOT NULL,
    layer          text NOT NULL,
    frame_number   integer NOT NULL,
    frame_version  integer NOT NULL DEFAULT 1 CHECK (frame_version >= 1),
    source_uri     text NOT NULL,
    source_path    text,
    sha256         char(64) NOT NULL,
    size_bytes     bigint NOT NULL CHECK (size_bytes >= 0),
    media_type     text NOT NULL,
    width          integer,
    height         integer,
    channels       integer,
    status         text NOT NULL DEFAULT 'submitted'
                   CHECK (status IN ('submitted', 'processing', 'processed', 'failed', 'superseded')),
    status_reason  text,
    attributes     jsonb NOT NULL DEFAULT '{}'::jsonb,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT frames_same_bytes_once UNIQUE (job_id, layer, frame_number, sha256),
    CONSTRAINT frames_version_once UNIQUE (job_id, layer, frame_number, frame_version)
);
CREATE INDEX frames_job_keyset ON frames (job_id, frame_number, layer, frame_version);
CREATE INDEX frames_status ON frames (status, submitted_at);

-- One result per frame, task and model version: redelivered Kafka messages write nothing new.
CREATE TABLE results (
    id                  uuid PRIMARY KEY,
    frame_id            uuid NOT NULL REFERENCES frames (id),
    task                text NOT NULL,
    model_version       integer NOT NULL,
    result_sha256       char(64) NOT NULL,
    result_size         bigint NOT NULL,
    result_media_type   text NOT NULL,
    preview_sha256      char(64),
    preview_size        bigint,
    uncertainty_sha256  char(64),
    uncertainty_size    bigint,
    width               integer NOT NULL,
    height              integer NOT NULL,
    statistics          jsonb NOT NULL DEFAULT '{}'::jsonb,
    latency_ms          bigint NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT results_once UNIQUE (frame_id, task, model_version)
);
CREATE INDEX results_frame ON results (frame_id);
CREATE INDEX results_task_version ON results (task, model_version);

-- Ground truth. split_bucket is derived from the pair id's hash (0..9999): a pair is holdout when its bucket is
-- below fraction * 10000, so the split is deterministic and stable as pairs accumulate.
CREATE TABLE training_pairs (
    id                uuid PRIMARY KEY,
    frame_id          uuid,
    job_id            text NOT NULL,
    show              text NOT NULL,
    shot              text NOT NULL,
    frame_number      integer NOT NULL,
    style             text,
    beauty_sha256     char(64) NOT NULL,
    beauty_size       bigint NOT NULL,
    albedo_sha256     char(64),
    albedo_size       bigint,
    mask_sha256       char(64),
    mask_size         bigint,
    width             integer,
    height            integer,
    split_bucket      integer NOT NULL CHECK (split_bucket BETWEEN 0 AND 9999),
    status            text NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'rejected')),
    reject_reason     text,
    received_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (albedo_sha256 IS NOT NULL OR mask_sha256 IS NOT NULL)
);
CREATE INDEX training_pairs_show ON training_pairs (show, style);
CREATE INDEX training_pairs_received ON training_pairs (received_at);

CREATE TABLE model_versions (
    id               bigserial PRIMARY KEY,
    task             text NOT NULL,
    version          integer NOT NULL CHECK (version >= 1),
    artifact_uri     text NOT NULL,
    artifact_sha256  char(64) NOT NULL,
    artifact_size    bigint NOT NULL,
    parent_version   integer,
    status           text NOT NULL CHECK (status IN ('candidate', 'active', 'retired', 'rejected')),
    metrics          jsonb NOT NULL DEFAULT '{}'::jsonb,
    data_snapshot    jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    promoted_at      timestamptz,
    CONSTRAINT model_versions_once UNIQUE (task, version)
);
-- At most one active version per task, enforced by the database.
CREATE UNIQUE INDEX model_versions_one_active ON model_versions (task) WHERE status = 'active';

CREATE TABLE training_runs (
    id                 uuid PRIMARY KEY,
    task               text NOT NULL,
    status             text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'promoted', 'rejected')),
    base_version       integer,
    candidate_version  integer,
    trigger            text,
    steps_total        integer NOT NULL DEFAULT 0,
    steps_done         integer NOT NULL DEFAULT 0,
    metrics            jsonb NOT NULL DEFAULT '{}'::jsonb,
    log                text NOT NULL DEFAULT '',
    checkpoint_dir     text,
    owner              text,
    started_at         timestamptz NOT NULL DEFAULT now(),
    heartbeat_at       timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz
);
CREATE INDEX training_runs_task ON training_runs (task, started_at);

-- Leases keep singleton work (one training run per task) safe across several service instances.
CREATE TABLE leases (
    name        text PRIMARY KEY,
    owner       text NOT NULL,
    expires_at  timestamptz NOT NULL
);

-- Transactional outbox: a row is written in the same transaction as the state it announces; a relay publishes it
-- to Kafka and marks it published. Nothing accepted is lost if Kafka is down.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    topic         text NOT NULL,
    record_key    text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;
