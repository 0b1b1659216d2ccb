-- results-api: indexes for its keyset-paginated reads (platform's V1 already has frames_job_keyset and results_frame).

-- Frames of a job filtered by status, in keyset order: an index range scan instead of filtering the whole job.
CREATE INDEX IF NOT EXISTS frames_job_status_keyset ON frames (job_id, status, frame_number, layer, frame_version);

-- Jobs list, newest first, paginated by (created_at, id).
CREATE INDEX IF NOT EXISTS jobs_created_id ON jobs (created_at, id);

-- Training runs that produced a model version (lineage view).
CREATE INDEX IF NOT EXISTS training_runs_candidate ON training_runs (task, candidate_version);
