-- trainer-service: the exact data snapshot of every training run. A run's train and holdout pairs are fixed when
-- it starts, so a resumed run sees the same data, the gate scores both models on the same frames, and a model
-- version's lineage can be traced back to the very pairs it learned from.
CREATE TABLE training_run_pairs (
    run_id   uuid NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
    pair_id  uuid NOT NULL REFERENCES training_pairs (id),
    role     text NOT NULL CHECK (role IN ('train', 'holdout')),
    PRIMARY KEY (run_id, pair_id)
);
CREATE INDEX training_run_pairs_pair ON training_run_pairs (pair_id);
-- The policy counts a task's accepted pairs received since its last run.
CREATE INDEX training_pairs_accepted_received ON training_pairs (status, received_at);
