-- Job mode: one job per flashpoint, possibly on several workers, and a run
-- finishes when its last flashpoint does. runs.attempt grows with each
-- resume so jobs of a superseded attempt can tell. A flashpoint's state is
-- running until it finishes (completed, failed or cancelled); existing rows
-- start running, which only matters for runs that are still queued or
-- running. Adding NOT NULL columns with constant defaults upgrades a file in
-- place without rebuilding the tables.
--
-- flashpoints_unfinished holds only unfinished flashpoints, so "does this
-- run have one left" is one index probe and counting them walks only the
-- work still ahead; runs_active holds only queued and running runs, so
-- UnfinishedFlashpoints starts from the few live runs rather than every run
-- ever stored (it holds state too, so that walk reads no table rows).
-- Queries must spell the predicates with the same literals for SQLite to
-- use these partial indexes.

ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;

ALTER TABLE flashpoints ADD COLUMN state TEXT NOT NULL DEFAULT 'running';
ALTER TABLE flashpoints ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE flashpoints ADD COLUMN finished_at TEXT;

CREATE INDEX flashpoints_unfinished ON flashpoints (run_id) WHERE state = 'running';
CREATE INDEX runs_active ON runs (id, state) WHERE state IN ('queued', 'running');
